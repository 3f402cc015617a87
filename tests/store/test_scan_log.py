"""The scan_log row of a scan: what it says while the scan runs and once it stops."""

from __future__ import annotations

from pathlib import Path

from hfscan.jobs.scan import ScanOptions, ScanProgress, run_scan
from hfscan.store import snapshots
from hfscan.testing.fakehub import FakeHub
from tests.crawl.helpers import query


def _row(db: Path, scan_id: int) -> tuple:
    return query(db, f"SELECT kind, status, finished_at FROM scan_log WHERE scan_id = {int(scan_id)}")[0]


def test_an_incremental_scan_with_nothing_to_build_on_runs_as_full_and_is_not_finished(tmp_path: Path) -> None:
    """No complete scan yet: the incremental scan becomes a full one. While its pages are being
    listed its row says 'full', 'running' and has no finish time."""
    db = tmp_path / "hfscan.duckdb"
    seen: list[tuple] = []

    def look(progress: ScanProgress) -> None:
        if progress.pages == 1:  # the main database is free while pages go to the staging file
            seen.append(_row(db, progress.scan_id))

    with FakeHub(models=300, seed=3) as hub:
        result = run_scan(db, hub.url, None, ScanOptions(incremental=True, page_size=100, classify=False),
                          on_progress=look)
        planted = len(hub.model_ids())
    assert seen == [("full", "running", None)]
    assert result.kind == "full" and result.models == planted
    kind, status, finished_at = _row(db, result.scan_id)
    assert (kind, status) == ("full", "complete") and finished_at is not None


def test_a_stopped_scan_is_stamped_finished_and_a_running_one_is_not(tmp_path: Path) -> None:
    db = tmp_path / "hfscan.duckdb"
    scan_id, _ = snapshots.register_scan(db, "full", "test", ["files", "tags"])
    assert _row(db, scan_id) == ("full", "running", None)
    assert snapshots.set_scan_status(db, scan_id, "failed", "the listing failed")
    assert _row(db, scan_id)[:2] == ("full", "failed") and _row(db, scan_id)[2] is not None
    # Back to running (a resumed scan): no finish time until it stops again.
    assert snapshots.set_scan_status(db, scan_id, "running")
    assert _row(db, scan_id) == ("full", "running", None)
