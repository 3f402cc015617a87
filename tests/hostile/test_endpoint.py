"""A hostile endpoint gets nothing: the fault matrix, one row per attack.

Every row is the real CLI in a subprocess against the fake Hub on 127.0.0.1 with a token set, a
hostile fault switched on (hfscan/testing/fakehub/faults.py, hostile.py) and a check of what must
hold: no token to another origin, no byte outside the database and the cache, every answer
bounded (a one-line error and a scan that resumes), a malformed item skipped and counted.
The second origin is the fake's "CDN" server on another loopback port, which counts every request
and Authorization header it receives. A new attack is one more row in CASES.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from hfscan.testing.fakehub import FakeHub
from hfscan.testing.fakehub.series_repos import DAILY_REPO, WEEKLY_PATTERN, WEEKLY_REPO
from tests.crawl.helpers import CliResult, query, run_cli

TOKEN = "hf_HostileEndpointToken0123456789abc"
AS_OF = "2021-12-14"
MODELS = 300
PAGE = 100


@pytest.fixture(scope="module")
def hub() -> Iterator[FakeHub]:
    with FakeHub(models=MODELS, seed=24) as running:
        yield running


@pytest.fixture(scope="module")
def baseline(hub: FakeHub, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One complete snapshot, copied for each history/probe row."""
    db = tmp_path_factory.mktemp("baseline") / "hfscan.duckdb"
    result = run_cli(["scan", "--endpoint", hub.url, "--db", str(db), "--page-size", str(PAGE)])
    assert result.code == 0, result.stderr
    return db


@dataclass
class Run:
    result: CliResult
    db: Path
    victim: Path
    stats: dict[str, Any]
    planted: int
    args: list[str]

    @property
    def errors(self) -> list[str]:
        return [line for line in self.result.stderr.splitlines() if line.startswith("hfscan: error:")]

    def one_error(self, *words: str) -> None:
        assert self.result.code == 3, self.result.stderr
        assert len(self.errors) == 1, self.result.stderr
        assert "Traceback" not in self.result.stderr
        for word in words:
            assert word in self.errors[0], self.errors[0]

    def json(self) -> dict[str, Any]:
        return json.loads(self.result.stdout)


@dataclass(frozen=True)
class Case:
    id: str
    verb: str  # scan | history | probe | frameworks | import-revision | import-files
    faults: list[dict[str, Any]]
    check: Callable[[Run], None]
    extra: tuple[str, ...] = ()
    needs_scan: bool = field(default=False)


VICTIM_TEXT = "precious: must stay untouched\n"


def _traversal(victim: Path) -> str:
    return "../" * 30 + str(victim).lstrip("/")


def _command(case: Case, hub: FakeHub, db: Path) -> list[str]:
    common = ["--endpoint", hub.url, "--db", str(db)]
    if case.verb == "scan":
        return ["scan", *common, "--page-size", str(PAGE), "--retry-wait", "0.01", "--max-retries", "1",
                "--timeout", "5", *case.extra]
    if case.verb == "history":
        return ["history", *common, "--retry-wait", "0.01", "--max-retries", "1", "--as-of", AS_OF, "--json",
                *case.extra]
    if case.verb == "probe":
        return ["probe", *common, "--retry-wait", "0.01", "--max-retries", "1", "--sample", "40", "--json"]
    if case.verb == "frameworks":
        return ["frameworks", "update", *common]
    if case.verb == "import-revision":
        return ["import", "hf-dataset", DAILY_REPO, "--revision", "main", *common]
    if case.verb == "import-walk":
        return ["import", "hf-dataset", DAILY_REPO, "--last", "1", *common]
    if case.verb == "import-files":
        return ["import", "hf-dataset", WEEKLY_REPO, "--files", WEEKLY_PATTERN, "--last", "1", *common]
    raise AssertionError(case.verb)


# ------------------------------------------------------------------ checks
def _no_foreign_token(run: Run) -> None:
    assert run.stats.get("cdn:authorization_seen", 0) == 0  # the token never reached the other origin
    assert run.stats.get("cdn:requests", 0) == 0  # nor did hfscan ask it anything
    assert run.stats.get("authorization_seen", 0) > 0  # the token did travel to the endpoint


def _refused_foreign_link(run: Run) -> None:
    _no_foreign_token(run)
    run.one_error("another origin")


def _history_repo_failed(run: Run) -> None:
    """One repo recorded as `error` (fetched again next run), the rest complete."""
    _no_foreign_token(run)
    assert run.result.code == 0, run.result.stderr
    statuses = dict(query(run.db, "SELECT status, count(*) FROM history_status GROUP BY ALL"))
    assert statuses.get("error") == 1 and statuses.get("ok", 0) > 0, statuses


def _history_foreign_tree(run: Run) -> None:
    _no_foreign_token(run)
    assert run.result.code == 0, run.result.stderr
    failed = query(run.db, "SELECT status, reason FROM tree_status")
    assert len(failed) == 1 and failed[0][0] == "error" and "another origin" in failed[0][1], failed


def _victim_untouched(run: Run) -> None:
    assert run.victim.read_text() == VICTIM_TEXT
    run.one_error("commit id")


def _scan_stopped(*words: str) -> Callable[[Run], None]:
    def check(run: Run) -> None:
        run.one_error(*words)
        # The scan resumes later: the staged cursor is kept, nothing is a snapshot yet.
        assert query(run.db, "SELECT count(*) FROM scans WHERE status = 'complete'") == [(0,)]
        assert run.db.with_name(run.db.name + ".scan").exists()
    return check


def _scan_rejected(count: int) -> Callable[[Run], None]:
    def check(run: Run) -> None:
        assert run.result.code == 0, run.result.stderr
        [(models, rejects)] = query(run.db, "SELECT models, rejects FROM scans WHERE status = 'complete'")
        assert rejects == count and models == run.planted - count, (models, rejects)
    return check


def _history_rejected(run: Run) -> None:
    assert run.result.code == 0, run.result.stderr
    assert run.json()["rejected"] == 1
    assert dict(query(run.db, "SELECT status, count(*) FROM history_status GROUP BY ALL")).keys() == {"ok"}


def _probe_error(run: Run) -> None:
    assert run.result.code == 0, run.result.stderr
    errors = query(run.db, "SELECT error FROM header_probes WHERE status = 'error'")
    assert len(errors) >= 1 and all("nested" in e[0] for e in errors), errors
    assert query(run.db, "SELECT count(*) FROM header_probes WHERE status <> 'error'")[0][0] > 0


def _token_nowhere(run: Run) -> None:
    """The server echoed the token in its error message: stored and printed redacted."""
    assert run.result.code == 3 and TOKEN not in run.result.stderr
    stored = " ".join(str(r) for r in query(run.db, "SELECT error FROM scan_log"))
    assert "Bad request" in stored and TOKEN not in stored
    staging = run.db.with_name(run.db.name + ".scan")
    assert TOKEN not in " ".join(str(r) for r in query(staging, "SELECT error FROM scan_state"))
    for path in run.db.parent.iterdir():
        if path.suffix in (".json", ".progress") or path.name.endswith(".json"):
            assert TOKEN not in path.read_text()
    for args in (["status", "--db", str(run.db)], ["status", "--db", str(run.db), "--json"]):
        shown = run_cli(args, env={"HF_TOKEN": "hf_SomeOtherTokenNotTheEchoedOne99"})
        assert TOKEN not in shown.stdout + shown.stderr
    debug = run_cli(["--debug", *run.args], env={"HF_TOKEN": TOKEN})
    assert TOKEN not in debug.stdout + debug.stderr


def _history_token_nowhere(run: Run) -> None:
    assert run.result.code == 0, run.result.stderr
    reasons = [r[0] for r in query(run.db, "SELECT reason FROM history_status WHERE status = 'error'")]
    assert reasons and all("Bad request" in r and TOKEN not in r for r in reasons), reasons


CASES = [
    # 1. a commit id from the server reaches a path
    Case("frameworks-sha-traversal", "frameworks", [{"kind": "bad_sha", "route": "any", "count": 10**6}],
         _victim_untouched),
    Case("import-revision-sha-traversal", "import-revision", [{"kind": "bad_sha", "route": "any", "count": 10**6}],
         _victim_untouched),
    Case("import-files-sha-traversal", "import-files", [{"kind": "bad_sha", "route": "any", "count": 10**6}],
         _victim_untouched),
    Case("import-walk-commit-id-traversal", "import-walk", [{"kind": "bad_sha", "route": "any", "count": 10**6}],
         _victim_untouched),
    # 2. a next link to another origin
    Case("listing-next-to-another-origin", "scan", [{"kind": "foreign_next", "route": "listing", "page": 1}],
         _refused_foreign_link),
    Case("commits-next-to-another-origin", "history", [{"kind": "foreign_next", "route": "commits"}],
         _history_repo_failed, needs_scan=True),
    Case("tree-next-to-another-origin", "history", [{"kind": "foreign_next", "route": "tree"}],
         _history_foreign_tree, needs_scan=True),
    Case("dataset-commits-next-to-another-origin", "import-walk",
         [{"kind": "foreign_next", "route": "dataset_commits"}], _refused_foreign_link),
    # 3. unbounded answers
    Case("gzip-bomb", "scan", [{"kind": "gzip_bomb", "route": "listing", "page": 2, "count": 10}],
         _scan_stopped("larger than")),
    Case("one-byte-a-second", "scan", [{"kind": "drip", "route": "listing", "page": 2, "count": 10, "ms": 1000}],
         _scan_stopped("deadline"), extra=("--timeout", "2", "--max-retries", "0")),
    Case("ratelimit-wait-of-31-years", "scan",
         [{"kind": "ratelimit_200", "route": "listing", "page": 1, "reset": 999_999_999}],
         _scan_stopped("999,999,999")),
    Case("next-link-to-the-same-page", "scan", [{"kind": "same_next", "route": "listing", "page": 2, "count": 10}],
         _scan_stopped("repeats")),
    # 4. one bad item, one bad answer
    Case("listing-item-nested-1100-deep", "scan", [{"kind": "deep_item", "route": "listing", "page": 2}],
         _scan_rejected(1)),
    Case("listing-int-over-64-bits-beside-a-bad-item", "scan", [{"kind": "bigint_item", "route": "listing", "page": 2}],
         _scan_rejected(2)),
    Case("commit-log-html-200", "history", [{"kind": "html200", "route": "commits", "count": 2}],
         _history_repo_failed, needs_scan=True),
    Case("commit-log-not-a-list", "history", [{"kind": "non_list", "route": "commits", "count": 2}],
         _history_repo_failed, needs_scan=True),
    Case("commit-with-a-bad-date", "history", [{"kind": "bad_date", "route": "commits"}],
         _history_rejected, needs_scan=True),
    Case("tree-entry-without-path", "history", [{"kind": "no_path", "route": "tree"}],
         _history_rejected, needs_scan=True),
    Case("safetensors-header-nested-1100-deep", "probe", [{"kind": "deep_header", "route": "resolve", "count": 3}],
         _probe_error, needs_scan=True),
    # 7. a token echoed by the server
    Case("listing-error-echoes-the-token", "scan", [{"kind": "echo_token", "route": "listing", "page": 2,
                                                      "count": 10}], _token_nowhere),
    Case("commit-log-error-echoes-the-token", "history", [{"kind": "echo_token", "route": "commits"}],
         _history_token_nowhere, needs_scan=True),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_endpoint(case: Case, hub: FakeHub, baseline: Path, tmp_path: Path) -> None:
    db = tmp_path / "hfscan.duckdb"
    if case.needs_scan:
        shutil.copy(baseline, db)
    victim = tmp_path / "victim.txt"
    victim.write_text(VICTIM_TEXT)
    faults = [({**f, "value": _traversal(victim)} if f["kind"] == "bad_sha" else f) for f in case.faults]
    before = hub.stats()
    hub.set_faults(faults)
    args = _command(case, hub, db)
    try:
        result = run_cli(args, env={"HF_TOKEN": TOKEN}, timeout=120)
    finally:
        hub.clear_faults()
    after = hub.stats()
    stats = {k: v - before.get(k, 0) for k, v in after.items() if isinstance(v, int)}
    assert after["faults_fired"] > before["faults_fired"]  # the attack really happened
    run = Run(result, db, victim, stats, len(hub.model_ids()), args)
    case.check(run)
    assert victim.read_text() == VICTIM_TEXT


def test_a_stopped_scan_resumes_once_the_endpoint_behaves(hub: FakeHub, tmp_path: Path) -> None:
    """After a cap stopped it (here: a next link to the same page), the next run completes."""
    db = tmp_path / "hfscan.duckdb"
    args = _command(Case("resume", "scan", [], _refused_foreign_link), hub, db)
    hub.set_faults([{"kind": "same_next", "route": "listing", "page": 2, "count": 10}])
    try:
        assert run_cli(args, timeout=120).code == 3
    finally:
        hub.clear_faults()
    result = run_cli(args)
    assert result.code == 0, result.stderr
    assert query(db, "SELECT models FROM scans WHERE status = 'complete'") == [(len(hub.model_ids()),)]


def test_a_token_over_plain_http_to_another_host_is_warned_about() -> None:
    from hfscan.crawl.auth import plain_http_warning

    assert plain_http_warning("http://hub.example.org", TOKEN) is not None
    assert plain_http_warning("https://hub.example.org", TOKEN) is None
    assert plain_http_warning("http://127.0.0.1:8080", TOKEN) is None
    assert plain_http_warning("http://localhost:8080", TOKEN) is None
    assert plain_http_warning("http://[::1]:8080", TOKEN) is None
    assert plain_http_warning("http://hub.example.org", None) is None


def test_model_ids_are_quoted_in_commit_log_and_tree_urls() -> None:
    """huggingface_hub quotes a revision with safe="" and validates the repo id; hfscan quotes both."""
    from hfscan.crawl.commits import commits_path, tree_path

    assert commits_path("a/b#c?d", None) == "/api/models/a/b%23c%3Fd/commits/main"
    assert commits_path("a/b", "refs/pr/1") == "/api/models/a/b/commits/refs%2Fpr%2F1"
    assert tree_path("a/b c", "0" * 40) == f"/api/models/a/b%20c/tree/{'0' * 40}"
    with pytest.raises(Exception, match="not a repo id"):
        commits_path("a/../../api/whoami", None)


def test_a_token_of_any_shape_given_to_the_client_is_redacted_from_errors() -> None:
    """A mirror's token need not look like `hf_…`: the client registers the one it is given."""
    from hfscan.crawl.client import HubClient
    from hfscan.errors import HubError

    secret = "mirror-Secret-7f3a9c"
    assert secret in str(HubError(f"echo {secret}"))  # not registered yet: nothing to hide
    HubClient("http://127.0.0.1:9", secret)
    error = HubError(f"listing page 1: HTTP 400: Bad request from Bearer {secret}", hint=f"token {secret}")
    assert secret not in str(error) and secret not in (error.hint or "")
