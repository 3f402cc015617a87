"""`hfscan shares`: the PyTorch-only / TensorFlow-only / both headline, by method."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from hfscan.cli.app import app
from hfscan.cli.common import (
    DbOption,
    JsonOption,
    Method,
    MethodOption,
    emit,
    format_table,
    open_db,
)

if TYPE_CHECKING:
    from hfscan.analysis.as_of_answer import AsOfAnswer
    from hfscan.analysis.shares import Headline


@app.command()
def shares(
    method: MethodOption = Method.FILES,
    scan: Annotated[int | None, typer.Option("--scan", help="A complete scan id (default: the latest).")] = None,
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="The Hub as of this date (YYYY-MM-DD), from commit history (`hfscan history --as-of`).")] = None,
    transformers: Annotated[str | None, typer.Option(
        "--transformers", help="With --method loadable: the transformers line, 4.57 (default; the last with "
                               "TensorFlow and Flax) or 5 (PyTorch only).")] = None,
    max_width: Annotated[float, typer.Option(
        "--max-width", min=0, help="With --as-of: refuse when a 95% interval is wider than this many points "
                                   "(the refusal names the history command that narrows it, with its cost).")] = 5.0,
    partial: Annotated[bool, typer.Option(
        "--partial", help="With --as-of: print the estimate however wide its intervals (no --max-width).")] = False,
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
        if as_of is not None:  # `--as-of ""` is refused by the date parser, not ignored
            from hfscan.analysis.as_of_answer import as_of_answer
            from hfscan.analysis.shares import stored_method

            stored_method(method, transformers)  # --transformers without loadable is refused the same way
            emit(as_of_answer(con, as_of, method, None if partial else max_width), json_out, _as_of_text)
            return

        result = headline(con, method, scan, transformers)
    emit(result, json_out, _shares_text)


def _as_of_text(result: AsOfAnswer) -> str:
    import polars as pl

    from hfscan.analysis.estimate import interval_text

    reference = result.reference_2021.shares
    frame = pl.DataFrame({
        "class": list(result.classes),
        "models": [c.models for c in result.classes.values()],
        "share_%": [interval_text(c) or "—" for c in result.classes.values()],
        "2021_%": [reference.get(k) for k in result.classes],
    })
    parts = result.parts
    kind = "exact" if result.exact else "estimate, 95% intervals in brackets"
    lines = [f"as of {result.as_of} ({kind}), method {result.method}, rules v{result.rules_version}, "
             f"from scan {result.scan_id}", format_table(frame),
             f"shares are of about {result.population:,} {result.population_definition}; repos: {parts.exact:,} "
             f"known exactly, {parts.sampled:,} estimated from a sample of {parts.sample:,} fetched, "
             f"{parts.bounded:,} bounded (worst cases)"]
    if parts.bounded_by_reason:
        lines.append("bounded: " + ", ".join(f"{k} {v:,}" for k, v in parts.bounded_by_reason.items())
                     + ("; `hfscan history` retries the failed ones" if "failed" in parts.bounded_by_reason else ""))
    if result.neither_breakdown:
        lines.append("neither (known repos): " + ", ".join(f"{k} {v:,}" for k, v in result.neither_breakdown.items()))
    if result.source == "snapshot":
        lines.append(f"exact: {result.note}")
    elif result.exact:
        lines.append(f"exact: every repo of the latest snapshot is known as of {result.as_of}")
    return "\n".join(lines)


def _shares_text(result: Headline) -> str:
    import polars as pl

    counts, share = result.counts, result.shares
    reference = result.reference_2021.shares
    frame = pl.DataFrame({
        "class": list(counts),
        "models": list(counts.values()),
        "share_%": [share.get(k) for k in counts],
        "2021_%": [reference.get(k) for k in counts],
    })
    loadable = result.loadable
    line = f", transformers {loadable.transformers}" if loadable else ""
    lines = [f"scan {result.scan_id} ({result.scan_date}), method {result.method}{line}, "
             f"rules v{result.rules_version}",
             format_table(frame),
             f"shares are of {result.population:,} {result.population_definition}; "
             f"{result.total_models:,} models in the snapshot"]
    if result.neither_breakdown:
        lines.append("neither: " + ", ".join(f"{k} {v:,}" for k, v in result.neither_breakdown.items()))
    if result.pt_attributed:
        lines.append(f"{result.pt_attributed:,} PyTorch models count as PyTorch only through safetensors "
                     "attribution (library_name / tags)")
    if loadable:
        table = loadable.framework_table
        lines.append(f"framework table {table.revision[:40]}: {table.model_types} model types "
                     f"({table.pytorch} PyTorch, {table.tensorflow} TF, {table.flax} Flax)")
        lines.append(f"from TensorFlow: {loadable.tf_loadable_direct:,} load directly, {loadable.tf_loadable_opt_in:,} "
                     f"only with from_pt=True; from PyTorch: {loadable.pt_loadable_opt_in:,} only with "
                     f"from_tf/from_flax=True; from JAX: {loadable.jax_loadable:,}")
        lines.append(loadable.note)
    if result.header:
        lines.append("95% intervals: " + ", ".join(f"{k} {lo}–{hi}%" for k, (lo, hi) in result.header.intervals.items()))
    return "\n".join(lines)
