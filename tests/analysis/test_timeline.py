"""`hfscan timeline`: as-of shares at period ends, against the fake Hub's planted truth.

Expected counts come from the planted population (each repo's commits and their components), never
from hfscan's tables: the cost and refusal before any history, `--partial`'s coverage, and after
`hfscan history --every ...` every date exact, stored once per (day, rules, scan).
"""

from __future__ import annotations

import json
import math
import shutil
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from hfscan.analysis.timeline import period_ends
from hfscan.errors import UsageError
from hfscan.testing.fakehub import FakeHub
from hfscan.testing.fakehub.population import Model
from hfscan.testing.fakehub.truth import iter_models
from tests.analysis.test_as_of import _cut, class_on, unknown_on
from tests.crawl.helpers import ALL_GATE_ACCESS, GATE_TOKEN, query, run_cli, scan_args

SERIES = ["--every", "year", "--from", "2020-06-01", "--to", "2025-12-31"]
DAYS = ["2020-12-31", "2021-12-31", "2022-12-31", "2023-12-31", "2024-12-31", "2025-12-31"]


@dataclass
class Scanned:
    hub: FakeHub
    db: Path
    models: list[Model]


@pytest.fixture(autouse=True)
def _gate_token(monkeypatch: pytest.MonkeyPatch) -> None:
    """History here must read every planted commit log, gated repos' too (tests/crawl/helpers.py)."""
    monkeypatch.setenv("HF_TOKEN", GATE_TOKEN)


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scanned]:
    db = tmp_path_factory.mktemp("timeline") / "scanned.duckdb"
    with FakeHub(models=600, seed=21, gate_access=ALL_GATE_ACCESS) as hub:
        assert run_cli(scan_args(hub, db)).code == 0
        yield Scanned(hub, db, list(iter_models(hub.population, 0)))


def copy_db(scanned: Scanned, tmp_path: Path) -> Path:
    db = tmp_path / "hfscan.duckdb"
    shutil.copy(scanned.db, db)
    return db


def timeline(db: Path, *extra: str) -> tuple[int, dict, str]:
    result = run_cli(["timeline", "--db", str(db), *SERIES, "--json", *extra])
    return result.code, (json.loads(result.stdout) if result.code == 0 else {}), result.stderr


def test_period_ends() -> None:
    assert period_ends("quarter", "2020-01-01", "2020-12-31") == ["2020-03-31", "2020-06-30", "2020-09-30",
                                                                   "2020-12-31"]
    assert period_ends("month", "2024-01-15", "2024-03-31") == ["2024-01-31", "2024-02-29", "2024-03-31"]
    assert period_ends("year", *SERIES[3::2]) == DAYS
    assert period_ends("quarter", "2021-12-31", "2022-03-30") == ["2021-12-31"]
    for bad in (("week", "2020-01-01", "2021-01-01"), ("year", "2021-01-01", "2020-01-01"),
                ("year", "2020-02-01", "2020-11-30"), ("year", "2020-13-01", "2021-01-01")):
        with pytest.raises(UsageError):
            period_ends(*bad)


def test_max_width_refuses_in_one_line_with_the_cost_and_stores_nothing(scanned: Scanned, tmp_path: Path) -> None:
    db = copy_db(scanned, tmp_path)
    code, _, stderr = timeline(db, "--max-width", "5")
    assert code == 2
    error = [line for line in stderr.splitlines() if line.startswith("hfscan: error")]
    assert len(error) == 1 and "Traceback" not in stderr, stderr
    partial_days = [d for d in DAYS if any(unknown_on(m, d) for m in scanned.models)]
    assert f"{len(partial_days)} of {len(DAYS)} dates have an interval wider than --max-width 5" in error[0]
    assert "`hfscan history --every year --from 2020-06-01 --to 2025-12-31 --sample " in error[0]
    assert f"--endpoint {scanned.hub.url}`" in error[0]
    assert "(free)" in error[0] and "(PRO)" in error[0] and "--max-width" in error[0]
    assert query(db, "SELECT count(*) FROM as_of_shares") == [(0,)]
    bad = run_cli(["timeline", "--db", str(db), "--every", "week"])
    assert bad.code == 2 and bad.stderr.count("\n") <= 2 and "Traceback" not in bad.stderr


def test_partial_stores_the_known_counts_with_their_coverage(scanned: Scanned, tmp_path: Path) -> None:
    db = copy_db(scanned, tmp_path)
    code, got, stderr = timeline(db, "--partial")
    assert code == 0, stderr
    assert [row["day"] for row in got["dates"]] == DAYS
    for row in got["dates"]:
        day = row["day"]
        known = Counter(class_on(m, day) for m in scanned.models
                        if not unknown_on(m, day) and m.created_at <= _cut(day))
        missing = sum(unknown_on(m, day) for m in scanned.models)
        assert row["counts"] == {k: known.get(k, 0) for k in row["counts"]}, day
        assert row["missing"] == missing and row["complete"] == (missing == 0)
        assert row["coverage"] == math.floor(10_000 * known.total() / (known.total() + missing)) / 10_000
    stored = query(db, "SELECT strftime(day, '%Y-%m-%d'), class, models, missing, complete FROM as_of_shares")
    assert len(stored) == 4 * len(DAYS)
    for day, cls, models, missing, complete in stored:
        row = next(r for r in got["dates"] if r["day"] == day)
        assert (models, missing, complete) == (row["counts"][cls], row["missing"], row["complete"])
    assert any(not row["complete"] for row in got["dates"])


def test_after_history_every_date_equals_the_truth_and_recomputing_replaces(scanned: Scanned, tmp_path: Path) -> None:
    hub, db = scanned.hub, copy_db(scanned, tmp_path)
    needed = [m for m in scanned.models if any(unknown_on(m, d) for d in DAYS)]
    before = hub.stats().get("route:commits", 0)
    result = run_cli(["history", "--endpoint", hub.url, "--db", str(db), "--retry-wait", "0.01", "--json", *SERIES])
    assert result.code == 0, result.stderr
    assert hub.stats()["route:commits"] - before == len(needed)  # commit logs only where a date needs one
    assert timeline(db, "--partial")[0] == 0  # first run: a partial run of the same days is replaced
    code, got, stderr = timeline(db)
    assert code == 0, stderr
    assert f"{len(DAYS)} exact, 0 estimated" in stderr and got["history_needed"]["command"] is None
    truth = hub.truth(as_of=DAYS)["as_of"]
    for row in got["dates"]:
        assert row["counts"] == {k: truth[row["day"]].get(k, 0) for k in row["counts"]}, row["day"]
        assert row["coverage"] == 1.0 and row["missing"] == 0
    rows = query(db, "SELECT count(*), count(DISTINCT (day, class)), bool_and(complete) FROM as_of_shares")
    assert rows == [(4 * len(DAYS), 4 * len(DAYS), True)]
    share = query(db, "SELECT share FROM as_of_shares WHERE day = DATE '2025-12-31' AND class = 'pytorch_only'")
    assert share == [(got["dates"][-1]["shares"]["pytorch_only"],)]


def test_a_date_only_squashed_histories_leave_unknown_refuses_without_a_history_command(
        scanned: Scanned, tmp_path: Path) -> None:
    """A repo created before a month end whose history starts after it: no request can make it known.
    A refusal (--max-width) says so (no `hfscan history` to run); the date is stored as bounded."""
    hub, db = scanned.hub, copy_db(scanned, tmp_path)
    models = hub.truth(per_model=True)["per_model"]
    squashed = [m for m in models if m["first_commit"][:10] > m["created"][:10] and m["first_commit_not_creation"]]
    month_ends = [period_ends("month", m["created"][:10], "2026-12-31")[0] for m in squashed]  # first after creation
    gaps = [d for d, m in zip(month_ends, squashed, strict=True) if d < m["first_commit"][:10]]
    assert gaps, "the fake plants a squashed history with a month end in its gap"
    day = gaps[0]
    in_gap = {m["id"] for m in squashed if m["created"][:10] <= day < m["first_commit"][:10]}
    series = ["--every", "month", "--from", day[:8] + "01", "--to", day]
    assert run_cli(["history", "--endpoint", hub.url, "--db", str(db), "--retry-wait", "0.01", *series]).code == 0
    refused = run_cli(["timeline", "--db", str(db), *series, "--max-width", "0"])
    error = [line for line in refused.stderr.splitlines() if line.startswith("hfscan: error")]
    assert refused.code == 2 and len(error) == 1 and refused.stdout == ""
    assert "squashed" in error[0] and "no request narrows it" in error[0] and "hfscan history" not in error[0]
    partial = run_cli(["timeline", "--db", str(db), *series, "--partial", "--json"])
    assert partial.code == 0, partial.stderr
    (row,) = json.loads(partial.stdout)["dates"]
    assert (row["day"], row["missing"], row["squashed"], row["complete"]) == (day, len(in_gap), len(in_gap), False)
    assert query(db, "SELECT DISTINCT complete FROM as_of_shares") == [(False,)]
