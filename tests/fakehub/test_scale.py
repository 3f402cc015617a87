"""Serving a 3M-model listing needs no per-model state: memory must not grow with N."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "fakehub_bench.py"


@pytest.mark.slow
def test_first_and_last_page_of_3m_models_in_flat_memory() -> None:
    spec = importlib.util.spec_from_file_location("fakehub_bench", BENCH)
    assert spec and spec.loader
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    small, large = bench.measure(100_000), bench.measure(3_000_000)
    assert large["first_page_items"] == large["last_page_items"] == 1000
    # Both sizes hold the same (bounded) real-data sample; 30x the models may not cost 30 MB more.
    assert large["rss_after_last_page_mb"] - small["rss_after_last_page_mb"] < 30, (small, large)
