"""A planted token must never reach the database, the staging/progress files, output or errors."""

from __future__ import annotations

from pathlib import Path

import pytest

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


def _run_in_process(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    from hfscan.cli import main

    try:
        main(args)
        code = 0
    except SystemExit as e:
        code = int(e.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_no_library_message_carries_the_token_even_without_redaction(
    hub: FakeHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The redactor hides a token in stderr; this proves there is nothing to hide: with redaction
    switched off, no error, hint or note of any failing verb contains the token."""
    import hfscan.cli

    monkeypatch.setattr(hfscan.cli, "redact", lambda text: text)
    hfscan.cli._fail(f"sanity {TOKEN}", None, 1)  # redaction is really off: the token would show
    assert TOKEN in capsys.readouterr().err
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    db = tmp_path / "hfscan.duckdb"
    ids = tmp_path / "ids.txt"
    ids.write_text("\n".join(hub.model_ids()[:40]) + "\n")
    fast = ["--retry-wait", "0.01", "--max-retries", "1"]
    failing: list[tuple[list[dict], list[str]]] = [
        ([{"kind": "401", "route": "listing", "page": 1, "count": 1}], scan_args(hub, db)),
        ([{"kind": "5xx", "route": "listing", "page": 2, "count": 50, "status": [503]}],
         scan_args(hub, db, "--page-size", "300", "--max-retries", "1")),
        ([], ["scan", "--endpoint", "http://127.0.0.1:9", "--db", str(tmp_path / "other.duckdb"),
              "--max-retries", "0", "--timeout", "1"]),
    ]
    errors: list[str] = []
    for faults, args in failing:
        hub.set_faults(faults)
        code, out, err = _run_in_process(args, capsys)
        assert code == 3, err
        errors += [line for line in err.splitlines() if line.startswith("hfscan: error:")]
        assert TOKEN not in out and TOKEN not in err, err
    assert len(errors) == 3  # every failure did produce its message
    hub.clear_faults()
    code, _, err = _run_in_process(scan_args(hub, db, "--page-size", "300"), capsys)
    assert code == 0, err
    # Per-repo calls that fail: their notes and summaries go to stderr/stdout too.
    hub.set_faults([{"kind": "401", "route": "commits", "every": 3, "count": 5},
                    {"kind": "5xx", "route": "resolve", "every": 4, "count": 20, "status": [500]}])
    for args in (["history", "--endpoint", hub.url, "--db", str(db), "--models-from", str(ids), *fast],
                 ["probe", "--endpoint", hub.url, "--db", str(db), "--models-from", str(ids), *fast]):
        code, out, err = _run_in_process(args, capsys)
        assert TOKEN not in out and TOKEN not in err, err
    assert hub.stats()["faults_fired"] > 0
    assert hub.stats().get("authorization_seen", 0) > 0  # the token did travel
