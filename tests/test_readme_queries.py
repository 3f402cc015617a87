"""Every SQL example in the README runs through `hfscan sql` on a fake-Hub database with history."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from hfscan.testing.fakehub import FakeHub
from tests.crawl.helpers import ALL_GATE_ACCESS, GATE_TOKEN, REPO_ROOT, run_cli, scan_args

QUERIES = re.findall(r"```sql\n(.*?)```", (REPO_ROOT / "README.md").read_text(), re.S)


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("readme") / "hfscan.duckdb"
    with FakeHub(models=700, seed=12, gate_access=ALL_GATE_ACCESS) as hub:
        assert run_cli(scan_args(hub, path)).code == 0
        hub.set_epoch(3)
        assert run_cli(scan_args(hub, path)).code == 0
        assert run_cli(["history", "--endpoint", hub.url, "--db", str(path), "--retry-wait", "0.01"],
                       env={"HF_TOKEN": GATE_TOKEN}).code == 0
    return path


def test_the_readme_has_eleven_queries() -> None:
    assert len(QUERIES) == 11


@pytest.mark.parametrize("sql", QUERIES, ids=[q.splitlines()[0][3:40] for q in QUERIES])
def test_readme_query_runs_and_returns_rows(db: Path, sql: str) -> None:
    result = run_cli(["sql", "--db", str(db), "--format", "json", "--", sql])  # "--": the query starts with a comment
    assert result.code == 0, result.stderr
    assert json.loads(result.stdout), "the example returns nothing on a realistic database"
