"""The one table of model-row columns (model_row.py) agrees with every place a row lives:
the listing parser's frame, the staging table, the main tables, the public view, the import."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import pytest

from hfscan.crawl.listing import parse_listing_page
from hfscan.model_row import (
    COLUMNS,
    COUNTER_COLUMNS,
    MODEL_COLUMNS,
    SHA_HASH,
    VERSION_COLUMNS,
    VERSION_HASH_SQL,
)
from hfscan.store.connect import connect
from hfscan.store.staging import Staging

# How each DuckDB type of the table arrives from polars (the listing frame).
POLARS_OF = {"VARCHAR": pl.String, "TIMESTAMP": pl.Datetime("us"), "VARCHAR[]": pl.List(pl.String),
             "BOOLEAN": pl.Boolean, "BIGINT": pl.Int64, "JSON": pl.String}


def _types(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    return {r[0]: r[1] for r in con.execute(f"DESCRIBE {table}").fetchall()}


@pytest.fixture
def main_db(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    con = connect(tmp_path / "m.duckdb")
    yield con
    con.close()


def test_the_listing_frame_has_every_column_in_order_with_its_type() -> None:
    page = parse_listing_page(b'[{"id": "a/b", "siblings": [{"rfilename": "x.bin"}], "gguf": {"total": 1}}]')
    assert tuple(page.models.columns) == MODEL_COLUMNS
    assert {name: dtype for name, dtype in page.models.schema.items()} == {
        c.name: POLARS_OF[c.sql_type] for c in COLUMNS}


def test_the_staging_table_is_generated_from_the_table(tmp_path: Path) -> None:
    staging = Staging(tmp_path / "m.duckdb")
    try:
        types = _types(staging.con, "staged_models")
    finally:
        staging.close()
    assert types == {"page": "INTEGER"} | {c.name: c.sql_type for c in COLUMNS}


def test_main_tables_hold_every_version_and_counter_column(main_db: duckdb.DuckDBPyConnection) -> None:
    versions, members = _types(main_db, "repo_versions"), _types(main_db, "version_runs")
    by_name = {c.name: c.sql_type for c in COLUMNS}
    assert {c: versions.get(c) for c in VERSION_COLUMNS} == {c: by_name[c] for c in VERSION_COLUMNS}
    assert {c: members.get(c) for c in COUNTER_COLUMNS} == {c: by_name[c] for c in COUNTER_COLUMNS}


def test_the_public_view_shows_every_exported_column(main_db: duckdb.DuckDBPyConnection) -> None:
    shown = _types(main_db, "snapshot_models")
    assert [c.name for c in COLUMNS if c.exported and c.name not in shown] == []


def test_latest_models_has_the_columns_of_snapshot_models(main_db: duckdb.DuckDBPyConnection) -> None:
    """latest_models is written out (not filtered from snapshot_models) for speed: same columns."""
    assert _types(main_db, "latest_models") == _types(main_db, "snapshot_models")


def test_snapshot_at_position_has_the_columns_of_snapshot_models(main_db: duckdb.DuckDBPyConnection) -> None:
    """The one-snapshot macro is written out too (a constant position filters the runs): same columns."""
    assert _types(main_db, "SELECT * FROM snapshot_at_position(1)") == _types(main_db, "snapshot_models")


def test_a_known_sha_hashes_alike_in_the_listing_and_in_history(main_db: duckdb.DuckDBPyConnection) -> None:
    """A tree fetched at a commit and the listing row of that commit are one version."""
    listing = main_db.execute(
        f"SELECT {VERSION_HASH_SQL} FROM (SELECT 'a/b' AS model_id, 'abc' AS sha, ['x'] AS files, "
        "['t'] AS tags, 'lib' AS library_name, TIMESTAMP '2024-01-01' AS last_modified)").fetchall()
    tree = main_db.execute(f"SELECT {SHA_HASH.format(model=repr('a/b'), sha=repr('abc'))}").fetchall()
    assert listing == tree
    shaless = main_db.execute(
        f"SELECT {VERSION_HASH_SQL} FROM (SELECT 'a/b' AS model_id, NULL AS sha, ['x'] AS files, "
        "['t'] AS tags, 'lib' AS library_name, TIMESTAMP '2024-01-01' AS last_modified)").fetchall()
    assert shaless != listing and shaless[0][0] is not None


def test_the_as_of_view_hashes_a_commit_with_the_same_formula() -> None:
    """SQL views cannot import SHA_HASH: the one that joins commits to versions must spell it alike."""
    from importlib import resources

    view = resources.files("hfscan.store").joinpath("views", "30_as_of.sql").read_text(encoding="utf-8")
    assert SHA_HASH.format(model="p.model_id", sha="p.commit_id") in view
    assert view.count("md5_number_lower") == 1
