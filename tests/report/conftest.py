"""The report's shared database: two fake-Hub snapshots (hostile text planted), a partial timeline."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from hfscan.testing.fakehub import FakeHub
from tests.crawl.helpers import run_cli, scan_args


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FakeHub, Path, Path, dict]]:
    folder = tmp_path_factory.mktemp("report")
    db = folder / "hfscan.duckdb"
    with FakeHub(models=900, seed=8, hostile=True) as hub:
        assert run_cli(scan_args(hub, db)).code == 0
        first_truth = hub.truth()
        hub.set_epoch(2)
        assert run_cli(scan_args(hub, db)).code == 0
        # Partial as-of dates (no history): stored with their coverage, drawn off the line.
        assert run_cli(["timeline", "--db", str(db), "--every", "year", "--partial"]).code == 0
        out = folder / "report.html"
        result = run_cli(["report", "--db", str(db), "--out", str(out), "--json"])
        assert result.code == 0, result.stderr
        yield hub, db, out, {"first": first_truth, "result": json.loads(result.stdout)}


