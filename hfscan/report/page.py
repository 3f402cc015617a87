"""One self-contained HTML page: Vega's JavaScript inlined, chart specs as escaped JSON.

Model ids, tags, authors and pipeline tags are user-controlled. Altair's own HTML embeds the spec
raw inside <script>, where `</script>` in a tag would end the element. Here every spec is JSON
with `<`, `>`, `&` and the JavaScript line separators escaped as \\uXXXX (still valid JSON, never
markup), placed in a `type="application/json"` element and read with JSON.parse; every text
outside the specs goes through html.escape.
"""

from __future__ import annotations

import html
import json
from functools import lru_cache
from typing import Any

import polars as pl

from hfscan.report.data import ReportData
from hfscan.report.source import REFERENCE_URL, Provenance

_UNSAFE = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def safe_json(value: Any) -> str:
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)
    for raw, escaped in _UNSAFE.items():
        text = text.replace(raw, escaped)
    return text


@lru_cache(maxsize=1)
def vega_bundle() -> str:
    """Vega, Vega-Lite and vega-embed as one classic script (from vl-convert; no network)."""
    import vl_convert

    # vl-convert's stub marks `snippet` required; at run time it defaults to the standard globals.
    bundle: str = vl_convert.javascript_bundle()  # type: ignore[call-arg]
    return bundle.replace("</script", "<\\/script")


STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:980px;margin:2rem auto;padding:0 1rem;
color:#222;line-height:1.45}
h1{margin-bottom:.2rem}.sub{color:#555;margin-top:0}section{margin:2.2rem 0}
table{border-collapse:collapse;font-size:.9rem;display:block;max-width:100%;overflow-x:auto}td,th{border-bottom:1px solid #ddd;padding:.25rem .6rem;text-align:right}
td:first-child,th:first-child{text-align:left}.big{font-size:1.25rem}.note{color:#555;font-size:.9rem}.caveat{background:#fff3cd;border-left:4px solid #e0a800;padding:.4rem .7rem}
#source{border:2px solid #555;padding:.5rem .8rem;margin-bottom:1rem;font-size:.95rem}
#source.planted{border-color:#b00020;background:#fdecee}#source .what{font-size:1.1rem;font-weight:bold}
#source.planted .what{color:#b00020}
.chart{max-width:100%;overflow:hidden}.chart svg{max-width:100%;height:auto}
"""

RUNNER = """
(function(){
  var errors=[];window.addEventListener('error',function(e){errors.push(String(e.message));
    document.body.dataset.errors=errors.join(' | ');});
  var specs=document.querySelectorAll('script[type="application/json"][data-chart]');var done=0;
  document.body.dataset.charts=String(specs.length);
  specs.forEach(function(el){
    var target=document.getElementById(el.dataset.chart);
    vegaEmbed(target,JSON.parse(el.textContent),{actions:false,renderer:'svg'}).then(function(result){
      (window.hfscanViews=window.hfscanViews||{})[el.dataset.chart.slice(6)]=result.view;  // for tests/report
      done+=1;document.body.dataset.rendered=String(done);
      document.body.dataset.resources=String(performance.getEntriesByType('resource').length);
    }).catch(function(e){errors.push(String(e));document.body.dataset.errors=errors.join(' | ');});
  });
})();
"""


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}%"


def _headline_table(data: ReportData) -> str:
    rows = []
    notes = []
    for method, result in data.headlines.items():
        counts, shares = result.counts, result.shares
        if result.header:  # a note under the table, not a row of it
            notes.append(f"<p class=note>{html.escape(method)}: 95% Wilson intervals over "
                         f"{result.population:,} probed models: " + ", ".join(
                             f"{html.escape(k)} {lo:.1f}–{hi:.1f}%" for k, (lo, hi) in result.header.intervals.items())
                         + "</p>")
        rows.append(
            f"<tr><td>{html.escape(method)}</td><td>{_pct(shares['pytorch_only'])}</td>"
            f"<td>{_pct(shares['tensorflow_only'])}</td><td>{_pct(shares['both'])}</td>"
            f"<td>{result.population:,}</td><td>{counts['neither']:,}</td></tr>")
    reference = next(iter(data.headlines.values())).reference_2021 if data.headlines else None
    if reference:
        s = reference.shares
        rows.append(f"<tr><td>2021 reference</td><td>{_pct(s['pytorch_only'])}</td><td>{_pct(s['tensorflow_only'])}</td>"
                    f"<td>{_pct(s['both'])}</td><td>≈{reference.population:,}</td><td>–</td></tr>")
    return ("<table><tr><th>method</th><th>PyTorch only</th><th>TensorFlow only</th><th>both</th>"
            "<th>population</th><th>neither</th></tr>" + "".join(rows) + "</table>" + "".join(notes)
            + _v5_note(data))


def _scans_table(data: ReportData) -> str:
    rows = "".join(
        f"<tr><td>{row['scan_id']}</td><td>{html.escape(str(row['kind']))}</td>"
        f"<td>{html.escape(str(row['snapshot_at'])[:19])}</td><td>{(row['models'] or 0):,}</td>"
        f"<td>{html.escape(str(row['source']))}</td></tr>"
        for row in data.scans.iter_rows(named=True))
    return ("<table><tr><th>scan</th><th>kind</th><th>snapshot</th><th>models</th><th>source</th></tr>"
            + rows + "</table>")


def _methods(data: ReportData) -> str:
    files = data.headlines.get("files")
    rules = html.escape(str(files.rules_version if files else "?"))
    attributed = files.pt_attributed if files else 0
    return f"""
<h2>Methods</h2>
<p><b>Classes.</b> A model is <i>PyTorch only</i> when it has PyTorch weights and no TensorFlow weights,
<i>TensorFlow only</i> the other way round, <i>both</i> when it has both, <i>neither</i> otherwise
(GGUF, ONNX, MLX, Flax only, unattributed safetensors, no weights). <b>Shares are of models with
PyTorch and/or TensorFlow</b> (the 2021 figure's denominator); <i>neither</i> is counted beside them.</p>
<p><b>files</b>: weight files by name (rules version {rules}); <code>training_args.bin</code>,
optimizer and scheduler states and index files are never weights; a generic <code>.bin</code> is not
PyTorch. Safetensors files are framework-neutral: attributed to PyTorch only when the repo's library is
PyTorch-first (transformers, diffusers, peft, ...) — {attributed:,} PyTorch models in the latest scan
rest on that attribution. <b>tags</b>: the Hub's own <code>pytorch</code> / <code>tf</code> tags (computed by
closed Hub code; the method the 2021 figure most likely used). <b>header</b>: the
<code>__metadata__.format</code> of safetensors headers, read with range requests for a sample; its
shares are estimates over the probed models with 95% Wilson intervals. <b>loadable</b>: where
transformers can load the model from (its config's model type must have a class in that framework, and
a weight file a loading path reads: TF classes read PyTorch-written safetensors directly and
<code>pytorch_model.bin</code> with <code>from_pt=True</code>); other libraries keep their files class.
Transformers v5 (5.0.0, 2026-01-26) removed TensorFlow and Flax, so <code>loadable_v5</code> loads nothing
from them; 4.57 is the last line that did.</p>
<p><b>Dates.</b> The Hub reports 2022-03-02 as the creation date of every older repo; cohorts use the
first commit where <code>hfscan history</code> recovered it and otherwise one labelled bucket.
Files change after creation (conversion bots add safetensors): "as of" figures use each repo's files at
its last commit on or before the date.</p>
<h3>Scans</h3>{_scans_table(data)}
"""


def _as_of_caveat(data: ReportData) -> str:
    """A visible caveat for each as-of figure that is an estimate, not exact: what it rests on, and
    where to read its parts. It never promises that history makes it exact: a squashed history, a
    gated repo without access or a deleted one stays bounded whatever is fetched."""
    inexact = [row for row in data.as_of if row.missing]
    return "".join(
        f"<p class=caveat><b>Estimate:</b> the as-of {html.escape(row.as_of)} figure is not exact. "
        f"{row.missing:,} of the repos that may have existed then are estimated from a sample or bounded "
        f"as worst cases (shown as its 95% interval): <code>hfscan shares --as-of {html.escape(row.as_of)}"
        f"</code> lists how many of each. A larger <code>hfscan history --sample</code> narrows the sampled part; "
        f"a squashed history, a gated repo without access or a deleted one stays bounded.</p>"
        for row in inexact)


def _timeline_caveat(data: ReportData) -> str:
    """Under the first chart: what its marks mean, which dates are partial, or how to get the series."""
    if not data.timeline.height:
        return ("<p class=caveat>No as-of series is stored yet, so the time chart shows snapshots, the 2021 "
                "figure and the naive estimate only: <code>hfscan timeline --every quarter</code> adds it "
                "(it states the history requests it needs first).</p>")
    estimated = data.timeline.filter(~pl.col("complete")).unique("day").sort("day")
    text = ("<p class=note>Solid lines: the Hub as of each date, rebuilt from each repo's files at its last commit "
            "on or before the date (<code>hfscan timeline</code>); the band around each is its 95% interval "
            "(none where the date is exact). PyTorch only has its own panel; TensorFlow only and both share the "
            "second, on their own scale. Squares: complete snapshots. Thin dashed lines: the naive estimate "
            "(today's files, by listed creation date; every repo created before 2022-03-02 counted as old). "
            "Diamonds: the AssemblyAI figure of 14 Dec 2021, read off its chart.</p>")
    if estimated.height:
        days = ", ".join(html.escape(row["day"]) for row in estimated.iter_rows(named=True))
        text += (f"<p class=note>{estimated.height} date(s) are estimates, not exact: {days}. Repos whose history "
                 "was not fetched are estimated from a keyed-hash sample (<code>hfscan history --every ... "
                 "--sample N</code>; a larger N narrows the band), and repos no request can answer (history squashed "
                 "after the date, gated, gone) widen it as worst cases.</p>")
    return text


def _source_banner(source: Provenance) -> str:
    """The first thing on the page: where the numbers come from; planted data says so in red."""
    snapshots = ", ".join(
        f"{'dump' if s.kind == 'import' else 'scan'} {s.scan_id} ({html.escape(s.snapshot_day)}, {s.models:,} models)"
        for s in source.scans)
    return (f'<header id=source class="{"planted" if source.planted else "hub"}">'
            f"<div class=what>{html.escape(source.headline())}</div>"
            f"<div>{html.escape(source.detail())}.</div>"
            f"<div class=note>Snapshots: {snapshots or 'none'}.</div>"
            f'<div class=note>2021 figure: <a href="{html.escape(REFERENCE_URL)}">AssemblyAI, '
            "\"PyTorch vs TensorFlow in 2022\" (14 Dec 2021)</a>, read off its chart.</div></header>")


def _v5_note(data: ReportData) -> str:
    """Transformers 5 loads nothing from TensorFlow, yet `loadable_v5` has TensorFlow-only models:
    those transformers does not load (keras, no library) keep their files class. Say so, next to it."""
    v5 = data.headlines.get("loadable_v5")
    if not v5 or not v5.counts.get("tensorflow_only"):
        return ""
    libraries = ", ".join(f"{html.escape(row.library)} {row.models:,}" for row in data.v5_tf_only)
    return (f"<p class=note id=v5-note>loadable_v5: its {_pct(v5.shares['tensorflow_only'])} TensorFlow only "
            f"({v5.counts['tensorflow_only']:,} models) are files of libraries other than transformers "
            f"({libraries}), which keep their files class; transformers 5 itself loads nothing from "
            "TensorFlow.</p>")


def render(data: ReportData, charts: dict[str, Any], title: str = "hfscan: which frameworks Hub models can be used with") -> str:
    blocks = []
    for name, chart in charts.items():
        spec = chart.to_dict()
        blocks.append(f'<section><div id="chart-{name}" class="chart"></div>'
                      f'<script type="application/json" data-chart="chart-{name}">{safe_json(spec)}</script>'
                      + (_timeline_caveat(data) if name == "timeline" else "")
                      + ("</section>" if name != "timeline" else f"</section><section>{_headline_table(data)}</section>"))
    latest = data.headlines.get("files") or next(iter(data.headlines.values()), None)
    lead = ""
    if latest:
        s = latest.shares
        lead = (f"<p class=big>In the snapshot of {html.escape(data.scan_date[:10])} (scan {data.scan_id}), by file names: "
                f"<b>{_pct(s['pytorch_only'])}</b> PyTorch only, <b>{_pct(s['tensorflow_only'])}</b> TensorFlow only, "
                f"<b>{_pct(s['both'])}</b> both, of {latest.population:,} models with PyTorch and/or TensorFlow "
                f"({latest.total_models:,} models scanned).</p>")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title><style>{STYLE}</style>
<script>{vega_bundle()}</script></head>
<body>
{_source_banner(data.source) if data.source else ""}
<h1>{html.escape(title)}</h1>
{lead}
{_as_of_caveat(data)}
{''.join(blocks)}
<section>{_methods(data)}</section>
<script>{RUNNER}</script>
</body></html>
"""
