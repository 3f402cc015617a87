"""`hfscan --help` stays fast (no duckdb, no polars) and every option explains itself."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from tests.crawl.helpers import REPO_ROOT

HEAVY = ("duckdb", "polars")

_PROBE = """
import json, sys
from hfscan.cli import main
for argv in {argvs!r}:
    try:
        main(argv)
    except SystemExit:
        pass
print(json.dumps([name for name in {heavy!r} if name in sys.modules]))
"""


def _heavy_modules_after(*argvs: list[str]) -> list[str]:
    proc = subprocess.run([sys.executable, "-c", _PROBE.format(argvs=list(argvs), heavy=HEAVY)],
                          capture_output=True, text=True, cwd=REPO_ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _commands() -> dict[str, Any]:
    import typer.main

    from hfscan.cli import app

    root = typer.main.get_command(app)
    out: dict[str, Any] = {}
    for name, command in root.commands.items():  # type: ignore[attr-defined]
        subcommands = getattr(command, "commands", None)
        if subcommands:
            out.update({f"{name} {sub}": c for sub, c in subcommands.items()})
        else:
            out[name] = command
    return out


def test_help_imports_neither_duckdb_nor_polars() -> None:
    assert _heavy_modules_after(["--help"]) == []
    assert _heavy_modules_after(*([*name.split(), "--help"] for name in _commands())) == []


def test_the_probe_would_see_a_heavy_import() -> None:
    """The check above can fail: a verb that runs (not --help) loads them."""
    assert _heavy_modules_after(["sql", "SELECT 1", "--db", "/nonexistent/x.duckdb"]) != []


def test_every_option_of_every_verb_has_help_text() -> None:
    missing = [f"{name} {param.opts[0]}" for name, command in _commands().items()
               for param in command.params
               if param.param_type_name == "option" and not getattr(param, "help", None)]
    assert missing == []


def test_retry_options_are_one_definition() -> None:
    """--max-requests-per-5min, --max-retries, --retry-wait: the same help and default in every verb."""
    commands = _commands()
    for opt in ("--max-requests-per-5min", "--max-retries", "--retry-wait"):
        seen = {(p.help, p.default) for c in ("scan", "history", "probe") for p in commands[c].params
                if opt in getattr(p, "opts", ())}
        assert len(seen) == 1, (opt, seen)


def test_choices_are_enums_that_click_validates_and_help_lists() -> None:
    """--method, --format and import's --every: --help names the choices and Click refuses others."""
    from typer.testing import CliRunner

    from hfscan.cli import app

    runner = CliRunner()
    for argv, listed in ((["shares"], "<files|tags|header|loadable>"), (["sql"], "<table|csv|json>"),
                         (["report"], "<html|png|svg>"), (["import", "hf-dataset"], "<week|month>")):
        shown = runner.invoke(app, [*argv, "--help"])
        assert listed in shown.output, (argv, shown.output)
    refused = runner.invoke(app, ["sql", "--format", "xml", "SELECT 1"])
    assert refused.exit_code == 2 and "'xml' is not one of" in refused.output
