"""Safetensors headers (``__metadata__.format``) read with HTTP range requests through HubClient.

`resolve` answers 302 to a CDN for LFS files; the client follows it keeping `Range` and dropping
`Authorization` on the other host (docs/HUB_PROTOCOL.md, "Redirects"). Nothing here touches the
database.
"""

from __future__ import annotations

import json
from urllib.parse import quote

from hfscan.crawl.client import HubClient
from hfscan.crawl.untrusted import repo_path
from hfscan.errors import HubError, first_line

FIRST_READ = 100_000  # bytes of the first range read (what huggingface_hub reads too)

MAX_HEADER = 25_000_000  # the largest safetensors header huggingface_hub accepts


class HeaderReader:
    """Safetensors headers read through HubClient (its retries, quota, waits and typed errors):
    one range read of the first FIRST_READ bytes, a second one when the header is longer."""

    def __init__(self, client: HubClient) -> None:
        self.client = client

    @property
    def requests(self) -> int:
        return self.client.stats.requests

    def _range(self, url: str, start: int, end: int, what: str) -> bytes:
        # 206 with the range, or 200 with the whole file (both start at `start`): never read more
        # than the range, whatever the server sends.
        _, body = self.client.request("GET", url, headers={"Range": f"bytes={start}-{end}"}, what=what,
                                      keep_first=end - start + 1)
        return bytes(body)

    def read(self, model_id: str, sha: str, path: str) -> tuple[str | None, str, str | None]:
        """(format, status, error) for one file; status is ok, no_metadata, gone, gated, disabled or
        error. A bad token, the rate-limit budget spent or an outage stop the run (raised)."""
        what = f"{model_id}/{path}"
        try:
            # The revision quoted whole, as huggingface_hub quotes it; the file path keeps its "/".
            url = self.client.url(f"/{repo_path(model_id)}/resolve/{quote(sha, safe='')}/{quote(path)}")
            first = self._range(url, 0, FIRST_READ - 1, what)
            if len(first) < 8:
                return None, "error", "not a safetensors header: fewer than 8 bytes"
            length = int.from_bytes(first[:8], "little")
            if length > MAX_HEADER:
                return None, "error", f"not a safetensors header: a header of {length:,} bytes"
            header = first[8:8 + length]
            if len(header) < length:
                header = self._range(url, 8, 8 + length - 1, what)[:length]
        except HubError as e:
            if e.stops_run:
                raise
            return None, e.status, first_line(e)
        try:
            parsed = json.loads(header)
        except RecursionError:  # anyone can upload a header nested deeper than the parser goes
            return None, "error", "not a safetensors header: JSON nested too deep"
        except (UnicodeDecodeError, ValueError) as e:
            return None, "error", f"not a safetensors header: {type(e).__name__}"
        meta = parsed.get("__metadata__") if isinstance(parsed, dict) else None
        fmt = meta.get("format") if isinstance(meta, dict) else None
        if fmt is None:
            return None, "no_metadata", None
        return str(fmt).lower(), "ok", None
