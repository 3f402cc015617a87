"""Commit logs and trees of one repo, fetched through HubClient and parsed into rows.

The commit log pages 50 commits unless asked: hfscan asks for 1000 (the maximum), so nearly every
repo costs one request (docs/HUB_PROTOCOL.md, "Commit logs"). Nothing here touches the database.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from hfscan.crawl.client import HubClient
from hfscan.dates import parse_utc

BOT_AUTHORS = {"SFconvertbot", "system", "librarian-bot", "hf-bot"}

BOT_TITLE = re.compile(r"adding `safetensors` variant|^librarian bot:", re.IGNORECASE)

_HUB_DATE = "%Y-%m-%dT%H:%M:%S.%fZ"

COMMITS_PER_PAGE = "1000"


def commit_log(client: HubClient, model_id: str, revision: str | None) -> list[dict[str, Any]]:
    """The repo's commits, newest first, as the API gives them (every page)."""
    items: list[dict[str, Any]] = []
    for page in client.pages(f"/api/models/{model_id}/commits/{revision or 'main'}",
                             [("limit", COMMITS_PER_PAGE)], json.loads, what=f"commits of {model_id}"):
        items += page.parsed
    return items


def tree_files(client: HubClient, model_id: str, commit_id: str) -> list[str]:
    """Every file path of the repo at a commit (recursive, every page)."""
    files: list[str] = []
    for page in client.pages(f"/api/models/{model_id}/tree/{commit_id}",
                             [("recursive", "true"), ("expand", "false")], json.loads,
                             what=f"tree of {model_id}@{commit_id[:8]}"):
        files += [e["path"] for e in page.parsed if isinstance(e, dict) and e.get("type") == "file"]
    return files


def _parse_date(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.strptime(text, _HUB_DATE)
    except ValueError:
        return parse_utc(text)


def commit_rows(model_id: str, items: list[dict[str, Any]]) -> list[list[Any]]:
    """Newest-first API items → rows with position 0 = the first commit."""
    rows = []
    total = len(items)
    for newest_first, item in enumerate(items):
        authors = [a.get("user") for a in item.get("authors") or [] if isinstance(a, dict) and a.get("user")]
        title = item.get("title") or ""
        is_bot = bool(set(authors) & BOT_AUTHORS) or bool(BOT_TITLE.search(title))
        rows.append([model_id, item.get("id"), _parse_date(item.get("date")), title, authors, is_bot,
                     total - 1 - newest_first])
    return rows
