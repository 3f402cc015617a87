"""A planted token must never reach the database, the staging/progress files, output or errors."""

from __future__ import annotations

from pathlib import Path

from hfscan.testing.fakehub import FakeHub
from tests.crawl.helpers import run_cli, scan_args

TOKEN = "hf_PlantedSecretToken0123456789abcdef"


def _all_bytes_under(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file())


def test_token_is_sent_but_never_stored_logged_or_printed(hub: FakeHub, tmp_path: Path) -> None:
    db = tmp_path / "data" / "hfscan.duckdb"
    env = {"HF_TOKEN": TOKEN}
    # A scan that fails half-way (exception messages, failed-scan records), then one that finishes.
    hub.set_faults([{"kind": "5xx", "route": "listing", "page": 2, "count": 50, "status": [503]}])
    failed = run_cli(scan_args(hub, db, "--page-size", "300", "--max-retries", "1"), env=env)
    assert failed.code == 3
    hub.clear_faults()
    outputs = [failed]
    outputs.append(run_cli(scan_args(hub, db, "--page-size", "300"), env=env))
    assert outputs[-1].code == 0, outputs[-1].stderr
    outputs.append(run_cli(["status", "--db", str(db), "--json"], env=env))
    outputs.append(run_cli(["sql", "--db", str(db), "SELECT * FROM scans"], env=env))
    outputs.append(run_cli(["scan", "--endpoint", "http://127.0.0.1:9", "--db", str(db), "--max-retries", "0",
                            "--timeout", "1"], env=env))
    # The token did travel: the fake Hub saw it as a bearer token on the listing.
    assert hub.stats().get("authorization_seen", 0) > 0
    for result in outputs:
        assert TOKEN not in result.stdout and TOKEN not in result.stderr
    assert TOKEN.encode() not in _all_bytes_under(tmp_path)
