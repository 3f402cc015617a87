"""Where things are: the database path, the Hub endpoint and the token.

The token is resolved in crawl/auth.py (the only code that touches huggingface_hub's login).
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlparse

from hfscan.errors import UsageError

DEFAULT_DB = Path("data") / "hfscan.duckdb"
DEFAULT_ENDPOINT = "https://huggingface.co"
# The fake Hub (hfscan.testing.fakehub) sends this header on every answer; a scan that saw it
# records `scan_log.planted`, so that a report of its data never reads as the real Hub's, even
# when the endpoint is renamed or the database copied.
PLANTED_HEADER = "X-Hfscan-Fake-Hub"
PLANTED_VALUE = "planted"


def resolve_db_path(db: str | Path | None) -> Path:
    """--db wins, then HFSCAN_DB, then data/hfscan.duckdb (relative to the working directory)."""
    value = db if db is not None and db != "" else os.environ.get("HFSCAN_DB") or DEFAULT_DB
    return Path(value).expanduser()


def resolve_endpoint(endpoint: str | None) -> str:
    """--endpoint wins, then HF_ENDPOINT, then the real Hub. Validated as an http(s) URL."""
    value = endpoint or os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise UsageError(
            f"endpoint {value!r} is not an http(s) URL",
            hint="set --endpoint or HF_ENDPOINT to e.g. https://huggingface.co",
        )
    return value.rstrip("/")


def first_scan_hint() -> str:
    """What to say where a database has no snapshot yet. Never a bare "run `hfscan scan`": that
    starts a crawl of the whole Hub, which a newcomer trying hfscan out does not expect."""
    endpoint = os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT
    return (f"`hfscan scan` would crawl every model of {endpoint} into it (hours on the real Hub); "
            "to try hfscan first, `make demo` scans a local fake Hub into data/demo.duckdb "
            "(then pass --db data/demo.duckdb)")
