"""A database whose stored views an older hfscan installed, read before any write: the read uses
today's views (shadowed as TEMP objects), never a macro of another version."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from hfscan.testing.fakehub import FakeHub
from tests.crawl.helpers import run_cli, scan_args

DAY = "2023-06-30"


def test_a_read_only_open_shadows_views_an_older_hfscan_installed(tmp_path: Path) -> None:
    db = tmp_path / "hfscan.duckdb"
    with FakeHub(models=200, seed=3) as hub:
        assert run_cli(scan_args(hub, db)).code == 0
    expected = run_cli(["shares", "--db", str(db), "--as-of", DAY, "--partial", "--json"])
    assert expected.code == 0, expected.stderr
    con = duckdb.connect(str(db))
    try:  # what an older hfscan left: its own as_of_models (no current_class), its own stamp
        con.execute("CREATE OR REPLACE MACRO as_of_models(day) AS TABLE SELECT model_id FROM latest_models")
        con.execute("INSERT OR REPLACE INTO meta VALUES ('views_stamp', 'an older hfscan')")
    finally:
        con.close()
    got = run_cli(["shares", "--db", str(db), "--as-of", DAY, "--partial", "--json"])
    assert got.code == 0, got.stderr
    assert json.loads(got.stdout)["classes"] == json.loads(expected.stdout)["classes"]
    con = duckdb.connect(str(db), read_only=True)
    try:  # the file itself is untouched by a read: the next writable open replaces its views
        assert con.execute("SELECT value FROM meta WHERE key = 'views_stamp'").fetchone() == ("an older hfscan",)
    finally:
        con.close()
