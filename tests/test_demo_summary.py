"""scripts/demo.py's last words: the planted-data warning, the headline next to the 2021 figure,
and commands to explore the demo database that work when pasted as printed (the fake Hub stopped)."""

from __future__ import annotations

import argparse
import importlib.util
import os
import shlex
from pathlib import Path
from types import ModuleType

import pytest

from hfscan.testing.fakehub import FakeHub
from tests.crawl.helpers import REPO_ROOT, CliResult, run_cli, scan_args


def _demo() -> ModuleType:
    spec = importlib.util.spec_from_file_location("demo_script", REPO_ROOT / "scripts" / "demo.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small demo database (the demo's seed; the fake Hub stops before the commands run, as after
    `make demo`)."""
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    with FakeHub(models=2_000, seed=7) as hub:
        assert run_cli(scan_args(hub, path)).code == 0
        assert run_cli(["history", "--as-of", "2021-12-14", "--endpoint", hub.url, "--db", str(path),
                        "--retry-wait", "0.01"]).code == 0
    return path


def _runs_as_printed(command: str) -> CliResult:
    """The command's words through the CLI's entry point (in this process: no Python start per
    command), from the repository root, without HFSCAN_DB (conftest's environment has none)."""
    words = shlex.split(command, comments=True)
    assert words[0].endswith("hfscan"), command
    assert "HFSCAN_DB" not in os.environ
    return run_cli(words[1:])


def test_the_readmes_explore_commands_run_on_the_demo_database(db: Path) -> None:
    readme = (REPO_ROOT / "README.md").read_text()
    section = readme.split("## Explore the demo database", 1)[1].split("\n## ", 1)[0]
    block = section.split("```bash\n", 1)[1].split("```", 1)[0]
    commands = [line for line in block.splitlines() if line.strip()]
    assert len(commands) >= 5
    for command in commands:
        assert command.startswith(".venv/bin/hfscan ") and "--db data/demo.duckdb" in command, command
        done = _runs_as_printed(command.replace("data/demo.duckdb", str(db)))
        assert done.code == 0, (command, done.stderr)
        assert done.stdout.strip(), command


def test_the_summary_warns_compares_and_its_commands_run(db: Path) -> None:
    args = argparse.Namespace(as_of="2021-12-14", db=str(db), out="reports/hfscan-report.html")
    text = _demo().summary(args, {**os.environ, "HFSCAN_DB": str(db)}, 12.0)
    assert "PLANTED DEMONSTRATION DATA" in text and "not the Hugging Face Hub" in text
    assert "AssemblyAI, Dec 2021" in text and "84.0%" in text
    commands = [line.strip() for line in text.splitlines() if line.strip().split(" ")[0].endswith("hfscan")]
    assert len(commands) >= 4, text
    for command in commands:
        assert "--db" in shlex.split(command), command  # works from any shell, without HFSCAN_DB
        done = _runs_as_printed(command)
        assert done.code == 0, (command, done.stderr)


def test_a_refusal_shown_on_purpose_is_announced(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    _demo().hfscan("shares", "--db", str(tmp_path / "none.duckdb"), env=dict(os.environ),
                   refused_because="there is no database yet")
    err = capfd.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines[0] == f"$ hfscan shares --db {tmp_path / 'none.duckdb'}"
    assert "shown on purpose" in lines[1] and "there is no database yet" in lines[1]
    assert lines[2].startswith("hfscan: error:")
    assert "as expected" in lines[-1]
