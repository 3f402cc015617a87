"""`hfscan import hf-dataset` against the fake Hub's dumps repo, through real huggingface_hub over HTTP.

The repo `hub-stats/models` holds one dump per epoch (0, 1, 2) of the fake Hub's own population,
so every imported snapshot is checked against the truth planted for that epoch.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hfscan.testing.fakehub import FakeHub
from hfscan.testing.fakehub.datasets_repo import DUMP_EPOCHS, FULL_FILE, LITE_FILE, STATS_REPO
from hfscan.testing.fakehub.truth import iter_models, truth
from tests.crawl.helpers import CliResult, query, run_cli


@pytest.fixture(scope="module")
def hub() -> Iterator[FakeHub]:
    with FakeHub(models=1500, seed=29) as running:
        yield running


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory, hub: FakeHub) -> dict[str, str]:
    # Module-scoped, so set here rather than by the autouse fixture: a fresh HF_HOME (hub cache,
    # agent-harness answer) and datasets cache, no token.
    home = tmp_path_factory.mktemp("hf_home")
    return {"HF_ENDPOINT": hub.url, "HF_HOME": str(home), "HF_DATASETS_CACHE": str(home / "datasets"),
            "HF_TOKEN_PATH": str(home / "no-token"), "HF_HUB_DISABLE_TELEMETRY": "1", "HF_TOKEN": ""}


def hf_import(db: Path, env: dict[str, str], *args: str) -> CliResult:
    return run_cli(["import", "hf-dataset", "--db", str(db), *args], env=env)


def dump_commits(hub: FakeHub, path: str = FULL_FILE) -> list[tuple[str, datetime, int]]:
    """(sha, date, epoch) of the commits that changed the dump, oldest first."""
    repo = hub.hub.dataset(STATS_REPO)
    out, seen = [], None
    for commit in repo.commits:
        key = commit.content(path)
        if key is not None and key != seen:
            out.append((commit.sha, datetime.fromtimestamp(commit.date, UTC).replace(tzinfo=None), key[1]))
        seen = key
    return out


def class_counts(db: Path, scan_id: int, method: str) -> dict[str, int]:
    return dict(query(db, f"SELECT class, count(*) FROM model_classes WHERE scan_id = {scan_id} "
                          f"AND method = '{method}' GROUP BY 1"))


@pytest.fixture(scope="module")
def series(tmp_path_factory: pytest.TempPathFactory, hub: FakeHub, env: dict[str, str]) -> tuple[Path, dict, dict]:
    """The default import (every revision that changed models.parquet) and the Hub's request counts."""
    db = tmp_path_factory.mktemp("series") / "hfscan.duckdb"
    before = hub.stats()
    result = hf_import(db, env, STATS_REPO, "--json")
    assert result.code == 0, result.stderr
    after = hub.stats()
    requests = {k: after.get(k, 0) - before.get(k, 0) for k in after if k.startswith(("route:", "requests"))}
    return db, json.loads(result.stdout), requests


def test_each_revision_is_one_snapshot_in_date_order(hub: FakeHub, series: tuple[Path, dict, dict]) -> None:
    db, summary, _ = series
    expected = dump_commits(hub)
    assert [e for _, _, e in expected] == list(DUMP_EPOCHS)  # the README-only commit is not a revision
    assert summary["imported"] == 3 and summary["skipped"] == 0
    rows = query(db, "SELECT scan_id, kind, source, snapshot_at, methods, models, status FROM scans ORDER BY scan_id")
    assert [(r[2], r[3]) for r in rows] == [
        (f"hf-dataset:{STATS_REPO}@{sha}/{FULL_FILE}", date) for sha, date, _ in expected]
    for (_, kind, _, _, methods, models, status), (_, _, epoch) in zip(rows, expected, strict=True):
        assert (kind, status, methods) == ("import", "complete", ["files", "tags"])
        assert models == truth(hub.population, epoch)["models"]


def test_every_snapshot_equals_the_planted_truth_of_its_epoch(hub: FakeHub, series: tuple[Path, dict, dict]) -> None:
    db, _, _ = series
    scans = [r[0] for r in query(db, "SELECT scan_id FROM scans ORDER BY snapshot_at")]
    for scan_id, (_, _, epoch) in zip(scans, dump_commits(hub), strict=True):
        planted = truth(hub.population, epoch)
        assert class_counts(db, scan_id, "files") == planted["files"]
        assert class_counts(db, scan_id, "tags") == planted["tags"]
        stored = set(query(db, f"SELECT model_id, sha FROM snapshot_models WHERE scan_id = {scan_id}"))
        assert stored == {(m.id, m.sha) for m in iter_models(hub.population, epoch)}
    # The Hub's counters drift between epochs; the dump of each epoch carries its own.
    downloads = query(db, f"SELECT sum(downloads) FROM snapshot_models WHERE scan_id IN ({scans[0]}, {scans[-1]}) "
                          "GROUP BY scan_id ORDER BY scan_id")
    assert downloads[0] != downloads[1]


def test_requests_per_revision_are_few(series: tuple[Path, dict, dict]) -> None:
    _, _, requests = series
    # One repo info, one commit log + one paths-info per commit to find the series; then per
    # revision huggingface_hub's HEAD of the file (its metadata) and the one Parquet download.
    assert requests["route:dataset_commits"] == 1
    assert requests["route:dataset_paths-info"] == 5
    assert requests["route:dataset"] == 1 and requests.get("route:dataset_tree", 0) == 0
    assert requests["route:dataset_resolve"] == 3 * 2
    assert requests["requests"] == 7 + 3 * 2, requests


def test_importing_again_is_a_no_op(series: tuple[Path, dict, dict], env: dict[str, str]) -> None:
    db, _, _ = series
    scans_before = query(db, "SELECT scan_id, models FROM scans ORDER BY scan_id")
    versions = query(db, "SELECT count(*) FROM repo_versions")[0][0]
    again = hf_import(db, env, STATS_REPO, "--json")
    assert again.code == 0, again.stderr
    summary = json.loads(again.stdout)
    assert (summary["imported"], summary["skipped"]) == (0, 3)
    assert [r["scan_id"] for r in summary["revisions"]] == [s for s, _ in scans_before]
    assert "already imported" in again.stderr
    assert query(db, "SELECT scan_id, models FROM scans ORDER BY scan_id") == scans_before
    assert query(db, "SELECT count(*) FROM repo_versions")[0][0] == versions


def test_the_walk_is_kept_and_not_asked_again(hub: FakeHub, series: tuple[Path, dict, dict],
                                             env: dict[str, str]) -> None:
    db, _, _ = series
    before = hub.stats().get("route:dataset_paths-info", 0)
    assert hf_import(db, env, STATS_REPO).code == 0
    assert hub.stats().get("route:dataset_paths-info", 0) == before  # every commit's answer was stored


def test_rate_limited_walk_completes_with_the_planted_counts(hub: FakeHub, env: dict[str, str],
                                                             tmp_path: Path) -> None:
    # huggingface_hub never retries get_paths_info (a POST): an anonymous walk over a long log met a
    # 429 and the import failed. Through HubClient it waits and goes on.
    db = tmp_path / "limited.duckdb"
    hub.set_faults([{"kind": "429", "route": "dataset_paths-info", "every": 2, "count": 2, "reset": 0}])
    try:
        before = hub.stats().get("route:dataset_paths-info", 0)
        result = hf_import(db, env, STATS_REPO, "--json")
        fired = hub.stats()["faults_fired"]
    finally:
        hub.clear_faults()
    assert result.code == 0, result.stderr
    assert fired >= 2 and hub.stats()["route:dataset_paths-info"] - before == 5 + 2
    scans = [r[0] for r in query(db, "SELECT scan_id FROM scans ORDER BY snapshot_at")]
    for scan_id, (_, _, epoch) in zip(scans, dump_commits(hub), strict=True):
        planted = truth(hub.population, epoch)
        assert query(db, f"SELECT models FROM scans WHERE scan_id = {scan_id}")[0][0] == planted["models"]
        assert class_counts(db, scan_id, "files") == planted["files"]


def test_a_dump_without_file_lists_is_tags_only(hub: FakeHub, env: dict[str, str], tmp_path: Path) -> None:
    db = tmp_path / "lite.duckdb"
    sha, date, epoch = dump_commits(hub, LITE_FILE)[1]
    result = hf_import(db, env, STATS_REPO, "--file", LITE_FILE, "--revision", sha, "--json")
    assert result.code == 0, result.stderr
    (scan_id, source, snapshot_at, methods), = query(db, "SELECT scan_id, source, snapshot_at, methods FROM scans")
    assert (source, snapshot_at, methods) == (f"hf-dataset:{STATS_REPO}@{sha}/{LITE_FILE}", date, ["tags"])
    assert query(db, "SELECT count(*) FROM snapshot_models WHERE files IS NOT NULL")[0][0] == 0
    assert class_counts(db, scan_id, "tags") == truth(hub.population, epoch)["tags"]
    assert class_counts(db, scan_id, "files") == {}

    refused = run_cli(["shares", "--db", str(db), "--scan", str(scan_id), "--method", "files"])
    assert refused.code == 2 and refused.stdout == ""
    assert refused.stderr.splitlines()[0].startswith("hfscan: error: ")
    assert "has no data for --method files: it allows tags" in refused.stderr and "Traceback" not in refused.stderr
    tags = run_cli(["shares", "--db", str(db), "--scan", str(scan_id), "--method", "tags", "--json"])
    assert tags.code == 0 and json.loads(tags.stdout)["counts"] == truth(hub.population, epoch)["tags"]


def test_last_keeps_the_newest_versions(hub: FakeHub, env: dict[str, str], tmp_path: Path) -> None:
    db = tmp_path / "last.duckdb"
    result = hf_import(db, env, STATS_REPO, "--last", "2")
    assert result.code == 0, result.stderr
    assert "imported 2 version(s)" in result.stdout
    newest = dump_commits(hub)[-2:]
    assert query(db, "SELECT snapshot_at FROM scans ORDER BY scan_id") == [(date,) for _, date, _ in newest]


def test_a_terminal_sees_a_bar_over_the_versions_with_the_time_left(env: dict[str, str], tmp_path: Path) -> None:
    result = hf_import(tmp_path / "bar.duckdb", {**env, "TTY_COMPATIBLE": "1", "COLUMNS": "160"}, STATS_REPO,
                       "--last", "2")  # TTY_COMPATIBLE: rich draws as on a terminal
    assert result.code == 0, result.stderr
    assert re.search(r"import .*\d/\d.*(-:--:--|\d:\d\d:\d\d)", result.stderr), result.stderr
    assert result.stderr.count("models → scan") == 2  # the per-version lines stay, above the bar


@pytest.mark.parametrize(("args", "message"), [
    (["no-such/dumps"], "dataset no-such/dumps: revision main: repository not found"),
    ([STATS_REPO, "--revision", "0" * 40], "revision not found"),
    ([STATS_REPO, "--file", "nope.parquet"], "no revision has nope.parquet"),
    ([STATS_REPO, "--revision", "main", "--file", "nope.parquet"], "no file nope.parquet"),
])
def test_bad_input_is_one_line_exit_2(args: list[str], message: str, env: dict[str, str], tmp_path: Path) -> None:
    result = hf_import(tmp_path / "bad.duckdb", env, *args)
    assert result.code == 2, result.stderr
    assert result.stdout == "" and "Traceback" not in result.stderr
    first, *rest = result.stderr.strip().splitlines()
    assert first.startswith("hfscan: error: ") and message in first and len(rest) <= 1


def test_unreachable_endpoint_is_exit_3(env: dict[str, str], tmp_path: Path) -> None:
    result = hf_import(tmp_path / "down.duckdb", {**env, "HF_ENDPOINT": "http://127.0.0.1:9"}, STATS_REPO)
    assert result.code == 3, result.stderr
    assert result.stdout == "" and "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) <= 2


def test_in_process_imports_follow_each_endpoint(hub: FakeHub, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """datasets and huggingface_hub read HF_ENDPOINT once; the library must still reach the Hub it is given."""
    import datasets.config

    # datasets also fixes offline mode at import: an earlier test in this process may have set it.
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", False)
    from hfscan.crawl.client import HubClient
    from hfscan.jobs.import_hf_dataset import import_hf_dataset
    from hfscan.store.connect import connect

    with FakeHub(models=400, seed=30) as other:
        for name, fake in (("a", hub), ("b", other), ("c", hub)):
            con = connect(tmp_path / f"{name}.duckdb", read_only=False)
            try:
                result = import_hf_dataset(con, HubClient(fake.url), STATS_REPO, LITE_FILE, last=1)
            finally:
                con.close()
            assert result.models == truth(fake.population, DUMP_EPOCHS[-1])["models"]
            assert result.revisions[0].revision == dump_commits(fake, LITE_FILE)[-1][0]


def test_import_parquet_reads_a_downloaded_dump_the_same_way(hub: FakeHub, tmp_path: Path) -> None:
    from huggingface_hub import hf_hub_download

    sha, _, epoch = dump_commits(hub)[0]
    local = hf_hub_download(STATS_REPO, FULL_FILE, repo_type="dataset", revision=sha, endpoint=hub.url,
                            cache_dir=tmp_path / "hub", token=False)
    db = tmp_path / "local.duckdb"
    result = run_cli(["import", "parquet", local, "--db", str(db), "--json"])
    assert result.code == 0, result.stderr
    assert json.loads(result.stdout)["methods"] == ["files", "tags"]
    scan_id = query(db, "SELECT scan_id FROM scans")[0][0]
    planted = truth(hub.population, epoch)
    assert class_counts(db, scan_id, "files") == planted["files"]
    # Dates arrive as UTC-aware timestamps: stored as the same UTC wall time, whatever the session zone.
    first = min(iter_models(hub.population, epoch), key=lambda m: m.index)
    assert query(db, f"SELECT created_at FROM snapshot_models WHERE model_id = '{first.id}'")[0][0] == \
        datetime.fromtimestamp(first.created_at, UTC).replace(tzinfo=None)


# ---------------------------------------------------------------- read-back of what `publish` wrote
PUBLISHED = "reader/published"


def routes(hub: FakeHub, before: dict) -> dict[str, int]:
    after = hub.stats()
    return {k: after.get(k, 0) - before.get(k, 0) for k in after
            if k.startswith("route:") and after.get(k, 0) != before.get(k, 0)}


def snapshots(db: Path) -> dict[str, tuple[set, dict]]:
    """snapshot_at → (model id and sha pairs, class counts by method): what a read-back must keep."""
    out = {}
    for scan_id, at in query(db, "SELECT scan_id, snapshot_at FROM scans WHERE status = 'complete'"):
        models = query(db, f"SELECT model_id, sha, files FROM snapshot_models WHERE scan_id = {scan_id}")
        classes = query(db, f"SELECT method, class, count(*) FROM model_classes WHERE scan_id = {scan_id} "
                            "AND method IN ('files', 'tags') GROUP BY ALL")
        out[str(at)] = ({(m, s, tuple(f or ())) for m, s, f in models}, {(m, c): n for m, c, n in classes})
    return out


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory, hub: FakeHub, env: dict[str, str],
              series: tuple[Path, dict, dict]) -> tuple[Path, list[str], dict[str, str]]:
    """The three imported dumps, published by `hfscan publish` to PUBLISHED: (source db, the
    snapshot files in the repo, an env that reads anonymously)."""
    source = Path(shutil.copy(series[0], tmp_path_factory.mktemp("publisher") / "hfscan.duckdb"))
    token = hub.hub.uploads.add_user("reader")
    result = run_cli(["publish", "--repo", PUBLISHED, "--db", str(source)],
                     env={**env, "HF_TOKEN": token, "HF_HUB_DISABLE_XET": "1"})
    assert result.code == 0, result.stderr
    repo = hub.hub.datasets[PUBLISHED]
    files = sorted(p for p in repo.files(repo.head) if p.startswith("data/") and p.endswith(".parquet"))
    assert len(files) == 3
    return source, files, env


def test_read_back_by_path_costs_one_listing_and_one_download_per_snapshot(
        hub: FakeHub, published: tuple[Path, list[str], dict[str, str]], tmp_path: Path) -> None:
    source, files, env = published
    db = tmp_path / "read_back.duckdb"
    before = hub.stats()
    result = hf_import(db, env, PUBLISHED, "--json")
    assert result.code == 0, result.stderr
    # One repo info (recognises the layout, pins the head), one tree listing of data/ (one page
    # here), one GET per snapshot file: no commit walk, no paths-info, no HEAD before a download.
    assert routes(hub, before) == {"route:dataset": 1, "route:dataset_tree": 1, "route:dataset_resolve": len(files)}
    summary = json.loads(result.stdout)
    assert (summary["imported"], summary["skipped"]) == (3, 0)
    # One outcome per snapshot folder, naming the files it was read from.
    assert sorted(f for r in summary["revisions"] for f in r["files"]) == files
    assert [r["path"] for r in summary["revisions"]] == [f.rsplit("/", 1)[0] + "/" for f in files]
    assert snapshots(db) == snapshots(source)

    before = hub.stats()
    again = hf_import(db, env, PUBLISHED, "--json")
    assert again.code == 0, again.stderr
    assert routes(hub, before) == {"route:dataset": 1, "route:dataset_tree": 1}  # downloads nothing
    assert (json.loads(again.stdout)["imported"], json.loads(again.stdout)["skipped"]) == (0, 3)
    assert snapshots(db) == snapshots(source)


def test_a_snapshot_imported_by_its_file_is_already_stored(
        hub: FakeHub, published: tuple[Path, list[str], dict[str, str]], tmp_path: Path) -> None:
    source, files, env = published
    db = tmp_path / "partly.duckdb"
    assert hf_import(db, env, PUBLISHED, "--file", files[1]).code == 0  # the walk, for one file
    before = hub.stats()
    result = hf_import(db, env, PUBLISHED, "--json")
    assert result.code == 0, result.stderr
    assert routes(hub, before)["route:dataset_resolve"] == 2
    summary = json.loads(result.stdout)
    assert (summary["imported"], summary["skipped"]) == (2, 1)
    assert [r["files"] for r in summary["revisions"] if r["status"] == "skipped"] == [[files[1]]]
    assert snapshots(db) == snapshots(source)


def test_dry_run_of_a_published_repo_lists_the_bytes_and_downloads_nothing(
        hub: FakeHub, published: tuple[Path, list[str], dict[str, str]], tmp_path: Path) -> None:
    _, files, env = published
    before = hub.stats()
    result = hf_import(tmp_path / "dry.duckdb", env, PUBLISHED, "--dry-run", "--json")
    assert result.code == 0, result.stderr
    assert routes(hub, before) == {"route:dataset": 1, "route:dataset_tree": 1}
    summary = json.loads(result.stdout)
    repo = hub.hub.datasets[PUBLISHED]
    assert summary["planned"] == 3 and summary["bytes"] == sum(len(repo.body(repo.head, f)) for f in files)


def test_a_snapshot_folder_of_several_files_is_one_snapshot(
        hub: FakeHub, published: tuple[Path, list[str], dict[str, str]], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """DuckDB's partitioned COPY may write a folder as several files (data_0, data_1, ...): they are
    one snapshot, one download each."""
    import huggingface_hub.constants
    import pyarrow.parquet as pq
    from huggingface_hub import CommitOperationAdd, HfApi

    source, files, env = published
    repo = hub.hub.datasets[PUBLISHED]
    whole = tmp_path / "whole.parquet"
    whole.write_bytes(repo.body(repo.head, files[0]))
    table = pq.read_table(whole)
    halves = [table.slice(0, table.num_rows // 2), table.slice(table.num_rows // 2)]
    folder = files[0].rsplit("/", 1)[0]
    operations = []
    for number, half in enumerate(halves):
        pq.write_table(half, tmp_path / f"half-{number}.parquet")
        operations.append(CommitOperationAdd(f"{folder}/data_{number}.parquet", str(tmp_path / f"half-{number}.parquet")))
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_DISABLE_XET", True)  # the fake has no Xet storage
    api = HfApi(endpoint=hub.url, token=hub.hub.uploads.add_user("splitter"))
    api.create_repo("splitter/split", repo_type="dataset")
    api.create_commit("splitter/split", operations, commit_message="one snapshot, two files", repo_type="dataset")

    db = tmp_path / "split.duckdb"
    before = hub.stats()
    result = hf_import(db, env, "splitter/split", "--json")
    assert result.code == 0, result.stderr
    assert routes(hub, before)["route:dataset_resolve"] == 2
    (outcome,) = json.loads(result.stdout)["revisions"]
    assert outcome["files"] == [f"{folder}/data_0.parquet", f"{folder}/data_1.parquet"]
    assert len(outcome["scan_ids"]) == 1
    at = query(source, "SELECT snapshot_at FROM scans WHERE scan_id = "
                       f"{int(folder.rsplit('=', 1)[1])}")[0][0]
    assert snapshots(db) == {str(at): snapshots(source)[str(at)]}
