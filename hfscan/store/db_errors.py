"""The one translator from DuckDB's errors to hfscan's (as dlt's DuckDbSqlClient does), and the
only module that catches them: a site raises through `db_errors(what)` (with `special` for the few
answers of its own), takes the error as a value through `attempt` when it decides rather than
raises (status, lock waits), and the CLI passes here the ones that escaped. DuckDB raises the same exception type (IOException) for a full disk, a held
lock and a damaged file, so the type is read first and the message's fixed markers after it.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import Enum
from typing import TypeVar

import duckdb

from hfscan.errors import (
    DatabaseDamaged,
    DatabaseLocked,
    DiskFull,
    HfscanError,
    OutOfMemory,
    StoreError,
    UsageError,
    first_line,
)

T = TypeVar("T")

# DuckDB's wording of a lock held by another process (the only way to tell it from other I/O errors).
LOCK_MARKERS = ("Could not set lock", "Conflicting lock", "lock on file")
_DISK_MARKERS = ("No space left", "File too large", "Could not write", "Disk quota exceeded")
_CORRUPT_MARKERS = ("Corrupt database", "checksum")
_READ_ONLY_MARKERS = ("read-only", "read only")


class Problem(Enum):
    LOCKED = "locked"
    OUT_OF_MEMORY = "out_of_memory"
    DISK_FULL = "disk_full"
    CORRUPT = "corrupt"
    READ_ONLY = "read_only"
    SYNTAX = "syntax"
    UNDEFINED_RELATION = "undefined_relation"
    OTHER = "other"


def problem_of(error: BaseException) -> Problem:
    text = first_line(error)
    if isinstance(error, duckdb.OutOfMemoryException) or "Out of Memory" in text:
        return Problem.OUT_OF_MEMORY
    if any(marker in str(error) for marker in LOCK_MARKERS):
        return Problem.LOCKED
    if any(marker in text for marker in _DISK_MARKERS):
        return Problem.DISK_FULL
    if any(marker in text for marker in _CORRUPT_MARKERS):
        return Problem.CORRUPT
    if isinstance(error, duckdb.PermissionException) or any(marker in text for marker in _READ_ONLY_MARKERS):
        return Problem.READ_ONLY
    if isinstance(error, duckdb.ParserException):
        return Problem.SYNTAX
    if isinstance(error, duckdb.CatalogException) and "does not exist" in text:
        return Problem.UNDEFINED_RELATION
    return Problem.OTHER


def is_lock_error(error: BaseException) -> bool:
    return problem_of(error) is Problem.LOCKED


# Problems of the machine or the file, whoever wrote the SQL: a class and a hint of their own.
_STORAGE: dict[Problem, tuple[type[StoreError], str, str]] = {
    Problem.LOCKED: (DatabaseLocked, "the database is locked by another hfscan process",
                     "wait for the running command (see `hfscan status`) to finish"),
    Problem.OUT_OF_MEMORY: (OutOfMemory, "DuckDB ran out of memory",
                            "raise HFSCAN_MEMORY_LIMIT (e.g. 2GB); DuckDB spills to <db>.tmp below it"),
    Problem.DISK_FULL: (DiskFull, "cannot write the database", "free disk space; earlier snapshots are intact"),
    Problem.CORRUPT: (DatabaseDamaged, "the database is damaged",
                      "run `hfscan status --check`; restore the file from a backup, or re-import an `hfscan export`"),
}


def database_error(error: BaseException, what: str | None = None, *, hint: str | None = None,
                   user_input: bool = False) -> HfscanError | None:
    """The hfscan error for a DuckDB error met while doing `what` ("{what}: {DuckDB's first line}").

    `user_input`: the SQL or the file read is the user's (`hfscan sql`, an import's Parquet), so a
    failure that is not the machine's is a UsageError (exit 2). `hint` is for those; the machine's
    problems (lock, memory, disk, damage) keep their own.
    Without `what` (an error that escaped to the CLI) only the machine's problems are known: None
    for the rest, which are bugs.
    """
    problem = problem_of(error)
    first = first_line(error)
    if problem in _STORAGE:
        kind, says, default_hint = _STORAGE[problem]
        # The problem is named whatever was being done: "the database is damaged" is what a reader
        # (and `status --check`'s hint) must see, not only the step that met it.
        message = f"{says}: {first}" if not what else f"{what}: {first}" if says in what else f"{what} ({says}): {first}"
        return kind(message, hint=default_hint)
    if what is None:
        return None
    if user_input:
        return UsageError(f"{what}: {first}", hint=hint)
    return StoreError(f"{what}: {first}", hint=hint)


def translated(error: BaseException, what: str, *, hint: str | None = None, user_input: bool = False) -> HfscanError:
    found = database_error(error, what, hint=hint, user_input=user_input)
    assert found is not None  # with `what`, every error has a translation
    return found


@contextlib.contextmanager
def db_errors(what: str, *, hint: str | None = None, user_input: bool = False,
              special: Callable[[duckdb.Error], HfscanError | None] | None = None) -> Iterator[None]:
    """DuckDB errors raised inside the block → `special(error)` when it has an answer of its own,
    else `translated(...)`; chained to the original."""
    try:
        yield
    except duckdb.Error as e:
        raise (special(e) if special else None) or translated(e, what, hint=hint, user_input=user_input) from e


@dataclass(frozen=True)
class DbFailure:
    """A DuckDB error as a value, for a caller that decides what it means."""

    error: duckdb.Error

    @property
    def problem(self) -> Problem:
        return problem_of(self.error)


def attempt(run: Callable[[], T]) -> T | DbFailure:
    """`run()`, or the DuckDB error it raised."""
    try:
        return run()
    except duckdb.Error as e:
        return DbFailure(e)


def ignoring_db_errors() -> contextlib.AbstractContextManager[None]:
    """For a best-effort call whose failure changes nothing (asking a busy query to stop)."""
    return contextlib.suppress(duckdb.Error)


def wait_while_locked(run: Callable[[], T], waiting: str, wait_seconds: float,
                      on_wait: Callable[[str], None] | None) -> T:
    """`run()` again every 0.2 s while another process holds the lock, up to `wait_seconds`;
    `waiting` is reported once through `on_wait`. Raises the last DuckDB error (the caller says
    what it was doing: `translated`)."""
    deadline = time.monotonic() + wait_seconds
    announced = False
    while True:
        result = attempt(run)
        if not isinstance(result, DbFailure):
            return result
        if result.problem is not Problem.LOCKED or time.monotonic() >= deadline:
            raise result.error
        if on_wait and not announced:
            on_wait(waiting)
            announced = True
        time.sleep(0.2)
