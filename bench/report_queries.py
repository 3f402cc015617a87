"""The report's queries in-process, with the per-snapshot aggregates and without (the runs).

    python bench/report_queries.py --db kept.duckdb [--repeats 3]

`report.data.collect` (every query the HTML report runs, no chart rendering, no start-up) on a
classified database, read-only: once as `hfscan report` reads it (the aggregates, when current),
once with the aggregates ignored (every figure from the runs, as before them). CPU seconds
(DuckDB's threads included) are steadier than wall time on a shared machine; medians.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hfscan.report import data  # noqa: E402
from hfscan.store import aggregates  # noqa: E402
from hfscan.store.connect import connect  # noqa: E402


def timed(con: duckdb.DuckDBPyConnection, repeats: int) -> dict[str, float]:
    walls, cpus = [], []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        data.collect(con)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return {"wall_s": round(sorted(walls)[len(walls) // 2], 3), "cpu_s": round(sorted(cpus)[len(cpus) // 2], 3)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    con = connect(args.db, read_only=True)
    try:
        snapshots = con.execute("SELECT count(*) FROM snapshot_order").fetchall()[0][0]
        current = aggregates.all_current(con)
        with_aggregates = timed(con, args.repeats)
        all_current, is_current = aggregates.all_current, aggregates.is_current
        aggregates.all_current = lambda con: False  # type: ignore[assignment]
        aggregates.is_current = lambda con, scan_id: False  # type: ignore[assignment]
        try:
            from_runs = timed(con, args.repeats)
        finally:
            aggregates.all_current, aggregates.is_current = all_current, is_current  # type: ignore[assignment]
    finally:
        con.close()
    print(json.dumps({"snapshots": snapshots, "aggregates_current": current, "with_aggregates": with_aggregates,
                      "from_runs": from_runs}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
