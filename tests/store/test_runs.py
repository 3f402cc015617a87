"""Schema v5: snapshots stored as runs (hfscan/store/runs.py).

Ground truth is the membership and counters each test plants per snapshot; the views must answer
exactly that, whatever order the snapshots arrive in (an older dump imported between two others),
and the migration from the previous schema must leave every view's answer unchanged, row for row.
"""

from __future__ import annotations

import random
import re
from importlib import resources
from pathlib import Path

import duckdb
import polars as pl
import pytest

from hfscan.classify.versions import classify_versions
from hfscan.store import aggregates, runs, schema
from hfscan.store.connect import connect
from hfscan.store.status import integrity_problems
from hfscan.store.transfer import import_parquet

COUNTERS = ("downloads", "downloads_all_time", "likes")

# The views whose definition v5 changed, as the previous schema defined them (over scan_models, each snapshot
# counted model by model), to build the "before" database; the new weighted view the plain way.
OLD_VIEWS = {
    "snapshot_order": None,
    "run_spans": None,
    "snapshot_at_position": None,
    "snapshot_models_of": None,
    "method_agreement": """
CREATE OR REPLACE VIEW method_agreement AS
SELECT f.class AS files_class, t.class AS tags_class, count(*) AS models
FROM latest_classes f JOIN latest_classes t ON t.model_id = f.model_id AND t.method = 'tags'
WHERE f.method = 'files'
GROUP BY ALL""",
    "snapshot_models": """
CREATE OR REPLACE VIEW snapshot_models AS
SELECT s.scan_id, s.snapshot_at, s.kind AS scan_kind,
       v.model_id, v.author, v.sha, v.created_at, v.last_modified,
       created_at_placeholder(v.created_at, v.hub_id) AS created_at_clamped,
       v.hub_id, hub_id_time(v.hub_id) AS hub_id_created_at,
       v.library_name, v.pipeline_tag, v.tags, v.files,
       len(v.files) AS file_count,
       m.downloads, m.downloads_all_time, m.likes,
       v.gated, v.private, v.disabled, v.safetensors_total, v.gguf,
       v.config_model_type, v.config_architectures,
       v.version_id
FROM scan_models m
JOIN scan_log s USING (scan_id)
JOIN repo_versions v USING (version_id)
WHERE s.status = 'complete'""",
    "weights_vs_loadable": """
CREATE OR REPLACE VIEW weights_vs_loadable AS
SELECT f.scan_id, any_value(f.snapshot_at) AS snapshot_at, count(*) AS models,
       count(*) FILTER (f.has_tf) AS tf_weights,
       count(*) FILTER (l.tf_path IS NOT NULL) AS tf_loadable,
       count(*) FILTER (l.tf_path IS NOT NULL AND NOT path_needs_opt_in(l.tf_path)) AS tf_loadable_direct,
       count(*) FILTER (path_needs_opt_in(l.tf_path)) AS tf_loadable_opt_in,
       count(*) FILTER (f.has_pt) AS pt_weights,
       count(*) FILTER (l.pt_path IS NOT NULL) AS pt_loadable,
       count(*) FILTER (f.has_jax) AS jax_weights,
       count(*) FILTER (l.jax_path IS NOT NULL) AS jax_loadable,
       count(*) FILTER (v5.tf_path IS NOT NULL) AS tf_loadable_v5
FROM model_classes f
JOIN model_classes l ON l.scan_id = f.scan_id AND l.version_id = f.version_id AND l.method = 'loadable'
JOIN model_classes v5 ON v5.scan_id = f.scan_id AND v5.version_id = f.version_id AND v5.method = 'loadable_v5'
WHERE f.method = 'files'
GROUP BY f.scan_id""",
    "latest_models": """
CREATE OR REPLACE VIEW latest_models AS
SELECT * FROM snapshot_models WHERE scan_id = (SELECT scan_id FROM latest_scan)""",
    "latest_classes": """
CREATE OR REPLACE VIEW latest_classes AS
SELECT * FROM model_classes WHERE scan_id = (SELECT scan_id FROM latest_scan)""",
    "shares": """
CREATE OR REPLACE VIEW shares AS
SELECT scan_id, any_value(snapshot_at) AS snapshot_at, method,
       count(*) AS models,
       count(*) FILTER (class = 'pytorch_only') AS pytorch_only,
       count(*) FILTER (class = 'tensorflow_only') AS tensorflow_only,
       count(*) FILTER (class = 'both') AS both,
       count(*) FILTER (class = 'neither') AS neither,
       count(*) FILTER (class <> 'neither') AS population,
       round(100.0 * count(*) FILTER (class = 'pytorch_only') / nullif(count(*) FILTER (class <> 'neither'), 0), 2)
           AS pytorch_only_pct,
       round(100.0 * count(*) FILTER (class = 'tensorflow_only') / nullif(count(*) FILTER (class <> 'neither'), 0), 2)
           AS tensorflow_only_pct,
       round(100.0 * count(*) FILTER (class = 'both') / nullif(count(*) FILTER (class <> 'neither'), 0), 2)
           AS both_pct,
       count(*) FILTER (pt_attributed) AS pt_attributed
FROM model_classes
GROUP BY scan_id, method""",
    "neither_over_time": """
CREATE OR REPLACE VIEW neither_over_time AS
SELECT scan_id, any_value(snapshot_at) AS snapshot_at, neither_reason, count(*) AS models
FROM model_classes WHERE method = 'files' AND class = 'neither'
GROUP BY scan_id, neither_reason""",
    "weighted_shares_by_snapshot": """
CREATE OR REPLACE VIEW weighted_shares_by_snapshot AS
WITH per_class AS (
    SELECT scan_id, any_value(snapshot_at) AS snapshot_at, method, class, count(*) AS models,
           coalesce(sum(downloads), 0)::BIGINT AS downloads,
           coalesce(sum(downloads_all_time), 0)::BIGINT AS downloads_all_time
    FROM model_classes GROUP BY scan_id, method, class
)
SELECT scan_id, snapshot_at, method, class, models, downloads, downloads_all_time,
       CASE WHEN class <> 'neither' THEN round(100.0 * downloads / nullif(
           sum(downloads) FILTER (class <> 'neither') OVER (PARTITION BY scan_id, method), 0), 2) END AS downloads_pct,
       CASE WHEN class <> 'neither' THEN round(100.0 * downloads_all_time / nullif(
           sum(downloads_all_time) FILTER (class <> 'neither') OVER (PARTITION BY scan_id, method), 0), 2) END
           AS downloads_all_time_pct
FROM per_class""",
}


def plant(seed: int, snapshots: int, models: int) -> list[dict[int, tuple]]:
    """Per snapshot: model index -> (sha generation, downloads, downloads_all_time, likes). Small
    value ranges on purpose: models leave and come back, counters change and change back."""
    rng = random.Random(seed)
    out = []
    for _ in range(snapshots):
        snap = {}
        for i in range(models):
            if rng.random() < 0.75:
                snap[i] = (rng.randrange(2), rng.choice([0, 1, None]), rng.randrange(2), rng.choice([0, 3]))
        out.append(snap)
    return out


def frame(snap: dict[int, tuple], day: int) -> pl.DataFrame:
    rows = [{"model_id": f"org/m{i}", "sha": f"sha{i}-{g}",
             "files": ["config.json", ["model.safetensors", "model.onnx", "tf_model.h5"][(i + g) % 3]],
             "tags": ["transformers"], "library_name": "transformers", "downloads": d, "downloads_all_time": a,
             "likes": lk, "snapshot_at": f"2024-01-{day:02d}T00:00:00"}
            for i, (g, d, a, lk) in sorted(snap.items())]
    return pl.DataFrame(rows, schema_overrides={"downloads": pl.Int64, "likes": pl.Int64})


def truth_rows(snap: dict[int, tuple]) -> list[tuple]:
    return sorted((f"org/m{i}", f"sha{i}-{g}", d, a, lk) for i, (g, d, a, lk) in snap.items())


def stored_rows(con: duckdb.DuckDBPyConnection, scan_id: int) -> list[tuple]:
    """The snapshot through the view, checked against the one-snapshot macro (runs.snapshot_source):
    both must read the same rows, whole (every column)."""
    rows = con.execute("SELECT model_id, sha, downloads, downloads_all_time, likes FROM snapshot_models "
                       "WHERE scan_id = ? ORDER BY ALL", [scan_id]).fetchall()
    whole = con.execute("SELECT * FROM snapshot_models WHERE scan_id = ? ORDER BY model_id", [scan_id]).fetchall()
    assert con.execute(f"SELECT * FROM {runs.snapshot_source(scan_id)} ORDER BY model_id").fetchall() == whole
    return rows


def assert_canonical(con: duckdb.DuckDBPyConnection) -> None:
    """No problems for `status --check`, and no two runs that could be one (same version and
    counters, adjacent in the sequence): nothing stored twice."""
    assert integrity_problems(con) == []
    mergeable = con.execute("""
        WITH r AS (SELECT r.*, f.position AS p0, t.position AS p1 FROM version_runs r
                   JOIN snapshot_order f ON f.scan_id = r.from_scan LEFT JOIN snapshot_order t ON t.scan_id = r.to_scan)
        SELECT count(*) FROM r a JOIN r b ON a.version_id = b.version_id AND b.p0 = a.p1 + 1
        WHERE a.downloads IS NOT DISTINCT FROM b.downloads AND a.likes IS NOT DISTINCT FROM b.likes
          AND a.downloads_all_time IS NOT DISTINCT FROM b.downloads_all_time""").fetchall()[0][0]
    assert mergeable == 0


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_imports_in_any_order_split_and_join_runs(tmp_path: Path, seed: int) -> None:
    """Dumps imported out of order (each later one lands before, between or after the stored ones)
    read back exactly as planted, and the runs stay minimal."""
    planted = plant(seed, 6, 120)
    days = [1, 3, 5, 7, 9, 11]
    order = list(range(6))
    random.Random(seed).shuffle(order)
    con = connect(tmp_path / "x.duckdb")
    scan_of: dict[int, int] = {}
    for k in order:
        path = tmp_path / f"dump{k}.parquet"
        frame(planted[k], days[k]).write_parquet(path)
        scan_of[k] = import_parquet(con, path, f"dump {k}").snapshots[0]
        for done in scan_of:  # every snapshot stored so far still answers as planted
            assert stored_rows(con, scan_of[done]) == truth_rows(planted[done]), (k, done)
        assert_canonical(con)
    assert [r[0] for r in con.execute("SELECT scan_id FROM snapshot_order ORDER BY position").fetchall()] == \
        [scan_of[k] for k in range(6)]
    con.close()


def test_dump_between_two_snapshots_splits_a_run(tmp_path: Path) -> None:
    """The README case: two snapshots of an unchanged model, then an older dump dated between them
    without it (and with another model's counters changed): the run is cut around the dump."""
    con = connect(tmp_path / "x.duckdb")
    first = {0: (0, 5, 50, 1), 1: (0, 7, 70, 0)}
    between = {1: (0, 8, 71, 0)}
    for snap, day in ((first, 1), (first, 9), (between, 5)):
        path = tmp_path / f"d{day}.parquet"
        frame(snap, day).write_parquet(path)
        import_parquet(con, path, "dump")
    scans = [r[0] for r in con.execute("SELECT scan_id FROM snapshot_order ORDER BY position").fetchall()]
    assert [stored_rows(con, s) for s in scans] == [truth_rows(first), truth_rows(between), truth_rows(first)]
    runs_ = con.execute("SELECT v.model_id, from_scan, to_scan, downloads FROM version_runs JOIN repo_versions v "
                        "USING (version_id) ORDER BY ALL").fetchall()
    # Scans in import order: 1 (day 1), 2 (day 9), 3 (day 5, between them).
    assert runs_ == [("org/m0", 1, 1, 5), ("org/m0", 2, None, 5),
                     ("org/m1", 1, 1, 7), ("org/m1", 2, None, 7), ("org/m1", 3, 3, 8)]
    assert_canonical(con)
    con.close()


def test_unchanged_snapshot_stores_no_run(tmp_path: Path) -> None:
    con = connect(tmp_path / "x.duckdb")
    snap = plant(4, 1, 50)[0]
    for day in (1, 2, 3):
        path = tmp_path / f"d{day}.parquet"
        frame(snap, day).write_parquet(path)
        import_parquet(con, path, "dump")
    assert con.execute("SELECT count(*) FROM version_runs").fetchall()[0][0] == len(snap)
    assert con.execute("SELECT count(DISTINCT scan_id), count(*) FROM snapshot_models").fetchall()[0] == (3, 3 * len(snap))
    con.close()


# The runs step; later migrations (e.g. model-row columns) come after it.
RUNS = next(v for v, description, _ in schema.MIGRATIONS if description.startswith("snapshots as validity intervals"))


def build_old(path: Path, seed: int = 7) -> None:
    """A database at the schema before runs, as its finalize and import wrote it: one scan_models row per model per
    scan, with full and import scans out of snapshot order, a failed scan's leftover rows, an
    interrupted scan, models that leave and return."""
    con = duckdb.connect(str(path))
    schema.migrate(con, str(path), target=RUNS - 1)
    for version, _, sql in schema.MIGRATIONS:  # the later, idempotent steps: today's classify needs their columns
        if version > RUNS:  # (not the run positions: there are no runs yet)
            con.execute(sql.replace(schema.RUN_POSITIONS_SQL, ""))
    planted = plant(seed, 6, 150)
    # scan id -> (kind, status, day): scan 4 is an import dated before scans 2 and 3.
    scans = {1: ("full", "complete", 1), 2: ("full", "complete", 4), 3: ("incremental", "complete", 6),
             4: ("import", "complete", 3), 5: ("full", "failed", 8), 6: ("full", "complete", 9),
             7: ("full", "complete", 10), 8: ("full", "running", 11)}
    for k, (scan_id, (kind, status, day)) in enumerate(scans.items()):
        snap = planted[k % 6] if scan_id != 7 else planted[(scan_id - 2) % 6]  # 7 repeats 6's data
        con.execute("INSERT INTO scan_log (scan_id, kind, source, status, started_at, snapshot_at, methods, models) "
                    "VALUES (?, ?, 'test', ?, TIMESTAMP '2024-01-01' + to_days(?), TIMESTAMP '2024-01-01' + to_days(?), "
                    "['files', 'tags'], ?)", [scan_id, kind, status, day, day, len(snap)])
        if status == "running":
            continue
        src = frame(snap, day)  # noqa: F841 (read by DuckDB below)
        con.execute("""INSERT INTO repo_versions (version_hash, model_id, sha, library_name, tags, files, created_at,
                                                  first_scan_id)
                       SELECT md5_number_lower(model_id || '@' || sha), model_id, sha, library_name, tags, files,
                              TIMESTAMP '2023-05-01', ? FROM src
                       WHERE md5_number_lower(model_id || '@' || sha) NOT IN (SELECT version_hash FROM repo_versions)
                       ORDER BY model_id""", [scan_id])
        con.execute("""INSERT INTO scan_models SELECT ?, v.version_id, s.downloads, s.downloads_all_time, s.likes
                       FROM src s JOIN repo_versions v ON v.version_hash = md5_number_lower(s.model_id || '@' || s.sha)
                       ORDER BY v.version_id""", [scan_id])
    install_old_views(con)
    refresh = aggregates.refresh
    aggregates.refresh = lambda con: None  # type: ignore[assignment]  # no aggregates before runs
    try:
        classify_versions(con)
    finally:
        aggregates.refresh = refresh  # type: ignore[assignment]
    con.close()


def install_old_views(con: duckdb.DuckDBPyConnection) -> None:
    """Today's view files, statement by statement, with OLD_VIEWS in place of the changed ones."""
    folder = resources.files("hfscan.store").joinpath("views")
    for name in sorted(e.name for e in folder.iterdir() if e.name.endswith(".sql")):
        for statement in folder.joinpath(name).read_text(encoding="utf-8").split(";\n"):
            created = re.search(r"CREATE OR REPLACE (?:VIEW|MACRO) (\w+)", statement)
            if created and created.group(1) in OLD_VIEWS:
                statement = OLD_VIEWS[created.group(1)] or ""
            # The old schema had no snapshot_order: its views ordered scan_log themselves.
            statement = statement.replace(
                "lag(scan_id) OVER (ORDER BY position) AS previous_scan_id FROM snapshot_order",
                "lag(scan_id) OVER (ORDER BY snapshot_at, scan_id) AS previous_scan_id FROM scan_log "
                "WHERE status = 'complete'")
            if statement.strip():
                con.execute(statement)


def view_names(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [r[0] for r in con.execute(
        "SELECT view_name FROM duckdb_views() WHERE NOT internal AND database_name = current_database() "
        "AND view_name NOT IN ('snapshot_order', 'run_spans') ORDER BY 1").fetchall()]


def view_columns(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    return {name: [r[0] for r in con.execute(f'DESCRIBE "{name}"').fetchall()] for name in view_names(con)}


def every_view(con: duckdb.DuckDBPyConnection, columns: dict[str, list[str]] | None = None) -> dict[str, list[tuple]]:
    """Every view's answer; with `columns`, only those (columns later migrations add are not compared)."""
    def select(name: str) -> str:
        return ", ".join(f'"{c}"' for c in columns[name]) if columns and name in columns else "*"

    answers = {name: con.execute(f'SELECT {select(name)} FROM "{name}" ORDER BY ALL').fetchall()
               for name in view_names(con)}
    answers["as_of_counts"] = con.execute("SELECT * FROM as_of_counts(DATE '2024-01-05') ORDER BY ALL").fetchall()
    return answers


def test_migration_from_scan_models_keeps_every_view_answer(tmp_path: Path) -> None:
    db = tmp_path / "old.duckdb"
    build_old(db)
    con = duckdb.connect(str(db))
    before, columns = every_view(con), view_columns(con)
    assert len(before["snapshot_models"]) > 500 and before["class_transitions"] and before["shares"]
    assert before["weighted_shares_by_snapshot"] and before["neither_over_time"]
    con.close()
    con = connect(db)  # opens migrate in place
    assert schema.current_version(con) == schema.LATEST_VERSION
    after = every_view(con, columns)
    assert set(after) == set(before)
    for name in before:
        assert after[name] == before[name], name
    assert con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'scan_models'"
                       ).fetchall()[0][0] == 0
    # Fewer rows than the old table (a repeated snapshot adds none) and a clean integrity check.
    assert con.execute("SELECT count(*) FROM version_runs").fetchall()[0][0] < len(before["snapshot_models"])
    assert_canonical(con)
    # The failed and the interrupted scans opened no run; the next snapshot appends as usual.
    assert con.execute("SELECT count(*) FROM version_runs WHERE from_scan IN (5, 8) OR to_scan IN (5, 8)"
                       ).fetchall()[0][0] == 0
    con.close()


def test_failed_migration_leaves_the_old_schema_intact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The step is one transaction: a failure at its very end leaves the old tables and answers."""
    db = tmp_path / "old.duckdb"
    build_old(db)
    con = duckdb.connect(str(db))
    before = every_view(con)
    planted = [(v, d, sql + "; SELECT error('disk full (planted)');" if v == RUNS else sql)
               for v, d, sql in schema.MIGRATIONS]
    monkeypatch.setattr(schema, "MIGRATIONS", planted)
    with pytest.raises(duckdb.Error, match="planted"):
        schema.migrate(con, str(db))
    assert schema.current_version(con) == RUNS - 1
    assert every_view(con) == before
    con.close()


def test_members_of_a_scan(tmp_path: Path) -> None:
    """members_sql (what an incremental scan carries forward) answers a snapshot's members."""
    con = connect(tmp_path / "x.duckdb")
    planted = plant(9, 3, 60)
    for k, day in enumerate((2, 6, 4)):
        path = tmp_path / f"d{day}.parquet"
        frame(planted[k], day).write_parquet(path)
        import_parquet(con, path, "dump")
    for scan_id in (1, 2, 3):
        got = con.execute(f"SELECT v.model_id, v.sha, m.downloads, m.downloads_all_time, m.likes "
                          f"FROM ({runs.members_sql()}) m JOIN repo_versions v USING (version_id) ORDER BY ALL",
                          {"scan": scan_id}).fetchall()
        assert got == truth_rows(planted[scan_id - 1])
    con.close()


def test_the_version_hash_macro_is_the_python_formula(tmp_path: Path) -> None:
    """Views call `version_hash(model, sha)`; it must hash exactly as model_row.SHA_HASH does where
    versions are stored, or an as-of day would miss the trees history stored."""
    from hfscan.model_row import SHA_HASH

    with connect(tmp_path / "h.duckdb") as con:
        formula = SHA_HASH.format(model="'acme/bert'", sha="'abc123'")
        macro, python = con.execute(f"SELECT version_hash('acme/bert', 'abc123'), {formula}").fetchone()
    assert macro == python and macro is not None
