"""The fake Hub's HTTP server: the routes of docs/HUB_PROTOCOL.md on 127.0.0.1, plus /_fakehub admin.

Real HTTP/1.1 with keep-alive, absolute `Link` next URLs with an opaque keyset cursor, the
`RateLimit` headers on every answer and a fixed-window quota, `X-Error-Code` / `X-Error-Message`
on errors. Access answers like the real Hub's (see `Handler._repo`): an anonymous caller gets a
bare 401 for a missing, private or deleted repo, a caller with a token a 404 `RepoNotFound`.
LFS files on `resolve` answer 302 to a second loopback server (the "CDN", another origin), and
renamed repos 307 to their new name.
"""

from __future__ import annotations

import base64
import bisect
import ipaddress
import json
import re
import socket
import threading
import time
from collections import Counter, OrderedDict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

from hfscan.config import PLANTED_HEADER, PLANTED_VALUE
from hfscan.testing.fakehub import datasets_repo, hostile, metadata_repo, render, series_repos, uploads
from hfscan.testing.fakehub.faults import Fault, Faults
from hfscan.testing.fakehub.population import Model, Population
from hfscan.testing.fakehub.truth import model_truth, truth

SORTS = {"createdAt", "lastModified", "downloads", "likes", "trendingScore"}
MAX_LIMIT = 1000
_SHA = re.compile(r"[0-9a-f]{40}")
MAX_COMMITS_LIMIT = 1000  # the commit log's largest `limit` (HUB_PROTOCOL.md, "Commit logs")
WINDOW = 300


class HubError(Exception):
    def __init__(self, status: int, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.code = status, message, code


# The real Hub's answers for a repo the caller may not see (docs/HUB_PROTOCOL.md, "Errors and
# authentication").
ANONYMOUS_NOT_FOUND = "Invalid username or password."
INVALID_CREDENTIALS = "Invalid credentials in Authorization header"
DISABLED = "Access to this resource is disabled."
ACCESS_STATES = {"gone", "private", "disabled", "gated"}
# A token planted with this entry has accepted every gate (FakeHub(gate_access=...)).
ALL_GATES: frozenset[str] = frozenset({"*"})


class Quota:
    """A fixed 5-minute window per bucket ("api", "resolvers"), as the Hub announces it."""

    def __init__(self, limits: dict[str, int]) -> None:
        self.limits = limits
        self._lock = threading.Lock()
        self._window_start = time.monotonic()
        self._used: Counter[str] = Counter()

    def take(self, bucket: str) -> tuple[bool, int, int, int]:
        """(allowed, remaining, seconds to reset, quota)."""
        with self._lock:
            now = time.monotonic()
            if now - self._window_start >= WINDOW:
                self._window_start, self._used = now, Counter()
            limit = self.limits[bucket]
            reset = max(1, int(WINDOW - (now - self._window_start)))
            if self._used[bucket] >= limit:
                return False, 0, reset, limit
            self._used[bucket] += 1
            return True, limit - self._used[bucket], reset, limit


class Hub:
    """State shared by the request threads: the population, the epoch, faults, caches, stats."""

    def __init__(self, models: int, seed: int, quota: dict[str, int] | None = None,
                 tree_page_size: int = 1000, commits_page_size: int = 50, hostile: bool = False) -> None:
        self.population = Population(models, seed, hostile)
        self.epoch = 0
        self.faults = Faults()
        self.quota = Quota({"api": 10**9, "resolvers": 10**9, **(quota or {})})
        self.tree_page_size = tree_page_size
        self.commits_page_size = commits_page_size
        self.load_limit: int | None = None  # listing pages larger than this answer 504 (under load)
        self.url = ""
        self.cdn_url = ""  # the second loopback server LFS files redirect to ("" = no redirects)
        # Planted per-repo access (model id -> gone | private | disabled | gated), for repos the
        # listing showed and the per-repo calls then cannot read; and renames (old id -> new id).
        self.access: dict[str, str] = {}
        # Tokens whose user accepted gates: token -> gated repo ids it reads (ALL_GATES: every one).
        # Any other caller is refused a gated repo's commit log, tree, paths-info and files.
        self.gate_access: dict[str, frozenset[str]] = {}
        self.renamed: dict[str, str] = {}
        self.stats: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._orders: dict[tuple[str, int], tuple[list[int], list[int]]] = {}
        self._pages: OrderedDict[tuple, tuple[list[Model], dict[str, Any] | None]] = OrderedDict()
        # Dataset repos do not follow the epoch: their commits are the dumps of fixed epochs.
        self.datasets: dict[str, Any] = {datasets_repo.STATS_REPO: datasets_repo.stats_repo(self.population)}
        for repo in (series_repos.daily_repo(self.population), series_repos.weekly_repo(self.population)):
            self.datasets[repo.id] = repo
        self.datasets[metadata_repo.METADATA_REPO] = metadata_repo.metadata_repo(self.population)
        self.uploads = uploads.Uploads()  # users, LFS objects; uploaded repos join self.datasets

    # ---------------------------------------------------------------- orders and pages
    def _key(self, model: Model, sort: str) -> int:
        if sort == "lastModified":
            return model.last_modified
        if sort == "downloads":
            return render.downloads(model, self.epoch)
        if sort == "likes":
            return model.likes
        return 0  # trendingScore: all zero, so the order is by _id

    def _order(self, sort: str) -> tuple[list[int], list[int]]:
        """Sorted (negated composite key, index) for a non-createdAt sort, built once per epoch.

        This is the one structure that grows with N (8 bytes a model, only for these sorts): the
        createdAt order is the index order and needs none.
        """
        with self._lock:
            cached = self._orders.get((sort, self.epoch))
            if cached:
                return cached
            epoch = self.epoch
            keyed = sorted(
                (-((self._key(self.population.model(i, epoch), sort) << 23) | i), i)
                for i in range(self.population.size(epoch)) if not self.population.deleted(i, epoch)
            )
            order = ([k for k, _ in keyed], [i for _, i in keyed])
            self._orders = {(sort, epoch): order, **{k: v for k, v in self._orders.items() if k[1] == epoch}}
            return order

    def _walk(self, sort: str, cursor: dict[str, Any] | None):
        """Indices in listing order after the cursor (keyset: the order survives inserts and deletes)."""
        epoch = self.epoch
        if sort == "createdAt":
            start = self.population.size(epoch) - 1 if cursor is None else cursor["i"] - 1
            for index in range(start, -1, -1):
                if not self.population.deleted(index, epoch):
                    yield index
            return
        keys, indices = self._order(sort)
        position = 0 if cursor is None else bisect.bisect_right(keys, cursor["k"])
        yield from indices[position:]

    def page(self, sort: str, cursor: dict[str, Any] | None, limit: int, predicate: Any,
             cache_key: tuple) -> tuple[list[Model], dict[str, Any] | None]:
        key = (self.epoch, cache_key, json.dumps(cursor, sort_keys=True))
        with self._lock:
            if key in self._pages:
                self._pages.move_to_end(key)
                return self._pages[key]
        models: list[Model] = []
        more = False
        for index in self._walk(sort, cursor):
            model = self.population.model(index, self.epoch)
            if predicate and not predicate(model):
                continue
            if len(models) == limit:
                more = True
                break
            models.append(model)
        next_cursor = None
        if more and models:
            last = models[-1]
            next_cursor = {"s": sort, "i": last.index,
                           "k": -((self._key(last, sort) << 23) | last.index), "p": (cursor or {}).get("p", 1) + 1}
        with self._lock:
            self._pages[key] = (models, next_cursor)
            while len(self._pages) > 64:
                self._pages.popitem(last=False)
        return models, next_cursor

    def model(self, model_id: str) -> Model:
        index = self.population.index_of(model_id)
        if index is None or not self.population.exists(index, self.epoch):
            raise HubError(404, "Repository not found", "RepoNotFound")
        return self.population.model(index, self.epoch)

    def dataset(self, repo_id: str) -> Any:  # a DatasetRepo or an uploads.UploadedRepo
        if repo_id not in self.datasets:
            raise HubError(404, "Repository not found", "RepoNotFound")
        return self.datasets[repo_id]

    def set_epoch(self, epoch: int) -> None:
        with self._lock:
            self.epoch = epoch
            self._pages.clear()

    def truth(self, as_of: list[str] | tuple[str, ...] = (), per_model: bool = False,
              frameworks: dict[str, tuple[bool, bool, bool]] | None = None) -> dict[str, Any]:
        return truth(self.population, self.epoch, as_of, per_model, frameworks)

    def stats_snapshot(self) -> dict[str, Any]:
        return {**self.stats, "faults_fired": self.faults.fired, "epoch": self.epoch}


def encode_cursor(cursor: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(cursor, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(raw: str) -> dict[str, Any]:
    try:
        cursor = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
        int(cursor["i"]), int(cursor["k"])
        return cursor
    except Exception as e:
        raise HubError(400, "Invalid cursor") from e


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fakehub"
    hub: Hub  # set on the subclass made per server
    cdn = False  # True on the second origin's server

    def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read stats instead
        pass

    def end_headers(self) -> None:
        # Every answer (errors, redirects and the CDN's included) says it is planted data.
        self.send_header(PLANTED_HEADER, PLANTED_VALUE)
        super().end_headers()

    def setup(self) -> None:
        super().setup()
        # Headers and body leave in two writes: with Nagle's algorithm on, the body waits for the
        # client's delayed ACK of the headers (~40 ms a request on keep-alive connections), which
        # made per-repo calls (commits, trees, headers) look 40x slower than the server is.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    # ---------------------------------------------------------------- plumbing
    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_HEAD(self) -> None:
        self._dispatch("HEAD")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def _dispatch(self, method: str) -> None:
        hub = self.hub
        split = urlsplit(self.path)
        path, query = unquote(split.path), parse_qs(split.query, keep_blank_values=True)
        self._extra_headers: dict[str, str] = {}
        # Read the body whatever the answer: left unread (a 429 before the handler), it would be
        # taken for the next request on this keep-alive connection.
        self._body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        hub.stats["requests"] += 1
        if self.headers.get("Authorization"):
            hub.stats["authorization_seen"] += 1  # counted, never recorded
        try:
            if path.startswith("/_fakehub/"):
                self._admin(method, path, query)
                return
            if self.cdn:
                self._cdn(method, path)
                return
            moved = self._renamed(path)
            if moved:
                self._redirect(307, f"{hub.url}{quote(moved)}" + (f"?{split.query}" if split.query else ""), method)
                return
            route, handler = self._route(path)
            hub.stats[f"route:{route}"] += 1
            bucket = "resolvers" if route in ("resolve", "dataset_resolve") else "api"
            allowed, remaining, reset, limit = hub.quota.take(bucket)
            self._extra_headers["RateLimit"] = f'"{bucket}";r={remaining};t={reset}'
            self._extra_headers["RateLimit-Policy"] = f'"fixed window";"{bucket}";q={limit};w={WINDOW}'
            if not allowed:
                self._extra_headers["Retry-After"] = str(reset)
                raise HubError(429, "You have been rate-limited; retry later")
            page = None
            if route == "listing":
                page = decode_cursor(query["cursor"][0]).get("p", 1) if query.get("cursor") else 1
            fault = hub.faults.pick(route, page)
            if fault and (self._fault_before(fault) or self._hostile_before(fault, route, path, method)):
                return
            status, body, content_type = handler(method, path, query)
            self._send(status, body, content_type, method, fault)
        except HubError as e:
            hub.stats[f"status:{e.status}"] += 1
            headers = {"X-Error-Code": e.code} if e.code else {}
            headers["X-Error-Message"] = e.message
            self._send(e.status, json.dumps({"error": e.message}).encode(), "application/json", method,
                       None, headers)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _route(self, path: str) -> tuple[str, Any]:
        upload = uploads.upload_route(path)
        if upload:
            return upload[0], self._upload_handler(*upload)
        if path == "/api/models":
            return "listing", self._listing
        if path.startswith("/api/models/"):
            rest = path[len("/api/models/"):]
            for marker, route in (("/tree/", "tree"), ("/commits/", "commits"), ("/paths-info/", "paths_info"),
                                  ("/revision/", "model")):
                if marker in rest:
                    return route, self._per_repo(route, *rest.split(marker, 1))
            return "model", self._per_repo("model", rest, "main")
        if path.startswith("/api/datasets/"):
            owner, _, rest = path[len("/api/datasets/"):].partition("/")
            name, _, rest = rest.partition("/")
            route, _, rest = rest.partition("/")
            route = {"": "dataset", "revision": "dataset"}.get(route, f"dataset_{route}")
            return route, self._dataset_handler(route, f"{owner}/{name}", rest or "main")
        if path.startswith("/datasets/") and "/resolve/" in path:
            repo, rest = path[len("/datasets/"):].split("/resolve/", 1)
            return "dataset_resolve", self._dataset_handler("dataset_resolve", repo, rest)
        if "/resolve/" in path:
            repo, rest = path.lstrip("/").split("/resolve/", 1)
            return "resolve", self._resolve_handler(repo, rest)
        raise HubError(404, "Not Found")  # /api/agent-harnesses and everything unknown

    def _fault_before(self, fault: Fault) -> bool:
        """Faults that replace the answer; True when the request has been answered."""
        if fault.kind == "latency":
            time.sleep(fault.ms / 1000)
            return False
        if fault.kind == "5xx":
            status = fault.status[(fault.fired - 1) % len(fault.status)]
            raise HubError(status, "Internal Error - We're working hard to fix this as soon as possible!")
        if fault.kind == "429":
            if fault.ratelimit:
                self._extra_headers["RateLimit"] = f'"api";r=0;t={fault.reset}'
            self._extra_headers["Retry-After"] = str(fault.retry_after if fault.retry_after is not None else fault.reset)
            raise HubError(429, "You have been rate-limited; retry later")
        if fault.kind == "401":
            raise HubError(401, INVALID_CREDENTIALS)
        if fault.kind == "401bare":
            raise HubError(401, ANONYMOUS_NOT_FOUND)
        if fault.kind == "403disabled":
            raise HubError(403, DISABLED)
        if fault.kind == "html200":
            self._send(200, b"<!DOCTYPE html><html><body>Maintenance</body></html>", "text/html", "GET")
            return True
        return False

    def _hostile_before(self, fault: Fault, route: str, path: str, method: str) -> bool:
        """Hostile faults (hostile.py) that replace the answer; True when the request is answered."""
        if fault.kind == "ratelimit_200":
            self._extra_headers["RateLimit"] = f'"api";r=0;t={fault.reset}'
        elif fault.kind == "echo_token":
            raise HubError(400, f"Bad request from {self.headers.get('Authorization') or 'anonymous'}")
        elif fault.kind == "gzip_bomb":
            self._send(200, hostile.gzip_bomb(fault.size), "application/json", method,
                       headers={"Content-Encoding": "gzip"})
            return True
        elif fault.kind == "deep_header" and route == "resolve":
            self._send(200, hostile.deep_safetensors(), "application/octet-stream", method)
            return True
        elif fault.kind == "bad_sha" and route == "dataset_resolve" and f"/resolve/{fault.value}/" in path:
            repo_id = "/".join(path[len("/datasets/"):].split("/")[:2])
            file_path = path.split(f"/resolve/{fault.value}/", 1)[1]
            repo = self.hub.dataset(repo_id)
            commit = repo.commit_at("main")
            self._extra_headers.update({"X-Repo-Commit": commit.sha, "Accept-Ranges": "bytes",
                                        "ETag": f'"{repo.oid(commit, file_path)}"'})
            status, body, content_type = self._ranged(repo.body(commit, file_path))
            self._send(status, body, content_type, method)
            return True
        return False

    def _send(self, status: int, body: bytes, content_type: str, method: str, fault: Fault | None = None,
              headers: dict[str, str] | None = None) -> None:
        if fault and fault.kind == "malformed_item" and content_type == "application/json":
            items = json.loads(body)
            if items:
                items[len(items) // 2]["siblings"] = "not a list"
                body = json.dumps(items).encode()
        if fault and status == 200 and content_type == "application/json":
            body = hostile.rewrite_body(fault.kind, body, fault.value)
        if fault and fault.kind in ("foreign_next", "same_next"):
            origin = self.hub.cdn_url if fault.kind == "foreign_next" else self.hub.url
            self._extra_headers["Link"] = f'<{origin}{self.path}>; rel="next"'
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        for name, value in {**self._extra_headers, **(headers or {})}.items():
            self.send_header(name, value)
        if fault and fault.kind == "truncate":
            body = body[: max(1, len(body) // 2)]
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if method == "HEAD":
            return
        if fault and fault.kind == "drip":
            for i in range(len(body)):
                self.wfile.write(body[i:i + 1])
                self.wfile.flush()
                time.sleep((fault.ms or 1000) / 1000)
            return
        if fault and fault.kind == "drop":
            self._write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self._write(body)

    def _write(self, body: Any) -> None:
        if isinstance(body, series_repos.FileBody):  # a large file on disk: streamed, never read whole
            body.write_to(self.wfile)
        else:
            self.wfile.write(body)

    def _link(self, path: str, query: dict[str, list[str]], updates: dict[str, str]) -> None:
        pairs = [(k, v) for k, values in query.items() if k not in updates for v in values]
        pairs += list(updates.items())
        self._extra_headers["Link"] = f'<{self.hub.url}{quote(path)}?{urlencode(pairs)}>; rel="next"'

    # ---------------------------------------------------------------- /api/models
    def _listing(self, method: str, path: str, query: dict[str, list[str]]) -> tuple[int, bytes, str]:
        sort = query.get("sort", ["createdAt"])[0] or "createdAt"
        if sort not in SORTS:
            raise HubError(400, f"Invalid sort parameter: {sort}")
        try:
            limit = int(query.get("limit", [str(MAX_LIMIT)])[0])
        except ValueError as e:
            raise HubError(400, "limit must be an integer") from e
        if not 1 <= limit <= MAX_LIMIT:
            raise HubError(400, f"limit must be between 1 and {MAX_LIMIT}")
        if self.hub.load_limit is not None and limit > self.hub.load_limit:
            # Under load, large pages time out at the gateway (huggingface_hub #2460, #2581).
            self.hub.stats["refused_large_page"] += 1
            raise HubError(504, "Gateway Time-out")
        expand = query.get("expand", [])
        full = query.get("full", ["false"])[0] == "true"
        unknown = [e for e in expand if e not in render.LISTING_EXPAND]
        if unknown:
            raise HubError(400, f"Invalid expand parameter: {unknown[0]}")
        if expand and full:
            raise HubError(400, "expand cannot be combined with full")
        cursor = decode_cursor(query["cursor"][0]) if query.get("cursor") else None
        if cursor and cursor.get("s") != sort:
            raise HubError(400, "Cursor does not match the sort")
        author = query.get("author", [None])[0]
        search = (query.get("search", [None])[0] or "").lower()
        tags = query.get("filter", [])
        predicate = None
        if author or search or tags:
            def predicate(model: Model) -> bool:
                return ((not author or model.author == author) and (not search or search in model.id.lower())
                        and all(t in model.tags() for t in tags))
        cache_key = (sort, limit, tuple(expand), full, author, search, tuple(tags))
        models, next_cursor = self.hub.page(sort, cursor, limit, predicate, cache_key)
        if next_cursor:
            self._link(path, query, {"cursor": encode_cursor(next_cursor)})
        epoch = self.hub.epoch
        items = [render.listing_item(m, epoch, expand, full) for m in models]
        return 200, json.dumps(items).encode(), "application/json"

    def _per_repo(self, route: str, repo: str, rest: str) -> Any:
        def handle(method: str, path: str, query: dict[str, list[str]]) -> tuple[int, bytes, str]:
            model = self._repo(repo.strip("/"))
            if route != "model":  # the model info stays public; what is behind the gate does not
                self._gate(model)
            revision, _, under = rest.partition("/")
            commit = model.commit_at(revision or "main")
            if commit is None:
                raise HubError(404, f"Invalid rev id: {revision}", "RevisionNotFound")
            self._extra_headers["X-Repo-Commit"] = commit.sha
            if route == "model":
                body = render.info(model, self.hub.epoch, commit, query.get("blobs", ["false"])[0] == "true")
                return 200, json.dumps(body).encode(), "application/json"
            if route == "paths_info":
                if method != "POST":
                    raise HubError(405, "Method Not Allowed")
                wanted = {p.strip("/") for p in parse_qs(self._body.decode(), keep_blank_values=True).get("paths", [])}
                found = [e for e in render.tree(model, commit, "", True) if e["path"] in wanted]
                return 200, json.dumps(found).encode(), "application/json"
            if route == "tree":
                recursive = query.get("recursive", ["false"])[0] == "true"
                entries = render.tree(model, commit, under, recursive)
                if under and not entries:
                    raise HubError(404, f"Entry not found: {under}", "EntryNotFound")
                return self._paged(path, query, entries, self.hub.tree_page_size)
            history = [render.commit_item(c) for c in reversed(model.commits) if c.date <= commit.date]
            return self._commit_page(path, query, history)
        return handle

    def _paged(self, path: str, query: dict[str, list[str]], items: list[Any], size: int) -> tuple[int, bytes, str]:
        try:
            page = int(query.get("p", ["0"])[0])
        except ValueError as e:
            raise HubError(400, "p must be an integer") from e
        chunk = items[page * size:(page + 1) * size]
        if (page + 1) * size < len(items):
            self._link(path, query, {"p": str(page + 1)})
        return 200, json.dumps(chunk).encode(), "application/json"

    def _commit_page(self, path: str, query: dict[str, list[str]], items: list[Any]) -> tuple[int, bytes, str]:
        """A commit log page as the Hub serves it: `commits_page_size` (50) unless `limit` (at most
        MAX_COMMITS_LIMIT) says otherwise, page `p` (from 0), `X-Total-Count`, absolute `Link`."""
        raw = query.get("limit", [None])[0]
        try:
            size = self.hub.commits_page_size if raw is None else int(raw)
        except ValueError as e:
            raise HubError(400, "limit must be an integer") from e
        if not 1 <= size <= MAX_COMMITS_LIMIT:
            raise HubError(400, f"limit must be between 1 and {MAX_COMMITS_LIMIT}")
        self._extra_headers["X-Total-Count"] = str(len(items))
        return self._paged(path, query, items, size)

    # ---------------------------------------------------------------- /{repo}/resolve/{rev}/{path}
    def _resolve_handler(self, repo: str, rest: str) -> Any:
        def handle(method: str, path: str, query: dict[str, list[str]]) -> tuple[int, bytes, str]:
            model = self._repo(repo)
            revision, _, file_path = rest.partition("/")
            commit = model.commit_at(revision)
            if commit is None:
                raise HubError(404, f"Invalid rev id: {revision}", "RevisionNotFound")
            self._gate(model)
            if file_path not in model.files(commit):
                raise HubError(404, f"Entry not found: {file_path}", "EntryNotFound")
            if self.hub.cdn_url and file_path.lower().endswith(render.LFS_SUFFIXES):
                self._extra_headers["X-Repo-Commit"] = commit.sha
                self.hub.stats["redirect:302"] += 1
                self._extra_headers["Location"] = f"{self.hub.cdn_url}/cdn/{quote(model.id)}/{commit.sha}/{quote(file_path)}"
                return 302, b"", "text/plain"
            body = render.file_body(model, file_path, commit)
            self._extra_headers.update({"X-Repo-Commit": commit.sha, "Accept-Ranges": "bytes",
                                        "ETag": f'"{render._oid(model.id, file_path, commit.readme_rev)}"'})
            return self._ranged(body)
        return handle

    # ---------------------------------------------------------------- /api/datasets/..., /datasets/.../resolve
    def _dataset_handler(self, route: str, repo_id: str, rest: str) -> Any:
        def handle(method: str, path: str, query: dict[str, list[str]]) -> tuple[int, bytes, str]:
            repo = self.hub.dataset(repo_id)
            module: Any = datasets_repo
            if isinstance(repo, uploads.UploadedRepo):
                module = uploads
                if repo.private and self._user() != repo_id.split("/")[0]:
                    raise HubError(404, "Repository not found", "RepoNotFound")
            revision, _, under = rest.partition("/")
            commit = repo.commit_at(revision)
            if commit is None:
                raise HubError(404, f"Invalid rev id: {revision}", "RevisionNotFound")
            self._extra_headers["X-Repo-Commit"] = commit.sha
            if route == "dataset":
                return 200, json.dumps(module.dataset_info(repo, commit)).encode(), "application/json"
            if route == "dataset_tree":
                entries = module.tree(repo, commit, under, query.get("recursive", ["false"])[0] == "true")
                if under and not entries:
                    raise HubError(404, f"Entry not found: {under}", "EntryNotFound")
                return self._paged(path, query, entries, self.hub.tree_page_size)
            if route == "dataset_commits":
                return self._commit_page(path, query, module.commit_items(repo, commit))
            if route == "dataset_paths-info" and method == "POST":
                form = parse_qs(self._body.decode(), keep_blank_values=True)
                wanted = [p.strip("/") for p in form.get("paths", [])]
                found = (uploads.paths_info(repo, commit, wanted) if module is uploads
                         else [datasets_repo.entry(repo, commit, p) for p in wanted if p in repo.files(commit)])
                return 200, json.dumps(found).encode(), "application/json"
            if route != "dataset_resolve":
                raise HubError(404, "Not Found")
            if under not in repo.files(commit):
                raise HubError(404, f"Entry not found: {under}", "EntryNotFound")
            body = repo.body(commit, under)
            self._extra_headers.update({"Accept-Ranges": "bytes", "ETag": f'"{repo.oid(commit, under)}"'})
            return self._ranged(body)
        return handle

    # ---------------------------------------------------------------- uploads (uploads.py)
    def _user(self) -> str | None:
        try:
            return self.hub.uploads.user(self.headers.get("Authorization"))
        except uploads.UploadError:
            return None

    def _upload_handler(self, route: str, repo_id: str | None, oid: str | None) -> Any:
        def handle(method: str, path: str, query: dict[str, list[str]]) -> tuple[int, bytes, str]:
            store, url = self.hub.uploads, self.hub.url
            try:
                if route == "xet_token":  # huggingface_hub 2.4 uploads through Xet whenever hf_xet is installed
                    raise HubError(404, "the fake Hub has no Xet storage: set HF_HUB_DISABLE_XET=1 to upload over LFS")
                if route == "lfs_upload":  # the upload href we handed out: presigned, like S3's
                    store.put_object(repo_id or "", oid or "", self._body)
                    return 200, b"", "text/plain"
                payload = json.loads(self._body or b"{}") if route != "commit_upload" else {}
                if route == "validate_yaml":
                    return 200, json.dumps(uploads.validate_yaml(payload)).encode(), "application/json"
                user = store.user(self.headers.get("Authorization"))
                if route == "repo_create":
                    status, answer = store.create(self.hub.datasets, user, payload, url)
                    return status, json.dumps(answer).encode(), "application/json"
                if route == "lfs_verify":
                    return 200, json.dumps(store.verify(repo_id or "", payload)).encode(), "application/json"
                repo = self.hub.dataset(repo_id or "")
                if not isinstance(repo, uploads.UploadedRepo):  # the planted dumps are read-only
                    raise HubError(403, f"You don't have the rights to write to {repo.id}", "Forbidden")
                if repo.private and user != repo.id.split("/")[0]:
                    raise HubError(404, "Repository not found", "RepoNotFound")
                store.may_write(user, repo.id)
                if route == "preupload":
                    answer = store.preupload(repo, payload)
                elif route == "lfs_batch":
                    answer = store.batch(url, repo.id, payload)
                    return 200, json.dumps(answer).encode(), "application/vnd.git-lfs+json"
                else:
                    answer = store.commit(repo, user, self._body, url)
                return 200, json.dumps(answer).encode(), "application/json"
            except uploads.UploadError as e:
                raise HubError(e.status, e.message, e.code) from e
        return handle

    def _ranged(self, body: bytes) -> tuple[int, bytes, str]:
        wanted = self.headers.get("Range")
        if wanted and wanted.startswith("bytes="):
            first, _, last = wanted[len("bytes="):].partition("-")
            if not first:  # a suffix range: the last N bytes
                start, end = max(0, len(body) - int(last)), len(body) - 1
            else:
                start, end = int(first), min(int(last) if last else len(body) - 1, len(body) - 1)
            if start >= len(body):
                raise HubError(416, "Requested range not satisfiable")
            self._extra_headers["Content-Range"] = f"bytes {start}-{end}/{len(body)}"
            return 206, body[start:end + 1], "application/octet-stream"
        return 200, body, "application/octet-stream"

    # ---------------------------------------------------------------- access, redirects, the CDN
    def _repo(self, repo_id: str) -> Model:
        """The model, or the real Hub's refusal: who asks (a token or not) changes the answer."""
        state = self.hub.access.get(repo_id)
        try:
            model = self.hub.model(repo_id)
        except HubError:
            state = "gone"
        if state in ("gone", "private"):
            if self.headers.get("Authorization"):
                raise HubError(404, "Repository not found", "RepoNotFound")
            raise HubError(401, ANONYMOUS_NOT_FOUND)  # no X-Error-Code: anonymous callers learn nothing
        if state == "disabled":
            raise HubError(403, DISABLED)
        return model

    def _gate(self, model: Model) -> None:
        """A gated repo's refusal, worded as the real Hub's (docs/HUB_PROTOCOL.md, "Gated repos"):
        401 to an anonymous caller, 403 to a token whose user has not accepted the gate."""
        if not (model.gated or self.hub.access.get(model.id) == "gated"):
            return
        auth = self.headers.get("Authorization") or ""
        token = auth[len("Bearer "):].strip() if auth.startswith("Bearer ") else ""
        if not token:
            raise HubError(401, f"Access to model {model.id} is restricted. You must have access to it and be "
                                "authenticated to access it. Please log in.", "GatedRepo")
        accepted = self.hub.gate_access.get(token, frozenset())
        if model.id not in accepted and not accepted >= ALL_GATES:
            raise HubError(403, f"Access to model {model.id} is restricted and you are not in the authorized "
                                f"list. Visit {self.hub.url}/{model.id} to ask for access.", "GatedRepo")

    def _renamed(self, path: str) -> str | None:
        """The path under the repo's new name, for a renamed repo (answered with 307)."""
        for old, new in self.hub.renamed.items():
            for prefix in (f"/api/models/{old}/", f"/{old}/resolve/"):
                if path.startswith(prefix) or path == prefix.rstrip("/"):
                    return prefix.replace(old, new, 1) + path[len(prefix):]
        return None

    def _redirect(self, status: int, location: str, method: str) -> None:
        self.hub.stats[f"redirect:{status}"] += 1
        self._extra_headers["Location"] = location
        self._send(status, b"", "text/plain", method)

    def _cdn(self, method: str, path: str) -> None:
        """The second origin: serves LFS bodies by (repo, sha, path), never looks at tokens, and
        counts what arrived (a token must never)."""
        hub = self.hub
        hub.stats["cdn:requests"] += 1
        if self.headers.get("Authorization"):
            hub.stats["cdn:authorization_seen"] += 1
        if self.headers.get("Range"):
            hub.stats["cdn:range_seen"] += 1
        try:
            _, prefix, rest = path.partition("/cdn/")
            parts = rest.split("/")
            # repo id (one part for a legacy canonical id such as bert-base-uncased), sha, file path
            at = next((i for i in (1, 2) if i < len(parts) - 1 and _SHA.fullmatch(parts[i])), None)
            if prefix != "/cdn/" or at is None:
                raise HubError(404, "Not Found")
            model = hub.model("/".join(parts[:at]))
            commit = model.commit_at(parts[at])
            file_path = "/".join(parts[at + 1:])
            if commit is None or file_path not in model.files(commit):
                raise HubError(404, "Not Found")
            status, body, content_type = self._ranged(render.file_body(model, file_path, commit))
            self._send(status, body, content_type, method)
        except HubError as e:
            self._send(e.status, e.message.encode(), "text/plain", method)

    # ---------------------------------------------------------------- /_fakehub admin
    def _admin(self, method: str, path: str, query: dict[str, list[str]]) -> None:
        hub = self.hub
        payload = json.loads(self._body) if self._body else None
        if path == "/_fakehub/truth":
            answer: Any = hub.truth(query.get("as_of", []), query.get("per_model", ["0"])[0] == "1")
        elif path.startswith("/_fakehub/model/"):
            answer = model_truth(hub.model(path[len("/_fakehub/model/"):]))
        elif path == "/_fakehub/stats":
            answer = hub.stats_snapshot()
        elif path == "/_fakehub/faults" and method in ("POST", "DELETE"):
            try:
                hub.faults.set(payload or [] if method == "POST" else [])
            except (TypeError, ValueError) as e:
                raise HubError(400, str(e)) from e
            answer = {"ok": True}
        elif path == "/_fakehub/access" and method == "POST":  # {"model id": "gone" | "private" | ...}
            if not isinstance(payload, dict) or set(payload.values()) - ACCESS_STATES:
                raise HubError(400, f"access states are {sorted(ACCESS_STATES)}")
            hub.access = dict(payload)
            answer = {"ok": True}
        elif path == "/_fakehub/gate_access" and method == "POST":  # {"token": ["model id", ...] | ["*"]}
            if not isinstance(payload, dict) or not all(isinstance(v, list) for v in payload.values()):
                raise HubError(400, "gate access is an object: token -> list of model ids (or [\"*\"])")
            hub.gate_access = {str(token): frozenset(map(str, ids)) for token, ids in payload.items()}
            answer = {"ok": True}
        elif path == "/_fakehub/epoch" and method == "POST":
            hub.set_epoch(int(query.get("e", ["0"])[0]))
            answer = {"epoch": hub.epoch}
        else:
            raise HubError(404, "Not Found")
        self._send(200, json.dumps(answer).encode(), "application/json", method)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up mid-answer (hfscan stopping a body past its cap, a deadline) is
        what hostile-mode tests provoke: not worth a traceback on the test process's stderr, which
        an in-process CLI run reads as its own."""
        import sys

        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)


def make_server(hub: Hub, host: str = "127.0.0.1", port: int = 0, cdn: bool = False) -> ThreadingHTTPServer:
    # The fake Hub is a test double with fault switches and an admin route: it never listens
    # anywhere but this machine's loopback.
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:  # a name: only "localhost", never resolved through DNS
        loopback = host == "localhost"
    if not loopback:
        raise ValueError(f"the fake Hub binds loopback addresses only, not {host!r}")
    handler = type("BoundHandler", (Handler,), {"hub": hub, "cdn": cdn})
    server = _Server((host, port), handler)
    url = f"http://{host}:{server.server_address[1]}"
    if cdn:
        hub.cdn_url = url
    else:
        hub.url = url
    return server
