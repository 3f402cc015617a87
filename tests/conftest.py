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


# Rough seconds per test file (`pytest -n 2 --durations=0` on two busy shared cores, summed per
# file; files under 10 s left out), slowest first. With `--no-loadscope-reorder` (pyproject addopts),
# `-n 2 --dist loadfile` hands the files to the workers in this order, so the long ones start first
# and the short ones fill in at the end; xdist's default order (most tests first) left slow files of
# few tests for last while the other worker idled. Only the order depends on these figures: a file
# not listed runs after these (files with more tests first); the tests of a file keep their order.
FILE_SECONDS = {
    "tests/test_bench_smoke.py": 150,
    "tests/hostile/test_dumps_and_sql.py": 103,
    "tests/reliability/test_kill_history_probe.py": 100,
    "tests/reliability/test_soak.py": 99,
    "tests/jobs/test_publish.py": 99,
    "tests/hostile/test_endpoint.py": 85,
    "tests/store/test_import_hf_dataset.py": 71,
    "tests/crawl/test_scan.py": 70,
    "tests/reliability/test_storage_faults.py": 65,
    "tests/jobs/test_history_failures.py": 64,
    "tests/report/test_exports.py": 59,
    "tests/store/test_import_series.py": 57,
    "tests/classify/test_known_cases.py": 56,
    "tests/analysis/test_as_of.py": 40,
    "tests/fakehub/test_calibration.py": 36,
    "tests/test_demo_summary.py": 35,
    "tests/analysis/test_creation_dates.py": 33,
    "tests/crawl/test_scan_kill.py": 32,
    "tests/cli/test_golden_json.py": 31,
    "tests/analysis/test_estimate_coverage.py": 30,
    "tests/reliability/test_bad_input.py": 26,
    "tests/store/test_aggregates.py": 25,
    "tests/report/test_report.py": 24,
    "tests/classify/test_classify_db.py": 23,
    "tests/store/test_export_import.py": 22,
    "tests/reliability/test_rate_limit_storms.py": 21,
    "tests/classify/test_loading_paths.py": 21,
    "tests/reliability/test_security.py": 20,
    "tests/analysis/test_timeline.py": 20,
    "tests/store/test_runs.py": 18,
    "tests/jobs/test_estimate_bugs.py": 18,
    "tests/crawl/test_token_never_leaks.py": 18,
    "tests/analysis/test_shares_e2e.py": 16,
    "tests/test_readme_queries.py": 15,
    "tests/crawl/test_probe_access.py": 15,
    "tests/classify/test_loadable_e2e.py": 15,
    "tests/jobs/test_history.py": 14,
    "tests/classify/test_properties.py": 12,
    "tests/analysis/test_snapshot_dates.py": 12,
    "tests/report/test_source.py": 11,
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    files: dict[str, list[pytest.Item]] = {}
    for item in items:
        files.setdefault(item.nodeid.split("::", 1)[0], []).append(item)
    order = sorted(files, key=lambda path: (-FILE_SECONDS.get(path, 0), -len(files[path])))
    items[:] = [item for path in order for item in files[path]]


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
