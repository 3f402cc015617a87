"""`hfscan probe` over repos the Hub refuses: each file's status recorded, the run completes, and
only failed probes are tried again. Ground truth: the access states planted on the fake Hub and the
header formats its population generated."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from hfscan.testing.fakehub import FakeHub
from tests.crawl.helpers import query, run_cli, scan_args

ACCEPTED = "hf_" + "a" * 30  # its user accepted the gates planted for it
WITHOUT_ACCESS = "hf_" + "n" * 30


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FakeHub, Path]]:
    db = tmp_path_factory.mktemp("probe_access") / "hfscan.duckdb"
    with FakeHub(models=400, seed=13) as hub:
        assert run_cli(scan_args(hub, db)).code == 0
        yield hub, db


def with_safetensors(hub: FakeHub, db: Path) -> list[str]:
    """Ungated models with safetensors files in the latest snapshot, by id."""
    rows = query(db, "SELECT model_id FROM latest_models WHERE len(list_filter(files, "
                     "lambda f: lower(f) LIKE '%.safetensors')) > 0 ORDER BY model_id")
    return [r[0] for r in rows if not hub.population.model(hub.population.index_of(r[0])).gated]


def probe(hub: FakeHub, db: Path, ids: list[str], *extra: str, token: str | None = None) -> tuple[int, dict, str]:
    path = db.with_name(f"ids-{len(ids)}-{ids[0].replace('/', '_')}.txt")
    path.write_text("\n".join(ids))
    result = run_cli(["probe", "--endpoint", hub.url, "--db", str(db), "--models-from", str(path),
                      "--retry-wait", "0.01", "--json", *extra], env={"HF_TOKEN": token} if token else None)
    return result.code, (json.loads(result.stdout) if result.stdout else {}), result.stderr


def statuses(db: Path, ids: list[str]) -> dict[str, set[str]]:
    got: dict[str, set[str]] = {}
    for model_id, status in query(db, "SELECT model_id, status FROM header_probes"):
        if model_id in ids:
            got.setdefault(model_id, set()).add(status)
    return got


def test_probe_records_gone_private_gated_and_disabled_repos_and_completes(scanned: tuple[FakeHub, Path]) -> None:
    hub, db = scanned
    ids = with_safetensors(hub, db)[:8]
    gone, private, gated, disabled = ids[:4]
    hub.set_access({gone: "gone", private: "private", gated: "gated", disabled: "disabled"})
    try:
        code, result, stderr = probe(hub, db, ids)
        assert code == 0, stderr
        got = statuses(db, ids)
        assert {m: got[m] for m in ids[:4]} == {gone: {"gone"}, private: {"gone"}, gated: {"gated"},
                                                 disabled: {"disabled"}}
        for model_id, path, fmt, status in query(db, "SELECT model_id, path, format, status FROM header_probes"):
            if model_id in ids[4:]:
                planted = hub.population.model(hub.population.index_of(model_id)).header_format(path)
                assert (fmt, status) == ((planted, "ok") if planted else (None, "no_metadata")), (model_id, path)
        assert result["errors"] == 0
        code, again, _ = probe(hub, db, ids)  # every status is final at this sha
        assert code == 0 and again["requests"] == 0
    finally:
        hub.set_access({})


@pytest.mark.parametrize("token", [None, WITHOUT_ACCESS], ids=["anonymous", "token_without_access"])
def test_a_gated_repo_is_probed_once_without_access_and_read_by_a_token_that_accepted_its_gate(
        scanned: tuple[FakeHub, Path], tmp_path: Path, token: str | None) -> None:
    hub, db = scanned
    db = Path(shutil.copy(db, tmp_path / "copy.duckdb"))  # the module's database stays unprobed
    gated = with_safetensors(hub, db)[20]
    hub.set_access({gated: "gated"})
    hub.set_gate_access({ACCEPTED: {gated}})
    try:
        code, result, stderr = probe(hub, db, [gated], token=token)
        assert code == 0 and result["errors"] == 0, stderr
        assert statuses(db, [gated]) == {gated: {"gated"}}
        before = hub.stats()["route:resolve"]
        code, again, _ = probe(hub, db, [gated], token=token)  # final at this sha: not asked again
        assert code == 0 and again["requests"] == 0 and hub.stats()["route:resolve"] == before
        # The same repo, probed from a fresh copy by a token whose user accepted the gate: read.
        fresh = Path(shutil.copy(scanned[1], tmp_path / "fresh.duckdb"))
        code, read, stderr = probe(hub, fresh, [gated], token=ACCEPTED)
        assert code == 0 and read["errors"] == 0, stderr
        model = hub.population.model(hub.population.index_of(gated))
        rows = query(fresh, f"SELECT path, format, status FROM header_probes WHERE model_id = '{gated}'")
        assert rows
        for path, fmt, status in rows:
            planted = model.header_format(path)
            assert (fmt, status) == ((planted, "ok") if planted else (None, "no_metadata")), path
    finally:
        hub.set_access({})
        hub.set_gate_access({})


def test_failed_probes_are_tried_again_and_only_they(scanned: tuple[FakeHub, Path]) -> None:
    hub, db = scanned
    ids = with_safetensors(hub, db)[8:14]
    hub.set_faults([{"kind": "5xx", "route": "resolve", "count": 1}])
    try:
        code, first, stderr = probe(hub, db, ids, "--max-retries", "0")
    finally:
        hub.clear_faults()
    assert code == 0 and first["errors"] == 1, stderr
    failed = query(db, "SELECT model_id, path FROM header_probes WHERE status = 'error'")
    assert len(failed) >= 1  # the first shard's answer stands for its whole series
    code, second, _ = probe(hub, db, ids)
    assert code == 0 and second["models"] == 1 and second["errors"] == 0
    assert query(db, "SELECT count(*) FROM header_probes WHERE status = 'error'")[0][0] == 0
    assert query(db, "SELECT count(*) FROM (SELECT model_id, sha, path FROM header_probes "
                     "GROUP BY ALL HAVING count(*) > 1)")[0][0] == 0  # the error row was replaced


def test_a_bad_token_stops_the_probe_with_exit_3_and_one_line(scanned: tuple[FakeHub, Path]) -> None:
    hub, db = scanned
    ids = with_safetensors(hub, db)[14:17]
    hub.set_faults([{"kind": "401", "route": "resolve", "count": 10**6}])
    try:
        code, _, stderr = probe(hub, db, ids)
    finally:
        hub.clear_faults()
    assert code == 3
    errors = [line for line in stderr.splitlines() if line.startswith("hfscan: error:")]
    assert len(errors) == 1 and "credentials" in errors[0] and "Traceback" not in stderr
    assert statuses(db, ids) == {}
