"""The framework table: which of PyTorch / TensorFlow / Flax has a transformers class per model type.

Its official source is `frameworks.json` in the `huggingface/transformers-metadata` dataset,
regenerated on each transformers commit (JSON lines: model_type, pytorch, tensorflow, flax,
processor). `hfscan frameworks update` (hfscan/jobs/frameworks.py) reads it through huggingface_hub at a
revision and stores it with that revision in `framework_tables`; the newest one loaded is the current one
(`meta.framework_revision`). Until then, the vendored table generated from the transformers
4.57.6 wheel (scripts/framework_table.py) is used. Changing the current table drops the stored
`loadable` classes, so classify recomputes them under it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from typing import TYPE_CHECKING

from hfscan.errors import UsageError
from hfscan.store import inputs
from hfscan.store.schema import first_row, one_row, transaction

if TYPE_CHECKING:
    import duckdb
import polars as pl

METADATA_REPO = "huggingface/transformers-metadata"
FRAMEWORKS_FILE = "frameworks.json"
VENDORED_VERSION = "4.57.6"
VENDORED_FILE = f"frameworks_{VENDORED_VERSION}.jsonl"
VENDORED_REVISION = f"transformers=={VENDORED_VERSION} (vendored)"


@dataclass(frozen=True)
class FrameworkRow:
    model_type: str
    pytorch: bool
    tensorflow: bool
    flax: bool
    processor: str | None


def parse_frameworks(text: str, label: str) -> list[FrameworkRow]:
    """`frameworks.json` (JSON lines, as `datasets.Dataset.to_json` writes it) → rows. Bad input is a
    UsageError naming the line: a partial table would silently make models unloadable."""
    rows: list[FrameworkRow] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError as e:
            raise UsageError(f"{label}: line {number} is not JSON ({e})") from e
        fields = item if isinstance(item, dict) else {}
        pytorch, tensorflow, flax = (fields.get(k) for k in ("pytorch", "tensorflow", "flax"))
        model_type = fields.get("model_type")
        if not (isinstance(model_type, str) and model_type and isinstance(pytorch, bool)
                and isinstance(tensorflow, bool) and isinstance(flax, bool)):
            raise UsageError(f"{label}: line {number} lacks model_type or a boolean pytorch/tensorflow/flax")
        processor = fields.get("processor")
        rows.append(FrameworkRow(model_type, pytorch, tensorflow, flax,
                                 processor if isinstance(processor, str) else None))
    if not rows:
        raise UsageError(f"{label}: no model types in it")
    if len({r.model_type for r in rows}) != len(rows):
        raise UsageError(f"{label}: a model type appears twice")
    return rows


def vendored_rows() -> list[FrameworkRow]:
    text = resources.files("hfscan.classify").joinpath("data", VENDORED_FILE).read_text(encoding="utf-8")
    return parse_frameworks(text, VENDORED_FILE)


@dataclass(frozen=True)
class FrameworkCounts:
    model_types: int
    pytorch: int  # model types with a PyTorch class
    tensorflow: int
    flax: int


@dataclass(frozen=True)
class FrameworkTable:
    """The current table as `frameworks show` and `shares --method loadable` state it."""

    revision: str
    revision_date: str | None
    source: str
    model_types: int
    pytorch: int
    tensorflow: int
    flax: int


def counts(rows: list[FrameworkRow]) -> FrameworkCounts:
    return FrameworkCounts(len(rows), sum(r.pytorch for r in rows), sum(r.tensorflow for r in rows),
                           sum(r.flax for r in rows))


def current_revision(con: duckdb.DuckDBPyConnection) -> str | None:
    row = first_row(con.execute("SELECT value FROM meta WHERE key = 'framework_revision'"))
    return row[0] if row else None


def store_table(con: duckdb.DuckDBPyConnection, rows: list[FrameworkRow], revision: str,
                revision_date: datetime | None, source: str) -> bool:
    """Store a table (once per revision) and make it current. True when the current table changed,
    which makes every stored `loadable` class stale (it records another revision; classify recomputes them)."""
    with transaction(con):
        stored = one_row(con.execute("SELECT count(*) FROM framework_tables WHERE revision = ?", [revision]))[0]
        if not stored:  # one INSERT of a frame: executemany costs ~0.6 s for 421 rows, on every new database
            table = pl.DataFrame([[r.model_type, r.pytorch, r.tensorflow, r.flax, r.processor] for r in rows],
                                 schema=[("model_type", pl.String), ("pytorch", pl.Boolean), ("tensorflow", pl.Boolean),
                                         ("flax", pl.Boolean), ("processor", pl.String)], orient="row")
            con.register("incoming_framework_rows", table)
            try:
                con.execute("""INSERT INTO framework_tables
                               SELECT ?, ?, ?, model_type, pytorch, tensorflow, flax, processor, now()::TIMESTAMP
                               FROM incoming_framework_rows""", [revision, revision_date, source])
            finally:
                con.unregister("incoming_framework_rows")
        changed = current_revision(con) != revision
        if changed:
            con.execute("INSERT OR REPLACE INTO meta VALUES ('framework_revision', ?)", [revision])
            inputs.bump(con)  # loadable classes record the table they read: current_classes hides the others
    return changed


def ensure_table(con: duckdb.DuckDBPyConnection) -> str:
    """The current table's revision; stores the vendored default when there is none yet."""
    revision = current_revision(con)
    if revision is None:
        store_table(con, vendored_rows(), VENDORED_REVISION, None, f"hfscan/classify/data/{VENDORED_FILE}")
        revision = VENDORED_REVISION
    return revision


def describe(con: duckdb.DuckDBPyConnection) -> FrameworkTable:
    """The current table: revision, date, source and counts (read-only)."""
    revision = current_revision(con)
    if revision is None:  # nothing classified yet: classify will store the vendored default
        n = counts(vendored_rows())
        return FrameworkTable(VENDORED_REVISION, None, f"hfscan/classify/data/{VENDORED_FILE}", n.model_types,
                              n.pytorch, n.tensorflow, n.flax)
    row = one_row(con.execute(
        "SELECT any_value(revision_date), any_value(source), count(*), count(*) FILTER (pytorch), "
        "count(*) FILTER (tensorflow), count(*) FILTER (flax) FROM framework_tables WHERE revision = ?", [revision]))
    return FrameworkTable(revision, str(row[0]) if row[0] else None, row[1], row[2], row[3], row[4], row[5])
