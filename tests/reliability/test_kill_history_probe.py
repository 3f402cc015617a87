"""kill -9 of `hfscan history` and `hfscan probe` at five points each; the next run resumes and the
result equals an uninterrupted run's on a copy of the same database.

The fake Hub runs in this process, so the test sees each request it serves and kills the CLI after
a chosen number of them (the per-repo routes are slowed a little so the kill lands mid-run).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hfscan.testing.fakehub import FakeHub
from tests.crawl.helpers import ALL_GATE_ACCESS, GATE_TOKEN, REPO_ROOT, query, run_cli, scan_args

AS_OF = "2021-12-14"
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FakeHub, Path]]:
    root = tmp_path_factory.mktemp("kill_history_probe")
    db = root / "scanned.duckdb"
    with FakeHub(models=3000, seed=23, gate_access=ALL_GATE_ACCESS) as hub:
        assert run_cli(scan_args(hub, db)).code == 0
        yield hub, db


def _served(hub: FakeHub, *routes: str) -> int:
    stats = hub.stats()
    return sum(stats.get(f"route:{route}", 0) for route in routes)


def _kill_after(hub: FakeHub, args: list[str], reached: Callable[[], bool], what: str) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "hfscan", *args], cwd=REPO_ROOT, env=os.environ.copy(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 90
    try:
        while not reached():
            if proc.poll() is not None:
                raise AssertionError(f"{what}: the run ended before the kill point ({proc.returncode}): "
                                     f"{proc.stderr.read() if proc.stderr else ''}")
            if time.monotonic() > deadline:
                raise AssertionError(f"{what}: kill point not reached in 90 s")
            time.sleep(0.005)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()


def _two_copies(scanned_db: Path, tmp_path: Path) -> tuple[Path, Path]:
    """The database a run is killed in, and the one an undisturbed run uses: same start."""
    killed, reference = tmp_path / "killed.duckdb", tmp_path / "reference.duckdb"
    shutil.copy(scanned_db, killed)
    shutil.copy(scanned_db, reference)
    return killed, reference


def _history_args(hub: FakeHub, db: Path) -> list[str]:
    return ["history", "--endpoint", hub.url, "--db", str(db), "--retry-wait", "0.01", "--as-of", AS_OF, "--json"]


def _history_result(db: Path) -> dict[str, object]:
    shares = run_cli(["shares", "--db", str(db), "--as-of", AS_OF, "--json"])
    assert shares.code == 0, shares.stderr
    return {
        "commits": set(query(db, "SELECT model_id, commit_id, date, title, is_bot, position FROM commits")),
        "status": set(query(db, "SELECT model_id, sha, status, reason, commits, first_commit_at FROM history_status")),
        "versions": set(query(db, "SELECT model_id, sha FROM repo_versions")),
        "created": set(query(db, "SELECT model_id, true_created_at FROM model_created")),
        "as_of": json.loads(shares.stdout)["counts"],
    }


def test_kill_9_of_history_at_five_points_then_resume_equals_an_uninterrupted_run(
        scanned: tuple[FakeHub, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    hub, scanned_db = scanned
    monkeypatch.setenv("HF_TOKEN", GATE_TOKEN)  # the planted truth needs every log, gated repos' too
    killed, reference = _two_copies(scanned_db, tmp_path)
    hub.set_faults([{"kind": "latency", "route": "commits", "ms": 15, "count": 1_000_000},
                    {"kind": "latency", "route": "tree", "ms": 15, "count": 1_000_000}])
    try:
        # Kill points, each counted from the start of that run: during start-up (selecting repos),
        # early in the commit logs, before and after the first batch is flushed, and in the tree phase.
        for point, more in enumerate((0, 10, 40, 150)):
            start = _served(hub, "commits")
            if more == 0:
                _kill_after(hub, _history_args(hub, killed), lambda: True, "history start-up")
            else:
                _kill_after(hub, _history_args(hub, killed),
                            lambda s=start, m=more: _served(hub, "commits") - s >= m, f"history point {point}")
        trees = _served(hub, "tree")
        _kill_after(hub, _history_args(hub, killed), lambda: _served(hub, "tree") - trees >= 3, "history trees")
        assert _served(hub, "tree") > trees, "the last kill did not land in the tree phase"
    finally:
        hub.clear_faults()
    resumed = run_cli(_history_args(hub, killed))
    assert resumed.code == 0, resumed.stderr
    assert run_cli(_history_args(hub, reference)).code == 0
    again = run_cli(_history_args(hub, killed))
    assert again.code == 0 and json.loads(again.stdout)["requests"] == 0  # nothing left, nothing fetched twice
    assert _history_result(killed) == _history_result(reference)
    truth = hub.truth(as_of=[AS_OF])["as_of"][AS_OF]
    assert _history_result(killed)["as_of"] == {k: truth.get(k, 0) for k in _history_result(killed)["as_of"]}
    check = run_cli(["status", "--check", "--db", str(killed)])
    assert check.code == 0, check.stdout + check.stderr


def _probe_args(hub: FakeHub, db: Path) -> list[str]:
    return ["probe", "--endpoint", hub.url, "--db", str(db), "--retry-wait", "0.01", "--sample", "300", "--seed", "4",
            "--json"]


def _probe_result(db: Path) -> dict[str, object]:
    shares = run_cli(["shares", "--db", str(db), "--method", "header", "--json"])
    assert shares.code == 0, shares.stderr
    return {
        "probes": set(query(db, "SELECT model_id, sha, path, format, status FROM header_probes")),
        "header": json.loads(shares.stdout)["counts"],
    }


def test_kill_9_of_probe_at_five_points_then_resume_equals_an_uninterrupted_run(
        scanned: tuple[FakeHub, Path], tmp_path: Path) -> None:
    hub, scanned_db = scanned
    killed, reference = _two_copies(scanned_db, tmp_path)
    hub.set_faults([{"kind": "latency", "route": "resolve", "ms": 20, "count": 1_000_000}])
    try:
        for point, more in enumerate((0, 5, 20, 50, 100)):
            start = _served(hub, "resolve")
            reached = (lambda: True) if more == 0 else (lambda s=start, m=more: _served(hub, "resolve") - s >= m)
            _kill_after(hub, _probe_args(hub, killed), reached, f"probe point {point}")
    finally:
        hub.clear_faults()
    resumed = run_cli(_probe_args(hub, killed))
    assert resumed.code == 0, resumed.stderr
    assert run_cli(_probe_args(hub, reference)).code == 0
    again = run_cli(_probe_args(hub, killed))
    assert again.code == 0 and json.loads(again.stdout)["requests"] == 0
    got, expected = _probe_result(killed), _probe_result(reference)
    assert got == expected
    assert len(got["probes"]) > 0
    # Every probed header equals what the fake Hub planted in that file.
    # Gated repos list their files but refuse the range read without a token: recorded as gated.
    gated = {r[0] for r in query(killed, "SELECT model_id FROM latest_models WHERE gated IS NOT NULL "
                                         "AND CAST(gated AS VARCHAR) NOT IN ('false', 'False')")}
    assert {status for *_, status in got["probes"]} <= {"ok", "no_metadata", "gated"}
    for model_id, _sha, path, fmt, status in got["probes"]:
        if status == "gated" or model_id in gated:
            assert status == "gated" and model_id in gated, (model_id, path, status)
            continue
        planted = hub.population.model(hub.population.index_of(model_id)).header_format(path)
        assert fmt == (planted or None), (model_id, path, fmt, planted)
    check = run_cli(["status", "--check", "--db", str(killed)])
    assert check.code == 0, check.stdout + check.stderr


def test_readers_work_while_history_runs(scanned: tuple[FakeHub, Path], tmp_path: Path) -> None:
    """history writes in short batches: `sql` and `shares` answer during a run, not after it."""
    hub, scanned_db = scanned
    db = tmp_path / "reading.duckdb"
    shutil.copy(scanned_db, db)
    hub.set_faults([{"kind": "latency", "route": "commits", "ms": 40, "count": 1_000_000}])
    proc = subprocess.Popen([sys.executable, "-m", "hfscan", *_history_args(hub, db)], cwd=REPO_ROOT,
                            env=os.environ.copy(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        start = _served(hub, "commits")
        deadline = time.monotonic() + 60
        while _served(hub, "commits") - start < 80:  # past the first flush (2 s of work)
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.01)
        reader = run_cli(["sql", "--db", str(db), "--format", "json",
                          "SELECT count(DISTINCT model_id) AS repos FROM commits"])
        assert reader.code == 0, reader.stderr
        assert json.loads(reader.stdout)[0]["repos"] > 0  # a batch is already stored and visible
        shares = run_cli(["shares", "--db", str(db), "--json"])
        assert shares.code == 0, shares.stderr
        assert proc.poll() is None, "history ended before the readers were done: the test proved less"
    finally:
        hub.clear_faults()
        proc.send_signal(signal.SIGKILL)
        proc.wait()
