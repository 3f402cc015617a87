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
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

state: dict[str, bool] = {"debug": False}


@app.callback()
def _root(
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks instead of one-line errors."),
) -> None:
    state["debug"] = debug
