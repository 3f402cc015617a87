"""Snapshots out to Parquet (Hive layout by scan date) and back in, from hfscan's own export or
from any Parquet with Hub-like columns (published metadata dumps)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from hfscan.config import first_scan_hint
from hfscan.errors import UsageError
from hfscan.model_row import COUNTER_COLUMNS, IMPORTED_COLUMNS, VERSION_HASH_SQL, Column
from hfscan.store import dump_checks
from hfscan.store.db_errors import db_errors
from hfscan.store.runs import add_snapshot, relayout_if_due
from hfscan.store.schema import one_row, transaction

# Columns of `snapshot_models` that are bookkeeping of this database, or derived from an exported
# one on import (hub_id_created_at from hub_id): not exported.
_NOT_EXPORTED = ("scan_id", "scan_kind", "version_id", "snapshot_at", "hub_id_created_at")


def export_columns(con: duckdb.DuckDBPyConnection) -> list[str]:
    """What `export` writes: the public `snapshot_models` view's data columns, snapshot_at last
    (every stored column marked `exported` in model_row.py is among them: a test checks)."""
    names = [r[0] for r in con.execute("DESCRIBE snapshot_models").fetchall()]
    return [n for n in names if n not in _NOT_EXPORTED] + ["snapshot_at"]


@dataclass(frozen=True)
class ExportResult:
    """`hfscan export --json`: what was written under `out`."""

    out: str
    scans: int
    rows: int
    files: int
    bytes: int


@dataclass(frozen=True)
class ImportResult:
    """`hfscan import parquet --json`: the import scans made, and what was skipped or dropped."""

    snapshots: list[int]  # the scan ids created, one per snapshot
    models: int
    new_versions: int
    methods: list[str]  # what the dump's columns allow (files, tags, loadable)
    source: str
    duplicates: int  # model rows dropped (one row per model and snapshot kept)
    skipped: list[int]  # scans already imported from the same bytes


def export_snapshots(con: duckdb.DuckDBPyConnection, out_dir: Path, scan_ids: list[int] | None = None) -> ExportResult:
    """snapshot_models → out_dir/snapshot_date=YYYY-MM-DD/scan_id=N/*.parquet (snapshot_at in every row)."""
    where = "status = 'complete'" + (f" AND scan_id IN ({', '.join(str(int(s)) for s in scan_ids)})" if scan_ids else "")
    scans = con.execute(f"SELECT scan_id, kind, source, snapshot_at, models FROM scans WHERE {where} ORDER BY scan_id").fetchall()
    if not scans:
        raise UsageError("no complete scan to export" + (f" among {scan_ids}" if scan_ids else ""),
                         hint="check the ids with `hfscan status`" if scan_ids else first_scan_hint())
    out_dir.mkdir(parents=True, exist_ok=True)
    ids = ", ".join(str(s[0]) for s in scans)
    target = str(out_dir).replace("'", "''")
    con.execute(f"""
        COPY (SELECT {", ".join(export_columns(con))}, strftime(snapshot_at, '%Y-%m-%d') AS snapshot_date, scan_id
              FROM snapshot_models WHERE scan_id IN ({ids}) ORDER BY scan_id, model_id)
        TO '{target}' (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (snapshot_date, scan_id), OVERWRITE_OR_IGNORE true)
    """)
    # Only Parquet in the folder: `datasets.load_dataset("parquet", data_dir=...)` reads every file.
    files = list(out_dir.rglob("*.parquet"))
    return ExportResult(str(out_dir), len(scans), sum(s[4] or 0 for s in scans), len(files),
                        sum(f.stat().st_size for f in files))


def parquet_pattern(path: Path) -> str:
    """What `import parquet PATH` reads; a missing path is refused here, before the database is
    opened for writing (opening it for writing may checkpoint it: the bytes would change)."""
    if not path.exists():
        raise UsageError(f"{path} does not exist")
    return str(path / "**" / "*.parquet") if path.is_dir() else str(path)


def import_parquet(con: duckdb.DuckDBPyConnection, path: Path, source: str) -> ImportResult:
    """Each distinct snapshot in the files (scan_id / snapshot_date, else one) becomes a complete
    `import` scan; versions already stored are reused, not copied. A snapshot whose files (by
    sha256 of their bytes) were imported before is skipped: importing a file twice, or a copy of
    it, gives one snapshot. Checked before anything is stored (store/dump_checks.py)."""
    pattern = parquet_pattern(path)
    dump_checks.check_parquet_size(con, pattern, str(path))
    files = [r[0] for r in con.execute("SELECT file FROM glob(?)", [pattern]).fetchall()]
    digests = {f: dump_checks.file_digest(f) for f in files}
    with db_errors(f"cannot read Parquet from {path}", user_input=True):
        con.execute(f"CREATE OR REPLACE TEMP VIEW src AS SELECT * FROM read_parquet({dump_checks.sql_text(pattern)}, "
                    f"hive_partitioning = true, union_by_name = true, filename = '{_FILE_COLUMN}')")
    try:
        return _import_src(con, source, str(path), digests=digests)
    finally:
        con.execute("DROP VIEW IF EXISTS src")


# The column read_parquet adds with each row's file (named so that no dump column clashes).
_FILE_COLUMN = "hfscan_source_file"


def import_view(con: duckdb.DuckDBPyConnection, source: str, label: str,
                snapshot_at: datetime | None = None) -> ImportResult:
    """The caller's temp view `src` (e.g. `read_parquet` of a downloaded dump, narrowed to the
    columns it needs: store/series.py) imported like a Parquet file."""
    return _import_src(con, source, label, snapshot_at)


def _import_src(con: duckdb.DuckDBPyConnection, source: str, label: str,
                snapshot_at: datetime | None = None, digests: dict[str, str] | None = None) -> ImportResult:
    """The temp view `src` (any Hub-like columns) → one complete import scan per snapshot in it.
    With `digests` (file → sha256), `src` has a file column: one snapshot per file at most, and a
    snapshot already imported from the same bytes is skipped."""
    with db_errors(f"cannot read {label}", user_input=True):
        types = {r[0]: r[1] for r in con.execute("DESCRIBE src").fetchall()}
    columns = set(types)

    def pick(*names: str, default: str = "NULL") -> str:
        return next((f'"{n}"' for n in names if n in columns), default)

    def timestamp(*names: str) -> str:
        # Dumps store dates as ISO strings or as UTC-aware timestamps; a plain cast of the latter
        # would shift them by the session's time zone.
        name = pick(*names)
        if types.get(name.strip('"'), "").startswith("TIMESTAMP WITH TIME ZONE"):
            return f"timezone('UTC', {name})"
        return f"TRY_CAST({name} AS TIMESTAMP)"

    model = pick(*dump_checks.MODEL_ID_NAMES, default="")
    if not model:
        raise UsageError(f"{label} has no model id column (model_id, id or modelId)")
    dump_checks.check_model_column(label, model.strip('"'), types[model.strip('"')])
    files = pick("files")
    if files == "NULL" and "siblings" in columns:
        files = "list_transform(siblings, lambda s: s.rfilename)"
    snapshot = pick("scan_id", "snapshot_date", default="0")
    file_column = _FILE_COLUMN if digests is not None else None

    def value(column: Column) -> str:
        if column.name == "model_id":
            return f"CAST({model} AS VARCHAR)"
        if column.name == "files":
            return f"CAST({files} AS VARCHAR[])"
        if column.sql_type == "TIMESTAMP":
            return timestamp(*column.dump_names)
        cast = "TRY_CAST" if column.sql_type in ("BIGINT", "BOOLEAN") else "CAST"
        return f"{cast}({pick(*column.dump_names)} AS {column.sql_type})"

    selected = ",\n               ".join(f"{value(c)} AS {c.name}" for c in IMPORTED_COLUMNS)
    with db_errors(f"cannot read {label}", special=dump_checks.read_error(label)):
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE incoming AS
            SELECT CAST({snapshot} AS VARCHAR) AS snapshot_key,
                   {timestamp('snapshot_at', 'snapshot_date')} AS snapshot_at,
                   {f"{file_column}," if file_column else ""}
                   {selected}
            FROM src WHERE {model} IS NOT NULL AND {model} <> ''
        """)
        con.execute(f"ALTER TABLE incoming ADD COLUMN version_hash UBIGINT; UPDATE incoming SET version_hash = {VERSION_HASH_SQL}")
    duplicates = dump_checks.dedup_models(con)
    plans = dump_checks.check_snapshots(con, label, snapshot_at, file_column)
    methods = ["files", "tags"] if files != "NULL" else ["tags"]
    if files != "NULL" and "config_model_type" in columns:  # hfscan's own export of a config scan
        methods.append("loadable")
    version_columns = [c.name for c in IMPORTED_COLUMNS if c.role != "counter"]
    counter_columns = [c.name for c in IMPORTED_COLUMNS if c.role == "counter"]
    members = ", ".join(f"any_value(i.{c}) AS {c}" if c in counter_columns else f"NULL AS {c}"
                        for c in COUNTER_COLUMNS)
    created: list[int] = []
    skipped: list[int] = []
    new_versions = models = 0
    for plan in plans:
        scan_source = source
        if digests is not None:
            digest = dump_checks.snapshot_digest([digests[f] for f in plan.files])
            scan_source = f"{source}#sha256={digest}"
            existing = one_row(con.execute(
                "SELECT min(scan_id) FROM scan_log WHERE status = 'complete' AND ends_with(source, ?)",
                [f"#sha256={digest}"]))[0]
            if existing is not None:
                skipped.append(int(existing))
                continue
        key = plan.key
        with transaction(con):
            scan_id = one_row(con.execute("SELECT nextval('scan_id_seq')"))[0]
            # An INSERT answers with its row count (as in snapshots.finalize).
            added = one_row(con.execute(f"""
                INSERT INTO repo_versions (version_hash, {", ".join(version_columns)}, first_scan_id)
                SELECT version_hash, {", ".join(f"any_value({c})" for c in version_columns)}, ?
                FROM incoming i WHERE snapshot_key = ?
                  AND NOT EXISTS (SELECT 1 FROM repo_versions v WHERE v.version_hash = i.version_hash)
                GROUP BY version_hash
            """, [scan_id, key]))[0]
            # Registered first (not complete: invisible) so that the runs know where it falls in
            # the snapshot sequence: an older dump lands between two stored snapshots.
            con.execute("""
                INSERT INTO scan_log (scan_id, kind, source, status, started_at, snapshot_at, methods)
                VALUES (?, 'import', ?, 'running', now()::TIMESTAMP, ?, ?)
            """, [scan_id, scan_source, plan.snapshot_at, methods])
            con.execute(f"""
                CREATE OR REPLACE TEMP TABLE import_members AS
                SELECT v.version_id, {members}
                FROM incoming i JOIN repo_versions v USING (version_hash)
                WHERE i.snapshot_key = ? GROUP BY v.version_id
            """, [key])
            count = one_row(con.execute("SELECT count(*) FROM import_members"))[0]
            add_snapshot(con, scan_id, "import_members")
            con.execute("UPDATE scan_log SET status = 'complete', finished_at = now()::TIMESTAMP, models = ? "
                        "WHERE scan_id = ?", [count, scan_id])
        created.append(scan_id)
        new_versions += added
        models += count
    relayout_if_due(con)  # once, after every snapshot of the dump is stored
    return ImportResult(created, models, new_versions, methods, source, duplicates, skipped)
