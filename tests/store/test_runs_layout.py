"""The runs' layout (store/runs.py `relayout`): reading one old snapshot reads about that snapshot's
runs, and rewriting the runs never changes what any snapshot reads.

The database is made with small row groups (DuckDB's ATTACH option), so that a few thousand runs
span dozens of row groups and the skipping can be counted, in the plan DuckDB ran, at test size.
Ground truth is the membership and counters planted per snapshot.
"""

from __future__ import annotations

import math
import resource
from pathlib import Path

import duckdb
import numpy as np
import polars as pl
import pytest

from bench.common import row_groups_scanned as plan_row_groups
from hfscan.store import runs, schema
from hfscan.store.transfer import import_parquet

ROW_GROUP = 2048  # DuckDB's smallest: one vector


def open_small(path: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(f"ATTACH '{path}' AS d (ROW_GROUP_SIZE {ROW_GROUP})")
    con.execute("USE d")
    schema.migrate(con, str(path))
    return con


def plant(seed: int, snapshots: int, models: int) -> list[pl.DataFrame]:
    """Per snapshot, its models and counters: almost every model listed every time (a few leave and
    come back), downloads moving for about a third of them each snapshot, as on the Hub."""
    rng = np.random.default_rng(seed)
    downloads = rng.integers(0, 1000, models)
    out = []
    for day in range(snapshots):
        downloads = downloads + (rng.random(models) < 0.3)
        listed = rng.random(models) < 0.97
        ids = np.flatnonzero(listed)
        out.append(pl.DataFrame({
            "model_id": [f"org/m{i}" for i in ids], "sha": [f"sha{i}" for i in ids],
            "files": [["config.json", "model.safetensors"]] * len(ids), "tags": [["transformers"]] * len(ids),
            "library_name": ["transformers"] * len(ids), "downloads": downloads[ids].astype(np.int64),
            "downloads_all_time": downloads[ids].astype(np.int64) * 2, "likes": np.zeros(len(ids), np.int64),
            "snapshot_at": [f"2024-{1 + day // 28:02d}-{1 + day % 28:02d}T00:00:00"] * len(ids)}))
    return out


def store(con: duckdb.DuckDBPyConnection, tmp_path: Path, frame: pl.DataFrame, name: str) -> int:
    path = tmp_path / f"{name}.parquet"
    frame.write_parquet(path)
    return import_parquet(con, path, name).snapshots[0]


def truth(frame: pl.DataFrame) -> list[tuple]:
    return sorted(frame.select("model_id", "downloads", "downloads_all_time").iter_rows())


def read(con: duckdb.DuckDBPyConnection, scan_id: int) -> list[tuple]:
    position = con.execute("SELECT position FROM snapshot_order WHERE scan_id = ?", [scan_id]).fetchall()[0][0]
    at = con.execute(f"SELECT model_id, downloads, downloads_all_time FROM snapshot_at_position({position}) "
                     "ORDER BY ALL").fetchall()
    view = con.execute("SELECT model_id, downloads, downloads_all_time FROM snapshot_models WHERE scan_id = ? "
                       "ORDER BY ALL", [scan_id]).fetchall()
    by_id = con.execute("SELECT model_id, downloads, downloads_all_time FROM snapshot_models_of(?) ORDER BY ALL",
                        [scan_id]).fetchall()
    assert at == view == by_id
    return at


def row_groups_scanned(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[int, int]:
    """(scanned, total) row groups of version_runs in the plan DuckDB ran."""
    found = plan_row_groups(con, sql, "version_runs")
    assert found is not None, f"no scan of version_runs in the plan of {sql}"
    return found


def old_read(con: duckdb.DuckDBPyConnection, position: int) -> str:
    return f"SELECT count(*), sum(downloads) FROM snapshot_at_position({position})"


def bound(con: duckdb.DuckDBPyConnection, position: int, snapshots: int, band: int) -> int:
    """Row groups a reader of `position` needs after a relayout: its own runs, plus the runs of its
    band that ended before it, plus at most one partly used row group per later band of closed runs
    (and one for the open runs)."""
    own, band_runs = con.execute(f"""
        SELECT count(*) FILTER (first_pos <= {position} AND last_pos >= {position}),
               count(*) FILTER (last_pos // {band} = {position} // {band} AND last_pos < {position})
        FROM version_runs""").fetchall()[0]
    return math.ceil((own + band_runs) / ROW_GROUP) + math.ceil((snapshots - position) / band) + 2


def test_an_old_snapshot_reads_about_its_own_runs_after_a_relayout(tmp_path: Path) -> None:
    planted = plant(1, 40, 3000)
    con = open_small(tmp_path / "x.duckdb")
    scans = [store(con, tmp_path, frame, f"day{k}") for k, frame in enumerate(planted)]
    # In arrival order a reader of position p reads every run begun before p: fine for the oldest
    # snapshots, most of the table for the later ones.
    before = {p: row_groups_scanned(con, old_read(con, p)) for p in (8, 30)}
    layout = runs.relayout(con, row_group=ROW_GROUP)
    for k, scan_id in enumerate(scans):  # the same rows for every snapshot
        assert read(con, scan_id) == truth(planted[k]), k
    for p in (8, 30):
        after, total = row_groups_scanned(con, old_read(con, p))
        assert after <= bound(con, p, len(scans), layout.band), (p, after, before[p], total)
    late_after = row_groups_scanned(con, old_read(con, 30))[0]
    assert late_after * 1.5 <= before[30][0], (late_after, before[30])
    # By scan id, the macro and the view (its runs a LATERAL subquery) skip as much as by position.
    by_id = f"SELECT count(*), sum(downloads) FROM snapshot_models_of({scans[29]})"
    view = f"SELECT count(*), sum(downloads) FROM snapshot_models WHERE scan_id = {scans[29]}"
    assert row_groups_scanned(con, by_id)[0] == row_groups_scanned(con, view)[0] == late_after
    assert con.execute(by_id).fetchall() == con.execute(view).fetchall() == con.execute(old_read(con, 30)).fetchall()
    assert con.execute("SELECT count(*) FROM latest_models").fetchall()[0][0] == planted[-1].height
    assert row_groups_scanned(con, "SELECT count(*) FROM latest_models")[0] <= \
        math.ceil(planted[-1].height / ROW_GROUP) + 1  # the open runs, contiguous
    con.close()


@pytest.mark.parametrize("seed", [2, 3])
def test_snapshots_landing_after_a_relayout_read_as_planted(tmp_path: Path, seed: int) -> None:
    """After a rewrite, new snapshots append, older dumps land between two laid-out snapshots (every
    later position shifts, runs are cut and joined), and a second rewrite follows: every snapshot
    still reads exactly as planted."""
    planted = plant(seed, 16, 800)
    con = open_small(tmp_path / "x.duckdb")
    later = [1, 5, 9, 13, 15]  # stored after the first rewrite: at the end, and between others
    scan_of = {k: store(con, tmp_path, planted[k], f"day{k}") for k in range(16) if k not in later}
    runs.relayout(con, row_group=ROW_GROUP)
    for k in later:
        scan_of[k] = store(con, tmp_path, planted[k], f"day{k}")
        for done, scan_id in scan_of.items():
            assert read(con, scan_id) == truth(planted[done]), (k, done)
    runs.relayout(con, row_group=ROW_GROUP)
    for done, scan_id in scan_of.items():
        assert read(con, scan_id) == truth(planted[done]), done
    con.close()


def test_a_relayout_is_due_once_the_new_runs_reach_a_share_of_the_table(tmp_path: Path) -> None:
    con = open_small(tmp_path / "x.duckdb")

    def add(n: int) -> None:
        start = con.execute("SELECT coalesce(max(version_id), 0) + 1 FROM version_runs").fetchall()[0][0]
        con.execute(f"INSERT INTO version_runs (version_id, from_scan, first_pos, last_pos) "
                    f"SELECT {start} + range, 1, 1, {runs.OPEN} FROM range({n})")

    add(runs.ROW_GROUP - 1)
    assert not runs.relayout_due(con)  # under a row group: nothing to skip yet
    add(1)
    assert runs.relayout_due(con)
    add(7 * runs.ROW_GROUP)
    runs.relayout(con)
    assert not runs.relayout_due(con)
    growth = int(8 * runs.ROW_GROUP * runs.RELAYOUT_GROWTH)
    add(growth - 1)
    assert not runs.relayout_due(con)
    add(1)
    assert runs.relayout_due(con)
    con.close()


def test_a_rewrite_that_cannot_write_changes_nothing_and_stays_due(tmp_path: Path) -> None:
    """A full disk during the rewrite (RLIMIT_FSIZE: writes past it fail with "File too large", as on
    a full disk): the writer goes on, every run and snapshot is as before, and the next writer
    rewrites."""
    planted = plant(4, 12, 3000)
    con = open_small(tmp_path / "x.duckdb")
    scans = [store(con, tmp_path, frame, f"day{k}") for k, frame in enumerate(planted)]
    con.execute("CHECKPOINT")
    before = sorted(con.execute("SELECT * FROM version_runs").fetchall())
    assert runs.relayout_due(con, row_group=ROW_GROUP)
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, hard))  # far below the 2.9 MB file
    try:
        with pytest.raises(duckdb.IOException, match="File too large"):
            runs.relayout(con, row_group=ROW_GROUP)
        assert runs.relayout_if_due(con, row_group=ROW_GROUP) is None  # the writers' call: no error, nothing done
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
    con.close()
    con = open_small(tmp_path / "x.duckdb")  # as the next process finds it
    assert sorted(con.execute("SELECT * FROM version_runs").fetchall()) == before
    for k, scan_id in enumerate(scans):
        assert read(con, scan_id) == truth(planted[k]), k
    assert runs.relayout_due(con, row_group=ROW_GROUP)
    assert runs.relayout_if_due(con, row_group=ROW_GROUP) is not None
    assert not runs.relayout_due(con, row_group=ROW_GROUP)
    assert sorted(con.execute("SELECT * FROM version_runs").fetchall()) == before
    con.close()
