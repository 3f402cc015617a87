"""`huggingface/transformers-metadata` as the fake Hub serves it: `frameworks.json` at a few revisions.

The real dataset is regenerated on each transformers commit (utils/update_metadata.py in the
transformers repo writes `frameworks.json` with `datasets.Dataset.to_json`: JSON lines of
model_type, pytorch, tensorflow, flax, processor). Three revisions here, oldest first:

- `old`: the vendored 4.57.6 table without a planted tenth of its model types (an older library);
- `4.57`: the vendored 4.57.6 table itself;
- `v5` (main): after transformers v5 removed TensorFlow and Flax: every tensorflow/flax false.
"""

from __future__ import annotations

import hashlib
import json

from hfscan.testing.fakehub.configs import FrameworkRow, vendored_rows
from hfscan.testing.fakehub.datasets_repo import GITATTRIBUTES, DatasetCommit, DatasetRepo
from hfscan.testing.fakehub.population import Population, _ts

METADATA_REPO = "huggingface/transformers-metadata"
REVISIONS: tuple[tuple[str, int, str], ...] = (
    ("old", _ts("2025-06-02T09:00:00"), "Update with commit 1111111"),
    ("4.57", _ts("2026-01-10T09:00:00"), "Update with commit 4570006"),
    ("v5", _ts("2026-01-26T12:00:00"), "Update with commit 5000000"),
)


def _dropped(model_type: str) -> bool:
    return int(hashlib.sha1(model_type.encode()).hexdigest(), 16) % 10 == 0


def rows_at(revision: str) -> list[FrameworkRow]:
    rows = list(vendored_rows())
    if revision == "old":
        return [r for r in rows if not _dropped(r.model_type)]
    if revision == "v5":
        return [FrameworkRow(r.model_type, r.pytorch, False, False, r.processor) for r in rows]
    return rows


def table_at(revision: str) -> dict[str, tuple[bool, bool, bool]]:
    """The truth's view of a revision's table (what `frameworks update` must store)."""
    return {r.model_type: (r.pytorch, r.tensorflow, r.flax) for r in rows_at(revision)}


class MetadataRepo(DatasetRepo):
    def _build(self, key: tuple) -> bytes:
        if key[0] == "frameworks":
            return "".join(json.dumps({"model_type": r.model_type, "pytorch": r.pytorch, "tensorflow": r.tensorflow,
                                       "flax": r.flax, "processor": r.processor}) + "\n"
                           for r in rows_at(key[1])).encode()
        if key[0] == "readme":
            return b"---\nlicense: apache-2.0\n---\n\nMetadata of the transformers library.\n"
        return GITATTRIBUTES if key[0] == "gitattributes" else b"{}\n"


def metadata_repo(population: Population) -> MetadataRepo:
    def sha(label: str) -> str:
        return hashlib.sha1(f"{population.seed}/{METADATA_REPO}/{label}".encode()).hexdigest()

    base = (("README.md", ("readme",)), (".gitattributes", ("gitattributes",)))
    commits = [DatasetCommit(sha("init"), REVISIONS[0][1] - 86_400, "initial commit", base)]
    for label, date, title in REVISIONS:
        commits.append(DatasetCommit(sha(label), date, title, (*base, ("frameworks.json", ("frameworks", label)),
                                                               ("pipeline_tags.json", ("pipeline_tags",)))))
    return MetadataRepo(METADATA_REPO, population, tuple(commits))


def revision_sha(repo: DatasetRepo, label: str) -> str:
    """The commit of one labelled revision (tests pass it to `frameworks update --revision`)."""
    index = [r[0] for r in REVISIONS].index(label) + 1
    return repo.commits[index].sha
