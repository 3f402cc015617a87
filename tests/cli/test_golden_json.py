"""The `--json` output of every verb is a contract scripts rely on: its shape is pinned by
tests/golden/<name>.json, made from a run against the fake Hub with fixed inputs.

Compared structurally: the same keys (except in maps whose keys are data, e.g. `neither_breakdown`)
and the same JSON types, list item by list item; exact values where the fake Hub planted them.
After a deliberate change of a shape: `HFSCAN_UPDATE_GOLDEN=1 pytest tests/cli/test_golden_json.py`,
then review the diff of tests/golden/ like any other change to the interface.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hfscan.testing.fakehub import FakeHub
from hfscan.testing.fakehub.datasets_repo import STATS_REPO
from tests.crawl.helpers import query, run_cli, scan_args

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
UPDATE = os.environ.get("HFSCAN_UPDATE_GOLDEN") == "1"
AS_OF = "2021-12-14"
# Dicts whose keys are data (classes of neither, formats, failure kinds), not part of the shape.
DATA_KEYED = {"neither_breakdown", "formats", "failed", "by_method", "known_from", "missing_by_reason", "bounded_by_reason", "trees_failed"}
# Fields that are NULL for some models by definition (no path loads it from that framework, a class
# that is not `neither`): null or the golden's type, whichever model the run happens to explain.
NULLABLE = {"pt_path", "tf_path", "jax_path", "neither_reason"}


def _type(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def assert_same_shape(got: Any, golden: Any, where: str = "$") -> None:
    if isinstance(golden, dict) and where.rsplit(".", 1)[-1] in DATA_KEYED:
        assert isinstance(got, dict), f"{where}: {_type(got)} instead of an object"
        kinds = {_type(v) for v in golden.values()}
        for key, value in got.items():
            assert not kinds or _type(value) in kinds, f"{where}.{key}: {_type(value)} not in {kinds}"
        return
    if where.rsplit(".", 1)[-1] in NULLABLE and (got is None or golden is None):
        return
    assert _type(got) == _type(golden), f"{where}: {_type(got)} instead of {_type(golden)}"
    if isinstance(golden, dict):
        # In the golden's order: scripts and readers see the keys as printed (typed results keep it).
        assert list(got) == list(golden), f"{where}: keys {list(got)} instead of {list(golden)}"
        for key in golden:
            assert_same_shape(got[key], golden[key], f"{where}.{key}")
    elif isinstance(golden, list):
        assert bool(got) == bool(golden), f"{where}: {len(got)} items where the golden file has {len(golden)}"
        for i, item in enumerate(got):
            assert_same_shape(item, golden[min(i, len(golden) - 1)], f"{where}[{i}]")


class Run:
    """Every verb, once, against one fake Hub; outputs collected by golden name."""

    def __init__(self, hub: FakeHub, tmp: Path) -> None:
        self.hub, self.tmp = hub, tmp
        self.db = tmp / "hfscan.duckdb"
        self.outputs: dict[str, dict[str, Any]] = {}
        self.model = ""

    def json(self, name: str, args: list[str], env: dict[str, str] | None = None) -> dict[str, Any]:
        result = run_cli([*args, "--json"], env=env)
        assert result.code == 0, f"{args}: {result.stderr}"
        self.outputs[name] = json.loads(result.stdout)
        return self.outputs[name]


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    tmp = tmp_path_factory.mktemp("golden")
    with FakeHub(models=300, seed=17) as hub:
        r = Run(hub, tmp)
        db, url = str(r.db), hub.url
        r.json("scan", scan_args(hub, r.db))
        r.json("status", ["status", "--db", db])
        r.json("shares", ["shares", "--db", db])
        r.json("shares_tags", ["shares", "--db", db, "--method", "tags"])
        r.json("classify", ["classify", "--db", db])
        model = query(r.db, "SELECT model_id FROM latest_classes WHERE method = 'files' "
                            "AND class = 'pytorch_only' ORDER BY model_id LIMIT 1")[0][0]
        r.model = model
        r.json("explain", ["explain", model, "--db", db])
        r.json("probe", ["probe", "--db", db, "--endpoint", url, "--sample", "20", "--seed", "1",
                         "--retry-wait", "0.01"])
        r.json("shares_header", ["shares", "--db", db, "--method", "header"])
        ids = tmp / "ids.txt"
        ids.write_text("\n".join(m for (m,) in query(r.db, "SELECT model_id FROM latest_models "
                                                           "ORDER BY model_id LIMIT 30")))
        r.json("history", ["history", "--db", db, "--endpoint", url, "--models-from", str(ids), "--as-of", AS_OF,
                           "--retry-wait", "0.01"])
        r.json("shares_as_of", ["shares", "--db", db, "--as-of", AS_OF, "--partial"])
        r.json("timeline", ["timeline", "--db", db, "--every", "year", "--partial"])
        r.json("report", ["report", "--db", db, "--out", str(tmp / "report.html")])
        r.json("export", ["export", "--db", db, "--out", str(tmp / "export")])
        r.json("import_parquet", ["import", "parquet", str(tmp / "export"), "--db", str(tmp / "imported.duckdb")])
        home = tmp / "hf_home"
        env = {"HF_ENDPOINT": url, "HF_HOME": str(home), "HF_DATASETS_CACHE": str(home / "datasets"),
               "HF_TOKEN_PATH": str(home / "no-token"), "HF_HUB_DISABLE_TELEMETRY": "1", "HF_TOKEN": ""}
        r.json("import_hf_dataset", ["import", "hf-dataset", STATS_REPO, "--last", "1",
                                     "--db", str(tmp / "dumps.duckdb")], env=env)
        yield r


# Output name → golden file (verbs whose outputs share one shape share one file).
SHAPES = {
    "scan": "scan", "status": "status", "shares": "shares", "shares_tags": "shares", "classify": "classify",
    "explain": "explain", "probe": "probe", "shares_header": "shares_header", "history": "history",
    "shares_as_of": "shares_as_of", "report": "report", "export": "export", "import_parquet": "import_parquet",
    "import_hf_dataset": "import_hf_dataset", "timeline": "timeline",
}


def _scrub(value: Any, tmp: str) -> Any:
    """Golden files keep no machine paths."""
    if isinstance(value, dict):
        return {k: _scrub(v, tmp) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v, tmp) for v in value]
    return value.replace(tmp, "<tmp>") if isinstance(value, str) else value


def _same_shape(got: Any, path: Path) -> bool:
    try:
        assert_same_shape(got, json.loads(path.read_text()))
    except (AssertionError, OSError):
        return False
    return True


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_json_output_keeps_its_golden_shape(run: Run, name: str) -> None:
    path = GOLDEN / f"{SHAPES[name]}.json"
    got = run.outputs[name]
    if UPDATE and SHAPES[name] == name and not _same_shape(got, path):  # a new shape, not new values
        path.write_text(json.dumps(_scrub(got, str(run.tmp)), indent=2, ensure_ascii=False) + "\n")
    assert path.exists(), f"no golden file {path.name}: run with HFSCAN_UPDATE_GOLDEN=1"
    assert_same_shape(got, json.loads(path.read_text()))


def test_every_json_verb_has_a_golden_file(run: Run) -> None:
    assert set(run.outputs) == set(SHAPES)
    assert {p.stem for p in GOLDEN.glob("*.json")} == set(SHAPES.values())


def test_values_the_fake_hub_planted(run: Run) -> None:
    truth = run.hub.truth()
    out = run.outputs
    assert (out["scan"]["models"], out["scan"]["kind"], out["scan"]["rejects"]) == (truth["models"], "full", 0)
    assert out["shares"]["counts"] == {k: truth["files"].get(k, 0) for k in out["shares"]["counts"]}
    assert out["shares_tags"]["counts"] == {k: truth["tags"].get(k, 0) for k in out["shares_tags"]["counts"]}
    assert out["shares"]["population"] == truth["models"] - truth["files"].get("neither", 0)
    assert out["classify"]["classified"] == 0  # the scan classified everything already
    assert (out["export"]["scans"], out["export"]["rows"]) == (1, truth["models"])
    assert out["import_parquet"]["models"] == truth["models"]
    population = run.hub.population  # a gated repo refuses its commit log to an anonymous caller
    gated = sum(bool(population.model(population.index_of(m)).gated) for m in sorted(run.hub.model_ids())[:30])
    assert out["history"]["repos"] == 30 and out["history"]["failed"] == ({"gated": gated} if gated else {})
    assert [s["status"] for s in out["status"]["scans"]] == ["complete"]


def test_the_comparison_can_fail() -> None:
    golden = {"a": 1, "b": [{"c": "x"}], "neither_breakdown": {"gguf": 1}}
    assert_same_shape({"a": 2, "b": [{"c": "y"}, {"c": "z"}], "neither_breakdown": {"onnx": 3}}, golden)
    for bad in ({"a": "1", "b": [{"c": "x"}], "neither_breakdown": {}},
                {"a": 1, "b": [{"d": "x"}], "neither_breakdown": {}},
                {"a": 1, "b": [], "neither_breakdown": {}},
                {"a": 1, "b": [{"c": "x"}], "neither_breakdown": {"gguf": "1"}},
                {"a": 1, "b": [{"c": "x"}], "neither_breakdown": {}, "extra": 0},
                {"b": [{"c": "x"}], "a": 1, "neither_breakdown": {}}):  # the same keys in another order
        with pytest.raises(AssertionError):
            assert_same_shape(bad, golden)


@pytest.mark.parametrize(("args", "expected"), [
    (["status", "--check"], "integrity: ok"),
    (["shares"], "shares are of"),
    (["shares", "--method", "header"], "95% intervals"),
    (["shares", "--as-of", AS_OF, "--partial"], f"as of {AS_OF}"),
    (["classify"], "new versions classified"),
    (["timeline", "--every", "year"], "ESTIMATED:"),
    (["explain", "<model>"], "weight files"),
])
def test_without_json_the_same_result_is_text(run: Run, args: list[str], expected: str) -> None:
    result = run_cli([a.replace("<model>", run.model) for a in args] + ["--db", str(run.db)])
    assert result.code == 0, result.stderr
    assert expected in result.stdout and not result.stdout.lstrip().startswith("{")
