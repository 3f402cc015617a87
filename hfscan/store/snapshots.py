"""Registering scans and turning a finished staging file into a snapshot in the main database.

Finalize is one transaction on the main database: new repo versions (anti-joined on
version_hash, model_row.py's formula, so a version seen by a hundred scans is stored once; its
version_id is an ordinal given on insert), the scan's membership with its counters (as runs of
snapshots, store/runs.py), carried-forward members for an incremental scan, rejects, and
``status = 'complete'``.
Before it, nothing of the scan is visible to queries; after it, all of it is. It is idempotent: a
kill between the commit and the removal of the staging file is detected on the next run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from hfscan import __version__
from hfscan.errors import HubError, StoreError, redact
from hfscan.model_row import COUNTER_COLUMNS, VERSION_COLUMNS, VERSION_HASH_SQL
from hfscan.store import inputs, runs
from hfscan.store.connect import connect
from hfscan.store.db_errors import db_errors, wait_while_locked
from hfscan.store.schema import first_row, one_row, transaction
from hfscan.store.staging import Staging


@dataclass
class BaseScan:
    scan_id: int
    high_water: datetime | None
    models: int
    methods: tuple[str, ...] = ()


def last_complete_scan(con: duckdb.DuckDBPyConnection) -> BaseScan | None:
    row = first_row(con.execute(
        "SELECT scan_id, high_water, models, methods FROM scan_log WHERE status = 'complete' "
        "AND kind IN ('full', 'incremental') ORDER BY scan_id DESC LIMIT 1"
    ))
    return BaseScan(int(row[0]), row[1], int(row[2] or 0), tuple(row[3] or ())) if row else None


def register_scan(db_path: Path, kind: str, source: str, methods: list[str],
                  on_wait: Callable[[str], None] | None = None) -> tuple[int, BaseScan | None]:
    """Insert a 'running' scan_log row; returns its id and the last complete crawl (the base).

    An incremental scan with no complete scan (or no high-water mark) to build on is registered
    as a full scan: the row is written once, with the kind the scan will really have."""
    con = connect(db_path, on_wait=on_wait)
    try:
        base = last_complete_scan(con)
        if kind == "incremental" and not can_build_on(base):
            kind = "full"
        if kind == "incremental" and base is not None and "loadable" not in base.methods:
            # Carried-forward models have no config from their scan: the snapshot cannot say loadable.
            methods = [m for m in methods if m != "loadable"]
        row = first_row(con.execute(
            "INSERT INTO scan_log (scan_id, kind, source, status, started_at, snapshot_at, methods, "
            "base_scan_id, hfscan_version) VALUES (nextval('scan_id_seq'), ?, ?, 'running', "
            "now()::TIMESTAMP, now()::TIMESTAMP, ?, ?, ?) RETURNING scan_id",
            [kind, source, methods, base.scan_id if base and kind == "incremental" else None, __version__],
        ))
        assert row is not None
        return int(row[0]), base
    finally:
        con.close()


def mark_planted(con: duckdb.DuckDBPyConnection, scan_ids: list[int]) -> None:
    """These scans' data came from the fake Hub (its PLANTED_HEADER): reports say so."""
    if scan_ids:
        con.execute("UPDATE scan_log SET planted = true WHERE list_contains(?, scan_id)", [scan_ids])


def can_build_on(base: BaseScan | None) -> bool:
    """An incremental scan needs a complete scan with a high-water mark to stop at."""
    return base is not None and base.high_water is not None


def set_scan_status(db_path: Path, scan_id: int, status: str, error: str | None = None,
                    wait_seconds: float = 10.0) -> bool:
    """Best effort (a reader may hold the file): the staging file stays the source of truth.

    A scan that stops ('failed', 'discarded') gets its finish time; one that runs again has none."""
    try:
        con = connect(db_path, wait_seconds=wait_seconds)
    except StoreError:
        return False
    try:
        con.execute(
            "UPDATE scan_log SET status = $status, error = $error, "
            "finished_at = CASE WHEN $status = 'running' THEN NULL ELSE now()::TIMESTAMP END "
            "WHERE scan_id = $scan_id",
            {"status": status, "error": redact(error) if error else error, "scan_id": scan_id},
        )
        return True
    finally:
        con.close()


def _attach_main(con: duckdb.DuckDBPyConnection, db_path: Path, wait_seconds: float,
                 on_wait: Callable[[str], None] | None) -> None:
    quoted = str(db_path).replace("'", "''")
    with db_errors(f"cannot open {db_path} to store the finished scan",
                   hint="the scan is kept; run `hfscan scan` again to finish storing it"):
        wait_while_locked(lambda: con.execute(f"ATTACH '{quoted}' AS main_db"),
                          f"waiting for {db_path}: a reader holds it; the scan will be stored when it is free",
                          wait_seconds, on_wait)


@dataclass
class FinalizeResult:
    scan_id: int
    models: int
    new_versions: int
    carried: int
    rejects: int


# A full listing under this share of the previous snapshot is not believed without a confirmation
# (--allow-shrink): the Hub has never lost half its models between two scans, while an endpoint
# answering `[]`, or a proxy cutting the listing short, would make it the latest snapshot.
MIN_SHARE_OF_PREVIOUS = 0.5


def check_not_shrunk(con: duckdb.DuckDBPyConnection, scan_id: int, listed: int, db: str = "") -> None:
    """Refuse a complete snapshot that is empty or under half of the previous crawl's."""
    previous = first_row(con.execute(
        f"SELECT scan_id, models FROM {db}scan_log WHERE status = 'complete' AND kind IN ('full', 'incremental') "
        "AND scan_id <> ? ORDER BY scan_id DESC LIMIT 1", [scan_id]))
    if listed > 0 and (previous is None or listed >= MIN_SHARE_OF_PREVIOUS * (previous[1] or 0)):
        return
    than = f", under half of the previous snapshot's {previous[1]:,} (scan {previous[0]})" if previous else ""
    raise HubError(f"scan {scan_id} listed {listed:,} models{than}: not stored as a complete snapshot",
                   hint="if the Hub really shrank, store it with `hfscan scan --allow-shrink`; "
                        "otherwise throw it away with `hfscan scan --discard`")


def finalize(staging: Staging, *, wait_seconds: float = 600.0,
             on_wait: Callable[[str], None] | None = None, planted: bool = False,
             allow_shrink: bool = False) -> FinalizeResult:
    """Store the staged scan; `planted`: an answer carried the fake Hub's marker (kept once set)."""
    state = staging.state()
    if state is None or not state.done:
        raise StoreError("the staged scan is not finished; it cannot be stored yet")
    con = staging.con
    version_cols = ", ".join(VERSION_COLUMNS)
    # Step 1 (staging only, repeatable): one row per model, the latest sighting wins.
    con.execute(
        f"""
        CREATE OR REPLACE TABLE final_models AS
        SELECT {VERSION_HASH_SQL} AS version_hash, * EXCLUDE (page, rn)
        FROM (SELECT *, row_number() OVER (PARTITION BY model_id ORDER BY page DESC) AS rn FROM staged_models)
        WHERE rn = 1
        """
    )
    _attach_main(con, staging.db_path, wait_seconds, on_wait)
    try:
        status = first_row(con.execute("SELECT status FROM main_db.scan_log WHERE scan_id = ?", [state.scan_id]))
        if status is None:
            raise StoreError(f"scan {state.scan_id} is not registered in {staging.db_path}",
                             hint="discard it with `hfscan scan --discard` and scan again")
        if status[0] == "complete":  # stored before a kill removed the staging file
            return _result_of(con, state.scan_id)
        if state.kind == "full" and not allow_shrink:  # an incremental scan carries the rest forward
            check_not_shrunk(con, state.scan_id, one_row(con.execute("SELECT count(*) FROM final_models"))[0],
                             db="main_db.")
        with transaction(con):
            new_versions = one_row(con.execute(
                f"""
                INSERT INTO main_db.repo_versions (version_hash, {version_cols}, first_scan_id)
                SELECT f.version_hash, {", ".join("f." + c for c in VERSION_COLUMNS)}, ?
                FROM final_models f
                WHERE NOT EXISTS (SELECT 1 FROM main_db.repo_versions r WHERE r.version_hash = f.version_hash)
                ORDER BY f.created_at, f.model_id
                """,
                [state.scan_id],
            ))[0]
            _fill_config(con)
            # The snapshot's members with their counters; stored as runs (hfscan/store/runs.py).
            con.execute(
                f"""
                CREATE OR REPLACE TEMP TABLE final_members AS
                SELECT r.version_id, {', '.join('f.' + c for c in COUNTER_COLUMNS)}
                FROM final_models f JOIN main_db.repo_versions r USING (version_hash)
                """
            )
            listed = one_row(con.execute("SELECT count(*) FROM final_members"))[0]
            carried = 0
            if state.kind == "incremental" and state.base_scan_id is not None:
                # Every model of the base snapshot not listed again is unchanged: carry it forward.
                carried = one_row(con.execute(
                    f"""
                    INSERT INTO final_members
                    SELECT b.version_id, {', '.join('b.' + c for c in COUNTER_COLUMNS)}
                    FROM ({runs.members_sql("main_db.")}) b JOIN main_db.repo_versions v USING (version_id)
                    WHERE v.model_id NOT IN (SELECT model_id FROM final_models)
                    """,
                    {"scan": state.base_scan_id},
                ))[0]
            runs.add_snapshot(con, state.scan_id, "final_members", db="main_db.")
            con.execute(
                "INSERT INTO main_db.rejects SELECT ?, page, reason, raw FROM staged_rejects", [state.scan_id]
            )
            rejects = one_row(con.execute("SELECT count(*) FROM staged_rejects"))[0]
            con.execute(
                """
                UPDATE main_db.scan_log SET status = 'complete', finished_at = now()::TIMESTAMP,
                    pages = ?, models = ?, rejects = ?, requests = ?, error = NULL,
                    planted = coalesce(planted, false) OR ?,
                    high_water = greatest(
                        (SELECT max(last_modified) FROM final_models),
                        (SELECT high_water FROM main_db.scan_log WHERE scan_id = ?))
                WHERE scan_id = ?
                """,
                [state.pages, listed + carried, rejects, state.requests, planted, state.base_scan_id or -1,
                 state.scan_id],
            )
        runs.relayout_if_due(con, db="main_db.")  # after the commit: a kill here keeps the snapshot
        return FinalizeResult(state.scan_id, int(listed + carried), int(new_versions), int(carried), int(rejects))
    finally:
        con.execute("DETACH main_db")


def _fill_config(con: duckdb.DuckDBPyConnection) -> None:
    """A version stored by a scan that did not ask for `config` gets it from this one; its
    `loadable` classes (computed without it) read as stale from now on, until classify recomputes them."""
    con.execute("""
        CREATE OR REPLACE TEMP TABLE config_filled AS
        SELECT r.version_id, f.config_model_type, f.config_architectures
        FROM final_models f JOIN main_db.repo_versions r USING (version_hash)
        WHERE r.config_model_type IS NULL AND f.config_model_type IS NOT NULL
    """)
    con.execute("""
        UPDATE main_db.repo_versions r SET config_model_type = c.config_model_type,
            config_architectures = c.config_architectures
        FROM config_filled c WHERE r.version_id = c.version_id
    """)
    if one_row(con.execute("SELECT count(*) FROM config_filled"))[0]:
        inputs.versions_changed(con, "config", "SELECT version_id FROM config_filled", db="main_db.")


def _result_of(con: duckdb.DuckDBPyConnection, scan_id: int) -> FinalizeResult:
    row = one_row(con.execute("SELECT models, rejects FROM main_db.scan_log WHERE scan_id = ?", [scan_id]))
    return FinalizeResult(scan_id, int(row[0] or 0), 0, 0, int(row[1] or 0))
