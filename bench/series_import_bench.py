"""Series import benchmark: one weekly dump of the real shape, imported through the fake Hub.

    python bench/series_import_bench.py --rows 2500000 [--json out.json] [--keep-file FILE]

Builds `models/<date>/models.parquet` with the columns of the real dumps
(hfscan/testing/fakehub/series_repos.py SCHEMA): file lists of ~15 names on average with a long
tail to 10,000 (a Pareto draw), config JSON, cardData text of a few hundred bytes to 20 KB. It is
written a row group at a time (never whole in memory), served from disk by the fake Hub in chunks,
and imported by `hfscan import hf-dataset --files` in a subprocess whose peak RSS and CPU come from
the kernel (`wait4`). The figures include the download over loopback. Fails (exit 1) above 1 GiB.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import machine, measure  # noqa: E402
from hfscan.testing.fakehub import FakeHub  # noqa: E402
from hfscan.testing.fakehub.series_repos import SCHEMA, WEEKLY_REPO, large_series_repo  # noqa: E402

LIMIT_MB = 1024
DATE = "2026-09-30"
GROUP = 100_000
NAMES = (["README.md", ".gitattributes", "config.json", "model.safetensors", "pytorch_model.bin", "tokenizer.json",
          "tokenizer_config.json", "special_tokens_map.json", "generation_config.json", "vocab.txt", "merges.txt",
          "tf_model.h5", "flax_model.msgpack", "adapter_config.json", "adapter_model.safetensors", "training_args.bin",
          "model.safetensors.index.json", "model_index.json", "unet/diffusion_pytorch_model.safetensors",
          "onnx/model.onnx", "openvino_model.xml", "model.Q4_K_M.gguf", "model.Q8_0.gguf"]
         + [f"model-{i:05d}-of-00030.safetensors" for i in range(1, 31)]
         + [f"checkpoint-{i * 500}/optimizer.pt" for i in range(1, 200)]
         + [f"images/sample_{i:04d}.png" for i in range(2000)])
TAGS = ["transformers", "pytorch", "safetensors", "gguf", "text-generation", "llama", "bert", "fill-mask",
        "region:us", "endpoints_compatible", "autotrain_compatible", "license:apache-2.0", "en", "diffusers",
        "peft", "tf", "jax", "onnx", "base_model:finetune:meta-llama/Llama-3.1-8B", "arxiv:1810.04805"]
LIBRARIES = ["transformers", "diffusers", "peft", "sentence-transformers", "gguf", "timm", None, None, "mlx"]
CONFIGS = [json.dumps({"model_type": t, "architectures": [a]}) for t, a in
           (("llama", "LlamaForCausalLM"), ("bert", "BertForMaskedLM"), ("qwen2", "Qwen2ForCausalLM"),
            ("t5", "T5ForConditionalGeneration"), ("vit", "ViTForImageClassification"))] + [None, None]


def _lists(rng: np.random.Generator, rows: int, counts: np.ndarray, pool: pa.Array) -> pa.ListArray:
    offsets = np.zeros(rows + 1, dtype=np.int32)
    np.cumsum(counts, out=offsets[1:])
    values = pool.take(pa.array(rng.integers(0, len(pool), int(offsets[-1]))))
    return pa.ListArray.from_arrays(pa.array(offsets), values)


def _text(rng: np.random.Generator, rows: int) -> pa.Array:
    """Card text: a few hundred bytes, a tail to 20 KB; random letters (it does not compress away)."""
    lengths = np.clip(rng.lognormal(6.33, 1.0, rows), 20, 20_000).astype(np.int64)
    offsets = np.zeros(rows + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    letters = rng.integers(97, 123, int(offsets[-1]), dtype=np.uint8)
    return pa.LargeStringArray.from_buffers(rows, pa.py_buffer(offsets), pa.py_buffer(letters)).cast(pa.string())


def group(rng: np.random.Generator, start: int, rows: int) -> pa.Table:
    files = np.clip(rng.pareto(1.6, rows) * 6 + 3, 1, 10_000).astype(np.int32)  # mean ~15, tail to 10k
    names = pa.array(NAMES)
    siblings = _lists(rng, rows, files, names)
    siblings = pa.ListArray.from_arrays(siblings.offsets, pa.StructArray.from_arrays([siblings.values], ["rfilename"]))
    created = 1_600_000_000_000 + rng.integers(0, 200_000_000_000, rows)
    safetensors = pa.StructArray.from_arrays([pa.array(rng.integers(1_000, 10**10, rows))], ["total"],
                                             mask=pa.array(rng.random(rows) < 0.5))
    null = pa.nulls(rows)
    columns = {
        "id": pa.array([f"org{(start + i) % 300_000}/model-{start + i}" for i in range(rows)]),
        "createdAt": pa.array(created, pa.timestamp("ms", tz="UTC")),
        "lastModified": pa.array(created + rng.integers(0, 10**10, rows), pa.timestamp("ms", tz="UTC")),
        "downloads": pa.array(rng.integers(0, 10**6, rows)),
        "downloadsAllTime": pa.array(rng.integers(0, 10**7, rows)),
        "likes": pa.array(rng.integers(0, 1000, rows)),
        "tags": _lists(rng, rows, rng.integers(2, 12, rows), pa.array(TAGS)),
        "pipeline_tag": pa.array(["text-generation", "fill-mask", None])
        .take(pa.array(rng.integers(0, 3, rows))),
        "library_name": pa.array(LIBRARIES).take(pa.array(rng.integers(0, len(LIBRARIES), rows))),
        "siblings": siblings,
        "config": pa.array(CONFIGS).take(pa.array(rng.integers(0, len(CONFIGS), rows))),
        "safetensors": safetensors,
        "gguf": null, "baseModels": null,
        "cardData": _text(rng, rows),
    }
    return pa.table({name: columns[name].cast(SCHEMA.field(name).type) for name in SCHEMA.names}, schema=SCHEMA)


def build(path: Path, rows: int, seed: int = 0) -> int:
    """Write the file a row group at a time; returns its size in bytes."""
    rng = np.random.default_rng(seed)
    with pq.ParquetWriter(path, SCHEMA, compression="zstd") as writer:
        for start in range(0, rows, GROUP):
            writer.write_table(group(rng, start, min(GROUP, rows - start)), row_group_size=GROUP)
    return path.stat().st_size


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--keep-file", type=Path, help="Reuse (or keep) the generated Parquet file here.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hfscan-series-bench-") as folder:
        file = args.keep_file or Path(folder) / "models.parquet"
        started = time.monotonic()
        if not file.exists() or pq.ParquetFile(file).metadata.num_rows != args.rows:
            build(file, args.rows)
        built = time.monotonic() - started
        db = Path(folder) / "hfscan.duckdb"
        with FakeHub(models=100) as hub:
            hub.hub.datasets[WEEKLY_REPO] = large_series_repo(hub.population, file, DATE)
            env = {**os.environ, "HF_HOME": str(Path(folder) / "hf"), "HF_TOKEN": "", "TMPDIR": folder,
                   "HF_HUB_DISABLE_TELEMETRY": "1", "PYTHONPATH": str(ROOT)}
            run = measure([sys.executable, "-m", "hfscan", "import", "hf-dataset", WEEKLY_REPO, "--files",
                           "models/*/models.parquet", "--endpoint", hub.url, "--db", str(db), "--json"], env=env)
        summary = json.loads(run["stdout"][run["stdout"].index("{"):]) if "{" in run["stdout"] else {}
        left = [p.name for p in Path(folder).iterdir() if p.name.startswith("hfscan-series-")]
        report = {"rows": args.rows, "file_bytes": file.stat().st_size, "build_s": round(built, 1),
                  "models": summary.get("models"), "wall_s": round(run["wall"], 1), "cpu_s": round(run["cpu"], 1),
                  "rows_per_s": round(args.rows / run["wall"]), "peak_rss_mb": round(run["peak_rss_mb"]),
                  "limit_mb": LIMIT_MB, "temp_left_behind": left, "machine": machine()}
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    ok = report["peak_rss_mb"] <= LIMIT_MB and report["models"] == args.rows and not left
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
