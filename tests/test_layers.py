"""The package follows the data: crawl -> store -> classify -> analysis -> report, with jobs that
orchestrate them and the CLI on top. A module may import its own stage or an earlier one, never a
later one (function-level imports included): the test reads every import of every module."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "hfscan"
# Shared foundations first, then the flow. `testing` (the fake Hub) stands apart: it may use the
# foundations only, so that it never shares code with what it is there to test.
LAYERS = {
    "errors": 0, "config": 0, "dates": 0, "model_row": 0, "text": 0, "results": 0, "__init__": 0, "__main__": 7,
    "crawl": 1, "store": 2, "classify": 3, "analysis": 4, "report": 5, "jobs": 6, "api": 6, "cli": 7,
}


def stage(module: str) -> str:
    """The first component below `hfscan` of a dotted module name."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def imports_of(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
    return [(line, name) for line, name in found if name == "hfscan" or name.startswith("hfscan.")]


def modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py"))


def check(path: Path, package: Path = PACKAGE) -> list[str]:
    relative = path.relative_to(package.parent)
    own = stage(".".join(relative.with_suffix("").parts))
    problems = []
    for line, name in imports_of(path):
        target = stage(name)
        if own == "testing":
            if LAYERS.get(target, 99) > 0 and target != "testing":
                problems.append(f"{relative}:{line}: the fake Hub imports {name}")
        elif target == "testing":
            problems.append(f"{relative}:{line}: library code imports the fake Hub ({name})")
        elif LAYERS[target] > LAYERS[own]:
            problems.append(f"{relative}:{line}: {own} imports {name}, a later stage")
    return problems


def test_no_module_imports_against_the_flow() -> None:
    problems = [p for path in modules() for p in check(path)]
    assert not problems, "\n".join(problems)


def test_every_package_folder_is_a_known_stage() -> None:
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert folders - {"testing"} <= set(LAYERS), folders - set(LAYERS)


@pytest.mark.parametrize("source, own, expected", [
    ("from hfscan.jobs.scan import run_scan\n", "hfscan/store/x.py", 1),   # store reaching up to jobs
    ("def f():\n    from hfscan.classify.versions import classify_versions\n", "hfscan/store/x.py", 1),
    ("from hfscan.store.connect import connect\n", "hfscan/jobs/x.py", 0),
    ("import hfscan.testing.fakehub\n", "hfscan/crawl/x.py", 1),
])
def test_the_check_can_fail(tmp_path: Path, source: str, own: str, expected: int) -> None:
    fake = tmp_path / own
    fake.parent.mkdir(parents=True)
    fake.write_text(source)
    assert len(check(fake, tmp_path / "hfscan")) == expected


# What `hfscan/cli/` holds besides one module per verb: the app, shared options and output, progress.
CLI_SHARED = {"__init__", "app", "common", "progress"}
DDL = re.compile(r"\b(CREATE|ALTER|DROP)\b(\s+OR\s+REPLACE)?(\s+TEMP(ORARY)?)?\s+(TABLE|VIEW|MACRO|SEQUENCE|INDEX)\s+[A-Za-z_]",
                 re.IGNORECASE)


def _strings(path: Path) -> list[tuple[int, str]]:
    return [(node.lineno, node.value) for node in ast.walk(ast.parse(path.read_text()))
            if isinstance(node, ast.Constant) and isinstance(node.value, str)]


def test_no_cli_module_imports_another_verb() -> None:
    """A verb parses, calls one library function and prints: a verb reaching into another verb's
    module is policy living in the CLI."""
    problems = [f"{path.relative_to(PACKAGE.parent)}:{line}: imports {name}"
                for path in (PACKAGE / "cli").glob("*.py")
                for line, name in imports_of(path)
                if name.startswith("hfscan.cli.") and name.split(".")[2] not in CLI_SHARED]
    assert not problems, "\n".join(problems)


def test_no_module_outside_store_runs_ddl() -> None:
    """Tables, views and macros are made by store/ (migrations, views/*.sql, scratch tables): a
    CREATE written anywhere else is schema in the wrong home. The fake Hub builds its own dumps."""
    problems = [f"{path.relative_to(PACKAGE.parent)}:{line}: {text.strip()[:60]!r}"
                for path in modules() if stage(".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts))
                not in ("store", "testing")
                for line, text in _strings(path) if DDL.search(text)]
    assert not problems, "\n".join(problems)


def test_only_crawl_imports_huggingface_hub() -> None:
    """crawl/ is the one door to the Hub: error translation, token handling and bounds live there."""
    problems = []
    for path in modules():
        own = stage(".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts))
        if own in ("crawl", "testing"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([node.module] if isinstance(node, ast.ImportFrom) and node.module else
                     [a.name for a in node.names] if isinstance(node, ast.Import) else [])
            problems += [f"{path.relative_to(PACKAGE.parent)}:{node.lineno}: imports {n}" for n in names
                         if n == "huggingface_hub" or n.startswith("huggingface_hub.")]
    assert not problems, "\n".join(problems)


def test_the_three_rules_can_fail(tmp_path: Path) -> None:
    assert DDL.search("CREATE OR REPLACE TEMP TABLE todo AS SELECT 1")
    assert not DDL.search("for a CREATE TABLE.")
    fake = tmp_path / "hfscan" / "cli" / "shares.py"
    fake.parent.mkdir(parents=True)
    fake.write_text("from hfscan.cli.history import quota_eta\n")
    assert [n for _, n in imports_of(fake) if n.split(".")[2] not in CLI_SHARED] == ["hfscan.cli.history"]


def duckdb_catches(path: Path) -> list[int]:
    """Lines of `except` clauses that name a DuckDB exception (duckdb.X, or a tuple holding one)."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ExceptHandler) and node.type is not None:
            names = [n for n in ast.walk(node.type) if isinstance(n, ast.Attribute)
                     and isinstance(n.value, ast.Name) and n.value.id == "duckdb"]
            lines += [node.lineno] if names else []
    return lines


def test_only_the_translator_catches_duckdb_errors(tmp_path: Path) -> None:
    """One home for what a DuckDB error means (store/db_errors.py): every other module raises
    through `db_errors(...)` or takes the error as a value through `attempt(...)`."""
    home = PACKAGE / "store" / "db_errors.py"
    problems = [f"{path.relative_to(PACKAGE.parent)}:{line}" for path in modules() if path != home
                for line in duckdb_catches(path)]
    assert not problems, "\n".join(problems)
    assert duckdb_catches(home)
    fake = tmp_path / "site.py"   # the check can fail
    fake.write_text("import duckdb\ntry:\n    pass\nexcept (OSError, duckdb.IOException):\n    pass\n")
    assert duckdb_catches(fake) == [4]
