"""Snapshots stored as validity intervals (schema v5, migration 5): `version_runs`.

The complete scans, ordered by (snapshot_at, scan_id), form one sequence. A run says: version
`version_id` is listed, with these counters (30-day downloads, all-time downloads, likes), in every
snapshot from `from_scan` to `to_scan` (inclusive, both scan ids); `to_scan IS NULL` while it is
still listed in the newest snapshot. A model whose counters change starts a new run, so a counter
is stored only when it changes, and an unchanged snapshot stores nothing at all.

Runs name scans, not positions: a snapshot that lands between two others (an older dump
imported later) shifts no stored row; only the runs that straddle it are split or joined.
Only `add_snapshot` writes runs, inside the caller's transaction that also marks the scan
complete, so an interrupted, failed or discarded scan never opens or closes one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import duckdb

from hfscan.model_row import COUNTER_COLUMNS
from hfscan.store.db_errors import ignoring_db_errors
from hfscan.store.rows import first_row, one_row
from hfscan.store.schema import transaction

COUNTERS = COUNTER_COLUMNS  # one column of version_runs each (a new counter: a migration adds it)
OPEN = 2_147_483_647  # the end position of a run still open (beyond any real position)


def order_sql(db: str = "", position: str = "pos", columns: str = "scan_id") -> str:
    """Complete scans with their position in the snapshot sequence (1 = oldest): by the moment they
    describe, then by scan id. The one definition: the view `snapshot_order` is made from it
    (store/schema.py install_views), and the SQL macro `open_position()` returns OPEN."""
    return (f"SELECT {columns}, row_number() OVER (ORDER BY snapshot_at, scan_id) AS {position} "
            f"FROM {db}scan_log WHERE status = 'complete'")


def snapshot_source(scan_id: int) -> str:
    """What to read one complete scan from: `snapshot_models_of(scan_id)`, the rows and columns of
    `snapshot_models WHERE scan_id = ...`; the macro looks the position up and DuckDB filters the
    runs' scan with it (views/00_snapshots.sql). A scan that is not a complete snapshot reads as no
    rows, as it does through the view."""
    return f"snapshot_models_of({int(scan_id)})"


def members_sql(db: str = "") -> str:
    """Members of the complete scan `$scan` with their counters (version_id, downloads, ...)."""
    # By the stored positions (a plain filter on the runs' scan), not by joining every run with the sequence.
    return f"""
        WITH o AS ({order_sql(db)})
        SELECT r.version_id, {', '.join('r.' + c for c in COUNTERS)}
        FROM {db}version_runs r
        WHERE r.first_pos <= (SELECT pos FROM o WHERE scan_id = $scan)
          AND r.last_pos >= (SELECT pos FROM o WHERE scan_id = $scan)
    """


def _same(a: str, b: str) -> str:
    return " AND ".join(f"{a}.{c} IS NOT DISTINCT FROM {b}.{c}" for c in COUNTERS)


def add_snapshot(con: duckdb.DuckDBPyConnection, scan_id: int, members: str, db: str = "") -> None:
    """Make scan `scan_id` read as table `members` (version_id, downloads, downloads_all_time, likes;
    one row per version) while every other snapshot reads as before. Runs in the caller's
    transaction; the scan must have its snapshot_at in scan_log and must not be complete yet."""
    me = first_row(con.execute(f"SELECT snapshot_at FROM {db}scan_log WHERE scan_id = ?", [scan_id]))
    assert me is not None, f"scan {scan_id} is not registered"
    # The neighbours in the sequence: P just before the new snapshot, N just after (either may be none).
    order = f"SELECT scan_id, snapshot_at FROM {db}scan_log WHERE status = 'complete' AND scan_id <> $s"
    prev = first_row(con.execute(
        f"SELECT scan_id FROM ({order}) WHERE (snapshot_at, scan_id) < ($t, $s) "
        "ORDER BY snapshot_at DESC, scan_id DESC LIMIT 1", {"s": scan_id, "t": me[0]}))
    nxt = first_row(con.execute(
        f"SELECT scan_id FROM ({order}) WHERE (snapshot_at, scan_id) > ($t, $s) "
        "ORDER BY snapshot_at, scan_id LIMIT 1", {"s": scan_id, "t": me[0]}))
    p = prev[0] if prev else None
    n = nxt[0] if nxt else None
    runs = f"{db}version_runs"
    counters = ", ".join(COUNTERS)
    columns = f"(version_id, from_scan, to_scan, {counters}, first_pos, last_pos)"
    # Positions are stored beside the scan ids (first_pos, last_pos) so that a reader of one snapshot
    # filters on plain columns and DuckDB skips row groups by their min/max. A snapshot landing
    # between two others moves every later position up by one: paid here, once, not at every read.
    me = one_row(con.execute(
        f"SELECT count(*) + 1 FROM ({order}) WHERE (snapshot_at, scan_id) < ($t, $s)", {"s": scan_id, "t": me[0]}))[0]
    if n is not None:
        con.execute(f"UPDATE {runs} SET first_pos = first_pos + 1 WHERE first_pos >= {me}")
        con.execute(f"UPDATE {runs} SET last_pos = last_pos + 1 WHERE last_pos >= {me} AND last_pos <> {OPEN}")
    con.execute(f"CREATE OR REPLACE TEMP TABLE run_new AS SELECT version_id, {counters} FROM {members}")
    if p is not None:
        # Runs covering P that go on after it (to N, or open when N is none). Those whose version is
        # not in the new snapshot with the same counters are cut at P and resumed at N.
        # By the stored positions, already shifted: P is at me - 1, N at me + 1 (filters on the
        # runs' scan; with N none, only the open runs).
        n_pos = me + 1 if n is not None else OPEN
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE run_cut AS
            SELECT r.* FROM {runs} r
            WHERE r.first_pos <= {me - 1} AND r.last_pos >= {n_pos}
              AND NOT EXISTS (SELECT 1 FROM run_new m WHERE m.version_id = r.version_id AND {_same('m', 'r')})
        """)
        if n is not None:
            con.execute(f"INSERT INTO {runs} {columns} SELECT version_id, $n, to_scan, {counters}, {me + 1}, last_pos "
                        "FROM run_cut ORDER BY version_id", {"n": n})
        con.execute(f"UPDATE {runs} r SET to_scan = $p, last_pos = {me - 1} FROM run_cut c "
                    "WHERE r.version_id = c.version_id AND r.from_scan = c.from_scan", {"p": p})
    if n is None:
        # Appended at the end: members without an open run (none left after the cut) open one.
        con.execute(f"""
            INSERT INTO {runs} {columns}
            SELECT m.version_id, $s, NULL, {', '.join('m.' + c for c in COUNTERS)}, {me}, {OPEN}
            FROM run_new m
            WHERE NOT EXISTS (SELECT 1 FROM {runs} r WHERE r.version_id = m.version_id AND r.to_scan IS NULL)
            ORDER BY m.version_id
        """, {"s": scan_id})
        return
    # Between P and N (or before N when P is none). No run straddles the new snapshot now except
    # those it continues unchanged; each other member extends the run ending at P or the one
    # starting at N with its counters, or opens a run of its own. (Never both: P and N were
    # neighbours, so two such runs would already have been one.)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE run_join AS
        WITH kept AS (SELECT r.version_id FROM {runs} r WHERE r.first_pos < {me + 1} AND r.last_pos >= {me + 1})
        SELECT m.*, l.from_scan AS left_from, r.version_id IS NOT NULL AS has_right
        FROM run_new m
        LEFT JOIN {runs} l ON l.version_id = m.version_id AND l.to_scan = $p AND {_same('l', 'm')}
        LEFT JOIN {runs} r ON r.version_id = m.version_id AND r.from_scan = $n AND {_same('r', 'm')}
        WHERE m.version_id NOT IN (SELECT version_id FROM kept)
    """, {"p": p, "n": n})
    con.execute(f"""UPDATE {runs} l SET to_scan = $s, last_pos = {me} FROM run_join j
                    WHERE l.version_id = j.version_id AND l.from_scan = j.left_from""", {"s": scan_id})
    con.execute(f"""UPDATE {runs} r SET from_scan = $s, first_pos = {me} FROM run_join j
                    WHERE j.left_from IS NULL AND j.has_right AND r.version_id = j.version_id
                      AND r.from_scan = $n""", {"s": scan_id, "n": n})
    con.execute(f"""INSERT INTO {runs} {columns} SELECT version_id, $s, $s, {counters}, {me}, {me} FROM run_join
                    WHERE left_from IS NULL AND NOT has_right ORDER BY version_id""", {"s": scan_id})


# Layout. DuckDB keeps a min/max of every column per row group (ROW_GROUP rows) and skips the row
# groups a filter rules out. Runs are appended as snapshots land, so in arrival order a reader of
# snapshot p (first_pos <= p <= last_pos) skips the runs that begin after p but reads every run that
# ended before it: an old snapshot of a long history reads most of the table. `relayout` rewrites the
# runs in an order that lets it skip both: closed runs first, in bands of BAND positions by where
# they end, each band in order of where its runs begin; then the open runs, in order of where they
# begin. A reader of p then skips the bands that end before p, and in every later band (and among
# the open runs) the runs that begin after p: it reads p's own runs plus about one row group a band.
# The band width balances those two wastes (the runs ended in p's band before p, one row group per
# later band). What lands after a rewrite is appended in arrival order again; a rewrite costs the
# whole table, so it runs once the runs written since reach RELAYOUT_GROWTH of it (each run is
# rewritten a bounded number of times: 1 / RELAYOUT_GROWTH + 1 on average, whatever the history).
ROW_GROUP = 122_880
RELAYOUT_GROWTH = 0.25


@dataclass(frozen=True)
class Relayout:
    runs: int   # rows rewritten
    band: int   # positions per band of closed runs


def band_width(positions: int, closed_runs: int, row_group: int = ROW_GROUP) -> int:
    """Positions per band: about sqrt(positions × row_group / closed runs per position), at least 1."""
    per_position = max(1.0, closed_runs / max(1, positions))
    return max(1, round(math.sqrt(positions * row_group / per_position)))


def relayout_due(con: duckdb.DuckDBPyConnection, db: str = "", row_group: int = ROW_GROUP) -> bool:
    """True once the runs written since the last rewrite reach RELAYOUT_GROWTH of the table (and at
    least a row group: a smaller table has nothing to skip)."""
    total, laid_out = one_row(con.execute(
        f"SELECT (SELECT count(*) FROM {db}version_runs), "
        f"(SELECT TRY_CAST(value AS BIGINT) FROM {db}meta WHERE key = 'runs_laid_out')"))
    since = total - (laid_out or 0)
    return since >= max(row_group, RELAYOUT_GROWTH * (laid_out or 0))


def relayout(con: duckdb.DuckDBPyConnection, db: str = "", row_group: int = ROW_GROUP) -> Relayout:
    """Rewrite the runs in the order described above, in one transaction (a kill keeps the old
    order; the rows are the same either way). `row_group`: the database's rows per row group."""
    runs = f"{db}version_runs"
    with transaction(con):
        positions, total, closed = one_row(con.execute(
            f"SELECT (SELECT count(*) FROM {db}scan_log WHERE status = 'complete'), count(*), "
            f"count(*) FILTER (last_pos <> {OPEN}) FROM {runs}"))
        band = band_width(int(positions), int(closed), row_group)
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE runs_laid_out AS SELECT * FROM {runs}
            ORDER BY last_pos = {OPEN}, CASE WHEN last_pos <> {OPEN} THEN last_pos // {band} END,
                     first_pos, version_id
        """)
        con.execute(f"DELETE FROM {runs}")
        con.execute(f"INSERT INTO {runs} SELECT * FROM runs_laid_out")
        con.execute("DROP TABLE runs_laid_out")
        con.execute(f"INSERT OR REPLACE INTO {db}meta VALUES ('runs_laid_out', ?)", [str(total)])
    # The old row groups go at a checkpoint; until then a reader would still visit them.
    con.execute(f"CHECKPOINT {db.rstrip('.')}")
    return Relayout(int(total), band)


def relayout_if_due(con: duckdb.DuckDBPyConnection, db: str = "", row_group: int = ROW_GROUP) -> Relayout | None:
    """`relayout` when `relayout_due`: called by the writers of snapshots once theirs is stored.
    Best effort: the rewrite changes no row, so a failure (a full disk) leaves the previous order,
    the snapshot just stored stays stored, and the rewrite is still due at the next writer."""
    if not relayout_due(con, db, row_group):
        return None
    with ignoring_db_errors():
        return relayout(con, db, row_group)
    return None
