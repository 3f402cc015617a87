"""The one factory for Hub access: huggingface_hub's session and headers, with hfscan's retry policy.

Why not call ``HfApi.list_models``: it builds a ``ModelInfo`` object per model and retries with
fixed waits, and a full listing is ~3,000 pages of 1,000 models. hfscan takes each page's raw bytes
from huggingface_hub's own HTTP session (same headers, token handling and error types) and parses
the page in one vectorised call. Retries are ours because the scan needs them to be bounded,
quota-aware and observable:

- 429: wait what the server says plus one second (``RateLimit: r=0;t=T`` → T+1 s, else
  ``Retry-After`` + 1; ``t=0`` arrives in a window's last second), a separate, larger budget than
  server errors, since being told to wait is not a failure; then ``RateLimited``;
- 5xx, 408, network errors, dropped connections and pages that do not parse: exponential backoff
  (``base_wait`` doubling to ``max_wait``), ``max_retries`` times, then ``HubUnreachable``; failed
  attempts in a row across requests trip a circuit breaker (``HubOutage``) so that an outage stops
  a per-repo run instead of failing every repo in turn;
- 4xx: a typed error read from ``X-Error-Code`` / ``X-Error-Message`` (``crawl/errors.py``, the one table): one repo
  gone, gated or disabled, a bad token, or a plain ``HubError``. docs/HUB_PROTOCOL.md has the rules.

A successful answer whose ``RateLimit`` says no request is left makes the next request wait for the
window to reset, and ``max_requests_per_5min`` keeps a self-imposed quota below the account's.
The token only ever goes into huggingface_hub's header builder.

Every answer is bounded, because an endpoint may be pointed anywhere: a body is read as
a stream and refused past ``max_body`` decoded bytes (a gzip bomb never grows the process), each
request has a total deadline besides the per-read timeout (a server dripping one byte a second),
every wait the server asks for is capped in one place (``_asked_wait``), a ``Link`` next URL is
followed only on the endpoint's own origin (the token would go with it) and never to a page
already served. Each is a one-line error; the scan keeps its cursor and resumes later.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO, TypeVar

from hfscan import __version__
from hfscan.config import PLANTED_HEADER
from hfscan.crawl.errors import HubCall, error_for, is_repo_url
from hfscan.crawl.untrusted import origin, origin_text
from hfscan.errors import (
    HubError,
    HubOutage,
    HubUnreachable,
    RateLimited,
    register_secret,
)

T = TypeVar("T")

RETRY_STATUS = frozenset({408, 500, 502, 503, 504})
STREAM_CHUNK = 1 << 20  # bytes a streamed download holds in memory at a time


class PageParseError(Exception):
    """A page arrived but is not the JSON it should be (truncated, an HTML error page, ...)."""


class _DeadlineExceeded(Exception):
    """The request's total deadline passed while the answer was still arriving."""


def _reset_margin() -> float:
    """Seconds waited past a rate-limit reset: 1 (as huggingface_hub). HFSCAN_RATE_LIMIT_MARGIN
    lowers it for tests against a fake Hub whose windows are 0 s long; never lower it on the Hub."""
    try:
        value = float(os.environ.get("HFSCAN_RATE_LIMIT_MARGIN", "1"))
    except ValueError:
        return 1.0
    return value if 0 <= value <= 1 else 1.0


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 5
    base_wait: float = 1.0
    max_wait: float = 8.0
    max_rate_limited: int = 30  # consecutive 429s tolerated for one request
    max_rate_wait: float = 900.0  # never sleep longer than this for one 429
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    # A whole request (headers and body) may take at most this long; None: 4 x read_timeout, so
    # that a 5 MB listing page still fits at ~20 KB/s while a dripping server is cut off.
    deadline: float | None = None
    # Largest decoded body accepted. The fake Hub's largest 1,000-model page is ~1.1 MB with
    # `config` (docs/LOADABLE.md, "Cost"); real chat templates reach tens of KB a repo, so a page
    # of 1,000 of the largest is ~50 MB: 64 MiB is well above any real page and bounds memory.
    max_body: int = 64 * 2**20
    # Failed attempts (5xx, 408, network) in a row across requests after which the Hub counts as
    # down: twice one request's budget, so one broken repo is recorded and the run goes on, while
    # an outage stops the run after about two repos instead of spending the budget on every repo.
    outage_after: int | None = None
    reset_margin: float = field(default_factory=_reset_margin)

    @property
    def total_deadline(self) -> float:
        return self.deadline if self.deadline is not None else 4 * self.read_timeout

    @property
    def outage_threshold(self) -> int:
        return self.outage_after if self.outage_after is not None else 2 * (self.max_retries + 1)


@dataclass
class ClientStats:
    requests: int = 0
    retries: int = 0  # backoffs after 5xx / network / unparseable answers (the scan reads it)
    rate_limited: int = 0
    waited_seconds: float = 0.0
    answers: int = 0  # HTTP responses received, whatever their status (the scan reads it)
    planted: bool = False  # an answer carried the fake Hub's PLANTED_HEADER (recorded in scan_log)


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
        self._failures_in_a_row = 0
        # token=False when none is given, so that no implicit machine token is sent unasked.
        self._headers = build_hf_headers(
            token=token if token else False, library_name="hfscan", library_version=__version__
        )
        self._token = token
        register_secret(token)  # an endpoint that echoes it never gets it stored or printed
        self._origin = origin(self.endpoint)

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

    def _asked_wait(self, seconds: float, label: str) -> float:
        """The one cap on waits a server asks for (429s and `RateLimit: r=0` on a success): a wait
        over `max_rate_wait` is refused with one line instead of sleeping (`t=999999999` is 31
        years); the run resumes where it stopped."""
        if seconds > self.retry.max_rate_wait:
            raise RateLimited(
                f"{label}: the endpoint asks to wait {seconds:,.0f} s, more than {self.retry.max_rate_wait:,.0f} s; "
                "stopped",
                hint="run the same command again later: it resumes where it stopped",
            )
        return max(seconds, 0.0)

    def _note_ratelimit(self, headers: Any, label: str) -> None:
        limit = ratelimit(headers)
        if limit is not None and limit[0] == 0:
            # The window's last request: wait for the reset (+1 s: t=0 arrives in its last second).
            wait = self._asked_wait(limit[1], label) + self.retry.reset_margin
            self._not_before = max(self._not_before, time.monotonic() + wait)

    def _rate_limit_wait(self, headers: Any, attempt: int, label: str) -> float:
        """What a 429 asks for, plus one second (as huggingface_hub does): ``t`` is whole seconds
        rounded down, and ``t=0`` comes in a window's last second, so waiting ``t`` would hammer
        the Hub and spend the budget of waits within that second."""
        limit = ratelimit(headers)
        if limit is not None and limit[0] == 0:
            return self._asked_wait(limit[1], label) + self.retry.reset_margin
        after = retry_after(headers)
        if after is not None:
            return self._asked_wait(after, label) + self.retry.reset_margin
        return self._backoff(attempt)

    def _backoff(self, attempt: int) -> float:
        return min(self.retry.max_wait, self.retry.base_wait * (2 ** max(attempt - 1, 0)))

    def _exchange(self, method: str, url: str, params: Any, headers: dict[str, str], data: dict[str, Any] | None,
                  keep_first: int | None, label: str) -> tuple[Any, bytes]:
        """One HTTP exchange, the body read as a stream: at most `max_body` decoded bytes (else a
        HubError, not retried: the same URL would send the same), at most `keep_first` bytes kept
        (a range read answered with the whole file), and within the request's total deadline."""
        from huggingface_hub.utils import get_session

        session = get_session()
        deadline = time.monotonic() + self.retry.total_deadline
        request = session.build_request(method, url, params=params, headers=headers, data=data,
                                        timeout=self._timeout())
        response = session.send(request, stream=True)
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in response.iter_bytes():
                chunks.append(chunk)
                size += len(chunk)
                if keep_first is not None and size >= keep_first:
                    break
                if size > self.retry.max_body:
                    raise HubError(f"{label}: the answer is larger than {self.retry.max_body:,} bytes decoded; stopped",
                                   hint="check --endpoint / HF_ENDPOINT; the run resumes where it stopped")
                if time.monotonic() > deadline:
                    raise _DeadlineExceeded(f"no complete answer within the deadline of "
                                            f"{self.retry.total_deadline:,.0f} s ({size:,} bytes received)")
        finally:
            response.close()
        body = b"".join(chunks)
        return response, body[:keep_first] if keep_first is not None else body

    def request(self, method: str, url: str, *, params: Any = None, headers: dict[str, str] | None = None,
                parse: Callable[[bytes], T] | None = None, what: str = "",
                data: dict[str, Any] | None = None, keep_first: int | None = None,
                sink: BinaryIO | None = None, sink_limit: int | None = None) -> tuple[Any, T | bytes]:
        """Send one request with the retry policy; returns (response, parsed body or raw bytes).

        ``parse`` runs inside the retry loop, so a truncated or HTML page is fetched again.
        ``keep_first``: read no more than that many bytes of the body (range reads). With
        ``sink``, a successful answer's body is streamed into it (rewritten from the start on each
        attempt, flat memory at any size) and b"" is returned in its place; ``sink_limit`` bounds
        what is written (a file's size from its listing: a server sending more is refused).
        Raises the typed errors of ``hfscan.errors``: RepoGone/RepoGated/RepoDisabled/EntryGone for
        one repo, AuthError for a bad token, RateLimited, HubUnreachable (HubOutage when the
        failures run across requests), HubError for anything else.
        """
        from huggingface_hub.utils import httpx

        failures = 0
        limited = 0
        label = what or url
        while True:
            self._before_send()
            self.stats.requests += 1
            try:
                merged = {**self._headers, **(headers or {})}
                if sink is None:
                    response, body = self._exchange(method, url, params, merged, data, keep_first, label)
                else:
                    response, body = self._stream(method, url, params, merged, data, sink, sink_limit, label)
            except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError, _DeadlineExceeded) as e:
                failures += 1
                problem = f"{type(e).__name__}: {e}" if str(e) else type(e).__name__
                self._failed_attempt(failures, label, problem, e, f"no answer from {self.endpoint} ({problem})")
                continue
            except httpx.UnsupportedProtocol as e:
                raise HubError(f"{label}: unsupported URL {url!r}: {e}") from e
            self.stats.answers += 1
            if response.headers.get(PLANTED_HEADER):
                self.stats.planted = True
            status = response.status_code
            if status == 429:
                limited += 1
                self.stats.rate_limited += 1
                if limited > self.retry.max_rate_limited:
                    raise RateLimited(
                        f"{label}: still rate limited after {limited} waits",
                        hint="lower --max-requests-per-5min or use a token with a higher quota; "
                        "the run resumes where it stopped",
                    )
                self._wait(self._rate_limit_wait(response.headers, limited, label), "rate limited (429)")
                continue
            self._note_ratelimit(response.headers, label)
            if status in RETRY_STATUS:
                failures += 1
                self._failed_attempt(failures, label, f"HTTP {status}")
                continue
            if status >= 400:
                self._failures_in_a_row = 0  # an answer, if a refusal: the Hub is up
                raise error_for(status, response.headers, HubCall(label), repo_url=is_repo_url(url))
            if parse is None:
                self._failures_in_a_row = 0
                return response, body
            try:
                parsed = parse(body)
            except PageParseError as e:
                failures += 1
                self._failed_attempt(failures, label, "the answer was not valid JSON", e,
                                     f"the answer was not valid JSON ({e})")
                continue
            self._failures_in_a_row = 0
            return response, parsed

    def _stream(self, method: str, url: str, params: Any, headers: dict[str, str], data: Any,
                sink: BinaryIO, limit: int | None, label: str) -> tuple[Any, bytes]:
        """One attempt whose 2xx body goes to `sink` in chunks (at most `limit` bytes: more is refused,
        not retried); other answers are read whole, within the body cap."""
        from huggingface_hub.utils import get_session

        with get_session().stream(method, url, params=params, headers=headers, data=data,
                                  timeout=self._timeout()) as response:
            if response.status_code >= 300:
                body = b""
                for chunk in response.iter_bytes(STREAM_CHUNK):
                    body += chunk
                    if len(body) > self.retry.max_body:
                        break
                return response, body[: self.retry.max_body]
            sink.seek(0)
            sink.truncate()
            written = 0
            for chunk in response.iter_bytes(STREAM_CHUNK):
                written += len(chunk)
                if limit is not None and written > limit:
                    raise HubError(f"{label}: the answer is larger than the {limit:,} bytes its listing gives; stopped",
                                   hint="check --endpoint / HF_ENDPOINT; nothing of this file was stored")
                sink.write(chunk)
            return response, b""

    def _failed_attempt(self, failures: int, label: str, problem: str, cause: BaseException | None = None,
                        message: str | None = None) -> None:
        """Back off before attempt `failures + 1` (the wait is reported with the short `problem`);
        raise HubOutage when the failures in a row (across requests) reach the outage threshold,
        HubUnreachable when this request's retries are spent."""
        self._failures_in_a_row += 1
        message = message or problem
        if self._failures_in_a_row >= self.retry.outage_threshold:
            raise HubOutage(
                f"{label}: the Hub looks down: {self._failures_in_a_row} failed attempts in a row, "
                f"the last: {message}; stopped",
                hint="nothing untried was recorded as failed; run the same command again later to resume",
            ) from cause
        if failures > self.retry.max_retries:
            raise HubUnreachable(
                f"{label}: {message}, {failures} attempts",
                hint="the Hub may be down; run the same command again to resume",
            ) from cause
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
        seen: set[str] = set()
        while url is not None:
            number += 1
            response, (size, parsed) = self.request("GET", url, params=first_params,
                                                    parse=lambda body: (len(body), parse(body)), what=f"{what} {number}")
            first_params = None
            served = str(response.request.url)
            seen.update((url, served))
            next_url = response.links.get("next", {}).get("url")
            if next_url is not None:
                self._check_next(next_url, seen, f"{what} {number}")
            # Checked before the page is handed on: a scan stores a page with its cursor, so a
            # refused link leaves the cursor on this page and a later run asks for it again.
            yield Page(url=served, next_url=next_url, parsed=parsed, size=size)
            url = next_url

    def _check_next(self, next_url: str, seen: set[str], label: str) -> None:
        """A next-page link is followed only to the endpoint's own origin (the token goes with every
        request) and never to a page already served (a cursor that does not advance)."""
        if not next_url.startswith(("http://", "https://")):
            raise HubError(f"{label}: the next-page link is not absolute: {next_url[:200]!r}")
        if origin(next_url) != self._origin:
            raise HubError(f"{label}: the next-page link points to another origin ({origin_text(next_url)}, "
                           f"not {origin_text(self.endpoint)}); not followed",
                           hint="check --endpoint / HF_ENDPOINT: the token is only sent to the endpoint")
        if next_url in seen:
            raise HubError(f"{label}: the next-page link repeats a page already read; stopped",
                           hint="the endpoint's cursor does not advance; run the same command again later")


_RATELIMIT = re.compile(r'"(?P<bucket>[^"]+)"\s*;\s*r\s*=\s*(?P<r>\d+)\s*;\s*t\s*=\s*(?P<t>\d+)')


def ratelimit(headers: Any) -> tuple[int, int] | None:
    """(remaining, seconds to reset) from ``RateLimit: "api";r=R;t=T`` (IETF draft 9), if present."""
    match = _RATELIMIT.search(headers.get("RateLimit") or "")
    return (int(match["r"]), int(match["t"])) if match else None


def retry_after(headers: Any) -> int | None:
    """``Retry-After`` in seconds (the HTTP-date form is not used by the Hub)."""
    value = (headers.get("Retry-After") or "").strip()
    return int(value) if value.isdigit() else None
