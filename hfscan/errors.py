"""One error map for the whole tool.

Library code raises these; only the CLI entry point turns them into one stderr line and an exit
code. Each carries a hint naming what to do next. Third-party errors are wrapped where they enter
(``raise HubError(...) from e``) so that the message names the repo, page or file involved.
"""

from __future__ import annotations

import re

# Anything shaped like a Hub token (hf_ + at least 8 characters), and the tokens this process was
# given (HubClient registers its own): an endpoint may echo a token in an error message.
_TOKEN_SHAPE = re.compile(r"hf_[A-Za-z0-9]{8,}")
_SECRETS: set[str] = set()


def register_secret(secret: str | None) -> None:
    """Remember a token so that `redact` hides it whatever its shape (a mirror's own tokens)."""
    if secret and len(secret) >= 4:
        _SECRETS.add(secret)


def redact(text: str) -> str:
    """The one redaction: every registered token, HF_TOKEN, and anything shaped like a Hub token.

    Applied where a message is created (HfscanError) and again where errors are stored or printed
    (scan_log, staging, sidecar, stderr), so an echoed token never reaches a byte on disk."""
    import os

    for secret in sorted(_SECRETS | {os.environ.get("HF_TOKEN") or ""}, key=len, reverse=True):
        if secret:
            text = text.replace(secret, "***")
    return _TOKEN_SHAPE.sub("hf_***", text)


class ExitCode:
    OK = 0
    RUNTIME = 1
    USAGE = 2
    HUB = 3
    STORAGE = 4
    INTEGRITY = 5
    INTERRUPTED = 130


def first_line(error: BaseException) -> str:
    """The first line of an error's message (third-party messages run long), else its type name."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


class HfscanError(Exception):
    """Base error: a message for the user and an optional hint (the command to run next)."""

    exit_code: int = ExitCode.RUNTIME
    # True when no later item of a per-repo run would fare better (a bad token, the rate-limit
    # budget spent, an outage): the run stops, and the item that met it is not recorded.
    stops_run: bool = False

    def __init__(self, message: str, hint: str | None = None) -> None:
        message = redact(message)
        super().__init__(message)
        self.message = message
        self.hint = redact(hint) if hint else hint

    def __str__(self) -> str:
        return self.message


class UsageError(HfscanError):
    """Bad input from the user: options, dates, paths, queries."""

    exit_code = ExitCode.USAGE


class HubError(HfscanError):
    """The Hub (or the endpoint given) could not be reached or answered wrongly."""

    exit_code = ExitCode.HUB
    # What a per-repo run records for the repo that met it (history_status, header_probes): `error`
    # is tried again by the next run; RepoError's statuses are final at that sha.
    status: str = "error"


class AuthError(HubError):
    """The Hub says the credentials in the Authorization header are invalid: stop, fix the token."""

    stops_run = True


class RepoError(HubError):
    """One repo (or one revision or file of it) cannot be read; other repos can. ``status`` is the
    final status recorded for it (history_status, header_probes): a later run does not ask again
    at the same sha."""


class RepoGone(RepoError):
    """Missing, private or deleted (an anonymous caller cannot tell these apart), or the revision
    asked for no longer exists."""

    status = "gone"


class RepoGated(RepoError):
    """Gated: the caller has not been granted access."""

    status = "gated"


class RepoDisabled(RepoError):
    """Disabled by the Hub ("Access to this resource is disabled")."""

    status = "disabled"


class EntryGone(RepoError):
    """The repo exists at that revision but the file does not."""

    status = "gone"


class HubUnreachable(HubError):
    """No usable answer: network errors, timeouts or 5xx, with the retries spent."""


class HubOutage(HubUnreachable):
    """So many failures in a row, across requests, that the Hub (or the network) is down: stop the
    run instead of spending the retry budget on every remaining repo."""

    stops_run = True


class RateLimited(HubError):
    """Still answered 429 after the budget of rate-limit waits was spent."""

    stops_run = True


class StoreError(HfscanError):
    """The database is missing, locked, corrupt, from a newer hfscan, or could not be written."""

    exit_code = ExitCode.STORAGE


class DatabaseLocked(StoreError):
    """Another process holds the database (DuckDB: one writer or several readers)."""


class DatabaseDamaged(StoreError):
    """DuckDB found a corrupt block or a bad checksum."""


class DiskFull(StoreError):
    """The disk (or the file size limit) cannot take the write; earlier snapshots are intact."""


class OutOfMemory(StoreError):
    """DuckDB ran out of memory under its limit (HFSCAN_MEMORY_LIMIT)."""


class ScanRunningError(DatabaseLocked):
    """Another scan already writes to this database."""


class IntegrityError(HfscanError):
    """`status --check` found a problem in the stored data."""

    exit_code = ExitCode.INTEGRITY


class Interrupted(HfscanError):
    """Stopped on the user's request (Ctrl-C / SIGINT) where a library call had to catch it
    first (e.g. to interrupt a DuckDB query running in another thread)."""

    exit_code = ExitCode.INTERRUPTED
