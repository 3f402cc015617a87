"""Fixtures for end-to-end scans: a fake Hub on 127.0.0.1 and a database path."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hfscan.testing.fakehub import FakeHub


@pytest.fixture
def hub() -> Iterator[FakeHub]:
    with FakeHub(models=1200, seed=11) as running:
        yield running


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "hfscan.duckdb"
