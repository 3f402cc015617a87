"""The disk fills up, the database becomes unwritable, the server stops answering — mid-scan.

Each time: one clear line and a meaningful exit code, the earlier snapshot intact (integrity check
passes, same rows), no snapshot marked complete with pages missing, and the next run resumes to
the same snapshot an undisturbed scan gives.

A full disk is produced for real with RLIMIT_FSIZE on the scan's process: every write past the limit
fails with EFBIG ("File too large"), the way ENOSPC fails a write when the disk is full.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from hfscan.testing.fakehub import FakeHub
from tests.crawl.helpers import REPO_ROOT, query, run_cli, scan_args, snapshot_rows

PAGE = "100"


@pytest.fixture(scope="module")
def hub() -> Iterator[FakeHub]:
    with FakeHub(models=3000, seed=29) as running:
        yield running


@pytest.fixture(scope="module")
def first_snapshot(hub: FakeHub, tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("storage_faults") / "first.duckdb"
    assert run_cli(scan_args(hub, db, "--page-size", PAGE)).code == 0
    return db


def _copy(first: Path, tmp_path: Path) -> Path:
    db = tmp_path / "hfscan.duckdb"
    shutil.copy(first, db)
    return db


def _scan_with_file_size_limit(hub: FakeHub, db: Path, limit: int) -> subprocess.CompletedProcess[str]:
    def limit_file_size() -> None:  # runs in the child only
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run([sys.executable, "-m", "hfscan", *scan_args(hub, db, "--page-size", PAGE)],
                          cwd=REPO_ROOT, env=os.environ.copy(), capture_output=True, text=True, timeout=300,
                          preexec_fn=limit_file_size)


def _assert_first_snapshot_intact(db: Path, first: Path) -> None:
    check = run_cli(["status", "--check", "--db", str(db), "--json"])
    assert check.code == 0, check.stdout + check.stderr
    assert json.loads(check.stdout)["check"]["problems"] == []
    assert query(db, "SELECT scan_id FROM scans WHERE status = 'complete'") == [(1,)]
    assert snapshot_rows(db, 1) == snapshot_rows(first, 1)
    shares = run_cli(["shares", "--db", str(db), "--json"])
    assert shares.code == 0, shares.stderr


def _assert_resumes_to_a_full_snapshot(hub: FakeHub, db: Path) -> None:
    resumed = run_cli([*scan_args(hub, db, "--page-size", PAGE), "--json"])
    assert resumed.code == 0, resumed.stderr
    summary = json.loads(resumed.stdout)
    assert summary["scan_id"] == 2 and summary["resumed"] is True
    assert {m for m, _ in snapshot_rows(db, 2)} == set(hub.model_ids())
    assert snapshot_rows(db, 2) == snapshot_rows(db, 1)  # same epoch: the same repo versions
    assert run_cli(["status", "--check", "--db", str(db)]).code == 0


def _one_error_line(stderr: str) -> str:
    errors = [line for line in stderr.splitlines() if line.startswith("hfscan: error:")]
    assert len(errors) == 1, stderr
    assert "Traceback" not in stderr
    return errors[0]


@pytest.mark.parametrize("where", ["while listing", "while storing the snapshot"])
def test_a_full_disk_mid_scan_is_one_line_and_loses_nothing(hub: FakeHub, first_snapshot: Path, tmp_path: Path,
                                                            where: str) -> None:
    db = _copy(first_snapshot, tmp_path)
    size = db.stat().st_size
    # The staging file starts empty and grows page by page: a 1 MB limit stops the listing midway.
    # A limit just above the main file lets the listing finish and fails the snapshot's own write.
    limit = 1_000_000 if where == "while listing" else size + 64 * 1024
    failed = _scan_with_file_size_limit(hub, db, limit)
    assert failed.returncode == 4, failed.stderr
    assert failed.stdout == ""
    line = _one_error_line(failed.stderr)
    assert "File too large" in line or "No space" in line, line
    state = json.loads(run_cli(["status", "--db", str(db), "--json"]).stdout)
    assert state["in_progress"]["state"] == "interrupted"
    if where == "while listing":
        assert 0 < state["in_progress"]["pages"] < 30
    _assert_first_snapshot_intact(db, first_snapshot)
    _assert_resumes_to_a_full_snapshot(hub, db)


@contextlib.contextmanager
def _unwritable(path: Path) -> Iterator[None]:
    """Make the file unwritable even for root (immutable flag), else by its mode."""
    if os.geteuid() == 0:
        if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(path)]).returncode != 0:
            pytest.skip("running as root without chattr +i: cannot make a file unwritable")
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(path)], check=True)
    else:
        mode = path.stat().st_mode
        path.chmod(0o444)
        try:
            yield
        finally:
            path.chmod(mode)


def test_an_unwritable_database_mid_scan_is_one_line_and_loses_nothing(hub: FakeHub, first_snapshot: Path,
                                                                       tmp_path: Path) -> None:
    db = _copy(first_snapshot, tmp_path)
    hub.set_faults([{"kind": "latency", "route": "listing", "ms": 80, "count": 100_000}])
    try:
        proc = subprocess.Popen([sys.executable, "-m", "hfscan", *scan_args(hub, db, "--page-size", PAGE)],
                                cwd=REPO_ROOT, env=os.environ.copy(), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        sidecar = db.with_name(db.name + ".scan.json")
        # Once the listing is under way (the main file is only written again at the end)...
        for _ in range(3000):
            with contextlib.suppress(OSError, ValueError):
                if json.loads(sidecar.read_text()).get("pages", 0) >= 3:
                    break
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            time.sleep(0.01)
        with _unwritable(db):
            out, err = proc.communicate(timeout=120)
            assert proc.returncode == 4, err
            assert out == ""
            line = _one_error_line(err)
            assert "cannot" in line and str(db) in line, line
    finally:
        hub.clear_faults()
    _assert_first_snapshot_intact(db, first_snapshot)
    _assert_resumes_to_a_full_snapshot(hub, db)


def test_a_server_that_stops_answering_mid_scan_stops_cleanly_and_resumes(hub: FakeHub, first_snapshot: Path,
                                                                          tmp_path: Path) -> None:
    db = _copy(first_snapshot, tmp_path)
    # From page 4 on, every answer takes longer than the client waits.
    hub.set_faults([{"kind": "latency", "route": "listing", "page": 4, "ms": 2500, "count": 100}])
    try:
        failed = run_cli(scan_args(hub, db, "--page-size", PAGE, "--timeout", "1", "--max-retries", "1"))
    finally:
        hub.clear_faults()
    assert failed.code == 3, failed.stderr
    line = _one_error_line(failed.stderr)
    assert "listing page 4" in line and "no answer" in line, line
    state = json.loads(run_cli(["status", "--db", str(db), "--json"]).stdout)
    assert state["in_progress"]["pages"] == 3
    _assert_first_snapshot_intact(db, first_snapshot)
    _assert_resumes_to_a_full_snapshot(hub, db)
