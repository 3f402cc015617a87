"""classify_versions on a real DuckDB file: planted models with known answers, views, headline."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from hfscan.analysis.shares import headline
from hfscan.classify.rules import RULES_VERSION
from hfscan.classify.versions import classify_versions
from hfscan.errors import UsageError
from hfscan.store import runs
from hfscan.store.connect import connect

# (files, library_name, tags) → (files class, neither_reason, pt_attributed, tags class), × copies.
PLANTED: list[tuple[str, list[str] | None, str | None, list[str], tuple, int]] = [
    ("both", ["config.json", "pytorch_model.bin", "tf_model.h5"], "transformers", ["pytorch", "tf"],
     ("both", None, False, "both"), 5),
    ("pt", ["pytorch_model.bin", "training_args.bin"], "transformers", ["pytorch"],
     ("pytorch_only", None, False, "pytorch_only"), 8),
    ("st", ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors", "model.safetensors.index.json"],
     "transformers", ["transformers", "safetensors"], ("pytorch_only", None, True, "neither"), 4),
    ("tf", ["tf_model.h5", "config.json"], None, ["tf"], ("tensorflow_only", None, False, "tensorflow_only"), 3),
    ("gguf", ["llama-7b.Q4_K_M.gguf", "README.md"], None, ["gguf"], ("neither", "gguf", False, "neither"), 2),
    ("onnx", ["onnx/model.onnx", "config.json"], None, ["onnx"], ("neither", "onnx", False, "neither"), 1),
    ("unk", ["model.safetensors"], None, [], ("neither", "safetensors_unknown", False, "neither"), 2),
    ("empty", ["README.md", ".gitattributes"], None, [], ("neither", "no_weights", False, "neither"), 1),
    ("nolist", None, None, ["pytorch"], (None, None, None, "pytorch_only"), 1),
]


def planted_models() -> list[dict]:
    models = []
    for name, files, library, tags, expected, copies in PLANTED:
        for i in range(copies):
            models.append({"id": f"org/{name}-{i}", "sha": f"sha-{name}-{i}", "files": files,
                           "library_name": library, "tags": tags, "expected": expected})
    return models


def add_scan(con: duckdb.DuckDBPyConnection, scan_id: int, models: list[dict], status: str = "complete") -> None:
    """A scan as finalize leaves it: scan_log row, new versions only (by hash), membership."""
    con.execute(
        "INSERT INTO scan_log (scan_id, kind, source, status, started_at, finished_at, snapshot_at, methods) "
        "VALUES (?, 'full', 'test', ?, TIMESTAMP '2025-01-01' + to_days(?), TIMESTAMP '2025-01-01' + to_days(?), "
        "TIMESTAMP '2025-01-01' + to_days(?), ['files', 'tags'])", [scan_id, status, scan_id, scan_id, scan_id])
    for m in models:
        con.execute(
            "INSERT INTO repo_versions (version_hash, model_id, sha, library_name, tags, files, created_at, "
            "first_scan_id) SELECT md5_number_lower($id || '@' || $sha), $id, $sha, $lib, $tags, $files, "
            "TIMESTAMP '2023-05-01', $scan WHERE NOT EXISTS (SELECT 1 FROM repo_versions "
            "WHERE version_hash = md5_number_lower($id || '@' || $sha))",
            {"id": m["id"], "sha": m["sha"], "lib": m["library_name"], "tags": m["tags"], "files": m["files"],
             "scan": scan_id})
    if status != "complete":  # a scan that never completed stores no membership
        return
    hashes = [[m["id"], m["sha"]] for m in models]
    con.execute("CREATE OR REPLACE TEMP TABLE members_in (model_id VARCHAR, sha VARCHAR)")
    con.executemany("INSERT INTO members_in VALUES (?, ?)", hashes)
    con.execute("CREATE OR REPLACE TEMP TABLE members AS SELECT version_id, 10 AS downloads, NULL::BIGINT AS "
                "downloads_all_time, NULL::BIGINT AS likes FROM repo_versions JOIN members_in i "
                "ON version_hash = md5_number_lower(i.model_id || '@' || i.sha)")
    con.execute("UPDATE scan_log SET status = 'running' WHERE scan_id = ?", [scan_id])
    runs.add_snapshot(con, scan_id, "members")
    con.execute("UPDATE scan_log SET status = 'complete' WHERE scan_id = ?", [scan_id])


def bert(real_data: Path) -> dict:
    item = json.loads((real_data / "api_captures" / "google-bert__bert-base-uncased.json").read_text())
    return {"id": item["id"], "sha": item["sha"], "files": [s["rfilename"] for s in item["siblings"]],
            "library_name": item["library_name"], "tags": item["tags"], "expected": ("both", None, False, "both")}


@pytest.fixture
def db(tmp_path: Path, real_data: Path) -> duckdb.DuckDBPyConnection:
    con = connect(tmp_path / "x.duckdb")
    add_scan(con, 1, [*planted_models(), bert(real_data)])
    # Header probes: one unknown safetensors written by TF, one attributed shard series read as pt
    # (each shard is its own probe row), one file without __metadata__ (no header answer).
    con.executemany(
        "INSERT INTO header_probes (model_id, sha, path, format, status) VALUES (?, ?, ?, ?, ?)",
        [["org/unk-0", "sha-unk-0", "model.safetensors", "tf", "ok"],
         ["org/st-0", "sha-st-0", "model-00001-of-00002.safetensors", "pt", "ok"],
         ["org/st-0", "sha-st-0", "model-00002-of-00002.safetensors", "pt", "ok"],
         ["org/unk-1", "sha-unk-1", "model.safetensors", None, "no_metadata"],
         ["org/unk-1", "wrong-sha", "model.safetensors", "tf", "ok"]])
    yield con
    con.close()


def expected_counts(models: list[dict], index: int) -> Counter:
    return Counter(m["expected"][index] for m in models if m["expected"][index] is not None)


def test_every_planted_model_gets_its_known_class(db: duckdb.DuckDBPyConnection, real_data: Path) -> None:
    result = classify_versions(db)
    models = [*planted_models(), bert(real_data)]
    assert result.rules_version == RULES_VERSION
    assert result.classified == len(models)
    assert result.by_method == {"files": len(models) - 1, "tags": len(models), "header": 2,
                                   "loadable": len(models) - 1, "loadable_v5": len(models) - 1}
    got = {(row[0], row[1]): row[2:] for row in db.execute(
        "SELECT model_id, method, class, neither_reason, pt_attributed FROM model_classes").fetchall()}
    for m in models:
        cls, reason, attributed, tags_class = m["expected"]
        assert got.get((m["id"], "files")) == ((cls, reason, attributed) if cls else None), m["id"]
        assert got[(m["id"], "tags")][0] == tags_class, m["id"]


def test_headline_counts_and_shares_view_agree(db: duckdb.DuckDBPyConnection, real_data: Path) -> None:
    classify_versions(db)
    models = [*planted_models(), bert(real_data)]
    files = headline(db, "files")
    want = expected_counts(models, 0)
    assert files.counts == {k: want[k] for k in ("pytorch_only", "tensorflow_only", "both", "neither")}
    assert files.population == 12 + 3 + 6
    assert files.total_models == len(models)
    assert files.neither_breakdown == {"safetensors_unknown": 2, "gguf": 2, "onnx": 1, "no_weights": 1}
    assert files.pt_attributed == 4
    assert files.shares["pytorch_only"] == round(100 * 12 / 21, 2)
    view = db.execute("SELECT pytorch_only, tensorflow_only, \"both\", neither, population, pt_attributed FROM shares "
                      "WHERE scan_id = 1 AND method = 'files'").fetchall()
    assert view == [(12, 3, 6, 6, 21, 4)]
    tags = headline(db, "tags")
    assert tags.counts == {k: expected_counts(models, 3)[k] for k in tags.counts}
    assert tags.neither_breakdown == {"no_framework_tag": tags.counts["neither"]}


def test_header_method_uses_ok_probes_of_the_same_sha_only(db: duckdb.DuckDBPyConnection) -> None:
    classify_versions(db)
    rows = db.execute("SELECT model_id, class, pt_attributed FROM latest_classes WHERE method = 'header' "
                      "ORDER BY model_id").fetchall()
    assert rows == [("org/st-0", "pytorch_only", False), ("org/unk-0", "tensorflow_only", False)]
    header = headline(db, "header")
    assert header.header.probed == 2
    assert header.counts == {"pytorch_only": 1, "tensorflow_only": 1, "both": 0, "neither": 0}
    for share_key, (low, high) in header.header.intervals.items():
        assert 0 <= low <= header.shares[share_key] <= high <= 100


def test_second_run_is_a_no_op(db: duckdb.DuckDBPyConnection) -> None:
    classify_versions(db)
    tables = ("version_classes", "file_evidence")
    before = [db.execute(f"SELECT count(*) FROM {t}").fetchall() for t in tables]
    again = classify_versions(db)
    assert again.classified == 0
    assert again.by_method == {"files": 0, "tags": 0, "header": 0, "loadable": 0, "loadable_v5": 0}
    assert [db.execute(f"SELECT count(*) FROM {t}").fetchall() for t in tables] == before


def test_small_chunks_give_the_same_answer(tmp_path: Path, db: duckdb.DuckDBPyConnection) -> None:
    classify_versions(db)
    other = connect(tmp_path / "y.duckdb")
    try:
        add_scan(other, 1, planted_models())
        classify_versions(other, chunk=3)
        query = ("SELECT model_id, method, class, neither_reason, pt_attributed, formats FROM model_classes "
                 "WHERE method <> 'header' ORDER BY ALL")
        assert other.execute(query).fetchall() == [
            row for row in db.execute(query).fetchall() if row[0] != "google-bert/bert-base-uncased"]
    finally:
        other.close()


def test_a_new_scan_classifies_only_new_versions(db: duckdb.DuckDBPyConnection) -> None:
    classify_versions(db)
    models = planted_models()
    changed = {**models[-1 - 1], "sha": "sha-new", "files": ["pytorch_model.bin", "tf_model.h5"]}  # empty → both
    fresh = {"id": "org/fresh", "sha": "sha-fresh", "files": ["model.tflite"], "library_name": None, "tags": []}
    add_scan(db, 2, [*models[:-2], changed, models[-1], fresh])
    add_scan(db, 3, [fresh], status="running")  # not a snapshot: ignored everywhere
    assert classify_versions(db).classified == 2
    latest = dict(db.execute("SELECT model_id, class FROM latest_classes WHERE method = 'files'").fetchall())
    assert latest[changed["id"]] == "both" and latest["org/fresh"] == "tensorflow_only"
    assert "google-bert/bert-base-uncased" not in latest
    assert {row[0] for row in db.execute("SELECT DISTINCT scan_id FROM model_classes").fetchall()} == {1, 2}
    assert headline(db).scan_id == 2
    assert headline(db, scan_id=1).counts["both"] == 6
    with pytest.raises(UsageError, match="scan 3"):
        headline(db, scan_id=3)


def test_evidence_view_and_real_bert_capture(db: duckdb.DuckDBPyConnection) -> None:
    classify_versions(db)
    classes = dict(db.execute("SELECT method, class FROM latest_classes "
                              "WHERE model_id = 'google-bert/bert-base-uncased'").fetchall())
    assert classes == {"files": "both", "tags": "both"}
    evidence = {row[0]: row[1:] for row in db.execute(
        "SELECT path, resolved_format, family, rule, attributed FROM model_evidence "
        "WHERE model_id = 'google-bert/bert-base-uncased'").fetchall()}
    assert evidence["pytorch_model.bin"] == ("pytorch", "PT", "pytorch_model_bin", False)
    assert evidence["tf_model.h5"] == ("tensorflow", "TF", "tf_model_h5", False)
    assert evidence["model.safetensors"] == ("pytorch", "PT", "safetensors", True)
    assert evidence["flax_model.msgpack"][:2] == ("flax", "JAX")
    assert "README.md" not in evidence
    excluded = db.execute("SELECT path FROM model_evidence WHERE model_id = 'org/pt-0' AND format = 'excluded'")
    assert excluded.fetchall() == [("training_args.bin",)]


def test_usage_errors(tmp_path: Path, db: duckdb.DuckDBPyConnection) -> None:
    classify_versions(db)
    with pytest.raises(UsageError, match="unknown method"):
        headline(db, "vibes")
    with pytest.raises(UsageError, match="scan 99"):
        headline(db, scan_id=99)
    empty = connect(tmp_path / "empty.duckdb")
    try:
        with pytest.raises(UsageError, match="no complete scan"):
            headline(empty)
    finally:
        empty.close()
