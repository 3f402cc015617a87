"""Bad input, each answered with one line on stderr, a meaningful exit code, nothing on stdout and
no traceback; the stored database is never changed by a refused command.

The table below is the README's "Bad input" table: keep them in step.
"""

from __future__ import annotations

import hashlib
import shutil
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from hfscan.testing.fakehub import FakeHub
from tests.crawl.helpers import query, run_cli, scan_args

BLOCK_HEADER = 3 * 4096  # DuckDB: file header + two database headers, then 256 KiB blocks


@dataclass(frozen=True)
class Case:
    name: str
    args: Callable[[dict[str, str]], list[str]]
    code: int
    says: str
    stdout: str = ""  # what stdout must contain; "" = stdout must be empty


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A real scanned database and damaged variants of it, plus endpoints that misbehave."""
    root = tmp_path_factory.mktemp("bad_input")
    good = root / "good.duckdb"
    with FakeHub(models=400, seed=5) as hub:
        assert run_cli(scan_args(hub, good)).code == 0
    paths = {"root": str(root), "good": str(good), "missing": str(root / "missing.duckdb")}

    not_duckdb = root / "notes.duckdb"
    not_duckdb.write_text("these are notes, not a database\n")
    paths["not_duckdb"] = str(not_duckdb)

    header = root / "damaged_header.duckdb"
    shutil.copy(good, header)
    _scribble(header, BLOCK_HEADER + 100)
    paths["damaged_header"] = str(header)

    # Every block whose damage still lets the file open (the catalog's blocks are spared, wherever
    # DuckDB put them): the file opens, reads of the data fail.
    blocks = root / "damaged_blocks.duckdb"
    shutil.copy(good, blocks)
    size = blocks.stat().st_size
    for offset in range(BLOCK_HEADER + 262144 + 100, size, 262144):
        trial = root / "trial.duckdb"
        shutil.copy(blocks, trial)
        _scribble(trial, offset)
        try:
            duckdb.connect(str(trial), read_only=True).execute("SELECT count(*) FROM duckdb_tables()").close()
        except duckdb.Error:
            continue
        finally:
            trial.unlink()
        _scribble(blocks, offset)
    paths["damaged_blocks"] = str(blocks)

    newer = root / "newer.duckdb"
    shutil.copy(good, newer)
    con = duckdb.connect(str(newer))
    con.execute("INSERT INTO schema_migrations SELECT 99, now(), 'from a future hfscan'")
    con.close()
    paths["newer"] = str(newer)

    not_hfscan = root / "other.duckdb"
    duckdb.connect(str(not_hfscan)).execute("CREATE TABLE t (x INT)").close()
    paths["not_hfscan"] = str(not_hfscan)

    (root / "a_folder.duckdb").mkdir()
    paths["folder"] = str(root / "a_folder.duckdb")

    # An endpoint that accepts connections and never answers (a hung server).
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)
    paths["silent"] = f"http://127.0.0.1:{silent.getsockname()[1]}"
    # A port nothing listens on (bound, then closed: refused).
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    paths["refused"] = f"http://127.0.0.1:{closed.getsockname()[1]}"
    closed.close()
    held: list[socket.socket] = []
    stop = threading.Event()

    def hold() -> None:  # accept and keep connections open without a byte of answer
        silent.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(silent.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    paths["good_sha"] = _digest(good)
    yield paths
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    silent.close()


def _scribble(path: Path, offset: int) -> None:
    with path.open("r+b") as f:
        f.seek(offset)
        f.write(b"\x5a" * 64)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


FAST = ["--retry-wait", "0.05", "--timeout", "1", "--max-retries", "1"]

CASES = [
    # the database
    Case("database does not exist", lambda p: ["shares", "--db", p["missing"]], 4, "no database at"),
    Case("database is not DuckDB", lambda p: ["status", "--db", p["not_duckdb"]], 4, "cannot open"),
    Case("database is DuckDB but not hfscan's", lambda p: ["shares", "--db", p["not_hfscan"]], 4, "not an hfscan database"),
    Case("database header damaged", lambda p: ["sql", "--db", p["damaged_header"], "SELECT 1"], 4, "Corrupt database"),
    Case("database blocks damaged (query)", lambda p: ["report", "--db", p["damaged_blocks"],
                                                       "--out", p["root"] + "/r.html"], 4, "the database is damaged"),
    Case("database blocks damaged (check)", lambda p: ["status", "--check", "--db", p["damaged_blocks"]], 5,
         "integrity problem", stdout="cannot be read back (the database is damaged): Corrupt database file"),
    Case("database from a newer hfscan", lambda p: ["shares", "--db", p["newer"]], 4, "newer than this hfscan"),
    Case("scan into a newer database", lambda p: ["scan", "--db", p["newer"], "--endpoint", p["refused"]], 4,
         "newer than this hfscan"),
    Case("--db is a folder", lambda p: ["scan", "--db", p["folder"], "--endpoint", p["refused"]], 4, "is a directory"),
    # the endpoint
    Case("endpoint is not a URL", lambda p: ["scan", "--db", p["root"] + "/e1.duckdb", "--endpoint", "huggingface.co"],
         2, "not an http(s) URL"),
    Case("endpoint refuses connections", lambda p: ["scan", "--db", p["root"] + "/e2.duckdb", "--endpoint", p["refused"],
                                                    *FAST], 3, "no answer from"),
    Case("endpoint never answers", lambda p: ["scan", "--db", p["root"] + "/e3.duckdb", "--endpoint", p["silent"],
                                              *FAST], 3, "no answer from"),
    Case("history --models-from a missing file", lambda p: ["history", "--db", p["good"], "--endpoint", p["silent"],
                                                           "--models-from", p["root"] + "/none.txt"], 2, "cannot read"),
    # options
    Case("--as-of is not a date", lambda p: ["shares", "--db", p["good"], "--as-of", "2021-13-45"], 2, "YYYY-MM-DD"),
    Case("--as-of is a word", lambda p: ["report", "--db", p["good"], "--as-of", "yesterday",
                                         "--out", p["root"] + "/r.html"], 2, "YYYY-MM-DD"),
    Case("--as-of without dashes", lambda p: ["shares", "--db", p["good"], "--as-of", "20211214"], 2, "YYYY-MM-DD"),
    Case("--as-of is empty", lambda p: ["shares", "--db", p["good"], "--as-of", ""], 2, "YYYY-MM-DD"),
    Case("unknown --method", lambda p: ["shares", "--db", p["good"], "--method", "weights"], 2, "'weights' is not one of"),
    Case("unknown report --format", lambda p: ["report", "--db", p["good"], "--format", "pdf"], 2, "'pdf' is not one of"),
    Case("unknown sql --format", lambda p: ["sql", "--db", p["good"], "--format", "xml", "SELECT 1"], 2, "'xml' is not one of"),
    Case("--page-size out of range", lambda p: ["scan", "--db", p["root"] + "/e4.duckdb", "--endpoint", p["refused"],
                                                "--page-size", "5000"], 2, "--page-size"),
    Case("unknown option", lambda p: ["shares", "--db", p["good"], "--colour"], 2, "No such option"),
    # output paths
    Case("report --out cannot be written", lambda p: ["report", "--db", p["good"], "--out", "/proc/hfscan/r.html"], 2,
         "cannot write to /proc/hfscan"),
    Case("report --out is a folder", lambda p: ["report", "--db", p["good"], "--out", p["root"]], 2, "is a folder"),
    Case("export --out cannot be written", lambda p: ["export", "--db", p["good"], "--out", "/proc/hfscan"], 2,
         "cannot write to /proc/hfscan"),
    Case("import of a missing path", lambda p: ["import", "parquet", p["root"] + "/nothing", "--db",
                                                p["root"] + "/i.duckdb"], 2, "does not exist"),
    Case("import of a missing path into a scanned database", lambda p: ["import", "parquet", p["root"] + "/nothing",
                                                                        "--db", p["good"]], 2, "does not exist"),
    # sql
    Case("sql that writes", lambda p: ["sql", "--db", p["good"], "DELETE FROM scan_log"], 2, "read-only"),
    Case("sql that creates", lambda p: ["sql", "--db", p["good"], "CREATE TABLE x (a INT)"], 2, "read-only"),
    Case("sql that copies to a file", lambda p: ["sql", "--db", p["good"],
                                                 f"COPY (SELECT 1) TO '{p['root']}/leak.csv'"], 2, "read-only"),
    Case("sql that attaches a file", lambda p: ["sql", "--db", p["good"], f"ATTACH '{p['root']}/x.duckdb' AS x"],
         2, "read-only"),
    Case("sql that reads a local file", lambda p: ["sql", "--db", p["good"], "SELECT * FROM read_csv('/etc/passwd')"],
         2, "file system"),
    Case("sql that re-enables the file system", lambda p: ["sql", "--db", p["good"], "SET enable_external_access = true"],
         2, "the query failed"),
    Case("sql that does not parse", lambda p: ["sql", "--db", p["good"], "SELEC count(*) FROM scans"], 2, "does not parse"),
    Case("sql that is empty", lambda p: ["sql", "--db", p["good"], "  "], 2, "empty"),
    Case("sql naming a missing table", lambda p: ["sql", "--db", p["good"], "SELECT * FROM models"], 2, "the query failed"),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_is_one_line_an_exit_code_and_no_traceback(case: Case, files: dict[str, str]) -> None:
    args = case.args(files)
    result = run_cli(args, timeout=120)
    if files["good"] in args:  # a refused command never changes the database it was pointed at
        assert _digest(Path(files["good"])) == files["good_sha"]
    assert result.code == case.code, result.stderr
    if case.stdout:  # status --check prints its findings as data, then fails
        assert case.stdout in result.stdout
    else:
        assert result.stdout == ""
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("hfscan: error:")]
    assert len(errors) == 1, result.stderr
    assert case.says in errors[0], errors[0]
    other = [line for line in result.stderr.splitlines()
             if line.strip() and not line.startswith(("hfscan: error:", "hint:", "waiting "))]
    assert other == [], result.stderr


# The refused commands that would write a file if the sandbox let them.
WRITERS = [c for c in CASES if c.name in {"sql that writes", "sql that creates", "sql that copies to a file",
                                          "sql that attaches a file"}]


def test_refused_commands_leave_the_database_as_it_was(files: dict[str, str]) -> None:
    """Self-contained (it runs its own commands, alone or after the table): not a byte of the good
    database changed, no stray file, the database still checks out."""
    assert len(WRITERS) == 4
    root = Path(files["root"])
    for case in WRITERS:
        result = run_cli(case.args(files), timeout=120)
        assert result.code == case.code, (case.name, result.stderr)
    assert _digest(Path(files["good"])) == files["good_sha"]
    assert not (root / "leak.csv").exists()
    assert not (root / "x.duckdb").exists()
    check = run_cli(["status", "--check", "--db", files["good"]])
    assert check.code == 0, check.stderr
    assert query(Path(files["good"]), "SELECT count(*) FROM scans WHERE status = 'complete'")[0][0] == 1


def test_debug_shows_the_traceback(files: dict[str, str]) -> None:
    result = run_cli(["--debug", "shares", "--db", files["missing"]], process=True)  # a traceback is what a process prints
    assert result.code != 0
    assert "Traceback" in result.stderr
