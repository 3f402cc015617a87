"""Fake Hub at scale: RSS of the server process while it serves a listing's first and last pages.

    .venv/bin/python bench/fakehub_bench.py [--models 3000000 100000]

Prints one JSON line per population size: start-up seconds, RSS after start, after the first
page, after the last page (reached with a keyset cursor near the end), and page latencies.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hfscan.testing.fakehub.server import encode_cursor  # noqa: E402

EXPAND = "&".join(f"expand={k}" for k in ("siblings", "tags", "createdAt", "lastModified", "sha", "downloads"))


def measure(models: int) -> dict[str, float]:
    import urllib.request

    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "hfscan.testing.fakehub", "--models", str(models), "--seed", "1"],
                            cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        url = proc.stdout.readline().strip() if proc.stdout else ""
        ready = time.monotonic() - started
        rss = lambda: psutil.Process(proc.pid).memory_info().rss / 2**20  # noqa: E731
        after_start = rss()

        def get(query: str) -> tuple[float, int]:
            t = time.monotonic()
            with urllib.request.urlopen(f"{url}/api/models?limit=1000&{EXPAND}{query}") as response:
                items = json.loads(response.read())
            return time.monotonic() - t, len(items)

        first_s, first_n = get("")
        after_first = rss()
        last_cursor = encode_cursor({"s": "createdAt", "i": 1000, "k": 0, "p": models // 1000})
        last_s, last_n = get(f"&cursor={last_cursor}")
        after_last = rss()
        return {"models": models, "ready_s": round(ready, 2), "rss_start_mb": round(after_start, 1),
                "rss_after_first_page_mb": round(after_first, 1), "rss_after_last_page_mb": round(after_last, 1),
                "first_page_s": round(first_s, 3), "first_page_items": first_n,
                "last_page_s": round(last_s, 3), "last_page_items": last_n}
    finally:
        proc.kill()
        proc.wait()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", type=int, nargs="+", default=[100_000, 3_000_000])
    for models in parser.parse_args().models:
        print(json.dumps(measure(models)), flush=True)


if __name__ == "__main__":
    main()
