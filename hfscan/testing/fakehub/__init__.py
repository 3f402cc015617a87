"""A fake Hugging Face Hub: a real HTTP server on 127.0.0.1 with a planted, deterministic population.

    with FakeHub(models=1000, seed=1) as hub:
        os.environ["HF_ENDPOINT"] = hub.url
        ...                       # hfscan / huggingface_hub talk to it as to the real Hub
        hub.truth()               # the planted answers
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Mapping
from typing import Any, Self

from hfscan.testing.fakehub.population import Population
from hfscan.testing.fakehub.server import ALL_GATES, Hub, make_server

__all__ = ["ALL_GATES", "FakeHub", "Population"]

POLL_S = 0.02


class FakeHub:
    """The server in a background thread of this process (tests, the demo)."""

    def __init__(self, models: int = 1000, seed: int = 0, port: int = 0, host: str = "127.0.0.1",
                 quota: dict[str, int] | None = None, tree_page_size: int = 1000, commits_page_size: int = 50,
                 hostile: bool = False, gate_access: Mapping[str, Collection[str]] | None = None) -> None:
        self.hub = Hub(models, seed, quota, tree_page_size, commits_page_size, hostile)
        self.set_gate_access(gate_access or {})
        self._server = make_server(self.hub, host, port)
        # A second origin on the same loopback address (another port is another origin for httpx),
        # where `resolve` sends LFS files, as the real Hub sends them to its CDN / Xet bridge.
        self._cdn = make_server(self.hub, host, 0, cdn=True)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return self.hub.url

    @property
    def population(self) -> Population:
        return self.hub.population

    def start(self) -> Self:
        # A short poll: `stop` waits for each server's loop to notice the shutdown request (up to one
        # poll interval each; socketserver's default 0.5 s adds up over the test suite's many hubs).
        self._thread = threading.Thread(target=self._server.serve_forever, args=(POLL_S,), name="fakehub",
                                        daemon=True)
        self._thread.start()
        threading.Thread(target=self._cdn.serve_forever, args=(POLL_S,), name="fakehub-cdn", daemon=True).start()
        return self

    def stop(self) -> None:
        for server in (self._server, self._cdn):
            server.shutdown()
            server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def truth(self, as_of: list[str] | tuple[str, ...] = (), per_model: bool = False,
              frameworks: dict[str, tuple[bool, bool, bool]] | None = None) -> dict[str, Any]:
        return self.hub.truth(as_of, per_model, frameworks)

    def model_ids(self) -> list[str]:
        """Ids of the models listed at the current epoch."""
        population, epoch = self.hub.population, self.hub.epoch
        return [population.id_of(i) for i in range(population.size(epoch)) if not population.deleted(i, epoch)]

    def set_epoch(self, epoch: int) -> None:
        self.hub.set_epoch(epoch)

    def set_faults(self, faults: list[dict[str, Any]]) -> None:
        self.hub.faults.set(faults)

    def set_load_limit(self, limit: int | None) -> None:
        """Refuse listing pages of more than `limit` models with 504, as an overloaded Hub does."""
        self.hub.load_limit = limit

    def clear_faults(self) -> None:
        self.hub.faults.clear()

    def stats(self) -> dict[str, Any]:
        return self.hub.stats_snapshot()

    def set_access(self, access: dict[str, str]) -> None:
        """Plant per-repo access: model id -> gone | private | disabled | gated (see server.Hub)."""
        from hfscan.testing.fakehub.server import ACCESS_STATES

        unknown = set(access.values()) - ACCESS_STATES
        if unknown:
            raise ValueError(f"unknown access states: {sorted(unknown)}")
        self.hub.access = dict(access)

    def set_gate_access(self, gate_access: Mapping[str, Collection[str]]) -> None:
        """Plant which tokens have accepted which gates: token -> gated repo ids (ALL_GATES: every
        one). Gated repos (the population's, or planted with set_access) refuse their commit log,
        tree, paths-info and files to every other caller: 401 anonymous, 403 with a token."""
        self.hub.gate_access = {token: frozenset(ids) for token, ids in gate_access.items()}

    def set_renamed(self, renamed: dict[str, str]) -> None:
        """Plant renames: old id -> new id (the old name answers 307 to the new one)."""
        self.hub.renamed = dict(renamed)
