"""The Hub as of a date: each repo's files at its last commit on or before it (needs `hfscan history`)."""

from __future__ import annotations

from typing import Any

import duckdb

from hfscan.analysis.rules import CLASSES
from hfscan.analysis.shares import REFERENCE_2021, check_method, resolve_scan
from hfscan.crawl.history import SHA_HASH, end_of_day
from hfscan.errors import UsageError
from hfscan.store.schema import first_row


def _shares(counts: dict[str, int]) -> dict[str, float | None]:
    population = counts["pytorch_only"] + counts["tensorflow_only"] + counts["both"]
    return {k: round(100 * counts[k] / population, 2) if population else None
            for k in ("pytorch_only", "tensorflow_only", "both")}


def as_of_headline(con: duckdb.DuckDBPyConnection, day: str, method: str = "files") -> dict[str, Any]:
    check_method(method)
    if method == "tags":
        raise UsageError("tags are not historical: the Hub only shows today's tags",
                         hint="use --method files with --as-of (file lists at past commits)")
    cut = end_of_day(day)
    scan_id, _ = resolve_scan(con, None)
    histories = first_row(con.execute("SELECT count(*) FROM history_status WHERE status = 'ok'"))[0]
    if not histories:
        raise UsageError(f"no commit history stored, so nothing is known about {day}",
                         hint=f"run `hfscan history --as-of {day}` first")
    rows = con.execute(f"""
        WITH last AS (
            SELECT model_id, arg_max(commit_id, date) AS commit_id
            FROM commits WHERE date <= ? GROUP BY model_id
        ), existing AS (
            -- A repo exists from its creation, not its first commit (docs/CREATION_DATES.md):
            -- commits dated before a real createdAt do not make it exist earlier. A repo created
            -- by then whose stored log starts later (squashed) existed with files nobody knows.
            SELECT m.model_id, l.commit_id
            FROM latest_models m
            LEFT JOIN last l USING (model_id)
            LEFT JOIN history_status h ON h.model_id = m.model_id AND h.status = 'ok'
            WHERE CASE WHEN m.created_at_clamped THEN l.commit_id IS NOT NULL
                       ELSE m.created_at <= ? AND (l.commit_id IS NOT NULL OR h.model_id IS NOT NULL) END
        )
        SELECT c.class, c.neither_reason, count(*) AS models
        FROM existing e
        LEFT JOIN repo_versions v ON v.version_hash = {SHA_HASH.format(model="e.model_id", sha="e.commit_id")}
        LEFT JOIN version_classes c ON c.version_id = v.version_id AND c.method = ?
             AND c.rules_version = (SELECT max(rules_version) FROM version_classes)
        GROUP BY ALL
    """, [cut, cut, method]).fetchall()
    counts = dict.fromkeys(CLASSES, 0)
    breakdown: dict[str, int] = {}
    missing = 0
    for cls, reason, models in rows:
        if cls is None:  # no stored tree (or no class yet) for that commit
            missing += models
            continue
        counts[cls] += models
        if cls == "neither":
            breakdown[reason] = breakdown.get(reason, 0) + models
    if missing and not sum(counts.values()):
        raise UsageError(f"the file lists as of {day} are not stored yet ({missing:,} repos)",
                         hint=f"run `hfscan history --as-of {day}`")
    population = counts["pytorch_only"] + counts["tensorflow_only"] + counts["both"]
    rules = first_row(con.execute("SELECT max(rules_version) FROM version_classes"))[0]
    return {
        "method": method, "as_of": day, "scan_id": scan_id, "scan_date": f"as of {day}", "rules_version": rules,
        "total_models": sum(counts.values()), "population": population,
        "population_definition": "models with PyTorch and/or TensorFlow weights on that date",
        "counts": counts, "shares": _shares(counts), "neither_breakdown": breakdown, "pt_attributed": 0,
        "reference_2021": REFERENCE_2021, "missing_trees": missing, "repos_with_history": histories,
        "note": ("repos that existed on the date and still exist in the latest snapshot, with the files of "
                 "their last commit on or before it; repos deleted since are invisible"),
    }


def naive_headline(con: duckdb.DuckDBPyConnection, day: str) -> dict[str, Any]:
    """What today's listing says about the date: today's files, and every clamped repo assumed old."""
    cut = end_of_day(day)
    rows = con.execute("""
        SELECT class, count(*) FROM latest_classes
        WHERE method = 'files' AND (created_at <= ? OR created_at_clamped) GROUP BY class
    """, [cut]).fetchall()
    counts = dict.fromkeys(CLASSES, 0) | {cls: n for cls, n in rows}
    return {"as_of": day, "counts": counts, "shares": _shares(counts),
            "population": counts["pytorch_only"] + counts["tensorflow_only"] + counts["both"]}


def as_of_estimates(con: duckdb.DuckDBPyConnection, days: list[str]) -> list[dict[str, Any]]:
    out = []
    for day in days:
        history = as_of_headline(con, day)
        out.append({"label": f"as of {day} (history)", **history})
        out.append({"label": f"as of {day} (naive: today's files)", **naive_headline(con, day)})
    return out
