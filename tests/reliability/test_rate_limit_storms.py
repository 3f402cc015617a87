"""429 storms: long runs of rate-limit answers, with `RateLimit` headers and with `Retry-After` only.

A storm the client can outwait ends in a complete snapshot equal to the planted listing; one that
outlasts the client's patience (30 consecutive 429s for one request) stops the scan cleanly with
one line, nothing half-stored, and the next run resumes where it stopped.
(Windows of 0 seconds and HFSCAN_RATE_LIMIT_MARGIN=0.01 instead of the 1 s waited past a reset keep
the test fast; the waiting itself is tested in tests/crawl/test_quota.py, the +1 s in
tests/crawl/test_hub_access.py.)
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hfscan.testing.fakehub import FakeHub
from tests.crawl.helpers import query, run_cli, scan_args, snapshot_rows

FAST_RESETS = {"HFSCAN_RATE_LIMIT_MARGIN": "0.01"}
STORMS = {
    "ratelimit-headers": {"kind": "429", "route": "listing", "every": 1, "count": 60, "reset": 0},
    "retry-after-only": {"kind": "429", "route": "listing", "every": 1, "count": 60, "retry_after": 0,
                         "ratelimit": False},
}


@pytest.mark.parametrize("storm", list(STORMS), ids=list(STORMS))
def test_a_storm_the_client_outwaits_ends_in_a_complete_snapshot(hub: FakeHub, db: Path, storm: str) -> None:
    # 25 rate-limit answers in a row to the first page's request, then the storm is over.
    hub.set_faults([{**STORMS[storm], "count": 25}])
    result = run_cli([*scan_args(hub, db, "--page-size", "200"), "--json"], env=FAST_RESETS)
    assert result.code == 0, result.stderr
    assert hub.stats()["faults_fired"] == 25
    assert {m for m, _ in snapshot_rows(db)} == set(hub.model_ids())
    assert json.loads(result.stdout)["requests"] == 25 + 1200 // 200


@pytest.mark.parametrize("storm", list(STORMS), ids=list(STORMS))
def test_a_storm_longer_than_the_clients_patience_stops_cleanly_and_resumes(hub: FakeHub, db: Path,
                                                                            storm: str) -> None:
    hub.set_faults([{**STORMS[storm], "every": None, "page": 3, "count": 31}])
    failed = run_cli(scan_args(hub, db, "--page-size", "200"), env=FAST_RESETS)
    assert failed.code == 3, failed.stderr
    errors = [line for line in failed.stderr.splitlines() if line.startswith("hfscan: error:")]
    assert errors == [errors[0]] and "listing page 3: still rate limited after 31 waits" in errors[0]
    assert "Traceback" not in failed.stderr and failed.stdout == ""
    assert query(db, "SELECT count(*) FROM snapshot_models")[0][0] == 0  # no snapshot with pages missing
    state = json.loads(run_cli(["status", "--db", str(db), "--json"]).stdout)["in_progress"]
    assert state["state"] == "interrupted" and state["pages"] == 2
    hub.clear_faults()
    resumed = run_cli([*scan_args(hub, db, "--page-size", "200"), "--json"], env=FAST_RESETS)
    assert resumed.code == 0, resumed.stderr
    assert json.loads(resumed.stdout)["resumed"] is True
    assert {m for m, _ in snapshot_rows(db)} == set(hub.model_ids())
    assert query(db, "SELECT count(*) - count(DISTINCT model_id) FROM latest_models")[0][0] == 0
