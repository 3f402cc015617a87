"""Bugs of the as-of answer, each pinned by the planted fake Hub: the quota loop (repos recorded
gated or gone at their current sha asked again on every run) and a date after the latest snapshot
answered as if the Hub had stood still."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from hfscan.analysis.as_of import SAMPLE_SALT
from hfscan.testing.fakehub import FakeHub
from hfscan.testing.fakehub.truth import iter_models
from tests.analysis.test_as_of import unknown_on
from tests.crawl.helpers import query, run_cli, scan_args

DAY = "2023-06-30"


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FakeHub, Path, list]]:
    db = tmp_path_factory.mktemp("estimate_bugs") / "scanned.duckdb"
    with FakeHub(models=300, seed=5) as hub:
        assert run_cli(scan_args(hub, db)).code == 0
        yield hub, db, list(iter_models(hub.population, 0))


def test_history_as_of_never_asks_again_for_repos_recorded_gated_or_gone_at_their_sha(
        scanned: tuple[FakeHub, Path, list], tmp_path: Path) -> None:
    hub, source, models = scanned
    db = tmp_path / "hfscan.duckdb"
    shutil.copy(source, db)
    unknown = sorted(m.id for m in models if unknown_on(m, DAY))
    assert len(unknown) > 10
    final = unknown[:6]  # recorded final at the current sha by an earlier run
    con = duckdb.connect(str(db))
    try:
        con.execute("""INSERT OR REPLACE INTO history_status
                           (model_id, sha, status, reason, commits, first_commit_at, fetched_at)
                       SELECT model_id, sha, CASE WHEN row_number() OVER (ORDER BY model_id) % 2 = 0
                                                  THEN 'gated' ELSE 'gone' END, 'planted', 0, NULL, now()::TIMESTAMP
                       FROM latest_models WHERE model_id IN (SELECT unnest(?))""", [final])
    finally:
        con.close()
    before = hub.stats().get("route:commits", 0)
    result = run_cli(["history", "--endpoint", hub.url, "--db", str(db), "--retry-wait", "0.01", "--as-of", DAY])
    assert result.code == 0, result.stderr
    assert hub.stats()["route:commits"] - before == len(unknown) - len(final)
    assert query(db, "SELECT count(*) FROM history_status WHERE status IN ('gated', 'gone')") == [(len(final),)]
    # --retry-gated asks the gated ones again (the user may have accepted the gate since); gone stays final.
    before = hub.stats().get("route:commits", 0)
    result = run_cli(["history", "--endpoint", hub.url, "--db", str(db), "--retry-wait", "0.01", "--as-of", DAY,
                      "--retry-gated"])
    assert result.code == 0, result.stderr
    assert hub.stats()["route:commits"] - before == len(final) // 2


def test_a_date_after_the_latest_snapshot_is_refused(scanned: tuple[FakeHub, Path, list]) -> None:
    _, db, _ = scanned
    for args in (["shares", "--as-of", "2030-01-01"], ["shares", "--as-of", "2030-01-01", "--json"]):
        result = run_cli([*args, "--db", str(db)])
        assert result.code == 2 and result.stdout == ""
        errors = [line for line in result.stderr.splitlines() if line.startswith("hfscan: error")]
        assert len(errors) == 1 and "after the latest snapshot" in errors[0] and "Traceback" not in result.stderr


def test_a_sample_is_the_first_repos_of_the_keyed_hash_order_and_a_larger_one_extends_it(
        scanned: tuple[FakeHub, Path, list], tmp_path: Path) -> None:
    """The order is recomputed here from the planted repos (md5 of the salt and the id), not read
    from hfscan: `--sample 8` fetches exactly the first 8 repos the listing cannot answer, `--sample
    20` then only the next 12, and the answer says how many were sampled."""
    hub, source, models = scanned
    db = tmp_path / "hfscan.duckdb"
    shutil.copy(source, db)
    order = sorted((m for m in models if unknown_on(m, DAY)),
                   key=lambda m: (hashlib.md5((SAMPLE_SALT + m.id).encode()).hexdigest(), m.id))
    assert len(order) > 20
    fetched: set[str] = set()
    for n in (8, 20):
        before = hub.stats().get("route:commits", 0)
        result = run_cli(["history", "--endpoint", hub.url, "--db", str(db), "--retry-wait", "0.01", "--as-of", DAY,
                          "--sample", str(n)])
        assert result.code == 0, result.stderr
        assert hub.stats()["route:commits"] - before == n - len(fetched)   # nothing fetched twice
        fetched = {m.id for m in order[:n]}
        assert {r[0] for r in query(db, "SELECT model_id FROM history_status")} == fetched
    answer = run_cli(["shares", "--db", str(db), "--as-of", DAY, "--partial", "--json"])
    assert answer.code == 0, answer.stderr
    got = json.loads(answer.stdout)
    assert got["exact"] is False and got["parts"]["sampled"] == len(order) - 20
    assert got["parts"]["sample"] + got["parts"]["bounded"] == 20
