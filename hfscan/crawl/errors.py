"""The one table from the Hub's refusals to hfscan's errors (docs/HUB_PROTOCOL.md, "Errors and
authentication").

Two roads reach the Hub: hfscan's own client, which sees a status and the ``X-Error-Code`` /
``X-Error-Message`` headers, and huggingface_hub's HfApi (dataset reads, downloads, uploads), which
raises its typed exceptions. Both are reduced to one `Reason` — exception types first, in order
(``GatedRepoError`` subclasses ``RepositoryNotFoundError``, so it must come before it), then the
answer's status and headers, as ``hf_raise_for_status`` decides them — and `TABLE` turns a reason
into the hfscan error and its hint. What differs between a scan, an import and a publish (the
label, whether the user named the repo, the hint to run again) is the `HubCall` parameter, not a
second table. Decided by headers and types, never by the text of a message that names the repo.
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from hfscan.errors import (
    AuthError,
    EntryGone,
    HfscanError,
    HubError,
    HubUnreachable,
    RepoDisabled,
    RepoGated,
    RepoGone,
    UsageError,
    first_line,
)

# The one 401 that means "bad token" (the X-Error-Message hf_raise_for_status compares against):
# every other 401 on a repo URL is a missing, private or deleted repo.
INVALID_CREDENTIALS = "Invalid credentials in Authorization header"
DISABLED = "Access to this resource is disabled"
# Paths of one repo (hub-docs OpenAPI; huggingface_hub's REPO_API_REGEX matches the same shapes).
_REPO_PATH = re.compile(r"^/api/(models|datasets|spaces)/.+|^/(datasets/|spaces/)?[^/]+/[^/]+/resolve/")


class Doing(Enum):
    """What hfscan was doing when the Hub refused; it picks the error class and the hint."""

    CRAWL = "crawl"  # per-repo reads of scan, history, probe: a refusal is that repo's, recorded
    READ = "read"  # a dataset repo the user named (import, frameworks update): not found is a typo
    PUBLISH = "publish"  # writes to the user's dataset repo

    @property
    def again(self) -> str:
        return {Doing.CRAWL: "the Hub may be down; run the same command again to resume",
                Doing.READ: "run the same command again",
                Doing.PUBLISH: "run `hfscan publish` again: a failed run commits nothing"}[self]


@dataclass(frozen=True)
class HubCall:
    """One call's context: `label` starts every message ("acme/bert commit log",
    "dataset owner/name: revision main", "datasets/owner/name: committing to")."""

    label: str
    doing: Doing = Doing.CRAWL


class Reason(Enum):
    GATED = "gated"
    REPO_NOT_FOUND = "repo_not_found"
    REVISION_NOT_FOUND = "revision_not_found"
    ENTRY_NOT_FOUND = "entry_not_found"
    DISABLED = "disabled"
    BAD_TOKEN = "bad_token"
    NO_WRITE_ACCESS = "no_write_access"
    CONFLICT = "conflict"
    NETWORK = "network"
    CLIENT = "client"  # huggingface_hub's own wrappers around an upload (LFS, metadata checks)
    OTHER = "other"


@dataclass(frozen=True)
class Translation:
    """`error` raised with "{label}: {says}"; `named` instead when the user named the repo (READ)."""

    error: type[HfscanError]
    says: str  # format fields: status, detail
    hint: str | None = None  # format field: again (Doing.again)
    named: type[HfscanError] | None = None


TABLE: Mapping[Reason, Translation] = {
    Reason.GATED: Translation(RepoGated, "gated repository (HTTP {status})",
                              "set HF_TOKEN to a token that was granted access to the repo"),
    Reason.REPO_NOT_FOUND: Translation(RepoGone, "repository not found, private or deleted (HTTP {status})",
                                       "check the repo id (owner/name) and HF_ENDPOINT", named=UsageError),
    Reason.REVISION_NOT_FOUND: Translation(RepoGone, "revision not found (HTTP {status})",
                                           "list revisions with `hf` or on the repo's history page",
                                           named=UsageError),
    Reason.ENTRY_NOT_FOUND: Translation(EntryGone, "file not found (HTTP {status})", "check --file",
                                        named=UsageError),
    Reason.DISABLED: Translation(RepoDisabled, "repository disabled (HTTP {status})"),
    Reason.BAD_TOKEN: Translation(AuthError, "the Hub refused the credentials (HTTP {status})",
                                  "check HF_TOKEN: it is invalid or expired (`hf auth login` writes a new one)"),
    Reason.NO_WRITE_ACCESS: Translation(AuthError, "no write access (HTTP {status}): the repo belongs to someone "
                                        "else or the token cannot write",
                                        "publish to a repo under your own name or org"),
    Reason.CONFLICT: Translation(HubError, "the repo changed meanwhile (HTTP {status}): nothing was committed",
                                 "{again}"),
    Reason.NETWORK: Translation(HubUnreachable, "{detail}", "check the endpoint (HF_ENDPOINT) and the network"),
    Reason.CLIENT: Translation(HubError, "{detail}", "{again}"),
    Reason.OTHER: Translation(HubError, "{detail}", "{again}"),
}


def reason_of_answer(status: int, headers: Any, *, repo_url: bool, writing: bool = False) -> Reason:
    """The reason of a 4xx answer, in hf_raise_for_status's order: X-Error-Code, then the disabled
    message, then the status (a 401 on a repo URL is a repo the caller cannot see)."""
    code = headers.get("X-Error-Code") or ""
    message = (headers.get("X-Error-Message") or "").strip()
    by_code = {"GatedRepo": Reason.GATED, "RepoNotFound": Reason.REPO_NOT_FOUND,
               "RevisionNotFound": Reason.REVISION_NOT_FOUND, "EntryNotFound": Reason.ENTRY_NOT_FOUND}
    if code in by_code:
        return by_code[code]
    if message.rstrip(".") == DISABLED:
        return Reason.DISABLED
    if status in (401, 403) and message == INVALID_CREDENTIALS:
        return Reason.BAD_TOKEN
    if status == 403 and writing:
        return Reason.NO_WRITE_ACCESS
    if status == 401 and repo_url:
        return Reason.REPO_NOT_FOUND
    if status in (401, 403) and not repo_url:
        return Reason.BAD_TOKEN
    if status == 412:
        return Reason.CONFLICT
    return Reason.OTHER


@functools.cache
def _by_exception() -> tuple[tuple[type[BaseException], Reason], ...]:
    """huggingface_hub's exception types, most specific first (imported late: `--help` stays fast)."""
    from huggingface_hub import errors

    return (
        (errors.GatedRepoError, Reason.GATED),  # a RepositoryNotFoundError too: it goes first
        (errors.RepositoryNotFoundError, Reason.REPO_NOT_FOUND),
        (errors.RevisionNotFoundError, Reason.REVISION_NOT_FOUND),
        (errors.RemoteEntryNotFoundError, Reason.ENTRY_NOT_FOUND),
        (errors.DisabledRepoError, Reason.DISABLED),
        # hf_hub_download's answer when the Hub cannot be reached and the file is not cached.
        (errors.LocalEntryNotFoundError, Reason.NETWORK),
    )


def reason_of_exception(error: BaseException, doing: Doing) -> tuple[Reason, int | None] | None:
    """The reason (and HTTP status) of a huggingface_hub failure, None for anything else."""
    from huggingface_hub import errors
    from huggingface_hub.utils import httpx

    response = getattr(error, "response", None) if isinstance(error, errors.HfHubHTTPError) else None
    status = response.status_code if response is not None else None
    for kind, reason in _by_exception():
        if isinstance(error, kind):
            return reason, status
    if isinstance(error, errors.HfHubHTTPError):
        if response is None:
            return Reason.OTHER, None
        return reason_of_answer(response.status_code, response.headers, repo_url=is_repo_url(str(response.url)),
                                writing=doing is Doing.PUBLISH), status
    if isinstance(error, (httpx.TransportError, ConnectionError)):  # not every OSError: a full disk is no Hub problem
        return Reason.NETWORK, None
    if doing is Doing.PUBLISH and isinstance(error, (RuntimeError, ValueError)):
        return Reason.CLIENT, None
    return None


def translate(reason: Reason, call: HubCall, status: int | None = None, detail: str = "") -> HfscanError:
    """The hfscan error for `reason`, worded for `call`."""
    row = TABLE[reason]
    error = row.named if row.named is not None and call.doing is Doing.READ else row.error
    says = row.says.format(status=status if status is not None else "?", detail=detail)
    hint = row.hint.format(again=call.doing.again) if row.hint else None
    return error(f"{call.label}: {says}", hint=hint)


def error_for(status: int, headers: Any, call: HubCall, *, repo_url: bool) -> HfscanError:
    """The typed error for a 4xx answer to hfscan's own client."""
    reason = reason_of_answer(status, headers, repo_url=repo_url, writing=call.doing is Doing.PUBLISH)
    message = (headers.get("X-Error-Message") or "").strip()
    return translate(reason, call, status, f"HTTP {status}" + (f": {message}" if message else ""))


def is_repo_url(url: str) -> bool:
    from urllib.parse import urlsplit

    return bool(_REPO_PATH.search(urlsplit(url).path))


def _detail(error: BaseException, reason: Reason) -> str:
    if reason is Reason.NETWORK:
        cause = error.__cause__ or error  # LocalEntryNotFoundError wraps the connection error
        return f"{type(cause).__name__}: {first_line(cause)}"
    if reason is Reason.CLIENT and error.__cause__ is not None:  # the wrapper's cause says what failed
        return f"{first_line(error)} ({first_line(error.__cause__)})"
    return first_line(error)


@contextlib.contextmanager
def hub_errors(call: HubCall) -> Iterator[None]:
    """Calls to huggingface_hub inside the block: its failures → the table's hfscan error."""
    try:
        yield
    except HfscanError:
        raise
    except Exception as e:
        found = reason_of_exception(e, call.doing)
        if found is None:
            raise
        reason, status = found
        raise translate(reason, call, status, _detail(e, reason)) from e
