"""Header-probe tables: which safetensors files still need a probe, and the batches of answers.

Answers are cached by (repo, sha, file): an unchanged repo is never probed twice; `error` answers
are probed again by the next run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from hfscan.config import first_scan_hint
from hfscan.errors import UsageError
from hfscan.store import inputs
from hfscan.store.connect import connect
from hfscan.store.schema import transaction

FINAL_STATUSES = ("ok", "no_metadata", "gone", "gated", "disabled")


@dataclass(frozen=True)
class ProbeTarget:
    model_id: str
    sha: str
    files: tuple[str, ...]  # safetensors files not yet probed


_TARGETS_SQL = """
WITH latest AS (
    SELECT model_id, sha, version_id,
           list_filter(files, lambda f: lower(f) LIKE '%.safetensors') AS st_files
    FROM latest_models
    WHERE files IS NOT NULL AND sha IS NOT NULL
),
candidates AS (
    SELECT l.* FROM latest l WHERE len(l.st_files) > 0 {extra}
)
SELECT model_id, sha, st_files FROM candidates
ORDER BY md5(model_id || ':' || CAST(? AS VARCHAR))
"""

_DEPENDS_ON_ATTRIBUTION = """
AND version_id IN (
    SELECT version_id FROM version_classes
    WHERE method = 'files'
      AND rules_version = (SELECT rules_version FROM current_rules)
      AND (pt_attributed OR list_contains(formats, 'safetensors_unknown'))
)
"""


def select_targets(db_path: Path, *, sample: int | None = None, seed: int = 0,
                   models_from: list[str] | None = None, everything: bool = False,
                   on_wait: Callable[[str], None] | None = None) -> tuple[list[ProbeTarget], int]:
    """The models to probe and how many files the cache already answers."""
    if sum(x is not None and x is not False for x in (sample, models_from, everything or None)) != 1:
        raise UsageError("choose exactly one of --sample N, --models-from FILE, --all")
    con = connect(db_path, read_only=True, on_wait=on_wait)
    try:
        if con.execute("SELECT count(*) FROM scans WHERE status = 'complete'").fetchall()[0][0] == 0:
            raise UsageError("no complete scan to probe", hint=first_scan_hint())
        extra = _DEPENDS_ON_ATTRIBUTION if sample is not None else ""
        rows = con.execute(_TARGETS_SQL.format(extra=extra), [seed]).fetchall()
        if models_from is not None:
            wanted = set(models_from)
            rows = [r for r in rows if r[0] in wanted]
        elif sample is not None:
            rows = rows[:sample]
        cached = {
            (m, s, p)
            for m, s, p in con.execute(
                f"SELECT model_id, sha, path FROM header_probes WHERE status IN {FINAL_STATUSES}").fetchall()
        }
    finally:
        con.close()
    targets: list[ProbeTarget] = []
    skipped = 0
    for model_id, sha, files in rows:
        todo = tuple(f for f in files if (model_id, sha, f) not in cached)
        skipped += len(files) - len(todo)
        if todo:
            targets.append(ProbeTarget(model_id, sha, todo))
    return targets, skipped


def store_probes(con: duckdb.DuckDBPyConnection, batch: list[tuple[Any, ...]]) -> None:
    """One transaction: the batch's header answers replace any earlier (failed) answer for the same
    (repo, sha, file), and the versions' probe input is marked changed (store/inputs.py), so that
    their header and loadable classes read as stale until classify recomputes them."""
    with transaction(con):
        con.execute("CREATE OR REPLACE TEMP TABLE batch_probes (model_id VARCHAR, sha VARCHAR, path VARCHAR)")
        con.executemany("INSERT INTO batch_probes VALUES (?, ?, ?)", [row[:3] for row in batch])
        con.execute("DELETE FROM header_probes USING batch_probes b WHERE header_probes.model_id = b.model_id "
                    "AND header_probes.sha = b.sha AND header_probes.path = b.path")  # earlier errors
        con.executemany("INSERT INTO header_probes VALUES (?, ?, ?, ?, ?, ?, ?)", batch)
        # header and loadable read probed formats: their classes of these versions are stale from now
        # on (current_classes hides them; classify recomputes them).
        inputs.versions_changed(con, "probes", (
            "SELECT v.version_id FROM repo_versions v JOIN (SELECT DISTINCT model_id, sha FROM batch_probes) p "
            "USING (model_id, sha)"))
