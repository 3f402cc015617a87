"""The stored as-of series (`hfscan timeline`): rows of `as_of_share_rows`, read through the public
view `as_of_shares`. A recomputation replaces the rows of its (day, rules_version, scan_id)."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from hfscan.store.schema import transaction


@dataclass(frozen=True)
class SeriesRow:
    """One computed date and class: the estimate, its 95% interval and the parts (docs/AS_OF.md)."""

    day: str
    cls: str
    models: int
    coverage: float
    missing: int
    share: float | None
    share_low: float | None
    share_high: float | None
    models_low: int
    models_high: int
    exact: bool
    exact_models: int
    sampled_models: int
    bounded_models: int
    sample_size: int
    source: str


_COLUMNS = ("day, class, models, coverage, missing, rules_version, scan_id, computed_at, share, share_low, "
            "share_high, models_low, models_high, exact, exact_models, sampled_models, bounded_models, "
            "sample_size, source")


def replace_series(con: duckdb.DuckDBPyConnection, rows: list[SeriesRow], scan_id: int, rules: int) -> int:
    """Replace the rows of the days in `rows` at (rules, scan_id); returns rows written."""
    if not rows:
        return 0
    days = sorted({row.day for row in rows})
    with transaction(con):
        con.execute("DELETE FROM as_of_share_rows WHERE rules_version = ? AND scan_id = ? "
                    "AND day IN (SELECT CAST(unnest(?) AS DATE))", [rules, scan_id, days])
        con.executemany(f"INSERT INTO as_of_share_rows ({_COLUMNS}) VALUES (CAST(? AS DATE), ?, ?, ?, ?, ?, ?, "
                        "now()::TIMESTAMP, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [(r.day, r.cls, r.models, r.coverage, r.missing, rules, scan_id, r.share, r.share_low,
                          r.share_high, r.models_low, r.models_high, r.exact, r.exact_models, r.sampled_models,
                          r.bounded_models, r.sample_size, r.source) for r in rows])
    return len(rows)
