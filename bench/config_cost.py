"""What `expand=config` costs: listing page bytes and scan time with and without it, on the fake Hub.

    python bench/config_cost.py [--models 20000]

Prints one JSON object: bytes over the whole createdAt listing for hfscan's `expand` list with and
without `config`, the extra bytes per model, the projection for a 3M-model scan, and the wall time
of a full `hfscan scan` (listing, staging, finalize; classify off) both ways. The fake Hub's config
objects carry model_type, architectures and a tokenizer config (a 0.5-4 KB chat template for one
repo in five), shaped like the real Hub's (docs/LOADABLE.md, "Cost").
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from page_bytes import listing_bytes

from hfscan.crawl import listing
from hfscan.jobs.scan import ScanOptions, run_scan
from hfscan.testing.fakehub import FakeHub

HUB_MODELS = 3_000_000


def scan_seconds(url: str, expand: tuple[str, ...]) -> float:
    saved = listing.EXPAND_FIELDS
    listing.EXPAND_FIELDS = expand
    try:
        with tempfile.TemporaryDirectory() as tmp:
            started = time.perf_counter()
            run_scan(Path(tmp) / "bench.duckdb", url, None, ScanOptions(classify=False))
            return round(time.perf_counter() - started, 2)
    finally:
        listing.EXPAND_FIELDS = saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=20_000)
    parser.add_argument("--limit", type=int, default=1000)
    args = parser.parse_args()
    with_config = listing.EXPAND_FIELDS
    without = tuple(f for f in with_config if f != "config")
    with FakeHub(models=args.models, seed=3) as hub:
        size_with = listing_bytes(hub.url, with_config, args.limit)
        size_without = listing_bytes(hub.url, without, args.limit)
        # Alternated, best of two each: the fake Hub caches pages, so the first scan pays for building them.
        runs = [(name, scan_seconds(hub.url, expand)) for _ in range(2)
                for name, expand in (("without", without), ("with", with_config))]
        seconds_without = min(t for name, t in runs if name == "without")
        seconds_with = min(t for name, t in runs if name == "with")
    extra = (size_with["bytes"] - size_without["bytes"]) / args.models
    print(json.dumps({
        "models": args.models, "pages": size_with["pages"],
        "bytes_without_config": size_without["bytes"], "bytes_with_config": size_with["bytes"],
        "extra_percent": round(100 * (size_with["bytes"] / size_without["bytes"] - 1), 1),
        "extra_bytes_per_model": round(extra, 1),
        "projected_extra_bytes_3m": round(extra * HUB_MODELS),
        "scan_seconds_without_config": seconds_without, "scan_seconds_with_config": seconds_with,
    }, indent=2))


if __name__ == "__main__":
    main()
