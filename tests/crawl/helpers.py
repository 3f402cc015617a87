"""Helpers for end-to-end scans: run the real CLI, read snapshots back."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb

from hfscan.testing.fakehub import ALL_GATES, FakeHub

REPO_ROOT = Path(__file__).resolve().parents[2]
FAST_RETRY = ["--retry-wait", "0.05", "--timeout", "5"]
# Tests that compare history with the planted truth need every commit log, the gated repos' too: on
# the real Hub only a token whose user accepted the gates reads those (docs/HUB_PROTOCOL.md, "Gated
# repos"). Plant FakeHub(gate_access=ALL_GATE_ACCESS) and run with HF_TOKEN=GATE_TOKEN.
GATE_TOKEN = "hf_" + "g" * 30
ALL_GATE_ACCESS = {GATE_TOKEN: ALL_GATES}


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str


def run_cli(args: list[str], env: dict[str, str] | None = None, timeout: float = 300, *,
            process: bool = False) -> CliResult:
    """The CLI's entry point (`hfscan.cli.main`) with these arguments and extra environment variables.

    In this process by default (Click's test isolation swaps stdin/stdout/stderr and the environment),
    which spares a Python start and the imports per call. `process=True` runs it as cron does, in a
    subprocess: for what only a process shows (exit by signal, a timeout, import-time settings), and
    everywhere when HFSCAN_TEST_SUBPROCESS=1.
    """
    if process or os.environ.get("HFSCAN_TEST_SUBPROCESS") == "1":
        return run_process(args, env, timeout)
    return _run_in_process(args, env)


def _run_in_process(args: list[str], env: dict[str, str] | None) -> CliResult:
    import huggingface_hub.constants as hub_constants
    from typer.testing import CliRunner

    from hfscan.cli import main

    runner = CliRunner()
    cwd = os.getcwd()
    os.chdir(REPO_ROOT)
    # huggingface_hub reads HF_HUB_DISABLE_XET once, at import: a process started with it set is
    # what the variable means, so the same value is put where huggingface_hub looks for it.
    xet_before = hub_constants.HF_HUB_DISABLE_XET
    if env and "HF_HUB_DISABLE_XET" in env:
        hub_constants.HF_HUB_DISABLE_XET = env["HF_HUB_DISABLE_XET"].lower() in ("1", "true", "yes", "on")
    try:
        with runner.isolation(env=env) as (out, err, _):
            try:
                main(list(args))
                code = 0
            except SystemExit as e:
                code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
            sys.stdout.flush()
            sys.stderr.flush()
            stdout, stderr = out.getvalue(), err.getvalue()
    finally:
        os.chdir(cwd)
        hub_constants.HF_HUB_DISABLE_XET = xet_before
    return CliResult(code, stdout.decode("utf-8", "replace"), stderr.decode("utf-8", "replace"))


def run_process(args: list[str], env: dict[str, str] | None = None, timeout: float = 300) -> CliResult:
    """The real CLI in a subprocess (the way cron runs it)."""
    proc = subprocess.run(
        [sys.executable, "-m", "hfscan", *args], capture_output=True, text=True,
        env={**os.environ, **(env or {})}, cwd=REPO_ROOT, timeout=timeout,
    )
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


def snapshot_rows(db: Path, scan_id: int | None = None) -> set[tuple[str, str]]:
    """(model_id, sha) of one complete snapshot (default: the latest)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        where = f"scan_id = {int(scan_id)}" if scan_id is not None else (
            "scan_id = (SELECT max(scan_id) FROM scans WHERE status = 'complete')")
        rows = con.execute(f"SELECT model_id, sha FROM snapshot_models WHERE {where}").fetchall()
    finally:
        con.close()
    return {(r[0], r[1]) for r in rows}


def query(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()



def scan_args(hub: FakeHub, db: Path, *extra: str) -> list[str]:
    return ["scan", "--endpoint", hub.url, "--db", str(db), *FAST_RETRY, *extra]
