"""Checks on a dump before anything of it is stored: a dump can poison the series.

A dump is untrusted input: anyone can publish one, and an imported snapshot is as visible as a
scanned one. Every import path (`import parquet`, `import hf-dataset`) runs these checks between
reading the file and the first write, so a refused dump leaves the database as it was:

- size: a Parquet column chunk may not decode to more than `MAX_EXPANSION` times its stored size
  (beyond an allowance), nor hold more than `MAX_VALUES_PER_ROW` values per row of its row group.
  Both are read from the footer, before a single page is decoded. The rule exists because a 20 KB
  file holding one row with 10 million identical `siblings` (RLE and zstd make them nearly free)
  made the import allocate ~200 MB per copy of that list, and spill gigabytes while grouping it;
  a 7 KB file held one 200 MB string. Real dumps decode to 1-10x their size, with ~15 files and
  ~10 tags a model.
- shape: the model id column is text; one file is at most one snapshot (a `scan_id` column
  inside a file must not turn it into N snapshots); at least one model.
- dates: no snapshot dated after now (a future `snapshot_at` would stay the latest snapshot for
  ever).
- identity: a model listed twice in one snapshot is kept once (the newest `lastModified`, then
  the greatest sha) and counted.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import duckdb

from hfscan.dates import now_utc
from hfscan.errors import HfscanError, UsageError, first_line
from hfscan.model_row import IMPORTED_COLUMNS
from hfscan.store.db_errors import Problem, db_errors, problem_of

# Decoded bytes per stored byte of one column chunk, beyond DECODED_ALLOWANCE. zstd on real dumps
# gives 2-10x; 100x only happens with data made to compress.
MAX_EXPANSION = 100
DECODED_ALLOWANCE = 64 * 1024 * 1024
# Values (list elements) per row of a row group, beyond VALUES_ALLOWANCE: the Hub recommends under
# 100k files per repo (docs/HUB_PROTOCOL.md, "Published dumps"); real dumps average ~15 files and
# ~10 tags per model.
MAX_VALUES_PER_ROW = 1000
VALUES_ALLOWANCE = 1_000_000
# A snapshot dated after now would stay the latest one for ever; a commit date or clock a few
# minutes ahead of ours is not an attack.
CLOCK_SKEW = timedelta(minutes=10)

MODEL_ID_NAMES = ("model_id", "id", "modelId")
# Columns of a dump that an import reads (the others are never decoded, so never checked).
READ_COLUMNS = frozenset({*MODEL_ID_NAMES, *(n for c in IMPORTED_COLUMNS for n in c.dump_names), "files",
                          "siblings", "config", "config_model_type", "config_architectures", "scan_id",
                          "snapshot_date", "snapshot_at"})


def sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def check_parquet_size(con: duckdb.DuckDBPyConnection, pattern: str, label: str,
                       extra_columns: frozenset[str] = frozenset()) -> None:
    """Refuse a file whose read columns would decode to far more than it holds (see the module
    docstring); reads only the footers."""
    columns = READ_COLUMNS | extra_columns
    with db_errors(f"cannot read {label} as Parquet", hint="check the file: it is not Parquet, or it is damaged",
                   user_input=True):
        rows = con.execute(f"""
            SELECT file_name, path_in_schema, row_group_num_rows, num_values,
                   total_compressed_size, total_uncompressed_size
            FROM parquet_metadata({sql_text(pattern)})
        """).fetchall()
    for file, path, group_rows, values, stored, decoded in rows:
        top = str(path).split(", ")[0]
        if top not in columns:
            continue
        where = "" if Path(file).name in label else f" (in {Path(file).name})"
        if (decoded or 0) > DECODED_ALLOWANCE + MAX_EXPANSION * (stored or 0):
            raise UsageError(f"{label}: column {top}{where} is too large: {decoded:,} bytes decoded from "
                             f"{stored:,} stored (more than {MAX_EXPANSION}x); not imported",
                             hint="a real dump decodes to 1-10x its size; check where the file comes from")
        if (values or 0) > VALUES_ALLOWANCE + MAX_VALUES_PER_ROW * (group_rows or 0):
            raise UsageError(f"{label}: column {top}{where} is too large: {values:,} values in "
                             f"{group_rows:,} rows; not imported",
                             hint=f"a real dump has at most a few hundred values per model ({MAX_VALUES_PER_ROW} allowed)")


def check_model_column(label: str, name: str, sql_type: str) -> None:
    if sql_type != "VARCHAR":
        raise UsageError(f"{label}: the model id column {name} is {sql_type}, not text; not imported")


@dataclass(frozen=True)
class SnapshotPlan:
    key: str
    snapshot_at: datetime
    files: tuple[str, ...]  # the files holding it (empty when the source is one table)


def check_snapshots(con: duckdb.DuckDBPyConnection, label: str, default_date: datetime | None,
                    file_column: str | None) -> list[SnapshotPlan]:
    """The snapshots in the temp table `incoming` (snapshot_key, snapshot_at, one row per model),
    each checked: at most one per file, none dated after now, none empty."""
    if first_row_count(con) == 0:
        raise UsageError(f"{label}: no model rows (every model id is empty); not imported")
    if file_column:
        mixed = con.execute(f"""
            SELECT {file_column}, count(DISTINCT snapshot_key) FROM incoming
            GROUP BY 1 HAVING count(DISTINCT snapshot_key) > 1 ORDER BY 1 LIMIT 1
        """).fetchone()
        files_of = f"list(DISTINCT {file_column} ORDER BY {file_column})"
    else:
        keys = con.execute("SELECT count(DISTINCT snapshot_key) FROM incoming").fetchone()
        mixed = (label, keys[0]) if keys and keys[0] > 1 else None
        files_of = "[]::VARCHAR[]"
    if mixed:
        raise UsageError(f"{label}: {Path(str(mixed[0])).name} holds {mixed[1]} snapshots (scan_id / snapshot_date "
                         "values); hfscan reads one snapshot per file; not imported",
                         hint="hfscan export writes one file per snapshot (snapshot_date=/scan_id=/ folders)")
    now = now_utc()
    plans = []
    for key, column_date, files in con.execute(
            f"SELECT snapshot_key, max(snapshot_at), {files_of} FROM incoming GROUP BY 1 ORDER BY 1").fetchall():
        date = column_date or default_date or now
        if date > now + CLOCK_SKEW:
            raise UsageError(f"{label}: a snapshot is dated {date:%Y-%m-%d %H:%M}, after now; not imported",
                             hint="a future snapshot would stay the latest one; check the file's snapshot_at")
        plans.append(SnapshotPlan(str(key), date, tuple(files)))
    return plans


def first_row_count(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute("SELECT count(*) FROM incoming").fetchone()
    return int(row[0]) if row else 0


def dedup_models(con: duckdb.DuckDBPyConnection) -> int:
    """Keep one row per (snapshot, model) in `incoming`; returns how many were dropped."""
    before = first_row_count(con)
    con.execute("""
        CREATE OR REPLACE TEMP TABLE incoming AS
        SELECT * FROM incoming
        QUALIFY row_number() OVER (PARTITION BY snapshot_key, model_id
                                   ORDER BY last_modified DESC NULLS LAST, sha DESC NULLS LAST) = 1
    """)
    return before - first_row_count(con)


def file_digest(path: str, chunk: int = 1 << 20) -> str:
    """sha256 of a file's bytes, read in chunks: what "the same file" means for `import parquet`."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def snapshot_digest(file_digests: list[str]) -> str:
    """A snapshot's identity: the digests of the files holding it, in order."""
    return hashlib.sha256("\n".join(sorted(file_digests)).encode()).hexdigest()


def read_error(label: str) -> Callable[[duckdb.Error], HfscanError | None]:
    """What a failure while decoding a dump means: damaged or hostile input (exit 2), except the
    machine's own problems (a full disk, a held lock: db_errors' answers) and an exhausted memory
    limit, which say so."""
    def meaning(error: duckdb.Error) -> HfscanError | None:
        problem = problem_of(error)
        if problem is Problem.OUT_OF_MEMORY:
            return UsageError(f"{label}: the dump needs more memory than the limit to import: {first_line(error)}",
                              hint="raise HFSCAN_MEMORY_LIMIT (e.g. 4GB) if the file is trusted")
        if problem in (Problem.DISK_FULL, Problem.LOCKED, Problem.CORRUPT):
            return None
        return UsageError(f"cannot read {label}: {first_line(error)}",
                          hint="check the file: it is not Parquet, or it is damaged")
    return meaning
