"""Hostile dumps, queries and output: a fault matrix, one row per attack.

Every row builds a hostile input (a Parquet file, a dataset repo on the fake Hub, a query, a model
id), runs the real CLI in a subprocess and checks the answer the README's reliability table gives:
the exit code, one line on stderr naming the problem, and what is stored afterwards (compared
with what the row planted, never with what the code returned before). The next attack is one more
row. Fixtures live in this file on purpose (no conftest.py in tests/hostile/).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread

import duckdb
import pytest

from hfscan.testing.fakehub import FakeHub
from hfscan.testing.fakehub.datasets_repo import DatasetCommit
from hfscan.testing.fakehub.population import BASE_END
from hfscan.testing.fakehub.series_repos import SeriesRepo
from tests.crawl.helpers import REPO_ROOT, query, run_cli, scan_args

ESC = "\x1b"


# --- hostile Parquet files ---------------------------------------------------------------------

def write_parquet(path: Path, select: str) -> Path:
    """A Parquet file made by DuckDB from one SELECT (the rows a hostile publisher chose)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    try:
        con.execute(f"COPY ({select}) TO '{path}' (FORMAT parquet, COMPRESSION zstd)")
    finally:
        con.close()
    return path


def models_select(n: int, extra: str = "", ids: str = "'org/m' || i") -> str:
    """n Hub-like rows (id, sha, lastModified, tags, siblings), plus `extra` columns."""
    return (f"SELECT {ids} AS id, md5(i::VARCHAR) AS sha, TIMESTAMP '2025-01-01' + i * INTERVAL 1 MINUTE AS lastModified, "
            f"['pytorch'] AS tags, [{{'rfilename': 'pytorch_model.bin'}}] AS siblings {extra} FROM range({n}) t(i)")


@dataclass(frozen=True)
class DumpCase:
    name: str
    build: Callable[[Path], Path]   # writes the hostile input under the folder, returns the path to import
    code: int                       # exit code of `import parquet`
    says: str                       # in stderr (code != 0) or stdout (code == 0)
    snapshots: int                  # complete snapshots stored afterwards
    models: int | None = None       # models in the latest snapshot afterwards


def _corrupt(folder: Path) -> Path:
    good = write_parquet(folder / "good.parquet", models_select(5000))
    data = bytearray(good.read_bytes())
    middle = len(data) // 3
    data[middle:middle + 2000] = os.urandom(2000)  # the footer stays: the schema reads, the pages do not
    good.write_bytes(bytes(data))
    return good


def _not_parquet(folder: Path) -> Path:
    folder.mkdir(parents=True)
    path = folder / "models.parquet"
    path.write_bytes(b"<html>not a parquet file</html>")
    return path


DUMP_CASES = [
    DumpCase("future snapshot_at", lambda d: write_parquet(
        d / "f.parquet", models_select(20, ", TIMESTAMP '2099-01-01' AS snapshot_at")), 2, "after now", 0),
    DumpCase("duplicate ids deduplicated with a count", lambda d: write_parquet(
        d / "f.parquet", models_select(20, ids="'org/m' || (i % 10)")), 0, "10 duplicate", 1, 10),
    DumpCase("scan_id column is not N snapshots", lambda d: write_parquet(
        d / "f.parquet", models_select(50, ", i AS scan_id")), 2, "one snapshot per file", 0),
    DumpCase("list explosion (20 KB, 10M siblings)", lambda d: write_parquet(
        d / "f.parquet", "SELECT 'a/b' AS id, 'x' AS sha, (SELECT list({'rfilename': 'model.safetensors'}) "
        "FROM range(10000000)) AS siblings"), 2, "too large", 0),
    DumpCase("huge string (7 KB, 200 MB)", lambda d: write_parquet(
        d / "f.parquet", "SELECT 'a/b' AS id, 'x' AS sha, repeat('A', 200000000) AS lastModified"), 2, "too large", 0),
    DumpCase("corrupt pages", _corrupt, 2, "cannot read", 0),
    DumpCase("not Parquet", _not_parquet, 2, "cannot read", 0),
    DumpCase("model id column is not text", lambda d: write_parquet(
        d / "f.parquet", "SELECT [1, 2] AS id, 'x' AS sha FROM range(3)"), 2, "model id", 0),
    DumpCase("no rows", lambda d: write_parquet(d / "f.parquet", models_select(0)), 2, "no model", 0),
]


@pytest.mark.parametrize("case", DUMP_CASES, ids=[c.name for c in DUMP_CASES])
def test_hostile_dump_is_refused_or_cleaned_before_anything_is_stored(tmp_path: Path, case: DumpCase) -> None:
    db = tmp_path / "hfscan.duckdb"
    path = case.build(tmp_path / "in")
    result = run_cli(["import", "parquet", str(path), "--db", str(db)], timeout=120)
    assert result.code == case.code, result.stderr
    assert "Traceback" not in result.stderr
    if case.code:
        assert case.says in result.stderr and len(result.stderr.strip().splitlines()) <= 2, result.stderr
        assert result.stdout == ""
    else:
        assert case.says in result.stdout + result.stderr, result.stdout + result.stderr
    if db.exists():
        assert query(db, "SELECT count(*) FROM scans WHERE status = 'complete'") == [(case.snapshots,)]
        if case.models is not None:
            assert query(db, "SELECT count(*), count(DISTINCT model_id) FROM latest_models") == [(case.models,) * 2]
        check = run_cli(["status", "--check", "--db", str(db)])
        assert check.code == 0, check.stderr
    else:
        assert case.snapshots == 0
    assert not list(tmp_path.glob("*.tmp")), "the import left its spill folder behind"


def test_the_same_file_imported_twice_is_one_snapshot(tmp_path: Path) -> None:
    """"The same" is the same bytes: the file's sha256, whatever its path (a copy is the same file)."""
    db = tmp_path / "hfscan.duckdb"
    first = write_parquet(tmp_path / "a" / "models.parquet", models_select(30))
    copy = tmp_path / "b" / "renamed.parquet"
    copy.parent.mkdir()
    copy.write_bytes(first.read_bytes())
    assert run_cli(["import", "parquet", str(first), "--db", str(db)]).code == 0
    again = run_cli(["import", "parquet", str(first), "--db", str(db), "--json"])
    assert again.code == 0, again.stderr
    assert json.loads(again.stdout)["snapshots"] == [] and json.loads(again.stdout)["skipped"] == [1]
    assert run_cli(["import", "parquet", str(copy), "--db", str(db)]).code == 0
    assert query(db, "SELECT count(*) FROM scans WHERE status = 'complete'") == [(1,)]
    other = write_parquet(tmp_path / "c" / "models.parquet", models_select(31))
    assert run_cli(["import", "parquet", str(other), "--db", str(db)]).code == 0
    assert query(db, "SELECT count(*) FROM scans WHERE status = 'complete'") == [(2,)]


# --- a hostile series on the fake Hub ----------------------------------------------------------

EVIL_REPO = "evil/series"


@pytest.fixture
def evil_series(tmp_path: Path) -> Iterator[FakeHub]:
    """A by-path series with one good week, one undated file and one dated in the future."""
    good = write_parquet(tmp_path / "good.parquet", models_select(40))
    other = write_parquet(tmp_path / "other.parquet", models_select(45))
    files = (("models/2026-01-05/models.parquet", ("file", str(good))),
             ("models/latest/models.parquet", ("file", str(other))),
             ("models/2099-01-01/models.parquet", ("file", str(other))))
    with FakeHub(models=50, seed=3) as hub:
        commit = DatasetCommit("e" * 40, BASE_END, "Add snapshots", files)
        hub.hub.datasets[EVIL_REPO] = SeriesRepo(EVIL_REPO, hub.population, (commit,))
        yield hub


def test_an_undated_or_future_file_is_skipped_with_a_count_not_the_series(tmp_path: Path, evil_series: FakeHub) -> None:
    db = tmp_path / "hfscan.duckdb"
    env = {"HF_ENDPOINT": evil_series.url, "TMPDIR": str(tmp_path / "tmp")}
    (tmp_path / "tmp").mkdir()
    result = run_cli(["import", "hf-dataset", EVIL_REPO, "--files", "models/*/models.parquet", "--db", str(db),
                      "--json"], env=env)
    assert result.code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["imported"] == 1 and summary["undated"] == 2, summary
    assert "models/latest/models.parquet" in result.stderr and "2099-01-01" in result.stderr
    assert query(db, "SELECT count(*) FROM scans WHERE status = 'complete'") == [(1,)]
    assert query(db, "SELECT count(*) FROM latest_models") == [(40,)]
    # nothing is left in the temporary folder or beside the database
    assert not list((tmp_path / "tmp").iterdir())
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("hfscan.duckdb")) == ["hfscan.duckdb"]


def test_a_killed_dump_download_leaves_nothing_in_tmp(tmp_path: Path, evil_series: FakeHub) -> None:
    """The dump is downloaded beside the database (not /tmp) and a stale folder is removed on start."""
    db = tmp_path / "hfscan.duckdb"
    db_tmp = tmp_path / "hfscan.duckdb.import"
    stale = db_tmp / "hfscan-series-killed"
    stale.mkdir(parents=True)
    (stale / "models.parquet").write_bytes(b"x" * 1000)  # what a kill -9 mid-download leaves
    (tmp_path / "tmp").mkdir()
    env = {"HF_ENDPOINT": evil_series.url, "TMPDIR": str(tmp_path / "tmp")}
    result = run_cli(["import", "hf-dataset", EVIL_REPO, "--files", "models/2026-*/models.parquet",
                      "--db", str(db)], env=env)
    assert result.code == 0, result.stderr
    assert not stale.exists() and not (db_tmp.exists() and list(db_tmp.iterdir()))
    assert not list((tmp_path / "tmp").iterdir())


# --- scans: an empty or shrunken listing -------------------------------------------------------

class _EmptyListing(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"[]"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def empty_endpoint() -> Iterator[str]:
    """A second small server: every listing answers `[]` with status 200."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _EmptyListing)
    thread = Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("shrunk", ["empty page", "under half"])
def test_an_empty_or_shrunken_listing_is_not_stored_unless_confirmed(tmp_path: Path, empty_endpoint: str,
                                                                     shrunk: str) -> None:
    db = tmp_path / "hfscan.duckdb"
    with FakeHub(models=300, seed=9) as hub:
        assert run_cli(scan_args(hub, db)).code == 0
    before = query(db, "SELECT model_id, sha FROM latest_models ORDER BY 1")
    with FakeHub(models=100, seed=9) as smaller:  # the same Hub, a third of it listed
        if shrunk == "empty page":
            args = ["scan", "--endpoint", empty_endpoint, "--db", str(db), "--retry-wait", "0.05", "--timeout", "5"]
        else:
            args = scan_args(smaller, db)
        refused = run_cli(args)
        assert refused.code == 3, refused.stderr
        assert "--allow-shrink" in refused.stderr and "Traceback" not in refused.stderr
        assert query(db, "SELECT model_id, sha FROM latest_models ORDER BY 1") == before
        assert query(db, "SELECT count(*) FROM scans WHERE status = 'complete'") == [(1,)]
        confirmed = run_cli([*args, "--allow-shrink"])
        assert confirmed.code == 0, confirmed.stderr
        expected = 0 if shrunk == "empty page" else len(smaller.model_ids())
    assert query(db, "SELECT count(*) FROM latest_models") == [(expected,)]
    assert expected < len(before) / 2


def test_an_empty_staging_file_is_not_an_interrupted_scan(tmp_path: Path) -> None:
    db = tmp_path / "hfscan.duckdb"
    with FakeHub(models=50, seed=2) as hub:
        assert run_cli(scan_args(hub, db)).code == 0
        duckdb.connect(str(tmp_path / "hfscan.duckdb.scan")).close()  # created, then killed before begin()
        status = run_cli(["status", "--db", str(db)])
        assert status.code == 0 and "None" not in status.stdout + status.stderr, status.stdout
        assert run_cli(scan_args(hub, db)).code == 0


# --- sql and explain ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def planted_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An imported snapshot whose model ids carry terminal escapes and other control characters."""
    root = tmp_path_factory.mktemp("planted")
    ids = ("CASE WHEN i = 0 THEN 'evil/' || chr(27) || ']0;pwned' || chr(7) || chr(27) || '[2J' "
           "WHEN i = 1 THEN 'evil/bidi' || chr(8238) || 'txt.exe' || chr(155) || '31m' "
           "WHEN i = 2 THEN 'evil/new' || chr(10) || 'line' || chr(13) || chr(8) ELSE 'org/m' || i END")
    path = write_parquet(root / "planted.parquet", models_select(3000, ids=ids))
    db = root / "hfscan.duckdb"
    result = run_cli(["import", "parquet", str(path), "--db", str(db)])
    assert result.code == 0, result.stderr
    return db


RAW_CONTROL = [chr(c) for c in (*range(0, 9), *range(11, 32), 127, *range(128, 160))] + ["\u202e"]


def _raw_controls(text: str) -> list[str]:
    return sorted({repr(c) for c in text if c in RAW_CONTROL})


@pytest.mark.parametrize("args", [
    ["sql", "SELECT model_id FROM latest_models WHERE model_id LIKE 'evil/%' ORDER BY 1"],
    ["sql", "SELECT model_id AS \"x\u001b[31m\" FROM latest_models WHERE model_id LIKE 'evil/%'"],
    ["explain", "evil/\x1b]0;pwned\x07\x1b[2J"],
    ["explain", "evil/\x1b]0;not-there\x07"],
], ids=["sql table", "sql column name", "explain", "explain error"])
def test_control_characters_are_escaped_in_text_output(planted_db: Path, args: list[str]) -> None:
    result = run_cli([*args, "--db", str(planted_db)])
    shown = result.stdout if result.code == 0 else result.stderr
    assert result.code == (2 if "not-there" in args[1] else 0), result.stderr
    assert _raw_controls(result.stdout + result.stderr) == [], shown
    assert "\\x1b" in shown  # shown, not executed


def test_csv_is_escaped_on_a_terminal_and_exact_in_a_pipe(planted_db: Path) -> None:
    import pty

    args = [sys.executable, "-m", "hfscan", "sql", "SELECT model_id FROM latest_models WHERE model_id LIKE 'evil/%'",
            "--format", "csv", "--db", str(planted_db)]
    main, tty = pty.openpty()
    proc = subprocess.Popen(args, stdout=tty, stderr=subprocess.PIPE, cwd=REPO_ROOT)
    os.close(tty)
    shown = b""
    while True:
        try:
            block = os.read(main, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not block:
            break
        shown += block
    os.close(main)
    assert proc.wait(timeout=60) == 0
    shown = shown.replace(b"\r\n", b"\n")  # the terminal's own line ends
    assert _raw_controls(shown.decode()) == [] and "\\x1b" in shown.decode(), shown
    piped = run_cli(args[3:])
    assert "evil/\x1b]0;pwned\x07\x1b[2J" in piped.stdout  # a pipe or a file gets the data as it is


def test_json_output_keeps_the_ids_exactly(planted_db: Path) -> None:
    result = run_cli(["sql", "SELECT model_id FROM latest_models WHERE model_id LIKE 'evil/%' ORDER BY 1",
                      "--format", "json", "--db", str(planted_db)])
    ids = [r["model_id"] for r in json.loads(result.stdout)]
    assert "evil/\x1b]0;pwned\x07\x1b[2J" in ids  # JSON escapes them itself; the data stays exact
    assert ESC not in result.stdout


def test_table_output_is_capped_with_a_note(planted_db: Path) -> None:
    result = run_cli(["sql", "SELECT model_id FROM latest_models WHERE model_id LIKE 'org/%'", "--db", str(planted_db),
                      "--max-rows", "100"])
    assert result.code == 0, result.stderr
    assert result.stdout.count("org/m") == 100
    assert "first 100 rows" in result.stderr
    default = run_cli(["sql", "SELECT i FROM range(20000) t(i)", "--db", str(planted_db)])
    assert default.code == 0 and "first 10,000 rows" in default.stderr
    whole = run_cli(["sql", "SELECT i FROM range(20000) t(i)", "--db", str(planted_db), "--format", "csv",
                     "--max-rows", "0"])
    assert whole.code == 0 and len(whole.stdout.splitlines()) == 20001 and whole.stderr == ""


CROSS_JOIN = ("SELECT a.model_id, b.model_id, c.model_id, d.model_id FROM latest_models a, latest_models b, "
              "latest_models c, latest_models d ORDER BY 1, 2, 3, 4")


def test_the_cli_defaults_are_the_query_module_defaults() -> None:
    from hfscan.cli import sql as cli_sql
    from hfscan.store import query

    assert (cli_sql.DEFAULT_TIMEOUT, cli_sql.DEFAULT_MAX_ROWS) == (query.DEFAULT_TIMEOUT, query.DEFAULT_MAX_ROWS)


def test_a_query_past_its_timeout_stops_with_one_line(planted_db: Path) -> None:
    result = run_cli(["sql", CROSS_JOIN, "--db", str(planted_db), "--timeout", "2"], timeout=120)
    assert result.code == 2, result.stderr
    assert "--timeout" in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def test_ctrl_c_stops_a_running_query_and_memory_stays_under_the_limit(planted_db: Path) -> None:
    """A real process: SIGINT while DuckDB runs a cross join of 8e13 rows (the ORDER BY spills)."""
    proc = subprocess.Popen([sys.executable, "-m", "hfscan", "sql", CROSS_JOIN, "--db", str(planted_db),
                             "--timeout", "600"], cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, "HFSCAN_MEMORY_LIMIT": "300MB"})
    peak = 0
    try:
        for _ in range(60):  # until the query has run a while (measured by CPU, never wall-clock asserts)
            time.sleep(0.1)
            peak = max(peak, _rss_kb(proc.pid))
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
    assert peak < 1_000_000, f"peak RSS {peak} kB"  # 300 MB limit + Python and libraries
    assert not list(planted_db.parent.glob("*.tmp/*")), "spill files left behind"


# --- leftovers after a failure ------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["html", "svg"])
def test_a_report_that_cannot_be_written_leaves_no_tmp(planted_db: Path, tmp_path: Path, fmt: str) -> None:
    """A real full disk (RLIMIT_FSIZE: writes past 8 KB fail with EFBIG, as ENOSPC would)."""
    import resource

    def limit_file_size() -> None:  # runs in the child only
        resource.setrlimit(resource.RLIMIT_FSIZE, (8_000, 8_000))

    out = tmp_path / "out" / f"report.{fmt}"
    proc = subprocess.run([sys.executable, "-m", "hfscan", "report", "--db", str(planted_db), "--out", str(out),
                           "--format", fmt], cwd=REPO_ROOT, capture_output=True, text=True, timeout=300,
                          preexec_fn=limit_file_size)
    assert proc.returncode == 4, proc.stderr
    assert "Traceback" not in proc.stderr
    assert sorted(p.name for p in out.parent.iterdir()) == [], "a partial report or its .tmp was left"


@pytest.mark.parametrize("raw, shown", [
    ("google-bert/bert-base-uncased", "google-bert/bert-base-uncased"),
    ("café/模型-ß", "café/模型-ß"),                       # printable text is kept as it is
    ("a/\x1b[2Jb", "a/\\x1b[2Jb"),                        # ESC (C0)
    ("a/\x9b31mb", "a/\\x9b31mb"),                        # CSI (C1)
    ("a/b\u202etxt.exe", "a/b\\u202etxt.exe"),           # right-to-left override
    ("a/b\nc\td\x00", "a/b\\x0ac\\x09d\\x00"),            # line breaks, tabs, NUL
    ("a/\u2028b", "a/\\u2028b"),                          # line separator
])
def test_printable_escapes_what_a_terminal_would_obey(raw: str, shown: str) -> None:
    from hfscan.text import printable

    assert printable(raw) == shown
    assert printable(shown) == shown  # idempotent: escaping twice changes nothing
