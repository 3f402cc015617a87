"""kill -9 at several points of a scan, a concurrent reader, a second writer.

The scan is slowed by the fake Hub's per-page latency so the test can act while it runs; it polls
the scan's progress file (written after each committed page) rather than sleeping blindly.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hfscan.testing.fakehub import FakeHub
from tests.crawl.helpers import REPO_ROOT, query, run_cli, scan_args, snapshot_rows

PAGE = "100"


def start_scan(hub: FakeHub, db: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "hfscan", *scan_args(hub, db, "--page-size", PAGE, *extra)],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ.copy(),
    )


def wait_for_pages(db: Path, pages: int, proc: subprocess.Popen[str], timeout: float = 60) -> int:
    sidecar = db.with_name(db.name + ".scan.json")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"scan ended early: {proc.returncode} {proc.stderr.read() if proc.stderr else ''}")
        try:
            done = int(json.loads(sidecar.read_text()).get("pages", 0))
        except (OSError, ValueError):
            done = 0
        if done >= pages:
            return done
        time.sleep(0.02)
    raise AssertionError(f"the scan did not reach {pages} pages in {timeout}s")


@pytest.fixture
def slow_hub(hub: FakeHub) -> FakeHub:
    hub.set_faults([{"kind": "latency", "route": "listing", "ms": 120, "count": 100_000}])
    return hub


@pytest.mark.slow
def test_kill_9_at_five_points_then_resume_equals_an_uninterrupted_scan(slow_hub: FakeHub, tmp_path: Path) -> None:
    db = tmp_path / "killed.duckdb"
    for pages in (0, 1, 3, 6, 9):
        proc = start_scan(slow_hub, db)
        if pages:
            wait_for_pages(db, pages, proc)
        else:
            time.sleep(0.3)  # before the first page: during start-up and registration
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    final = run_cli([*scan_args(slow_hub, db, "--page-size", PAGE), "--json"])
    assert final.code == 0, final.stderr
    slow_hub.clear_faults()
    reference = tmp_path / "reference.duckdb"
    assert run_cli(scan_args(slow_hub, reference, "--page-size", PAGE)).code == 0
    assert snapshot_rows(db) == snapshot_rows(reference)
    assert query(db, "SELECT count(*) FROM scans WHERE status = 'complete'")[0][0] == 1
    check = run_cli(["status", "--db", str(db), "--check"])
    assert check.code == 0, check.stdout + check.stderr


@pytest.mark.slow
def test_readers_work_during_a_scan_and_a_second_scan_is_refused(slow_hub: FakeHub, db: Path) -> None:
    slow_hub.clear_faults()
    assert run_cli(scan_args(slow_hub, db, "--page-size", PAGE)).code == 0  # snapshot 1
    first = snapshot_rows(db)
    slow_hub.set_faults([{"kind": "latency", "route": "listing", "ms": 1000, "count": 100_000}])
    proc = start_scan(slow_hub, db)
    try:
        wait_for_pages(db, 2, proc)
        reader = run_cli(["sql", "--db", str(db), "--format", "json", "SELECT count(*) AS n FROM latest_models"])
        assert reader.code == 0, reader.stderr
        assert json.loads(reader.stdout)[0]["n"] == len(first)
        second = run_cli(scan_args(slow_hub, db))
        assert second.code == 4
        assert "another scan is already running" in second.stderr
        assert "scan 2" in second.stderr
        status = run_cli(["status", "--db", str(db), "--json"])
        assert status.code == 0, status.stderr
        assert json.loads(status.stdout)["in_progress"]["state"] == "running"
        shares = run_cli(["shares", "--db", str(db), "--json"])
        assert shares.code == 0, shares.stderr
        assert json.loads(shares.stdout)["scan_id"] == 1  # the last complete snapshot, not the running one
        report = run_cli(["report", "--db", str(db), "--out", str(db.with_name("during.html")), "--json"])
        assert report.code == 0, report.stderr
        assert db.with_name("during.html").stat().st_size > 0
        assert proc.poll() is None, "the scan ended before the readers were done: the test proved less"
    finally:
        slow_hub.clear_faults()  # the readers are done: the rest of the scan needs no slow pages
        proc.wait(timeout=120)
    assert proc.returncode == 0
    assert query(db, "SELECT count(*) FROM scans WHERE status = 'complete'")[0][0] == 2
