"""What `hfscan status` reports: scans and their progress, the interrupted scan, integrity checks."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from hfscan.store.connect import connect
from hfscan.store.db_errors import DbFailure, attempt, translated
from hfscan.store.schema import one_row
from hfscan.store.staging import peek_state, read_sidecar


@dataclass(frozen=True)
class ScanRow:
    """One row of the `scans` view; a `running` row with no live scan says `interrupted`."""

    scan_id: int
    kind: str
    status: str
    source: str | None
    snapshot_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    pages: int | None
    models: int | None
    rejects: int | None
    requests: int | None
    high_water: datetime | None
    error: str | None


@dataclass(frozen=True)
class IntegrityCheck:
    ran: bool  # --check
    problems: list[str]


# The scan in progress: the running scan's sidecar (store/staging.Sidecar, a file another process
# wrote, passed on as it is) or the interrupted scan's state, with "state" first. It stays a dict:
# its keys are the sidecar's.
InProgress = dict[str, Any]


@dataclass(frozen=True)
class StatusReport:
    """`hfscan status --json` (tests/golden/status.json)."""

    db: str
    database_bytes: int
    versions: int
    scans: list[ScanRow]
    in_progress: InProgress | None
    check: IntegrityCheck


def status(db_path: Path, *, check: bool = False, on_wait: Any = None) -> StatusReport:
    con = connect(db_path, read_only=True, on_wait=on_wait)
    try:
        # Read every stored byte first: a damaged block makes the checks below fail anyway, and
        # `--check` must answer "damaged" (exit 5), not crash on the first query that hits it.
        unreadable = unreadable_tables(con) if check else []
        if unreadable:
            return StatusReport(str(db_path), db_path.stat().st_size, 0, [], None, IntegrityCheck(check, unreadable))
        scans = [ScanRow(*row) for row in con.execute(
            "SELECT scan_id, kind, status, source, snapshot_at, started_at, finished_at, pages, models, rejects, requests, "
            "high_water, error FROM scans ORDER BY scan_id").fetchall()]
        versions = one_row(con.execute("SELECT count(*) FROM repo_versions"))[0]
        problems = integrity_problems(con) if check else []
    finally:
        con.close()
    staged, state = peek_state(db_path)
    in_progress: InProgress | None = None
    if staged == "running":
        in_progress = {"state": "running", **(read_sidecar(db_path) or {})}
    elif staged == "stopped" and state is not None:  # an empty staging file (killed before its first row) is no scan
        info = dict(state.__dict__) if state else {}
        info.pop("next_url", None)
        info.pop("pid", None)
        in_progress = {"state": "interrupted", "resume_with": "hfscan scan", "discard_with": "hfscan scan --discard",
                       **info}
    # A 'running' row with no live scan is an interrupted one: say so instead of 'running'.
    scans = [replace(scan, status="interrupted")
             if scan.status == "running" and not (in_progress and in_progress.get("scan_id") == scan.scan_id
                                                  and in_progress["state"] == "running") else scan
             for scan in scans]
    return StatusReport(str(db_path), db_path.stat().st_size, int(versions), scans, in_progress,
                        IntegrityCheck(check, problems))


INTEGRITY_CHECKS: list[tuple[str, str]] = [
    (
        "a complete scan's model count differs from its stored rows",
        """SELECT 'scan ' || s.scan_id || ': models=' || s.models || ' but ' || count(m.version_id) || ' rows'
           FROM scan_log s LEFT JOIN snapshot_models m USING (scan_id)
           WHERE s.status = 'complete' GROUP BY s.scan_id, s.models HAVING count(m.version_id) <> s.models""",
    ),
    (
        "a scan references a version that is not stored",
        """SELECT 'run from scan ' || r.from_scan || ': version ' || r.version_id || ' missing'
           FROM version_runs r ANTI JOIN repo_versions v USING (version_id) LIMIT 20""",
    ),
    (
        "a model appears twice in one scan",
        """SELECT 'scan ' || scan_id || ': ' || model_id || ' x' || count(*)
           FROM snapshot_models GROUP BY scan_id, model_id HAVING count(*) > 1 LIMIT 20""",
    ),
    (
        "a version is stored twice",
        """SELECT 'version ' || version_id || ' x' || count(*) FROM repo_versions
           GROUP BY version_id HAVING count(*) > 1 LIMIT 20""",
    ),
    (
        "rows belong to a scan that is not complete",
        """SELECT 'run of version ' || r.version_id || ' names scan ' || x.scan_id || ' (' || coalesce(s.status, 'missing') || ')'
           FROM version_runs r, LATERAL (SELECT unnest([r.from_scan, r.to_scan]) AS scan_id) x
           LEFT JOIN scan_log s ON s.scan_id = x.scan_id
           WHERE x.scan_id IS NOT NULL AND s.status IS DISTINCT FROM 'complete' LIMIT 20""",
    ),
    (
        "runs of one version overlap or end before they start",
        """WITH o AS (SELECT scan_id, position FROM snapshot_order),
           r AS (SELECT r.version_id, r.from_scan, f.position AS p0, coalesce(t.position, open_position()) AS p1
                 FROM version_runs r JOIN o f ON f.scan_id = r.from_scan LEFT JOIN o t ON t.scan_id = r.to_scan)
           SELECT 'version ' || version_id || ': run from scan ' || from_scan
           FROM (SELECT *, lag(p1) OVER (PARTITION BY version_id ORDER BY p0) AS previous_end FROM r)
           WHERE p1 < p0 OR previous_end >= p0 LIMIT 20""",
    ),
    (
        "a run's stored positions differ from its scans' positions",
        """WITH o AS (SELECT scan_id, position FROM snapshot_order)
           SELECT 'version ' || r.version_id || ': run from scan ' || r.from_scan || ' stored at ' || r.first_pos
                  || '..' || r.last_pos
           FROM version_runs r LEFT JOIN o f ON f.scan_id = r.from_scan LEFT JOIN o t ON t.scan_id = r.to_scan
           WHERE r.first_pos IS DISTINCT FROM f.position
              OR r.last_pos IS DISTINCT FROM coalesce(t.position, 2147483647) LIMIT 20""",
    ),
]


def _read_all(con: Any, sql: str) -> list[Any]:
    return list(con.execute(sql).fetchall())


def unreadable_tables(con: Any) -> list[str]:
    """Tables with a block DuckDB cannot read back (checksum mismatch, truncated file)."""
    tables = [r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() ORDER BY table_name").fetchall()]
    problems = []
    for table in tables:
        # hash(COLUMNS(*)) forces every column of every row to be read and decompressed.
        sql = f'SELECT count(*), sum(hash(COLUMNS(*))) FROM "{table}"'
        read = attempt(partial(_read_all, con, sql))
        if isinstance(read, DbFailure):
            problems.append(str(translated(read.error, f"table {table} cannot be read back")))
    return problems


def integrity_problems(con: Any) -> list[str]:
    problems = []
    for title, sql in INTEGRITY_CHECKS:
        for (detail,) in con.execute(sql).fetchall():
            problems.append(f"{title}: {detail}")
    return problems
