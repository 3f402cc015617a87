"""The one factory for Hub access: huggingface_hub's session and headers, with hfscan's retry policy.

Why not call ``HfApi.list_models``: it builds a ``ModelInfo`` object per model and retries with
fixed waits, and a full listing is ~3,000 pages of 1,000 models. hfscan takes each page's raw bytes
from huggingface_hub's own HTTP session (same headers, token handling and error types) and parses
the page in one vectorised call. Retries are ours because the scan needs them to be bounded,
quota-aware and observable:

- 429: wait what the server says (``RateLimit: r=0;t=T`` → T seconds, else ``Retry-After``),
  a separate, larger budget than server errors, since being told to wait is not a failure;
- 5xx, 408, network errors, dropped connections and pages that do not parse: exponential backoff
  (``base_wait`` doubling to ``max_wait``), ``max_retries`` times;
- after that, a ``HubError`` that says the scan is saved and resumable.

A successful answer whose ``RateLimit`` says no request is left makes the next request wait for the
window to reset, and ``max_requests_per_5min`` keeps a self-imposed quota below the account's.
The token only ever goes into huggingface_hub's header builder.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from hfscan import __version__
from hfscan.errors import AuthError, HubError

T = TypeVar("T")

RETRY_STATUS = frozenset({408, 500, 502, 503, 504})


class PageParseError(Exception):
    """A page arrived but is not the JSON it should be (truncated, an HTML error page, ...)."""


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 5
    base_wait: float = 1.0
    max_wait: float = 8.0
    max_rate_limited: int = 30  # consecutive 429s tolerated for one request
    max_rate_wait: float = 900.0  # never sleep longer than this for one 429
    connect_timeout: float = 10.0
    read_timeout: float = 60.0


@dataclass
class ClientStats:
    requests: int = 0
    retries: int = 0
    rate_limited: int = 0
    waited_seconds: float = 0.0
    bytes: int = 0
    answers: int = 0  # HTTP responses received, whatever their status
    last_ratelimit: dict[str, int] = field(default_factory=dict)


class QuotaLimiter:
    """At most ``limit`` requests in any ``window`` seconds (a sliding window of send times)."""

    def __init__(self, limit: int, window: float = 300.0, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        if limit < 1:
            raise ValueError("the request quota must be at least 1")
        self.limit = limit
        self.window = window
        self._clock = clock
        self._sleep = sleep
        self._sent: deque[float] = deque()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Block until a request may be sent; returns the seconds waited."""
        waited = 0.0
        with self._lock:
            while True:
                now = self._clock()
                while self._sent and now - self._sent[0] >= self.window:
                    self._sent.popleft()
                if len(self._sent) < self.limit:
                    self._sent.append(now)
                    return waited
                pause = self.window - (now - self._sent[0]) + 0.001
                self._sleep(pause)
                waited += pause


@dataclass
class Page:
    url: str
    next_url: str | None
    parsed: Any
    size: int


class HubClient:
    """Hub access for one command: endpoint, token, retry policy, quota, counters."""

    def __init__(
        self,
        endpoint: str,
        token: str | None = None,
        *,
        retry: RetryPolicy | None = None,
        max_requests_per_5min: int | None = None,
        sleep: Callable[[float], None] = time.sleep,
        on_wait: Callable[[str, float], None] | None = None,
    ) -> None:
        from huggingface_hub.utils import build_hf_headers

        self.endpoint = endpoint.rstrip("/")
        self.retry = retry or RetryPolicy()
        self.stats = ClientStats()
        self._sleep = sleep
        self._on_wait = on_wait
        self._quota = QuotaLimiter(max_requests_per_5min, 300.0, sleep=sleep) if max_requests_per_5min else None
        self._not_before = 0.0
        # token=False when none is given, so that no implicit machine token is sent unasked.
        self._headers = build_hf_headers(
            token=token if token else False, library_name="hfscan", library_version=__version__
        )
        self._token = token

    # -- huggingface_hub objects for per-repo calls --------------------------------------
    def api(self) -> Any:
        from huggingface_hub import HfApi

        return HfApi(endpoint=self.endpoint, token=self._token if self._token else False,
                     library_name="hfscan", library_version=__version__)

    def url(self, path: str) -> str:
        return f"{self.endpoint}{path}"

    # -- requests -------------------------------------------------------------------------
    def _timeout(self) -> Any:
        from huggingface_hub.utils import httpx

        r = self.retry
        return httpx.Timeout(r.read_timeout, connect=r.connect_timeout)

    def _wait(self, seconds: float, why: str) -> None:
        if seconds <= 0:
            return
        self.stats.waited_seconds += seconds
        if self._on_wait:
            self._on_wait(why, seconds)
        self._sleep(seconds)

    def _before_send(self) -> None:
        pause = self._not_before - time.monotonic()
        if pause > 0:
            self._wait(pause, "rate limit window")
        if self._quota is not None:
            waited = self._quota.acquire()
            self.stats.waited_seconds += waited

    def _note_ratelimit(self, headers: Any) -> None:
        from huggingface_hub.utils._http import parse_ratelimit_headers

        info = parse_ratelimit_headers(headers)
        if info is None:
            return
        self.stats.last_ratelimit = {"remaining": info.remaining, "reset": info.reset_in_seconds}
        if info.remaining == 0:
            self._not_before = max(self._not_before, time.monotonic() + info.reset_in_seconds)

    def _rate_limit_wait(self, headers: Any, attempt: int) -> float:
        from huggingface_hub.utils._http import _parse_retry_after, parse_ratelimit_headers

        info = parse_ratelimit_headers(headers)
        if info is not None and info.remaining == 0:
            wait = float(info.reset_in_seconds)
        else:
            retry_after = _parse_retry_after(headers)
            wait = float(retry_after) if retry_after is not None else self._backoff(attempt)
        return min(max(wait, 0.0), self.retry.max_rate_wait)

    def _backoff(self, attempt: int) -> float:
        return min(self.retry.max_wait, self.retry.base_wait * (2 ** max(attempt - 1, 0)))

    def request(self, method: str, url: str, *, params: Any = None, headers: dict[str, str] | None = None,
                parse: Callable[[bytes], T] | None = None, what: str = "",
                data: dict[str, Any] | None = None) -> tuple[Any, T | bytes]:
        """Send one request with the retry policy; returns (response, parsed body or raw bytes).

        ``parse`` runs inside the retry loop, so a truncated or HTML page is fetched again.
        """
        from huggingface_hub.utils import get_session, hf_raise_for_status, httpx

        failures = 0
        limited = 0
        label = what or url
        last_problem = ""
        while True:
            self._before_send()
            self.stats.requests += 1
            try:
                merged = {**self._headers, **(headers or {})}
                response = get_session().request(method, url, params=params, headers=merged, data=data,
                                                 timeout=self._timeout())
                body = response.content
            except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as e:
                failures += 1
                last_problem = f"{type(e).__name__}: {e}" if str(e) else type(e).__name__
                self._retry_or_give_up(failures, last_problem, HubError(
                    f"{label}: no answer from {self.endpoint} after {failures} attempts ({last_problem})",
                    hint="check the endpoint and the network; a scan resumes where it stopped with `hfscan scan`",
                ), e)
                continue
            except httpx.UnsupportedProtocol as e:
                raise HubError(f"{label}: unsupported URL {url!r}: {e}") from e
            self.stats.bytes += len(body)
            self.stats.answers += 1
            status = response.status_code
            if status == 429:
                limited += 1
                self.stats.rate_limited += 1
                if limited > self.retry.max_rate_limited:
                    raise HubError(
                        f"{label}: still rate limited after {limited} waits",
                        hint="lower --max-requests-per-5min or use a token with a higher quota; "
                        "the scan resumes with `hfscan scan`",
                    )
                self._wait(self._rate_limit_wait(response.headers, limited), "rate limited (429)")
                continue
            self._note_ratelimit(response.headers)
            if status in RETRY_STATUS:
                failures += 1
                last_problem = f"HTTP {status}"
                self._retry_or_give_up(failures, last_problem, HubError(
                    f"{label}: the Hub answered HTTP {status} {failures} times in a row",
                    hint="the Hub may be down; the scan is saved and resumes with `hfscan scan`",
                ))
                continue
            if status in (401, 403) and not _has_error_code(response):
                raise AuthError(
                    f"{label}: the Hub refused the request (HTTP {status})",
                    hint="check HF_TOKEN: it is invalid, expired, or lacks access",
                )
            try:
                hf_raise_for_status(response)
            except Exception as e:
                raise _hub_error(e, label, status) from e
            if parse is None:
                return response, body
            try:
                return response, parse(body)
            except PageParseError as e:
                failures += 1
                last_problem = str(e)
                self._retry_or_give_up(failures, last_problem, HubError(
                    f"{label}: the answer was not valid JSON {failures} times ({last_problem})",
                    hint="the Hub may be serving errors; the scan resumes with `hfscan scan`",
                ), e)

    def _retry_or_give_up(self, failures: int, problem: str, give_up: HubError,
                          cause: BaseException | None = None) -> None:
        """Back off before attempt `failures + 1`, or raise `give_up` once the retries are spent."""
        if failures > self.retry.max_retries:
            raise give_up from cause
        self.stats.retries += 1
        self._wait(self._backoff(failures), problem)

    def pages(self, path: str, params: list[tuple[str, str]], parse: Callable[[bytes], T],
              start_url: str | None = None, what: str = "page") -> Iterator[Page]:
        """Follow ``Link: rel="next"`` from ``start_url`` (or path+params); one parsed Page each."""
        url: str | None = start_url
        first_params: Any = None if start_url else params
        if url is None:
            url = self.url(path)
        number = 0
        while url is not None:
            number += 1
            response, parsed = self.request("GET", url, params=first_params, parse=parse, what=f"{what} {number}")
            first_params = None
            next_url = response.links.get("next", {}).get("url")
            if next_url is not None and not next_url.startswith(("http://", "https://")):
                raise HubError(f"{what} {number}: the next-page link is not absolute: {next_url!r}")
            yield Page(url=str(response.request.url), next_url=next_url, parsed=parsed, size=len(response.content))
            url = next_url


def _has_error_code(response: Any) -> bool:
    return bool(response.headers.get("X-Error-Code"))


def _hub_error(error: Exception, label: str, status: int) -> HubError:
    name = type(error).__name__
    if name in ("RepositoryNotFoundError", "GatedRepoError"):
        kind = "gated" if name == "GatedRepoError" else "not found (deleted, private or misspelled)"
        return HubError(f"{label}: repository {kind}")
    if name == "RevisionNotFoundError":
        return HubError(f"{label}: revision not found")
    if name in ("RemoteEntryNotFoundError", "EntryNotFoundError"):
        return HubError(f"{label}: file not found")
    if status in (401, 403):
        return AuthError(f"{label}: the Hub refused the request (HTTP {status})",
                         hint="check HF_TOKEN: it is invalid, expired, or lacks access")
    first = str(error).splitlines()[0] if str(error) else name
    return HubError(f"{label}: HTTP {status}: {first}")
