"""The README's Python API example runs as written, against a fake-Hub database, and its numbers
are the ones the fake Hub planted."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hfscan.testing.fakehub import FakeHub
from tests.crawl.helpers import REPO_ROOT, run_cli, scan_args

SECTION = (REPO_ROOT / "README.md").read_text().split("## Python API", 1)[1].split("\n## ", 1)[0]
EXAMPLE = re.findall(r"```python\n(.*?)```", SECTION, re.S)


def test_the_readme_has_one_python_example() -> None:
    assert len(EXAMPLE) == 1


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    path = tmp_path_factory.mktemp("api") / "hfscan.duckdb"
    with FakeHub(models=300, seed=5) as hub:
        assert run_cli(scan_args(hub, path)).code == 0
        planted = len(hub.model_ids())
    return path, planted


def test_the_readme_example_runs(scanned: tuple[Path, int], capsys: pytest.CaptureFixture[str]) -> None:
    path, planted = scanned
    code = EXAMPLE[0].replace('"data/hfscan.duckdb"', repr(str(path)))
    names: dict[str, object] = {}
    exec(compile(code, "README.md", "exec"), names)
    shares, snapshot, as_of = names["shares"], names["snapshot"], names["as_of"]
    assert shares.height == 1 and shares["models"][0] == planted  # type: ignore[attr-defined]
    assert snapshot.num_rows == planted and "model_id" in snapshot.column_names  # type: ignore[attr-defined]
    assert as_of["models"].sum() == planted  # type: ignore[attr-defined]  # every repo counted once, known or not
    assert "pytorch_only" in capsys.readouterr().out
    estimate = names["estimate"]  # no history fetched: repos changed since the day are bounded, not guessed
    for cls in ("pytorch_only", "tensorflow_only", "both"):
        found = estimate.classes[cls]  # type: ignore[attr-defined]
        assert found.share_low <= found.share <= found.share_high
        assert found.models_low <= found.models <= found.models_high


def test_a_method_that_does_not_exist_is_refused(scanned: tuple[Path, int]) -> None:
    from hfscan import api

    with api.open_database(scanned[0]) as db, pytest.raises(ValueError, match="weights"):
        api.shares(db, method="weights")
