"""Creation dates on a fake Hub shaped like the real one (docs/CREATION_DATES.md).

The placeholder `createdAt` spans two seconds (23:29:04 and 23:29:05), every `_id` carries the
listed createdAt, and a few newer repos have a first commit that is not their creation. The
as-of reconstruction must be exact against the planted truth all the same.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from hfscan.testing.fakehub import FakeHub
from tests.crawl.helpers import ALL_GATE_ACCESS, GATE_TOKEN, query, run_cli, scan_args

AS_OF = "2021-12-14"


@pytest.fixture(autouse=True)
def _gate_token(monkeypatch: pytest.MonkeyPatch) -> None:
    """History here must read every planted commit log, gated repos' too (tests/crawl/helpers.py)."""
    monkeypatch.setenv("HF_TOKEN", GATE_TOKEN)


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FakeHub, Path]]:
    db = tmp_path_factory.mktemp("created") / "hfscan.duckdb"
    with FakeHub(models=1500, seed=18, gate_access=ALL_GATE_ACCESS) as hub:
        assert run_cli(scan_args(hub, db)).code == 0
        yield hub, db


def history(hub: FakeHub, db: Path, *extra: str) -> dict:
    result = run_cli(["history", "--endpoint", hub.url, "--db", str(db), "--retry-wait", "0.01", "--json", *extra])
    assert result.code == 0, result.stderr
    return json.loads(result.stdout)


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", ""))


def test_both_placeholder_seconds_are_recognised(scanned: tuple[FakeHub, Path]) -> None:
    hub, db = scanned
    truth = hub.truth(per_model=True)
    assert len(truth["placeholders"]) == 2 and min(truth["placeholders"].values()) > 20
    clamped = {m["id"] for m in truth["per_model"] if m["clamped"]}
    rows = query(db, "SELECT model_id, created_at_clamped, hub_id, hub_id_created_at, created_at FROM latest_models")
    assert {r[0] for r in rows if r[1]} == clamped
    # The stored `_id` is the listing's, and its time is the listed createdAt for every repo.
    planted = {m["id"]: m["_id"] for m in truth["per_model"]}
    assert all(r[2] == planted[r[0]] and r[3] == r[4] for r in rows)


def test_as_of_before_the_import_is_exact_across_both_seconds(scanned: tuple[FakeHub, Path]) -> None:
    hub, db = scanned
    truth = hub.truth(as_of=[AS_OF])
    result = history(hub, db, "--as-of", AS_OF)  # the default selection: every placeholder repo
    assert result["repos"] == truth["clamped"]
    shares = run_cli(["shares", "--db", str(db), "--as-of", AS_OF, "--json"])
    assert shares.code == 0, shares.stderr
    got = json.loads(shares.stdout)
    assert got["counts"] == {k: truth["as_of"][AS_OF].get(k, 0) for k in got["counts"]}
    assert got["missing"] == 0 and got["coverage"] == 1.0


def test_first_commit_is_named_for_what_it_is_and_checked_against_the_id(scanned: tuple[FakeHub, Path]) -> None:
    hub, db = scanned
    models = {m["id"]: m for m in hub.truth(per_model=True)["per_model"]}
    odd = sorted(i for i, m in models.items() if m["first_commit_not_creation"])
    normal = sorted(i for i, m in models.items() if not m["clamped"] and not m["first_commit_not_creation"])[:20]
    assert len(odd) >= 4
    wanted = db.with_name("odd.txt")
    wanted.write_text("\n".join(odd + normal))
    history(hub, db, "--models-from", str(wanted))
    rows = query(db, """SELECT model_id, created_at_best, first_commit_at, first_commit_not_creation
                        FROM model_created WHERE first_commit_at IS NOT NULL""")
    by_id = {r[0]: r for r in rows}
    for model_id, model in models.items():
        if model_id not in by_id:
            continue
        _, created, first_commit, flagged = by_id[model_id]
        assert first_commit == _utc(model["first_commit"])
        # Creation: the first commit for placeholder repos, the listed createdAt for the others.
        assert created == (_utc(model["created"]) if not model["clamped"] else first_commit)
        # The flag is raised exactly where the planted first commit is not the creation.
        assert flagged == model["first_commit_not_creation"], model_id
    assert {r[0] for r in rows if r[3]} == set(odd)
    # The old column name still answers, with the same dates.
    assert query(db, "SELECT count(*) FROM model_created WHERE true_created_at IS DISTINCT FROM created_at_best")[0][0] == 0


def test_as_of_ignores_commits_dated_before_the_repo_existed(scanned: tuple[FakeHub, Path]) -> None:
    """With every repo's commit log stored, backdated commits must not make a repo exist early."""
    hub, db = scanned
    models = hub.truth(per_model=True)["per_model"]
    # The planted trap: a day after a backdated first commit and before the repo's creation.
    backdated = min((m for m in models if m["first_commit"] < m["created"] and m["first_commit_not_creation"]),
                    key=lambda m: m["first_commit"])
    trap = backdated["first_commit"][:10]
    assert trap < backdated["created"][:10]
    history(hub, db, "--all", "--as-of", AS_OF, "--as-of", trap)
    for day in (AS_OF, trap):
        expected = hub.truth(as_of=[day])["as_of"][day]
        result = run_cli(["shares", "--db", str(db), "--as-of", day, "--json"])
        assert result.code == 0, result.stderr
        got = json.loads(result.stdout)
        assert got["counts"] == {k: expected.get(k, 0) for k in got["counts"]}, day
        assert got["missing"] == 0 and got["coverage"] == 1.0


def test_imported_dumps_use_the_same_rule(tmp_path: Path) -> None:
    """A dump: both placeholder seconds, a real date, and a row whose only date is its `_id`."""
    import polars as pl

    rows = [  # (id, _id, createdAt, placeholder?) — the two first `_id`s are real ones (gpt2, all-MiniLM-L6-v2)
        ("openai-community/gpt2", "621ffdc036468d709f17434d", "2022-03-02T23:29:04.000Z", True),
        ("sentence-transformers/all-MiniLM-L6-v2", "621ffdc136468d709f17ddb4", "2022-03-02T23:29:05.000Z", True),
        ("x/no-date", "621ffdc136468d709f17ddb5", None, True),
        ("x/new", "6500000036468d709f17ddb6", "2023-09-12T06:06:56.000Z", False),
        ("x/nothing", None, None, None),
    ]
    dump = tmp_path / "dump.parquet"
    pl.DataFrame({"id": [r[0] for r in rows], "_id": [r[1] for r in rows], "createdAt": [r[2] for r in rows],
                  "tags": [["pytorch"]] * len(rows)}).write_parquet(dump)
    db = tmp_path / "i.duckdb"
    assert run_cli(["import", "parquet", str(dump), "--db", str(db)]).code == 0
    got = dict(query(db, "SELECT model_id, created_at_clamped FROM latest_models"))
    assert got == {r[0]: r[3] for r in rows}


def test_a_day_inside_a_squashed_gap_is_unknown_not_absent(scanned: tuple[FakeHub, Path]) -> None:
    """A repo created before the day whose only history starts after it: its files on the day are on
    no server. It must count as bounded (reason squashed), never as absent."""
    hub, db = scanned
    models = hub.truth(per_model=True)["per_model"]
    squashed = [m for m in models if m["first_commit"][:10] > m["created"][:10] and m["first_commit_not_creation"]]
    assert squashed, "the fake plants squashed histories"
    first = min(squashed, key=lambda m: m["created"])
    day = (datetime.fromisoformat(first["created"][:10]) + timedelta(days=1)).date().isoformat()
    assert first["created"][:10] <= day < first["first_commit"][:10]
    in_gap = {m["id"] for m in squashed if m["created"][:10] <= day < m["first_commit"][:10]}
    history(hub, db, "--all", "--as-of", day)
    answer = run_cli(["shares", "--db", str(db), "--as-of", day, "--partial", "--json"])
    assert answer.code == 0, answer.stderr
    got = json.loads(answer.stdout)
    # Bounded, never absent: the answer is not exact, and says which repos no request can settle.
    assert got["exact"] is False
    assert got["missing_by_reason"] == {"squashed": len(in_gap)}
    assert got["parts"]["bounded_by_reason"] == {"squashed": len(in_gap)}
    refused = run_cli(["shares", "--db", str(db), "--as-of", day, "--max-width", "0"])
    assert refused.code == 2 and refused.stdout == ""
    unknown = {r[0] for r in query(db, f"SELECT model_id FROM as_of_models('{day}') WHERE state = 'unknown'")}
    assert unknown == in_gap
