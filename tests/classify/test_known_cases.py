"""Every known case of the classification rules (docs/CLASSIFICATION.md), through the same SQL the database uses."""

from __future__ import annotations

from pathlib import Path

import pytest

from hfscan.classify.versions import classify_file_list

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
    result = classify_file_list(files, library, tags, headers).classes["files"]
    assert (result.class_, result.neither_reason, result.pt_attributed) == expected


def test_header_tf_makes_a_safetensors_model_tensorflow_only() -> None:
    result = classify_file_list(["model.safetensors"], header_formats={"model.safetensors": "tf"})
    assert result.classes["files"].class_ == "neither"
    assert result.classes["header"].class_ == "tensorflow_only"


def test_keras_is_tf_but_not_strict_tf() -> None:
    result = classify_file_list(["model.keras"]).classes["files"]
    assert result.has_tf and not result.has_tf_strict


def test_flax_only_is_neither_but_has_jax() -> None:
    result = classify_file_list(["flax_model.msgpack", "config.json"]).classes["files"]
    assert (result.class_, result.has_jax, result.formats) == ("neither", True, ["flax"])


# The containers and side files Step 1 singles out: (files, library) → (class, neither_reason, formats).
EDGE_CASES = [
    (["model.ckpt"], None, ("pytorch_only", None, ["pytorch"])),
    (["model.ckpt.index", "model.ckpt.data-00000-of-00001", "model.ckpt.meta"], None,
     ("tensorflow_only", None, ["tensorflow"])),
    (["variables/variables.index"], None, ("tensorflow_only", None, ["tensorflow"])),
    (["keras_metadata.pb", "saved_model.pbtxt"], None, ("tensorflow_only", None, ["tensorflow"])),
    (["model.weights.h5"], None, ("tensorflow_only", None, ["keras"])),
    (["model.tflite"], None, ("tensorflow_only", None, ["tflite"])),
    (["ggml-model-q4_0.bin"], None, ("neither", "ggml", ["ggml"])),
    (["openvino/openvino_model.xml", "openvino/openvino_model.bin", "pytorch_model.bin"], None,
     ("pytorch_only", None, ["openvino", "pytorch"])),
    (["m.mlpackage/Data/com.apple.CoreML/weights/weight.bin", "m.mlpackage/Manifest.json"], None,
     ("neither", "coreml", ["coreml"])),
    ([".git/objects/pytorch_model.bin", "README.md"], None, ("neither", "no_weights", [])),
    (["rng_state_3.pth", "scaler.pt", "scheduler.pt", "optimizer.bin", "pytorch_model.bin.index.json"], None,
     ("neither", "no_weights", [])),
    (["model.onnx", "x.gguf"], None, ("neither", "mixed", ["gguf", "onnx"])),
    (["rust_model.ot", "model.joblib"], None, ("neither", "other", ["other"])),
    (["diffusion_pytorch_model-00001-of-00002.bin", "x.nemo", "model.pt2"], None, ("pytorch_only", None, ["pytorch"])),
    (["model.safetensors", "tf_model.h5"], "sentence-transformers", ("both", None, ["pytorch", "tensorflow"])),
    (["model.safetensors"], "transformers", ("pytorch_only", None, ["pytorch"])),
    (["model.safetensors"], "mlx", ("neither", "mlx", ["mlx"])),
]


@pytest.mark.parametrize(("files", "library", "expected"), EDGE_CASES,
                         ids=[", ".join(case[0])[:60] for case in EDGE_CASES])
def test_step1_edge_cases(files: list[str], library: str | None, expected: tuple) -> None:
    result = classify_file_list(files, library).classes["files"]
    assert (result.class_, result.neither_reason, result.formats) == expected


def test_a_direct_pytorch_file_is_not_attributed_even_beside_safetensors() -> None:
    result = classify_file_list(["model.safetensors", "pytorch_model.bin"], "transformers").classes["files"]
    assert (result.class_, result.pt_attributed) == ("pytorch_only", False)


def test_header_pt_resolves_without_attribution_and_missing_header_falls_back() -> None:
    files = ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"]
    result = classify_file_list(files, "transformers", header_formats={files[0]: "pt"})
    assert (result.classes["header"].class_, result.classes["header"].pt_attributed) == ("pytorch_only", False)
    # The files method never reads headers: it stays attributed.
    assert result.classes["files"].pt_attributed is True
    # Without any ok probe there is no header answer at all.
    assert "header" not in classify_file_list(files, "transformers").classes


@pytest.mark.parametrize(("tags", "expected"), [
    (["transformers", "pytorch", "tf", "jax"], "both"),
    (["transformers", "safetensors"], "neither"),
    (["pytorch"], "pytorch_only"),
    (["tf", "keras"], "tensorflow_only"),
])
def test_known_tags_cases(tags: list[str], expected: str) -> None:
    assert classify_file_list([], None, tags).classes["tags"].class_ == expected


def test_evidence_says_why(tmp_path: Path) -> None:
    evidence = classify_file_list(["pytorch_model.bin", "training_args.bin", "README.md"]).evidence
    by_path = {e.path: e for e in evidence}
    assert by_path["pytorch_model.bin"].rule == "pytorch_model_bin"
    assert by_path["training_args.bin"].format == "excluded"
    assert "README.md" not in by_path
