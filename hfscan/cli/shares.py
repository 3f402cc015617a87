"""`hfscan shares`: the PyTorch-only / TensorFlow-only / both headline, by method."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

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
    import duckdb


@app.command()
def shares(
    method: MethodOption = Method.FILES,
    scan: Annotated[int | None, typer.Option("--scan", help="A complete scan id (default: the latest).")] = None,
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="The Hub as of this date (YYYY-MM-DD), from commit history (`hfscan history --as-of`).")] = None,
    transformers: Annotated[str | None, typer.Option(
        "--transformers", help="With --method loadable: the transformers line, 4.57 (default; the last with "
                               "TensorFlow and Flax) or 5 (PyTorch only).")] = None,
    partial: Annotated[bool, typer.Option(
        "--partial", help="With --as-of: print the numbers over the repos known on the date even when some are "
                          "not (coverage shown), instead of refusing.")] = False,
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
            from hfscan.analysis.as_of import as_of_headline
            from hfscan.analysis.shares import stored_method

            stored_method(method, transformers)  # --transformers without loadable is refused the same way

            result = as_of_headline(con, as_of, method)
            if not partial:
                refuse_incomplete(con, [result])
        else:
            result = headline(con, method, scan, transformers)
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
    coverage = f", coverage {100 * result['coverage']:.2f}%" if "coverage" in result else ""
    line = f", transformers {result['transformers']}" if "transformers" in result else ""
    lines = [f"scan {result['scan_id']} ({result['scan_date']}{coverage}), method {result['method']}{line}, "
             f"rules v{result['rules_version']}",
             format_table(frame),
             f"shares are of {result['population']:,} {result['population_definition']}; "
             f"{result['total_models']:,} models "
             + (f"known to exist on {result['as_of']}" if "coverage" in result else "in the snapshot")]
    if result["neither_breakdown"]:
        lines.append("neither: " + ", ".join(f"{k} {v:,}" for k, v in result["neither_breakdown"].items()))
    if result["pt_attributed"]:
        lines.append(f"{result['pt_attributed']:,} PyTorch models count as PyTorch only through safetensors "
                     "attribution (library_name / tags)")
    if result.get("missing"):
        lines.append(f"PARTIAL: coverage {100 * result['coverage']:.2f}% — {result['missing']:,} repos that may have "
                     f"existed on {result['as_of']} are unknown and not counted (`hfscan history --as-of "
                     f"{result['as_of']}` makes them known)")
    elif "coverage" in result:
        lines.append(f"coverage 100%: every repo of the latest snapshot is known as of {result['as_of']}")
    if "transformers" in result:
        table = result["framework_table"]
        lines.append(f"framework table {table['revision'][:40]}: {table['model_types']} model types "
                     f"({table['pytorch']} PyTorch, {table['tensorflow']} TF, {table['flax']} Flax)")
        lines.append(f"from TensorFlow: {result['tf_loadable_direct']:,} load directly, {result['tf_loadable_opt_in']:,} "
                     f"only with from_pt=True; from PyTorch: {result['pt_loadable_opt_in']:,} only with "
                     f"from_tf/from_flax=True; from JAX: {result['jax_loadable']:,}")
        lines.append(result["note"])
    if "intervals" in result:
        lines.append("95% intervals: " + ", ".join(f"{k} {lo}–{hi}%" for k, (lo, hi) in result["intervals"].items()))
    return "\n".join(lines)


def refuse_incomplete(con: duckdb.DuckDBPyConnection, results: list[dict[str, Any]]) -> None:
    """One line when an as-of answer is partial: how many repos, the command, and its cost."""
    from hfscan.analysis.as_of import history_plan
    from hfscan.cli.history import quota_eta
    from hfscan.errors import UsageError

    incomplete = [r for r in results if r.get("missing")]
    if not incomplete:
        return
    days = [r["as_of"] for r in incomplete]
    plan = history_plan(con, days)
    command = "hfscan history " + " ".join(f"--as-of {d}" for d in plan.days)
    unknown = ", ".join(f"{r['missing']:,} on {r['as_of']}" for r in incomplete)
    squashed = sum(r.get("missing_by_reason", {}).get("squashed", 0) for r in incomplete)
    if squashed == sum(r["missing"] for r in incomplete):
        # No request can help: those repos' history was squashed after the day.
        raise UsageError(f"as of {', '.join(days)} the answer would be partial: repos unknown ({unknown}) "
                         "because their history was squashed after the date (their files then are on no "
                         "server); pass --partial for the numbers over the known repos")
    raise UsageError(f"as of {', '.join(days)} the answer would be partial: repos unknown ({unknown}); run "
                     f"`{command}` (about {plan.requests:,} requests, {quota_eta(plan.requests)}) "
                     "or pass --partial")
