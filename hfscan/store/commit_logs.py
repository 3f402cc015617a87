"""History tables: which repos need a commit log, and the batches of commits and trees.

Each batch is one short transaction (the caller opens the database per batch, so readers keep
working during a history run of hours). Trees are stored as ordinary repo versions (model id +
commit sha), deduplicated and classified like any listing row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb

from hfscan.dates import end_of_day
from hfscan.model_row import SHA_HASH
from hfscan.store import inputs
from hfscan.store.schema import transaction

FINAL_STATUSES = ("ok", "gone", "gated", "disabled")


@dataclass
class HistoryTarget:
    model_id: str
    sha: str | None


def select_targets(con: duckdb.DuckDBPyConnection, *, created_before: str | None = None,
                   models_from: list[str] | None = None, everything: bool = False) -> tuple[list[HistoryTarget], int]:
    """Repos of the latest snapshot whose history is wanted and not settled for their current sha
    (a final status at that sha; failed repos are tried again)."""
    if models_from is not None:
        con.execute("CREATE OR REPLACE TEMP TABLE wanted (model_id VARCHAR)")
        if models_from:
            con.executemany("INSERT INTO wanted VALUES (?)", [[m] for m in models_from])
        where = "m.model_id IN (SELECT model_id FROM wanted)"
    elif everything:
        where = "true"
    elif created_before:
        end_of_day(created_before)
        where = f"m.created_at < DATE '{created_before}' OR m.created_at_clamped"
    else:
        where = "m.created_at_clamped"
    rows = con.execute(f"""
        SELECT m.model_id, m.sha, h.model_id IS NOT NULL AS unchanged
        FROM latest_models m
        LEFT JOIN history_status h ON h.model_id = m.model_id AND h.sha IS NOT DISTINCT FROM m.sha
                                   AND h.status IN {FINAL_STATUSES}
        WHERE {where}
        ORDER BY m.model_id
    """).fetchall()
    targets = [HistoryTarget(r[0], r[1]) for r in rows if not r[2]]
    return targets, sum(1 for r in rows if r[2])


def store_commits(con: duckdb.DuckDBPyConnection, statuses: list[list[Any]], rows: list[list[Any]]) -> None:
    """One transaction for a batch of repos: their commits and their status rows together."""
    if not statuses:
        return
    with transaction(con):
        con.execute("CREATE OR REPLACE TEMP TABLE batch_ids (model_id VARCHAR)")
        con.executemany("INSERT INTO batch_ids VALUES (?)", [[s[0]] for s in statuses])
        con.execute("DELETE FROM commits WHERE model_id IN (SELECT model_id FROM batch_ids)")
        if rows:
            con.executemany("INSERT INTO commits VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        seq = inputs.bump(con)  # creation dates (cohorts) of these repos may change: aggregates see it
        con.executemany("INSERT OR REPLACE INTO history_status (model_id, sha, status, reason, commits, "
                        "first_commit_at, fetched_at, changed_seq) VALUES (?, ?, ?, ?, ?, ?, now()::TIMESTAMP, ?)",
                        [[*s, seq] for s in statuses])


def needed_trees(con: duckdb.DuckDBPyConnection, as_of: str) -> list[tuple[str, str, datetime]]:
    """(model, commit, date) of each tree the day still needs: the repo's last commit on or before
    it, from its stored log, when that is not the head commit (the listing's files) and its tree is
    not stored yet. Repos the listing already answers for the day need none (as_of_models)."""
    end_of_day(as_of)
    return [(r[0], r[1], r[2]) for r in con.execute(
        "SELECT model_id, commit_id, commit_date FROM as_of_models(?) WHERE reason = 'no_tree' ORDER BY model_id",
        [as_of]).fetchall()]


def store_trees(con: duckdb.DuckDBPyConnection, trees: list[list[Any]], failures: list[list[Any]]) -> None:
    """A batch of trees as repo versions (metadata other than the files comes from the latest
    listing), and the trees that failed with the reason, in one transaction."""
    with transaction(con):
        con.execute("CREATE OR REPLACE TEMP TABLE batch_trees "
                    "(model_id VARCHAR, sha VARCHAR, last_modified TIMESTAMP, files VARCHAR[])")
        if trees:
            con.executemany("INSERT INTO batch_trees VALUES (?, ?, ?, ?)", trees)
        con.execute(f"""
            INSERT INTO repo_versions (version_hash, model_id, sha, author, created_at, last_modified,
                                       library_name, pipeline_tag, tags, files)
            SELECT {SHA_HASH.format(model="t.model_id", sha="t.sha")}, t.model_id, t.sha, l.author, l.created_at,
                   t.last_modified, l.library_name, l.pipeline_tag, l.tags, t.files
            FROM batch_trees t LEFT JOIN latest_models l USING (model_id)
            WHERE NOT EXISTS (SELECT 1 FROM repo_versions v
                              WHERE v.version_hash = {SHA_HASH.format(model="t.model_id", sha="t.sha")})
        """)
        con.execute("DELETE FROM tree_status USING batch_trees b "
                    "WHERE tree_status.model_id = b.model_id AND tree_status.commit_id = b.sha")
        if failures:
            con.executemany("INSERT OR REPLACE INTO tree_status VALUES (?, ?, ?, ?, now()::TIMESTAMP)", failures)

