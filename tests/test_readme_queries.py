"""Every SQL example in the README runs through `hfscan sql`, pasted exactly as printed (it starts
with its `-- N.` comment, no `--` separator), on a fake-Hub database with three snapshots and
history; the examples whose meaning is easy to get wrong are checked against the data."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from hfscan.testing.fakehub import FakeHub
from tests.crawl.helpers import ALL_GATE_ACCESS, GATE_TOKEN, REPO_ROOT, query, run_cli, scan_args

QUERIES = re.findall(r"```sql\n(.*?)```", (REPO_ROOT / "README.md").read_text(), re.S)
BY_NUMBER = {int(m.group(1)): q for q in QUERIES if (m := re.match(r"-- (\d+)\. ", q))}


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("readme") / "hfscan.duckdb"
    with FakeHub(models=700, seed=12, gate_access=ALL_GATE_ACCESS) as hub:
        assert run_cli(scan_args(hub, path)).code == 0
        hub.set_epoch(3)
        assert run_cli(scan_args(hub, path)).code == 0
        hub.set_epoch(6)  # three snapshots: two pairs, which query 10 must not mix
        assert run_cli(scan_args(hub, path)).code == 0
        assert run_cli(["history", "--endpoint", hub.url, "--db", str(path), "--retry-wait", "0.01"],
                       env={"HF_TOKEN": GATE_TOKEN}).code == 0
    return path


def rows(db: Path, sql: str) -> list[dict[str, Any]]:
    result = run_cli(["sql", "--db", str(db), "--format", "json", sql])  # pasted as printed: no "--"
    assert result.code == 0, result.stderr
    return json.loads(result.stdout)


def test_the_readme_has_eleven_numbered_queries() -> None:
    assert len(QUERIES) == 11
    assert sorted(BY_NUMBER) == list(range(1, 12))


@pytest.mark.parametrize("sql", QUERIES, ids=[q.splitlines()[0][3:40] for q in QUERIES])
def test_readme_query_runs_and_returns_rows(db: Path, sql: str) -> None:
    assert rows(db, sql), "the example returns nothing on a realistic database"


def test_query_8_counts_a_library_without_pytorch_only_models_as_zero(db: Path) -> None:
    got = rows(db, BY_NUMBER[8])
    assert all(row["pytorch_only_pct"] is not None for row in got), got
    none = query(db, "SELECT value FROM breakdown_shares WHERE method = 'files' AND dimension = 'library_name' "
                     "GROUP BY value HAVING count(*) FILTER (class = 'pytorch_only') = 0")
    shown = {row["library"] for row in got}
    assert shown & {v for (v,) in none}, "the data has no library without PyTorch-only models in the top 10"


def test_query_9_explains_a_model_that_is_both_by_its_files(db: Path) -> None:
    got = rows(db, BY_NUMBER[9])
    (model,) = {row["model_id"] for row in got}
    quoted = model.replace("'", "''")
    assert query(db, f"SELECT class FROM latest_classes WHERE method = 'files' AND model_id = '{quoted}'") == [("both",)]
    families = {row["resolved_format"] for row in got}
    assert len(families) >= 2, got  # a PyTorch file and a TensorFlow file, not tf_model.h5 alone


def test_query_10_compares_the_latest_snapshot_with_the_one_before(db: Path) -> None:
    got = rows(db, BY_NUMBER[10])
    latest, previous = query(db, "SELECT scan_id FROM scans WHERE status = 'complete' ORDER BY snapshot_at DESC LIMIT 2")
    assert {(row["previous_scan_id"], row["scan_id"]) for row in got} == {(previous[0], latest[0])}, got
