"""`hfscan shares`: the PyTorch-only / TensorFlow-only / both headline, by method."""

from __future__ import annotations

from typing import Annotated

import typer

from hfscan.cli.app import app
from hfscan.cli.common import (
    DbOption,
    JsonOption,
    MethodOption,
    emit,
    format_table,
    open_db,
)


@app.command()
def shares(
    method: MethodOption = "files",
    scan: Annotated[int | None, typer.Option("--scan", help="A complete scan id (default: the latest).")] = None,
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="The Hub as of this date (YYYY-MM-DD), from commit history (`hfscan history --as-of`).")] = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Count models that are PyTorch-only, TensorFlow-only, both or neither, and their shares.

    The shares are over models with PyTorch and/or TensorFlow weights (the 2021 figure's
    denominator); `neither` is listed beside them with its breakdown.

    Example: hfscan shares --method files --json
    """
    from hfscan.analysis.shares import headline

    with open_db(db) as con:
        if as_of:
            from hfscan.analysis.history import as_of_headline

            result = as_of_headline(con, as_of, method)
        else:
            result = headline(con, method, scan)
    emit(result, json_out, _shares_text)


def _shares_text(result: dict) -> str:
    import polars as pl

    counts, share = result["counts"], result["shares"]
    reference = result["reference_2021"]["shares"]
    frame = pl.DataFrame({
        "class": list(counts),
        "models": list(counts.values()),
        "share_%": [share.get(k) for k in counts],
        "2021_%": [reference.get(k) for k in counts],
    })
    lines = [f"scan {result['scan_id']} ({result['scan_date']}), method {result['method']}, "
             f"rules v{result['rules_version']}",
             format_table(frame),
             f"shares are of {result['population']:,} {result['population_definition']}; "
             f"{result['total_models']:,} models in the snapshot"]
    if result["neither_breakdown"]:
        lines.append("neither: " + ", ".join(f"{k} {v:,}" for k, v in result["neither_breakdown"].items()))
    if result["pt_attributed"]:
        lines.append(f"{result['pt_attributed']:,} PyTorch models count as PyTorch only through safetensors "
                     "attribution (library_name / tags)")
    if "intervals" in result:
        lines.append("95% intervals: " + ", ".join(f"{k} {lo}–{hi}%" for k, (lo, hi) in result["intervals"].items()))
    return "\n".join(lines)
