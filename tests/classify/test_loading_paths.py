"""Every loading path and neither-reason of method loadable, one model at a time (the same SQL as the
database), plus the real legacy S3 models with their model types read off their names."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from hfscan.classify.frameworks import vendored_rows
from hfscan.classify.rules import LOADING_PATHS
from hfscan.classify.versions import VersionClass, classify_file_list, classify_versions
from hfscan.store.schema import migrate
from hfscan.testing.fakehub.configs import type_from_name


def loadable(files: list[str], model_type: str | None, library: str | None = "transformers",
             headers: dict[str, str] | None = None) -> dict[str, VersionClass]:
    result = classify_file_list(files, library, header_formats=headers, config_model_type=model_type)
    return {"4.57": result.classes["loadable"], "5": result.classes["loadable_v5"]}


def paths(answer: VersionClass) -> tuple:
    return answer.class_, answer.neither_reason, answer.pt_path, answer.tf_path, answer.jax_path


def test_the_vendored_table_has_the_research_counts() -> None:
    rows = vendored_rows()
    assert (len(rows), sum(r.pytorch for r in rows), sum(r.tensorflow for r in rows), sum(r.flax for r in rows)) \
        == (421, 415, 71, 40)
    by_type = {r.model_type: r for r in rows}
    assert (by_type["bert"].tensorflow, by_type["llama"].tensorflow, by_type["llama"].flax) == (True, False, True)


def test_tf_class_loads_pytorch_weights_only_with_from_pt() -> None:
    got = loadable(["config.json", "pytorch_model.bin"], "bert")
    assert paths(got["4.57"]) == ("both", None, "pt_bin", "tf_from_pt", "flax_from_pt")
    assert got["4.57"].has_tf and not got["4.57"].has_tf_strict  # loadable, but only with a flag
    assert paths(got["5"]) == ("pytorch_only", None, "pt_bin", None, None)


def test_tf_class_loads_pt_format_safetensors_directly() -> None:
    for headers in (None, {"model.safetensors": "pt"}):  # attributed (transformers), or probed
        got = loadable(["config.json", "model.safetensors"], "bert", headers=headers)
        assert paths(got["4.57"]) == ("both", None, "pt_safetensors", "tf_safetensors", "flax_safetensors")
        assert got["4.57"].has_tf_strict and got["4.57"].pt_attributed == (headers is None)
    sharded = ["config.json", "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"]
    assert paths(loadable(sharded, "gpt2")["4.57"]) == ("both", None, "pt_safetensors", "tf_safetensors", None)


def test_a_model_type_without_a_tf_class() -> None:
    got = loadable(["config.json", "model.safetensors", "pytorch_model.bin"], "llama")
    assert paths(got["4.57"]) == ("pytorch_only", None, "pt_bin", None, "flax_safetensors")


def test_tf_weights_load_into_pytorch_with_from_tf_until_v5() -> None:
    got = loadable(["config.json", "tf_model.h5"], "bert")
    assert paths(got["4.57"]) == ("both", None, "pt_from_tf", "tf_h5", None)
    assert paths(got["5"]) == ("neither", "removed_in_v5", None, None, None)
    tf_written = loadable(["config.json", "model.safetensors"], "bert", headers={"model.safetensors": "tf"})
    assert paths(tf_written["4.57"])[:4] == ("both", None, "pt_safetensors_converted", "tf_safetensors")
    assert paths(tf_written["5"])[:2] == ("neither", "removed_in_v5")


def test_flax_only_weights() -> None:
    got = loadable(["config.json", "flax_model.msgpack"], "bert")
    assert paths(got["4.57"]) == ("pytorch_only", None, "pt_from_flax", None, "flax_msgpack")
    clip_text = loadable(["config.json", "flax_model.msgpack"], "rag")  # a type no Auto class loads
    assert paths(clip_text["4.57"])[:2] == ("neither", "no_framework_class")


@pytest.mark.parametrize(("files", "model_type", "reason"), [
    (["config.json", "pytorch_model.bin"], None, "no_config"),
    (["config.json", "pytorch_model.bin"], "acme_custom", "unknown_model_type"),
    (["config.json", "weights/model.pth", "onnx/model.onnx"], "bert", "no_loadable_weights"),
    (["config.json", "pytorch_model.fp16.bin"], "bert", "no_loadable_weights"),  # a variant needs variant=
])
def test_neither_reasons(files: list[str], model_type: str | None, reason: str) -> None:
    got = loadable(files, model_type)
    assert paths(got["4.57"])[:2] == paths(got["5"])[:2] == ("neither", reason)


def test_other_libraries_keep_their_files_class_with_the_reason() -> None:
    for library, files in (("peft", ["adapter_model.safetensors"]), ("keras", ["model.keras"]),
                           (None, ["model.Q4_K_M.gguf"])):
        result = classify_file_list(files, library, config_model_type=None)
        for method in ("loadable", "loadable_v5"):
            assert result.classes[method].class_ == result.classes["files"].class_
            assert result.classes[method].neither_reason == result.classes["files"].neither_reason
            assert result.classes[method].basis == f"files:{library or 'none'}"
    # A repo without a library whose config names a model type takes the transformers route.
    assert loadable(["config.json", "pytorch_model.bin"], "bert", library=None)["4.57"].basis == "transformers"


def test_the_opt_in_macro_matches_the_loading_paths() -> None:
    con = duckdb.connect(":memory:")
    migrate(con, ":memory:")
    for path in LOADING_PATHS:
        assert con.execute("SELECT path_needs_opt_in(?)", [path.name]).fetchone()[0] == (path.opt_in is not None)


# The legacy S3 models' config model types, read off their names (configs.NAME_TYPES), except:
# `mlm-*-1280` are XLM checkpoints under their old S3 names; `biggan-*` came from pytorch-pretrained-BigGAN,
# not transformers (no library, no config: the files class stands).
OVERRIDES: dict[str, tuple[str | None, str | None]] = {
    "mlm-100-1280": ("xlm", "transformers"), "mlm-17-1280": ("xlm", "transformers"),
    **{f"biggan-deep-{n}": (None, None) for n in (128, 256, 512)},
}


def test_legacy_s3_models_with_types_from_their_names(real_data: Path) -> None:
    models = json.loads((real_data / "legacy_s3_models.json").read_text())
    rows = []
    for number, model in enumerate(models):
        model_type, library = OVERRIDES.get(model["modelId"], (type_from_name(model["modelId"]), "transformers"))
        rows.append([number, model["modelId"], library, [s["rfilename"] for s in model["siblings"]], model_type])
    assert Counter(row[4] for row in rows) == {"bert": 21, "xlm": 12, "gpt2": 4, "roberta": 4, "distilbert": 2,
                                               "xlnet": 2, "ctrl": 1, "openai-gpt": 1, "transfo-xl": 1, None: 3}
    con = duckdb.connect(":memory:")  # one database for all 51 (classify_file_list per model is slow)
    migrate(con, ":memory:")
    con.executemany("INSERT INTO repo_versions (version_hash, model_id, sha, library_name, tags, files, "
                    "config_model_type) VALUES (?, ?, 'sha', ?, [], ?, ?)", rows)
    classify_versions(con)
    counts = Counter(con.execute("""
        SELECT a.class, b.class FROM version_classes a JOIN version_classes b USING (version_id)
        WHERE a.method = 'loadable' AND b.method = 'loadable_v5'""").fetchall())
    tf = con.execute("SELECT count(*) FILTER (method = 'files' AND has_tf), count(*) FILTER (method = 'loadable' "
                     "AND has_tf) FROM version_classes").fetchone()
    # By files 36 both / 11 PyTorch only / 1 TF only / 3 neither: 37 ship TF weights, 45 load from TF in 4.57.
    assert tf == (37, 45)
    assert counts == {("both", "pytorch_only"): 44, ("both", "neither"): 1, ("pytorch_only", "pytorch_only"): 3,
                      ("neither", "neither"): 3}
