"""The headline: PyTorch-only / TensorFlow-only / both over models with PT or TF, per method.

Library code: returns typed results (Headline), never prints. The population (denominator) is always
stated; `neither` is counted beside it with its breakdown.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

import duckdb

from hfscan.classify.rules import CLASSES, METHODS, TRANSFORMERS_LINES
from hfscan.errors import UsageError
from hfscan.results import INLINE
from hfscan.store import aggregates
from hfscan.store.runs import snapshot_source
from hfscan.store.schema import first_row, one_row

if TYPE_CHECKING:
    from hfscan.classify.frameworks import FrameworkTable

# AssemblyAI, 14 Dec 2021, read off the chart (docs/REFERENCE_FIGURES.md): the figure people quote.
REFERENCE_2021_SHARES: dict[str, float] = {"pytorch_only": 84.0, "tensorflow_only": 8.4, "both": 7.4}


@dataclass(frozen=True)
class Reference:
    """A published figure the headline is printed beside."""

    source: str
    population: int
    shares: dict[str, float]


REFERENCE_2021 = Reference("AssemblyAI, PyTorch vs TensorFlow in 2021 (14 Dec 2021), read off the chart",
                           19_700, REFERENCE_2021_SHARES)


# The denominator of every share: models with PyTorch and/or TensorFlow weights. `neither` is
# counted beside it, never inside it. The SQL views (`shares`, `cohort_shares`) state the same
# population as `class <> 'neither'`; tests/analysis/test_shares_e2e.py pins the two together.
POPULATION_CLASSES = ("pytorch_only", "tensorflow_only", "both")


POPULATION_DEFINITIONS = {
    "files": "models with PyTorch and/or TensorFlow weights (pytorch_only + tensorflow_only + both)",
    "tags": "models tagged pytorch and/or tf by the Hub",
    "loadable": "models transformers can load from PyTorch and/or TensorFlow (other libraries: their weights)",
}


def population(counts: dict[str, int]) -> int:
    return sum(counts[k] for k in POPULATION_CLASSES)


def share_percentages(counts: dict[str, int]) -> dict[str, float | None]:
    """Each population class as a % of the population (2 decimals); None when it is empty."""
    total = population(counts)
    return {k: round(100 * counts[k] / total, 2) if total else None for k in POPULATION_CLASSES}


def current_rules_version(con: duckdb.DuckDBPyConnection) -> int | None:
    """The rules every reader uses: the newest stored (the `current_rules` view)."""
    return one_row(con.execute("SELECT rules_version FROM current_rules"))[0]


def wilson(successes: int, total: int, z: float = 1.96) -> tuple[float, float]:
    """95% Wilson score interval for a proportion (sound at small n and near 0 or 1)."""
    if total == 0:
        return (0.0, 1.0)
    p = successes / total
    centre = (p + z * z / (2 * total)) / (1 + z * z / total)
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / (1 + z * z / total)
    return (max(0.0, centre - half), min(1.0, centre + half))


def resolve_scan(con: duckdb.DuckDBPyConnection, scan_id: int | None) -> tuple[int, datetime]:
    """The scan's id and snapshot_at (naive UTC): the latest complete scan, or `scan_id` if complete."""
    if scan_id is None:
        row = first_row(con.execute(
            "SELECT scan_id, snapshot_at FROM latest_scan"))
        if row is None:
            raise UsageError("no complete scan in this database yet", hint="run `hfscan scan` first")
        return int(row[0]), row[1]
    row = first_row(con.execute("SELECT scan_id, snapshot_at, status FROM scans WHERE scan_id = ?", [scan_id]))
    if row is None or row[2] != "complete":
        raise UsageError(f"scan {scan_id} is not a complete scan", hint="list scans with `hfscan status`")
    return int(row[0]), row[1]


def check_method(method: str) -> None:
    if method not in METHODS:
        raise UsageError(f"unknown method {method!r}: use one of {', '.join(METHODS)}")


def stored_method(method: str, transformers: str | None) -> str:
    """The method name classes are stored under: `loadable` is one per transformers line."""
    if method != "loadable":
        if transformers is not None:
            raise UsageError("--transformers applies to --method loadable only")
        return method
    line = transformers or "4.57"
    if line not in TRANSFORMERS_LINES:
        raise UsageError(f"unknown transformers line {line!r}: use one of {', '.join(TRANSFORMERS_LINES)}")
    return TRANSFORMERS_LINES[line]


# One sentence the report and `shares` print with loadable numbers.
V5_NOTE = ("transformers v5 (5.0.0, 2026-01-26) removed TensorFlow and Flax: with --transformers 5 nothing is "
           "loadable from TensorFlow or JAX; 4.57 is the last line with them")


def check_scan_allows(con: duckdb.DuckDBPyConnection, scan_id: int, method: str) -> None:
    """Refuse a method the scan's source cannot support (a dump without file lists has no `files`),
    rather than report a table of zeros. `header` is left out: probes add it after any scan."""
    row = first_row(con.execute("SELECT methods, source FROM scans WHERE scan_id = ?", [scan_id]))
    if method != "header" and row and row[0] is not None and method not in row[0]:
        raise UsageError(f"scan {scan_id} ({row[1]}) has no data for --method {method}: it allows "
                         f"{', '.join(row[0])}", hint=f"use --method {row[0][0]}, or another --scan")


@dataclass(frozen=True)
class LoadableDetails:
    """What only method `loadable` adds: the transformers line, its framework table, the routes."""

    transformers: str
    framework_table: FrameworkTable
    transformers_route: int
    tf_loadable_direct: int
    tf_loadable_opt_in: int
    pt_loadable_direct: int
    pt_loadable_opt_in: int
    jax_loadable: int
    tf_paths: dict[str, int]  # the TensorFlow loading path → models (transformers models only)
    note: str


@dataclass(frozen=True)
class HeaderSample:
    """What only method `header` adds: it covers the probed models, a sample."""

    note: str
    intervals: dict[str, list[float]]  # class → [low, high] % (95% Wilson)
    probed: int


@dataclass(frozen=True)
class Headline:
    """`hfscan shares --json` (tests/golden/shares*.json): one method's counts and shares in one scan."""

    method: str
    scan_id: int
    scan_date: str
    rules_version: int | None
    total_models: int
    classified: int
    population: int
    population_definition: str
    counts: dict[str, int]  # every class, neither included
    shares: dict[str, float | None]  # the population classes, % of the population
    neither_breakdown: dict[str, int]  # neither_reason → models, most first
    pt_attributed: int
    reference_2021: Reference
    loadable: LoadableDetails | None = field(default=None, metadata=INLINE)
    header: HeaderSample | None = field(default=None, metadata=INLINE)


def headline(con: duckdb.DuckDBPyConnection, method: str = "files", scan_id: int | None = None,
             transformers: str | None = None) -> Headline:
    check_method(method)
    stored = stored_method(method, transformers)
    scan_id, snapshot_at = resolve_scan(con, scan_id)
    check_scan_allows(con, scan_id, method)
    if aggregates.is_current(con, scan_id):  # the snapshot's aggregates (store/aggregates.py): a few rows
        total_models = one_row(con.execute("SELECT models FROM current_aggregates WHERE scan_id = ?",
                                             [scan_id]))[0]
        rows = con.execute(
            "SELECT class, neither_reason, pt_attributed, sum(models) FROM snapshot_class_counts "
            "WHERE scan_id = ? AND method = ? GROUP BY ALL", [scan_id, stored]).fetchall()
    else:  # not computed yet, or an input changed since: from the snapshot's runs
        total_models = one_row(con.execute(f"SELECT count(*) FROM {snapshot_source(scan_id)}"))[0]
        rows = con.execute(
            "SELECT class, neither_reason, pt_attributed, count(*) FROM model_classes "
            "WHERE scan_id = ? AND method = ? GROUP BY ALL", [scan_id, stored]).fetchall()
    rules = current_rules_version(con)
    counts = dict.fromkeys(CLASSES, 0)
    breakdown: dict[str, int] = {}
    attributed = 0
    for cls, reason, pt_attributed, n in rows:
        counts[cls] += n
        if cls == "neither":
            breakdown[reason] = breakdown.get(reason, 0) + n
        if pt_attributed:
            attributed += n
    header = None
    if method == "header":
        header = HeaderSample(
            "header covers probed models only (hfscan probe): an estimate over that sample, with 95% Wilson intervals",
            {k: [round(100 * x, 2) for x in wilson(counts[k], population(counts))] for k in POPULATION_CLASSES},
            sum(counts.values()))
    return Headline(
        method, scan_id, snapshot_at.isoformat(sep=" ", timespec="seconds"), rules, total_models, sum(counts.values()),
        population(counts), POPULATION_DEFINITIONS.get(method, POPULATION_DEFINITIONS["files"]), counts,
        share_percentages(counts), dict(sorted(breakdown.items(), key=lambda kv: -kv[1])), attributed, REFERENCE_2021,
        loadable=_loadable_details(con, scan_id, stored) if method == "loadable" else None, header=header)


def _loadable_details(con: duckdb.DuckDBPyConnection, scan_id: int, stored: str) -> LoadableDetails:
    """The transformers line, the framework table, and how many load only with an opt-in."""
    from hfscan.classify.frameworks import describe

    line = next(k for k, v in TRANSFORMERS_LINES.items() if v == stored)
    row = one_row(con.execute(
        "SELECT count(*) FILTER (basis = 'transformers'), "
        "count(*) FILTER (tf_path IS NOT NULL AND NOT path_needs_opt_in(tf_path)), "
        "count(*) FILTER (path_needs_opt_in(tf_path)), "
        "count(*) FILTER (pt_path IS NOT NULL AND NOT path_needs_opt_in(pt_path)), "
        "count(*) FILTER (path_needs_opt_in(pt_path)), count(*) FILTER (jax_path IS NOT NULL) "
        "FROM model_classes WHERE scan_id = ? AND method = ?", [scan_id, stored]))
    paths = dict(con.execute(
        "SELECT coalesce(tf_path, '(none)'), count(*) FROM model_classes WHERE scan_id = ? AND method = ? "
        "AND basis = 'transformers' GROUP BY 1 ORDER BY 2 DESC", [scan_id, stored]).fetchall())
    return LoadableDetails(line, describe(con), row[0], row[1], row[2], row[3], row[4], row[5], paths, V5_NOTE)
