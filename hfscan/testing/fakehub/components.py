"""The building blocks of a fake repo, each with its planted truth.

A repo's weights are a set of components. Each component says which files it adds, which family
it belongs to and why: the fake Hub's truth is computed from these flags, never from file names,
so it is an independent check of hfscan's name-based classifier.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Component:
    name: str
    family: str | None            # PT, TF, JAX, OTHER, or None (no weights)
    reason: str | None            # what the files method calls it when it decides nothing (neither)
    tags: tuple[str, ...] = ()    # format tags the Hub computes from these files
    attributed: bool = False      # PT only through library attribution of safetensors
    tf_strict: bool = False       # TF proper (not keras / tflite)
    header: str | None = None     # safetensors __metadata__.format planted in its files
    library: str | None = None    # library_name this component implies (if the repo has none)
    files: tuple[str, ...] = field(default=())
    # What transformers' from_pretrained finds in it at the repo root (method loadable): a PyTorch
    # pickle, safetensors (format in `header`), a TF .h5 or Flax msgpack; and whether it is sharded.
    loads: str | None = None      # pt | safetensors | tf | flax
    sharded: bool = False

    @property
    def safetensors(self) -> bool:
        """Framework-neutral weights: resolved by header, else by the repo's library."""
        return any(name.endswith(".safetensors") for name in self.files)


# Files are templates; "{n}" is a per-repo name and "{k}/{m}" expand to shard series.
COMPONENTS: dict[str, Component] = {c.name: c for c in [
    Component("pt_bin", "PT", "pytorch", ("pytorch",), files=("pytorch_model.bin",), loads="pt"),
    Component("pt_shards", "PT", "pytorch", ("pytorch",),
              files=("pytorch_model-{k}-of-{m}.bin", "pytorch_model.bin.index.json"), loads="pt", sharded=True),
    Component("pt_ckpt", "PT", "pytorch", (), files=("{n}.ckpt",)),
    Component("pt_pth", "PT", "pytorch", (), files=("weights/{n}.pth",)),
    Component("trainer", "PT", "pytorch", ("pytorch",), files=(
        "pytorch_model.bin", "training_args.bin", "checkpoint-500/pytorch_model.bin",
        "checkpoint-500/optimizer.pt", "checkpoint-500/scheduler.pt", "checkpoint-500/rng_state.pth"), loads="pt"),
    Component("peft_bin", "PT", "pytorch", (), library="peft",
              files=("adapter_model.bin", "adapter_config.json")),
    Component("st_attr", "PT", "safetensors_unknown", ("safetensors",), attributed=True, header="pt",
              files=("model.safetensors",), loads="safetensors"),
    Component("st_shards", "PT", "safetensors_unknown", ("safetensors",), attributed=True, header="pt",
              files=("model-{k}-of-{m}.safetensors", "model.safetensors.index.json"), loads="safetensors",
              sharded=True),
    Component("diffusers", "PT", "safetensors_unknown", ("safetensors",), attributed=True, header="pt",
              library="diffusers", files=(
                  "model_index.json", "unet/diffusion_pytorch_model.safetensors", "unet/config.json",
                  "vae/diffusion_pytorch_model.safetensors", "vae/config.json")),
    Component("peft_st", "PT", "safetensors_unknown", ("safetensors",), attributed=True, header="pt",
              library="peft", files=("adapter_model.safetensors", "adapter_config.json")),
    Component("tf_h5", "TF", "tensorflow", ("tf",), tf_strict=True, files=("tf_model.h5",), loads="tf"),
    Component("tf_saved", "TF", "tensorflow", ("tf",), tf_strict=True, files=(
        "saved_model.pb", "variables/variables.data-00000-of-00001", "variables/variables.index")),
    Component("keras", "TF", "keras", ("keras",), library="keras", files=("model.keras",)),
    Component("tflite", "TF", "tflite", ("tflite",), files=("{n}.tflite",)),
    Component("flax", "JAX", "flax", ("jax",), files=("flax_model.msgpack",), loads="flax"),
    Component("onnx", "OTHER", "onnx", ("onnx",), files=("onnx/model.onnx", "onnx/model_quantized.onnx")),
    Component("gguf", "OTHER", "gguf", ("gguf",), files=("{n}.Q4_K_M.gguf", "{n}.Q8_0.gguf")),
    Component("mlx", "OTHER", "mlx", ("safetensors", "mlx"), header="mlx", library="mlx",
              files=("model.safetensors",), loads="safetensors"),
    Component("st_unknown", "OTHER", "safetensors_unknown", ("safetensors",), header=None,
              files=("model.safetensors",), loads="safetensors"),
    Component("st_unknown_pt", "OTHER", "safetensors_unknown", ("safetensors",), header="pt",
              files=("{n}.safetensors",)),
    Component("st_tf", "OTHER", "safetensors_unknown", ("safetensors",), header="tf",
              files=("model.safetensors",), loads="safetensors"),
    Component("openvino", "OTHER", "openvino", ("openvino",),
              files=("openvino_model.xml", "openvino_model.bin")),
    Component("coreml", "OTHER", "coreml", ("coreml",), files=(
        "{n}.mlpackage/Manifest.json", "{n}.mlpackage/Data/com.apple.CoreML/weights/weight.bin")),
    Component("sklearn", "OTHER", "other", (), library="sklearn", files=("model.joblib",)),
    Component("kenlm", "OTHER", "unknown_bin", (), files=("language_model/5-gram.bin",)),
    Component("ggml", "OTHER", "ggml", (), files=("ggml-model-q4_0.bin",)),
]}

# A category is what a repo starts as: (components, library_name).
CATEGORIES: dict[str, tuple[tuple[str, ...], str | None]] = {
    "pt": (("pt_bin",), "transformers"),
    "pt_tf": (("pt_bin", "tf_h5"), "transformers"),
    "pt_tf_flax": (("pt_bin", "tf_h5", "flax"), "transformers"),
    "pt_flax": (("pt_bin", "flax"), "transformers"),
    "pt_shards": (("pt_shards",), "transformers"),
    "pt_plain": (("pt_pth",), None),
    "pt_ckpt": (("pt_ckpt",), None),
    "trainer": (("trainer",), "transformers"),
    "tf": (("tf_h5",), "transformers"),
    "tf_saved": (("tf_saved",), None),
    "keras": (("keras",), "keras"),
    "tflite": (("tflite",), None),
    "flax": (("flax",), "transformers"),
    "st": (("st_attr",), "transformers"),
    "st_pt": (("st_attr", "pt_bin"), "transformers"),
    "st_shards": (("st_shards",), "transformers"),
    "st_tf_tr": (("st_tf",), "transformers"),  # TF-written safetensors in a transformers repo (from "st", by hash)
    "diffusers": (("diffusers",), "diffusers"),
    "peft_bin": (("peft_bin",), "peft"),
    "peft_st": (("peft_st",), "peft"),
    "sentence": (("st_attr", "onnx"), "sentence-transformers"),
    "gguf": (("gguf",), None),
    "onnx": (("onnx",), None),
    "mlx": (("mlx",), "mlx"),
    "st_unknown": (("st_unknown",), None),
    "st_unknown_pt": (("st_unknown_pt",), None),
    "st_tf": (("st_tf",), None),
    "openvino": (("openvino",), None),
    "coreml": (("coreml",), None),
    "sklearn": (("sklearn",), "sklearn"),
    "kenlm": (("kenlm",), None),
    "ggml": (("ggml",), None),
    "no_weights": ((), None),
}

# The mix by creation period (weights, not percentages): .bin before 2023, safetensors after,
# TF shrinking to almost nothing once transformers dropped it, GGUF and MLX growing. Up to 2021 the
# classes are rescaled to the published split (calibration.early_mix); within a class these weights hold.
MIX: list[tuple[int, dict[str, float]]] = [
    (2021, {"pt": 70, "pt_tf": 5.5, "pt_tf_flax": 1.5, "pt_flax": 3, "tf": 6.5, "trainer": 5, "no_weights": 6,
            "flax": 1.5, "pt_plain": 4, "kenlm": 1, "tf_saved": 1.2, "keras": 0.5, "sklearn": 0.5,
            "pt_ckpt": 2, "onnx": 0.5, "tflite": 0.2}),
    (2022, {"pt": 48, "pt_tf": 2, "pt_tf_flax": 0.3, "pt_flax": 1.5, "tf": 3.5, "trainer": 13, "no_weights": 7,
            "flax": 1.5, "pt_plain": 3, "kenlm": 1, "tf_saved": 0.6, "keras": 0.8, "sklearn": 1,
            "pt_ckpt": 2, "onnx": 1, "tflite": 0.3, "pt_shards": 0.5}),
    (2023, {"pt": 40, "pt_tf": 1.5, "tf": 3.5, "trainer": 12, "no_weights": 8, "pt_plain": 3, "keras": 2,
            "sklearn": 2, "pt_ckpt": 2, "onnx": 2, "tflite": 0.3, "pt_shards": 1, "st": 5,
            "peft_bin": 4, "diffusers": 2, "st_unknown": 1, "ggml": 1, "kenlm": 0.5, "flax": 0.5}),
    (2024, {"pt": 18, "tf": 1.2, "trainer": 3, "no_weights": 8, "pt_plain": 3, "keras": 1.5, "sklearn": 2,
            "pt_ckpt": 1.5, "onnx": 2.5, "st": 24, "st_pt": 4, "st_shards": 4, "peft_bin": 3,
            "peft_st": 8, "diffusers": 4, "sentence": 2, "gguf": 4, "st_unknown": 2,
            "st_unknown_pt": 1, "st_tf": 0.2, "openvino": 0.5, "coreml": 0.3, "ggml": 0.5}),
    (2025, {"pt": 6, "tf": 0.4, "trainer": 1, "no_weights": 7, "pt_plain": 2, "keras": 1, "sklearn": 1.5,
            "pt_ckpt": 1, "onnx": 2.5, "st": 32, "st_shards": 7, "peft_bin": 1, "peft_st": 13,
            "diffusers": 3.5, "sentence": 2, "gguf": 8, "mlx": 3, "st_unknown": 3, "st_unknown_pt": 1.5,
            "st_tf": 0.2, "openvino": 1, "coreml": 0.3, "ggml": 0.2}),
    (9999, {"pt": 2, "tf": 0.1, "no_weights": 7, "pt_plain": 2, "keras": 0.8, "sklearn": 1,
            "pt_ckpt": 1, "onnx": 2.5, "st": 33, "st_shards": 9, "peft_st": 14, "diffusers": 3,
            "sentence": 2, "gguf": 12, "mlx": 6, "st_unknown": 3, "st_unknown_pt": 1.5, "st_tf": 0.2,
            "openvino": 1, "coreml": 0.3}),
]
_MIX_TABLES = [(year, list(weights), list(weights.values())) for year, weights in MIX]


def pick_category(u: float, year: int, weights: tuple[list[str], list[float]] | None = None) -> str:
    """The category at quantile u (0 <= u < 1) of the year's mix, or of `weights` if given."""
    if weights is None:
        weights = next((names, w) for until, names, w in _MIX_TABLES if year <= until)
    names, values = weights
    mark = u * sum(values)
    for name, value in zip(names, values, strict=True):
        mark -= value
        if mark < 0:
            return name
    return names[-1]


def expand_files(component: Component, name: str, shards: int) -> list[str]:
    files: list[str] = []
    for template in component.files:
        if "{k}" in template:
            width = 5
            files += [template.format(k=str(k).zfill(width), m=str(shards).zfill(width), n=name)
                      for k in range(1, shards + 1)]
        else:
            files.append(template.format(n=name))
    return files
