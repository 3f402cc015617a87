"""Every benchmark in one run: one table on stdout, one JSON in bench/results/.

    make bench                                   # = .venv/bin/python bench/run_all.py
    .venv/bin/python bench/run_all.py --quick    # the same steps at 5k models, one repeat (a minute)

Steps, in this order, each a script of its own (run it alone for one figure):

1. crawl_bench.py at --models (default 100k), --repeats alternating runs: floor, peer A, peer B, hfscan;
2. crawl_bench.py at --models with --latency-ms per page (default 200): floor and hfscan;
3. crawl_bench.py at --large-models (default 3M), --large-repeats runs;
4. storage_bench.py: --snapshots (12) snapshots of --storage-models (3M), ~1% changed each time,
   and the naive layout (staged in 50k-model pages: same bytes, less time); hfscan's database is kept for
5. analysis_bench.py: `hfscan classify` and `hfscan report` over those snapshots;
6. timeline_bench.py: history requests and wall time of a quarterly timeline 2020 -> 2026 at --models
   (measured), at --large-models (projected) and on the real Hub (estimated).

The machine's load average is recorded before and after: the figures of a shared machine move.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import machine  # noqa: E402

MIB = 2**20


def step(name: str, script: str, args: list[str], out: Path) -> dict[str, Any]:
    """Run one benchmark script; its JSON (or the error that stopped it) goes into the results."""
    started = time.monotonic()
    print(f"== {name}: {script} {' '.join(args)}", file=sys.stderr, flush=True)
    done = subprocess.run([sys.executable, str(ROOT / "bench" / script), *args, "--json", str(out)], cwd=ROOT)
    seconds = round(time.monotonic() - started, 1)
    if done.returncode != 0 or not out.exists():
        return {"error": f"{script} exited with {done.returncode}", "seconds": seconds}
    return {**json.loads(out.read_text()), "seconds": seconds}


def crawl_rows(label: str, result: dict[str, Any]) -> list[str]:
    if "error" in result:
        return [f"| {label} | {result['error']} | | | | |"]
    rows = []
    peers = {"peer_a": "hfscan_speed_vs_peer_a", "peer_b": "hfscan_speed_vs_peer_b", "floor": "hfscan_wall_vs_floor"}
    ratios = result.get("ratios", {})
    for name, row in result["results"].items():
        ratio = ""
        if name in peers and peers[name] in ratios:
            ratio = f"hfscan {ratios[peers[name]]}×" if name != "floor" else f"hfscan wall = {ratios[peers[name]]}× floor"
        if "error" in row:
            rows.append(f"| {label} | {name} | failed: {row['error'][:60]} | | | |")
            continue
        rows.append(f"| {label} | {name} | {row['models_per_s']:,} | {row['cpu_s']:.1f} | {row['peak_rss_mb']:,} | {ratio} |")
    return rows


def table(results: dict[str, Any]) -> str:
    lines = ["| run | contender | models/s | CPU s | peak RSS MB | ratio |", "|---|---|---:|---:|---:|---|"]
    for key in ("crawl", "crawl_latency", "crawl_large"):
        if key in results:
            r = results[key]
            label = f"{r.get('models', 0):,} models" + (f", {r['latency_ms']} ms/page" if r.get("latency_ms") else "")
            lines += crawl_rows(label, r)
    storage = results.get("storage")
    if storage and "error" not in storage:
        lines += ["", "| storage | value |", "|---|---:|",
                  f"| snapshots × models | {storage['snapshots']} × {storage['models']:,} (~{storage['change_per_snapshot']:.0%} changed each) |",
                  f"| first snapshot | {storage['first_snapshot_bytes'] / MIB:,.1f} MiB ({storage['first_bytes_per_model']} B/model) |",
                  f"| each later snapshot (median) | {storage['median_later_snapshot_bytes'] / MIB:,.1f} MiB "
                  f"({storage['later_snapshot_share_of_first']:.1%} of the first) |",
                  f"| all snapshots: hfscan | {storage['hfscan_total_bytes'] / MIB:,.1f} MiB |",
                  f"| all snapshots: naive (each whole) | {storage['naive_total_bytes'] / MIB:,.1f} MiB "
                  f"({storage['naive_over_hfscan']}× hfscan) |"]
        if storage.get("unchanged_share_of_first") is not None:
            lines.append(f"| an unchanged snapshot | {storage['unchanged_snapshot_bytes'] / MIB:,.2f} MiB "
                         f"({storage['unchanged_share_of_first']:.2%} of the first) |")
        if storage.get("mean_day_share_of_first") is not None:
            lines += [f"| a simulated day (mean) | {storage['mean_day_bytes'] / MIB:,.2f} MiB "
                      f"({storage['mean_day_share_of_first']:.2%} of the first) |",
                      f"| projected year of days at 3M models | {storage['projected_year_bytes_at_3m'] / 2**30:,.2f} GiB |"]
    analysis = results.get("analysis")
    if analysis and "error" not in analysis:
        lines += ["", f"| analysis ({analysis['snapshots']} snapshots × {analysis['models_per_snapshot']:,}, "
                      f"{analysis['versions']:,} versions) | wall s | CPU s | peak RSS MB |", "|---|---:|---:|---:|"]
        for name, row in analysis["results"].items():
            lines.append(f"| hfscan {name} | {row['wall_s']:.1f} | {row['cpu_s']:.1f} | {row['peak_rss_mb']:,} |")
    timeline = results.get("timeline")
    if timeline and "error" not in timeline:
        lines += ["", *timeline_rows(timeline)]
    return "\n".join(lines)


def timeline_rows(result: dict[str, Any]) -> list[str]:
    """History for a timeline: hfscan's plan vs a commit log for every repo (timeline_bench.py)."""
    lines = [f"| timeline ({result['days']} {result['every']} ends, {result['from']} → {result['to']}) | commit logs "
             "| trees | requests | naive requests | wall s |", "|---|---:|---:|---:|---:|---:|"]
    run = result.get("measured")
    if run:
        h = run["history"]
        lines.append(f"| fake Hub, {run['models']:,} models (measured) | {h['commit_logs']:,} | {h['trees']:,} | "
                     f"{h['requests']:,} | {run['naive']['requests']:,} | {h['wall_s']} (+ timeline "
                     f"{run['timeline']['wall_s']}) |")
    p = result.get("projected")
    if p:
        lines.append(f"| fake Hub, {p['models']:,} models (projected, sample {p['sample']:,}) | {p['commit_logs']:,} | "
                     f"{p['trees']:,} | {p['requests']:,} | {p['naive_requests']:,} | "
                     f"{p['history_wall_s_at_measured_rate']} (+ timeline {p['timeline_wall_s_linear']}) |")
    for r in result.get("real_hub", []):
        logs, low, high, naive = r["commit_logs"], r["trees_lower"], r["trees_upper"], r["naive_commit_logs"]
        lines.append(f"| real Hub, {r['models']:,} models, {r['modified_share']:.0%} modified (estimate) | "
                     f"{logs:,} | {low:,}–{high:,} | {logs + low:,}–{logs + high:,} | {naive + low:,}–{naive + high:,} "
                     f"| free {r['hours_free'][0]}–{r['hours_free'][1]} h, PRO {r['hours_PRO'][0]}–"
                     f"{r['hours_PRO'][1]} h (naive: free {r['naive_hours_free'][0]}–{r['naive_hours_free'][1]} h) |")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--latency-ms", type=int, default=200)
    parser.add_argument("--large-models", type=int, default=3_000_000, help="0 skips the large crawl")
    parser.add_argument("--large-repeats", type=int, default=1)
    parser.add_argument("--storage-models", type=int, default=3_000_000)
    parser.add_argument("--storage-days", type=int, default=30,
                        help="simulated daily scans after the snapshots (the projected year extrapolates them)")
    parser.add_argument("--snapshots", type=int, default=12)
    parser.add_argument("--storage-page-size", type=int, default=50_000,
                        help="models per staged page in the storage step (bytes do not depend on it; 1,000-model "
                        "pages would make 12 x 3M snapshots take ~40 minutes of page commits)")
    parser.add_argument("--quick", action="store_true", help="5k models everywhere, one repeat, 3 snapshots")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args()
    if args.quick:
        args.models, args.repeats, args.large_models, args.storage_models, args.snapshots = 5000, 1, 0, 5000, 3
        args.storage_days = 2
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    results: dict[str, Any] = {"started_at": stamp, "machine_before": machine()}
    with tempfile.TemporaryDirectory() as tmp:
        parts = Path(tmp)
        results["crawl"] = step("crawl", "crawl_bench.py",
                                ["--models", str(args.models), "--repeats", str(args.repeats)], parts / "crawl.json")
        if args.latency_ms:
            results["crawl_latency"] = step(
                "crawl with latency", "crawl_bench.py",
                ["--models", str(args.models), "--repeats", str(args.repeats), "--latency-ms", str(args.latency_ms),
                 "--contenders", "floor,hfscan"], parts / "crawl_latency.json")
        if args.large_models:
            results["crawl_large"] = step(
                "large crawl", "crawl_bench.py",
                ["--models", str(args.large_models), "--repeats", str(args.large_repeats)], parts / "crawl_large.json")
        kept = parts / "snapshots.duckdb"
        results["storage"] = step("storage", "storage_bench.py",
                                  ["--models", str(args.storage_models), "--snapshots", str(args.snapshots),
                                   "--page-size", str(args.storage_page_size), "--keep", str(kept),
                                   "--unchanged", "--days", str(args.storage_days)],
                                  parts / "storage.json")
        if kept.exists():
            results["analysis"] = step("analysis", "analysis_bench.py", ["--db", str(kept)], parts / "analysis.json")
        results["timeline"] = step("timeline", "timeline_bench.py",
                                   ["--models", str(args.models), "--large-models", str(args.large_models)],
                                   parts / "timeline.json")
    results["machine_after"] = machine()
    text = table(results)
    results["table_markdown"] = text
    path = args.out / f"bench-{stamp}.json"
    path.write_text(json.dumps(results, indent=2))
    m = results["machine_before"]
    print(f"{m['cpus']} CPUs ({m['cpu_model']}), {m['memory_gb']} GB RAM; Python {m['python']}, duckdb {m['duckdb']}, "
          f"polars {m['polars']}, huggingface_hub {m['huggingface_hub']}; load average before "
          f"{m['load_avg']}, after {results['machine_after']['load_avg']}")
    print(text)
    print(f"\nJSON: {path}", file=sys.stderr)
    return 0 if not any(isinstance(v, dict) and "error" in v for v in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
