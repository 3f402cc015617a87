"""Storage benchmark: full snapshots with ~1% of models changed between them, then daily incremental scans.

    python bench/storage_bench.py --models 300000 --snapshots 12 --change 0.01 --unchanged --days 30 [--json out.json]

Pages are synthesised (realistic ids, tags and file lists, ~17 files per model) and go through
hfscan's own storage path — the staging file, one commit per 1,000-model page, then finalize —
so the figures are those of `hfscan scan` minus the network. Bytes are those in use after a
checkpoint (used blocks x block size); the file can be larger by free blocks DuckDB will reuse. The naive layout stores every
snapshot whole (one row per model per snapshot, file list included) in the same DuckDB version.

Each snapshot is one day. Counters move as on the Hub (`--churn daily`): each model gets the
30-day downloads of a real model (Liang et al. 2022, the fake Hub's data: 45% had none), read as
a daily rate r = downloads / 30; in a day its 30-day count changes with probability 1 - exp(-2r)
(a download enters or one leaves the window), its all-time count with 1 - exp(-r), its likes
with 0.2%. Over those models that is ~28% of 30-day counts and ~22% of all-time counts a day.
`--churn every` is the earlier data, where every counter moves at every snapshot.

`--days N` then runs N daily incremental scans (what the README advises): each lists only the
models changed that day (`--change`), the others are carried forward; `--full-every K` makes
every K-th of those days a full scan. The year is projected linearly: first snapshot + 365 x the
mean bytes a day added over those N days (per model, bytes scale with the model count).
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


LIANG = ROOT / "hfscan" / "testing" / "fakehub" / "data" / "liang2022_models.parquet"


def _uniform(k: int, salt: int) -> pl.Expr:
    """A deterministic uniform [0, 1) per (model, day, salt)."""
    return (pl.col("i") * 2654435761 + k * 2246822519 + salt).hash(seed=7) % 1_000_003 / 1_000_003


def counters(day: int, churn: str) -> list[pl.Expr]:
    if churn == "every":  # the earlier data: every counter moves at every snapshot
        return [
            (((pl.col("i") * 2654435761 + day * 97) % 10_007) / 10_007).pow(8).mul(200_000).floor()
            .cast(pl.Int64).alias("downloads"),
            (((pl.col("i") * 2654435761) % 10_007) / 10_007).pow(8).mul(2_000_000).floor().add(day * 3)
            .cast(pl.Int64).alias("downloads_all_time"),
            (((pl.col("i") * 40503) % 1_009) / 1_009).pow(10).mul(500).floor().cast(pl.Int64).alias("likes")]
    rate = pl.col("d30") / 30.0
    moved_30 = [_uniform(k, 1) < 1 - (-2 * rate).exp() for k in range(1, day + 1)]
    moved_all = [_uniform(k, 2) < 1 - (-rate).exp() for k in range(1, day + 1)]
    liked = [_uniform(k, 3) < 0.002 for k in range(1, day + 1)]
    total = (lambda flags: pl.sum_horizontal(flags).cast(pl.Int64)) if day else (lambda flags: pl.lit(0, pl.Int64))
    return [(pl.col("d30") + total(moved_30)).alias("downloads"),
            (pl.col("d30") * 14 + total(moved_all)).alias("downloads_all_time"),
            ((pl.col("i") * 40503 % 1_009 / 1_009).pow(10).mul(500).floor().cast(pl.Int64) + total(liked)).alias("likes")]


MODEL_TYPES = ["llama", "bert", "qwen2", "mistral", "gpt2", "t5", "roberta", "vit"]
ARCHITECTURES = [["LlamaForCausalLM"], ["BertForMaskedLM"], ["Qwen2ForCausalLM"], ["MistralForCausalLM"],
                 ["GPT2LMHeadModel"], ["T5ForConditionalGeneration"], ["RobertaModel"], ["ViTModel"]]


def snapshot_frame(models: int, snapshot: int, change: float, churn: str = "daily") -> pl.DataFrame:
    """Model i's sha changes at snapshot s with probability `change` (deterministic)."""
    idx = pl.int_range(0, models, eager=True).alias("i")
    real = pl.read_parquet(LIANG, columns=["downloads"])["downloads"].fill_null(0)
    frame = pl.DataFrame(idx).with_columns(real.gather(idx % real.len()).cast(pl.Int64).alias("d30"))
    changed_in = [((pl.col("i") * 2654435761 + k * 40503) % 10_000) < int(change * 10_000) for k in range(1, snapshot + 1)]
    generation = pl.sum_horizontal(changed_in) if changed_in else pl.lit(0)
    changed_now = changed_in[-1] if changed_in else pl.lit(True)
    return frame.with_columns(generation.alias("gen"), changed_now.alias("changed_now")).select(
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
        # What `expand=config` keeps (the loadable method): a model type and its architectures.
        pl.lit(pl.Series(MODEL_TYPES)).gather(pl.col("i") % len(MODEL_TYPES)).alias("config_model_type"),
        pl.lit(pl.Series(ARCHITECTURES, dtype=pl.List(pl.String))).gather(pl.col("i") % len(ARCHITECTURES))
        .alias("config_architectures"),
        *counters(snapshot, churn),
        pl.col("changed_now"),
    )


def store_snapshot(db: Path, frame: pl.DataFrame, page_size: int = 1000, kind: str = "full") -> float:
    """Stage and finalize one scan. An incremental one lists only the models changed that day."""
    started = time.monotonic()
    scan_id, base = snapshots.register_scan(db, kind, "bench", ["files", "tags"])
    if kind == "incremental":
        frame = frame.filter(pl.col("changed_now"))
    frame = frame.select(MODEL_COLUMNS)
    staging = Staging(db)
    staging.begin(ScanState(scan_id, kind, "bench", datetime.now(UTC).replace(tzinfo=None), None, False, 0, 0, 0, 0, None,
                            base.scan_id if base and kind == "incremental" else None, "running", None, os.getpid()))
    pages = max(1, (frame.height + page_size - 1) // page_size)
    for page in range(pages):
        chunk = frame.slice(page * page_size, page_size)
        staging.commit_page(page + 1, chunk, [], None, page == pages - 1, page + 1)
    snapshots.finalize(staging)
    staging.remove()
    return time.monotonic() - started


QUERIES = {
    "one snapshot (snapshot_models WHERE scan_id)": "SELECT count(*), sum(downloads), count(DISTINCT library_name) "
                                                   "FROM snapshot_models WHERE scan_id = $mid",
    "one snapshot (snapshot_at_position)": "SELECT count(*), sum(downloads), count(DISTINCT library_name) "
                                           "FROM snapshot_at_position($pos)",
    "latest_models": "SELECT count(*), sum(downloads), sum(likes) FROM latest_models",
    "every snapshot (GROUP BY scan_id)": "SELECT scan_id, count(*), sum(downloads) FROM snapshot_models GROUP BY 1",
}


def query_times(db: Path, repeats: int = 3) -> dict[str, float]:
    """Median seconds (wall, and CPU) of each per-snapshot query, read-only like `hfscan sql`."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        scans = [r[0] for r in con.execute("SELECT scan_id FROM scans WHERE status = 'complete' ORDER BY scan_id").fetchall()]
        mid = scans[len(scans) // 2]
        pos = con.execute("SELECT position FROM snapshot_order WHERE scan_id = ?", [mid]).fetchall()[0][0]
        out = {}
        for name, sql in QUERIES.items():
            times, cpu = [], []
            for _ in range(repeats):
                started, started_cpu = time.perf_counter(), time.process_time()
                con.execute(sql, {"mid": mid} if "$mid" in sql else {"pos": pos} if "$pos" in sql else None).fetchall()
                times.append(time.perf_counter() - started)
                cpu.append(time.process_time() - started_cpu)
            out[name] = round(sorted(times)[len(times) // 2], 3)
            # CPU seconds (DuckDB's threads included): steadier than wall time on a shared machine
            out[name + " cpu"] = round(sorted(cpu)[len(cpu) // 2], 3)
        return out
    finally:
        con.close()


def naive_store(db: Path, frame: pl.DataFrame, snapshot: int) -> None:
    con = duckdb.connect(str(db))
    frame = frame.select(MODEL_COLUMNS)
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
    parser.add_argument("--churn", choices=("daily", "every"), default="daily",
                        help="counters: as on the Hub in a day (default), or every counter moves every snapshot")
    parser.add_argument("--page-size", type=int, default=1000,
                        help="models per staged page; bytes do not depend on it (the staging file is dropped), "
                        "only store_seconds does")
    parser.add_argument("--unchanged", action="store_true",
                        help="then store the last snapshot once more, counters included: what an unchanged snapshot adds")
    parser.add_argument("--days", type=int, default=0, help="then this many daily incremental scans (the year projection)")
    parser.add_argument("--full-every", type=int, default=0, help="of those days, every K-th is a full scan (0: none)")
    parser.add_argument("--query-times", action="store_true", help="time the per-snapshot views on the final database")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--keep", type=Path, default=None,
                        help="keep hfscan's database here (bench/analysis_bench.py classifies and reports on it)")
    args = parser.parse_args()
    rows, days = [], []
    queries = None
    with tempfile.TemporaryDirectory() as tmp:
        db, naive = Path(tmp) / "hfscan.duckdb", Path(tmp) / "naive.duckdb"
        for s in range(args.snapshots):
            frame = snapshot_frame(args.models, s, args.change, args.churn)
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
            store_snapshot(db, snapshot_frame(args.models, args.snapshots - 1, args.change, args.churn), args.page_size)
            unchanged = used_bytes(db) - before
            print(f"unchanged snapshot: +{unchanged / 1e6:.1f} MB", file=sys.stderr)
        for d in range(args.days):
            day = args.snapshots + d
            kind = "full" if args.full_every and (d + 1) % args.full_every == 0 else "incremental"
            before = used_bytes(db)
            seconds = store_snapshot(db, snapshot_frame(args.models, day, args.change, args.churn), args.page_size, kind)
            added = used_bytes(db) - before
            days.append({"day": d + 1, "kind": kind, "added_bytes": added, "store_seconds": round(seconds, 2)})
            print(f"day {d + 1:3d} ({kind:11s}): +{added / 1e6:7.2f} MB  stored in {seconds:.1f}s", file=sys.stderr)
        if args.query_times:
            queries = query_times(db)
            print(f"query seconds: {queries}", file=sys.stderr)
        final_bytes = used_bytes(db)
        if args.keep:
            args.keep.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(db, args.keep)
    first = rows[0]["hfscan_bytes"]
    increments = [b["hfscan_bytes"] - a["hfscan_bytes"] for a, b in itertools.pairwise(rows)]
    per_day = sum(d["added_bytes"] for d in days) / len(days) if days else None
    report = {
        "models": args.models, "snapshots": args.snapshots, "page_size": args.page_size, "change_per_snapshot": args.change,
        "churn": args.churn,
        "first_snapshot_bytes": first, "first_bytes_per_model": round(first / args.models, 1),
        "median_later_snapshot_bytes": sorted(increments)[len(increments) // 2] if increments else None,
        "later_snapshot_share_of_first": round(sorted(increments)[len(increments) // 2] / first, 4) if increments else None,
        "unchanged_snapshot_bytes": unchanged,
        "unchanged_share_of_first": round(unchanged / first, 4) if unchanged is not None else None,
        "hfscan_total_bytes": rows[-1]["hfscan_bytes"], "naive_total_bytes": rows[-1]["naive_bytes"],
        "naive_over_hfscan": round(rows[-1]["naive_bytes"] / rows[-1]["hfscan_bytes"], 2),
        "days": len(days), "full_every": args.full_every,
        "mean_day_bytes": round(per_day) if per_day is not None else None,
        "mean_day_share_of_first": round(per_day / first, 4) if per_day is not None else None,
        # Linear: the first snapshot plus 365 days at the mean measured; x (3M / models) for the Hub's size.
        "projected_year_bytes": round(first + 365 * per_day) if per_day is not None else None,
        "projected_year_bytes_at_3m": round((first + 365 * per_day) * 3_000_000 / args.models) if per_day is not None else None,
        "final_bytes": final_bytes,
        "query_seconds": queries,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "rows": rows, "day_rows": days,
    }
    print(json.dumps({k: v for k, v in report.items() if k not in ("rows", "day_rows")}, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
