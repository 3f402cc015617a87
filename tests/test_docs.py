"""Docs that cannot drift (in the spirit of sqlite-utils' tests/test_docs.py): every public view
and macro is documented, every verb is in the README's command table, the dataset card's columns
are the ones `hfscan export` writes (from model_row.py), and ARCHITECTURE's migration list is the
migrations'."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.crawl.helpers import REPO_ROOT

README = (REPO_ROOT / "README.md").read_text()
ARCHITECTURE = (REPO_ROOT / "docs" / "ARCHITECTURE.md").read_text()


def section(text: str, title: str) -> str:
    return text.split(f"\n{title}\n", 1)[1].split("\n## ", 1)[0]


@pytest.fixture(scope="module")
def public_names(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The views and macros a fresh database has (SQL files and the ones made from Python rules)."""
    from hfscan.store.connect import connect

    with connect(tmp_path_factory.mktemp("docs") / "d.duckdb") as con:
        views = [r[0] for r in con.execute(
            "SELECT view_name FROM duckdb_views() WHERE NOT internal AND database_name = current_database()")
            .fetchall()]
        macros = [r[0] for r in con.execute(
            "SELECT DISTINCT function_name FROM duckdb_functions() WHERE function_type IN ('macro', 'table_macro') "
            "AND NOT internal AND database_name = current_database()").fetchall()]
    names = sorted(set(views) | set(macros))
    assert {"shares", "snapshot_order", "as_of_counts", "version_hash"} <= set(names)
    return names


def _named(text: str, name: str) -> bool:
    return f"`{name}`" in text or f"`{name}(" in text


def test_every_view_and_macro_is_documented_in_the_readme(public_names: list[str]) -> None:
    surface = section(README, "## SQL surface")
    assert [n for n in public_names if not _named(surface, n)] == []


def test_every_view_and_macro_is_listed_in_architecture(public_names: list[str]) -> None:
    assert [n for n in public_names if not _named(ARCHITECTURE, n)] == []


def _verbs() -> list[str]:
    import typer.main

    from hfscan.cli import app

    root = typer.main.get_command(app)
    verbs = []
    for name, command in root.commands.items():  # type: ignore[attr-defined]
        subcommands = getattr(command, "commands", None)
        verbs += [f"{name} {sub}" for sub in subcommands] if subcommands else [name]
    return verbs


def test_every_verb_is_in_the_readme_command_table() -> None:
    table = [line for line in section(README, "## Commands").splitlines() if line.startswith("| `hfscan ")]
    verbs = _verbs()
    assert len(verbs) >= 15
    assert [v for v in verbs if not any(f"`hfscan {v}" in row or f"/ `hfscan {v}" in row for row in table)] == []


def test_the_dataset_card_lists_what_export_writes(tmp_path: Path) -> None:
    from hfscan.jobs.card import COLUMNS
    from hfscan.store.connect import connect
    from hfscan.store.transfer import export_columns

    with connect(tmp_path / "c.duckdb") as con:
        exported = export_columns(con)
    assert sorted(name for name, _, _ in COLUMNS) == sorted(exported)
    assert all(what for _, _, what in COLUMNS)


def test_architecture_lists_the_migrations() -> None:
    from hfscan.store.schema import LATEST_VERSION, MIGRATIONS

    listed = re.search(r"<!-- migrations -->\n(.*?)<!-- /migrations -->", ARCHITECTURE, re.S)
    assert listed is not None
    assert listed.group(1).strip().splitlines() == [f"- {v}: {d}" for v, d, _ in MIGRATIONS]
    assert f"schema version {LATEST_VERSION}," in ARCHITECTURE
