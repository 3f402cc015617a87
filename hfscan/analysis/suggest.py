"""Commands hfscan suggests (in hints and refusals), made to run against the data they are about.

A database scanned from the fake Hub (`make demo`) or a mirror must never suggest a bare
`hfscan history ...`: run as printed, it would ask https://huggingface.co about repos that only
exist on that endpoint, and read data/hfscan.duckdb instead of the database the user is looking at.
So every suggested command is built here, from the database itself:

    suggest(con, "history --as-of 2021-12-14")
    -> "hfscan history --as-of 2021-12-14 --endpoint http://127.0.0.1:8080 --db data/demo.duckdb"
"""

from __future__ import annotations

import shlex
from pathlib import Path

import duckdb

from hfscan.config import DEFAULT_ENDPOINT, resolve_db_path


def suggest(con: duckdb.DuckDBPyConnection, args: str) -> str:
    """`hfscan ARGS`, plus `--endpoint` when the newest crawled snapshot came from another endpoint
    than the Hub, plus `--db` when this is not the database a bare command opens."""
    command = with_endpoint(f"hfscan {args}", scanned_endpoint(con))
    path = database_path(con)
    if path is not None and path.resolve() != resolve_db_path(None).resolve():
        command += f" --db {shlex.quote(str(path))}"
    return command


def with_endpoint(command: str, endpoint: str | None) -> str:
    """`command --endpoint URL` unless the endpoint is the Hub's (the default) or unknown."""
    if endpoint is None or endpoint.rstrip("/") == DEFAULT_ENDPOINT:
        return command
    return f"{command} --endpoint {shlex.quote(endpoint)}"  # stored data: quoted, never run as shell


def scanned_endpoint(con: duckdb.DuckDBPyConnection) -> str | None:
    """The endpoint of the newest complete crawl (`scan_log.source`; imports name a dump, not an
    endpoint); None when nothing was crawled."""
    row = con.execute(
        "SELECT source FROM scan_log WHERE status = 'complete' AND kind <> 'import' "
        "ORDER BY snapshot_at DESC, scan_id DESC LIMIT 1").fetchone()
    return None if row is None else str(row[0])


def database_path(con: duckdb.DuckDBPyConnection) -> Path | None:
    row = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
    return Path(row[0]) if row and row[0] else None
