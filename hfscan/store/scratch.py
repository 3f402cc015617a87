"""Session-local scratch tables: the one place outside migrations and views where hfscan runs DDL
for a computation (a TEMP table lives in this connection only, never in the database file)."""

from __future__ import annotations

import re

import duckdb

_NAME = re.compile(r"[a-z_][a-z0-9_]*")


def temp_table(con: duckdb.DuckDBPyConnection, name: str, select_sql: str) -> None:
    """(Re)create the TEMP table `name` from `select_sql` on this connection."""
    if not _NAME.fullmatch(name):
        raise ValueError(f"not a scratch table name: {name!r}")
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {select_sql}")
