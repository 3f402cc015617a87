"""`hfscan timeline`: as-of shares by files at the end of each month, quarter or year."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from hfscan.cli.app import app
from hfscan.cli.common import DbOption, JsonOption, db_path, emit, format_table, note

if TYPE_CHECKING:
    from hfscan.analysis.estimate import ClassEstimate
    from hfscan.jobs.timeline import TimelineResult

EveryOption = Annotated[str, typer.Option("--every", help="One date per period: month, quarter or year (its last day).")]
FromOption = Annotated[str | None, typer.Option(
    "--from", help="First date of the series (YYYY-MM-DD; default 2020-01-01).", show_default=False)]
ToOption = Annotated[str | None, typer.Option(
    "--to", help="Last date of the series (YYYY-MM-DD; default: the latest snapshot's day).", show_default=False)]


@app.command()
def timeline(
    every: EveryOption = "quarter",
    start: FromOption = None,
    end: ToOption = None,
    max_width: Annotated[float | None, typer.Option(
        "--max-width", min=0, help="Refuse (and store nothing) if some date's 95% interval is wider than this many "
                                   "points. Default: store every date with its interval.", show_default=False)] = None,
    partial: Annotated[bool, typer.Option(
        "--partial", hidden=True, help="Kept for scripts: every date is stored with its interval anyway.")] = False,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """As-of shares (files method) for a series of dates, with 95% intervals, stored in `as_of_shares`.

    Each date is exact where the listing and stored history know, estimated from a sample where
    `hfscan history --sample` fetched one, and bounded by worst cases where no request can know.
    The report's first chart reads the stored series.

    Example: hfscan timeline --every quarter --from 2020-01-01
    """
    from hfscan.cli.progress import CountProgressBar
    from hfscan.jobs.timeline import run_timeline

    with CountProgressBar("timeline dates", 1) as bar:  # the time left: rich's estimate from dates done
        result = run_timeline(db_path(db), every, start, end, None if partial else max_width, on_wait=note,
                              on_progress=lambda done, total: bar.update(done, total=total))
    dates, needed = result.dates, result.history_needed
    inexact = [p for p in dates if not p.exact]
    snapshots = sum(p.source == "snapshot" for p in dates)
    from_snapshots = f" ({snapshots} from the snapshot taken on them)" if snapshots else ""
    note(f"timeline: {len(dates)} dates ({dates[0].day} … {dates[-1].day}), {len(dates) - len(inexact)} exact"
         f"{from_snapshots}, "
         f"{len(inexact)} estimated or bounded (widest interval {max((_width(p.classes) for p in dates), default=0):.1f}"
         " points)" + (f"; `{needed.command}` makes them exact where history can: about {needed.requests:,} "
                       f"requests, {needed.eta}; `--sample N` fetches a sample instead" if needed.command else ""))
    emit(result, json_out, _timeline_text)


def _width(classes: dict[str, ClassEstimate]) -> float:
    return max((c.share_high - c.share_low for c in classes.values()
                if c.share_high is not None and c.share_low is not None), default=0.0)


def _timeline_text(result: TimelineResult) -> str:
    import polars as pl

    from hfscan.analysis.estimate import interval_text

    rows = result.dates
    frame = pl.DataFrame({
        "date": [r.day for r in rows],
        "pytorch_only": [interval_text(r.classes["pytorch_only"]) for r in rows],
        "tensorflow_only": [interval_text(r.classes["tensorflow_only"]) for r in rows],
        "both": [interval_text(r.classes["both"]) for r in rows],
        "population": [r.population for r in rows],
        "neither": [r.counts["neither"] for r in rows],
        "exact": [r.parts.exact for r in rows],
        "sampled": [r.parts.sampled for r in rows],
        "bounded": [r.parts.bounded for r in rows],
        "sample": [r.parts.sample for r in rows],
        "source": [r.source for r in rows],
    })
    lines = [f"timeline by files, scan {result.scan_id}, rules v{result.rules_version}: shares of "
             f"{result.population_definition}, 95% intervals in brackets", format_table(frame)]
    estimated = sum(not r.exact for r in rows)
    if estimated:
        lines.append(f"ESTIMATED: {estimated} dates are not exact: `sampled` repos are estimated from `sample` fetched "
                     "ones, `bounded` repos (squashed history, gated, gone, not sampled) enter as worst cases")
    return "\n".join(lines)
