"""`hfscan history --precision P`: sample in rounds until every class share of every date is within
±P points, fetching far fewer commit logs than exact history, and never a repo twice."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hfscan.testing.fakehub import FakeHub
from hfscan.testing.fakehub.truth import iter_models
from tests.analysis.test_as_of import unknown_on
from tests.crawl.helpers import ALL_GATE_ACCESS, GATE_TOKEN, query, run_cli, scan_args

DAYS = ["2022-12-31", "2023-06-30", "2023-12-31"]
PRECISION = 2.0


def test_precision_samples_in_rounds_until_every_interval_is_narrow_enough(tmp_path: Path) -> None:
    db = tmp_path / "hfscan.duckdb"
    with FakeHub(models=2500, seed=11, gate_access=ALL_GATE_ACCESS) as hub:
        assert run_cli(scan_args(hub, db)).code == 0
        models = list(iter_models(hub.population, 0))
        exact_logs = sum(any(unknown_on(m, d) for d in DAYS) for m in models)   # what exact history fetches
        dates = [a for d in DAYS for a in ("--as-of", d)]
        base = ["history", "--endpoint", hub.url, "--db", str(db), "--retry-wait", "0.01", *dates]
        # A small sample first: --precision then sizes each date from the variance it shows.
        assert run_cli([*base, "--sample", "25"], env={"HF_TOKEN": GATE_TOKEN}).code == 0
        pilot = hub.stats()["route:commits"]
        args = [*base, "--precision", str(PRECISION), "--json"]
        result = run_cli(args, env={"HF_TOKEN": GATE_TOKEN})
        assert result.code == 0, result.stderr
        got = json.loads(result.stdout)
        assert got["precision"] == PRECISION and got["rounds"] >= 1
        assert "round 1:" in result.stderr
        logs = hub.stats()["route:commits"]
        assert 0 < logs < 0.7 * exact_logs, (logs, exact_logs)
        assert logs - pilot == got["repos"]   # no repo asked twice, across runs and rounds
        assert query(db, "SELECT count(*) FROM history_status") == [(logs,)]
        again = run_cli(args, env={"HF_TOKEN": GATE_TOKEN})   # nothing left to narrow: no request
        assert again.code == 0 and hub.stats()["route:commits"] == logs, again.stderr
    for day in DAYS:
        answer = run_cli(["shares", "--db", str(db), "--as-of", day, "--json"])
        assert answer.code == 0, answer.stderr
        out = json.loads(answer.stdout)
        assert out["exact"] is False and out["parts"]["sample"] > 0
        # the bounded part (history squashed after the day) widens an interval whatever is fetched
        bounded = 100 * out["parts"]["bounded"] / max(1, out["population"])
        for cls, row in out["classes"].items():
            if row.get("share") is not None:
                assert row["share_high"] - row["share_low"] <= 2 * PRECISION + bounded + 0.02, (day, cls, row)


@pytest.mark.parametrize("extra", [["--sample", "10"], []])
def test_precision_needs_dates_and_excludes_sample(tmp_path: Path, extra: list[str]) -> None:
    args = ["history", "--db", str(tmp_path / "none.duckdb"), "--precision", "1", *extra]
    if extra:
        args += ["--as-of", "2023-01-01"]
    result = run_cli(args)
    assert result.code == 2 and "Traceback" not in result.stderr
    assert ("--sample and --precision" if extra else "--precision needs dates") in result.stderr
