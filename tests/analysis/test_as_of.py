"""`shares --as-of` is exact or refuses, at dates before and after the clamp, against the planted truth.

The expected values come from the fake Hub's population (each repo's planted commits and their
components), never from hfscan's own tables.
"""

from __future__ import annotations

import json
import math
import shutil
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hfscan.testing.fakehub import FakeHub
from hfscan.testing.fakehub.population import CLAMP, DAY, Model
from hfscan.testing.fakehub.truth import classify_components, iter_models
from tests.crawl.helpers import ALL_GATE_ACCESS, GATE_TOKEN, query, run_cli, scan_args

BEFORE_CLAMP = "2021-12-14"
LATE = "2025-06-30"


def _day(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d")


def _cut(day: str) -> int:
    """The end of the day (UTC), as hfscan defines "as of"."""
    return int(datetime.fromisoformat(day).replace(tzinfo=UTC).timestamp()) + DAY - 1


@dataclass
class Planted:
    hub: FakeHub
    db: Path
    models: list[Model]
    between: tuple[Model, str]   # a repo and a day strictly between its first two commits, which
                                 # changed its class (after the clamp)
    born: tuple[Model, str]      # a repo and the day it was created (after the clamp)

    @property
    def days(self) -> list[str]:
        return [BEFORE_CLAMP, self.between[1], self.born[1], LATE]


def unknown_on(model: Model, day: str) -> bool:
    """Group (c) before any history: the listing alone cannot tell the repo's files on the day."""
    cut = _cut(day)
    clamped = model.created < CLAMP
    if not clamped and model.created_at > cut:
        return False  # created after the day: did not exist
    return not (model.created_at <= cut and model.last_modified <= cut)


def class_on(model: Model, day: str) -> str | None:
    commit = model.commit_as_of(_cut(day))
    return None if commit is None else classify_components(commit.components, model.library_name)["class"]


@pytest.fixture(autouse=True)
def _gate_token(monkeypatch: pytest.MonkeyPatch) -> None:
    """History here must read every planted commit log, gated repos' too (tests/crawl/helpers.py)."""
    monkeypatch.setenv("HF_TOKEN", GATE_TOKEN)


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Planted]:
    db = tmp_path_factory.mktemp("as_of") / "scanned.duckdb"
    with FakeHub(models=800, seed=12, gate_access=ALL_GATE_ACCESS) as hub:
        assert run_cli(scan_args(hub, db)).code == 0
        models = list(iter_models(hub.population, 0))
        after = [m for m in models if m.created > CLAMP + 2 * DAY]
        between = next((m, _day(m.commits[0].date + DAY)) for m in after
                       if len(m.commits) > 1 and m.commits[1].date > _cut(_day(m.commits[0].date + DAY))
                       and class_on(m, _day(m.commits[0].date + DAY)) != class_on(m, _day(m.commits[1].date)))
        born = next((m, _day(m.created)) for m in after
                    if m is not between[0] and _day(m.created) != between[1] and m.created < _cut(LATE) - 400 * DAY)
        yield Planted(hub, db, models, between, born)


def _planted_share(planted: Planted, day: str, cls: str) -> float:
    truth = planted.hub.truth(as_of=[day])["as_of"][day]
    return 100 * truth.get(cls, 0) / sum(truth.get(k, 0) for k in ("pytorch_only", "tensorflow_only", "both"))


def copy_db(planted: Planted, tmp_path: Path) -> Path:
    db = tmp_path / "hfscan.duckdb"
    shutil.copy(planted.db, db)
    return db


def shares(db: Path, day: str, *extra: str) -> tuple[int, dict, str]:
    result = run_cli(["shares", "--db", str(db), "--as-of", day, *extra])
    return result.code, (json.loads(result.stdout) if "--json" in extra and result.code == 0 else {}), result.stderr


def test_without_history_every_date_after_the_start_refuses_in_one_line(planted: Planted, tmp_path: Path) -> None:
    """Nothing sampled: the unknown repos enter as worst cases, far wider than --max-width. The one
    line names the sampled history that narrows it, with its cost and the Hub the database came from."""
    db = copy_db(planted, tmp_path)
    for day in planted.days:
        missing = sum(unknown_on(m, day) for m in planted.models)
        assert missing > 0
        code, _, stderr = shares(db, day)
        assert code == 2
        lines = stderr.strip().splitlines()
        assert len(lines) == 1, stderr  # one line, no hint line, no traceback
        assert f"{missing:,} repos are not known exactly" in lines[0]
        assert f"`hfscan history --as-of {day} --sample " in lines[0]
        assert f" --endpoint {planted.hub.url}`" in lines[0]  # the Hub this database was scanned from
        assert "requests" in lines[0] and "(free)" in lines[0] and "(PRO)" in lines[0] and "--max-width" in lines[0]


def test_partial_counts_the_known_repos_and_states_the_coverage(planted: Planted, tmp_path: Path) -> None:
    db = copy_db(planted, tmp_path)
    for day in (planted.between[1], LATE):
        cut = _cut(day)
        known = Counter(class_on(m, day) for m in planted.models
                        if not unknown_on(m, day) and m.created_at <= cut)
        missing = sum(unknown_on(m, day) for m in planted.models)
        code, got, stderr = shares(db, day, "--partial", "--json")
        assert code == 0, stderr
        assert got["counts"] == {k: known.get(k, 0) for k in got["counts"]}
        assert got["missing"] == missing
        assert got["coverage"] == math.floor(10_000 * known.total() / (known.total() + missing)) / 10_000
        # Nothing sampled: the known repos' counts, and intervals that are the worst cases of the rest.
        assert got["exact"] is False and got["parts"]["bounded"] == missing and got["parts"]["sample"] == 0
        for cls in ("pytorch_only", "tensorflow_only", "both"):
            c = got["classes"][cls]
            assert c["share_low"] <= c["share"] <= c["share_high"]
            assert c["share_low"] <= _planted_share(planted, day, cls) <= c["share_high"]
        text = run_cli(["shares", "--db", str(db), "--as-of", day, "--partial"]).stdout
        assert f"{missing:,} bounded" in text and "95% intervals" in text
    report = run_cli(["report", "--db", str(db), "--as-of", LATE, "--out", str(tmp_path / "r.html")])
    assert report.code == 2 and "pass --partial" in report.stderr
    report = run_cli(["report", "--db", str(db), "--as-of", LATE, "--partial", "--out", str(tmp_path / "r.html")])
    assert report.code == 0, report.stderr
    assert "class=caveat><b>Estimate:</b> the as-of 2025-06-30 figure is not exact" in (tmp_path / "r.html").read_text()


def test_history_fetches_exactly_what_the_dates_need_and_then_every_date_is_exact(
        planted: Planted, tmp_path: Path) -> None:
    hub, days = planted.hub, planted.days
    db = copy_db(planted, tmp_path)
    # Planted cost: a commit log for each repo some day cannot answer from the listing (shared by
    # all days); a tree for each (repo, commit at the day) of those, unless it is the head commit.
    logs = [m for m in planted.models if any(unknown_on(m, d) for d in days)]
    trees = {(m.id, c.sha) for m in logs for d in days if unknown_on(m, d)
             for c in [m.commit_as_of(_cut(d))] if c is not None and c.sha != m.sha}
    heads = {(m.id, d) for m in logs for d in days if unknown_on(m, d) and m.commit_as_of(_cut(d)) is m.head}
    assert heads, "the population must hold repos whose commit at a day is the head (no tree for them)"
    before = hub.stats()
    result = run_cli(["history", "--endpoint", hub.url, "--db", str(db), "--retry-wait", "0.01", "--json",
                      *[a for d in days for a in ("--as-of", d)]])
    assert result.code == 0, result.stderr
    after = hub.stats()
    assert after.get("route:commits", 0) - before.get("route:commits", 0) == len(logs)
    assert after.get("route:tree", 0) - before.get("route:tree", 0) == len(trees)
    out = json.loads(result.stdout)
    assert out["repos"] == len(logs) and out["trees"] == len(trees) and out["requests"] == len(logs) + len(trees)
    # The estimate printed first is an upper bound that holds.
    announced = int(result.stderr.split("about ")[1].split(" requests")[0].replace(",", ""))
    assert len(logs) + len(trees) <= announced
    expected = hub.truth(as_of=days)["as_of"]
    for day in days:
        code, got, stderr = shares(db, day, "--json")
        assert code == 0, stderr
        assert got["counts"] == {k: expected[day].get(k, 0) for k in got["counts"]}, day
        assert got["missing"] == 0 and got["coverage"] == 1.0
    # The repo between two commits has its first commit's files; the repo born on the day exists on it.
    model, day = planted.between
    rows = query(db, f"SELECT state, source, class, commit_id FROM as_of_models('{day}') WHERE model_id = '{model.id}'")
    assert rows == [("present", "history", class_on(model, day), model.commits[0].sha)]
    model, day = planted.born
    rows = query(db, f"SELECT state, class FROM as_of_models('{day}') WHERE model_id = '{model.id}'")
    assert rows == [("present", class_on(model, day))]
    previous = _day(_cut(day) - DAY)
    assert query(db, f"SELECT state FROM as_of_models('{previous}') WHERE model_id = '{model.id}'") == [("absent",)]
    # Nothing is fetched twice.
    again = run_cli(["history", "--endpoint", hub.url, "--db", str(db), "--json",
                     *[a for d in days for a in ("--as-of", d)]])
    assert again.code == 0 and json.loads(again.stdout)["requests"] == 0


def test_after_the_hub_moves_on_stored_logs_still_answer_the_days_they_reach(planted: Planted, tmp_path: Path) -> None:
    """A repo changed since its log was stored: the log still answers a day before its last stored
    commit; for a later day the repo is unknown again (new commits may predate the day)."""
    hub, days = planted.hub, planted.days
    db = copy_db(planted, tmp_path)
    history_args = ["history", "--endpoint", hub.url, "--db", str(db), "--retry-wait", "0.01", "--json",
                    *[a for d in days for a in ("--as-of", d)]]
    assert run_cli(history_args).code == 0
    logged = {m.id: m for m in planted.models if any(unknown_on(m, d) for d in days)}
    try:
        hub.set_epoch(3)
        assert run_cli(scan_args(hub, db)).code == 0
        now = list(iter_models(hub.population, 3))
        expected = hub.truth(as_of=days)["as_of"]

        def still_unknown(m: Model, day: str) -> bool:
            old = logged.get(m.id)
            covered = old is not None and (old.sha == m.sha or any(c.date > _cut(day) for c in old.commits))
            return unknown_on(m, day) and not covered

        changed = [m for m in now if any(still_unknown(m, d) for d in days)]
        assert changed, "some logged repo must have changed after a day"
        for day in days:
            missing = sum(still_unknown(m, day) for m in now)
            code, got, stderr = shares(db, day, "--json")
            if missing and code == 2:
                assert f"{missing:,} repos are not known exactly" in stderr
            elif missing:  # an estimate narrower than --max-width: it must hold the truth
                assert got["exact"] is False
                truth = expected[day]
                population = sum(truth.get(k, 0) for k in ("pytorch_only", "tensorflow_only", "both"))
                for cls in ("pytorch_only", "tensorflow_only", "both"):
                    c = got["classes"][cls]
                    assert c["share_low"] - 0.005 <= 100 * truth.get(cls, 0) / population <= c["share_high"] + 0.005
            else:
                assert code == 0 and got["counts"] == {k: expected[day].get(k, 0) for k in got["counts"]}, day
        before = hub.stats().get("route:commits", 0)
        assert run_cli(history_args).code == 0
        assert hub.stats()["route:commits"] - before == len(changed)
        for day in days:
            code, got, stderr = shares(db, day, "--json")
            assert code == 0, stderr
            assert got["counts"] == {k: expected[day].get(k, 0) for k in got["counts"]}, day
    finally:
        hub.set_epoch(0)


def test_coverage_is_one_only_when_nothing_is_unknown() -> None:
    from hfscan.analysis.as_of import coverage_of

    assert coverage_of(49_998, 2) == 0.9999  # rounding would say 1.0 and call a partial answer complete
    assert coverage_of(3_000_000, 1) < 1.0 and coverage_of(5, 0) == 1.0 and coverage_of(0, 0) == 1.0
