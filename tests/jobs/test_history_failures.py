"""`hfscan history` when the Hub refuses: each repo's status recorded, failures retried, outages stop.

Ground truth: the clamped repos the fake Hub planted, the access states and faults each test sets.
Everything here goes through the CLI (a subprocess), as cron runs it.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hfscan.testing.fakehub import ALL_GATES, FakeHub
from tests.crawl.helpers import query, run_cli, scan_args

AS_OF = "2021-12-14"
TOKEN = "hf_" + "k" * 30


def _cut(day: str) -> int:
    """The end of the day (UTC) as a POSIX time, as hfscan defines "as of"."""
    return int(datetime.fromisoformat(day).replace(tzinfo=UTC).timestamp()) + 86_399


@pytest.fixture(scope="module")
def scanned_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The scan every test starts from, done once: the same seed plants the same Hub each time."""
    db = tmp_path_factory.mktemp("history_failures") / "hfscan.duckdb"
    with FakeHub(models=300, seed=31) as hub:
        assert run_cli(scan_args(hub, db)).code == 0
    return db


@pytest.fixture
def scanned(scanned_once: Path, tmp_path: Path) -> Iterator[tuple[FakeHub, Path]]:
    """A fresh fake Hub (its own faults and request counts) and a copy of the scanned database."""
    db = tmp_path / "hfscan.duckdb"
    shutil.copy(scanned_once, db)
    with FakeHub(models=300, seed=31) as hub:
        yield hub, db


def history(hub: FakeHub, db: Path, *extra: str, token: str | None = None) -> tuple[int, dict, str]:
    env = {"HF_TOKEN": token} if token else None
    result = run_cli(["history", "--endpoint", hub.url, "--db", str(db), "--retry-wait", "0.01", "--json", *extra],
                     env=env)
    return result.code, (json.loads(result.stdout) if result.stdout else {}), result.stderr


def statuses(db: Path) -> dict[str, str]:
    return dict(query(db, "SELECT model_id, status FROM history_status"))


def clamped(db: Path) -> list[str]:
    return [r[0] for r in query(db, "SELECT model_id FROM latest_models WHERE created_at_clamped ORDER BY model_id")]


def test_a_bad_token_on_every_commit_log_stops_and_the_next_run_fetches_every_repo(
        scanned: tuple[FakeHub, Path]) -> None:
    hub, db = scanned
    repos = clamped(db)
    hub.set_faults([{"kind": "401", "route": "commits", "count": 10**6}])
    code, _, stderr = history(hub, db)
    assert code == 3, stderr
    errors = [line for line in stderr.splitlines() if line.startswith("hfscan: error:")]
    assert len(errors) == 1 and "credentials" in errors[0] and "Traceback" not in stderr
    assert statuses(db) == {}  # nothing recorded: no repo was at fault
    hub.clear_faults()
    before = hub.stats().get("route:commits", 0)
    code, result, stderr = history(hub, db)
    assert code == 0, stderr
    assert result["repos"] == len(repos) and result["skipped_unchanged"] == 0
    assert hub.stats()["route:commits"] - before == len(repos)
    assert set(statuses(db).values()) == {"ok"}
    assert query(db, "SELECT count(*) FROM model_created WHERE created_at_clamped AND true_created_at IS NULL")[0][0] == 0


def test_failed_repos_are_retried_and_a_503_is_never_called_gated(scanned: tuple[FakeHub, Path]) -> None:
    hub, db = scanned
    repos = clamped(db)
    # Two attempts for the first repo fail (--max-retries 1): recorded as an error, not as gated,
    # though the message names the repo and the fault is a plain 503.
    hub.set_faults([{"kind": "5xx", "route": "commits", "count": 2}])
    code, result, stderr = history(hub, db, "--max-retries", "1")
    assert code == 0, stderr
    assert result["failed"] == {"error": 1}
    assert [m for m, s in statuses(db).items() if s != "ok"] == [repos[0]]
    before = hub.stats()["route:commits"]
    code, result, _ = history(hub, db)
    assert code == 0 and result["repos"] == 1 and result["skipped_unchanged"] == len(repos) - 1
    assert hub.stats()["route:commits"] - before == 1
    assert set(statuses(db).values()) == {"ok"}


def test_an_outage_stops_with_exit_3_and_the_next_run_resumes(scanned: tuple[FakeHub, Path]) -> None:
    hub, db = scanned
    repos = clamped(db)
    hub.set_faults([{"kind": "5xx", "route": "commits", "count": 10**6}])
    before = hub.stats().get("route:commits", 0)
    code, _, stderr = history(hub, db, "--max-retries", "2")
    assert code == 3, stderr
    errors = [line for line in stderr.splitlines() if line.startswith("hfscan: error:")]
    assert len(errors) == 1 and "looks down" in errors[0]
    # 3 attempts for the first repo, 3 for the second, then the breaker: not a budget per repo.
    assert hub.stats()["route:commits"] - before == 6
    assert statuses(db) == {repos[0]: "error"}  # the one repo tried to the end; none untried
    hub.clear_faults()
    code, result, stderr = history(hub, db)
    assert code == 0 and result["repos"] == len(repos), stderr
    assert set(statuses(db).values()) == {"ok"}


@pytest.mark.parametrize("token", [None, TOKEN], ids=["anonymous", "token_without_access"])
def test_missing_private_gated_and_disabled_repos_are_recorded_and_the_run_completes(
        scanned: tuple[FakeHub, Path], token: str | None) -> None:
    hub, db = scanned
    repos = clamped(db)
    gone, private, gated, disabled = repos[:4]
    hub.set_access({gone: "gone", private: "private", gated: "gated", disabled: "disabled"})
    code, result, stderr = history(hub, db, "--as-of", AS_OF, token=token)
    assert code == 0, stderr
    got = statuses(db)
    # A gated repo refuses its commit log to anyone who has not accepted its gate (401 anonymous,
    # 403 with a token; docs/HUB_PROTOCOL.md, "Gated repos"): recorded gated, final at its sha.
    assert {m: got[m] for m in repos[:4]} == {gone: "gone", private: "gone", gated: "gated", disabled: "disabled"}
    assert all(got[m] == "ok" for m in repos[4:])
    assert result["failed"] == {"gone": 2, "gated": 1, "disabled": 1}
    assert query(db, f"SELECT count(*) FROM commits WHERE model_id = '{gated}'")[0][0] == 0
    # Final statuses are not fetched again at the same sha by the default selection (select_targets):
    # not one more commit log.
    before = hub.stats()["route:commits"]
    code, again, _ = history(hub, db, token=token)
    assert code == 0 and again["repos"] == 0 and again["skipped_unchanged"] == len(repos)
    assert hub.stats()["route:commits"] == before


def test_a_token_that_accepted_the_gate_reads_the_gated_log_and_tree(tmp_path: Path) -> None:
    db = tmp_path / "hfscan.duckdb"
    with FakeHub(models=300, seed=31, gate_access={TOKEN: ALL_GATES}) as hub:
        assert run_cli(scan_args(hub, db)).code == 0
        repos = clamped(db)
        # The repo the `--as-of` day needs a tree of: its log has a commit after the day.
        needs_tree = next(m for m in repos if any(
            c.date > _cut(AS_OF) for c in hub.population.model(hub.population.index_of(m)).commits))
        hub.set_access({needs_tree: "gated"})
        code, result, stderr = history(hub, db, "--as-of", AS_OF, token=TOKEN)
        assert code == 0, stderr
        assert statuses(db)[needs_tree] == "ok" and result["failed"] == {} and result["trees_failed"] == {}
        planted = hub.population.model(hub.population.index_of(needs_tree))
        stored = query(db, f"SELECT commit_id FROM commits WHERE model_id = '{needs_tree}' ORDER BY position")
        assert [r[0] for r in stored] == [c.sha for c in planted.commits]
        shares = run_cli(["shares", "--db", str(db), "--as-of", AS_OF, "--json"])
        expected = hub.truth(as_of=[AS_OF])["as_of"][AS_OF]
        got = json.loads(shares.stdout)
        assert got["missing"] == 0 and got["counts"] == {k: expected.get(k, 0) for k in got["counts"]}


def test_a_failed_tree_is_recorded_with_why_and_fetched_by_the_next_run(scanned: tuple[FakeHub, Path]) -> None:
    hub, db = scanned
    code, _, stderr = history(hub, db)
    assert code == 0, stderr
    hub.set_faults([{"kind": "5xx", "route": "tree", "count": 1}])
    code, result, stderr = history(hub, db, "--as-of", AS_OF, "--max-retries", "0")
    assert code == 0, stderr
    assert result["trees_failed"] == {"error": 1}
    rows = query(db, "SELECT status, reason FROM tree_status")
    assert len(rows) == 1 and rows[0][0] == "error" and "HTTP 503" in rows[0][1]
    hub.clear_faults()
    code, result, _ = history(hub, db, "--as-of", AS_OF)
    assert code == 0 and result["trees"] == 1 and result["trees_failed"] == {}
    assert query(db, "SELECT count(*) FROM tree_status")[0][0] == 0
    shares = run_cli(["shares", "--db", str(db), "--as-of", AS_OF, "--json"])
    expected = hub.truth(as_of=[AS_OF])["as_of"][AS_OF]
    got = json.loads(shares.stdout)
    assert got["missing"] == 0 and got["counts"] == {k: expected.get(k, 0) for k in got["counts"]}
