"""Look at the report as drawn: Vega's scenegraph of every chart, read from headless Chromium.

`probe(html_path)` opens a copy of the page with PROBE appended; PROBE waits until every chart
rendered, walks each view's scenegraph (`view.scenegraph().root`) into flat items with absolute
bounds, and writes them as JSON into the page, which `--dump-dom` returns. The checks below read
those items: every chart has data, every legend entry is a distinct symbol that some drawn mark
shares, no two texts overlap, and nothing is wider than the window.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Any

PROBE = """
(function(){
  function walk(mark, dx, dy, legend, out){
    (mark.items||[]).forEach(function(item){
      var b=item.bounds, text=item.text;
      if(Array.isArray(text)){text=text.join(' ');}
      var leg=legend;
      if(mark.role==='legend'){leg=String(out.length);}
      out.push({mark:mark.marktype||'', role:mark.role||'', legend:leg,
        text:(text===undefined||text===null)?null:String(text),
        fill:item.fill==null?null:String(item.fill), stroke:item.stroke==null?null:String(item.stroke),
        shape:item.shape==null?null:String(item.shape), dash:item.strokeDash==null?null:String(item.strokeDash),
        opacity:item.opacity==null?1:item.opacity,
        bounds:b?[b.x1+dx,b.y1+dy,b.x2+dx,b.y2+dy]:null});
      if(mark.marktype==='group'){
        (item.items||[]).forEach(function(child){walk(child, dx+(item.x||0), dy+(item.y||0), leg, out);});
      }
    });
  }
  function done(){
    var body=document.body;
    return body.dataset.charts && body.dataset.rendered===body.dataset.charts;
  }
  function report(){
    // The root element's own box (its clientWidth is the window's), and the right edge of whatever
    // is not inside a scrolling or clipping box.
    var width=document.documentElement.getBoundingClientRect().width, right=0;
    document.querySelectorAll('body *').forEach(function(el){
      for(var up=el.parentElement; up && up!==document.body; up=up.parentElement){
        if(getComputedStyle(up).overflowX!=='visible'){return;}
      }
      right=Math.max(right, el.getBoundingClientRect().right);
    });
    var result={charts:{}, width:width, scrollWidth:right, errors:document.body.dataset.errors||''};
    var views=window.hfscanViews||{};
    Object.keys(views).forEach(function(name){
      var items=[]; walk(views[name].scenegraph().root, 0, 0, null, items);
      var svg=document.querySelector('#chart-'+name+' svg'), box=svg?svg.getBoundingClientRect():null;
      result.charts[name]={items:items, right:box?box.right:null,
                           container:document.getElementById('chart-'+name).getBoundingClientRect().right};
    });
    var source=document.getElementById('source');
    result.source=source?source.textContent:null;
    var pre=document.createElement('pre'); pre.id='probe'; pre.textContent=JSON.stringify(result);
    document.body.appendChild(pre);
  }
  var tries=0;
  (function wait(){ if(done()||tries++>400){report();} else {setTimeout(wait,50);} })();
})();
"""


@dataclass(frozen=True)
class Item:
    chart: str
    mark: str
    role: str
    legend: str | None
    text: str | None
    fill: str | None
    stroke: str | None
    shape: str | None
    dash: str | None
    opacity: float
    bounds: tuple[float, float, float, float] | None


@dataclass(frozen=True)
class Scene:
    items: dict[str, list[Item]]
    right: dict[str, float | None]
    width: float
    scroll_width: float  # wider than `width`: something on the page (a table, a chart) sticks out
    source: str | None
    errors: str


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def probe(page: Path, browser: str, width: int = 1200) -> Scene:
    probed = page.with_name(page.stem + f"-probe-{width}.html")
    text = page.read_text(encoding="utf-8")
    at = text.rindex("</body>")
    # Headless Chromium keeps its window at least 500 px wide: the page's root element gets the
    # width instead (a phone's layout viewport, as the page's `width=device-width` asks).
    narrow = f"<style>html{{width:{width}px}}</style>"
    probed.write_text(text[:at] + narrow + f"<script>{PROBE}</script>" + text[at:], encoding="utf-8")
    flags = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
             "--host-resolver-rules=MAP * ~NOTFOUND", "--virtual-time-budget=30000",
             f"--window-size={max(width, 500)},3000",
             f"--user-data-dir={page.parent / f'chrome-probe-{width}'}", "--hide-scrollbars"]
    dom = subprocess.run([*flags, "--dump-dom", probed.as_uri()], capture_output=True, text=True, timeout=240)
    found = re.search(r'<pre id="probe">(.*?)</pre>', dom.stdout, re.S)
    assert found, dom.stderr[-2000:]
    raw: dict[str, Any] = json.loads(html.unescape(found.group(1)))
    items = {name: [Item(name, i["mark"], i["role"], i["legend"], i["text"], i["fill"], i["stroke"], i["shape"],
                         i["dash"], float(i["opacity"]), tuple(i["bounds"]) if i["bounds"] else None)
                    for i in chart["items"]]
             for name, chart in raw["charts"].items()}
    return Scene(items, {name: chart["right"] for name, chart in raw["charts"].items()}, float(raw["width"]),
                 float(raw["scrollWidth"]), raw["source"], raw["errors"])


def data_marks(items: list[Item]) -> list[Item]:
    """Items the data drew (not axes, legends, titles or frames)."""
    return [i for i in items if i.role == "mark" and i.mark not in ("group",)]


def empty_charts(scene: Scene) -> list[str]:
    return [name for name, items in scene.items.items() if not data_marks(items)]


def _colour(item: Item) -> str | None:
    for value in (item.fill, item.stroke):
        if value and value not in ("transparent", "none"):
            return value
    return None


def _strokes(symbol: Item) -> bool:
    """A legend symbol drawn as a line (Vega's "stroke" shape or an open SVG path), where a dash shows."""
    return symbol.shape == "stroke" or bool(symbol.shape and symbol.shape.lstrip().upper().startswith("M"))


def legend_problems(scene: Scene) -> list[str]:
    """Per legend: its symbols must differ from each other (four identical dots say nothing), and each
    property that varies across them (colour, shape, dash, opacity) must be drawn by some data mark."""
    problems = []
    for name, items in scene.items.items():
        marks = data_marks(items)
        drawn = {"colour": {c for i in marks for c in (i.fill, i.stroke) if c},
                 "shape": {i.shape for i in marks if i.shape}, "dash": {i.dash for i in marks if i.dash},
                 "opacity": {round(i.opacity, 3) for i in marks}}
        legends: dict[str, list[Item]] = {}
        for item in items:
            if item.role == "legend-symbol" and item.legend is not None:
                legends.setdefault(item.legend, []).append(item)
        for legend, symbols in legends.items():
            labels = [i.text for i in items if i.role == "legend-label" and i.legend == legend]
            # A dash shows only on a stroke symbol: on a dot it draws nothing (four identical dots).
            keys = {"colour": [_colour(s) for s in symbols], "shape": [s.shape for s in symbols],
                    "dash": [s.dash if _strokes(s) else None for s in symbols],
                    "opacity": [round(s.opacity, 3) for s in symbols]}
            signatures = list(zip(*keys.values(), strict=True))
            if len(symbols) > 1 and len(set(signatures)) < len(signatures):
                problems.append(f"{name}: legend {labels} draws identical symbols {signatures}")
            for prop, values in keys.items():
                if len(set(values)) < 2:
                    continue  # not what this legend encodes
                for label, value in zip(labels, values, strict=False):
                    if value not in drawn[prop]:
                        problems.append(f"{name}: legend entry {label!r} ({prop} {value}) matches no drawn mark")
    return problems


def overlapping_texts(scene: Scene, tolerance: float = 1.0) -> list[str]:
    """Pairs of visible texts whose boxes overlap by more than `tolerance` pixels both ways."""
    problems = []
    for name, items in scene.items.items():
        texts = [i for i in items if i.mark == "text" and i.text and i.text.strip() and i.opacity > 0 and i.bounds]
        for a, b in combinations(texts, 2):
            assert a.bounds and b.bounds
            dx = min(a.bounds[2], b.bounds[2]) - max(a.bounds[0], b.bounds[0])
            dy = min(a.bounds[3], b.bounds[3]) - max(a.bounds[1], b.bounds[1])
            if dx > tolerance and dy > tolerance:
                problems.append(f"{name}: {a.text!r} overlaps {b.text!r}")
    return problems


def clipped_charts(scene: Scene) -> list[str]:
    clipped = [f"{name}: right edge {right:.0f} > window {scene.width:.0f}" for name, right in scene.right.items()
               if right is not None and right > scene.width + 1]
    if scene.scroll_width > scene.width + 1:
        clipped.append(f"the page is {scene.scroll_width:.0f} px wide in a {scene.width:.0f} px window")
    return clipped
