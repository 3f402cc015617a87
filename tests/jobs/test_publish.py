"""`hfscan publish` against the fake Hub through the real huggingface_hub client (no mocks), then read
back with `hfscan import hf-dataset` and `datasets`: every snapshot must come back exactly.

The uploads go over LFS (HF_HUB_DISABLE_XET=1: the fake has no Xet storage; docs/HUB_PROTOCOL.md,
"Uploads").
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from hfscan.testing.fakehub import FakeHub
from hfscan.testing.fakehub.uploads import UploadedRepo
from tests.crawl.helpers import REPO_ROOT, query, run_cli, scan_args


@pytest.fixture(scope="module")
def hub() -> Iterator[FakeHub]:
    with FakeHub(models=400, seed=41) as running:
        yield running


@pytest.fixture(scope="module")
def tokens(hub: FakeHub) -> dict[str, str]:
    return {name: hub.hub.uploads.add_user(name) for name in ("alice", "bob")}


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory, hub: FakeHub, tokens: dict[str, str]) -> dict[str, str]:
    home = tmp_path_factory.mktemp("hf_home")
    return {"HF_ENDPOINT": hub.url, "HF_HOME": str(home), "HF_DATASETS_CACHE": str(home / "datasets"),
            "HF_TOKEN_PATH": str(home / "no-token"), "HF_HUB_DISABLE_TELEMETRY": "1",
            "HF_HUB_DISABLE_XET": "1", "HF_TOKEN": tokens["alice"]}


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory, hub: FakeHub) -> Path:
    """A database with two complete snapshots (epochs 0 and 1), every method classified."""
    db = tmp_path_factory.mktemp("source") / "hfscan.duckdb"
    for epoch in (0, 1):
        hub.set_epoch(epoch)
        result = run_cli(scan_args(hub, db))
        assert result.code == 0, result.stderr
    hub.set_epoch(0)
    return db


def publish(db: Path, env: dict[str, str], repo: str, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hfscan", "publish", "--repo", repo, "--db", str(db), *extra],
                          capture_output=True, text=True, env={**os.environ, **env}, cwd=REPO_ROOT, timeout=300)


def uploaded(hub: FakeHub, repo: str) -> UploadedRepo:
    found = hub.hub.datasets[repo]
    assert isinstance(found, UploadedRepo)
    return found


def snapshot_files(hub: FakeHub, repo: str) -> list[str]:
    return [p for p in uploaded(hub, repo).files(uploaded(hub, repo).head) if p.endswith(".parquet")]


def per_snapshot(db: Path) -> dict[str, dict]:
    """snapshot_at → models (id, sha) and class counts per method: what a round trip must keep."""
    out: dict[str, dict] = {}
    for scan_id, at in query(db, "SELECT scan_id, snapshot_at FROM scans WHERE status = 'complete'"):
        classes = query(db, f"SELECT method, class, count(*) FROM model_classes WHERE scan_id = {scan_id} "
                            "AND method IN ('files', 'tags') GROUP BY ALL")
        out[str(at)] = {
            "models": set(query(db, f"SELECT model_id, sha FROM snapshot_models WHERE scan_id = {scan_id}")),
            "classes": {(m, c): n for m, c, n in classes},
        }
    return out


def import_back(hub: FakeHub, env: dict[str, str], repo: str, db: Path) -> None:
    for path in snapshot_files(hub, repo):
        result = run_cli(["import", "hf-dataset", repo, "--file", path, "--db", str(db)], env=env)
        assert result.code == 0, result.stderr


def test_publish_then_import_round_trips_every_snapshot(tmp_path: Path, hub: FakeHub, env: dict[str, str],
                                                        source: Path) -> None:
    repo = "alice/snapshots"
    result = publish(source, env, repo, "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["new_snapshots"] == [1, 2] and summary["already_there"] == []
    published = uploaded(hub, repo)
    assert [c.title for c in published.commits] == ["initial commit", "hfscan publish: 2 snapshot(s) (scan 1, 2)"]
    assert summary["commit"] == published.head.sha
    assert len(snapshot_files(hub, repo)) == 2 and "README.md" in published.head.tree
    card = published.body(published.head, "README.md").decode()
    assert "configs:\n- config_name: default\n  data_files:\n  - split: train\n    path: data/*/*/*.parquet" in card

    fresh = tmp_path / "fresh.duckdb"
    import_back(hub, env, repo, fresh)
    original, imported = per_snapshot(source), per_snapshot(fresh)
    assert imported.keys() == original.keys()
    for at, snapshot in original.items():
        assert imported[at]["models"] == snapshot["models"], at
        assert imported[at]["classes"] == snapshot["classes"], at


def test_load_dataset_reads_the_published_series(hub: FakeHub, env: dict[str, str], source: Path,
                                                 tmp_path: Path) -> None:
    """The card's `configs:` is what `datasets.load_dataset(repo)` follows (no data_files given)."""
    repo = "alice/for-datasets"
    assert publish(source, env, repo).returncode == 0
    script = ("import datasets, collections, json; ds = datasets.load_dataset('alice/for-datasets', split='train');"
              "print(json.dumps(sorted(collections.Counter(str(x) for x in ds['snapshot_at']).values())))")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300,
                          env={**os.environ, **env, "HF_DATASETS_CACHE": str(tmp_path / "cache")})
    assert proc.returncode == 0, proc.stderr
    expected = sorted(n for (n,) in query(source, "SELECT models FROM scans WHERE status = 'complete'"))
    assert json.loads(proc.stdout) == expected



def test_rerun_uploads_only_new_snapshots_in_one_commit(tmp_path: Path, hub: FakeHub, env: dict[str, str],
                                                        source: Path) -> None:
    db = tmp_path / "hfscan.duckdb"
    shutil.copy(source, db)
    repo = "alice/incremental"
    assert publish(db, env, repo).returncode == 0
    before = set(snapshot_files(hub, repo))
    again = publish(db, env, repo, "--json")  # nothing new: no commit at all
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["commit"] is None and len(uploaded(hub, repo).commits) == 2

    hub.set_epoch(2)
    try:
        assert run_cli(scan_args(hub, db)).code == 0
    finally:
        hub.set_epoch(0)
    lfs_before = hub.stats().get("route:lfs_upload", 0)
    third = publish(db, env, repo, "--json")
    assert third.returncode == 0, third.stderr
    summary = json.loads(third.stdout)
    assert summary["new_snapshots"] == [3] and summary["already_there"] == [1, 2]
    assert len(uploaded(hub, repo).commits) == 3  # one commit for the run
    added = set(snapshot_files(hub, repo)) - before
    assert len(added) == 1 and "/scan_id=3/" in next(iter(added))
    assert hub.stats().get("route:lfs_upload", 0) - lfs_before == 1  # only the new Parquet went up


def test_killed_publish_leaves_the_repo_as_it_was_and_the_rerun_completes(
        tmp_path: Path, hub: FakeHub, env: dict[str, str], source: Path) -> None:
    repo = "alice/killed"
    hub.set_faults([{"kind": "latency", "route": "lfs_upload", "ms": 3000, "count": 5}])
    started = hub.stats().get("route:lfs_upload", 0)
    try:
        proc = subprocess.Popen([sys.executable, "-m", "hfscan", "publish", "--repo", repo, "--db", str(source)],
                                env={**os.environ, **env}, cwd=REPO_ROOT, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while hub.stats().get("route:lfs_upload", 0) == started:  # an upload is under way
            assert proc.poll() is None and time.monotonic() < deadline, "publish never reached the upload"
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        hub.clear_faults()
    assert [c.title for c in uploaded(hub, repo).commits] == ["initial commit"]  # nothing half-committed

    rerun = publish(source, env, repo)
    assert rerun.returncode == 0, rerun.stderr
    assert len(uploaded(hub, repo).commits) == 2 and len(snapshot_files(hub, repo)) == 2
    fresh = tmp_path / "fresh.duckdb"
    import_back(hub, env, repo, fresh)
    assert {k: v["models"] for k, v in per_snapshot(fresh).items()} == {
        k: v["models"] for k, v in per_snapshot(source).items()}


def test_failed_commit_is_one_line_and_changes_nothing(hub: FakeHub, env: dict[str, str], source: Path) -> None:
    repo = "alice/failing"
    hub.set_faults([{"kind": "5xx", "route": "commit_upload", "status": [500]}])
    try:
        result = publish(source, env, repo)
    finally:
        hub.clear_faults()
    assert result.returncode == 3 and result.stdout == ""
    assert result.stderr.startswith("hfscan: error: datasets/alice/failing: committing to:")
    assert "Traceback" not in result.stderr and len(result.stderr.splitlines()) == 2  # error + hint
    assert len(uploaded(hub, repo).commits) == 1
    assert publish(source, env, repo).returncode == 0 and len(snapshot_files(hub, repo)) == 2


def test_bad_token_is_one_line_401(hub: FakeHub, env: dict[str, str], source: Path) -> None:
    bad = "hf_notavalidtoken0123456789abcdef"
    result = publish(source, {**env, "HF_TOKEN": bad}, "alice/unauthorized")
    assert result.returncode == 3 and result.stdout == ""
    assert result.stderr.splitlines()[0] == ("hfscan: error: datasets/alice/unauthorized: creating: "
                                             "the Hub refused the credentials (HTTP 401)")
    assert bad not in result.stderr and "Traceback" not in result.stderr
    assert "alice/unauthorized" not in hub.hub.datasets


def test_no_token_is_refused_before_any_request(hub: FakeHub, env: dict[str, str], source: Path) -> None:
    before = hub.stats()["requests"]
    result = publish(source, {**env, "HF_TOKEN": ""}, "alice/anonymous")
    assert result.returncode == 3 and result.stdout == ""
    assert result.stderr.startswith("hfscan: error: publishing needs a Hub token")
    assert hub.stats()["requests"] == before


def test_someone_elses_repo_is_a_one_line_403(hub: FakeHub, env: dict[str, str], tokens: dict[str, str],
                                              source: Path) -> None:
    assert publish(source, env, "alice/owned").returncode == 0
    head = uploaded(hub, "alice/owned").head.sha
    for repo in ("alice/owned", "alice/not-yet"):  # exists (bob can read it) / bob may not create it
        result = publish(source, {**env, "HF_TOKEN": tokens["bob"]}, repo)
        assert result.returncode == 3 and result.stdout == "", result.stderr
        assert result.stderr.splitlines()[0].startswith(f"hfscan: error: datasets/{repo}: ")
        assert "no write access (HTTP 403)" in result.stderr.splitlines()[0]
        assert "Traceback" not in result.stderr
    assert uploaded(hub, "alice/owned").head.sha == head and "alice/not-yet" not in hub.hub.datasets


def test_dry_run_lists_and_changes_nothing(hub: FakeHub, env: dict[str, str], source: Path) -> None:
    before = hub.stats()
    result = publish(source, env, "alice/dry", "--dry-run")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("would upload 2 snapshot(s)")
    assert sum("/scan_id=" in line for line in lines) == 2 and any("README.md" in line for line in lines)
    after = hub.stats()
    assert "alice/dry" not in hub.hub.datasets
    for route in ("repo_create", "preupload", "lfs_upload", "commit_upload"):
        assert after.get(f"route:{route}", 0) == before.get(f"route:{route}", 0)


def test_a_repo_from_another_database_is_refused(tmp_path: Path, hub: FakeHub, env: dict[str, str],
                                                 source: Path) -> None:
    """Scan ids are per database: publishing another database's scan 1 over it would mix two series."""
    repo = "alice/other-db"
    assert publish(source, env, repo).returncode == 0
    other = tmp_path / "other.duckdb"
    import_back(hub, env, repo, other)  # scans 1, 2 again, same dates: accepted, nothing new
    same = publish(other, env, repo, "--json")
    assert same.returncode == 0 and json.loads(same.stdout)["new_snapshots"] == []
    commits = len(uploaded(hub, repo).commits)  # the card may change (scan kinds): no new data
    import duckdb

    con = duckdb.connect(str(other))  # this database's scan 1 now has another date than the repo's scan 1
    con.execute("UPDATE scan_log SET snapshot_at = snapshot_at - INTERVAL 3 DAY WHERE scan_id = 1")
    con.close()
    refused = publish(other, env, repo)
    assert refused.returncode == 2 and refused.stdout == ""
    assert "published from another database" in refused.stderr.splitlines()[0]
    assert len(uploaded(hub, repo).commits) == commits


def test_publish_lets_no_huggingface_hub_output_through(tmp_path: Path, hub: FakeHub, env: dict[str, str],
                                                        source: Path) -> None:
    """huggingface_hub's own progress bars and its "No files have been modified" warning stay out of
    stderr, even where huggingface_hub's bars are enabled (the tests' environment disables them)."""
    db = tmp_path / "hfscan.duckdb"
    shutil.copy(source, db)
    loud = {k: v for k, v in {**os.environ, **env, "HF_HUB_VERBOSITY": "info"}.items()
            if k != "HF_HUB_DISABLE_PROGRESS_BARS"}  # unset: huggingface_hub's default shows its bars

    def run_publish() -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "hfscan", "publish", "--repo", "alice/quiet", "--db", str(db),
                               "--report"], capture_output=True, text=True, env=loud, cwd=REPO_ROOT, timeout=300)

    for run in (run_publish(), run_publish()):  # the second has nothing new: no commit
        assert run.returncode == 0, run.stderr
        assert "No files have been modified" not in run.stderr
        assert "it/s" not in run.stderr and "%|" not in run.stderr and "B/s" not in run.stderr, run.stderr


def test_a_terminal_sees_hfscans_own_publish_bar(tmp_path: Path, env: dict[str, str], source: Path) -> None:
    db = tmp_path / "hfscan.duckdb"
    shutil.copy(source, db)
    run = publish(db, {**env, "TTY_COMPATIBLE": "1", "COLUMNS": "160"}, "alice/bar")  # rich draws as on a terminal
    assert run.returncode == 0, run.stderr
    assert re.search(r"publish .*\d/\d.*(-:--:--|\d:\d\d:\d\d)", run.stderr), run.stderr
