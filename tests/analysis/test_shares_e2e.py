"""Scan the fake Hub, classify, and compare every count with the truth the fake Hub planted."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from hfscan.testing.fakehub import FakeHub
from tests.crawl.helpers import query, run_cli, scan_args


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FakeHub, Path]]:
    db = tmp_path_factory.mktemp("shares") / "hfscan.duckdb"
    with FakeHub(models=1500, seed=21) as hub:
        result = run_cli(scan_args(hub, db))
        assert result.code == 0, result.stderr
        yield hub, db


def shares(db: Path, *args: str) -> dict:
    result = run_cli(["shares", "--db", str(db), "--json", *args])
    assert result.code == 0, result.stderr
    return json.loads(result.stdout)


def test_files_method_equals_the_planted_truth(scanned: tuple[FakeHub, Path]) -> None:
    hub, db = scanned
    truth = hub.truth()
    got = shares(db, "--method", "files")
    assert got["counts"] == {k: truth["files"].get(k, 0) for k in got["counts"]}
    assert got["neither_breakdown"] == truth["files_neither"]
    assert got["pt_attributed"] == truth["pt_attributed"]
    assert got["population"] == truth["models"] - truth["files"]["neither"]
    assert abs(sum(got["shares"].values()) - 100) < 0.05


def test_tags_method_equals_the_planted_truth(scanned: tuple[FakeHub, Path]) -> None:
    hub, db = scanned
    truth = hub.truth()
    got = shares(db, "--method", "tags")
    assert got["counts"] == {k: truth["tags"].get(k, 0) for k in got["counts"]}


def test_header_method_after_probing_equals_the_planted_headers(scanned: tuple[FakeHub, Path]) -> None:
    hub, db = scanned
    probe = run_cli(["probe", "--db", str(db), "--endpoint", hub.url, "--sample", "150", "--retry-wait", "0.01",
                     "--json"])
    assert probe.code == 0, probe.stderr
    per_model = {m["id"]: m for m in hub.truth(per_model=True)["per_model"]}
    classes = dict(query(db, "SELECT model_id, class FROM latest_classes WHERE method = 'header'"))
    assert len(classes) >= 100  # files with no __metadata__ give no answer; the rest must
    assert classes == {model_id: per_model[model_id]["header_class"] for model_id in classes}
    got = shares(db, "--method", "header")
    assert got["counts"] == {k: sum(c == k for c in classes.values()) for k in got["counts"]}
    low, high = got["intervals"]["pytorch_only"]
    assert low <= got["shares"]["pytorch_only"] <= high


def test_bad_method_and_missing_scan_are_one_line_errors(scanned: tuple[FakeHub, Path], tmp_path: Path) -> None:
    _, db = scanned
    bad = run_cli(["shares", "--db", str(db), "--method", "vibes"])
    assert bad.code == 2 and "'vibes' is not one of" in bad.stderr and "Traceback" not in bad.stderr
    missing = run_cli(["shares", "--db", str(db), "--scan", "99"])
    assert missing.code == 2 and "scan 99" in missing.stderr
    none = run_cli(["shares", "--db", str(tmp_path / "nothing.duckdb")])
    assert none.code != 0 and "Traceback" not in none.stderr


@pytest.mark.parametrize("method", ["files", "tags"])
def test_the_shares_view_and_the_headline_state_one_population(scanned: tuple[FakeHub, Path], method: str) -> None:
    """The SQL surface (`shares`, `cohort_shares`) and `hfscan shares` divide by the same population."""
    hub, db = scanned
    got = shares(db, "--method", method)
    row = query(db, "SELECT population, pytorch_only_pct, tensorflow_only_pct, both_pct FROM shares "
                f"WHERE method = '{method}' AND scan_id = {got['scan_id']}")[0]
    assert row[0] == got["population"] == sum(hub.truth()[method].get(k, 0) for k in got["shares"])
    assert list(row[1:]) == pytest.approx(list(got["shares"].values()), abs=0.006)
    cohorts = query(db, f"SELECT sum(population) FROM cohort_shares WHERE method = '{method}'")[0][0]
    assert cohorts == got["population"]
    assert query(db, "SELECT rules_version FROM current_rules")[0][0] == got["rules_version"]
