"""Where things are: the database path, the Hub endpoint and the token.

The token is read from the environment (or huggingface_hub's own login) at call time and is only
ever handed to huggingface_hub's header builder: it is never stored, logged or printed.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlparse

from hfscan.errors import UsageError

DEFAULT_DB = Path("data") / "hfscan.duckdb"
DEFAULT_ENDPOINT = "https://huggingface.co"


def resolve_db_path(db: str | Path | None) -> Path:
    """--db wins, then HFSCAN_DB, then data/hfscan.duckdb (relative to the working directory)."""
    value = db if db not in (None, "") else os.environ.get("HFSCAN_DB") or DEFAULT_DB
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


def resolve_token(token: str | None = None) -> str | None:
    """The token for Hub calls: explicit, else HF_TOKEN, else huggingface_hub's stored login."""
    if token:
        return token
    from huggingface_hub import get_token

    return get_token()
