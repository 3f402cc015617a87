"""One snapshot and every snapshot, read from runs and from one row per model per scan, on the same data.

    python bench/snapshot_reads.py --db kept.duckdb [--at 0.5] [--repeats 7] [--json out.json]

The year-of-scans targets compare reads with the time they took before validity intervals (schema v2:
a `scan_models` row per model per scan, appended scan by scan). That schema is gone, so this
script rebuilds its table on a copy of the database from the runs (`scan_models` in scan order,
checkpointed: the layout the old appends gave) and times, in one process, CPU seconds (user +
system of DuckDB's threads; steadier than wall time on a shared machine), median of `--repeats`:

- one snapshot (the one at `--at` of the sequence; 0.5 = the middle) through the old view's join
  (`scan_models` → `repo_versions`), through `snapshot_models WHERE scan_id`, and through
  `snapshot_at_position(p)` (its position a constant), and through `snapshot_models_of(scan_id)`;
- every snapshot (`GROUP BY scan_id`) through the old join and through `snapshot_models`;
- `latest_models`.

Each answer is checked equal across the forms before it is timed.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import machine, row_groups_scanned  # noqa: E402

ONE = "SELECT count(*), sum(downloads), count(DISTINCT library_name) FROM"
EVERY = "SELECT scan_id, count(*), sum(downloads) FROM"
PRE = "scan_models m JOIN repo_versions v USING (version_id)"


def median_cpu(con: duckdb.DuckDBPyConnection, sql: str, repeats: int) -> tuple[float, float, Any]:
    cpu, wall, answer = [], [], None
    for _ in range(repeats):
        started, started_cpu = time.perf_counter(), time.process_time()
        answer = con.execute(sql).fetchall()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return round(sorted(cpu)[len(cpu) // 2], 4), round(sorted(wall)[len(wall) // 2], 4), answer


def row_groups(con: duckdb.DuckDBPyConnection, sql: str, table: str) -> str:
    """'scanned / total' row groups of `table` in the plan DuckDB ran."""
    found = row_groups_scanned(con, sql, table)
    return f"{found[0]} / {found[1]}" if found else "?"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--at", type=float, default=0.5, help="which snapshot: share of the sequence (0.5: middle)")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.db.parent) as tmp:
        copy = Path(tmp) / "reads.duckdb"
        shutil.copy(args.db, copy)
        con = duckdb.connect(str(copy))
        started = time.monotonic()
        con.execute("""CREATE TABLE scan_models AS
            SELECT s.scan_id, r.version_id, r.downloads, r.downloads_all_time, r.likes
            FROM snapshot_order s JOIN version_runs r ON s.position BETWEEN r.first_pos AND r.last_pos
            ORDER BY s.position, r.version_id""")
        con.execute("CHECKPOINT")
        build = time.monotonic() - started
        con.close()
        con = duckdb.connect(str(copy), read_only=True)
        scans = [r[0] for r in con.execute("SELECT scan_id FROM snapshot_order ORDER BY position").fetchall()]
        index = min(len(scans) - 1, int(len(scans) * args.at))
        scan, position = scans[index], index + 1
        forms = {
            "one_pre_interval": f"{ONE} {PRE} WHERE scan_id = {scan}",
            "one_view": f"{ONE} snapshot_models WHERE scan_id = {scan}",
            "one_at_position": f"{ONE} snapshot_at_position({position})",
            "one_by_id": f"{ONE} snapshot_models_of({scan})",
            "every_pre_interval": f"{EVERY} {PRE} GROUP BY 1 ORDER BY 1",
            "every_view": f"{EVERY} snapshot_models GROUP BY 1 ORDER BY 1",
            "latest_models": "SELECT count(*), sum(downloads), sum(likes) FROM latest_models",
        }
        results: dict[str, Any] = {}
        answers: dict[str, Any] = {}
        for name, sql in forms.items():
            cpu, wall, answer = median_cpu(con, sql, args.repeats)
            answers[name] = answer
            results[name] = {"cpu_s": cpu, "wall_s": wall}
            print(f"{name:20s} cpu {cpu:7.4f}s  wall {wall:7.4f}s", file=sys.stderr)
        assert answers["one_view"] == answers["one_pre_interval"] == answers["one_at_position"] == answers["one_by_id"]
        assert answers["every_view"] == answers["every_pre_interval"]
        results["one_at_position"]["runs_row_groups"] = row_groups(con, forms["one_at_position"], "version_runs")
        results["one_view"]["runs_row_groups"] = row_groups(con, forms["one_view"], "version_runs")
        results["one_by_id"]["runs_row_groups"] = row_groups(con, forms["one_by_id"], "version_runs")
        runs, pre_rows = con.execute("SELECT (SELECT count(*) FROM version_runs), (SELECT count(*) FROM scan_models)"
                                     ).fetchall()[0]
        con.close()
    pre_one, pre_every = results["one_pre_interval"]["cpu_s"], results["every_pre_interval"]["cpu_s"]
    report = {"db": str(args.db), "snapshots": len(scans), "scan_id": scan, "position": position, "runs": runs,
              "pre_interval_rows": pre_rows, "pre_interval_build_s": round(build, 1), "machine": machine(),
              "results": results,
              "ratios_cpu": {"one_view": round(results["one_view"]["cpu_s"] / pre_one, 2),
                             "one_at_position": round(results["one_at_position"]["cpu_s"] / pre_one, 2),
                             "one_by_id": round(results["one_by_id"]["cpu_s"] / pre_one, 2),
                             "every_view": round(results["every_view"]["cpu_s"] / pre_every, 2)}}
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
