"""The dataset card `hfscan publish` writes: YAML `configs:` for `datasets` and the Hub's viewer, then
what the files hold (columns, methods, rules version, the latest headline, the snapshots).

The text depends only on the data (no run time in it), so a publish with nothing new leaves the
card byte-identical and the Hub client drops the no-op commit.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from hfscan.errors import UsageError
from hfscan.model_row import COLUMNS as MODEL_COLUMNS

DATA_GLOB = "data/*/*/*.parquet"

# The card's type names for the SQL types of model_row.py.
_KINDS = {"VARCHAR": "string", "VARCHAR[]": "list<string>", "TIMESTAMP": "timestamp (UTC)", "BOOLEAN": "bool",
          "BIGINT": "int", "JSON": "JSON"}
# Columns `hfscan export` adds to model_row's (transfer.export_columns): derived, or the snapshot's.
DERIVED = (
    ("created_at_clamped", "bool", "created_at is the Hub's 2022-03-02 backfill date (true date unknown)"),
    ("file_count", "int", "number of files"),
    ("snapshot_at", "timestamp (UTC)", "when the snapshot was taken (one value per snapshot)"),
)
# One row per exported column, from the one row definition (tests/test_docs.py checks the card
# against what `hfscan export` writes).
COLUMNS: tuple[tuple[str, str, str], ...] = tuple(
    (c.name, _KINDS[c.sql_type], c.doc) for c in MODEL_COLUMNS if c.exported) + DERIVED


def _headline(con: duckdb.DuckDBPyConnection) -> tuple[str, list[str]]:
    """The latest snapshot's class counts and shares (files method, else tags), as markdown lines."""
    from hfscan.analysis.shares import headline

    for method in ("files", "tags"):
        try:
            h = headline(con, method)
        except UsageError:
            continue
        lines = [f"Scan {h.scan_id} ({h.scan_date[:10]}), method `{method}`, rules version "
                 f"{h.rules_version}: {h.total_models:,} models, {h.population:,} with PyTorch "
                 "and/or TensorFlow weights.", "", "| class | models | share of PT/TF models |", "|---|---:|---:|"]
        for cls, count in h.counts.items():
            share = h.shares.get(cls)
            lines.append(f"| {cls} | {count:,} | {'' if share is None else f'{share:.2f}%'} |")
        return method, lines
    return "", ["No classified snapshot yet."]


@dataclass(frozen=True)
class CardSnapshot:
    """A row of the card's snapshot table; kind and models are unknown for a snapshot only the repo holds."""

    scan_id: int
    snapshot_date: str
    kind: str = ""
    models: int | None = None


def dataset_card(con: duckdb.DuckDBPyConnection, repo: str, snapshots: list[CardSnapshot]) -> str:
    from hfscan.classify.rules import RULES_VERSION

    _, headline = _headline(con)
    rows = [f"| {s.snapshot_date} | {s.scan_id} | {s.kind} | "
            f"{'' if s.models is None else format(s.models, ',')} |" for s in snapshots]
    columns = [f"| `{name}` | {kind} | {what} |" for name, kind, what in COLUMNS]
    return "\n".join([
        "---",
        "pretty_name: hfscan snapshots of the Hugging Face Hub's model listing",
        "tags:", "- hfscan", "- hub-metadata",
        "configs:",
        "- config_name: default",
        "  data_files:",
        "  - split: train",
        f"    path: {DATA_GLOB}",
        "---",
        "",
        f"# {repo}",
        "",
        "Periodic snapshots of the Hugging Face Hub's model listing, taken and published by "
        "hfscan (`hfscan scan`, then `hfscan publish`). Each snapshot is one "
        "Parquet file under `data/snapshot_date=YYYY-MM-DD/scan_id=N/`; every row carries `snapshot_at`.",
        "",
        "## Latest headline",
        "",
        *headline,
        "",
        f"Classification rules version {RULES_VERSION}. Methods: `files` reads weight file names "
        "and formats (and the framework stored in safetensors metadata), "
        "`tags` reads the Hub's `pytorch`/`tf` tags. `pytorch_only + tensorflow_only + both` is the "
        "population the shares are of; `neither` covers models with other weights or none.",
        "",
        "## Snapshots",
        "",
        "| snapshot_date | scan_id | kind | models |", "|---|---:|---|---:|", *rows,
        "",
        "## Columns",
        "",
        "| column | type | meaning |", "|---|---|---|", *columns,
        "",
        "## Read it",
        "",
        "```python",
        "import datasets",
        f"ds = datasets.load_dataset({repo!r}, split='train')  # every snapshot; filter on snapshot_at",
        "```",
        "",
        "```sql",
        f"-- DuckDB: SELECT snapshot_at, count(*) FROM 'hf://datasets/{repo}/{DATA_GLOB}' GROUP BY 1 ORDER BY 1;",
        "```",
        "",
        f"Into an hfscan database, one snapshot file at a time: `hfscan import hf-dataset {repo} --file PATH`.",
        "",
    ])
