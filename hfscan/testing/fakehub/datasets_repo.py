"""Dataset repos the fake Hub serves: published metadata dumps of its own population.

`hub-stats/models` imitates the daily dumps others publish as Hub datasets: one commit per dump,
each replacing `models.parquet` (id, sha, dates as timestamps, tags, `siblings` as a list of
`{rfilename}`, counters) and `models-lite.parquet` (an older style: `modelId`, string dates, no sha,
no file list). Dump k is the population at epoch k, committed 6 hours into the day after that
epoch's changes, so the truth of a revision is `truth(population, epoch)`. A README-only commit
sits between two dumps: the file's series is not the repo's commit log.

Everything is derived from (seed, repo id): commit shas, dates and file bytes. Parquet bodies are
built on first request and cached (a few hundred ms for a few thousand models).
"""

from __future__ import annotations

import hashlib
import io
import threading
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from hfscan.testing.fakehub import render
from hfscan.testing.fakehub.population import BASE_END, DAY, Population, iso
from hfscan.testing.fakehub.truth import iter_models

STATS_REPO = "hub-stats/models"
DUMP_EPOCHS = (0, 1, 2)
FULL_FILE, LITE_FILE = "models.parquet", "models-lite.parquet"
GITATTRIBUTES = b"*.parquet filter=lfs diff=lfs merge=lfs -text\n"


@dataclass(frozen=True)
class DatasetCommit:
    sha: str
    date: int
    title: str
    files: tuple[tuple[str, tuple], ...]  # (path, content key): same key, same bytes

    def content(self, path: str) -> tuple | None:
        return dict(self.files).get(path)


@dataclass
class DatasetRepo:
    id: str
    population: Population
    commits: tuple[DatasetCommit, ...]  # oldest first
    _bodies: dict[tuple, bytes] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def head(self) -> DatasetCommit:
        return self.commits[-1]

    @property
    def hub_id(self) -> str:
        return hashlib.sha1(self.id.encode()).hexdigest()[:24]

    def commit_at(self, rev: str) -> DatasetCommit | None:
        if rev in ("main", "HEAD", "refs/heads/main"):
            return self.head
        return next((c for c in self.commits if c.sha == rev), None)

    def files(self, commit: DatasetCommit) -> list[str]:
        return sorted(path for path, _ in commit.files)

    def oid(self, commit: DatasetCommit, path: str) -> str:
        # Stands in for the content hash (the ETag clients cache blobs by): it must differ between
        # populations, or a client cache shared by two fake Hubs would serve one's dump for the other.
        population = self.population
        return hashlib.sha1(f"{population.seed}/{population.base}/{self.id}/{commit.content(path)}".encode()).hexdigest()

    def body(self, commit: DatasetCommit, path: str) -> bytes:
        key = commit.content(path)
        if key is None:
            raise KeyError(path)
        with self._lock:  # one build per content, however many threads ask
            if key not in self._bodies:
                self._bodies[key] = self._build(key)
            return self._bodies[key]

    def _build(self, key: tuple) -> bytes:
        kind = key[0]
        if kind == "gitattributes":
            return GITATTRIBUTES
        if kind == "readme":
            return (f"---\nlicense: mit\npretty_name: Hub model metadata\nconfigs:\n- config_name: default\n"
                    f"  data_files: {FULL_FILE}\n---\n\n# {self.id}\n\nDaily dumps of the model listing "
                    f"(readme revision {key[1]}).\n").encode()
        return dump_parquet(self.population, key[1], lite=kind == "lite")


def dump_parquet(population: Population, epoch: int, lite: bool) -> bytes:
    """The listing of one epoch as a published dump would store it."""
    models = list(iter_models(population, epoch))
    utc = pa.timestamp("ms", tz="UTC")
    if lite:
        table = pa.table({
            "modelId": [m.id for m in models],
            "created_at": [iso(m.created_at) for m in models],
            "lastModified": [iso(m.last_modified) for m in models],
            "library_name": [m.library_name for m in models],
            "pipeline_tag": [m.pipeline_tag for m in models],
            "tags": pa.array([m.tags() for m in models], pa.list_(pa.string())),
            "downloads": pa.array([render.downloads(m, epoch) for m in models], pa.int64()),
            "likes": pa.array([m.likes for m in models], pa.int64()),
        })
    else:
        table = pa.table({
            "id": [m.id for m in models],
            "author": [m.author for m in models],
            "sha": [m.sha for m in models],
            "createdAt": pa.array([m.created_at * 1000 for m in models], utc),
            "lastModified": pa.array([m.last_modified * 1000 for m in models], utc),
            "library_name": [m.library_name for m in models],
            "pipeline_tag": [m.pipeline_tag for m in models],
            "tags": pa.array([m.tags() for m in models], pa.list_(pa.string())),
            "siblings": pa.array([[{"rfilename": f} for f in m.files()] for m in models],
                                 pa.list_(pa.struct([("rfilename", pa.string())]))),
            "gated": [str(m.gated).lower() for m in models],
            "downloads": pa.array([render.downloads(m, epoch) for m in models], pa.int64()),
            "likes": pa.array([m.likes for m in models], pa.int64()),
        })
    out = io.BytesIO()
    pq.write_table(table, out, compression="zstd")
    return out.getvalue()


def stats_repo(population: Population, repo_id: str = STATS_REPO, epochs: tuple[int, ...] = DUMP_EPOCHS) -> DatasetRepo:
    """The commit history of a dumps repo: initial commit, one dump per epoch, a README edit."""
    def sha(number: int) -> str:
        return hashlib.sha1(f"{population.seed}/{population.base}/{repo_id}/{number}".encode()).hexdigest()

    base = (("README.md", ("readme", 0)), (".gitattributes", ("gitattributes",)))
    commits = [DatasetCommit(sha(0), BASE_END - 2 * DAY + 3 * 3600, "initial commit", base)]
    readme = 0
    for position, epoch in enumerate(epochs):
        dumps = ((FULL_FILE, ("full", epoch)), (LITE_FILE, ("lite", epoch)))
        files = (("README.md", ("readme", readme)), base[1], *dumps)
        commits.append(DatasetCommit(sha(len(commits)), BASE_END + epoch * DAY + 6 * 3600,
                                     f"Upload models dump ({iso(BASE_END + epoch * DAY)[:10]})", files))
        if position == 0 and len(epochs) > 1:  # a commit that leaves the dumps alone
            readme += 1
            files = (("README.md", ("readme", readme)), *files[1:])
            commits.append(DatasetCommit(sha(len(commits)), commits[-1].date + 3 * 3600, "Update README.md", files))
    return DatasetRepo(repo_id, population, tuple(commits))


def dataset_info(repo: DatasetRepo, commit: DatasetCommit) -> dict[str, Any]:
    return {
        "_id": repo.hub_id, "id": repo.id, "author": repo.id.split("/")[0], "sha": commit.sha,
        "createdAt": iso(repo.commits[0].date), "lastModified": iso(commit.date), "private": False,
        "gated": False, "disabled": False, "downloads": 0, "likes": 0,
        "tags": ["size_categories:1K<n<10K", "format:parquet", "region:us"], "cardData": {"license": "mit"},
        "siblings": [{"rfilename": path} for path in repo.files(commit)],
    }


def tree(repo: DatasetRepo, commit: DatasetCommit, under: str, recursive: bool) -> list[dict[str, Any]]:
    """Entries like the model tree's: the children of `under` (all descendants when recursive),
    folders as `directory` entries; a file's own path answers with that file."""
    prefix = under.strip("/")
    paths = repo.files(commit)
    if prefix in paths:
        return [entry(repo, commit, prefix)]
    start = prefix + "/" if prefix else ""
    out: dict[str, dict[str, Any]] = {}
    for path in paths:
        if not path.startswith(start):
            continue
        parts = path[len(start):].split("/")
        for depth in range(1, len(parts)):
            folder = start + "/".join(parts[:depth])
            out.setdefault(folder, {"type": "directory", "size": 0, "path": folder,
                                    "oid": hashlib.sha1(f"{repo.id}/{commit.sha}/{folder}".encode()).hexdigest()})
            if not recursive:
                break
        if recursive or len(parts) == 1:
            out[path] = entry(repo, commit, path)
    return [out[path] for path in sorted(out)]


def entry(repo: DatasetRepo, commit: DatasetCommit, path: str) -> dict[str, Any]:
    item: dict[str, Any] = {"type": "file", "oid": repo.oid(commit, path), "size": len(repo.body(commit, path)),
                            "path": path}
    if path.endswith(".parquet"):
        item["lfs"] = {"oid": hashlib.sha256(repo.oid(commit, path).encode()).hexdigest(), "size": item["size"],
                       "pointerSize": 134}
    return item


def commit_items(repo: DatasetRepo, commit: DatasetCommit) -> list[dict[str, Any]]:
    """The log from `commit` back, newest first."""
    return [{"id": c.sha, "title": c.title, "message": c.title + "\n",
             "authors": [{"user": "hub-stats-bot", "avatar": None}], "date": iso(c.date)}
            for c in reversed(repo.commits) if c.date <= commit.date]
