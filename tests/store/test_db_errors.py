"""The one DuckDB error translator (hfscan/store/db_errors.py): real DuckDB errors where one can be
raised here, DuckDB's own exception types with its wording where the fault needs a full disk or a
second process."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from hfscan.errors import (
    DatabaseDamaged,
    DatabaseLocked,
    DiskFull,
    ExitCode,
    OutOfMemory,
    StoreError,
    UsageError,
)
from hfscan.store.db_errors import Problem, database_error, db_errors, problem_of, translated


def raised(sql: str, con: duckdb.DuckDBPyConnection) -> duckdb.Error:
    with pytest.raises(duckdb.Error) as info:
        con.execute(sql)
    return info.value


def test_real_errors_are_classified(tmp_path: Path) -> None:
    con = duckdb.connect()
    assert problem_of(raised("SELEC 1", con)) is Problem.SYNTAX
    assert problem_of(raised("SELECT * FROM nowhere", con)) is Problem.UNDEFINED_RELATION
    path = tmp_path / "r.duckdb"
    duckdb.connect(str(path)).close()
    read_only = duckdb.connect(str(path), read_only=True)
    assert problem_of(raised("CREATE TABLE t (a INT)", read_only)) is Problem.READ_ONLY


@pytest.mark.parametrize(("error", "kind", "code"), [
    (duckdb.IOException('IO Error: Could not set lock on file "x.duckdb": Conflicting lock is held'),
     DatabaseLocked, ExitCode.STORAGE),
    (duckdb.IOException("IO Error: Could not write file \"x.duckdb\": No space left on device"), DiskFull,
     ExitCode.STORAGE),
    (duckdb.IOException("IO Error: Corrupt database file: computed checksum 1 does not match"), DatabaseDamaged,
     ExitCode.STORAGE),
    (duckdb.OutOfMemoryException("Out of Memory Error: failed to allocate"), OutOfMemory, ExitCode.STORAGE),
])
def test_machine_problems_are_storage_errors_even_for_user_sql(error: duckdb.Error, kind: type, code: int) -> None:
    found = translated(error, "the query failed", user_input=True, hint="a site hint")
    assert type(found) is kind and found.exit_code == code
    # The step, then the problem in the machine's words (a damaged file reads as damaged wherever met).
    assert str(found).startswith("the query failed (") and found.hint != "a site hint"
    escaped = database_error(error)  # what the CLI does with one that escaped a verb
    assert type(escaped) is kind


def test_the_rest_is_the_users_or_ours() -> None:
    error = duckdb.CatalogException("Catalog Error: Table with name models does not exist!")
    assert type(translated(error, "the query failed", user_input=True)) is UsageError
    stored = translated(error, "scan 3: cannot write the database", hint="resume with `hfscan scan`")
    assert type(stored) is StoreError and stored.hint == "resume with `hfscan scan`"
    assert database_error(error) is None  # escaped to the CLI: a bug, shown as an internal error


def test_the_block_form_chains_the_cause() -> None:
    with pytest.raises(UsageError) as info, db_errors("cannot read x.parquet", user_input=True):
        duckdb.connect().execute("SELECT * FROM read_parquet('/nonexistent/x.parquet')")
    assert isinstance(info.value.__cause__, duckdb.Error)
