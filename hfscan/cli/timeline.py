"""`hfscan timeline`: as-of shares by files at the end of each month, quarter or year."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from hfscan.cli.app import app
from hfscan.cli.common import DbOption, JsonOption, emit, note, open_db

EveryOption = Annotated[str, typer.Option("--every", help="One date per period: month, quarter or year (its last day).")]
FromOption = Annotated[str | None, typer.Option(
    "--from", help="First date of the series (YYYY-MM-DD; default 2020-01-01).", show_default=False)]
ToOption = Annotated[str | None, typer.Option(
    "--to", help="Last date of the series (YYYY-MM-DD; default: the latest snapshot's day).", show_default=False)]


def series_options(every: str, start: str | None, end: str | None) -> str:
    """The options that name a series, for the commands printed to the user."""
    return f"--every {every}" + (f" --from {start}" if start else "") + (f" --to {end}" if end else "")


@app.command()
def timeline(
    every: EveryOption = "quarter",
    start: FromOption = None,
    end: ToOption = None,
    partial: Annotated[bool, typer.Option(
        "--partial", help="Store and print dates whose coverage is incomplete (marked partial) instead of refusing.")] = False,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """As-of shares (files method) for a series of dates, stored in the view `as_of_shares`.

    First the cost: the history requests the series still needs, at the free and PRO quotas. If
    some date is not fully known it refuses in one line naming `hfscan history --every ...`, unless
    --partial. The report's first chart reads the stored series.

    Example: hfscan timeline --every quarter --from 2020-01-01
    """
    from hfscan.analysis import timeline as tl
    from hfscan.analysis.as_of import history_plan
    from hfscan.analysis.shares import resolve_scan
    from hfscan.cli.history import quota_eta
    from hfscan.errors import UsageError
    from hfscan.store.timeline import replace_series

    with open_db(db) as con:
        days = tl.timeline_days(con, every, start, end)
        scan_id, _ = resolve_scan(con, None)
        rules = tl.rules_version(con)
        if rules is None:
            raise UsageError("no classified models yet", hint="run `hfscan classify`")
        points = tl.compute(con, days)
        incomplete = [p for p in points if not p.complete]
        plan = history_plan(con, [p.day for p in incomplete])
    command = f"hfscan history {series_options(every, start, end)}"
    cost = f"about {plan.requests:,} history requests, {quota_eta(plan.requests)}"
    squashed = sum(p.squashed for p in incomplete)
    note(f"timeline: {len(days)} dates ({days[0]} … {days[-1]}), {len(incomplete)} not fully known"
         + (f"; {cost} would make them known: `{command}`" if plan.requests else "")
         + (f"; {squashed:,} repo-dates unknowable (history squashed after the date)" if squashed else ""))
    if incomplete and not partial:
        worst = max(incomplete, key=lambda p: p.missing)
        head = (f"{len(incomplete)} of {len(days)} dates would be partial (up to {worst.missing:,} repos unknown, "
                f"on {worst.day})")
        if all(p.squashed == p.missing for p in incomplete):  # no request can help
            raise UsageError(f"{head}, all because their history was squashed after the date (their files then "
                             "are on no server); pass --partial to store them as partial")
        raise UsageError(f"{head}; run `{command}` ({cost}) or pass --partial")
    with open_db(db, read_only=False) as con:
        replace_series(con, tl.series_rows(points), scan_id, rules)
    emit({"every": every, "scan_id": scan_id, "rules_version": rules, "method": "files",
          "population_definition": "models with PyTorch and/or TensorFlow weights on that date",
          "history_needed": {"requests": plan.requests, "commit_logs": plan.commit_logs,
                             "trees_at_most": plan.trees_known + plan.trees_at_most,
                             "command": command if incomplete else None},
          "dates": [p.as_dict() for p in points]}, json_out, _timeline_text)


def _timeline_text(result: dict[str, Any]) -> str:
    import polars as pl

    from hfscan.cli.common import format_table

    rows = result["dates"]
    frame = pl.DataFrame({
        "date": [r["day"] for r in rows],
        "pytorch_only_%": [r["shares"]["pytorch_only"] for r in rows],
        "tensorflow_only_%": [r["shares"]["tensorflow_only"] for r in rows],
        "both_%": [r["shares"]["both"] for r in rows],
        "population": [r["population"] for r in rows],
        "neither": [r["counts"]["neither"] for r in rows],
        "coverage_%": [round(100 * r["coverage"], 2) for r in rows],  # coverage_of floors: never a false 100
        "missing": [r["missing"] for r in rows],
    })
    lines = [f"timeline by files, scan {result['scan_id']}, rules v{result['rules_version']}: shares of "
             f"{result['population_definition']}", format_table(frame)]
    partial = sum(not r["complete"] for r in rows)
    fixable = sum(r["missing"] > r["squashed"] for r in rows)
    if partial:
        lines.append(f"PARTIAL: {partial} dates count only the repos known on them (coverage < 100%)"
                     + (f"; `{result['history_needed']['command']}` makes {fixable} of them exact" if fixable else "")
                     + ("; repos whose history was squashed after a date stay unknown on it"
                        if any(r["squashed"] for r in rows) else ""))
    return "\n".join(lines)
