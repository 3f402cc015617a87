"""Every known case of CLASSIFICATION.md, through the same SQL the database uses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hfscan.analysis.classify import classify_file_list

# (files, library_name, tags, header formats) → (files class, neither_reason, pt_attributed)
FILES_CASES = [
    (["config.json", "pytorch_model.bin", "tf_model.h5", "vocab.txt"], None, [], None, ("both", None, False)),
    (["pytorch_model.bin", "training_args.bin"], None, [], None, ("pytorch_only", None, False)),
    (["tf_model.h5", "config.json"], None, [], None, ("tensorflow_only", None, False)),
    (["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors", "model.safetensors.index.json"],
     "transformers", [], None, ("pytorch_only", None, True)),
    (["model.safetensors"], None, [], None, ("neither", "safetensors_unknown", False)),
    (["model.safetensors"], None, ["mlx"], None, ("neither", "mlx", False)),
    (["llama-7b.Q4_K_M.gguf", "README.md"], None, [], None, ("neither", "gguf", False)),
    (["onnx/model.onnx", "onnx/model_quantized.onnx", "config.json"], None, [], None, ("neither", "onnx", False)),
    (["openvino_model.xml", "openvino_model.bin"], None, [], None, ("neither", "openvino", False)),
    (["5-gram.bin", "README.md"], None, [], None, ("neither", "unknown_bin", False)),
    (["saved_model.pb", "variables/variables.data-00000-of-00001", "variables/variables.index"], None, [], None,
     ("tensorflow_only", None, False)),
    (["model.keras"], None, [], None, ("tensorflow_only", None, False)),
    (["flax_model.msgpack", "config.json"], None, [], None, ("neither", "flax", False)),
    (["unet/diffusion_pytorch_model.safetensors", "vae/diffusion_pytorch_model.safetensors", "model_index.json"],
     "diffusers", [], None, ("pytorch_only", None, True)),
    (["adapter_model.safetensors", "adapter_config.json"], "peft", [], None, ("pytorch_only", None, True)),
    (["checkpoint-500/pytorch_model.bin", "checkpoint-500/optimizer.pt"], None, [], None, ("pytorch_only", None, False)),
    (["README.md", ".gitattributes"], None, [], None, ("neither", "no_weights", False)),
]


@pytest.mark.parametrize(("files", "library", "tags", "headers", "expected"), FILES_CASES,
                         ids=[", ".join(case[0])[:60] for case in FILES_CASES])
def test_known_files_cases(files: list[str], library: str | None, tags: list[str], headers: dict | None,
                           expected: tuple) -> None:
    result = classify_file_list(files, library, tags, headers)["files"]
    assert (result["class"], result["neither_reason"], result["pt_attributed"]) == expected


def test_header_tf_makes_a_safetensors_model_tensorflow_only() -> None:
    result = classify_file_list(["model.safetensors"], header_formats={"model.safetensors": "tf"})
    assert result["files"]["class"] == "neither"
    assert result["header"]["class"] == "tensorflow_only"


def test_keras_is_tf_but_not_strict_tf() -> None:
    result = classify_file_list(["model.keras"])["files"]
    assert result["has_tf"] and not result["has_tf_strict"]


@pytest.mark.parametrize(("tags", "expected"), [
    (["transformers", "pytorch", "tf", "jax"], "both"),
    (["transformers", "safetensors"], "neither"),
    (["pytorch"], "pytorch_only"),
    (["tf", "keras"], "tensorflow_only"),
])
def test_known_tags_cases(tags: list[str], expected: str) -> None:
    assert classify_file_list([], None, tags)["tags"]["class"] == expected


def test_evidence_says_why(tmp_path: Path) -> None:
    evidence = classify_file_list(["pytorch_model.bin", "training_args.bin", "README.md"])["evidence"]
    by_path = {e["path"]: e for e in evidence}
    assert by_path["pytorch_model.bin"]["rule"] == "pytorch_model_bin"
    assert by_path["training_args.bin"]["format"] == "excluded"
    assert "README.md" not in by_path


def test_legacy_s3_models_real_file_lists(real_data: Path) -> None:
    models = json.loads((real_data / "legacy_s3_models.json").read_text())
    assert len(models) == 51
    counts: dict[str, int] = {}
    for model in models:
        files = [s["rfilename"] for s in model["siblings"]]
        cls = classify_file_list(files, "transformers")["files"]["class"]
        counts[cls] = counts.get(cls, 0) + 1
    assert counts == {"both": 36, "pytorch_only": 11, "tensorflow_only": 1, "neither": 3}


def test_real_api_capture_bert_base_uncased(real_data: Path) -> None:
    item = json.loads((real_data / "api_captures" / "google-bert__bert-base-uncased.json").read_text())
    result = classify_file_list([s["rfilename"] for s in item["siblings"]], item.get("library_name"), item["tags"])
    assert result["files"]["class"] == "both"
    assert result["tags"]["class"] == "both"
    assert result["files"]["has_jax"]


SIDE_FILES = st.lists(st.sampled_from([
    "README.md", "config.json", "tokenizer.json", "training_args.bin", "optimizer.pt", "scheduler.pt",
    "rng_state_0.pth", "model.safetensors.index.json", "vocab.txt", ".gitattributes", "merges.txt",
]), max_size=6)
WEIGHTS = st.lists(st.sampled_from([
    "pytorch_model.bin", "tf_model.h5", "flax_model.msgpack", "model.safetensors", "model.onnx", "x.gguf",
    "model.keras", "weights.pt", "5-gram.bin", "model.tflite",
]), max_size=4)


@settings(max_examples=40, deadline=None)
@given(weights=WEIGHTS, side=SIDE_FILES, library=st.sampled_from([None, "transformers", "mlx"]),
       prefix=st.sampled_from(["", "sub/", "a/b/"]), upper=st.booleans())
def test_side_files_order_case_and_folders_never_change_the_class(weights: list[str], side: list[str],
                                                                   library: str | None, prefix: str,
                                                                   upper: bool) -> None:
    base = classify_file_list(weights, library)["files"]
    moved = [prefix + (f.upper() if upper else f) for f in reversed(weights)]
    noisy = classify_file_list(moved + side, library)["files"]
    assert (noisy["class"], noisy["neither_reason"], noisy["pt_attributed"]) == (
        base["class"], base["neither_reason"], base["pt_attributed"])
