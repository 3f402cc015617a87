"""Listing page bytes with and without `expand=gguf` (the chat templates), over a whole listing.

    python bench/page_bytes.py [--models 20000] [--limit 1000]

Prints one JSON object: pages, total and newest-page bytes for hfscan's `expand` list, and the same
with `gguf` added back (what scans asked for before). The fake Hub's gguf objects carry chat
templates of 0.1-19 KB, like the real Hub's.
"""

from __future__ import annotations

import argparse
import json

from huggingface_hub.utils import httpx

from hfscan.crawl.listing import EXPAND_FIELDS
from hfscan.testing.fakehub import FakeHub


def listing_bytes(url: str, expand: tuple[str, ...], limit: int) -> dict[str, int]:
    params: list[tuple[str, str]] = [("sort", "createdAt"), *(("expand", e) for e in expand), ("limit", str(limit))]
    sizes: list[int] = []
    next_url: str | None = f"{url}/api/models"
    with httpx.Client(timeout=60) as client:
        while next_url:
            response = client.get(next_url, params=params if not sizes else None)
            sizes.append(len(response.content))
            next_url = response.links.get("next", {}).get("url")
    return {"pages": len(sizes), "bytes": sum(sizes), "newest_page": sizes[0], "largest_page": max(sizes)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=20_000)
    parser.add_argument("--limit", type=int, default=1000)
    args = parser.parse_args()
    stored = tuple(e for e in EXPAND_FIELDS if e != "gguf")
    with FakeHub(models=args.models, seed=1) as hub:
        result = {"models": args.models, "limit": args.limit,
                  "without_gguf": listing_bytes(hub.url, stored, args.limit),
                  "with_gguf": listing_bytes(hub.url, (*stored, "gguf"), args.limit)}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
