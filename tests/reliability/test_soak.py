"""Soak: 20 successive incremental scans over a churning fake Hub (~2% new, ~1% changed, ~0.2%
deleted per epoch). After each one, every count equals the planted truth and the database passes
the integrity check; a final full scan drops exactly the deleted repos.

An incremental scan cannot see deletions (the listing does not show them), so the expected
snapshot is: every model that exists now, with the sha and classes the fake Hub planted, plus the
deleted ones carried forward from the previous snapshot — nothing else.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from hfscan.store.status import status
from hfscan.testing.fakehub import FakeHub
from tests.crawl.helpers import query, run_cli, scan_args

EPOCHS = 20
pytestmark = pytest.mark.slow


def _snapshot(db: Path, scan_id: int) -> dict[str, tuple[str, str | None, str | None]]:
    rows = query(db, f"""
        SELECT m.model_id, m.sha,
               max(c.class) FILTER (c.method = 'files'), max(c.class) FILTER (c.method = 'tags')
        FROM snapshot_models m LEFT JOIN model_classes c USING (scan_id, model_id)
        WHERE m.scan_id = {scan_id} GROUP BY ALL""")
    return {model_id: (sha, files, tags) for model_id, sha, files, tags in rows}


def _assert_equals_truth(db: Path, scan_id: int, hub: FakeHub, carried_deleted: set[str]) -> dict[str, tuple]:
    truth = hub.truth(per_model=True)
    planted = {m["id"]: m for m in truth["per_model"]}
    snapshot = _snapshot(db, scan_id)
    assert set(snapshot) == set(planted) | carried_deleted
    for model_id, answer in planted.items():
        assert snapshot[model_id] == (answer["sha"], answer["files_class"], answer["tags_class"]), model_id
    existing = [snapshot[m] for m in planted]
    assert Counter(files for _, files, _ in existing) == Counter(truth["files"])
    assert Counter(tags for _, _, tags in existing) == Counter(truth["tags"])
    report = status(db, check=True)
    assert report.check.problems == []
    return snapshot


def test_twenty_incremental_scans_over_a_churning_hub_equal_the_truth(tmp_path: Path) -> None:
    db = tmp_path / "soak.duckdb"
    with FakeHub(models=1500, seed=41) as hub:
        first = run_cli([*scan_args(hub, db), "--json"])
        assert first.code == 0, first.stderr
        previous = _assert_equals_truth(db, 1, hub, set())
        changed_total = 0
        for epoch in range(1, EPOCHS + 1):
            hub.set_epoch(epoch)
            result = run_cli([*scan_args(hub, db, "--incremental"), "--json"])
            assert result.code == 0, f"epoch {epoch}: {result.stderr}"
            summary = json.loads(result.stdout)
            assert summary["kind"] == "incremental" and summary["scan_id"] == epoch + 1
            assert summary["carried_forward"] > 0
            existing = set(hub.model_ids())
            previous = _assert_equals_truth(db, epoch + 1, hub, set(previous) - existing)
            changed_total += summary["new_versions"]
        assert changed_total > EPOCHS, "the churn changed almost nothing: the soak would prove little"
        deleted = set(previous) - set(hub.model_ids())
        assert deleted, "no repo was deleted in 20 epochs: the final check would prove nothing"
        full = run_cli([*scan_args(hub, db), "--json"])
        assert full.code == 0, full.stderr
        _assert_equals_truth(db, EPOCHS + 2, hub, set())
    (complete,) = query(db, "SELECT count(*) FROM scans WHERE status = 'complete'")[0]
    assert complete == EPOCHS + 2
    # Versions are stored once: every distinct (model, sha) ever seen, no more.
    (versions, distinct) = query(db, "SELECT count(*), count(DISTINCT (model_id, sha)) FROM repo_versions")[0]
    assert versions == distinct
