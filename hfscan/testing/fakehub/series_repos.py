"""The two published series of the Hub's model list, as the fake Hub serves them (docs/HUB_PROTOCOL.md,
"Published dumps", says where each shape comes from).

- `cfahlgren1/hub-stats` (series by revision): one `models.parquet` rewritten daily, one commit per
  dump; the real column names, and no `sha`, `gated`, `private` or `author`.
- `hfmlsoc/hub_weekly_snapshots` (series by path): `models/<YYYY-MM-DD>/models.parquet`, one
  folder per week, each week added by its own commit; the same columns (copies of the daily file).

Dump k is the fake Hub's population at epoch k (the day BASE_END + k days), so every file's truth
is `truth(population, epoch)`. `cardData` and `config` are JSON text written by users: with a
hostile population one model in ten carries hostile markup in both.

`large_series_repo` serves one generated file from disk, in chunks (the benchmark's 1.5 GB file),
never holding it in memory.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import pyarrow as pa
import pyarrow.parquet as pq

from hfscan.testing.fakehub import configs, render
from hfscan.testing.fakehub.datasets_repo import DatasetCommit, DatasetRepo
from hfscan.testing.fakehub.population import BASE_END, DAY, HOSTILE_TEXT, Population, iso
from hfscan.testing.fakehub.truth import iter_models

DAILY_REPO = "cfahlgren1/hub-stats"
WEEKLY_REPO = "hfmlsoc/hub_weekly_snapshots"
DAILY_EPOCHS = tuple(range(8))
WEEKLY_EPOCHS = tuple(range(0, 8 * 7, 7))
WEEKLY_PATTERN = "models/*/models.parquet"

UTC_MS = pa.timestamp("ms", tz="UTC")
# The real files' column names, in their order (see the module docstring); types as written here.
SCHEMA = pa.schema([
    ("id", pa.string()),
    ("createdAt", UTC_MS),
    ("lastModified", UTC_MS),
    ("downloads", pa.int64()),
    ("downloadsAllTime", pa.int64()),
    ("likes", pa.int64()),
    ("tags", pa.list_(pa.string())),
    ("pipeline_tag", pa.string()),
    ("library_name", pa.string()),
    ("siblings", pa.list_(pa.struct([("rfilename", pa.string())]))),
    ("config", pa.string()),        # JSON text
    ("safetensors", pa.struct([("total", pa.int64())])),
    ("gguf", pa.struct([("total", pa.int64()), ("architecture", pa.string()), ("context_length", pa.int64())])),
    ("baseModels", pa.struct([("relation", pa.string()), ("models", pa.list_(pa.struct([("id", pa.string())])))])),
    ("cardData", pa.string()),      # JSON text
])


def date_of(epoch: int) -> str:
    return iso(BASE_END + epoch * DAY)[:10]


def model_config(population: Population, model: Any) -> dict[str, Any] | None:
    """What the dump's `config` holds for a model: transformers repos with a config model type only."""
    if model.library_name != "transformers" or model.model_type is None:
        return None
    # The model type the listing's `config` shows too (configs.py: planted per repo).
    model_type = HOSTILE_TEXT if population.hostile and model.index % 10 == 3 else model.model_type
    return {"model_type": model_type, "architectures": configs.architectures(model.model_type)}


def model_type_truth(population: Population, epoch: int) -> dict[str, str]:
    """model id → config.model_type as planted in the dump of `epoch`."""
    out = {}
    for model in iter_models(population, epoch):
        config = model_config(population, model)
        if config:
            out[model.id] = config["model_type"]
    return out


def real_dump_parquet(population: Population, epoch: int) -> bytes:
    models = list(iter_models(population, epoch))
    hostile = population.hostile

    def card(m: Any) -> str:
        text = {"license": "mit", "language": ["en"]}
        if hostile and m.index % 10 == 3:
            text["model_name"] = HOSTILE_TEXT
        return json.dumps(text)

    def config(m: Any) -> str | None:
        value = model_config(population, m)
        return None if value is None else json.dumps(value)

    def gguf(m: Any) -> dict[str, Any] | None:
        value = render.value(m, "gguf", epoch)
        return None if value is None else {k: value[k] for k in ("total", "architecture", "context_length")}

    def safetensors(m: Any) -> dict[str, Any] | None:
        value = render.value(m, "safetensors", epoch)
        return None if value is None else {"total": value["total"]}

    table = pa.table({
        "id": [m.id for m in models],
        "createdAt": pa.array([m.created_at * 1000 for m in models], UTC_MS),
        "lastModified": pa.array([m.head.date * 1000 for m in models], UTC_MS),
        "downloads": [render.downloads(m, epoch) for m in models],
        "downloadsAllTime": [render.value(m, "downloadsAllTime", epoch) for m in models],
        "likes": [m.likes for m in models],
        "tags": [m.tags() for m in models],
        "pipeline_tag": [m.pipeline_tag for m in models],
        "library_name": [m.library_name for m in models],
        "siblings": [[{"rfilename": f} for f in m.files()] for m in models],
        "config": [config(m) for m in models],
        "safetensors": [safetensors(m) for m in models],
        "gguf": [gguf(m) for m in models],
        "baseModels": [None for _ in models],
        "cardData": [card(m) for m in models],
    }, schema=SCHEMA)
    out = io.BytesIO()
    pq.write_table(table, out, compression="zstd", row_group_size=256)
    return out.getvalue()


@dataclass(frozen=True)
class FileBody:
    """Bytes [start, end) of a file on disk: sliced without reading, written in chunks."""
    path: str
    start: int = 0
    end: int | None = None

    def __len__(self) -> int:
        end = os.path.getsize(self.path) if self.end is None else self.end
        return end - self.start

    def __getitem__(self, part: slice) -> FileBody:
        start, stop, _ = part.indices(len(self))
        return FileBody(self.path, self.start + start, self.start + max(start, stop))

    def write_to(self, out: BinaryIO | io.BufferedIOBase, chunk: int = 1 << 20) -> None:
        left = len(self)
        with open(self.path, "rb") as f:
            f.seek(self.start)
            while left > 0:
                block = f.read(min(chunk, left))
                if not block:
                    return
                out.write(block)
                left -= len(block)


class SeriesRepo(DatasetRepo):
    def _build(self, key: tuple) -> Any:
        if key[0] == "real":
            return real_dump_parquet(self.population, key[1])
        if key[0] == "file":
            return FileBody(key[1])
        if key[0] == "text":
            return key[1].encode()
        return super()._build(key)

    def oid(self, commit: DatasetCommit, path: str) -> str:
        key = commit.content(path)
        if key is not None and key[0] == "file":
            return hashlib.sha1(f"file/{key[1]}/{os.path.getsize(key[1])}".encode()).hexdigest()
        return super().oid(commit, path)


def _sha(population: Population, repo_id: str, number: int) -> str:
    return hashlib.sha1(f"{population.seed}/{population.base}/{repo_id}/{number}".encode()).hexdigest()


README = ("readme", 0)


def daily_repo(population: Population, repo_id: str = DAILY_REPO, epochs: tuple[int, ...] = DAILY_EPOCHS) -> SeriesRepo:
    """One commit per day rewriting models.parquet (6 hours into the next day), and a README edit."""
    base = (("README.md", README), (".gitattributes", ("gitattributes",)))
    commits = [DatasetCommit(_sha(population, repo_id, 0), BASE_END - DAY, "initial commit", base)]
    for position, epoch in enumerate(epochs):
        files = (*commits[-1].files[:2], ("models.parquet", ("real", epoch)))
        commits.append(DatasetCommit(_sha(population, repo_id, len(commits)), BASE_END + epoch * DAY + 6 * 3600,
                                     f"Update models ({date_of(epoch)})", files))
        if position == 1:  # a commit that leaves the dump alone
            files = (("README.md", ("readme", 1)), *files[1:])
            commits.append(DatasetCommit(_sha(population, repo_id, len(commits)), commits[-1].date + 3600,
                                         "Update README.md", files))
    return SeriesRepo(repo_id, population, tuple(commits))


def weekly_repo(population: Population, repo_id: str = WEEKLY_REPO, epochs: tuple[int, ...] = WEEKLY_EPOCHS) -> SeriesRepo:
    """One commit per week adding models/<date>/models.parquet (and a spaces file the glob skips)."""
    files: tuple[tuple[str, tuple], ...] = (
        ("README.md", README), (".gitattributes", ("gitattributes",)),
        ("hub_download.py", ("text", "# copies the daily dumps into weekly folders\n")))
    commits = [DatasetCommit(_sha(population, repo_id, 0), BASE_END - DAY, "initial commit", files)]
    for epoch in epochs:
        date = date_of(epoch)
        files = (*files, (f"models/{date}/models.parquet", ("real", epoch)),
                 (f"spaces/{date}/spaces.parquet", ("text", f"not a models file {date}")))
        commits.append(DatasetCommit(_sha(population, repo_id, len(commits)), BASE_END + (epoch + 2) * DAY,
                                     f"Add snapshot {date}", files))
    return SeriesRepo(repo_id, population, tuple(commits))


def large_series_repo(population: Population, file: str | Path, date: str = "2026-09-30",
                      repo_id: str = WEEKLY_REPO) -> SeriesRepo:
    """The by-path layout with one week: a generated file on disk, served in chunks."""
    files = (("README.md", README), (".gitattributes", ("gitattributes",)),
             (f"models/{date}/models.parquet", ("file", str(Path(file).resolve()))))
    return SeriesRepo(repo_id, population, (DatasetCommit(_sha(population, repo_id, 0), BASE_END, "Add snapshot", files),))

