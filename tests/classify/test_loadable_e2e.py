"""Method loadable end to end: scan the fake Hub (expand=config), classify, and compare `shares
--method loadable` for both transformers lines with the truth planted from components; then
`frameworks update` against the fake's transformers-metadata dataset, and again."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from hfscan.testing.fakehub import FakeHub
from hfscan.testing.fakehub.metadata_repo import METADATA_REPO, revision_sha, table_at
from tests.crawl.helpers import query, run_cli, scan_args


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FakeHub, Path]]:
    db = tmp_path_factory.mktemp("loadable") / "hfscan.duckdb"
    with FakeHub(models=1500, seed=16) as hub:
        result = run_cli(scan_args(hub, db))
        assert result.code == 0, result.stderr
        yield hub, db


def shares(db: Path, *args: str) -> dict:
    result = run_cli(["shares", "--db", str(db), "--json", "--method", "loadable", *args])
    assert result.code == 0, result.stderr
    return json.loads(result.stdout)


def assert_equals_truth(db: Path, truth: dict) -> None:
    for line, key in (("4.57", "loadable"), ("5", "loadable_v5")):
        got = shares(db, "--transformers", line)
        assert got["transformers"] == line
        assert got["counts"] == {k: truth[key].get(k, 0) for k in got["counts"]}, line
        assert got["neither_breakdown"] == {k: v for k, v in truth[f"{key}_neither"].items()}, line
    tf = query(db, "SELECT tf_weights, tf_loadable, tf_loadable_direct FROM weights_vs_loadable "
                   "WHERE scan_id = (SELECT scan_id FROM latest_scan)")[0]
    assert dict(zip(("tf_weights", "tf_loadable", "tf_loadable_direct"), tf, strict=True)) == \
        truth["weights_vs_loadable"]


def test_loadable_equals_the_planted_truth_for_both_lines(scanned: tuple[FakeHub, Path]) -> None:
    hub, db = scanned
    truth = hub.truth()
    # The planted population exercises every path and reason (else the comparison proves little).
    reasons = set(truth["loadable_neither"]) | set(truth["loadable_v5_neither"])
    assert {"no_config", "unknown_model_type", "no_loadable_weights", "removed_in_v5"} <= reasons
    assert truth["loadable"].get("tensorflow_only", 0) + truth["loadable"].get("both", 0) > 0
    assert_equals_truth(db, truth)
    # v5: nothing loads from TF through transformers; Keras / SavedModel repos keep their files class.
    assert query(db, "SELECT count(*) FILTER (has_tf AND basis = 'transformers'), count(*) FILTER (has_tf) "
                     "FROM latest_classes WHERE method = 'loadable_v5'")[0] == (0, truth["loadable_v5"].get(
                         "tensorflow_only", 0) + truth["loadable_v5"].get("both", 0))


def test_tf_loadability_exceeds_tf_weights(scanned: tuple[FakeHub, Path]) -> None:
    """The point of the method: far more models load from TF (from_pt, pt safetensors) than ship TF weights."""
    _, db = scanned
    got = shares(db)
    assert got["tf_loadable_opt_in"] > 0 and got["tf_loadable_direct"] > 0
    row = query(db, "SELECT tf_weights, tf_loadable, tf_loadable_v5 FROM weights_vs_loadable")[0]
    assert row[1] > row[0] > 0 and row[2] == 0


def test_frameworks_update_end_to_end(scanned: tuple[FakeHub, Path]) -> None:
    hub, db = scanned
    repo = hub.hub.dataset(METADATA_REPO)
    for label in ("old", "v5", "4.57"):
        sha = revision_sha(repo, label)
        result = run_cli(["frameworks", "update", "--db", str(db), "--endpoint", hub.url, "--revision", sha,
                          "--json"])
        assert result.code == 0, result.stderr
        out = json.loads(result.stdout)
        table = table_at(label)
        assert out["revision"] == sha and out["changed"]
        assert (out["model_types"], out["tensorflow"]) == (len(table), sum(t[1] for t in table.values()))
        stored = query(db, "SELECT count(*), any_value(revision_date) FROM framework_tables WHERE revision = "
                           f"'{sha}'")[0]
        assert stored[0] == len(table) and stored[1] is not None
        assert_equals_truth(db, hub.truth(frameworks=table))
    # The same revision again changes nothing; main resolves to the newest commit (the v5 table).
    again = run_cli(["frameworks", "update", "--db", str(db), "--endpoint", hub.url, "--revision",
                     revision_sha(repo, "4.57"), "--json"])
    assert again.code == 0 and not json.loads(again.stdout)["changed"]
    main = run_cli(["frameworks", "update", "--db", str(db), "--endpoint", hub.url, "--json"])
    assert main.code == 0, main.stderr
    assert json.loads(main.stdout)["revision"] == revision_sha(repo, "v5")


def test_frameworks_update_bad_revision_is_one_line(scanned: tuple[FakeHub, Path]) -> None:
    hub, db = scanned
    result = run_cli(["frameworks", "update", "--db", str(db), "--endpoint", hub.url, "--revision", "0" * 40])
    assert result.code == 2
    assert "Traceback" not in result.stderr and result.stderr.startswith("hfscan: error:")


def test_transformers_needs_loadable(scanned: tuple[FakeHub, Path]) -> None:
    _, db = scanned
    result = run_cli(["shares", "--db", str(db), "--method", "files", "--transformers", "5"])
    assert result.code == 2 and "--method loadable" in result.stderr
    result = run_cli(["shares", "--db", str(db), "--method", "loadable", "--transformers", "4.2"])
    assert result.code == 2 and "4.57" in result.stderr
