"""The one factory for database connections.

DuckDB lets one process write a file *or* several processes read it. hfscan keeps writes short
(scan registration, finalize, classify) so readers wait a little instead of failing: `connect`
retries a lock conflict until `wait_seconds` and reports the wait through `on_wait`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import duckdb

from hfscan.config import first_scan_hint
from hfscan.errors import StoreError
from hfscan.store import schema
from hfscan.store.db_errors import db_errors, wait_while_locked

# For `hfscan sql`: no file system access beyond the database itself (no COPY TO, ATTACH,
# read_csv of local files, extension installs), and a query cannot switch it back on.
SANDBOX_CONFIG = {"enable_external_access": False, "lock_configuration": True}


# DuckDB's own default is 80% of RAM, and it takes it: a report over 12 snapshots of 3M models
# peaked at 6.5 GB. Under a limit it spills joins and aggregates to `<db>.tmp` instead, so the
# process stays under ~1 GiB whatever the Hub's size. HFSCAN_MEMORY_LIMIT raises it (e.g. "4GB").
MEMORY_LIMIT = os.environ.get("HFSCAN_MEMORY_LIMIT", "500MB")


def _open(path: Path, read_only: bool, sandboxed: bool = False) -> duckdb.DuckDBPyConnection:
    config: dict[str, str | bool | int | float | list[str]] = {"memory_limit": MEMORY_LIMIT, **(SANDBOX_CONFIG if sandboxed else {})}
    return duckdb.connect(str(path), read_only=read_only, config=config)


def connect(
    db_path: Path,
    *,
    read_only: bool = False,
    wait_seconds: float = 120.0,
    on_wait: Callable[[str], None] | None = None,
    sandboxed: bool = False,
) -> duckdb.DuckDBPyConnection:
    """Open the main database, migrating it when opened for writing.

    Read-only opens require the file to exist (so a typo in --db is an error, not an empty
    database) and refuse a schema newer than this hfscan. `sandboxed` (read-only only) also
    shuts the connection off from the file system.
    """
    if sandboxed and not read_only:
        raise ValueError("a sandboxed connection is read-only")
    path = Path(db_path)
    if read_only and not path.exists():
        raise StoreError(f"no database at {path}", hint=f"pass the right --db; {first_scan_hint()}")
    if not read_only:
        if path.exists() and path.is_dir():
            raise StoreError(f"{path} is a directory, not a database file")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise StoreError(f"cannot create the folder for {path}: {e.strerror}") from e
    with db_errors(f"cannot open {path} as a DuckDB database",
                   hint="check the path given with --db / HFSCAN_DB; a damaged file can be restored from an export"):
        con = wait_while_locked(lambda: _open(path, read_only, sandboxed),
                                f"waiting for {path}: another process is writing to it", wait_seconds, on_wait)
    try:
        if read_only:
            schema.check_version(con, str(path))
            if schema.current_version(con) == 0:
                raise StoreError(
                    f"{path} is a DuckDB file but not an hfscan database",
                    hint="pass the right --db, or run `hfscan scan` to create one",
                )
            schema.shadow_stale_views(con)
        else:
            schema.migrate(con, str(path))
    except BaseException:
        con.close()
        raise
    return con
