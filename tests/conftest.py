"""Fixtures shared by every test.

The developer's token, HF_HOME and endpoint never reach a test: each test gets a fresh HF_HOME
(huggingface_hub caches the agent-harness answer there) and no token.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# The fake Hub's calendar runs from before 2021 to 2026-12-22 (BASE_END + 51 days), partly after
# the real clock; hfscan refuses dumps dated after now (hfscan.dates.now_utc). Fixed, so that no
# test depends on the day it runs (set at import: module-scoped fixtures run before autouse ones).
os.environ["HFSCAN_NOW"] = "2027-01-01T00:00:00"

REPO_ROOT = Path(__file__).resolve().parents[1]
# The real Hub data the tests use (provenance: tests/data/real/README.md). It was copied from a
# read-only folder next to the repository on the machines where hfscan is developed; when that
# folder is present, tests/test_real_data_copy.py checks the copy still matches it.
REAL_DATA = REPO_ROOT / "tests" / "data" / "real"
SHARED_REAL_DATA = REPO_ROOT.parent / "shared" / "data" / "real"


@pytest.fixture(autouse=True)
def isolated_hf_env(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path_factory.mktemp("hf_home")
    monkeypatch.setenv("HF_HOME", str(home))
    monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")
    monkeypatch.setenv("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    for name in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_ENDPOINT", "HFSCAN_DB", "HF_HUB_OFFLINE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HF_TOKEN_PATH", str(home / "no-token"))


@pytest.fixture
def real_data() -> Path:
    return REAL_DATA
