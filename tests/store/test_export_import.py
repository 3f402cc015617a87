"""Export two fake-Hub snapshots to Parquet, load them with `datasets`, import them into another DB."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hfscan.testing.fakehub import FakeHub
from tests.crawl.helpers import query, run_cli, scan_args


def test_export_loads_with_datasets_and_imports_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db, other, out = tmp_path / "a.duckdb", tmp_path / "b.duckdb", tmp_path / "export"
    with FakeHub(models=600, seed=4) as hub:
        assert run_cli(scan_args(hub, db)).code == 0
        hub.set_epoch(1)
        assert run_cli(scan_args(hub, db)).code == 0
    exported = run_cli(["export", "--out", str(out), "--db", str(db), "--json"])
    assert exported.code == 0, exported.stderr
    assert json.loads(exported.stdout)["scans"] == 2
    assert len(list(out.glob("snapshot_date=*/scan_id=*/*.parquet"))) == 2

    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_CACHE", str(tmp_path / "datasets-cache"))
    import datasets

    loaded = datasets.load_dataset("parquet", data_dir=str(out), split="train")
    per_scan = dict(query(db, "SELECT scan_id, count(*) FROM snapshot_models GROUP BY 1"))
    assert loaded.num_rows == sum(per_scan.values())
    assert set(loaded["model_id"]) == {r[0] for r in query(db, "SELECT model_id FROM snapshot_models")}

    imported = run_cli(["import", "parquet", str(out), "--db", str(other), "--json"])
    assert imported.code == 0, imported.stderr
    summary = json.loads(imported.stdout)
    assert len(summary["snapshots"]) == 2 and summary["methods"] == ["files", "tags"]
    for source_scan, imported_scan in zip(sorted(per_scan), summary["snapshots"], strict=True):
        assert set(query(db, f"SELECT model_id, sha FROM snapshot_models WHERE scan_id = {source_scan}")) == set(
            query(other, f"SELECT model_id, sha FROM snapshot_models WHERE scan_id = {imported_scan}"))
    a = json.loads(run_cli(["shares", "--db", str(db), "--json"]).stdout)
    b = json.loads(run_cli(["shares", "--db", str(other), "--json"]).stdout)
    assert a["counts"] == b["counts"]
    versions = query(other, "SELECT count(*) FROM repo_versions")[0][0]
    again = json.loads(run_cli(["import", "parquet", str(out), "--db", str(other), "--json"]).stdout)
    assert again["new_versions"] == 0 and query(other, "SELECT count(*) FROM repo_versions")[0][0] == versions

    missing = run_cli(["import", "parquet", str(tmp_path / "nope"), "--db", str(other)])
    assert missing.code == 2 and len(missing.stderr.strip().splitlines()) <= 2 and "Traceback" not in missing.stderr


def test_a_backfill_of_an_older_snapshot_never_becomes_the_latest(tmp_path: Path) -> None:
    """Importing an older snapshot after newer scans: `latest_*` views and the default `shares`
    stay on the snapshot that describes the latest moment; transitions follow snapshot time."""
    db, out = tmp_path / "a.duckdb", tmp_path / "export"
    with FakeHub(models=500, seed=6) as hub:
        assert run_cli(scan_args(hub, db)).code == 0
        hub.set_epoch(3)
        assert run_cli(scan_args(hub, db)).code == 0
        newest = set(hub.model_ids())
    assert run_cli(["export", "--out", str(out), "--db", str(db), "--scan", "1"]).code == 0
    imported = run_cli(["import", "parquet", str(out), "--db", str(db), "--json"])
    assert imported.code == 0, imported.stderr
    assert json.loads(imported.stdout)["snapshots"] == [3]
    assert query(db, "SELECT scan_id FROM latest_scan") == [(2,)]
    assert {r[0] for r in query(db, "SELECT model_id FROM latest_models")} == newest
    assert json.loads(run_cli(["shares", "--db", str(db), "--json"]).stdout)["scan_id"] == 2
    # In snapshot time the import (scan 3) sits exactly where scan 1 was; a tie goes by scan_id, so
    # the order is 1, 3, 2: scan 3 follows scan 1 and scan 2 follows scan 3.
    assert query(db, "SELECT count(DISTINCT snapshot_at) FROM scans WHERE scan_id IN (1, 3)") == [(1,)]
    assert set(query(db, "SELECT DISTINCT scan_id, previous_scan_id FROM class_transitions")) == {(3, 1), (2, 3)}
