"""A complete snapshot taken on a date answers that date: exact, repos deleted since included, no
history planned for it, its own marker in the report (docs/AS_OF.md, "Dates a snapshot answers").

The database holds a scan of the fake Hub at a late epoch and the weekly dump of an earlier week,
imported as the real series is (`import hf-dataset --files`), dated D. Expected values come from the
fake Hub's planted truth at the dump's epoch, never from hfscan's tables.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from hfscan.testing.fakehub import FakeHub
from hfscan.testing.fakehub.series_repos import WEEKLY_PATTERN, WEEKLY_REPO, date_of
from hfscan.testing.fakehub.truth import truth
from tests.crawl.helpers import query, run_cli, scan_args

DUMP_EPOCH = 7        # the weekly dump imported: the Hub at this epoch, dated date_of(7)
SCAN_EPOCH = 21       # the scan: two weeks later, after some repos were deleted
POPULATION = ("pytorch_only", "tensorflow_only", "both")


@dataclass
class Planted:
    hub: FakeHub
    db: Path
    day: str
    deleted: list[str]   # repos of the dump deleted before the scan


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Planted]:
    home = tmp_path_factory.mktemp("hf_home")
    db = tmp_path_factory.mktemp("snapshot_dates") / "hfscan.duckdb"
    day = date_of(DUMP_EPOCH)
    with FakeHub(models=400, seed=23) as hub:
        env = {"HF_ENDPOINT": hub.url, "HF_HOME": str(home), "HF_TOKEN_PATH": str(home / "no-token"),
               "HF_HUB_DISABLE_TELEMETRY": "1", "HF_TOKEN": "", "TMPDIR": str(home)}
        population = hub.hub.population
        deleted = [population.model(i, DUMP_EPOCH).id for i in range(population.size(DUMP_EPOCH))
                   if population.exists(i, DUMP_EPOCH) and population.deleted(i, SCAN_EPOCH)]
        hub.set_epoch(SCAN_EPOCH)
        try:
            assert run_cli(scan_args(hub, db)).code == 0
            result = run_cli(["import", "hf-dataset", "--db", str(db), WEEKLY_REPO, "--files", WEEKLY_PATTERN,
                              "--since", day, "--until", day, "--json"], env=env)
            assert result.code == 0, result.stderr
            yield Planted(hub, db, day, deleted)
        finally:
            hub.set_epoch(0)


def planted_as_of(planted: Planted, day: str, epoch: int) -> dict[str, int]:
    return truth(planted.hub.hub.population, epoch, as_of=[day])["as_of"][day]


def test_the_snapshot_taken_on_a_date_answers_it_exactly_with_the_repos_deleted_since(planted: Planted) -> None:
    assert planted.deleted, "some repo of the dump must be deleted before the scan"
    latest = set(r[0] for r in query(planted.db, "SELECT model_id FROM latest_models"))
    assert not latest & set(planted.deleted)  # invisible to the latest snapshot (and to history)
    result = run_cli(["shares", "--db", str(planted.db), "--as-of", planted.day, "--json"])
    assert result.code == 0, result.stderr
    got = json.loads(result.stdout)
    expected = planted_as_of(planted, planted.day, DUMP_EPOCH)
    assert got["counts"] == {k: expected.get(k, 0) for k in got["counts"]}
    assert got["total_models"] == sum(expected.values())  # the deleted repos are counted
    assert got["exact"] is True and got["source"] == "snapshot"
    assert got["parts"] == {"exact": sum(expected.values()), "sampled": 0, "bounded": 0, "sample": 0,
                            "bounded_by_reason": {}}
    population = sum(expected.get(k, 0) for k in POPULATION)
    for cls in POPULATION:
        c = got["classes"][cls]
        assert c["share"] == c["share_low"] == c["share_high"] == round(100 * expected.get(cls, 0) / population, 2)
    assert got["missing"] == 0 and got["coverage"] == 1.0
    text = run_cli(["shares", "--db", str(planted.db), "--as-of", planted.day])
    assert text.code == 0 and "repos deleted since included" in text.stdout


def test_history_plans_no_request_for_a_date_a_snapshot_answers(planted: Planted, tmp_path: Path) -> None:
    db = tmp_path / "hfscan.duckdb"
    shutil.copy(planted.db, db)
    hub = planted.hub
    before = hub.stats()
    result = run_cli(["history", "--endpoint", hub.url, "--db", str(db), "--retry-wait", "0.01", "--json",
                      "--as-of", planted.day, "--sample", "50"])
    assert result.code == 0, result.stderr
    after = hub.stats()
    assert json.loads(result.stdout)["requests"] == 0
    assert after.get("route:commits", 0) == before.get("route:commits", 0)
    assert after.get("route:tree", 0) == before.get("route:tree", 0)
    assert f"answered by the complete snapshot taken on them, no history needed: {planted.day}" in result.stderr
    # Beside a date history must answer, the snapshot's date adds nothing to the plan.
    from hfscan.analysis.plan import history_plan
    from hfscan.store.connect import connect

    other = "2025-06-30"
    with connect(db, read_only=True) as con:
        alone, both = history_plan(con, [other], 50), history_plan(con, [other, planted.day], 50)
    assert alone.requests > 0
    assert (both.targets, both.trees, both.days, both.answered) == (alone.targets, alone.trees, [other],
                                                                    (planted.day,))


def test_the_report_marks_dates_a_snapshot_answered(planted: Planted, tmp_path: Path) -> None:
    from hfscan.analysis import timeline as tl
    from hfscan.analysis.shares import current_rules_version, resolve_scan
    from hfscan.jobs.timeline import series_rows
    from hfscan.store.connect import connect
    from hfscan.store.timeline import replace_series

    db = tmp_path / "hfscan.duckdb"
    shutil.copy(planted.db, db)
    with connect(db, read_only=False) as con:
        (point,) = tl.compute(con, [planted.day])
        assert point.source == "snapshot" and point.exact
        scan_id, _ = resolve_scan(con, None)
        rules = current_rules_version(con)
        assert rules is not None
        replace_series(con, series_rows([point]), scan_id, rules)
    rows = query(db, f"SELECT DISTINCT source, exact FROM as_of_shares WHERE day = DATE '{planted.day}'")
    assert rows == [("snapshot", True)]
    out = tmp_path / "report.html"
    result = run_cli(["report", "--db", str(db), "--out", str(out)])
    assert result.code == 0, result.stderr
    html = out.read_text()
    # The date's points carry the snapshot marker (its own legend entry and shape), none other does.
    label = "as of the date, from the snapshot taken that day (exact)"
    assert html.count(f'"marker":"{label}"') == len(POPULATION)  # one point per class on the date
    assert '"cross"' in html


def test_a_snapshot_not_fully_classified_does_not_answer_its_date(planted: Planted, tmp_path: Path) -> None:
    """One model of the dump without a class at the current rules: the snapshot could not say what
    it was, so the date is estimated from history like any other (and says so)."""
    import duckdb

    db = tmp_path / "hfscan.duckdb"
    shutil.copy(planted.db, db)
    con = duckdb.connect(str(db))
    try:
        (scan_id,) = con.execute("SELECT scan_id FROM scan_log WHERE kind = 'import'").fetchone() or (None,)
        con.execute("""DELETE FROM version_classes WHERE method = 'files' AND version_id = (
                           SELECT min(version_id) FROM snapshot_models WHERE scan_id = ?)""", [scan_id])
    finally:
        con.close()
    result = run_cli(["shares", "--db", str(db), "--as-of", planted.day, "--partial", "--json"])
    assert result.code == 0, result.stderr
    got = json.loads(result.stdout)
    assert got["source"] == "history" and got["exact"] is False
    # Classified again, the snapshot answers its date.
    assert run_cli(["classify", "--db", str(db)]).code == 0
    result = run_cli(["shares", "--db", str(db), "--as-of", planted.day, "--json"])
    assert result.code == 0, result.stderr
    got = json.loads(result.stdout)
    expected = planted_as_of(planted, planted.day, DUMP_EPOCH)
    assert got["source"] == "snapshot" and got["counts"] == {k: expected.get(k, 0) for k in got["counts"]}
