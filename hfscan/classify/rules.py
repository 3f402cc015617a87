"""The classification rules, as data (docs/CLASSIFICATION.md explains them).

Every rule matches the lower-cased path of one file; the first matching rule wins, so exclusions
come first and the generic `*.bin` last. Changing a rule means bumping RULES_VERSION: stored
classes carry the version they were computed with, and a new version reclassifies everything.
"""

from __future__ import annotations

from dataclasses import dataclass

RULES_VERSION = 1


@dataclass(frozen=True)
class Rule:
    name: str
    format: str          # a weight format, or "excluded" for files that are never weights
    pattern: str         # RE2 regex over the lower-cased path


RULES: tuple[Rule, ...] = (
    # Never weights, even when a weight pattern below would match.
    Rule("git_internal", "excluded", r"(^|/)\.git/"),
    Rule("trainer_state", "excluded",
         r"(^|/)(training_args\.bin|optimizer\.(pt|bin)|scheduler\.pt|scaler\.pt|rng_state[^/]*\.pth)$"),
    Rule("index_json", "excluded", r"\.index\.json$"),
    # Containers whose inner files would otherwise look like something else.
    Rule("coreml_package", "coreml", r"\.mlpackage/"),
    Rule("openvino_ir", "openvino", r"(^|/)openvino_[^/]*\.(xml|bin)$"),
    Rule("ggml_bin", "ggml", r"(^|/)ggml-[^/]*\.bin$|\.ggml$"),
    Rule("tf_checkpoint_part", "tensorflow", r"\.ckpt\.(index|meta)$|\.ckpt\.data-[^/]*$"),
    # PyTorch.
    Rule("pytorch_model_bin", "pytorch", r"(^|/)([^/]*_)?pytorch_model[^/]*\.bin$"),
    Rule("adapter_model_bin", "pytorch", r"(^|/)adapter_model\.bin$"),
    Rule("torch_save", "pytorch", r"\.(pt|pth|pt2|ckpt|nemo|mar)$"),
    # Framework-neutral: resolved by header, library or tags (Step 2).
    Rule("safetensors", "safetensors", r"\.safetensors$"),
    # TensorFlow and Keras.
    Rule("tf_model_h5", "tensorflow", r"(^|/)tf_model[^/]*\.h5$"),
    Rule("saved_model", "tensorflow", r"(^|/)saved_model\.pbtxt?$"),
    Rule("saved_model_variables", "tensorflow", r"(^|/)variables/variables\.(data-[^/]*|index)$"),
    Rule("keras_metadata", "tensorflow", r"(^|/)keras_metadata\.pb$"),
    Rule("keras", "keras", r"\.keras$|\.h5$|\.hdf5$"),
    Rule("tflite", "tflite", r"\.tflite$"),
    # JAX.
    Rule("flax_msgpack", "flax", r"\.msgpack$"),
    # Other runtimes.
    Rule("onnx", "onnx", r"\.(onnx|onnx_data|ort)$"),
    Rule("gguf", "gguf", r"\.gguf$"),
    Rule("coreml_model", "coreml", r"\.mlmodel$"),
    Rule("other_runtime", "other", r"\.(joblib|skops|pdparams|engine|plan|sentis|npz)$|(^|/)rust_model\.ot$"),
    # A .bin nothing above claimed (KenLM, fastText, custom): not evidence of PyTorch.
    Rule("unknown_bin", "unknown_bin", r"\.bin$"),
)

# A cheap pre-filter: only paths that could match some rule reach the rule-by-rule CASE.
CANDIDATE_PATTERN = (
    r"\.(bin|pt|pth|pt2|ckpt|nemo|mar|safetensors|h5|hdf5|keras|pb|pbtxt|tflite|msgpack|onnx|onnx_data|ort|gguf|"
    r"ggml|mlmodel|joblib|skops|pdparams|engine|plan|sentis|npz|ot|xml)$|\.index\.json$|\.ckpt\.|variables/|\.mlpackage/|"
    r"(^|/)\.git/"
)

# Resolved format → family. Safetensors resolves to pytorch / tensorflow / flax / mlx /
# safetensors_unknown before this applies.
FAMILY: dict[str, str] = {
    "pytorch": "PT", "tensorflow": "TF", "keras": "TF", "tflite": "TF", "flax": "JAX",
    "mlx": "OTHER", "safetensors_unknown": "OTHER", "onnx": "OTHER", "gguf": "OTHER", "ggml": "OTHER",
    "openvino": "OTHER", "coreml": "OTHER", "other": "OTHER", "unknown_bin": "OTHER",
}

# Libraries whose safetensors files are PyTorch weights unless a header says otherwise.
PT_FIRST_LIBRARIES: tuple[str, ...] = (
    "transformers", "diffusers", "sentence-transformers", "peft", "timm", "open_clip", "pyannote-audio",
    "pyannote", "nemo", "ultralytics", "stable-baselines3", "flair", "span-marker", "setfit", "gliner",
)

# Safetensors header __metadata__.format → resolved format.
HEADER_FORMATS: dict[str, str] = {"pt": "pytorch", "tf": "tensorflow", "flax": "flax", "mlx": "mlx"}

METHODS: tuple[str, ...] = ("files", "tags", "header")
CLASSES: tuple[str, ...] = ("pytorch_only", "tensorflow_only", "both", "neither")
