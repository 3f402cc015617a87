"""Properties of the files method: side files, order, case and folders never change a class."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from hfscan.classify.versions import FileListClasses, classify_file_list

SIDE_FILES = st.lists(st.sampled_from([
    "README.md", "config.json", "tokenizer.json", "training_args.bin", "optimizer.pt", "scheduler.pt",
    "rng_state_0.pth", "model.safetensors.index.json", "vocab.txt", ".gitattributes", "merges.txt",
    "checkpoint-10/training_args.bin", ".git/objects/pytorch_model.bin",
]), max_size=6)
WEIGHTS = st.lists(st.sampled_from([
    "pytorch_model.bin", "tf_model.h5", "flax_model.msgpack", "model.safetensors", "model.onnx", "x.gguf",
    "model.keras", "weights.pt", "5-gram.bin", "model.tflite", "saved_model.pb", "openvino_model.xml",
    "ggml-model.bin", "model.ckpt.index",
]), max_size=4)
LIBRARIES = st.sampled_from([None, "transformers", "mlx", "diffusers"])
PREFIXES = st.sampled_from(["", "sub/", "a/b/", "checkpoint-500/"])


def key(result: FileListClasses) -> tuple:
    files = result.classes["files"]
    return files.class_, files.neither_reason, files.pt_attributed, files.formats


@settings(max_examples=40, deadline=None)
@given(weights=WEIGHTS, side=SIDE_FILES, library=LIBRARIES, prefix=PREFIXES, upper=st.booleans())
def test_side_files_order_case_and_folders_never_change_the_class(weights: list[str], side: list[str],
                                                                   library: str | None, prefix: str,
                                                                   upper: bool) -> None:
    base = classify_file_list(weights, library)
    moved = [prefix + (f.upper() if upper else f) for f in reversed(weights)]
    assert key(classify_file_list(moved + side, library)) == key(base)


@settings(max_examples=20, deadline=None)
@given(weights=WEIGHTS.filter(bool), library=LIBRARIES)
def test_git_and_mlpackage_folders_are_the_exceptions(weights: list[str], library: str | None) -> None:
    assert key(classify_file_list([".git/" + f for f in weights], library))[:2] == ("neither", "no_weights")
    assert key(classify_file_list(["m.mlpackage/" + f for f in weights], library))[:2] == ("neither", "coreml")
