"""The as-of estimator's statistics, against the fake Hub's planted truth (docs/AS_OF.md).

One database whose history covers every repo the listing cannot answer on four dates. The
estimator is evaluated as if history had fetched only the first N repos of each date's keyed-hash
order, for 200 keys: each key is another simple random sample. Expected: every 95% interval holds
the planted share in 90-99% of the keys (200 trials: that band is what a true 95% gives); the
worst-case bounds of unknowable repos always hold it; a sample of every repo is the exact answer.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import duckdb
import pytest

from hfscan.analysis.as_of import split
from hfscan.analysis.estimate import MIN_STRATUM, AsOfEstimate, Stratum, estimate, pooled
from hfscan.testing.fakehub import FakeHub
from hfscan.testing.fakehub.truth import iter_models
from tests.analysis.test_as_of import class_on, unknown_on
from tests.crawl.helpers import ALL_GATE_ACCESS, GATE_TOKEN, run_cli, scan_args

DAYS = ["2021-06-30", "2021-12-14", "2022-12-31", "2023-12-31"]
POP = ("pytorch_only", "tensorflow_only", "both")
SAMPLE = 80
SALTS = [f"coverage-{i}:" for i in range(200)]
ROUNDING = 0.005  # shares are printed to 2 decimals


@dataclass
class Fetched:
    db: Path
    truth: dict[str, dict[str, int]]       # planted class counts per day
    in_unknown: dict[str, dict[str, int]]  # planted class counts among the repos the listing cannot answer


@pytest.fixture(scope="module")
def fetched(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fetched]:
    db = tmp_path_factory.mktemp("coverage") / "fetched.duckdb"
    # A token that accepted every gate: gated repos are fetchable here (bounds have their own test).
    with FakeHub(models=1500, seed=7, gate_access=ALL_GATE_ACCESS) as hub:
        assert run_cli(scan_args(hub, db)).code == 0
        history = run_cli(["history", "--endpoint", hub.url, "--db", str(db), "--retry-wait", "0.01",
                           *[a for d in DAYS for a in ("--as-of", d)]], env={"HF_TOKEN": GATE_TOKEN})
        assert history.code == 0, history.stderr
        truth = {d: dict(c) for d, c in hub.truth(as_of=DAYS)["as_of"].items()}
        models = list(iter_models(hub.population, 0))
    in_unknown = {d: {c: sum(unknown_on(m, d) and class_on(m, d) == c for m in models) for c in POP} for d in DAYS}
    yield Fetched(db, truth, in_unknown)


def planted_share(truth: dict[str, int], cls: str) -> float:
    return 100 * truth.get(cls, 0) / sum(truth.get(c, 0) for c in POP)


def holds(result: AsOfEstimate, cls: str, share: float) -> bool:
    c = result.classes[cls]
    assert c.share_low is not None and c.share_high is not None
    return c.share_low - ROUNDING <= share <= c.share_high + ROUNDING


def test_a_sample_of_every_repo_is_the_exact_planted_answer(fetched: Fetched) -> None:
    con = duckdb.connect(str(fetched.db), read_only=True)
    try:
        for counts in split(con, DAYS).counts("any salt:"):
            result = estimate(counts)
            assert result.exact and result.parts.sampled == 0 and result.parts.bounded == 0, counts.day
            assert result.counts == {k: fetched.truth[counts.day].get(k, 0) for k in result.counts}, counts.day
            for cls in POP:
                c = result.classes[cls]
                assert c.share_low == c.share == c.share_high
                assert abs(c.share - planted_share(fetched.truth[counts.day], cls)) <= ROUNDING
    finally:
        con.close()


def test_95_percent_intervals_hold_the_planted_share_in_90_to_99_percent_of_200_samples(fetched: Fetched) -> None:
    con = duckdb.connect(str(fetched.db), read_only=True)
    try:
        days = split(con, DAYS)
    finally:
        con.close()
    hits = {(d, c): 0 for d in DAYS for c in POP}
    widths = {(d, kind): 0.0 for d in DAYS for kind in ("strata", "one")}
    for salt in SALTS:
        for counts in days.counts(salt, prefix_limit=SAMPLE):
            result = estimate(counts)
            assert not result.exact and result.parts.sample > 0
            assert len(counts.strata) > 1
            widths[counts.day, "strata"] += result.width
            widths[counts.day, "one"] += estimate(replace(counts, strata={})).width
            for cls in POP:
                hits[counts.day, cls] += holds(result, cls, planted_share(fetched.truth[counts.day], cls))
    for (day, cls), n in hits.items():
        rate = n / len(SALTS)
        if fetched.in_unknown[day][cls] >= 5:
            assert 0.90 <= rate <= 0.99, (day, cls, rate)
        else:  # the sample can hardly miss a class it almost never meets: only the lower bound binds
            assert rate >= 0.90, (day, cls, rate)
    # The band can fail: an interval without the Wilson floor and t quantile would miss more often.
    assert any(fetched.in_unknown[d][c] >= 5 for d in DAYS for c in POP)
    # The strata earn their place: the same samples, with the same coverage, give narrower intervals
    # where many repos are unknown (before the placeholder date, every placeholder repo is).
    assert widths["2021-12-14", "strata"] < 0.9 * widths["2021-12-14", "one"], widths
    assert all(widths[d, "strata"] <= widths[d, "one"] * 1.02 for d in DAYS), widths


def test_small_strata_are_pooled_and_nothing_is_lost() -> None:
    big = Stratum(500, {"pytorch_only": MIN_STRATUM})
    strata = {"created:pytorch_only": big,
              "created:both": Stratum(40, {"both": 3}),
              "created:neither": Stratum(60, {"neither": 2, "absent": 1}),
              "placeholder_changed:both": Stratum(7, {"both": 1}),
              "placeholder_unchanged:neither": Stratum(9, {})}
    kept = pooled(strata)
    assert sum(s.unsampled for s in kept) == sum(s.unsampled for s in strata.values())
    assert sum(s.size for s in kept) == sum(s.size for s in strata.values())
    assert all(s.size >= MIN_STRATUM for s in kept)   # the small ones joined the big stratum
    assert len(kept) == 1
    # Without small strata, nothing is pooled.
    assert pooled({"a:x": big, "b:y": Stratum(3, {"neither": MIN_STRATUM})}) == [big, Stratum(3, {"neither": MIN_STRATUM})]


def test_worst_case_bounds_of_unknowable_repos_always_hold_the_planted_share(
        fetched: Fetched, tmp_path: Path) -> None:
    db = tmp_path / "gated.duckdb"
    shutil.copy(fetched.db, db)
    con = duckdb.connect(str(db))
    try:  # some fetched repos turn out gated at their sha: their class on any date is unknowable
        con.execute("""UPDATE history_status SET status = 'gated' WHERE model_id IN (
                           SELECT model_id FROM history_status WHERE status = 'ok' ORDER BY md5(model_id) LIMIT 25)""")
        days = split(con, DAYS)
    finally:
        con.close()
    for counts in days.counts("bounds:"):
        result = estimate(counts)
        assert result.parts.sampled == 0 and result.parts.bounded == counts.bounded.get("gated", 0) > 0
        assert not result.exact
        for cls in POP:  # no sampling left: pure worst cases, which must hold the truth every time
            assert holds(result, cls, planted_share(fetched.truth[counts.day], cls)), (counts.day, cls)
