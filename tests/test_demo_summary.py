"""scripts/demo.py's last words: the planted-data warning, the headline next to the 2021 figure,
and commands to explore the demo database that work when pasted as printed (the fake Hub stopped)."""

from __future__ import annotations

import argparse
import importlib.util
import os
import shlex
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from hfscan.testing.fakehub import FakeHub
from tests.crawl.helpers import REPO_ROOT, run_cli, scan_args


def _demo() -> ModuleType:
    spec = importlib.util.spec_from_file_location("demo_script", REPO_ROOT / "scripts" / "demo.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_summary_warns_compares_and_its_commands_run(tmp_path: Path) -> None:
    db = tmp_path / "demo.duckdb"
    with FakeHub(models=400, seed=7) as hub:
        assert run_cli(scan_args(hub, db)).code == 0
        assert run_cli(["history", "--as-of", "2021-12-14", "--endpoint", hub.url, "--db", str(db),
                        "--retry-wait", "0.01"]).code == 0
    args = argparse.Namespace(as_of="2021-12-14", db=str(db), out="reports/hfscan-report.html")
    text = _demo().summary(args, {**os.environ, "HFSCAN_DB": str(db)}, 12.0)
    assert "PLANTED DEMONSTRATION DATA" in text and "not the Hugging Face Hub" in text
    assert "AssemblyAI, Dec 2021" in text and "84.0%" in text
    commands = [line.strip() for line in text.splitlines() if line.strip().split(" ")[0].endswith("hfscan")]
    assert len(commands) >= 4, text
    for command in commands:
        words = shlex.split(command)
        assert "--db" in words, command  # works from any shell, without HFSCAN_DB
        done = subprocess.run([sys.executable, "-m", "hfscan", *words[1:]], capture_output=True, text=True,
                              cwd=REPO_ROOT, env={k: v for k, v in os.environ.items() if k != "HFSCAN_DB"})
        assert done.returncode == 0, (command, done.stderr)


def test_a_refusal_shown_on_purpose_is_announced(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    _demo().hfscan("shares", "--db", str(tmp_path / "none.duckdb"), env=dict(os.environ),
                   refused_because="there is no database yet")
    err = capfd.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines[0] == f"$ hfscan shares --db {tmp_path / 'none.duckdb'}"
    assert "shown on purpose" in lines[1] and "there is no database yet" in lines[1]
    assert lines[2].startswith("hfscan: error:")
    assert "as expected" in lines[-1]
