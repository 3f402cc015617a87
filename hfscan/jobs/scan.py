"""`hfscan scan`: list every model into the staging file page by page, then store one snapshot.

- Full scan: sorted by ``createdAt`` (the stable order: it never changes during a crawl).
- Incremental scan: sorted by ``lastModified``, stopping once a page is entirely older than the
  last complete scan's high-water mark minus an overlap; every model not listed again is carried
  forward from that scan. Deleted repos are only noticed by full scans.
- A kill at any moment loses at most the page in flight: the next `hfscan scan` resumes from the
  staged cursor, whatever kind of scan was interrupted.
- The next page is fetched while the current one is stored, so storing hides behind the network.

The main database is opened on purpose, briefly, at most three times per scan, so that `sql`,
`shares` and `report` keep answering from the last complete snapshot during a crawl of hours
(pages go to the scan's own staging file):
  1. `snapshots.register_scan`: one INSERT into scan_log (the scan id, its kind, its base scan);
  2. `snapshots.finalize`: the staging file attached, the snapshot stored in one transaction;
  3. `classify_versions`: the versions this scan added, classified.
A scan that stops opens it once more, to say why (`set_scan_status`, best effort: the staging
file keeps the state either way); `--discard` opens it once.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

from hfscan.analysis.suggest import with_endpoint
from hfscan.classify.versions import ClassifyResult, classify_versions
from hfscan.crawl.client import HubClient, RetryPolicy
from hfscan.crawl.listing import (
    ParsedPage,
    listing_params,
    page_is_past,
    parse_listing_page,
    prefetch,
    smaller_page,
)
from hfscan.dates import utc_now
from hfscan.errors import AuthError, HubError, UsageError, first_line
from hfscan.store import snapshots
from hfscan.store.connect import connect
from hfscan.store.db_errors import db_errors
from hfscan.store.staging import ScanState, Staging, staging_path


@dataclass
class ScanOptions:
    incremental: bool = False
    page_size: int = 1000
    max_requests_per_5min: int | None = None
    overlap: timedelta = timedelta(days=1)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    classify: bool = True
    allow_shrink: bool = False  # store a listing under half the previous snapshot (snapshots.finalize)


@dataclass
class ScanProgress:
    scan_id: int
    kind: str
    pages: int
    models: int
    requests: int
    expected_models: int | None
    resumed: bool


@dataclass
class ScanResult:
    scan_id: int
    kind: str
    resumed: bool
    models: int
    listed: int
    new_versions: int
    carried: int
    rejects: int
    pages: int
    requests: int
    seconds: float
    classified: ClassifyResult | None = None

    def summary(self, db: Path) -> ScanSummary:
        return ScanSummary(self.scan_id, self.kind, self.resumed, self.models, self.listed, self.carried,
                           self.new_versions, self.rejects, self.pages, self.requests, round(self.seconds, 2), str(db))


@dataclass(frozen=True)
class ScanSummary:
    """`hfscan scan --json` (tests/golden/scan.json): the result as the verb prints it."""

    scan_id: int
    kind: str
    resumed: bool
    models: int
    listed: int
    carried_forward: int
    new_versions: int
    rejects: int
    pages: int
    requests: int
    seconds: float
    db: str


Notify = Callable[[str], None]


def discard_scan(db_path: Path) -> int | None:
    """Throw away an interrupted scan: its staging file goes, its scan_log row says 'discarded'."""
    if not staging_path(db_path).exists():
        return None
    staging = Staging(db_path)
    state = staging.state()
    staging.remove()
    if state is not None:
        snapshots.set_scan_status(db_path, state.scan_id, "discarded", "discarded by the user")
        return state.scan_id
    return None


def run_scan(
    db_path: Path,
    endpoint: str,
    token: str | None,
    options: ScanOptions,
    *,
    on_progress: Callable[[ScanProgress], None] | None = None,
    on_note: Notify | None = None,
) -> ScanResult:
    note: Notify = on_note or (lambda _m: None)
    started = time.monotonic()
    if not 1 <= options.page_size <= 1000:
        raise UsageError("--page-size must be between 1 and 1000")
    staging = Staging(db_path)
    try:
        state = staging.state()
        resumed = state is not None
        expected: int | None = None
        if state is None:
            state, expected = _start(staging, db_path, endpoint, options, note)
        else:
            note(f"resuming {state.kind} scan {state.scan_id} (started {state.started_at:%Y-%m-%d %H:%M} UTC, "
                 f"{state.pages} pages stored)")
            if state.endpoint != endpoint:
                raise UsageError(
                    f"the interrupted scan {state.scan_id} was listing {state.endpoint}, not {endpoint}",
                    hint=f"resume it with `{with_endpoint('hfscan scan', state.endpoint)}`, or throw it away "
                    "with `hfscan scan --discard`",
                )
        staging.set_pid(os.getpid())
        staging.write_sidecar()
        client = HubClient(endpoint, token, retry=options.retry,
                           max_requests_per_5min=options.max_requests_per_5min,
                           on_wait=lambda why, s: note(f"waiting {s:.1f}s: {why}"))
        try:
            with db_errors(f"scan {state.scan_id}: cannot write the database",
                           hint="free disk space or fix permissions; earlier snapshots are intact and "
                           "`hfscan scan` resumes this one"):
                if not state.done:
                    _crawl(staging, client, state, options, expected, resumed, on_progress, note)
                final = snapshots.finalize(staging, on_wait=note, planted=client.stats.planted,
                                           allow_shrink=options.allow_shrink)
        except BaseException as e:
            _record_failure(staging, db_path, state.scan_id, e)
            raise
        end_state = staging.state()
        assert end_state is not None
        staging.remove()
    except BaseException:
        with contextlib.suppress(Exception):
            staging.close()
        raise
    classified = _classify(db_path, note) if options.classify else None
    return ScanResult(
        scan_id=final.scan_id, kind=end_state.kind, resumed=resumed, models=final.models,
        listed=final.models - final.carried, new_versions=final.new_versions, carried=final.carried,
        rejects=final.rejects, pages=end_state.pages, requests=end_state.requests,
        seconds=time.monotonic() - started, classified=classified,
    )


def _record_failure(staging: Staging, db_path: Path, scan_id: int, error: BaseException) -> None:
    """Say why the scan stopped, where possible; never mask the original error (disk may be full)."""
    message = "interrupted" if isinstance(error, KeyboardInterrupt) else str(error)
    try:
        staging.mark("failed", message)
        staging.write_sidecar()
    except Exception:
        pass
    with contextlib.suppress(Exception):
        snapshots.set_scan_status(db_path, scan_id, "failed", message, wait_seconds=2.0)


def _start(staging: Staging, db_path: Path, endpoint: str, options: ScanOptions,
           note: Notify) -> tuple[ScanState, int | None]:
    kind = "incremental" if options.incremental else "full"
    # One write to the main database: register_scan records the kind the scan really has.
    scan_id, base = snapshots.register_scan(db_path, kind, endpoint, ["files", "tags", "loadable"], on_wait=note)
    stop_before = None
    if kind == "incremental":
        if not snapshots.can_build_on(base):
            note("no complete scan to build on: running a full scan instead")
            kind = "full"
        else:
            assert base is not None and base.high_water is not None
            stop_before = base.high_water - options.overlap
    state = ScanState(
        scan_id=scan_id, kind=kind, endpoint=endpoint, started_at=utc_now().replace(microsecond=0),
        next_url=None, done=False, pages=0, models=0, rejects=0, requests=0, stop_before=stop_before,
        base_scan_id=base.scan_id if (base and kind == "incremental") else None, status="running",
        error=None, pid=os.getpid(),
    )
    staging.begin(state)
    return state, base.models if base else None


def _crawl(staging: Staging, client: HubClient, state: ScanState, options: ScanOptions, expected: int | None,
           resumed: bool, on_progress: Callable[[ScanProgress], None] | None, note: Notify) -> None:
    """Follow the listing; a page that fails after its retries (5xx, timeouts) is asked again smaller,
    and the smaller URL is saved first, so a resumed scan keeps the smaller pages too."""
    sort = "lastModified" if state.kind == "incremental" else "createdAt"
    url = state.next_url or f"{client.url('/api/models')}?{urlencode(listing_params(sort, options.page_size))}"
    requests_before = state.requests - client.stats.requests  # earlier runs' requests
    while True:
        retries_before = client.stats.retries
        answered_before = client.stats.answers
        try:
            _follow(staging, client, url, requests_before, expected, resumed, on_progress)
            return
        except HubError as e:
            failing = staging.state()
            assert failing is not None
            at = failing.next_url or url
            smaller = smaller_page(at)
            if (isinstance(e, AuthError) or client.stats.retries == retries_before or smaller is None
                    or client.stats.answers == answered_before):
                # Not a server failure that a smaller page can help with: no retry happened, or
                # nothing answered at all (refused, or a hung server): the Hub is down, not overloaded.
                raise
            staging.set_next_url(smaller)
            note(f"listing page {failing.pages + 1} failed at {parse_qs(urlsplit(at).query)['limit'][0]} "
                 f"models a page ({first_line(e)}): asking for {parse_qs(urlsplit(smaller).query)['limit'][0]}")
            url = smaller


def _follow(staging: Staging, client: HubClient, url: str, requests_before: int, expected: int | None,
            resumed: bool, on_progress: Callable[[ScanProgress], None] | None) -> None:
    state = staging.state()
    assert state is not None
    pages = client.pages("/api/models", [], parse_listing_page, start_url=url, what="listing page")
    number, models = state.pages, state.models
    last_sidecar = 0.0
    for page in prefetch(pages):
        number += 1
        parsed: ParsedPage = page.parsed
        past = page_is_past(parsed, state.stop_before)
        done = page.next_url is None or past
        staging.commit_page(number, parsed.models, parsed.rejects, None if done else page.next_url, done,
                            requests_before + client.stats.requests)
        models += parsed.models.height
        now = time.monotonic()
        if now - last_sidecar > 2.0 or done:
            staging.write_sidecar(progress_models=models)
            last_sidecar = now
        if on_progress:
            on_progress(ScanProgress(state.scan_id, state.kind, number, models,
                                     requests_before + client.stats.requests, expected, resumed))
        if done:
            return


def _classify(db_path: Path, note: Notify) -> ClassifyResult:
    """Classify the versions this scan added (rules as of this hfscan); the snapshot is already safe."""
    con = connect(db_path, on_wait=note)
    try:
        return classify_versions(con)
    finally:
        con.close()
