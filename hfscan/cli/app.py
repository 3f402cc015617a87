"""The Typer application object every verb module registers on."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="hfscan",
    help=(
        "Measure which deep-learning frameworks the Hugging Face Hub's models can be used with, "
        "and how that changes over time.\n\n"
        "Typical use: `hfscan scan` (crawl the Hub into data/hfscan.duckdb), then `hfscan shares`, "
        "`hfscan report`, or `hfscan sql \"SELECT ...\"`."
    ),
    invoke_without_command=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

state: dict[str, bool] = {"debug": False}


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
) -> None:
    state["debug"] = debug
    help_when_bare(ctx)
