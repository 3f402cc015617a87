"""The README's main job, offline: start the fake Hub on 127.0.0.1, scan it, print the shares and
the quarterly timeline (history first), write reports/hfscan-report.html (led by the timeline). Every
step is the real CLI against real HTTP and a real DuckDB file. The fake Hub's population is planted to
resemble the published figures (docs/FAKE_HUB.md): what the demo prints proves nothing about the real Hub.

    python scripts/demo.py --models 20000 --db data/demo.duckdb
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def hfscan(*args: str, env: dict[str, str]) -> None:
    command = [sys.executable, "-m", "hfscan", *args]
    print(f"$ hfscan {' '.join(args)}", file=sys.stderr, flush=True)
    subprocess.run(command, check=True, env=env, cwd=ROOT)


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
        print(f"fake Hub with {args.models:,} models at {hub.url}", file=sys.stderr)
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
    print(f"done in {time.monotonic() - started:.0f}s: report at {args.out}, database at {args.db}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
