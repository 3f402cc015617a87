"""Per-snapshot aggregates (store/aggregates.py) and staleness by detection (store/inputs.py).

A database grows as a user's does: dumps imported out of order (one lands between two stored
snapshots), classify after each step, header probes, another framework table and commit logs
arriving between them. After every classify, each aggregate must equal the same figure computed
from the runs (the views over `run_spans` / `snapshot_models`); between a stored fact and the
classify that follows it, nothing computed from the old inputs may read as current.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import duckdb
import polars as pl
import pytest

from hfscan.analysis.shares import Headline, headline
from hfscan.classify import frameworks
from hfscan.classify.versions import classify_versions
from hfscan.store import aggregates
from hfscan.store.commit_logs import store_commits
from hfscan.store.connect import connect
from hfscan.store.probes import store_probes
from hfscan.store.transfer import import_parquet

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = "2022-03-02T23:29:04"
FILES = [["config.json", "model.safetensors"], ["config.json", "tf_model.h5", "pytorch_model.bin"],
         ["model.onnx"], ["config.json", "tf_model.h5"], ["README.md"]]


def dump(day: int, members: range, bump: int = 0) -> pl.DataFrame:
    """Model i: files, library, author and creation date fixed by i; downloads change with `bump`."""
    rows = [{"model_id": f"org{i % 7}/m{i}", "sha": f"sha{i}", "author": f"org{i % 7}",
             "files": FILES[i % len(FILES)], "tags": ["transformers"] if i % 3 else ["tf"],
             "library_name": "transformers" if i % 4 else None, "pipeline_tag": ["fill-mask", None, "text-generation"][i % 3],
             "config_model_type": "bert" if i % 2 else "gpt2",
             "created_at": PLACEHOLDER if i % 5 == 0 else f"2023-0{1 + i % 9}-10T00:00:00",
             "downloads": (i * 7 + bump) % 50 if i % 6 else None, "downloads_all_time": i * 100 + bump,
             "likes": i % 3, "snapshot_at": f"2024-01-{day:02d}T00:00:00"}
            for i in members]
    return pl.DataFrame(rows, schema_overrides={"downloads": pl.Int64})


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return sorted(con.execute(sql).fetchall(), key=repr)


def from_runs(con: duckdb.DuckDBPyConnection, scan_id: int) -> dict[str, list[tuple]]:
    """One snapshot's breakdowns and cohorts, model by model from snapshot_models and the classes."""
    cells = rows(con, f"""
        WITH m AS (
            SELECT c.method, c.class, m.library_name, m.pipeline_tag, m.author,
                   cohort_of(CASE WHEN m.created_at_clamped THEN h.first_commit_at ELSE m.created_at END) AS cohort
            FROM model_classes c JOIN snapshot_models m USING (scan_id, version_id)
            LEFT JOIN history_status h ON h.model_id = m.model_id AND h.status = 'ok'
            WHERE c.scan_id = {scan_id})
        SELECT method, 'library_name', coalesce(library_name, '(none)'), class, count(*) FROM m GROUP BY ALL
        UNION ALL SELECT method, 'pipeline_tag', coalesce(pipeline_tag, '(none)'), class, count(*) FROM m GROUP BY ALL
        UNION ALL SELECT method, 'author', coalesce(author, '(none)'), class, count(*) FROM m GROUP BY ALL
        UNION ALL SELECT method, 'cohort', cohort, class, count(*) FROM m GROUP BY ALL""")
    classes = rows(con, f"""SELECT method, class, neither_reason, pt_attributed, count(*), sum(downloads),
                                   sum(downloads_all_time) FROM model_classes WHERE scan_id = {scan_id} GROUP BY ALL""")
    return {"cells": cells, "classes": classes}


def assert_aggregates_match_runs(con: duckdb.DuckDBPyConnection) -> None:
    assert aggregates.all_current(con)
    for view in ("shares", "weighted_shares_by_snapshot", "neither_over_time", "weights_vs_loadable"):
        assert rows(con, f"SELECT * FROM aggregate_{view}") == rows(con, f"SELECT * FROM {view}"), view
    scans = [r[0] for r in con.execute("SELECT scan_id FROM snapshot_order").fetchall()]
    for scan_id in scans:
        truth = from_runs(con, scan_id)
        # every cell of the dimensions (fewer values than BREAKDOWN_TOP here, so none is cut)
        assert rows(con, f"SELECT method, dimension, value, class, models FROM snapshot_breakdowns "
                         f"WHERE scan_id = {scan_id}") == truth["cells"], scan_id
        assert rows(con, f"SELECT * EXCLUDE (scan_id) FROM snapshot_class_counts WHERE scan_id = {scan_id}") == \
            truth["classes"], scan_id
        assert rows(con, f"SELECT models FROM current_aggregates WHERE scan_id = {scan_id}") == \
            rows(con, f"SELECT count(*) FROM snapshot_models WHERE scan_id = {scan_id}")
    latest = con.execute("SELECT scan_id FROM latest_scan").fetchall()[0][0]
    assert rows(con, f"SELECT * EXCLUDE (scan_id) FROM aggregate_cohort_shares WHERE scan_id = {latest}") == \
        rows(con, "SELECT * FROM cohort_shares")


def headlines(con: duckdb.DuckDBPyConnection) -> list[Headline]:
    out = []
    for (scan_id,) in con.execute("SELECT scan_id FROM snapshot_order").fetchall():
        for method in ("files", "tags", "header"):
            out.append(headline(con, method, scan_id))
        out.append(headline(con, "loadable", scan_id, "5"))
    return out


def headlines_from_runs(con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch) -> list[Headline]:
    with monkeypatch.context() as m:
        m.setattr(aggregates, "is_current", lambda con, scan_id: False)
        return headlines(con)


def test_aggregates_equal_the_runs_through_imports_and_reclassification(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    con = connect(tmp_path / "x.duckdb")
    steps = [(1, range(0, 40), 0), (9, range(5, 50), 1), (5, range(0, 45), 2), (12, range(10, 55), 2)]
    for day, members, bump in steps:  # day 5 lands between days 1 and 9
        path = tmp_path / f"d{day}.parquet"
        dump(day, members, bump).write_parquet(path)
        import_parquet(con, path, f"dump {day}")
        classify_versions(con)
        assert_aggregates_match_runs(con)
    assert headlines(con) == headlines_from_runs(con, monkeypatch)

    # A header probe says model.safetensors of m0 and m5 are TensorFlow: header and loadable change.
    store_probes(con, [[f"org{i % 7}/m{i}", f"sha{i}", "model.safetensors", "tf", "ok", None, None] for i in (0, 5)])
    assert not aggregates.all_current(con)
    refresh = dataclasses.asdict(_classify(con))
    assert refresh["computed"] == 3  # the snapshots m0 or m5 are in (days 1, 5, 9); day 12 lacks both
    assert_aggregates_match_runs(con)
    assert rows(con, "SELECT model_id, class FROM model_classes WHERE method = 'header' AND scan_id = 1") == \
        [("org0/m0", "tensorflow_only"), ("org5/m5", "tensorflow_only")]

    # Another framework table: bert has no TensorFlow class any more.
    table = [dataclasses.replace(r, tensorflow=False) if r.model_type == "bert" else r
             for r in frameworks.vendored_rows()]
    assert frameworks.store_table(con, table, "rev-2", None, "test")
    assert not aggregates.all_current(con)
    assert rows(con, "SELECT count(*) FROM current_classes WHERE method LIKE 'loadable%'") == [(0,)]
    _classify(con)
    assert_aggregates_match_runs(con)

    # Commit logs date the placeholder repos: their cohorts move (history changes no class).
    store_commits(con, [[f"org{i % 7}/m{i}", f"sha{i}", "ok", None, 3, "2021-06-01 00:00:00"] for i in (10, 15)], [])
    assert not aggregates.all_current(con)
    assert dataclasses.asdict(_classify(con))["computed"] == 4  # m10 and m15 are in every snapshot
    assert_aggregates_match_runs(con)
    assert headlines(con) == headlines_from_runs(con, monkeypatch)
    con.close()


def report_frames(con: duckdb.DuckDBPyConnection) -> dict[str, object]:
    from hfscan.report.data import collect
    data = collect(con)
    return {f.name: getattr(data, f.name) for f in dataclasses.fields(data)}


def test_the_report_reads_the_same_from_the_aggregates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """report.data.collect: every frame (values and dtypes) the same from the aggregates and from the runs."""
    con = connect(tmp_path / "x.duckdb")
    for day, members, bump in [(1, range(0, 30), 0), (9, range(5, 40), 1), (5, range(0, 35), 2)]:
        path = tmp_path / f"d{day}.parquet"
        dump(day, members, bump).write_parquet(path)
        import_parquet(con, path, f"dump {day}")
        classify_versions(con)
    store_commits(con, [["org3/m10", "sha10", "ok", None, 3, "2021-06-01 00:00:00"]], [])
    classify_versions(con)
    assert aggregates.all_current(con)
    fast = report_frames(con)
    monkeypatch.setattr(aggregates, "all_current", lambda con: False)
    monkeypatch.setattr(aggregates, "is_current", lambda con, scan_id: False)
    slow = report_frames(con)
    assert fast.keys() == slow.keys()
    for name, frame in fast.items():
        if isinstance(frame, pl.DataFrame):
            assert frame.schema == slow[name].schema, name
            assert frame.equals(slow[name]), name
        elif name == "source":  # the generation time (to the minute) may tick between the two reads
            assert dataclasses.replace(frame, generated_at="") == dataclasses.replace(slow[name], generated_at=""), name
        else:
            assert frame == slow[name], name
    con.close()


def _classify(con: duckdb.DuckDBPyConnection) -> aggregates.Refresh:
    result: list[aggregates.Refresh] = []
    original = aggregates.refresh

    def spy(c: duckdb.DuckDBPyConnection) -> aggregates.Refresh:
        result.append(original(c))
        return result[-1]
    aggregates.refresh = spy  # type: ignore[assignment]
    try:
        classify_versions(con)
    finally:
        aggregates.refresh = original  # type: ignore[assignment]
    return result[0]


def test_a_stale_class_never_reads_as_current(tmp_path: Path) -> None:
    """Between a stored probe and the classify that follows it, the version has no current header
    or loadable class (not the old one), the snapshot's aggregates are not current, and a second
    classify with no change in between recomputes nothing."""
    con = connect(tmp_path / "x.duckdb")
    path = tmp_path / "d.parquet"
    dump(1, range(0, 10)).write_parquet(path)
    import_parquet(con, path, "dump")
    store_probes(con, [["org0/m0", "sha0", "model.safetensors", "pt", "ok", None, None]])
    classify_versions(con)
    before = rows(con, "SELECT method, class FROM model_classes WHERE model_id = 'org0/m0'")
    assert ("header", "pytorch_only") in before
    store_probes(con, [["org0/m0", "sha0", "model.safetensors", "tf", "ok", None, None]])
    stale = rows(con, "SELECT method FROM model_classes WHERE model_id = 'org0/m0'")
    assert stale == [("files",), ("tags",)]  # header, loadable, loadable_v5 hidden until recomputed
    assert not aggregates.is_current(con, 1)
    assert rows(con, "SELECT count(*) FROM version_classes WHERE method = 'header'") == [(1,)]  # kept, not deleted
    classify_versions(con)
    after = rows(con, "SELECT method, class FROM model_classes WHERE model_id = 'org0/m0'")
    assert ("header", "tensorflow_only") in after and aggregates.is_current(con, 1)
    assert rows(con, "SELECT count(*) FROM version_classes WHERE method = 'header'") == [(1,)]
    assert dataclasses.asdict(_classify(con))["computed"] == 0
    con.close()


def test_only_classify_deletes_classes() -> None:
    """Classify owns staleness: the store records that an input changed; it never deletes a class."""
    offenders = []
    for path in sorted((ROOT / "hfscan").rglob("*.py")):
        if path.parent.name == "classify" and path.name == "versions.py":
            continue
        if re.search(r"DELETE\s+FROM\s+(main_db\.)?version_classes", path.read_text(encoding="utf-8")):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
