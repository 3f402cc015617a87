"""What an endpoint's answer or URL may be before hfscan uses it: an endpoint may be pointed
anywhere (a mirror, a proxy, an enterprise Hub), so its commit ids, repo ids and links are data to
check, never paths or origins to trust."""

from __future__ import annotations

import re

from hfscan.errors import HubError

_COMMIT_ID = re.compile(r"[0-9a-f]{40}")


def commit_id(value: object, what: str) -> str:
    """A commit id from an answer (commits[].id, dataset_info.sha, ...), accepted only as 40 lowercase
    hex digits: huggingface_hub writes `refs/<revision>` under its cache, so a revision such as
    `../../.bashrc` from a hostile endpoint would write outside it."""
    if isinstance(value, str) and _COMMIT_ID.fullmatch(value):
        return value
    shown = repr(value)[:60]
    raise HubError(f"{what}: the endpoint answered {shown} as a commit id (expected 40 hex digits)",
                   hint="check --endpoint / HF_ENDPOINT: a real Hub never answers this")


def repo_path(repo_id: str) -> str:
    """A repo id as URL path segments: each segment quoted (`#`, `?`, `%`, spaces are data, not URL
    syntax); `.`, `..` and empty segments refused (huggingface_hub's validate_repo_id refuses them too)."""
    from urllib.parse import quote

    parts = repo_id.split("/")
    if len(parts) > 2 or any(p in ("", ".", "..") for p in parts):
        raise HubError(f"{repo_id!r} is not a repo id")
    return "/".join(quote(p, safe="") for p in parts)


def origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) with the scheme's default port filled in, as httpx compares origins."""
    from urllib.parse import urlsplit

    split = urlsplit(url)
    try:
        port = split.port
    except ValueError:
        port = -1  # not a port: never the endpoint's
    default = {"http": 80, "https": 443}.get(split.scheme.lower())
    return split.scheme.lower(), (split.hostname or "").lower(), port if port is not None else default


def origin_text(url: str) -> str:
    scheme, host, port = origin(url)
    return f"{scheme}://{host}:{port}"


