"""Backfill from the two published series, as the fake Hub serves them with their real shapes:
`hfmlsoc/hub_weekly_snapshots` (by path, 8 weeks) and `cfahlgren1/hub-stats` (by revision, 8 days).

Every imported week or day is checked against the truth planted for its epoch; versions are
identified by content (the dumps have no sha).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hfscan.testing.fakehub import FakeHub
from hfscan.testing.fakehub.population import BASE_END, DAY, HOSTILE_TEXT
from hfscan.testing.fakehub.series_repos import (
    DAILY_EPOCHS,
    DAILY_REPO,
    WEEKLY_EPOCHS,
    WEEKLY_PATTERN,
    WEEKLY_REPO,
    date_of,
    model_type_truth,
)
from hfscan.testing.fakehub.truth import iter_models, loadable_class, truth, vendored_frameworks
from tests.crawl.helpers import CliResult, query, run_cli, scan_args


@pytest.fixture(scope="module")
def hub() -> Iterator[FakeHub]:
    with FakeHub(models=300, seed=41, hostile=True) as running:
        yield running


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory, hub: FakeHub) -> dict[str, str]:
    home = tmp_path_factory.mktemp("hf_home")
    return {"HF_ENDPOINT": hub.url, "HF_HOME": str(home), "HF_TOKEN_PATH": str(home / "no-token"),
            "HF_HUB_DISABLE_TELEMETRY": "1", "HF_TOKEN": "", "TMPDIR": str(home)}


def hf_import(db: Path, env: dict[str, str], *args: str) -> CliResult:
    return run_cli(["import", "hf-dataset", "--db", str(db), *args], env=env)


def class_counts(db: Path, scan_id: int, method: str) -> dict[str, int]:
    return dict(query(db, f"SELECT class, count(*) FROM model_classes WHERE scan_id = {scan_id} "
                          f"AND method = '{method}' GROUP BY 1"))


def day(epoch: int) -> datetime:
    return datetime.fromtimestamp(BASE_END + epoch * DAY, UTC).replace(tzinfo=None)


def content(hub: FakeHub, epoch: int) -> dict[str, tuple]:
    """model id → what identifies its version in a sha-less dump (files, tags, library, lastModified)."""
    return {m.id: (tuple(sorted(m.files())), tuple(sorted(m.tags())), m.library_name, m.head.date)
            for m in iter_models(hub.population, epoch)}


@pytest.fixture(scope="module")
def weekly(tmp_path_factory: pytest.TempPathFactory, hub: FakeHub, env: dict[str, str]) -> tuple[Path, dict]:
    db = tmp_path_factory.mktemp("weekly") / "hfscan.duckdb"
    result = hf_import(db, env, WEEKLY_REPO, "--files", WEEKLY_PATTERN, "--json")
    assert result.code == 0, result.stderr
    return db, json.loads(result.stdout)


def test_each_week_by_path_is_a_snapshot_equal_to_its_truth(hub: FakeHub, weekly: tuple[Path, dict]) -> None:
    db, summary = weekly
    assert summary["imported"] == len(WEEKLY_EPOCHS) == 8
    rows = query(db, "SELECT scan_id, kind, status, source, snapshot_at, methods, models FROM scans ORDER BY snapshot_at")
    assert len(rows) == 8
    for (scan_id, kind, status, source, snapshot_at, methods, models), epoch in zip(rows, WEEKLY_EPOCHS, strict=True):
        planted = truth(hub.population, epoch)
        assert (kind, status, methods, snapshot_at) == ("import", "complete", ["files", "tags", "loadable"], day(epoch))
        assert source.startswith(f"hf-dataset:{WEEKLY_REPO}@") and source.endswith(f"/models/{date_of(epoch)}/models.parquet")
        assert models == planted["models"]
        assert class_counts(db, scan_id, "files") == planted["files"]
        assert class_counts(db, scan_id, "tags") == planted["tags"]
        types = dict(query(db, f"SELECT model_id, config_model_type FROM snapshot_models WHERE scan_id = {scan_id} "
                               "AND config_model_type IS NOT NULL"))
        assert types == model_type_truth(hub.population, epoch)
        # The dumps carry configs and file lists: method loadable (both transformers lines) as planted,
        # with the dump's model types (its hostile ones included: unknown types).
        dumped = model_type_truth(hub.population, epoch)
        for line, method in (("4.57", "loadable"), ("5", "loadable_v5")):
            expected = Counter(loadable_class(m.head.components, m.library_name, dumped.get(m.id), vendored_frameworks(),
                                              line)["class"] for m in iter_models(hub.population, epoch))
            assert class_counts(db, scan_id, method) == dict(expected), method
    # No sha in the dumps: stored as NULL, never invented.
    assert query(db, "SELECT count(*) FROM snapshot_models WHERE sha IS NOT NULL")[0][0] == 0


def test_a_week_without_changes_reuses_the_version(hub: FakeHub, weekly: tuple[Path, dict]) -> None:
    db, summary = weekly
    seen: set[tuple] = set()
    for outcome, epoch in zip(summary["revisions"], WEEKLY_EPOCHS, strict=True):
        keys = {(model_id, key) for model_id, key in content(hub, epoch).items()}
        assert outcome["new_versions"] == len(keys - seen), epoch
        seen |= keys
    first, second = (r[0] for r in query(db, "SELECT scan_id FROM scans ORDER BY snapshot_at LIMIT 2"))
    before, after = content(hub, WEEKLY_EPOCHS[0]), content(hub, WEEKLY_EPOCHS[1])
    versions = query(db, f"""SELECT a.model_id, a.version_id = b.version_id FROM snapshot_models a
                             JOIN snapshot_models b USING (model_id) WHERE a.scan_id = {first} AND b.scan_id = {second}""")
    assert versions and all(same == (before[m] == after[m]) for m, same in versions)
    assert any(same for _, same in versions) and not all(same for _, same in versions)


def test_importing_the_same_weeks_again_adds_nothing(weekly: tuple[Path, dict], env: dict[str, str]) -> None:
    db, _ = weekly
    scans = query(db, "SELECT scan_id, models FROM scans ORDER BY scan_id")
    versions = query(db, "SELECT count(*) FROM repo_versions")[0][0]
    again = hf_import(db, env, WEEKLY_REPO, "--files", WEEKLY_PATTERN, "--json")
    assert again.code == 0, again.stderr
    assert (json.loads(again.stdout)["imported"], json.loads(again.stdout)["skipped"]) == (0, 8)
    assert query(db, "SELECT scan_id, models FROM scans ORDER BY scan_id") == scans
    assert query(db, "SELECT count(*) FROM repo_versions")[0][0] == versions


def test_the_same_day_from_the_other_series_reuses_every_version(hub: FakeHub, weekly: tuple[Path, dict],
                                                                 env: dict[str, str], tmp_path: Path) -> None:
    """The daily file of a week's day holds the same content: a second snapshot, no new version."""
    db, _ = weekly
    versions = query(db, "SELECT count(*) FROM repo_versions")[0][0]
    repo = hub.hub.dataset(DAILY_REPO)
    sha = next(c.sha for c in repo.commits if c.content("models.parquet") == ("real", WEEKLY_EPOCHS[1]))
    result = hf_import(db, env, DAILY_REPO, "--revision", sha, "--json")
    assert result.code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["imported"] == 1 and summary["new_versions"] == 0
    assert query(db, "SELECT count(*) FROM repo_versions")[0][0] == versions
    sources = query(db, "SELECT kind, source FROM scans WHERE snapshot_at::DATE = "
                        f"DATE '{date_of(WEEKLY_EPOCHS[1])}' ORDER BY scan_id")
    assert len(sources) == 2 and {k for k, _ in sources} == {"import"}  # both kept, each with its source
    assert sources[0][1] != sources[1][1]


def test_daily_revisions_each_equal_their_truth(hub: FakeHub, env: dict[str, str], tmp_path: Path) -> None:
    db = tmp_path / "daily.duckdb"
    result = hf_import(db, env, DAILY_REPO, "--json")
    assert result.code == 0, result.stderr
    assert json.loads(result.stdout)["imported"] == len(DAILY_EPOCHS) == 8  # the README commit is no revision
    rows = query(db, "SELECT scan_id, models, snapshot_at FROM scans ORDER BY snapshot_at")
    for (scan_id, models, snapshot_at), epoch in zip(rows, DAILY_EPOCHS, strict=True):
        planted = truth(hub.population, epoch)
        assert models == planted["models"] and snapshot_at.date() == day(epoch).date()
        assert class_counts(db, scan_id, "files") == planted["files"]
        assert class_counts(db, scan_id, "tags") == planted["tags"]


def test_dry_run_lists_files_and_bytes_and_downloads_nothing(hub: FakeHub, env: dict[str, str], tmp_path: Path) -> None:
    db = tmp_path / "dry.duckdb"
    before = hub.stats().get("route:dataset_resolve", 0)
    result = hf_import(db, env, WEEKLY_REPO, "--files", WEEKLY_PATTERN, "--since", date_of(7), "--until",
                       date_of(35), "--dry-run", "--json")
    assert result.code == 0, result.stderr
    assert hub.stats().get("route:dataset_resolve", 0) == before
    summary = json.loads(result.stdout)
    repo = hub.hub.dataset(WEEKLY_REPO)
    paths = [f"models/{date_of(e)}/models.parquet" for e in (7, 14, 21, 28, 35)]
    assert [o["path"] for o in summary["revisions"]] == paths
    assert [o["status"] for o in summary["revisions"]] == ["planned"] * 5
    assert summary["bytes"] == sum(len(repo.body(repo.head, p)) for p in paths) and summary["bytes_unknown"] == 0
    assert query(db, "SELECT count(*) FROM scans")[0][0] == 0
    text = hf_import(db, env, WEEKLY_REPO, "--files", WEEKLY_PATTERN, "--every", "month", "--dry-run")
    assert text.code == 0, text.stderr
    months = sorted({date_of(e)[:7] for e in WEEKLY_EPOCHS})
    assert f"would import {len(months)} version(s)" in text.stdout
    assert [line.split()[1] for line in text.stderr.splitlines() if "would download" in line] == [
        next(f"models/{date_of(e)}/models.parquet" for e in WEEKLY_EPOCHS if date_of(e)[:7] == m) for m in months]


def test_card_data_is_stored_only_when_asked(hub: FakeHub, env: dict[str, str], tmp_path: Path) -> None:
    week = ["--files", WEEKLY_PATTERN, "--last", "1"]
    plain, kept = tmp_path / "plain.duckdb", tmp_path / "kept.duckdb"
    assert hf_import(plain, env, WEEKLY_REPO, *week).code == 0
    assert query(plain, "SELECT count(*) FROM version_card_data")[0][0] == 0
    result = hf_import(kept, env, WEEKLY_REPO, *week, "--keep-card-data")
    assert result.code == 0, result.stderr
    models = truth(hub.population, WEEKLY_EPOCHS[-1])["models"]
    assert query(kept, "SELECT count(*) FROM version_card_data")[0][0] == models
    hostile = query(kept, "SELECT count(*) FROM version_card_data WHERE contains(card_data, ?)".replace(
        "?", "'" + HOSTILE_TEXT.replace("'", "''") + "'"))[0][0]
    assert hostile > 0  # stored as data, verbatim


def test_hostile_strings_from_a_dump_stay_inert_in_the_report(weekly: tuple[Path, dict], tmp_path: Path) -> None:
    db, _ = weekly
    assert query(db, "SELECT count(*) FROM snapshot_models WHERE config_model_type = ? OR pipeline_tag = ?"
                 .replace("?", "'" + HOSTILE_TEXT.replace("'", "''") + "'"))[0][0] > 0
    out = tmp_path / "report.html"
    result = run_cli(["report", "--db", str(db), "--out", str(out)])
    assert result.code == 0, result.stderr
    html = out.read_text()
    assert HOSTILE_TEXT not in html
    assert html.count("<script") == html.count("</script>")
    # The timeline marks imported points as such, with their source.
    found = re.findall(r'<script type="application/json" data-chart="chart-by_snapshot">(.*?)</script>', html, re.S)
    rows = next(iter(json.loads(found[0])["datasets"].values()))
    assert {r["origin"] for r in rows} == {"imported dump"}
    sources = {r["source"].split("@")[0] for r in rows}
    assert f"hf-dataset:{WEEKLY_REPO}" in sources and sources <= {f"hf-dataset:{WEEKLY_REPO}", f"hf-dataset:{DAILY_REPO}"}


@pytest.mark.parametrize(("args", "message"), [
    ([WEEKLY_REPO, "--files", "nothing/*/x.parquet"], "no file matches nothing/*/x.parquet"),
    ([WEEKLY_REPO, "--files", WEEKLY_PATTERN, "--since", "2026-13-01"], "is not a date"),
    ([WEEKLY_REPO, "--files", WEEKLY_PATTERN, "--every", "year"], "'year' is not one of"),
    ([WEEKLY_REPO, "--files", WEEKLY_PATTERN, "--since", "2026-12-01", "--until", "2026-11-01"], "is after"),
    ([WEEKLY_REPO, "--files", "*.md"], "no date (YYYY-MM-DD) in README.md"),
])
def test_bad_input_is_one_line_exit_2(args: list[str], message: str, env: dict[str, str], tmp_path: Path) -> None:
    result = hf_import(tmp_path / "bad.duckdb", env, *args)
    assert result.code == 2, result.stderr
    assert result.stdout == "" and "Traceback" not in result.stderr
    first, *rest = result.stderr.strip().splitlines()
    assert first.startswith("hfscan: error: ") and message in first and len(rest) <= 1


def test_imports_and_live_scans_share_the_timeline(hub: FakeHub, env: dict[str, str], tmp_path: Path) -> None:
    db = tmp_path / "mixed.duckdb"
    assert hf_import(db, env, WEEKLY_REPO, "--files", WEEKLY_PATTERN, "--last", "2").code == 0
    assert run_cli(scan_args(hub, db)).code == 0
    assert [k for k, in query(db, "SELECT kind FROM scans ORDER BY scan_id")] == ["import", "import", "full"]
    out = tmp_path / "report.html"
    assert run_cli(["report", "--db", str(db), "--out", str(out)]).code == 0
    found = re.findall(r'<script type="application/json" data-chart="chart-by_snapshot">(.*?)</script>',
                       out.read_text(), re.S)
    rows = next(iter(json.loads(found[0])["datasets"].values()))
    origin = {(r["scan_id"], r["origin"]) for r in rows}
    assert origin == {(1, "imported dump"), (2, "imported dump"), (3, "live scan")}
    assert class_counts(db, 2, "files") == truth(hub.population, WEEKLY_EPOCHS[-1])["files"]
    # The lead chart (shares over time) marks the imported snapshots apart from the live scan too.
    lead = re.findall(r'<script type="application/json" data-chart="chart-timeline">(.*?)</script>', out.read_text(), re.S)
    points = [r for data in json.loads(lead[0])["datasets"].values() for r in data if "series" in r]  # both panels
    marked = {(r["date"], r["series"]) for r in points if r["series"].startswith("complete snapshot")}
    dates = {str(d)[:10]: k for d, k in query(db, "SELECT snapshot_at, kind FROM scans ORDER BY scan_id")}
    assert marked == {(d, "complete snapshot (imported dump)" if k == "import" else "complete snapshot")
                      for d, k in dates.items()}
