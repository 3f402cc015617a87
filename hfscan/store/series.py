"""Published series of the Hub's model list, a file at a time, in flat memory.

Two layouts (docs/HUB_PROTOCOL.md, "Published dumps"):
- by revision: one file rewritten in place (`cfahlgren1/hub-stats`, `models.parquet`); each
  revision that changed it is one snapshot, dated by its commit (hf_dataset.find_revisions);
- by path: one file per date (`hfmlsoc/hub_weekly_snapshots`, `models/<YYYY-MM-DD>/models.parquet`);
  the files matching a pattern at one pinned commit, each dated by the date in its path.

Either way a file is downloaded by huggingface_hub into a temporary folder (deleted after that
file, so a series of 1.5 GB files never needs more than one on disk), read by DuckDB's
`read_parquet` a row group at a time with only the columns hfscan keeps (cardData is never read
unless asked), and stored through `transfer.import_view` as one complete `import` scan.
`config` (JSON text or a struct) is reduced to `config_model_type` and `config_architectures`.
"""

from __future__ import annotations

import fnmatch
import json
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal, TypeVar

import duckdb

from hfscan.crawl.client import HubClient
from hfscan.errors import EntryGone, UsageError
from hfscan.store.columns import IMPORTED_COLUMNS
from hfscan.store.schema import first_row

Every = Literal["week", "month"]
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
# Columns of a dump that hfscan reads: every name store/columns.py accepts from dumps, the file
# list in the Hub's shape, and the snapshot keys of hfscan's own export. Anything else (cardData,
# baseModels, safetensors' parameters, ...) is never decoded.
KEPT = (*dict.fromkeys(n for c in IMPORTED_COLUMNS for n in c.dump_names), "siblings",
        "scan_id", "snapshot_date", "snapshot_at")


@dataclass(frozen=True)
class SeriesFile:
    path: str
    date: datetime      # naive UTC: 00:00 of the date in the path
    size: int | None    # bytes to download (LFS size), from the tree listing


def date_in_path(path: str) -> datetime:
    found = _DATE.findall(path)
    if not found:
        raise UsageError(f"no date (YYYY-MM-DD) in {path}", hint="--files must match files dated by their path")
    try:
        return datetime(*(int(part) for part in found[-1]))
    except ValueError as e:
        raise UsageError(f"{path}: {'-'.join(found[-1])} is not a date") from e


T = TypeVar("T")


def pick_dates(items: Iterable[T], since: date | None, until: date | None, every: Every | None) -> list[T]:
    """Items (with a `.date`) from `since` to `until` (inclusive), oldest first; with `every`, only
    the first of each ISO week or calendar month."""
    chosen: list[Any] = sorted((i for i in items if (since is None or i.date.date() >= since)  # type: ignore[attr-defined]
                               and (until is None or i.date.date() <= until)), key=lambda i: i.date)  # type: ignore[attr-defined]
    if every is None:
        return chosen
    seen: set[tuple[int, int]] = set()
    out = []
    for item in chosen:
        key = (item.date.isocalendar()[0], item.date.isocalendar()[1]) if every == "week" else (item.date.year, item.date.month)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def list_files(client: HubClient, repo: str, pattern: str, sha: str) -> list[SeriesFile]:
    """The files at commit `sha` matching `pattern` (fnmatch; `*` stays within one folder), with
    their sizes: one recursive tree listing of the pattern's fixed folder, through `client`."""
    fixed = pattern.split("*")[0].split("?")[0].split("[")[0]
    top = fixed.rsplit("/", 1)[0] if "/" in fixed else ""
    where = f"/api/datasets/{repo}/tree/{sha}" + (f"/{top}" if top else "")
    found = []
    depth = pattern.count("/")
    pages = client.pages(where, [("recursive", "true"), ("expand", "false")], json.loads,
                         what=f"dataset {repo}: files under {top or '/'}")
    try:
        listing = [entry for page in pages for entry in (page.parsed if isinstance(page.parsed, list) else [])]
    except EntryGone:  # the pattern's folder does not exist at that commit
        return []
    for entry in listing:
        path = entry.get("path", "") if isinstance(entry, dict) else ""
        if path and entry.get("type") == "file" and path.count("/") == depth and fnmatch.fnmatchcase(path, pattern):
            lfs = entry.get("lfs")
            size = lfs.get("size") if isinstance(lfs, dict) and lfs.get("size") else entry.get("size")
            found.append(SeriesFile(path, date_in_path(path), size))
    dates = [f.date for f in found]
    twice = sorted({d for d in dates if dates.count(d) > 1})
    if twice:
        raise UsageError(f"dataset {repo}: several files match {pattern} for {twice[0]:%Y-%m-%d}",
                         hint="narrow --files so that each date has one file")
    return sorted(found, key=lambda f: f.date)


def path_source(repo: str, sha: str, path: str) -> str:
    return f"hf-dataset:{repo}@{sha}/{path}"


def imported_path(con: duckdb.DuckDBPyConnection, repo: str, path: str) -> int | None:
    """The scan that holds this dated file, imported at any commit (a dated file is never rewritten:
    a newer commit of the repo adds weeks, it does not change the old ones)."""
    return first_row(con.execute(
        "SELECT min(scan_id) FROM scan_log WHERE status = 'complete' AND starts_with(source, ?) "
        "AND ends_with(source, ?)", [f"hf-dataset:{repo}@", f"/{path}"]))[0]


def download(repo: str, path: str, sha: str, endpoint: str, token: str | None, folder: str) -> str:
    """One file at one commit into `folder` (huggingface_hub: resumable, checked by its size)."""
    from huggingface_hub import hf_hub_download

    from hfscan.store.hf_dataset import hub_errors

    with hub_errors(repo, f"{path} at {sha[:12]}"):
        return hf_hub_download(repo, path, repo_type="dataset", revision=sha, endpoint=endpoint,
                               token=token if token else False, cache_dir=folder)


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
    try:
        types = {r[0]: r[1] for r in con.execute(f"DESCRIBE SELECT * FROM {parquet}").fetchall()}
    except duckdb.Error as e:
        raise UsageError(f"cannot read {Path(file).name} as Parquet: {str(e).splitlines()[0]}") from e
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
                keep_card_data: bool = False) -> dict[str, Any]:
    """One downloaded dump → one complete import scan (transfer.import_view), in flat memory."""
    from hfscan.store.transfer import import_view

    columns = define_source(con, file, keep_card_data)
    try:
        result = import_view(con, source, label, snapshot_at)
        if keep_card_data and "cardData" in columns:
            model = next(n for n in ("id", "modelId", "model_id") if n in columns)
            for scan_id in result["snapshots"]:
                con.execute(f"""
                    INSERT OR IGNORE INTO version_card_data
                    SELECT v.version_id, any_value(s.card_data)
                    FROM src s JOIN repo_versions v ON v.model_id = CAST(s."{model}" AS VARCHAR)
                    JOIN scan_models m ON m.version_id = v.version_id AND m.scan_id = ?
                    WHERE s.card_data IS NOT NULL GROUP BY v.version_id
                """, [scan_id])
        return result
    finally:
        con.execute("DROP VIEW IF EXISTS src")
        con.execute("DROP TABLE IF EXISTS incoming")


def import_one(con: duckdb.DuckDBPyConnection, client: HubClient, repo: str, path: str, sha: str,
               source: str, snapshot_at: datetime, token: str | None, keep_card_data: bool) -> dict[str, Any]:
    """Download one file at `sha` into a temporary folder, import it, delete the folder."""
    with tempfile.TemporaryDirectory(prefix="hfscan-series-") as folder:
        local = download(repo, path, sha, client.endpoint, token, folder)
        return import_file(con, local, source, f"{repo}@{sha[:12]}/{path}", snapshot_at, keep_card_data)
