"""Options shared by several verbs (defined once) and the output helpers.

stdout carries data only (tables, JSON, CSV); everything else goes to stderr.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from hfscan.classify.rules import Method as Method  # re-exported for the verbs
from hfscan.config import resolve_db_path
from hfscan.results import jsonable as jsonable  # re-exported for the verbs

DbOption = Annotated[
    Path | None,
    typer.Option(
        "--db",
        help="DuckDB file (default: $HFSCAN_DB, else data/hfscan.duckdb).",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout (for scripts).")]
EndpointOption = Annotated[
    str | None,
    typer.Option("--endpoint", help="Hub URL (default: $HF_ENDPOINT, else https://huggingface.co).", show_default=False),
]
MethodOption = Annotated[
    Method,
    typer.Option("--method", "-m", help="Classification method: files (file names), tags (Hub tags), header, or "
                 "loadable (where transformers can load it; see --transformers)."),
]


class TableFormat(StrEnum):
    """How `hfscan sql` prints a result on stdout."""

    TABLE = "table"
    CSV = "csv"
    JSON = "json"  # one object per row

# Hub access options, the same in every verb that talks to the Hub (scan, history, probe).
MaxRequestsOption = Annotated[int | None, typer.Option(
    "--max-requests-per-5min", min=1,
    help="Stay under this many Hub requests per 5 minutes (your quota; the API's: free 1000, PRO 2500).")]
MaxRetriesOption = Annotated[int, typer.Option(
    "--max-retries", min=0, help="Retries per request on 5xx, 429 and network errors.")]
RetryWaitOption = Annotated[float, typer.Option(
    "--retry-wait", min=0, help="First backoff wait in seconds (doubles up to 8 s).")]
TimeoutOption = Annotated[float, typer.Option("--timeout", min=1, help="Seconds to wait for each read of an answer; a whole request gets 4x.")]


def db_path(db: Path | None) -> Path:
    return resolve_db_path(db)


@contextmanager
def open_db(db: Path | None, read_only: bool = True) -> Iterator[Any]:
    """The database for one command: read-only unless asked (waits, with a note, while locked)."""
    from hfscan.store.connect import connect

    con = connect(db_path(db), read_only=read_only, on_wait=note)
    try:
        yield con
    finally:
        con.close()


def read_model_ids(path: Path) -> list[str]:
    """A --models-from file: one model id per line, blank lines ignored."""
    from hfscan.errors import UsageError

    try:
        return [line.strip() for line in path.read_text().splitlines() if line.strip()]
    except OSError as e:
        raise UsageError(f"cannot read {path}: {e.strerror}") from e


def writable_output(path: Path, *, folder: bool = False) -> Path:
    """Fail before any work when an output path cannot be written (one line, exit 2), rather than
    after minutes of building a report or an export."""
    from hfscan.errors import UsageError

    target = path if folder else path.parent
    if not folder and (path.is_dir() or not path.name):
        raise UsageError(f"--out {path} is a folder: give a file name", hint="e.g. --out reports/hfscan-report.html")
    try:
        target.mkdir(parents=True, exist_ok=True)
        probe = target / f".hfscan-write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as e:
        raise UsageError(f"cannot write to {target}: {e.strerror or e}", hint="choose another --out") from e
    return path


def note(message: str) -> None:
    """A diagnostic line for the user, on stderr (names from the Hub or a dump made safe for a terminal)."""
    from hfscan.text import printable

    print(printable(message), file=sys.stderr, flush=True)


def emit(result: Any, json_out: bool, render: Callable[[Any], str]) -> None:
    """Every verb's output: one JSON object on stdout with --json (its shape is pinned by
    tests/golden/*.json), else the human text `render` makes of the same result."""
    if json_out:
        emit_json(jsonable(result))
    else:
        emit_text(render(result))


def emit_json(payload: Any) -> None:
    sys.stdout.write(json.dumps(payload, indent=2, default=str, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def emit_text(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    sys.stdout.flush()


# Integer columns that name something rather than count it: no thousands separator in tables
# ("2,021" is no year, "scan_id 1,204" no id).
_LABEL_INTEGERS = re.compile(r"(^|_)(id|year|rank|position|version|quarter|month|day|epoch)$")


def printable_frame(frame: Any) -> Any:
    """The frame with every text value and column name made safe for a terminal
    (hfscan.text.printable: control characters shown as escapes, never sent raw)."""
    import polars as pl

    from hfscan.text import printable

    def safe(expr: Any) -> Any:
        return expr.map_elements(printable, return_dtype=pl.String, skip_nulls=True)

    exprs = []
    for name, dtype in frame.schema.items():
        if dtype == pl.String:
            exprs.append(safe(pl.col(name)))
        elif isinstance(dtype, pl.List) and dtype.inner == pl.String:
            exprs.append(pl.col(name).list.eval(safe(pl.element())))
        elif dtype.is_nested():  # structs, lists of structs: shown as JSON text
            exprs.append(safe(pl.col(name).map_elements(lambda v: str(v), return_dtype=pl.String)))
    safe_frame = frame.with_columns(exprs) if exprs else frame
    return safe_frame.rename({n: printable(n) for n in frame.columns if printable(n) != n})


def format_table(frame: Any) -> str:
    """A polars DataFrame as a plain, fully shown text table: counts with thousands separators,
    times to the second (the stored microseconds are noise to a reader; --format csv|json keep them)."""
    import polars as pl

    frame = printable_frame(frame)  # text made safe for a terminal
    exprs = []
    for name, dtype in frame.schema.items():
        if isinstance(dtype, pl.Datetime):
            exprs.append(pl.col(name).dt.strftime("%Y-%m-%d %H:%M:%S"))
        elif dtype.is_integer() and _LABEL_INTEGERS.search(name):
            exprs.append(pl.col(name).cast(pl.String))
    if exprs:
        frame = frame.with_columns(exprs)
    with pl.Config(
        tbl_rows=-1,
        tbl_cols=-1,
        tbl_hide_dataframe_shape=True,
        tbl_hide_column_data_types=True,
        tbl_formatting="ASCII_MARKDOWN",
        fmt_str_lengths=200,
        tbl_width_chars=10_000,
        thousands_separator=True,
    ):
        return str(frame)


def progress_console() -> Any:
    from rich.console import Console

    return Console(stderr=True)


def flat_for_csv(frame: Any) -> Any:
    """CSV has no nested values: lists become `;`-joined text, structs JSON."""
    import polars as pl

    exprs = []
    for name, dtype in frame.schema.items():
        if isinstance(dtype, pl.List):
            exprs.append(pl.col(name).list.eval(pl.element().cast(pl.String)).list.join(";"))
        elif isinstance(dtype, pl.Struct):
            exprs.append(pl.col(name).struct.json_encode())
    return frame.with_columns(exprs) if exprs else frame


def hub_access(endpoint: str | None) -> tuple[str, str | None]:
    """The endpoint and the token for a verb that reaches the Hub; a warning on stderr when the
    token would go over plain http to another machine."""
    from hfscan.config import resolve_endpoint
    from hfscan.crawl.auth import plain_http_warning, resolve_token

    resolved, token = resolve_endpoint(endpoint), resolve_token()
    warning = plain_http_warning(resolved, token)
    if warning:
        note(warning)
    return resolved, token
