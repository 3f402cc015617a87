"""Commit logs and trees of one repo, fetched through HubClient and parsed into rows.

The commit log pages 50 commits unless asked: hfscan asks for 1000 (the maximum), so nearly every
repo costs one request (docs/HUB_PROTOCOL.md, "Commit logs"). Nothing here touches the database.

An answer that is not a JSON list (an HTML page with status 200, an object) raises PageParseError
inside the client's retry loop: it is fetched again, then the repo is recorded as failed, never
stored as its history. One malformed item (a commit without a 40-hex id or with a date that is
not one, a tree entry without a path) is left out and counted, and the rest is kept.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote

from hfscan.crawl.client import HubClient, PageParseError
from hfscan.crawl.untrusted import repo_path
from hfscan.dates import parse_utc

BOT_AUTHORS = {"SFconvertbot", "system", "librarian-bot", "hf-bot"}

BOT_TITLE = re.compile(r"adding `safetensors` variant|^librarian bot:", re.IGNORECASE)

_HUB_DATE = "%Y-%m-%dT%H:%M:%S.%fZ"

_COMMIT_ID = re.compile(r"[0-9a-f]{40}")

COMMITS_PER_PAGE = "1000"


# One item of the Hub's commit log ({"id", "date", "title", "authors", ...}) as the Hub sent it,
# checked (a valid id and date) but kept as JSON: commit_rows turns it into stored rows.
CommitItem = dict[str, Any]


@dataclass
class CommitLog:
    items: list[CommitItem] = field(default_factory=list)  # newest first, each with a valid id and date
    rejected: int = 0  # malformed items left out


@dataclass
class Tree:
    files: list[str] = field(default_factory=list)
    rejected: int = 0


def parse_list(body: bytes) -> list[Any]:
    """A page that must be a JSON list; anything else is retried (PageParseError)."""
    try:
        parsed = json.loads(body)
    except (ValueError, RecursionError) as e:
        preview = body.lstrip()[:40].decode("utf-8", "replace")
        raise PageParseError(f"not JSON: {preview!r}") from e
    if not isinstance(parsed, list):
        raise PageParseError(f"expected a JSON list, got a {type(parsed).__name__}")
    return parsed


def commits_path(model_id: str, revision: str | None) -> str:
    # As huggingface_hub's list_repo_commits: the revision quoted with safe="" (a branch may hold "/").
    return f"/api/models/{repo_path(model_id)}/commits/{quote(revision or 'main', safe='')}"


def tree_path(model_id: str, commit_id: str) -> str:
    return f"/api/models/{repo_path(model_id)}/tree/{quote(commit_id, safe='')}"


def commit_log(client: HubClient, model_id: str, revision: str | None) -> CommitLog:
    """The repo's commits, newest first, as the API gives them (every page); malformed items counted."""
    log = CommitLog()
    for page in client.pages(commits_path(model_id, revision), [("limit", COMMITS_PER_PAGE)], parse_list,
                             what=f"commits of {model_id}"):
        for item in page.parsed:
            if _commit_problem(item) is None:
                log.items.append(item)
            else:
                log.rejected += 1
    return log


def _commit_problem(item: Any) -> str | None:
    if not isinstance(item, dict):
        return "not an object"
    if not isinstance(item.get("id"), str) or not _COMMIT_ID.fullmatch(item["id"]):
        return "id is not a 40-hex commit id"
    try:
        _parse_date(item.get("date"))
    except (TypeError, ValueError):
        return "date is not a date"
    return None


def tree_files(client: HubClient, model_id: str, commit_id: str) -> Tree:
    """Every file path of the repo at a commit (recursive, every page); malformed entries counted."""
    tree = Tree()
    for page in client.pages(tree_path(model_id, commit_id), [("recursive", "true"), ("expand", "false")],
                             parse_list, what=f"tree of {model_id}@{commit_id[:8]}"):
        for entry in page.parsed:
            if not isinstance(entry, dict) or not isinstance(entry.get("path"), str) or not entry["path"]:
                tree.rejected += 1
            elif entry.get("type") == "file":
                tree.files.append(entry["path"])
    return tree


def _parse_date(text: Any) -> datetime | None:
    if not text:
        return None
    if not isinstance(text, str):
        raise TypeError("a date must be a string")
    try:
        return datetime.strptime(text, _HUB_DATE)
    except ValueError:
        return parse_utc(text)


def commit_rows(model_id: str, items: list[CommitItem]) -> list[list[Any]]:
    """Newest-first API items (checked by commit_log) → rows with position 0 = the first commit."""
    rows = []
    total = len(items)
    for newest_first, item in enumerate(items):
        authors = [a.get("user") for a in item.get("authors") or [] if isinstance(a, dict) and a.get("user")]
        authors = [a for a in authors if isinstance(a, str)]
        title = item.get("title")
        title = title if isinstance(title, str) else ""
        is_bot = bool(set(authors) & BOT_AUTHORS) or bool(BOT_TITLE.search(title))
        rows.append([model_id, item.get("id"), _parse_date(item.get("date")), title, authors, is_bot,
                     total - 1 - newest_first])
    return rows
