"""`hfscan scan` end to end against the fake Hub: real HTTP, real huggingface_hub session, real DuckDB.

Every expectation comes from what the fake Hub planted (its listing and its truth), never from an
earlier hfscan run.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hfscan.testing.fakehub import FakeHub
from tests.crawl.helpers import query, run_cli, scan_args, snapshot_rows


def test_full_scan_stores_every_model_once_with_the_clamp(hub: FakeHub, db: Path) -> None:
    result = run_cli([*scan_args(hub, db, "--page-size", "200"), "--json"])
    assert result.code == 0, result.stderr
    summary = json.loads(result.stdout)
    truth = hub.truth()
    assert summary["models"] == truth["models"] == len(hub.model_ids())
    assert summary["rejects"] == 0
    assert summary["pages"] == -(-truth["models"] // 200)
    rows = snapshot_rows(db)
    assert {m for m, _ in rows} == set(hub.model_ids())
    (dupes,) = query(db, "SELECT count(*) - count(DISTINCT model_id) FROM latest_models")[0]
    assert dupes == 0
    (clamped,) = query(db, "SELECT count(*) FROM latest_models WHERE created_at_clamped")[0]
    assert clamped == truth["clamped"]
    status = run_cli(["status", "--db", str(db), "--check", "--json"])
    assert status.code == 0, status.stderr
    assert json.loads(status.stdout)["check"]["problems"] == []


def test_an_unchanged_second_scan_stores_no_new_version(hub: FakeHub, db: Path) -> None:
    first = run_cli([*scan_args(hub, db), "--json"])
    assert first.code == 0, first.stderr
    size_after_first = db.stat().st_size
    second = run_cli([*scan_args(hub, db), "--json"])
    assert second.code == 0, second.stderr
    assert json.loads(second.stdout)["new_versions"] == 0
    assert snapshot_rows(db, 1) == snapshot_rows(db, 2)
    (versions,) = query(db, "SELECT count(*) FROM repo_versions")[0]
    assert versions == hub.truth()["models"]
    # Membership rows and counters only: far less than the first snapshot.
    assert db.stat().st_size - size_after_first < 0.5 * size_after_first


def test_a_failed_page_leaves_the_cursor_and_the_next_run_resumes(hub: FakeHub, db: Path) -> None:
    hub.set_faults([{"kind": "5xx", "route": "listing", "page": 3, "count": 100, "status": [503]}])
    failed = run_cli(scan_args(hub, db, "--page-size", "200", "--max-retries", "2"))
    assert failed.code == 3, failed.stderr
    assert failed.stdout == ""
    error_lines = [line for line in failed.stderr.splitlines() if line.startswith("hfscan: error:")]
    assert len(error_lines) == 1 and error_lines[0].startswith("hfscan: error: listing page 3:")
    assert "waiting" in failed.stderr  # the retries were announced before giving up
    assert "Traceback" not in failed.stderr
    # Nothing of the unfinished scan is visible; two pages wait in the staging file.
    assert query(db, "SELECT count(*) FROM snapshot_models")[0][0] == 0
    status = json.loads(run_cli(["status", "--db", str(db), "--json"]).stdout)
    assert status["in_progress"]["state"] == "interrupted"
    assert status["in_progress"]["pages"] == 2
    hub.clear_faults()
    resumed = run_cli([*scan_args(hub, db, "--page-size", "200"), "--json"])
    assert resumed.code == 0, resumed.stderr
    summary = json.loads(resumed.stdout)
    assert summary["resumed"] is True
    assert summary["scan_id"] == 1
    assert {m for m, _ in snapshot_rows(db)} == set(hub.model_ids())
    assert query(db, "SELECT count(*) - count(DISTINCT model_id) FROM latest_models")[0][0] == 0


@pytest.mark.parametrize(
    "fault",
    [
        {"kind": "429", "route": "listing", "every": 2, "count": 4, "reset": 1},
        {"kind": "429", "route": "listing", "every": 2, "count": 3, "retry_after": 1, "ratelimit": False},
        {"kind": "5xx", "route": "listing", "every": 2, "count": 4, "status": [500, 502, 503, 504]},
        {"kind": "drop", "route": "listing", "page": 2, "count": 2},
        {"kind": "truncate", "route": "listing", "page": 3, "count": 2},
        {"kind": "html200", "route": "listing", "page": 4, "count": 1},
    ],
    ids=["429-ratelimit", "429-retry-after", "5xx-burst", "dropped-mid-body", "truncated-json", "html-200"],
)
def test_transient_faults_are_retried_and_the_snapshot_is_complete(hub: FakeHub, db: Path, fault: dict) -> None:
    hub.set_faults([fault])
    result = run_cli([*scan_args(hub, db, "--page-size", "200"), "--json"])
    assert result.code == 0, result.stderr
    assert {m for m, _ in snapshot_rows(db)} == set(hub.model_ids())
    assert hub.stats()["faults_fired"], "the fault never fired: the test would prove nothing"


def test_a_malformed_item_is_kept_as_a_reject_and_the_rest_stored(hub: FakeHub, db: Path) -> None:
    hub.set_faults([{"kind": "malformed_item", "route": "listing", "page": 2, "count": 1}])
    result = run_cli([*scan_args(hub, db, "--page-size", "200"), "--json"])
    assert result.code == 0, result.stderr
    assert hub.stats()["faults_fired"] == 1
    # Planted: the fake spoils the middle item of page 2 (listed newest first, 200 a page).
    listing_order = list(reversed(hub.model_ids()))
    spoiled = listing_order[200 + 200 // 2]
    assert json.loads(result.stdout)["rejects"] == 1
    reason, raw = query(db, "SELECT reason, raw FROM rejects")[0]
    assert "siblings" in reason
    assert json.loads(raw)["id"] == spoiled
    assert {m for m, _ in snapshot_rows(db)} == set(hub.model_ids()) - {spoiled}


def test_incremental_after_churn_equals_a_full_scan(hub: FakeHub, tmp_path: Path) -> None:
    inc_db, full_db = tmp_path / "inc.duckdb", tmp_path / "full.duckdb"
    assert run_cli(scan_args(hub, inc_db)).code == 0
    before = set(hub.model_ids())
    hub.set_epoch(1)
    after = set(hub.model_ids())
    assert after != before, "the churn changed nothing: the test would prove nothing"
    inc = run_cli([*scan_args(hub, inc_db, "--incremental"), "--json"])
    assert inc.code == 0, inc.stderr
    summary = json.loads(inc.stdout)
    assert summary["kind"] == "incremental"
    assert summary["carried_forward"] > 0
    assert summary["listed"] < len(after)
    assert run_cli(scan_args(hub, full_db)).code == 0
    full_rows = snapshot_rows(full_db)
    inc_rows = snapshot_rows(inc_db)
    # Equal for every model that still exists; deleted ones are only dropped by full scans.
    assert {r for r in inc_rows if r[0] in after} == full_rows
    assert {m for m, _ in inc_rows} - after == before - after


def test_a_bad_token_is_one_line_and_exit_3(hub: FakeHub, db: Path) -> None:
    hub.set_faults([{"kind": "401", "route": "listing", "page": 1, "count": 1}])
    result = run_cli(scan_args(hub, db), env={"HF_TOKEN": "hf_" + "x" * 30})
    assert result.code == 3
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 2  # the error and its hint
    assert "HF_TOKEN" in result.stderr
    assert "hf_xxxx" not in result.stderr
