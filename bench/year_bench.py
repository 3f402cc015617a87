"""A year of scans as a scheduled user runs them; then report, shares, timeline and one older snapshot.

    python bench/year_bench.py --models 300000 --days 365 [--keep year.duckdb] [--json out.json]
    python bench/year_bench.py --db year.duckdb [--json out.json]     # measure a kept database again

The schedule: day 0 is a full scan; every later day an incremental scan (the models
changed that day, `--change`), every 7th day a full scan instead, and after each full scan a
published dump imported *between* two stored snapshots (dated 3.5 days back, as `import
hf-dataset` of an older dump does: it shifts the positions of every later snapshot). `classify`
runs after every step, as the jobs do. Models, file lists and the Hub-like counter churn are
those of bench/storage_bench.py (`--churn daily`: ~28% of 30-day counts move a day), applied day
over day so a year costs O(models) a day to generate.

Measured, each in its own subprocess (wall, CPU seconds, peak RSS; bench/common.py):
- report_first: `hfscan report` when only the first snapshot is stored (measured on day 0);
- report, shares (latest), shares_older (`shares --scan` of the snapshot a quarter in),
  timeline (`timeline --every month --partial`), older_snapshot (`sql` over `snapshot_models
  WHERE scan_id` = that older snapshot), older_snapshot_at (the same through
  `snapshot_at_position`, its position a constant) and latest_models, on the final database.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import machine, measure  # noqa: E402
from bench.storage_bench import snapshot_frame, store_snapshot  # noqa: E402
from hfscan.classify.versions import classify_versions  # noqa: E402
from hfscan.store.connect import connect  # noqa: E402
from hfscan.store.transfer import import_parquet  # noqa: E402

FULL_EVERY = 7
DUMP_BACK_DAYS = 3.5  # between the snapshots of the days 4 and 3 back, with the Hub of day 4 back


class Hub:
    """Day-over-day state of every model: sha generation and counters (numpy, O(models) a day)."""

    def __init__(self, models: int, change: float) -> None:
        self.base = snapshot_frame(models, 0, change, "daily")
        self.change = change
        self.rate = (self.base["downloads"].to_numpy() / 30.0).astype(np.float64)
        self.gen = np.zeros(models, dtype=np.int64)
        self.downloads = self.base["downloads"].to_numpy().copy()
        self.downloads_all_time = self.base["downloads_all_time"].to_numpy().copy()
        self.likes = self.base["likes"].to_numpy().copy()
        self.changed = np.ones(models, dtype=bool)

    def advance(self, day: int) -> None:
        rng = np.random.default_rng(day)
        n = len(self.gen)
        self.changed = rng.random(n) < self.change
        self.gen += self.changed
        self.downloads += rng.random(n) < 1 - np.exp(-2 * self.rate)
        self.downloads_all_time += rng.random(n) < 1 - np.exp(-self.rate)
        self.likes += rng.random(n) < 0.002

    def state(self) -> dict[str, np.ndarray]:
        return {"gen": self.gen.copy(), "downloads": self.downloads.copy(),
                "downloads_all_time": self.downloads_all_time.copy(), "likes": self.likes.copy(),
                "changed": self.changed.copy()}

    def frame(self, state: dict[str, np.ndarray] | None = None) -> pl.DataFrame:
        s = state or self.state()
        gen = pl.Series("gen", s["gen"])
        return self.base.with_columns(
            pl.format("{}{}", pl.int_range(0, self.base.height), gen).str.zfill(40).alias("sha"),
            (self.base["last_modified"] + pl.duration(days=gen)).alias("last_modified"),
            pl.Series("downloads", s["downloads"]), pl.Series("downloads_all_time", s["downloads_all_time"]),
            pl.Series("likes", s["likes"]), pl.Series("changed_now", s["changed"]))


def classify(db: Path) -> float:
    started = time.monotonic()
    con = connect(db)
    try:
        classify_versions(con)
    finally:
        con.close()
    return time.monotonic() - started


def import_between(db: Path, hub: Hub, state: dict[str, np.ndarray], tmp: Path) -> float:
    """A dump of the Hub `DUMP_BACK_DAYS` ago, dated between the two snapshots around that moment."""
    # Scans are registered a few seconds apart in real time: the dump goes halfway between the
    # snapshots of the days 4 and 3 back (the same pair in every run, whatever the machine's speed).
    con = duckdb.connect(str(db), read_only=True)
    days = con.execute("SELECT snapshot_at FROM scan_log WHERE status = 'complete' AND kind <> 'import' "
                       "ORDER BY snapshot_at DESC LIMIT 5").fetchall()
    con.close()
    newer, older = days[3][0], days[4][0]
    moment = older + (newer - older) / 2
    path = tmp / "dump.parquet"
    hub.frame(state).drop("changed_now").with_columns(
        pl.lit(moment.isoformat()).alias("snapshot_at")).write_parquet(path)
    started = time.monotonic()
    con = connect(db)
    try:
        import_parquet(con, path, "bench dump")
    finally:
        con.close()
    path.unlink()
    return time.monotonic() - started


def build(db: Path, models: int, days: int, change: float, tmp: Path, out_dir: Path) -> dict[str, Any]:
    hub = Hub(models, change)
    states: dict[int, dict[str, np.ndarray]] = {}
    timings: dict[str, float] = {"store": 0.0, "classify": 0.0, "import": 0.0}
    first_report = None
    for day in range(days):
        if day:
            hub.advance(day)
        kind = "full" if day % FULL_EVERY == 0 else "incremental"
        timings["store"] += store_snapshot(db, hub.frame(), 50_000, kind)
        timings["classify"] += classify(db)
        states[day] = hub.state()
        states.pop(day - FULL_EVERY, None)
        if day == 0:
            first_report = run_one("report_first", ["report", "--db", str(db), "--out", str(out_dir / "r.html"),
                                                    "--json"])
        if day and kind == "full":
            timings["import"] += import_between(db, hub, states[day - int(DUMP_BACK_DAYS + 0.5)], tmp)
            timings["classify"] += classify(db)
        if day % 30 == 0:
            print(f"day {day:3d}: store {timings['store']:.0f}s classify {timings['classify']:.0f}s "
                  f"import {timings['import']:.0f}s", file=sys.stderr)
    return {"build_seconds": {k: round(v, 1) for k, v in timings.items()}, "report_first": first_report}


def run_one(name: str, command: list[str]) -> dict[str, float]:
    measured = measure([sys.executable, "-m", "hfscan", *command])
    print(f"{name:15s} {measured['wall']:8.2f}s  cpu {measured['cpu']:8.2f}s  rss {measured['peak_rss_mb']:7.0f} MB",
          file=sys.stderr)
    return {"wall_s": round(measured["wall"], 2), "cpu_s": round(measured["cpu"], 2),
            "peak_rss_mb": round(measured["peak_rss_mb"])}


def run(db: Path, out_dir: Path) -> dict[str, dict[str, float]]:
    con = duckdb.connect(str(db), read_only=True)
    scans = [r[0] for r in con.execute("SELECT scan_id FROM snapshot_order ORDER BY position").fetchall()]
    con.close()
    older = scans[len(scans) // 4]
    measure = "SELECT count(*), sum(downloads), count(DISTINCT library_name) FROM"
    one = f"{measure} snapshot_models WHERE scan_id = {older}"
    # The same snapshot by its position (a constant): what hfscan's own one-snapshot readers use.
    one_at = f"{measure} snapshot_at_position({scans.index(older) + 1})"
    return {
        "report": run_one("report", ["report", "--db", str(db), "--out", str(out_dir / "report.html"), "--json"]),
        "shares": run_one("shares", ["shares", "--db", str(db), "--json"]),
        "shares_older": run_one("shares_older", ["shares", "--db", str(db), "--scan", str(older), "--json"]),
        "older_snapshot": run_one("older_snapshot", ["sql", "--db", str(db), one]),
        "older_snapshot_at": run_one("older_snapshot_at", ["sql", "--db", str(db), one_at]),
        "latest_models": run_one("latest_models", ["sql", "--db", str(db),
                                                   "SELECT count(*), sum(downloads), sum(likes) FROM latest_models"]),
        "timeline": run_one("timeline", ["timeline", "--db", str(db), "--every", "month", "--from", "2024-01-01",
                                         "--partial", "--json"]),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--change", type=float, default=0.01, help="share of models with a new sha each day")
    parser.add_argument("--db", type=Path, default=None, help="measure this kept database (no build)")
    parser.add_argument("--keep", type=Path, default=None, help="keep the built database here")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        built: dict[str, Any] = {}
        db = args.db or args.keep or tmp / "hfscan.duckdb"
        if args.db is None:
            built = build(db, args.models, args.days, args.change, tmp, tmp)
        results = run(db, tmp)
        con = duckdb.connect(str(db), read_only=True)
        snapshots, models, versions, run_rows = con.execute(
            "SELECT count(*), max(models), (SELECT count(*) FROM repo_versions), (SELECT count(*) FROM version_runs) "
            "FROM scan_log WHERE status = 'complete'").fetchall()[0]
        con.close()
    report = {"snapshots": snapshots, "models_per_snapshot": models, "versions": versions, "runs": run_rows,
              "machine": machine(), **built, "results": results}
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
