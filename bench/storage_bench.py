"""Storage benchmark: twelve snapshots with ~1% of models changed between them.

    python bench/storage_bench.py --models 1000000 --snapshots 12 --change 0.01 [--json out.json]

Pages are synthesised (realistic ids, tags and file lists, ~17 files per model) and go through
hfscan's own storage path — the staging file, one commit per 1,000-model page, then finalize —
so the figures are those of `hfscan scan` minus the network. Bytes are those in use after a
checkpoint (used blocks x block size); the file can be larger by free blocks DuckDB will reuse. The naive layout stores every
snapshot whole (one row per model per snapshot, file list included) in the same DuckDB version.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hfscan.model_row import MODEL_COLUMNS  # noqa: E402
from hfscan.store import snapshots  # noqa: E402
from hfscan.store.staging import ScanState, Staging  # noqa: E402

FILE_SETS = [
    ["README.md", ".gitattributes", "config.json", "pytorch_model.bin", "tokenizer.json", "vocab.txt",
     "tokenizer_config.json", "special_tokens_map.json", "training_args.bin"],
    ["README.md", ".gitattributes", "config.json", "model.safetensors", "tokenizer.json", "generation_config.json",
     "tokenizer_config.json", "special_tokens_map.json"],
    ["README.md", ".gitattributes", "config.json", "model-00001-of-00004.safetensors",
     "model-00002-of-00004.safetensors", "model-00003-of-00004.safetensors", "model-00004-of-00004.safetensors",
     "model.safetensors.index.json", "tokenizer.json", "tokenizer_config.json", "generation_config.json"],
    ["README.md", ".gitattributes", "llama-3-8b.Q4_K_M.gguf", "llama-3-8b.Q5_K_M.gguf", "llama-3-8b.Q8_0.gguf"],
    ["README.md", ".gitattributes", "adapter_config.json", "adapter_model.safetensors", "tokenizer.json"],
    ["README.md", ".gitattributes", "config.json", "pytorch_model.bin", "tf_model.h5", "flax_model.msgpack",
     "vocab.txt", "tokenizer_config.json"],
    ["README.md", ".gitattributes", "model_index.json", "unet/config.json", "unet/diffusion_pytorch_model.safetensors",
     "vae/config.json", "vae/diffusion_pytorch_model.safetensors", "text_encoder/model.safetensors",
     "text_encoder/config.json", "tokenizer/vocab.json", "tokenizer/merges.txt", "scheduler/scheduler_config.json"],
]
TAGS = [["transformers", "pytorch", "bert", "fill-mask", "region:us"],
        ["transformers", "safetensors", "llama", "text-generation", "region:us"],
        ["gguf", "llama", "region:us"], ["peft", "safetensors", "region:us"], ["diffusers", "safetensors"]]


def snapshot_frame(models: int, snapshot: int, change: float) -> pl.DataFrame:
    """Model i's sha changes at snapshot s with probability `change` (deterministic)."""
    idx = pl.int_range(0, models, eager=True).alias("i")
    frame = pl.DataFrame(idx)
    changed_in = [((pl.col("i") * 2654435761 + k * 40503) % 10_000) < int(change * 10_000) for k in range(1, snapshot + 1)]
    generation = pl.sum_horizontal(changed_in) if changed_in else pl.lit(0)
    return frame.with_columns(generation.alias("gen")).select(
        pl.format("org{}/model-{}", pl.col("i") % 50_000, pl.col("i")).alias("model_id"),
        pl.format("{}", pl.col("i")).str.zfill(24).alias("hub_id"),
        pl.format("{}{}", pl.col("i"), pl.col("gen")).str.zfill(40).alias("sha"),
        pl.format("org{}", pl.col("i") % 50_000).alias("author"),
        pl.lit(datetime(2024, 1, 1)).alias("created_at"),
        (pl.lit(datetime(2024, 1, 1)) + pl.duration(days=pl.col("gen"))).alias("last_modified"),
        pl.lit("transformers").alias("library_name"),
        pl.lit("text-generation").alias("pipeline_tag"),
        # Gathered from small lookup series: no Python per model (3M rows in seconds).
        pl.lit(pl.Series(TAGS, dtype=pl.List(pl.String))).gather(pl.col("i") % len(TAGS)).alias("tags"),
        pl.lit(pl.Series(FILE_SETS, dtype=pl.List(pl.String))).gather(pl.col("i") % len(FILE_SETS)).alias("files"),
        pl.lit("false").alias("gated"), pl.lit(False).alias("private"), pl.lit(False).alias("disabled"),
        pl.lit(None, dtype=pl.Int64).alias("safetensors_total"), pl.lit(None, dtype=pl.String).alias("gguf"),
        # Heavy-tailed like the Hub's: most models have few downloads, a few have millions.
        (((pl.col("i") * 2654435761 + snapshot * 97) % 10_007) / 10_007).pow(8).mul(200_000).floor()
        .cast(pl.Int64).alias("downloads"),
        (((pl.col("i") * 2654435761) % 10_007) / 10_007).pow(8).mul(2_000_000).floor().add(snapshot * 3)
        .cast(pl.Int64).alias("downloads_all_time"),
        (((pl.col("i") * 40503) % 1_009) / 1_009).pow(10).mul(500).floor().cast(pl.Int64).alias("likes"),
    ).select(MODEL_COLUMNS)


def store_snapshot(db: Path, frame: pl.DataFrame, page_size: int = 1000) -> float:
    started = time.monotonic()
    scan_id, _ = snapshots.register_scan(db, "full", "bench", ["files", "tags"])
    staging = Staging(db)
    staging.begin(ScanState(scan_id, "full", "bench", datetime.now(UTC).replace(tzinfo=None), None, False, 0, 0, 0, 0, None, None,
                            "running", None, os.getpid()))
    pages = (frame.height + page_size - 1) // page_size
    for page in range(pages):
        chunk = frame.slice(page * page_size, page_size)
        staging.commit_page(page + 1, chunk, [], None, page == pages - 1, page + 1)
    snapshots.finalize(staging)
    staging.remove()
    return time.monotonic() - started


def naive_store(db: Path, frame: pl.DataFrame, snapshot: int) -> None:
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE IF NOT EXISTS snapshots AS SELECT 0 AS snapshot, * FROM frame LIMIT 0")
    con.execute("INSERT INTO snapshots SELECT ?, * FROM frame", [snapshot])
    con.execute("CHECKPOINT")
    con.close()


def used_bytes(db: Path) -> int:
    """Bytes in use after a checkpoint: the file's size also counts free blocks DuckDB will reuse."""
    con = duckdb.connect(str(db))
    con.execute("CHECKPOINT")
    block_size, used = con.execute("SELECT block_size, used_blocks FROM pragma_database_size()").fetchall()[0]
    con.close()
    return int(block_size) * int(used)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", type=int, default=100_000)
    parser.add_argument("--snapshots", type=int, default=12)
    parser.add_argument("--change", type=float, default=0.01)
    parser.add_argument("--page-size", type=int, default=1000,
                        help="models per staged page; bytes do not depend on it (the staging file is dropped), "
                        "only store_seconds does")
    parser.add_argument("--unchanged", action="store_true",
                        help="then store the last snapshot once more, counters included: what an unchanged snapshot adds")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--keep", type=Path, default=None,
                        help="keep hfscan's database here (bench/analysis_bench.py classifies and reports on it)")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        db, naive = Path(tmp) / "hfscan.duckdb", Path(tmp) / "naive.duckdb"
        for s in range(args.snapshots):
            frame = snapshot_frame(args.models, s, args.change)
            seconds = store_snapshot(db, frame, args.page_size)
            naive_store(naive, frame, s)
            con = duckdb.connect(str(db))
            versions = con.execute("SELECT count(*) FROM repo_versions").fetchall()[0][0]
            con.close()
            hfscan_bytes, naive_bytes = used_bytes(db), used_bytes(naive)
            rows.append({"snapshot": s + 1, "hfscan_bytes": hfscan_bytes, "naive_bytes": naive_bytes,
                         "hfscan_file_bytes": db.stat().st_size, "naive_file_bytes": naive.stat().st_size,
                         "versions": versions, "store_seconds": round(seconds, 2)})
            print(f"snapshot {s + 1:2d}: hfscan {hfscan_bytes / 1e6:9.1f} MB  naive {naive_bytes / 1e6:9.1f} MB"
                  f"  versions {versions:,}  stored in {seconds:.1f}s", file=sys.stderr)
        unchanged = None
        if args.unchanged:
            before = used_bytes(db)
            store_snapshot(db, snapshot_frame(args.models, args.snapshots - 1, args.change), args.page_size)
            unchanged = used_bytes(db) - before
            print(f"unchanged snapshot: +{unchanged / 1e6:.1f} MB", file=sys.stderr)
        if args.keep:
            args.keep.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(db, args.keep)
    first = rows[0]["hfscan_bytes"]
    increments = [b["hfscan_bytes"] - a["hfscan_bytes"] for a, b in itertools.pairwise(rows)]
    report = {
        "models": args.models, "snapshots": args.snapshots, "page_size": args.page_size, "change_per_snapshot": args.change,
        "first_snapshot_bytes": first, "first_bytes_per_model": round(first / args.models, 1),
        "median_later_snapshot_bytes": sorted(increments)[len(increments) // 2] if increments else None,
        "later_snapshot_share_of_first": round(sorted(increments)[len(increments) // 2] / first, 4) if increments else None,
        "unchanged_snapshot_bytes": unchanged,
        "unchanged_share_of_first": round(unchanged / first, 4) if unchanged is not None else None,
        "hfscan_total_bytes": rows[-1]["hfscan_bytes"], "naive_total_bytes": rows[-1]["naive_bytes"],
        "naive_over_hfscan": round(rows[-1]["naive_bytes"] / rows[-1]["hfscan_bytes"], 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "rows": rows,
    }
    print(json.dumps({k: v for k, v in report.items() if k != "rows"}, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
