"""The createdAt placeholder macro (views/00_snapshots.sql) against its plain formula.

The macro decodes a repo's `_id` only where its prefix can fall in the 2022 import window; the plain
formula decodes every one. Both must agree on every combination of the two dates, at and around
the window's edges, in either case of hex digits, and for malformed or missing values.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import duckdb

from hfscan.store.connect import connect

PLAIN = """CASE WHEN c IS NULL AND hub_id_time(h) IS NULL THEN NULL
                ELSE coalesce(in_import_window(c), false) OR coalesce(in_import_window(hub_id_time(h)), false) END"""

CREATED = [None, "2022-03-02 23:28:59", "2022-03-02 23:29:00", "2022-03-02 23:29:04", "2022-03-02 23:29:59.999",
           "2022-03-02 23:30:00", "2019-01-01 00:00:00", "2026-11-30 12:00:00"]
SUFFIX = "36468d709f17434d"
HUB_IDS = [None, "", "not-an-object-id", "621ffdc0" + SUFFIX, "621FFDC0" + SUFFIX.upper(), "621ffdbb" + SUFFIX,
           "621ffdbc" + SUFFIX, "621ffdf7" + SUFFIX, "621ffdf8" + SUFFIX, "621ffd00" + SUFFIX, "621ffdc0" + SUFFIX[:-1],
           "621ffdc0" + SUFFIX + "0", "621ffdzz" + SUFFIX, "6500000036468d709f17ddb6", "621ffe00" + SUFFIX]


def test_the_placeholder_macro_is_the_plain_formula(tmp_path: Path) -> None:
    con = connect(tmp_path / "p.duckdb")
    rows = [(c, h) for c, h in itertools.product(CREATED, HUB_IDS)]
    con.execute("CREATE TEMP TABLE t (c TIMESTAMP, h VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?, ?)", rows)
    got = con.execute(f"SELECT c, h, created_at_placeholder(c, h), {PLAIN} FROM t").fetchall()
    assert len(got) == len(rows)
    assert [r for r in got if r[2] is not r[3]] == []
    # The edges really are exercised: each outcome occurs, through either date.
    outcomes = {(r[0] is not None, r[3]) for r in got}
    assert outcomes == {(True, True), (True, False), (False, True), (False, False), (False, None)}
    con.close()


def test_the_window_prefix_covers_the_window() -> None:
    """Every second of the window has an ObjectId time that begins with the macro's prefix."""
    con = duckdb.connect()
    prefixes = con.execute("""
        SELECT DISTINCT left(printf('%08x', epoch(t)::BIGINT), 6)
        FROM range(TIMESTAMP '2022-03-02 23:29:00', TIMESTAMP '2022-03-02 23:30:00', INTERVAL 1 SECOND) r(t)
    """).fetchall()
    assert prefixes == [("621ffd",)]
