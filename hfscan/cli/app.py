"""The Typer application object every verb module registers on."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="hfscan",
    help=(
        "Measure which deep-learning frameworks the Hugging Face Hub's models can be used with, "
        "and how that changes over time.\n\n"
        "First try `make demo` (a local fake Hub into data/demo.duckdb; see README). On the real Hub: "
        "`hfscan scan` (crawls every model of https://huggingface.co into data/hfscan.duckdb: hours), "
        "then `hfscan shares`, `hfscan report`, or `hfscan sql \"SELECT ...\"`."
    ),
    invoke_without_command=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

state: dict[str, bool] = {"debug": False}


def _print_version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        print(f"hfscan {version('hfscan')}")
        raise typer.Exit()


def help_when_bare(ctx: typer.Context) -> None:
    """A group called without a command prints its help and exits 0 (Typer's no_args_is_help
    raises a usage error instead when the app runs with standalone_mode=False)."""
    if ctx.invoked_subcommand is None:
        print(ctx.get_help())
        raise typer.Exit(0)


@app.callback()
def _root(
    ctx: typer.Context,
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks instead of one-line errors."),
    _version: bool = typer.Option(False, "--version", help="Print hfscan's version and exit.", is_eager=True,
                                  callback=_print_version),
) -> None:
    state["debug"] = debug
    help_when_bare(ctx)
