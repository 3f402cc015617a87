"""The command line: thin verbs around library calls, and the one place errors become exit codes.

Verb modules are imported for their registrations; each imports its heavy dependencies (polars,
altair, huggingface_hub) inside the command so that `hfscan --help` stays fast.
"""

from __future__ import annotations

import errno
import importlib
import sys

from typer.exceptions import Abort, TyperException

from hfscan.cli.app import app, state
from hfscan.errors import DiskFull, ExitCode, HfscanError, first_line, redact
from hfscan.text import printable

# One module per verb (or small group of verbs), in help order.
VERB_MODULES = [
    "scan",
    "status",
    "shares",
    "classify",
    "frameworks",
    "probe",
    "history",
    "timeline",
    "report",
    "sql",
    "transfer",
    "publish",
]

for _name in VERB_MODULES:
    importlib.import_module(f"hfscan.cli.{_name}")

def _fail(message: str, hint: str | None, code: int) -> int:
    # One line each: a control character from a model id or a dump is shown escaped, never sent raw.
    print(f"hfscan: error: {printable(redact(message))}", file=sys.stderr)
    if hint:
        print(f"hint: {printable(redact(hint))}", file=sys.stderr)
    return code


def _usage_failure(error: TyperException) -> int:
    """Typer's (vendored Click's) usage errors: one line and the command's --help."""
    ctx = getattr(error, "ctx", None)
    hint = f"see `{ctx.command_path} --help`" if ctx is not None else "see `hfscan --help`"
    return _fail(error.format_message(), hint, ExitCode.USAGE)


# errno values that mean "the disk cannot take more": a storage failure, not a bug.
_DISK_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


def _known_failure(error: Exception) -> HfscanError | None:
    """Errors that escaped a verb's own wrapping but have a clear meaning: damaged database, full
    disk, a path the OS refuses. Everything else is an internal error (a bug)."""
    import duckdb

    if isinstance(error, duckdb.Error):
        from hfscan.store.db_errors import database_error

        return database_error(error)
    if isinstance(error, OSError):
        where = f" {error.filename}" if error.filename else ""
        if error.errno in _DISK_ERRNOS:
            return DiskFull(f"cannot write{where}: {error.strerror}", hint="free disk space; earlier snapshots are intact")
        return HfscanError(f"cannot use{where}: {error.strerror or first_line(error)}",
                           hint="check the path and its permissions")
    return None


def _traceback(error: BaseException, code: int) -> int:
    """--debug: the whole traceback (causes included: a library's message may quote the server),
    redacted like every other line hfscan prints."""
    import traceback

    print(redact("".join(traceback.format_exception(error))), file=sys.stderr, end="")
    return code


def main(argv: list[str] | None = None) -> int:
    """Console entry point: run the app, map every failure to one stderr line and an exit code."""
    try:
        app(args=argv, prog_name="hfscan", standalone_mode=False)
    except HfscanError as e:
        if state["debug"]:
            return sys.exit(_traceback(e, e.exit_code))
        return sys.exit(_fail(e.message, e.hint, e.exit_code))
    except TyperException as e:  # usage errors (bad options, unknown commands)
        return sys.exit(_usage_failure(e))
    except (KeyboardInterrupt, Abort):
        print("hfscan: interrupted; a scan resumes where it stopped with `hfscan scan`", file=sys.stderr)
        return sys.exit(ExitCode.INTERRUPTED)
    except SystemExit:
        raise
    except Exception as e:
        if state["debug"]:
            return sys.exit(_traceback(e, ExitCode.RUNTIME))
        known = _known_failure(e)
        if known is not None:
            return sys.exit(_fail(known.message, known.hint, known.exit_code))
        first = str(e).splitlines()[0] if str(e) else ""
        return sys.exit(
            _fail(f"internal error: {type(e).__name__}: {first}", "run again with --debug for the traceback", 1)
        )
    return sys.exit(ExitCode.OK)
