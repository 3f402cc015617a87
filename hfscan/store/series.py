"""One downloaded dump of a published series → one complete `import` scan, in flat memory.

DuckDB's `read_parquet` reads the file a row group at a time, and only the columns hfscan keeps
(`cardData` never, unless asked); `config` (JSON text or a struct) is reduced to
`config_model_type` and `config_architectures`; the rows are stored through
`transfer.import_view`. Which files, and their download: crawl/dumps.py, jobs/import_hf_dataset.py.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from hfscan.model_row import IMPORTED_COLUMNS
from hfscan.store import dump_checks
from hfscan.store.db_errors import db_errors
from hfscan.store.runs import snapshot_source
from hfscan.store.schema import first_row, one_row

if TYPE_CHECKING:
    from hfscan.store.transfer import ImportResult

# Columns of a dump that hfscan reads: every name model_row.py accepts from dumps, the file
# list in the Hub's shape, and the snapshot keys of hfscan's own export. Anything else (cardData,
# baseModels, safetensors' parameters, ...) is never decoded.
KEPT = (*dict.fromkeys(n for c in IMPORTED_COLUMNS for n in c.dump_names), "siblings",
        "scan_id", "snapshot_date", "snapshot_at")


# The `source` of what was read from a file of a Hub dataset repo at a commit (scan_log.source,
# framework_tables.source): `imported_path` below reads the same shape back.
SOURCE_PREFIX = "hf-dataset:"


def path_source(repo: str, sha: str, path: str) -> str:
    return f"{SOURCE_PREFIX}{repo}@{sha}/{path}"


def imported_path(con: duckdb.DuckDBPyConnection, repo: str, path: str) -> int | None:
    """The scan that holds this dated file, imported at any commit (a dated file is never rewritten:
    a newer commit of the repo adds weeks, it does not change the old ones)."""
    return one_row(con.execute(
        "SELECT min(scan_id) FROM scan_log WHERE status = 'complete' AND starts_with(source, ?) "
        "AND ends_with(source, ?)", [f"{SOURCE_PREFIX}{repo}@", f"/{path}"]))[0]


def download_folder(con: duckdb.DuckDBPyConnection) -> Path | None:
    """Where dumps are downloaded: `<db>.import/` beside the database (not /tmp, which a kill -9
    would leave a multi-GB file in). Whatever is in it is a leftover of a killed import: the
    database is open for writing here, so no other import can be using it. None for an in-memory
    database (the system's temporary folder then)."""
    import shutil

    row = first_row(con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()"))
    if not row or not row[0]:
        return None
    folder = Path(row[0]).with_name(Path(row[0]).name + ".import")
    if folder.exists():
        shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(exist_ok=True)
    return folder


def remove_download_folder(folder: Path | None) -> None:
    if folder is not None:
        import contextlib

        with contextlib.suppress(OSError):
            folder.rmdir()  # only when empty: a concurrent leftover is cleaned on the next start


def imported_snapshot(con: duckdb.DuckDBPyConnection, repo: str, folder: str) -> int | None:
    """The scan that holds a snapshot `hfscan publish` wrote to `repo` under `folder`
    (`data/snapshot_date=D/scan_id=N/`), imported at any commit, whole or by one of its files
    (`--file`): a published folder is never rewritten (publish only adds folders, and refuses a
    repo whose scan N carries another date), so repo + date + scan id name its content."""
    return one_row(con.execute(
        "SELECT min(scan_id) FROM scan_log WHERE status = 'complete' AND starts_with(source, ?) "
        "AND contains(source, ?)", [f"hf-dataset:{repo}@", f"/{folder}"]))[0]


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _config_json(name: str, sql_type: str) -> str:
    if sql_type.startswith(("STRUCT", "MAP")):
        return f"to_json({name})"
    if sql_type == "JSON":
        return name
    return f"TRY_CAST(CAST({name} AS VARCHAR) AS JSON)"


def define_source(con: duckdb.DuckDBPyConnection, file: str, keep_card_data: bool = False) -> list[str]:
    """The temp view `src` over a downloaded dump: the kept columns, plus config's two fields.
    Returns the dump's column names."""
    parquet = f"read_parquet({_sql_text(file)})"
    # Before a page is decoded: a file made to explode is refused from its footer.
    dump_checks.check_parquet_size(con, file, Path(file).name,
                                   frozenset({"cardData"}) if keep_card_data else frozenset())
    with db_errors(f"cannot read {Path(file).name} as Parquet", user_input=True):
        types = {r[0]: r[1] for r in con.execute(f"DESCRIBE SELECT * FROM {parquet}").fetchall()}
    selected = [f'"{name}"' for name in KEPT if name in types]
    if "config" in types and "config_model_type" not in types:
        config = _config_json('"config"', types["config"])
        selected += [f"json_extract_string({config}, '$.model_type') AS config_model_type",
                     f"json_extract_string({config}, '$.architectures[*]') AS config_architectures"]
    if keep_card_data and "cardData" in types:
        selected.append('CAST("cardData" AS VARCHAR) AS card_data')
    con.execute(f"CREATE OR REPLACE TEMP VIEW src AS SELECT {', '.join(selected)} FROM {parquet}")
    return list(types)


def import_file(con: duckdb.DuckDBPyConnection, file: str, source: str, label: str, snapshot_at: datetime,
                keep_card_data: bool = False) -> ImportResult:
    """One downloaded dump → one complete import scan (transfer.import_view), in flat memory."""
    from hfscan.store.transfer import import_view

    columns = define_source(con, file, keep_card_data)
    try:
        result = import_view(con, source, label, snapshot_at)
        if keep_card_data and "cardData" in columns:
            model = next(n for n in ("id", "modelId", "model_id") if n in columns)
            for scan_id in result.snapshots:
                con.execute(f"""
                    INSERT OR IGNORE INTO version_card_data
                    SELECT m.version_id, any_value(s.card_data)
                    FROM src s JOIN {snapshot_source(scan_id)} m ON m.model_id = CAST(s."{model}" AS VARCHAR)
                    WHERE s.card_data IS NOT NULL GROUP BY m.version_id
                """)
        return result
    finally:
        con.execute("DROP VIEW IF EXISTS src")
        con.execute("DROP TABLE IF EXISTS incoming")
        con.execute("DROP TABLE IF EXISTS import_members")
