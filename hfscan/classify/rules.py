"""The classification rules, as data (docs/CLASSIFICATION.md explains them).

Every rule matches the lower-cased path of one file; the first matching rule wins, so exclusions
come first and the generic `*.bin` last. Changing a rule means bumping RULES_VERSION: stored
classes carry the version they were computed with, and a new version reclassifies everything.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

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

class Method(StrEnum):
    """How a model's class is decided (docs/METHODS.md); a str, so SQL and JSON see its value."""

    FILES = "files"  # file names
    TAGS = "tags"  # the Hub's own tags
    HEADER = "header"  # safetensors headers read by `hfscan probe`
    LOADABLE = "loadable"  # where transformers can load it: one stored method per transformers line


METHODS: tuple[str, ...] = tuple(Method)
CLASSES: tuple[str, ...] = ("pytorch_only", "tensorflow_only", "both", "neither")

# ---------------------------------------------------------------------------------------------
# Method `loadable` (docs/LOADABLE.md): can transformers load the model from PyTorch / TF / Flax?
# It needs the model type's class in that framework (the framework table, classify/frameworks.py)
# and a weight file one of the loading paths below reads. Stored as two methods, one per
# transformers line: 4.57 is the last line with TensorFlow and Flax classes; 5 removed both.
TRANSFORMERS_LINES: dict[str, str] = {"4.57": "loadable", "5": "loadable_v5"}
LOADABLE_METHODS: tuple[str, ...] = tuple(TRANSFORMERS_LINES.values())
# Libraries whose repos take the transformers route (with a NULL library, a config model_type
# is enough). Every other library keeps its files-method class, basis `files:<library>`.
TRANSFORMERS_LIBRARIES: tuple[str, ...] = ("transformers",)


@dataclass(frozen=True)
class WeightFile:
    name: str
    pattern: str         # RE2 over the exact path: transformers asks for these names at the repo root


# Sharded checkpoints are named `<stem>-00001-of-00003<ext>` (transformers pads to 5 digits).
WEIGHT_FILES: tuple[WeightFile, ...] = (
    WeightFile("pytorch_bin", r"^pytorch_model(-[0-9]{5}-of-[0-9]{5})?\.bin$"),
    WeightFile("safetensors", r"^model(-[0-9]{5}-of-[0-9]{5})?\.safetensors$"),
    WeightFile("tf_h5", r"^tf_model(-[0-9]{5}-of-[0-9]{5})?\.h5$"),
    WeightFile("flax_msgpack", r"^flax_model(-[0-9]{5}-of-[0-9]{5})?\.msgpack$"),
)


@dataclass(frozen=True)
class LoadingPath:
    name: str
    framework: str                    # pytorch | tensorflow | flax
    weights: str                      # a WeightFile name
    formats: tuple[str, ...] | None   # safetensors only: resolved formats it reads (Step 2 of the files rules)
    single_file: bool                 # True: a sharded checkpoint does not load this way
    opt_in: str | None                # the from_pretrained argument it needs; None: loads directly
    lines: tuple[str, ...]            # transformers lines that have it


# In order of preference within a framework: the first path a model has is the one reported.
# Read off transformers 4.57.6 `from_pretrained` (modeling_utils.py, modeling_tf_utils.py,
# modeling_flax_utils.py); docs/LOADABLE.md cites each.
LOADING_PATHS: tuple[LoadingPath, ...] = (
    LoadingPath("pt_bin", "pytorch", "pytorch_bin", None, False, None, ("4.57", "5")),
    # PyTorch reads any safetensors; a file without format metadata is taken as PyTorch.
    LoadingPath("pt_safetensors", "pytorch", "safetensors", ("pytorch", "mlx", "safetensors_unknown"), False, None,
                ("4.57", "5")),
    # A single TF- or Flax-written safetensors file is converted on load (4.x: from_tf/from_flax set for you).
    LoadingPath("pt_safetensors_converted", "pytorch", "safetensors", ("tensorflow", "flax"), True, None, ("4.57",)),
    LoadingPath("pt_from_tf", "pytorch", "tf_h5", None, False, "from_tf=True", ("4.57",)),
    LoadingPath("pt_from_flax", "pytorch", "flax_msgpack", None, False, "from_flax=True", ("4.57",)),
    LoadingPath("tf_h5", "tensorflow", "tf_h5", None, False, None, ("4.57",)),
    # TF classes read safetensors written by PyTorch (format pt) directly, since late 2022.
    LoadingPath("tf_safetensors", "tensorflow", "safetensors", ("pytorch", "tensorflow"), False, None, ("4.57",)),
    LoadingPath("tf_from_pt", "tensorflow", "pytorch_bin", None, False, "from_pt=True", ("4.57",)),
    LoadingPath("flax_msgpack", "flax", "flax_msgpack", None, False, None, ("4.57",)),
    LoadingPath("flax_safetensors", "flax", "safetensors", ("pytorch", "flax"), True, None, ("4.57",)),
    LoadingPath("flax_from_pt", "flax", "pytorch_bin", None, False, "from_pt=True", ("4.57",)),
)

# neither_reason of the loadable methods (transformers route), checked in this order.
LOADABLE_REASONS: tuple[str, ...] = (
    "no_config",            # transformers library, but the listing has no config model_type
    "unknown_model_type",   # a model type the framework table does not know (custom code, typo, newer)
    "no_framework_class",   # the model type has neither a PyTorch nor a TensorFlow class
    "removed_in_v5",        # loadable from TF/Flax in 4.57 only (method loadable_v5)
    "flax_only",            # only a Flax class loads it
    "no_loadable_weights",  # a class exists, but no weight file a loading path reads
)
