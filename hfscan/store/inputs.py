"""The input counter: every stored change to what classes or aggregates are computed from takes a number.

Classify owns staleness (docs/ARCHITECTURE.md, "Staleness"). The store never deletes a class: in
the transaction that stores a new fact (a header probe, a config filled in, a commit log, another
framework table), it takes the next value of `meta.input_seq` and records which versions it
touched (`version_inputs`, `history_status.changed_seq`). A class row records what it read
(`input_probes`, `input_config`, `input_framework`), so the view `current_classes` hides it as soon
as an input differs, and classify recomputes it. A per-snapshot aggregate is current only while
its `valid_seq` equals `meta.input_seq` (store/aggregates.py).
"""

from __future__ import annotations

import duckdb

from hfscan.store.schema import first_row

# The two per-version inputs a class can read beyond the version's own row; one column each of
# version_inputs and of version_classes (input_<name>).
VERSION_INPUTS = ("probes", "config")


def current(con: duckdb.DuckDBPyConnection, db: str = "") -> int:
    """The input counter now (0 before anything changed)."""
    row = first_row(con.execute(f"SELECT value FROM {db}meta WHERE key = 'input_seq'"))
    return int(row[0]) if row else 0


def bump(con: duckdb.DuckDBPyConnection, db: str = "") -> int:
    """The next value of the input counter; call it inside the transaction that stores the change."""
    seq = current(con, db) + 1
    con.execute(f"INSERT OR REPLACE INTO {db}meta VALUES ('input_seq', ?)", [str(seq)])
    return seq


def versions_changed(con: duckdb.DuckDBPyConnection, input_name: str, versions_sql: str, db: str = "") -> int:
    """Record that input `input_name` changed for the versions `versions_sql` selects (one column,
    version_id): their classes that read it are stale from this transaction on. Returns the value."""
    assert input_name in VERSION_INPUTS, input_name
    seq = bump(con, db)
    con.execute(f"""
        INSERT INTO {db}version_inputs (version_id, {input_name})
        SELECT DISTINCT version_id, {seq} FROM ({versions_sql})
        ON CONFLICT (version_id) DO UPDATE SET {input_name} = excluded.{input_name}
    """)
    return seq
