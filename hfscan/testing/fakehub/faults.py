"""Switchable faults: which request gets which misbehaviour, and how often.

A fault is a dict (so tests and the admin route share one format):
    {"kind": "5xx" | "429" | "401" | "401bare" | "403disabled" | "drop" | "truncate" | "html200"
             | "malformed_item" | "latency",
     "route": "listing" | "model" | "tree" | "commits" | "resolve" | "any",
     "page": k            fire on the k-th listing page only, or
     "every": n           fire on every n-th request of the route,
     "count": c           at most c times (default 1),
     "status": [503],     5xx codes to cycle through
     "reset": t, "retry_after": s, "ratelimit": true   (429)
     "hold_ms": h         (429) once fired, keep refusing every request of the route for h ms,
                          whatever `count` says: the Hub's window has not reset yet (with reset=0,
                          the real Hub's `t=0` in the window's last second)
     "ms": x}             (latency; drip: ms between bytes)

Hostile answers (tests/hostile/test_endpoint.py: an endpoint a user may point anywhere):
    "foreign_next"  the `Link` next URL points to the second loopback origin (the "CDN"), which
                    counts the Authorization headers it receives
    "same_next"     the `Link` next URL is the page just served (a cursor that never advances)
    "drip"          the body leaves one byte every `ms` ms (default 1000)
    "gzip_bomb"     `Content-Encoding: gzip`, `size` bytes decoded (a JSON array of spaces)
    "ratelimit_200" a successful answer saying `RateLimit: "api";r=0;t=<reset>`
    "deep_item"     one listing item's `config` nested 1,100 deep
    "bigint_item"   one listing item with an integer wider than 64 bits, one with bad siblings
    "non_list"      a JSON object where a list belongs (commit logs, trees)
    "bad_date"      one commit with a date that is not one
    "no_path"       one tree entry without `path`
    "deep_header"   (resolve) a safetensors header nested 1,100 deep
    "bad_sha"       `value` as the commit id: dataset_info.sha, the first commit of a dataset's log;
                    `resolve` at that revision answers the head commit's file (route "any")
    "echo_token"    400 whose X-Error-Message repeats the request's Authorization header

"401" is the answer to a bad token (X-Error-Message "Invalid credentials in Authorization header");
"401bare" is what an anonymous caller gets for a missing, private or deleted repo (no
X-Error-Code, "Invalid username or password."); "403disabled" a disabled repo.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

KINDS = {"5xx", "429", "401", "401bare", "403disabled", "drop", "truncate", "html200", "malformed_item", "latency",
         "foreign_next", "same_next", "drip", "gzip_bomb", "ratelimit_200", "deep_item", "bigint_item", "non_list",
         "bad_date", "no_path", "deep_header", "bad_sha", "echo_token"}
ROUTES = {"listing", "model", "tree", "commits", "resolve", "dataset", "dataset_commits", "dataset_paths-info",
          "dataset_tree", "dataset_resolve",
          "repo_create", "preupload", "lfs_batch", "lfs_upload", "lfs_verify", "commit_upload", "any"}


@dataclass
class Fault:
    kind: str
    route: str = "listing"
    page: int | None = None
    every: int | None = None
    count: int = 1
    status: list[int] = field(default_factory=lambda: [503])
    reset: int = 1
    retry_after: int | None = None
    ratelimit: bool = True
    ms: int = 0
    hold_ms: int = 0
    size: int = 256 * 2**20  # gzip_bomb: decoded bytes
    value: str = ""  # bad_sha: the commit id planted
    fired: int = 0
    held_until: float = 0.0

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> Fault:
        unknown = set(raw) - {f for f in cls.__dataclass_fields__ if f not in ("fired", "held_until")}
        if unknown:
            raise ValueError(f"unknown fault keys: {sorted(unknown)}")
        fault = cls(**raw)
        if fault.kind not in KINDS:
            raise ValueError(f"unknown fault kind {fault.kind!r}")
        if fault.route not in ROUTES:
            raise ValueError(f"unknown fault route {fault.route!r}")
        return fault


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._seen: dict[str, int] = {}
        self.fired = 0

    def set(self, raw: list[dict[str, Any]]) -> None:
        parsed = [Fault.parse(item) for item in raw]
        with self._lock:
            self._faults = parsed
            self._seen = {}

    def clear(self) -> None:
        self.set([])

    def pick(self, route: str, page: int | None) -> Fault | None:
        """The fault this request gets (counted as fired), if any."""
        with self._lock:
            self._seen[route] = self._seen.get(route, 0) + 1
            seen = self._seen[route]
            now = time.monotonic()
            for fault in self._faults:
                if fault.route not in (route, "any"):
                    continue
                if now < fault.held_until:
                    self.fired += 1
                    return fault
                if fault.fired >= fault.count:
                    continue
                if fault.page is not None and fault.page != page:
                    continue
                if fault.every is not None and seen % fault.every:
                    continue
                fault.fired += 1
                self.fired += 1
                if fault.hold_ms:
                    fault.held_until = now + fault.hold_ms / 1000
                return fault
        return None
