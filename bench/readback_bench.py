"""Read-back benchmark: the Hub requests `hfscan import hf-dataset REPO` makes to restore a year of
daily `hfscan publish` commits.

    python bench/readback_bench.py [--snapshots 365] [--models 40] [--json out.json]

Builds a dataset repo on the fake Hub as a scheduled publisher leaves it: one commit a day, each
adding one snapshot folder `data/snapshot_date=D/scan_id=N/data_0.parquet` (the file `hfscan export`
writes for a scan of a `FakeHub(models=M)`, with its scan_id / snapshot_date / snapshot_at columns set
to the day). Then reads it back into an empty database with no option, and again (nothing to do),
counting the fake Hub's requests per route. Requests do not depend on the number of models, only
on the number of snapshot files and of tree-listing pages; `--models` only sets the time per import.
The walk the import used before (one `--file` import per snapshot: a commit-log page and one
paths-info per commit for each file) is printed as computed, not run.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

# The fake Hub has no Xet storage: uploads take the LFS path (docs/HUB_PROTOCOL.md, "Uploads").
# Set before huggingface_hub is imported.
os.environ["HF_HUB_DISABLE_XET"] = "1"

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import machine, measure  # noqa: E402
from hfscan.testing.fakehub import FakeHub  # noqa: E402

REPO = "bench/daily-snapshots"
FIRST_DAY = date(2025, 1, 1)


def one_snapshot(hub: FakeHub, work: Path, env: dict[str, str]) -> Path:
    """The Parquet file `hfscan export` writes for one scan of the fake Hub."""
    db = work / "source.duckdb"
    measure([sys.executable, "-m", "hfscan", "scan", "--endpoint", hub.url, "--db", str(db)], env)
    measure([sys.executable, "-m", "hfscan", "export", "--db", str(db), "--out", str(work / "export")], env)
    (file,) = sorted((work / "export").rglob("*.parquet"))
    return file


def publish_daily(hub: FakeHub, template: Path, snapshots: int, work: Path) -> None:
    """One commit a day, each adding that day's snapshot folder, as `hfscan publish` run daily does."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    from huggingface_hub import CommitOperationAdd, HfApi

    token = hub.hub.uploads.add_user("bench")
    api = HfApi(endpoint=hub.url, token=token)
    api.create_repo(REPO, repo_type="dataset", exist_ok=True)
    table = pq.read_table(template)
    for number in range(snapshots):
        day = FIRST_DAY + timedelta(days=number)
        at = datetime(day.year, day.month, day.day, 6)
        dated = table
        for name, value in (("scan_id", number + 1), ("snapshot_date", day.isoformat()), ("snapshot_at", at)):
            index = dated.schema.get_field_index(name)  # the partition columns live in the path, if not here
            if index >= 0:
                dated = dated.set_column(index, name, pa.array([value] * dated.num_rows, dated.schema.field(name).type))
        local = work / f"day-{number}.parquet"
        pq.write_table(dated, local, compression="zstd")
        path = f"data/snapshot_date={day.isoformat()}/scan_id={number + 1}/data_0.parquet"
        api.create_commit(REPO, [CommitOperationAdd(path_in_repo=path, path_or_fileobj=str(local))],
                          commit_message=f"hfscan publish: 1 snapshot(s) (scan {number + 1})", repo_type="dataset")
        local.unlink()


def read_back(hub: FakeHub, db: Path, env: dict[str, str]) -> dict[str, object]:
    before = hub.stats()
    run = measure([sys.executable, "-m", "hfscan", "import", "hf-dataset", REPO, "--db", str(db), "--json"], env)
    after = hub.stats()
    routes = {k[len("route:"):]: after[k] - before.get(k, 0) for k in after
              if k.startswith("route:") and after[k] != before.get(k, 0)}
    # measure() keeps the stdout's tail: the summary's totals close the JSON object.
    summary = {k: int(v) for k, v in re.findall(r'"(imported|skipped)": (\d+)', run["stdout"])}
    return {"requests": sum(routes.values()), "routes": routes, "wall_s": round(run["wall"], 1),
            "cpu_s": round(run["cpu"], 1), "peak_rss_mb": round(run["peak_rss_mb"]),
            "imported": summary.get("imported"), "skipped": summary.get("skipped")}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--snapshots", type=int, default=365)
    parser.add_argument("--models", type=int, default=40)
    parser.add_argument("--tree-page", type=int, default=1000,
                        help="entries per tree page (the fake's default; the real Hub's is not documented): "
                        "a smaller page shows the paging at a reduced count")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hfscan-readback-") as tmp, FakeHub(models=args.models, seed=5,
                                                                                   tree_page_size=args.tree_page) as hub:
        work = Path(tmp)
        env = {**os.environ, "HF_ENDPOINT": hub.url, "HF_HOME": str(work / "hf_home"), "HF_TOKEN": "",
               "HF_TOKEN_PATH": str(work / "no-token"), "HF_HUB_DISABLE_TELEMETRY": "1"}
        started = time.monotonic()
        publish_daily(hub, one_snapshot(hub, work, env), args.snapshots, work)
        built = time.monotonic() - started
        db = work / "read.duckdb"
        first, again = read_back(hub, db, env), read_back(hub, db, env)
    # A tree listing of data/ holds, per snapshot, its two folders and its file, plus data/ itself.
    pages = -(-(3 * args.snapshots) // args.tree_page)
    commits = args.snapshots + 1  # the repo's initial commit, then one a day
    result = {
        "machine": machine(), "snapshots": args.snapshots, "models_per_snapshot": args.models,
        "tree_page": args.tree_page, "publish_seconds": round(built, 1), "read_back": first, "rerun": again,
        "formula": f"1 repo info + {pages} tree page(s) + {args.snapshots} downloads = {1 + pages + args.snapshots}",
        "walk_per_file_computed": args.snapshots * (1 + 1 + commits + 2),
    }
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    ok = first["requests"] == 1 + pages + args.snapshots and again["routes"].get("dataset_resolve", 0) == 0
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
