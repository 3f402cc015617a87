"""The running scan's own database file, ``<db>.scan``, next to the main database.

Why a second file: DuckDB lets one process write a file *or* several read it. A scan writes for an
hour; keeping those writes out of the main file lets `sql`, `shares` and `report` read the last
complete snapshot meanwhile. The staging file's DuckDB lock doubles as the single-scan guard, and
its ``scan_state`` row (with the next page's URL, which carries the cursor) commits in the same
transaction as the page's rows: a kill at any moment leaves a consistent prefix to resume from.

A small JSON sidecar (``<db>.scan.json``) mirrors the progress for `hfscan status`, which cannot
open the staging file while the scan holds it. It is informational only.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypedDict

import duckdb
import polars as pl

from hfscan.errors import HfscanError, ScanRunningError, StoreError, redact
from hfscan.model_row import MODEL_COLUMNS, column_ddl
from hfscan.store.connect import MEMORY_LIMIT
from hfscan.store.db_errors import DbFailure, Problem, attempt, db_errors, problem_of
from hfscan.store.schema import first_row, transaction

STAGING_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS scan_state (
    scan_id INTEGER, kind VARCHAR, endpoint VARCHAR, started_at TIMESTAMP,
    next_url VARCHAR, done BOOLEAN, pages INTEGER, models BIGINT, rejects BIGINT,
    requests BIGINT, stop_before TIMESTAMP, base_scan_id INTEGER, status VARCHAR, error VARCHAR,
    pid INTEGER
);
CREATE TABLE IF NOT EXISTS staged_models (page INTEGER, {column_ddl()});
CREATE TABLE IF NOT EXISTS staged_rejects (page INTEGER, reason VARCHAR, raw VARCHAR);
"""


@dataclass
class ScanState:
    scan_id: int
    kind: str
    endpoint: str
    started_at: datetime
    next_url: str | None
    done: bool
    pages: int
    models: int
    rejects: int
    requests: int
    stop_before: datetime | None
    base_scan_id: int | None
    status: str
    error: str | None
    pid: int | None


def staging_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".scan")


def sidecar_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".scan.json")


class Sidecar(TypedDict, total=False):
    """`<db>.scan.json`, the running scan's progress as another process (`hfscan status`, a second
    scan) reads it: a file format, not a result, so it stays JSON. Written by `write_sidecar` (the
    ScanState fields but next_url, times in ISO, plus progress_models); whatever the file holds is
    passed on as it is (the reader shows it, a newer writer may add keys)."""

    scan_id: int
    kind: str
    endpoint: str
    started_at: str
    pid: int | None
    pages: int
    models: int
    progress_models: int


def read_sidecar(db_path: Path) -> Sidecar | None:
    try:
        payload = json.loads(sidecar_path(db_path).read_text())
        return payload if isinstance(payload, dict) else None  # type: ignore[return-value]
    except (OSError, ValueError):
        return None


class Staging:
    """An open staging database, owned by this process for the length of one scan."""

    def _running(self, error: duckdb.Error) -> HfscanError | None:
        """A held lock on the staging file: another scan writes this database."""
        if problem_of(error) is not Problem.LOCKED:
            return None
        info = read_sidecar(self.db_path) or {}
        who = f"scan {info.get('scan_id', '?')} (pid {info.get('pid', '?')}, started {info.get('started_at', '?')})"
        return ScanRunningError(f"another scan is already running on {self.db_path}: {who}",
                                hint="wait for it to finish (see `hfscan status`); two scans cannot write one database")

    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path
        self.path = staging_path(db_path)
        try:
            # The staging file is opened before the main database: a fresh --db folder starts here.
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise StoreError(f"cannot create the folder for {self.path}: {e.strerror}") from e
        with db_errors(f"cannot open the scan's staging file {self.path}", special=self._running):
            self.con = duckdb.connect(str(self.path))
        self.con.execute("SET preserve_insertion_order = false")
        # Flat memory whatever the Hub's size: DuckDB spills to disk past this instead of growing.
        # The same limit as the main database's connections (one setting, HFSCAN_MEMORY_LIMIT).
        self.con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
        self.con.execute(STAGING_SCHEMA)

    def close(self) -> None:
        self.con.close()

    def state(self) -> ScanState | None:
        row = first_row(self.con.execute("SELECT * FROM scan_state"))
        if row is None:
            return None
        names = [d[0] for d in self.con.description]
        return ScanState(**dict(zip(names, row, strict=True)))

    def begin(self, state: ScanState) -> None:
        self.con.execute("DELETE FROM scan_state")
        self.con.execute("DELETE FROM staged_models")
        self.con.execute("DELETE FROM staged_rejects")
        self.con.execute(
            "INSERT INTO scan_state VALUES ($scan_id, $kind, $endpoint, $started_at, $next_url, $done, $pages, "
            "$models, $rejects, $requests, $stop_before, $base_scan_id, $status, $error, $pid)",
            asdict(state),
        )
        self.write_sidecar()

    def commit_page(self, page: int, models: pl.DataFrame, rejects: list[tuple[str, str]],
                    next_url: str | None, done: bool, requests: int) -> None:
        """The page's rows, its rejects and the cursor, in one transaction."""
        con = self.con
        with transaction(con):
            if models.height:
                # Handing DuckDB an Arrow table rather than the polars frame skips its polars adapter:
                # ~35% less CPU per page, and this runs once per page of a 3,000-page crawl.
                ordered = models if tuple(models.columns) == MODEL_COLUMNS else models.select(MODEL_COLUMNS)
                con.register("page_models", ordered.to_arrow())
                columns = ", ".join(MODEL_COLUMNS)
                con.execute(f"INSERT INTO staged_models (page, {columns}) SELECT ?, {columns} FROM page_models", [page])
                con.unregister("page_models")
            if rejects:
                con.executemany("INSERT INTO staged_rejects VALUES (?, ?, ?)", [(page, r, raw) for r, raw in rejects])
            con.execute(
                "UPDATE scan_state SET next_url = ?, done = ?, pages = ?, models = models + ?, "
                "rejects = rejects + ?, requests = ?, status = 'running', error = NULL",
                [next_url, done, page, models.height, len(rejects), requests],
            )

    def set_next_url(self, next_url: str) -> None:
        """Replace the saved cursor URL (the same cursor, a smaller page: see scan.smaller_page)."""
        self.con.execute("UPDATE scan_state SET next_url = ?", [next_url])

    def mark(self, status: str, error: str | None = None) -> None:
        self.con.execute("UPDATE scan_state SET status = ?, error = ?", [status, redact(error) if error else error])

    def set_pid(self, pid: int) -> None:
        self.con.execute("UPDATE scan_state SET pid = ?", [pid])

    def write_sidecar(self, **extra: Any) -> None:
        state = self.state()
        if state is None:
            return
        payload = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in asdict(state).items()}
        payload.pop("next_url", None)
        payload.update(extra)
        if payload.get("error"):
            payload["error"] = redact(payload["error"])
        target = sidecar_path(self.db_path)
        tmp = target.with_name(target.name + ".tmp")
        try:
            tmp.write_text(json.dumps(payload))
            os.replace(tmp, target)
        except OSError:
            pass  # progress display only

    def remove(self) -> None:
        """Delete the staging file (after a finalize, or on discard)."""
        self.close()
        for path in (self.path, self.path.with_name(self.path.name + ".wal"), sidecar_path(self.db_path)):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()


def peek_state(db_path: Path) -> tuple[str, ScanState | None]:
    """For `status`: ('none' | 'running' | 'stopped', state). Never blocks, never writes."""
    path = staging_path(db_path)
    if not path.exists():
        return "none", None
    con = attempt(lambda: duckdb.connect(str(path), read_only=True))
    if isinstance(con, DbFailure):
        return ("running" if con.problem is Problem.LOCKED else "stopped"), None
    def read() -> tuple[Any, list[str]]:
        cursor = con.execute("SELECT * FROM scan_state")
        return first_row(cursor), [d[0] for d in cursor.description or []]

    try:
        got = attempt(read)
    finally:
        con.close()
    if isinstance(got, DbFailure):
        return "stopped", None
    row, names = got
    return "stopped", (ScanState(**dict(zip(names, row, strict=True))) if row else None)
