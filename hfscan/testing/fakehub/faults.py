"""Switchable faults: which request gets which misbehaviour, and how often.

A fault is a dict (so tests and the admin route share one format):
    {"kind": "5xx" | "429" | "401" | "drop" | "truncate" | "html200" | "malformed_item" | "latency",
     "route": "listing" | "model" | "tree" | "commits" | "resolve" | "any",
     "page": k            fire on the k-th listing page only, or
     "every": n           fire on every n-th request of the route,
     "count": c           at most c times (default 1),
     "status": [503],     5xx codes to cycle through
     "reset": t, "retry_after": s, "ratelimit": true   (429)
     "ms": x}             (latency)
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

KINDS = {"5xx", "429", "401", "drop", "truncate", "html200", "malformed_item", "latency"}
ROUTES = {"listing", "model", "tree", "commits", "resolve", "dataset_commits", "dataset_paths-info",
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
    fired: int = 0

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> Fault:
        unknown = set(raw) - {f for f in cls.__dataclass_fields__ if f != "fired"}
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
            for fault in self._faults:
                if fault.fired >= fault.count or fault.route not in (route, "any"):
                    continue
                if fault.page is not None and fault.page != page:
                    continue
                if fault.every is not None and seen % fault.every:
                    continue
                fault.fired += 1
                self.fired += 1
                return fault
        return None
