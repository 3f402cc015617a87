"""Generate hfscan's vendored framework table from a transformers wheel, without importing it.

    python scripts/framework_table.py                 # pip-downloads transformers==4.57.6 (PyPI)
    python scripts/framework_table.py --wheel PATH    # or reads a wheel already on disk

Reads the auto-mapping tables in `transformers/models/auto/*.py` as source (ast): a model type
has a PyTorch / TensorFlow / Flax class when it is a key of any `MODEL_*`, `TF_MODEL_*` or
`FLAX_MODEL_*` mapping (a class the Auto classes load); the model types are the keys of
`CONFIG_MAPPING_NAMES`, all of them (a type no Auto class loads has three `false`). The output has
the shape of `frameworks.json` in the `huggingface/transformers-metadata` dataset (JSON lines:
model_type, pytorch, tensorflow, flax, processor), so the vendored default and
`hfscan frameworks update` load through one reader. docs/LOADABLE.md explains the differences to
the published table (which is generated from the class names the package exports).
"""

from __future__ import annotations

import argparse
import ast
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

VERSION = "4.57.6"
AUTO = "transformers/models/auto/"
OUT = Path(__file__).resolve().parent.parent / "hfscan" / "classify" / "data" / f"frameworks_{VERSION}.jsonl"
# Processor precedence of the published table: Processor, Tokenizer, ImageProcessor, FeatureExtractor.
PROCESSORS = (("processing_auto.py", "PROCESSOR_MAPPING_NAMES", "AutoProcessor"),
              ("tokenization_auto.py", "TOKENIZER_MAPPING_NAMES", "AutoTokenizer"),
              ("image_processing_auto.py", "IMAGE_PROCESSOR_MAPPING_NAMES", "AutoImageProcessor"),
              ("feature_extraction_auto.py", "FEATURE_EXTRACTOR_MAPPING_NAMES", "AutoFeatureExtractor"))


def mapping_keys(source: str) -> dict[str, set[str]]:
    """Every module-level `NAME = OrderedDict([...])` (or a call around such a list): its string keys."""
    out: dict[str, set[str]] = {}
    for node in ast.parse(source).body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
            node, ast.AnnAssign) and node.value is not None else []
        value = node.value if isinstance(node, ast.Assign | ast.AnnAssign) else None
        for target in targets:
            if not isinstance(target, ast.Name) or value is None:
                continue
            keys = {element.elts[0].value for element in ast.walk(value)
                    if isinstance(element, ast.Tuple) and len(element.elts) == 2
                    and isinstance(element.elts[0], ast.Constant) and isinstance(element.elts[0].value, str)}
            if keys:
                out[target.id] = keys
    return out


def table(wheel: Path) -> list[dict[str, object]]:
    with zipfile.ZipFile(wheel) as archive:
        def read(name: str) -> dict[str, set[str]]:
            return mapping_keys(archive.read(AUTO + name).decode("utf-8"))

        config = read("configuration_auto.py")["CONFIG_MAPPING_NAMES"]
        pt = {k for name, keys in read("modeling_auto.py").items() if name.startswith("MODEL_") for k in keys}
        tf = {k for name, keys in read("modeling_tf_auto.py").items() if name.startswith("TF_MODEL_") for k in keys}
        flax = {k for name, keys in read("modeling_flax_auto.py").items() if name.startswith("FLAX_MODEL_")
                for k in keys}
        processors = [(read(module).get(mapping, set()), label) for module, mapping, label in PROCESSORS]
    rows = []
    for model_type in sorted(config):
        processor = next((label for keys, label in processors if model_type in keys), "AutoTokenizer")
        rows.append({"model_type": model_type, "pytorch": model_type in pt, "tensorflow": model_type in tf,
                     "flax": model_type in flax, "processor": processor})
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", type=Path, help=f"a transformers-{VERSION} wheel (default: pip download it)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        wheel = args.wheel
        if wheel is None:
            subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", tmp,
                            f"transformers=={VERSION}"], check=True)
            wheel = next(Path(tmp).glob("transformers-*.whl"))
        rows = table(wheel)
    args.out.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    counts = {k: sum(bool(r[k]) for r in rows) for k in ("pytorch", "tensorflow", "flax")}
    print(f"{len(rows)} model types: {counts['pytorch']} PyTorch, {counts['tensorflow']} TensorFlow, "
          f"{counts['flax']} Flax -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
