"""`hfscan history` against the fake Hub: true creation dates and as-of counts equal the planted truth."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from hfscan.testing.fakehub import FakeHub
from tests.crawl.helpers import query, run_cli, scan_args

AS_OF = "2021-12-14"


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FakeHub, Path]]:
    db = tmp_path_factory.mktemp("history") / "hfscan.duckdb"
    with FakeHub(models=1200, seed=31) as hub:
        assert run_cli(scan_args(hub, db)).code == 0
        yield hub, db


def history(hub: FakeHub, db: Path, *extra: str) -> tuple[int, dict, str]:
    result = run_cli(["history", "--endpoint", hub.url, "--db", str(db), "--retry-wait", "0.01", "--json", *extra])
    return result.code, (json.loads(result.stdout) if result.stdout else {}), result.stderr


def test_a_partial_history_resumes_without_fetching_anything_twice(scanned: tuple[FakeHub, Path]) -> None:
    hub, db = scanned
    clamped = hub.truth()["clamped"]
    before = hub.stats().get("route:commits", 0)
    # A first run stops after 40 repos (here: a partial list; a kill has the same effect, each repo
    # commits on its own); the next run fetches only the rest.
    code, first, stderr = history(hub, db, "--models-from", str(_first_ids(db, 40)))
    assert code == 0 and first["repos"] == 40
    # The cost is announced before the first request: 40 commit logs, minutes at both quotas.
    assert "about 40 requests, ≥ 0.2 min at 1,000/5 min (free); ≥ 0.1 min at 2,500/5 min (PRO)" in stderr
    code, second, stderr = history(hub, db, "--as-of", AS_OF)
    assert code == 0, stderr
    assert second["repos"] == clamped - 40 and second["skipped_unchanged"] == 40
    assert hub.stats()["route:commits"] - before == clamped  # every clamped repo exactly once
    code, third, _ = history(hub, db, "--as-of", AS_OF)
    assert code == 0 and third["repos"] == 0 and third["requests"] == 0


def _first_ids(db: Path, n: int) -> Path:
    ids = [r[0] for r in query(db, f"SELECT model_id FROM latest_models WHERE created_at_clamped ORDER BY model_id LIMIT {n}")]
    path = db.with_name("first.txt")
    path.write_text("\n".join(ids))
    return path


def test_true_creation_dates_replace_the_clamp(scanned: tuple[FakeHub, Path]) -> None:
    hub, db = scanned
    truth = {m["id"]: m for m in hub.truth(per_model=True)["per_model"]}
    rows = query(db, "SELECT model_id, true_created_at FROM model_created WHERE created_at_clamped")
    assert rows and all(created is not None for _, created in rows)
    for model_id, created in rows:
        assert created == datetime.fromisoformat(truth[model_id]["created"].replace("Z", "")).replace(microsecond=0)
    cohorts = {r[0] for r in query(db, "SELECT cohort FROM cohort_shares")}
    assert "before 2022-03 (date unknown)" not in cohorts
    bots = query(db, "SELECT count(DISTINCT model_id) FROM commits WHERE is_bot")[0][0]
    assert bots == sum(1 for m in truth.values() if m["clamped"] and
                       any(c.author == "SFconvertbot" for c in hub.population.model(hub.population.index_of(m["id"])).commits))


def test_as_of_shares_equal_the_planted_truth(scanned: tuple[FakeHub, Path]) -> None:
    hub, db = scanned
    result = run_cli(["shares", "--db", str(db), "--as-of", AS_OF, "--json"])
    assert result.code == 0, result.stderr
    got = json.loads(result.stdout)
    expected = hub.truth(as_of=[AS_OF])["as_of"][AS_OF]
    assert got["counts"] == {k: expected.get(k, 0) for k in got["counts"]}
    assert got["missing"] == 0 and got["coverage"] == 1.0
    tags = run_cli(["shares", "--db", str(db), "--as-of", AS_OF, "--method", "tags"])
    assert tags.code == 2 and "not historical" in tags.stderr
    report = run_cli(["report", "--db", str(db), "--as-of", AS_OF, "--out", str(db.with_name("r.html")), "--json"])
    assert report.code == 0 and "as_of" in json.loads(report.stdout)["charts"]


def test_as_of_without_history_names_the_command(tmp_path: Path) -> None:
    db = tmp_path / "x.duckdb"
    with FakeHub(models=200, seed=1) as hub:
        assert run_cli(scan_args(hub, db)).code == 0
    result = run_cli(["shares", "--db", str(db), "--as-of", "2021-06-01"])
    assert result.code == 2 and "hfscan history --as-of 2021-06-01" in result.stderr
    bad = run_cli(["shares", "--db", str(db), "--as-of", "yesterday"])
    assert bad.code == 2 and "YYYY-MM-DD" in bad.stderr
