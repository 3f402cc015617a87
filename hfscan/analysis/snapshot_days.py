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
# Scan kinds whose snapshot is the whole Hub of its day. An incremental scan lists only what changed
# since its base and carries the rest over, repos deleted since the base included (README,
# "Scheduling"): it does not answer its date.
WHOLE_LISTINGS = ("full", "import")


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
    # The candidates first, from scan_log alone: most dates have none, and then no snapshot's
    # models are read at all.
    candidates = con.execute(f"""
        SELECT strftime(CAST(snapshot_at AS DATE), '%Y-%m-%d') AS day, scan_id, CAST(snapshot_at AS VARCHAR), kind
        FROM scan_log
        WHERE status = 'complete' AND kind IN {WHOLE_LISTINGS}
          AND CAST(snapshot_at AS DATE) IN (SELECT CAST(unnest(?) AS DATE))
        ORDER BY snapshot_at DESC, scan_id DESC
    """, [wanted]).fetchall()
    if not candidates:
        return {}
    classified = {int(scan_id) for (scan_id,) in con.execute("""
        SELECT m.scan_id
        FROM snapshot_models m
        LEFT JOIN version_classes c ON c.version_id = m.version_id AND c.method = 'files'
             AND c.rules_version = (SELECT rules_version FROM current_rules)
        WHERE m.scan_id IN (SELECT unnest(?))
        GROUP BY m.scan_id HAVING count(*) = count(c.class)
    """, [[int(row[1]) for row in candidates]]).fetchall()}
    rows: list[tuple[str, int, object, str]] = []
    for day, scan_id, at, kind in candidates:   # newest of each day first
        if int(scan_id) in classified and day not in {r[0] for r in rows}:
            rows.append((day, scan_id, at, kind))
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
