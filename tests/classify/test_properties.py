"""Properties of the files method: side files, order, case and folders never change a class.

Each example is a list of cases classified in one database (tests/classify/batch.py: the SQL of
`classify_file_list` without a database per call), so a few examples cover dozens of cases.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.classify.batch import files_keys

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


CASES = st.lists(st.tuples(WEIGHTS, SIDE_FILES, LIBRARIES, PREFIXES, st.booleans()), min_size=8, max_size=16)


@settings(max_examples=6, deadline=None)
@given(cases=CASES)
def test_side_files_order_case_and_folders_never_change_the_class(
        cases: list[tuple[list[str], list[str], str | None, str, bool]]) -> None:
    versions: list[tuple[list[str], str | None]] = []
    for weights, side, library, prefix, upper in cases:
        moved = [prefix + (f.upper() if upper else f) for f in reversed(weights)]
        versions += [(weights, library), (moved + side, library)]
    keys = files_keys(versions)
    for case, base, changed in zip(cases, keys[0::2], keys[1::2], strict=True):
        assert changed == base, case


@settings(max_examples=4, deadline=None)
@given(cases=st.lists(st.tuples(WEIGHTS.filter(bool), LIBRARIES), min_size=8, max_size=16))
def test_git_and_mlpackage_folders_are_the_exceptions(cases: list[tuple[list[str], str | None]]) -> None:
    versions = [([folder + f for f in weights], library)
                for weights, library in cases for folder in (".git/", "m.mlpackage/")]
    keys = files_keys(versions)
    for case, git, mlpackage in zip(cases, keys[0::2], keys[1::2], strict=True):
        assert git[:2] == ("neither", "no_weights"), case
        assert mlpackage[:2] == ("neither", "coreml"), case
