"""Snapshots answer their own dates (docs/AS_OF.md, "Dates a snapshot answers").

A complete snapshot taken on day D (an own scan, or an imported dump dated D: `snapshot_at`'s date
is D) lists the Hub of that day, deleted-since repos included, with each repo's files then. Its
classes (files method, current rules) answer D exactly, with no request and no sample; history
is not needed for D. Only a snapshot whose date is D answers D: one a few days off would describe
another Hub (thousands of repos created, changed or deleted in between on the real Hub) and the
answer could no longer say `exact`.

A snapshot answers only when every one of its models is classified by the files method at the
current rules; otherwise (`hfscan classify` not run yet, or new rules) the date falls back to the
history estimate, which says so by its `source`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import duckdb

from hfscan.analysis.estimate import DayCounts

SOURCE_SNAPSHOT = "snapshot"


@dataclass(frozen=True)
class SnapshotDay:
    """A day and the complete snapshot taken on it that answers it."""

    day: str
    scan_id: int
    snapshot_at: str
    kind: str   # scan | import (or another scan kind)


def snapshots_on(con: duckdb.DuckDBPyConnection, days: Iterable[str]) -> dict[str, SnapshotDay]:
    """day → the snapshot that answers it, for the days a complete, fully classified snapshot was
    taken on (the newest of the day when several are)."""
    wanted = sorted(set(days))
    if not wanted:
        return {}
    rows = con.execute("""
        WITH days AS (SELECT CAST(unnest(?) AS DATE) AS day),
        candidates AS (
            SELECT d.day, s.scan_id, s.snapshot_at, s.kind
            FROM days d JOIN scan_log s ON s.status = 'complete' AND CAST(s.snapshot_at AS DATE) = d.day
        ),
        classified AS (
            SELECT m.scan_id, count(*) AS models, count(c.class) AS classes
            FROM snapshot_models m
            LEFT JOIN version_classes c ON c.version_id = m.version_id AND c.method = 'files'
                 AND c.rules_version = (SELECT rules_version FROM current_rules)
            WHERE m.scan_id IN (SELECT scan_id FROM candidates)
            GROUP BY m.scan_id
        )
        SELECT strftime(x.day, '%Y-%m-%d'), x.scan_id, CAST(x.snapshot_at AS VARCHAR), x.kind
        FROM candidates x JOIN classified k USING (scan_id)
        WHERE k.models = k.classes AND k.models > 0
        QUALIFY row_number() OVER (PARTITION BY x.day ORDER BY x.snapshot_at DESC, x.scan_id DESC) = 1
    """, [wanted]).fetchall()
    return {day: SnapshotDay(day, int(scan_id), str(at), str(kind)) for day, scan_id, at, kind in rows}


def snapshot_classes(con: duckdb.DuckDBPyConnection, scan_id: int) -> list[tuple[str, str | None, int]]:
    """(class, neither_reason, models) of one snapshot, files method, current rules."""
    return [(str(cls), reason, int(n)) for cls, reason, n in con.execute("""
        SELECT c.class, c.neither_reason, count(*)
        FROM snapshot_models m
        JOIN version_classes c ON c.version_id = m.version_id AND c.method = 'files'
             AND c.rules_version = (SELECT rules_version FROM current_rules)
        WHERE m.scan_id = ? GROUP BY ALL
    """, [scan_id]).fetchall()]


def snapshot_counts(con: duckdb.DuckDBPyConnection, snap: SnapshotDay) -> DayCounts:
    """The day's counts from its snapshot: every repo exact, nothing sampled or bounded."""
    exact: dict[str, int] = {}
    for cls, _, n in snapshot_classes(con, snap.scan_id):
        exact[cls] = exact.get(cls, 0) + n
    return DayCounts(snap.day, exact, {}, 0, {}, 0, SOURCE_SNAPSHOT)
