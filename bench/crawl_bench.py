"""Crawl benchmark: hfscan against the scripts people would otherwise write, and the network floor.

    python bench/crawl_bench.py --models 100000 --repeats 3 [--latency-ms 200] [--json out.json]

The fake Hub runs in its own process with pre-rendered pages (the server is not what is measured)
and every contender lists the same pages from it through huggingface_hub's HTTP stack:

- floor:   fetch every page, throw it away (same session, same connection reuse);
- peer A:  `HfApi().list_models(expand=[...])`, a ModelInfo per model, rows, a pandas DataFrame,
           one `CREATE TABLE AS` in DuckDB (`peer_a_rows`: the same with `executemany`, opt-in);
- peer B:  the same listing written to JSONL, then `duckdb.read_json`;
- hfscan:  `hfscan scan --no-classify` into a fresh database.

Runs alternate (A, B, floor, hfscan, A, B, ...) and each figure is the median of the repeats.
Each contender runs in a fresh subprocess, measured for wall time, CPU seconds and peak RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import machine, measure  # noqa: E402
from bench.pageserver import DEFAULT_CACHE  # noqa: E402
from hfscan.crawl.listing import EXPAND_FIELDS  # noqa: E402

PEER_A = """
import duckdb, sys, pandas
from huggingface_hub import HfApi
rows = []
for m in HfApi().list_models(expand={expand!r}, sort="created_at", limit=None):
    rows.append((m.id, m.sha, m.created_at, m.last_modified, m.library_name, m.pipeline_tag,
                 m.tags, [s.rfilename for s in (m.siblings or [])], m.downloads, m.likes))
frame = pandas.DataFrame(rows, columns=["id", "sha", "created", "modified", "library", "pipeline", "tags", "files",
                                        "downloads", "likes"])
con = duckdb.connect(sys.argv[1])
con.execute("CREATE TABLE models AS SELECT * FROM frame")
print(con.execute("SELECT count(*) FROM models").fetchall()[0][0])
"""

# Peer A as most first drafts are written: one INSERT per row (DuckDB's executemany). ~100x slower
# than the DataFrame insert above, so it is opt-in (--contenders ...,peer_a_rows) and small sizes only.
PEER_A_ROWS = """
import duckdb, sys
from huggingface_hub import HfApi
rows = []
for m in HfApi().list_models(expand={expand!r}, sort="created_at", limit=None):
    rows.append((m.id, m.sha, m.created_at, m.last_modified, m.library_name, m.pipeline_tag,
                 m.tags, [s.rfilename for s in (m.siblings or [])], m.downloads, m.likes))
con = duckdb.connect(sys.argv[1])
con.execute("CREATE TABLE models (id VARCHAR, sha VARCHAR, created TIMESTAMPTZ, modified TIMESTAMPTZ,"
            " library VARCHAR, pipeline VARCHAR, tags VARCHAR[], files VARCHAR[], downloads BIGINT, likes BIGINT)")
con.executemany("INSERT INTO models VALUES (?,?,?,?,?,?,?,?,?,?)", rows)
print(con.execute("SELECT count(*) FROM models").fetchall()[0][0])
"""

PEER_B = """
import duckdb, json, sys, os
from huggingface_hub import HfApi
from huggingface_hub.utils import get_session, build_hf_headers
from huggingface_hub.utils._pagination import paginate
path = sys.argv[1] + ".jsonl"
params = [("sort", "createdAt"), *[("expand", e) for e in {expand!r}], ("limit", "1000")]
with open(path, "w") as out:
    for item in paginate(os.environ["HF_ENDPOINT"] + "/api/models", params=params, headers=build_hf_headers()):
        out.write(json.dumps(item) + "\\n")
con = duckdb.connect(sys.argv[1])
con.execute(f"CREATE TABLE models AS SELECT * FROM read_json('{{path}}', format='newline_delimited')")
print(con.execute("SELECT count(*) FROM models").fetchall()[0][0])
"""

FLOOR = """
import os
from huggingface_hub.utils import get_session, build_hf_headers
url = os.environ["HF_ENDPOINT"] + "/api/models"
params = [("sort", "createdAt"), *[("expand", e) for e in {expand!r}], ("limit", "1000")]
session, headers, pages, size = get_session(), build_hf_headers(), 0, 0
while url:
    r = session.get(url, params=params, headers=headers, timeout=120)
    r.raise_for_status()
    size += len(r.content); pages += 1
    url, params = r.links.get("next", {{}}).get("url"), None
print(pages, size)
"""


def stored_models(name: str, stdout: str) -> int | None:
    """How many models the contender stored (peers print a count, hfscan its JSON result)."""
    try:
        if name == "hfscan":
            return int(json.loads(stdout)["models"])
        return int(stdout.split()[-1]) if name != "floor" else None
    except (ValueError, KeyError, IndexError):
        return None


def start_hub(models: int, seed: int, cache: Path, latency_ms: int,
              pages: int | None = None) -> tuple[subprocess.Popen[str], str]:
    """The pre-rendered page server (bench/pageserver.py) in its own process; returns it and its URL."""
    command = [sys.executable, str(ROOT / "bench" / "pageserver.py"), "--models", str(models), "--seed", str(seed),
               "--cache", str(cache), "--latency-ms", str(latency_ms)]
    if pages:
        command += ["--pages", str(pages)]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    if not url.startswith("http://127.0.0.1:"):
        proc.kill()
        raise RuntimeError(f"page server did not start: {url} {proc.stderr.read() if proc.stderr else ''}")
    return proc, url


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--latency-ms", type=int, default=0)
    parser.add_argument("--contenders", default="floor,peer_a,peer_b,hfscan")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="where pre-rendered pages are kept")
    parser.add_argument("--pages", type=int, default=None,
                        help="list only the first N pages of the --models population (reuses its rendered pages)")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    listed = min(args.models, args.pages * 1000) if args.pages else args.models

    expand = list(EXPAND_FIELDS)
    scripts = {"peer_a": PEER_A.format(expand=expand), "peer_a_rows": PEER_A_ROWS.format(expand=expand),
               "peer_b": PEER_B.format(expand=expand),
               "floor": FLOOR.format(expand=expand)}
    contenders = args.contenders.split(",")
    results: dict[str, list[dict[str, Any]]] = {c: [] for c in contenders}
    failures: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        hub, url = start_hub(args.models, args.seed, args.cache, args.latency_ms, args.pages)
        try:
            env = {**os.environ, "HF_ENDPOINT": url, "HF_HOME": str(tmpdir / "hf_home"),
                   "HF_HUB_DISABLE_TELEMETRY": "1", "HF_HUB_DISABLE_PROGRESS_BARS": "1"}
            env.pop("HF_TOKEN", None)
            for repeat in range(args.repeats):
                for name in contenders:
                    db = tmpdir / f"{name}-{repeat}.duckdb"
                    if name == "hfscan":
                        command = [sys.executable, "-m", "hfscan", "scan", "--db", str(db), "--no-classify", "--json"]
                    else:
                        command = [sys.executable, "-c", scripts[name], str(db)]
                    try:
                        run = measure(command, env)
                    except RuntimeError as e:  # e.g. a peer running out of memory: report it, go on
                        failures[name] = str(e)[-300:]
                        print(f"run {repeat + 1} {name:7s} failed: {e}", file=sys.stderr)
                        continue
                    run["stored"] = stored_models(name, run["stdout"])
                    results[name].append(run)
                    print(f"run {repeat + 1} {name:7s} {run['wall']:8.2f}s  cpu {run['cpu']:8.2f}s  "
                          f"rss {run['peak_rss_mb']:7.0f} MB  stored {run['stored']}", file=sys.stderr)
                    for leftover in tmpdir.glob(f"{name}-{repeat}.duckdb*"):
                        leftover.unlink()
        finally:
            hub.kill()
    table: dict[str, dict[str, Any]] = {}
    for name, runs in results.items():
        if not runs:
            table[name] = {"error": failures.get(name, "no run")}
            continue
        wall = statistics.median(r["wall"] for r in runs)
        table[name] = {
            "wall_s": round(wall, 2),
            "models_per_s": round(listed / wall),
            "cpu_s": round(statistics.median(r["cpu"] for r in runs), 2),
            "peak_rss_mb": round(statistics.median(r["peak_rss_mb"] for r in runs)),
            "stored_models": runs[-1]["stored"],
            "runs": [{k: round(r[k], 2) for k in ("wall", "cpu", "peak_rss_mb")} for r in runs],
        }
    ratios = {}
    ok = {name: row for name, row in table.items() if "error" not in row}
    if "hfscan" in ok:
        for peer in ("peer_a", "peer_a_rows", "peer_b"):
            if peer in ok:
                ratios[f"hfscan_speed_vs_{peer}"] = round(table["hfscan"]["models_per_s"] / table[peer]["models_per_s"], 2)
        if "floor" in ok:
            ratios["hfscan_wall_vs_floor"] = round(table["hfscan"]["wall_s"] / table["floor"]["wall_s"], 3)
    report = {"models": listed, "population": args.models, "latency_ms": args.latency_ms, "repeats": args.repeats,
              "machine": machine(),
              "results": table, "ratios": ratios}
    print(f"{'contender':10s} {'wall s':>8s} {'models/s':>10s} {'cpu s':>8s} {'peak RSS MB':>12s}")
    for name, row in ok.items():
        print(f"{name:10s} {row['wall_s']:8.2f} {row['models_per_s']:10,d} {row['cpu_s']:8.2f} {row['peak_rss_mb']:12,d}")
    for key, value in ratios.items():
        print(f"{key}: {value}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
