"""The README's main job, offline: start the fake Hub on 127.0.0.1, scan it, print the shares and
the quarterly timeline (history first), write reports/hfscan-report.html (led by the timeline). Every
step is the real CLI against real HTTP and a real DuckDB file. The fake Hub's population is planted to
resemble the published figures (docs/FAKE_HUB.md): what the demo prints proves nothing about the real Hub.

    python scripts/demo.py --models 20000 --db data/demo.duckdb
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def hfscan(*args: str, env: dict[str, str], refused_because: str | None = None) -> None:
    """Echo the command as it could be pasted, then run it. `refused_because`: the demo shows this
    refusal on purpose; say so first, so the error line that follows does not read like a crash."""
    print(f"\n$ hfscan {shlex.join(args)}", file=sys.stderr, flush=True)
    if refused_because is not None:
        print(f"(shown on purpose, expected to be refused: {refused_because})", file=sys.stderr, flush=True)
    done = subprocess.run([sys.executable, "-m", "hfscan", *args], env=env, cwd=ROOT)
    if refused_because is None and done.returncode != 0:
        raise SystemExit(f"demo: `hfscan {shlex.join(args)}` failed (exit {done.returncode})")
    if refused_because is not None:
        print(f"(refused with exit {done.returncode}, as expected; the demo goes on)", file=sys.stderr, flush=True)


def hfscan_json(*args: str, env: dict[str, str]) -> Any:
    """A command's --json (or --format json) output, for the closing summary."""
    done = subprocess.run([sys.executable, "-m", "hfscan", *args], env=env, cwd=ROOT, check=True,
                          capture_output=True, text=True)
    return json.loads(done.stdout)


# AssemblyAI's 30 most popular models of Dec 2021, PT-only / TF-only / both (docs/REFERENCE_FIGURES.md).
TOP_30_2021 = ("11", "0", "19")


def pct(shares: dict[str, float], cls: str) -> str:
    return f"{shares[cls]:.1f}%"


def with_interval(answer: dict, cls: str) -> str:
    """An as-of share as the CLI prints it (analysis.estimate.interval_text): exact, or the
    estimate with its 95% interval."""
    from hfscan.analysis.estimate import ClassEstimate, interval_text

    return interval_text(ClassEstimate(**answer["classes"][cls])) or "—"


def summary(args: argparse.Namespace, env: dict[str, str], seconds: float) -> str:
    """The demo's last words: the headline next to the 2021 figure, and how to go on from here."""
    as_of = hfscan_json("shares", "--method", "files", "--as-of", args.as_of, "--json", env=env)
    latest = hfscan_json("shares", "--method", "files", "--json", env=env)
    top = {row["files_class"]: row["models"] for row in hfscan_json(
        "sql", "--format", "json", "SELECT files_class, count(*) AS models FROM top_models WHERE rank <= 30 "
        "GROUP BY ALL", env=env)}
    ref = as_of["reference_2021"]
    exe = Path(sys.executable).parent / "hfscan"
    exe_shown = os.path.relpath(exe, Path.cwd()) if exe.exists() else "hfscan"
    db = shlex.quote(args.db)
    rows = [
        ("", "PT-only", "TF-only", "both", "of models"),
        (f"demo, as of {args.as_of}" + ("" if as_of["exact"] else " (95% interval)"),
         *(with_interval(as_of, cls) for cls in ("pytorch_only", "tensorflow_only", "both")),
         f"{as_of['population']:,}"),
        (f"demo, latest (scan {latest['scan_id']})", pct(latest["shares"], "pytorch_only"),
         pct(latest["shares"], "tensorflow_only"), pct(latest["shares"], "both"), f"{latest['population']:,}"),
        ("AssemblyAI, Dec 2021", pct(ref["shares"], "pytorch_only"), pct(ref["shares"], "tensorflow_only"),
         pct(ref["shares"], "both"), f"~{ref['population']:,}"),
        ("demo, top 30 by downloads", str(top.get("pytorch_only", 0)), str(top.get("tensorflow_only", 0)),
         str(top.get("both", 0)), "30"),
        ("AssemblyAI, top 30", *TOP_30_2021, "30"),
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    table = "\n".join("  " + "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in
                                        enumerate(zip(r, widths, strict=True))) for r in rows)
    return f"""
Demo done in {seconds:.0f} s. PLANTED DEMONSTRATION DATA from a local fake Hub, not the Hugging Face Hub:
the numbers show that hfscan recovers what was planted (docs/FAKE_HUB.md), nothing about the real Hub.

{table}

Explore the demo database {args.db} (the fake Hub has stopped: commands that fetch from it fail):
  {exe_shown} status --db {db}
  {exe_shown} shares --db {db} --method tags
  {exe_shown} shares --db {db} --as-of {args.as_of}
  {exe_shown} sql --db {db} "SELECT method, pytorch_only_pct, tensorflow_only_pct, both_pct FROM shares"
  {exe_shown} sql --db {db} "SELECT * FROM as_of_shares WHERE class = 'tensorflow_only' ORDER BY day"
  open {shlex.quote(args.out)} in a browser (the report; it works offline)
Or activate the environment once: `. .venv/bin/activate; export HFSCAN_DB={db}`, then `hfscan shares`.
The README's "Explore the demo" lists more; "Scan the real Hub" is the next step.
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--db", default="data/demo.duckdb")
    parser.add_argument("--out", default="reports/hfscan-report.html")
    parser.add_argument("--keep", action="store_true", help="keep the demo database from an earlier run")
    parser.add_argument("--as-of", default="2021-12-14", help="date of the as-of reproduction")
    parser.add_argument("--timeline-from", default="2020-01-01", help="first date of the quarterly timeline")
    parser.add_argument("--sample", type=int, default=300, help="history sample per timeline date")
    args = parser.parse_args()

    from hfscan.testing.fakehub import FakeHub

    db = ROOT / args.db
    if not args.keep and db.exists():
        db.unlink()
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as hf_home, FakeHub(models=args.models, seed=args.seed) as hub:
        print(f"fake Hub with {args.models:,} models at {hub.url}; every command below runs with "
              f"HF_ENDPOINT={hub.url} HFSCAN_DB={args.db}", file=sys.stderr)
        env = {**os.environ, "HF_ENDPOINT": hub.url, "HF_HOME": hf_home, "HF_HUB_DISABLE_TELEMETRY": "1",
               "HFSCAN_DB": str(db)}
        env.pop("HF_TOKEN", None)
        hfscan("scan", env=env)                                   # snapshot 1
        hub.set_epoch(7)                                          # a week of churn on the Hub
        hfscan("scan", "--incremental", env=env)                  # snapshot 2
        hfscan("import", "hf-dataset", "hub-stats/models", env=env)  # backfill: published daily dumps
        # The weekly full scan: an incremental one carries forward repos deleted since (no listing
        # shows a deletion), and a deleted repo's history is gone, so every date would stay partial.
        hfscan("scan", env=env)                                   # snapshot 3 (the latest)
        hfscan("history", "--as-of", args.as_of, env=env)         # true dates + files as of the date
        # The timeline from a sample: history of the first N repos of each quarter end's keyed-hash
        # order (dates share repos and commit logs), then every quarter end as an estimate with its
        # 95% interval; repos no request can answer (squashed histories) widen it as worst cases.
        hfscan("history", "--every", "quarter", "--from", args.timeline_from, "--sample", str(args.sample), env=env)
        hfscan("timeline", "--every", "quarter", "--from", args.timeline_from, env=env)
        hfscan("probe", "--sample", "300", env=env)               # safetensors headers of a sample
        hfscan("shares", "--method", "files", env=env)
        hfscan("shares", "--method", "tags", env=env)
        hfscan("shares", "--as-of", args.as_of, "--max-width", "100", env=env)  # with its intervals, however wide
        # The 2021 figure's second row: how the 30 most downloaded models split (by files).
        hfscan("sql", "SELECT files_class, count(*) AS models FROM top_models WHERE rank <= 30 "
               "GROUP BY ALL ORDER BY models DESC", env=env)
        hfscan("report", "--as-of", args.as_of, "--partial", "--out", str(ROOT / args.out), env=env)
        closing = summary(args, env, time.monotonic() - started)
    print(closing, flush=True)  # after the fake Hub stopped, as the summary says
    return 0


if __name__ == "__main__":
    sys.exit(main())
