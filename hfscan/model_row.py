"""The one definition of a model row: every column a crawled or imported model has on its way into
storage, with its DuckDB type and its role. The staging table, the insert and export column lists,
the listing parser's select (``crawl/listing.py``) and the import of dumps (``store/transfer.py``)
are all generated from ``COLUMNS``; the version hash formula lives here and nowhere else.

Adding a listing field: one ``Column`` line here, plus its wire type (and a parser expression when
a rename is not enough) in ``crawl/listing.py``; a migration adds it to ``repo_versions`` or
``version_runs``.

Roles:
- ``identity``: names the repo (``model_id``); part of the version.
- ``version``: describes a repo *version*, stored once in ``repo_versions`` however many scans see it.
- ``counter``: changes without a new commit (downloads, likes); stored in ``version_runs``, a new
  run only when a value changes (``store/runs.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Role = Literal["identity", "version", "counter"]


@dataclass(frozen=True)
class Column:
    name: str
    sql_type: str
    role: Role
    wire: str | None = None
    """The key in a Hub listing item (`/api/models`), when it differs from ``name``; None: same."""
    dump_names: tuple[str, ...] = ()
    """Column names accepted from imported Parquet/Arrow (hfscan export first); () = not imported."""
    exported: bool = True
    """Written by `hfscan export`."""
    doc: str = ""
    """What it holds, for the dataset card `hfscan publish` writes (jobs/card.py)."""

    @property
    def wire_key(self) -> str:
        return self.wire or self.name


COLUMNS: tuple[Column, ...] = (
    Column("model_id", "VARCHAR", "identity", wire="id", dump_names=("model_id", "id", "modelId"),
           doc="repo id (owner/name)"),
    Column("hub_id", "VARCHAR", "version", wire="_id", dump_names=("hub_id", "_id"),
           doc="the Hub's `_id` (a MongoDB ObjectId: its first 4 bytes are a creation time)"),
    Column("sha", "VARCHAR", "version", dump_names=("sha",),
           doc="the commit the snapshot saw"),
    Column("author", "VARCHAR", "version", dump_names=("author",),
           doc="owner"),
    Column("created_at", "TIMESTAMP", "version", wire="createdAt", dump_names=("created_at", "createdAt"),
           doc="as the Hub lists it (a 2022-03-02 placeholder for repos older than March 2022: see created_at_clamped)"),
    Column("last_modified", "TIMESTAMP", "version", wire="lastModified",
           dump_names=("last_modified", "lastModified"),
           doc="last commit date, as the Hub lists it"),
    Column("library_name", "VARCHAR", "version", dump_names=("library_name",),
           doc="as the Hub lists it"),
    Column("pipeline_tag", "VARCHAR", "version", dump_names=("pipeline_tag",),
           doc="as the Hub lists it"),
    Column("tags", "VARCHAR[]", "version", dump_names=("tags",),
           doc="Hub tags"),
    Column("files", "VARCHAR[]", "version", wire="siblings", dump_names=("files",),
           doc="file paths (NULL when the source had no file list)"),
    Column("gated", "VARCHAR", "version", dump_names=("gated",),
           doc="access flag (false, auto or manual)"),
    Column("private", "BOOLEAN", "version",
           doc="access flag"),
    Column("disabled", "BOOLEAN", "version",
           doc="access flag"),
    Column("safetensors_total", "BIGINT", "version", wire="safetensors",
           doc="parameter count from safetensors metadata"),
    Column("gguf", "JSON", "version",
           doc="GGUF summary (NULL in scans since the listing stopped asking for it)"),
    # From the repo's config.json as the Hub summarises it (`config` in listings and dumps); data
    # for rules that look at the architecture, never markup (imports: docs/HUB_PROTOCOL.md, "Dumps"). Method loadable
    # uses both (docs/LOADABLE.md); NULL when the repo has none or the scan did not ask for `config`.
    Column("config_model_type", "VARCHAR", "version", wire="config", dump_names=("config_model_type",),
           doc="`model_type` of the repo's config.json, as the Hub summarises it"),
    Column("config_architectures", "VARCHAR[]", "version", wire="config", dump_names=("config_architectures",),
           doc="`architectures` of the repo's config.json, as the Hub summarises it"),
    Column("downloads", "BIGINT", "counter", dump_names=("downloads",),
           doc="downloads in the last 30 days, at snapshot time"),
    Column("downloads_all_time", "BIGINT", "counter", wire="downloadsAllTime",
           dump_names=("downloads_all_time", "downloadsAllTime"),
           doc="all-time downloads, at snapshot time"),
    Column("likes", "BIGINT", "counter", dump_names=("likes",),
           doc="likes at snapshot time"),
)

MODEL_COLUMNS = tuple(c.name for c in COLUMNS)
# Stored once per version in repo_versions (identity included); the rest are per-scan counters.
VERSION_COLUMNS = tuple(c.name for c in COLUMNS if c.role != "counter")
COUNTER_COLUMNS = tuple(c.name for c in COLUMNS if c.role == "counter")
IMPORTED_COLUMNS = tuple(c for c in COLUMNS if c.dump_names)


def column_ddl(columns: tuple[Column, ...] = COLUMNS) -> str:
    """``name TYPE, ...`` for a CREATE TABLE."""
    return ", ".join(f"{c.name} {c.sql_type}" for c in columns)


# The version hash: what identifies a version's content. Model id + commit sha; a content hash
# stands in for the sha when a source gives none (so a sha-less dump still dedups). Stored as
# repo_versions.version_hash; version_id is an ordinal assigned on insert. A tree fetched at a
# commit (history) and the listing row of that same commit hash alike: both use SHA_HASH
# (`SHA_HASH.format(model=..., sha=...)` over any two SQL expressions; the views call it as the
# macro `version_hash(model, sha)`, which store/schema.py generates from it).
SHA_HASH = "md5_number_lower({model} || '@' || {sha})"
CONTENT_KEY_SQL = (
    "'content:' || md5(concat_ws('|', "
    "coalesce(array_to_string(list_sort(files), chr(10)), '<no files>'), "
    "coalesce(array_to_string(list_sort(tags), ','), ''), coalesce(library_name, ''), "
    "coalesce(CAST(last_modified AS VARCHAR), '')))"
)
VERSION_HASH_SQL = SHA_HASH.format(model="model_id", sha=f"coalesce(sha, {CONTENT_KEY_SQL})")

