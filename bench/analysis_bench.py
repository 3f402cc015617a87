"""Classification and analysis at the Hub's size: `hfscan classify` and `hfscan report` on 12 snapshots.

    python bench/analysis_bench.py --models 3000000 --snapshots 12 [--db kept.duckdb] [--json out.json]

Without `--db`, the snapshots are built first through the storage benchmark's path
(bench/storage_bench.py: ~1% of models changed between snapshots, unclassified). Then, each in
its own subprocess measured for wall time, CPU seconds and peak RSS:

- classify: `hfscan classify` — every stored version (the first snapshot's models plus ~1% more
  per later snapshot), by the files and tags methods;
- report:   `hfscan report` — the full HTML report over all the snapshots.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import machine, measure  # noqa: E402


def build(db: Path, models: int, snapshots: int, change: float, storage_json: Path | None) -> None:
    """The snapshots, via storage_bench.py in a subprocess (its memory is not ours)."""
    command = [sys.executable, str(ROOT / "bench" / "storage_bench.py"), "--models", str(models),
               "--snapshots", str(snapshots), "--change", str(change), "--page-size", "50000", "--keep", str(db)]
    if storage_json:
        command += ["--json", str(storage_json)]
    subprocess.run(command, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)


def run(db: Path, out_dir: Path) -> dict[str, dict[str, float]]:
    results = {}
    for name, command in (
        ("classify", ["classify", "--db", str(db), "--json"]),
        ("report", ["report", "--db", str(db), "--out", str(out_dir / "report.html"), "--json"]),
    ):
        measured = measure([sys.executable, "-m", "hfscan", *command])
        results[name] = {"wall_s": round(measured["wall"], 2), "cpu_s": round(measured["cpu"], 2),
                         "peak_rss_mb": round(measured["peak_rss_mb"])}
        print(f"{name:9s} {measured['wall']:8.2f}s  cpu {measured['cpu']:8.2f}s  rss {measured['peak_rss_mb']:7.0f} MB",
              file=sys.stderr)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", type=int, default=100_000)
    parser.add_argument("--snapshots", type=int, default=12)
    parser.add_argument("--change", type=float, default=0.01)
    parser.add_argument("--db", type=Path, default=None,
                        help="an unclassified database from `storage_bench.py --keep` (else built here)")
    parser.add_argument("--storage-json", type=Path, default=None, help="keep the storage figures of the build here")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db
        if db is None:
            db = Path(tmp) / "hfscan.duckdb"
            build(db, args.models, args.snapshots, args.change, args.storage_json)
        con = duckdb.connect(str(db), read_only=True)
        snapshots, models, versions = con.execute(
            "SELECT count(*), max(models), (SELECT count(*) FROM repo_versions) FROM scan_log "
            "WHERE status = 'complete'").fetchall()[0]
        con.close()
        results = run(db, Path(tmp))
    report = {"snapshots": snapshots, "models_per_snapshot": models, "versions": versions,
              "machine": machine(), "results": results}
    print(f"{'step':10s} {'wall s':>8s} {'cpu s':>8s} {'peak RSS MB':>12s}   ({snapshots} snapshots of "
          f"{models:,} models, {versions:,} versions)")
    for name, row in results.items():
        print(f"{name:10s} {row['wall_s']:8.2f} {row['cpu_s']:8.2f} {row['peak_rss_mb']:12,d}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
