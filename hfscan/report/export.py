"""One chart as PNG or SVG (vl-convert, no browser), its source stated at the top.

Model ids and tags reach the renderer as data: control characters (a NUL in a model id aborted
vl-convert's process, exit 134) are shown as U+FFFD, never passed on.
"""

from __future__ import annotations

import re
from typing import Any

import altair as alt

from hfscan.report.source import Provenance

# What XML 1.0 does not allow in text (vl-convert writes SVG even for PNG), and DEL.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def printable(value: Any) -> Any:
    """Every string in a chart spec, with control characters replaced (nested lists and dicts)."""
    if isinstance(value, str):
        return _CONTROL.sub("\ufffd", value)
    if isinstance(value, list):
        return [printable(v) for v in value]
    if isinstance(value, dict):
        return {printable(k): printable(v) for k, v in value.items()}
    return value


# A Vega-Lite spec as JSON (altair's to_dict()): the document vl-convert renders, a wire format
# whose shape is Vega-Lite's, so it stays a dict.
VegaLiteSpec = dict[str, Any]


def with_source(chart: alt.TopLevelSpec, source: Provenance) -> VegaLiteSpec:
    """The chart's spec with the source as the first lines of its title: an exported image shows
    where its numbers come from (and that they are planted, when they are) without the page."""
    spec = chart.to_dict()
    title = spec.get("title")
    text = title.get("text") if isinstance(title, dict) else title
    subtitle = list(title.get("subtitle") or []) if isinstance(title, dict) else []
    if isinstance(subtitle, str):
        subtitle = [subtitle]
    spec["title"] = {
        "text": source.lines()[0], "color": "#b00020" if source.planted else "#222", "fontSize": 13,
        "anchor": "start", "subtitle": [*source.lines()[1:], str(text or ""), *subtitle],
        "subtitleColor": "#333", "subtitleFontSize": 11, "subtitlePadding": 4, "offset": 10,
    }
    return printable(spec)


def render(chart: alt.TopLevelSpec, source: Provenance, fmt: str) -> bytes:
    import vl_convert

    spec = with_source(chart, source)
    if fmt == "svg":
        return str(vl_convert.vegalite_to_svg(spec)).encode("utf-8")
    return bytes(vl_convert.vegalite_to_png(spec, scale=2))
