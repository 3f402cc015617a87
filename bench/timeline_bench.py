"""What a timeline costs: history requests and wall time, hfscan's plan vs the naive one, and the
real Hub at the free and PRO quotas.

    .venv/bin/python bench/timeline_bench.py                      # 100k fake models, quarterly 2020 -> 2026
    .venv/bin/python bench/timeline_bench.py --models 20000 --json bench/results/timeline.json

Three parts:

1. **Measured, fake Hub (--models, default 100k).** The real CLI against the fake Hub on 127.0.0.1:
   `hfscan scan`, then `hfscan timeline` (refuses, printing the cost), `hfscan history --every
   quarter ...` (requests counted by the server, wall time), `hfscan timeline` (exact). The planted
   population gives the same counts independently: a commit log for every repo some date cannot
   answer from the listing, a tree per (repo, commit at a date) that is not the head. The naive plan
   is a commit log for every repo plus the same trees (no date needs more, and a repo whose files
   the listing gives needs no tree either way).
2. **Projected, fake Hub at --large-models (default 3M).** The same planted rule over a uniform
   sample (--large-sample) of that population, scaled up; wall time = requests at the request rate
   measured in part 1 plus the timeline queries scaled linearly in models. Not a run.
3. **Estimated, real Hub.** Real creation dates (Liang et al., 74,797 models to Sept. 2022, the copy
   in hfscan/testing/fakehub/data) and published Hub sizes after that (interpolated linearly; see
   REAL_SIZES), with a STATED assumption for last_modified: a share --modified-share of repos has a
   commit after its creation quarter, the last one uniform between creation and the scan day; the
   others are never modified after their creation day. Repos created before 2022-03-02 show the
   clamped createdAt, so every one of them needs its commit log for the dates before the clamp.
   Requests at 1,000 (free) and 2,500 (PRO) per 5 minutes. Sampled history (`real_sampled`) also
   with the weekly dumps imported: dates a snapshot was taken on need no request, either every
   quarter end from 2024-09-30 or only those that are a dump's own date (`weekly_dump_days`):
   `.venv/bin/python bench/timeline_bench.py --skip-run --large-models 0 --modified-share 0.2 0.4`.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import machine, measure  # noqa: E402

DAY = 86_400
CLAMP = int(datetime(2022, 3, 2, 23, 29, 4, tzinfo=UTC).timestamp())
QUOTAS = {"free": 1000, "PRO": 2500}
# Public models on the Hub by date (REFERENCE_FIGURES: hub-docs, hub-stats); after Oct 2025 the
# Oct 2024 -> Oct 2025 pace (~105k a month) is ASSUMED to continue to the last date.
REAL_SIZES = [("2022-09-30", 74_797), ("2023-01-31", 120_000), ("2023-11-30", 350_000), ("2024-09-30", 900_000),
              ("2025-05-31", 1_700_000), ("2025-10-31", 2_160_000), ("2026-09-30", 3_315_000)]


def ts(day: str) -> int:
    return int(datetime.fromisoformat(day).replace(tzinfo=UTC).timestamp())


def cut(day: str) -> int:
    return ts(day) + DAY - 1


def unknown_on(created: int, last_modified: int, day_cut: int) -> bool:
    """Group (c): the listing alone cannot tell the repo's files on the day (docs/AS_OF.md)."""
    clamped = created < CLAMP
    if not clamped and created > day_cut:
        return False
    return not (max(created, CLAMP) <= day_cut and last_modified <= day_cut)


def planted_cost(models: list[Any], days: list[str]) -> dict[str, int]:
    """Requests the dates need, from the fake Hub's planted commits (independent of hfscan)."""
    cuts = [cut(d) for d in days]
    logs = trees = 0
    for m in models:
        unknown = [c for c in cuts if unknown_on(m.created, m.last_modified, c)]
        if not unknown:
            continue
        logs += 1
        trees += len({commit.sha for c in unknown for commit in [m.commit_as_of(c)]
                      if commit is not None and commit.sha != m.sha})
    return {"models": len(models), "commit_logs": logs, "trees": trees, "requests": logs + trees,
            "naive_requests": len(models) + trees}


def hfscan(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hfscan", *args], env=env, cwd=ROOT, capture_output=True, text=True)


def measured(models: int, seed: int, series: list[str], days: list[str]) -> dict[str, Any]:
    from hfscan.testing.fakehub import ALL_GATES, FakeHub
    from hfscan.testing.fakehub.truth import iter_models

    # The planted cost counts every repo's log and trees, gated repos' too: on the real Hub only a
    # token whose user accepted the gates reads those (docs/HUB_PROTOCOL.md, "Gated repos").
    token = "hf_" + "b" * 30
    with tempfile.TemporaryDirectory() as tmp, FakeHub(models=models, seed=seed, gate_access={token: ALL_GATES}) as hub:
        env = {**os.environ, "HF_ENDPOINT": hub.url, "HF_HOME": tmp, "HF_HUB_DISABLE_TELEMETRY": "1",
               "HFSCAN_DB": str(Path(tmp) / "hfscan.duckdb"), "PYTHONPATH": str(ROOT), "HF_TOKEN": token}
        py = [sys.executable, "-m", "hfscan"]
        scan = measure([*py, "scan"], env=env)
        refused = hfscan(["timeline", *series, "--max-width", "5"], env)  # refuses, naming the cost
        assert refused.returncode == 2, refused.stderr
        before = hub.stats()
        history = measure([*py, "history", *series, "--json"], env=env)
        after = hub.stats()
        # --partial: a repo whose history was squashed after a date leaves that date unknowable
        # whatever is fetched; it is stored as partial and counted below, not refused.
        final = measure([*py, "timeline", *series, "--partial"], env=env)
        again = hfscan(["timeline", *series, "--partial", "--json"], env)  # the same rows again: replaced
        out = json.loads(again.stdout) if again.returncode == 0 else {}
        planted = planted_cost(list(iter_models(hub.population, 0)), days)
    logs = after.get("route:commits", 0) - before.get("route:commits", 0)
    trees = after.get("route:tree", 0) - before.get("route:tree", 0)
    return {"models": models, "days": len(days), "scan_s": round(scan["wall"], 1),
            "refusal": refused.stderr.strip().splitlines()[-1],
            "history": {"commit_logs": logs, "trees": trees, "requests": logs + trees,
                        "wall_s": round(history["wall"], 1), "cpu_s": round(history["cpu"], 1),
                        "requests_per_s": round((logs + trees) / history["wall"], 1)},
            "timeline": {"wall_s": round(final["wall"], 2), "cpu_s": round(final["cpu"], 2),
                         "peak_rss_mb": round(final["peak_rss_mb"]),
                         "complete": all(d.get("complete") for d in out.get("dates", [])) if out else None,
                         "partial_dates": sum(not d.get("complete") for d in out.get("dates", [])) if out else None,
                         # after history, what is still unknown is only what no request can fetch
                         "only_squashed_missing": all(d["missing"] == d["squashed"] for d in out.get("dates", []))
                         if out else None},
            "planted": planted, "naive": {"requests": models + trees, "commit_logs": models, "trees": trees}}


def anonymous_env(url: str, home: str) -> dict[str, str]:
    """The CLI's environment against the fake Hub at `url`, without a token (gated repos bounded)."""
    env = {**os.environ, "HF_ENDPOINT": url, "HF_HOME": home, "HF_HUB_DISABLE_TELEMETRY": "1",
           "HFSCAN_DB": str(Path(home) / "hfscan.duckdb"), "PYTHONPATH": str(ROOT)}
    env.pop("HF_TOKEN", None)
    return env


def widest_interval(dates: list[dict[str, Any]], day_filter: Any) -> float:
    """The widest class interval (points) among `timeline --json` dates that `day_filter` keeps."""
    return max((c["share_high"] - c["share_low"] for d in dates if day_filter(d["day"])
                for c in d["classes"].values() if c["share"] is not None), default=0.0)


def measured_precision(models: int, seed: int, days: list[str], precision: float,
                       start: str = "2021-12-14") -> dict[str, Any]:
    """`hfscan history --as-of <every date from start> --precision P` on the fake Hub, for real
    (anonymous: gated repos stay bounded), then `timeline --json`: requests counted by the server,
    widths from the stored 95% intervals, the exact plan from the planted population."""
    from hfscan.testing.fakehub import FakeHub
    from hfscan.testing.fakehub.truth import iter_models

    late = [d for d in days if d >= start]
    with tempfile.TemporaryDirectory() as tmp, FakeHub(models=models, seed=seed) as hub:
        env = anonymous_env(hub.url, tmp)
        scan = measure([sys.executable, "-m", "hfscan", "scan"], env=env)
        before = hub.stats()
        run = measure([sys.executable, "-m", "hfscan", "history", *[a for d in late for a in ("--as-of", d)],
                       "--precision", str(precision), "--json"], env=env)
        after = hub.stats()
        out = hfscan(["timeline", "--every", "quarter", "--from", days[0], "--to", days[-1], "--json",
                      "--max-width", "100"], env)
        assert out.returncode == 0, out.stderr
        population = list(iter_models(hub.population, 0))
        planted = planted_cost(population, days)
        planted_late = planted_cost(population, late)
    dates = json.loads(out.stdout)["dates"]
    logs = after.get("route:commits", 0) - before.get("route:commits", 0)
    trees = after.get("route:tree", 0) - before.get("route:tree", 0)

    def widest(day_filter: Any) -> float:
        return widest_interval(dates, day_filter)

    return {"models": models, "precision": precision, "from": start, "scan_s": round(scan["wall"], 1),
            "commit_logs": logs, "trees": trees, "requests": logs + trees, "history_wall_s": round(run["wall"], 1),
            "exact_plan_requests": planted["requests"], "exact_plan_requests_from": planted_late["requests"],
            "ratio_to_exact": round((logs + trees) / max(1, planted["requests"]), 3),
            "ratio_to_exact_from": round((logs + trees) / max(1, planted_late["requests"]), 3),
            "widest_from": round(widest(lambda d: d >= start), 2),
            "widest_before": round(widest(lambda d: d < start), 2),
            "per_day_widest": {d["day"]: round(widest_interval([d], lambda _: True), 2) for d in dates}}


def measured_sampled(models: int, seed: int, days: list[str], early: int, late: int,
                     clamp_day: str = "2022-03-02") -> dict[str, Any]:
    """Sampled history on the fake Hub, for real: `history --as-of` every date before the clamp with
    `--sample early`, `history --as-of` the later dates with `--sample late` (two runs: early dates
    need a large sample, later ones a small one), then `timeline --json`. Requests are counted by
    the server; widths are the stored 95% intervals; the exact plan is the planted one."""
    from hfscan.testing.fakehub import FakeHub
    from hfscan.testing.fakehub.truth import iter_models

    with tempfile.TemporaryDirectory() as tmp, FakeHub(models=models, seed=seed) as hub:
        env = anonymous_env(hub.url, tmp)
        assert hfscan(["scan"], env).returncode == 0
        before = hub.stats()
        started = time.monotonic()
        for group, n in (([d for d in days if d < clamp_day], early), ([d for d in days if d >= clamp_day], late)):
            if group:
                run = hfscan(["history", *[a for d in group for a in ("--as-of", d)], "--sample", str(n)], env)
                assert run.returncode == 0, run.stderr
        wall = time.monotonic() - started
        after = hub.stats()
        out = hfscan(["timeline", "--every", "quarter", "--from", days[0], "--to", days[-1], "--json"], env)
        assert out.returncode == 0, out.stderr
        planted = planted_cost(list(iter_models(hub.population, 0)), days)
    dates = json.loads(out.stdout)["dates"]
    logs = after.get("route:commits", 0) - before.get("route:commits", 0)
    trees = after.get("route:tree", 0) - before.get("route:tree", 0)

    def widest(day_filter: Any) -> float:
        return widest_interval(dates, day_filter)

    return {"models": models, "sample_early": early, "sample_late": late, "commit_logs": logs, "trees": trees,
            "requests": logs + trees, "history_wall_s": round(wall, 1), "exact_plan_requests": planted["requests"],
            "ratio_to_exact": round((logs + trees) / max(1, planted["requests"]), 3),
            "widest_from_2021_12_14": round(widest(lambda d: d >= "2021-12-14"), 2),
            "widest_before": round(widest(lambda d: d < "2021-12-14"), 2),
            "per_day_widest": {d["day"]: round(widest_interval([d], lambda _: True), 2) for d in dates}}


def projected(models: int, seed: int, sample: int, days: list[str], rate: float, timeline_s: float,
              measured_models: int) -> dict[str, Any]:
    from hfscan.testing.fakehub.population import Population

    population = Population(models, seed=seed)
    size = population.size(0)
    rng = random.Random(seed)
    picked = [population.model(i, 0) for i in rng.sample(range(size), min(sample, size))
              if not population.deleted(i, 0)]
    cost = planted_cost(picked, days)
    scale = models / max(1, len(picked))
    logs, trees = round(cost["commit_logs"] * scale), round(cost["trees"] * scale)
    return {"models": models, "sample": len(picked), "commit_logs": logs, "trees": trees, "requests": logs + trees,
            "naive_requests": models + trees,
            "history_wall_s_at_measured_rate": round((logs + trees) / rate) if rate else None,
            "naive_wall_s_at_measured_rate": round((models + trees) / rate) if rate else None,
            "timeline_wall_s_linear": round(timeline_s * models / measured_models, 1)}


@functools.lru_cache(maxsize=2)
def real_created(seed: int) -> tuple[int, ...]:
    """Liang's real creation dates, then repos spread uniformly between published sizes."""
    import polars as pl

    real = pl.read_parquet(ROOT / "hfscan/testing/fakehub/data/liang2022_models.parquet")["created"].to_list()
    created = sorted(real)
    rng = random.Random(seed)
    previous_day, previous = REAL_SIZES[0]
    for day, size in REAL_SIZES[1:]:
        lo, hi = ts(previous_day), ts(day)
        created += sorted(rng.randint(lo, hi) for _ in range(size - previous))
        previous_day, previous = day, size
    return tuple(created)


@functools.cache
def real_created_array(seed: int) -> Any:
    """`real_created` as a read-only int64 array, built once per seed: every real-Hub estimate below
    reads the same dates (building them is most of this script's time without a fake-Hub run)."""
    import numpy as np

    created = np.array(real_created(seed), dtype=np.int64)
    created.flags.writeable = False
    return created


def real_estimate(days: list[str], modified_share: float, seed: int, now: str) -> dict[str, Any]:
    """Requests for the dates on the real Hub under the stated last_modified assumption (vectorised)."""
    import numpy as np

    created = real_created_array(seed)
    rng = np.random.default_rng(seed)
    end = ts(now)
    quarter_end = np.array([cut(d) for d in days], dtype=np.int64)
    modified = rng.random(created.size) < modified_share
    # Modified repos: last commit uniform between creation and the scan day; others: their creation day.
    last = np.where(modified, created + (rng.random(created.size) * (end - created)).astype(np.int64),
                    created + DAY // 2)
    clamped = created < CLAMP
    shown = np.maximum(created, CLAMP)
    unknown = np.zeros((created.size,), dtype=np.int64)  # (repo, day) pairs in group (c)
    existed_unknown = np.zeros((created.size,), dtype=np.int64)  # of those, the repo truly existed
    for c in quarter_end:
        u = (clamped | (created <= c)) & ~((shown <= c) & (last <= c))
        unknown += u
        existed_unknown += u & (created <= c) & (last > c)
    logs = int((unknown > 0).sum())
    trees_upper = int(existed_unknown.sum())   # one tree per (repo, day): every day a different commit
    trees_lower = int((existed_unknown > 0).sum())  # one earlier commit answers all a repo's days
    out = {"models": int(created.size), "modified_share": modified_share, "commit_logs": logs,
           "clamped_repos": int(clamped.sum()), "trees_lower": trees_lower, "trees_upper": trees_upper,
           "naive_commit_logs": int(created.size)}
    for name, quota in QUOTAS.items():
        out[f"hours_{name}"] = [round((logs + t) / quota * 5 / 60, 1) for t in (trees_lower, trees_upper)]
        out[f"naive_hours_{name}"] = [round((created.size + t) / quota * 5 / 60, 1) for t in (trees_lower, trees_upper)]
    return out


# Sampled history (docs/AS_OF.md): the model behind the sample sizes. STATED assumptions: a share
# POP_SHARE of the repos that exist on a date have PyTorch and/or TensorFlow weights; the widest
# class is PyTorch only at about 85% (the 2021 figure), so a share's variance per sampled repo of the
# population is at most 0.85 * 0.15.
POP_SHARE = 0.6
WORST_VARIANCE = 0.85 * 0.15
Z = 1.96


def needed_sample(unknown: int, unknown_in_pop: int, population: int, half_points: float) -> int:
    """Repos of a date's hash order to fetch for a half-width of `half_points`: the variance formula
    of docs/AS_OF.md with the finite population correction."""
    if not unknown or not population:
        return 0
    fraction = unknown_in_pop / unknown
    n = (Z * unknown / population) ** 2 * fraction * WORST_VARIANCE / (half_points / 100) ** 2
    return min(unknown, int(n / (1 + n / unknown)) + 1)


# The weekly dumps (hfmlsoc/hub_weekly_snapshots): one file a week, labelled from 2024-07-24 on
# (README, "Backfill from published dumps"; docs/HUB_PROTOCOL.md). A date a complete snapshot was
# taken on needs no history (docs/AS_OF.md, "Dates a snapshot answers").
WEEKLY_DUMPS_FROM = "2024-07-24"


def weekly_dump_days(days: list[str], first: str = WEEKLY_DUMPS_FROM) -> set[str]:
    """The dates among `days` that are a weekly dump's own date (every 7 days from `first`)."""
    start = date.fromisoformat(first)
    return {d for d in days if date.fromisoformat(d) >= start and (date.fromisoformat(d) - start).days % 7 == 0}


# The class of a repo on a date, in the model: a repo never changed after its creation day had its
# files of today; a repo changed after the date had, with probability KEEP (a STATED assumption),
# today's class then, and otherwise a class drawn afresh (no relation to today's at all). Today's
# classes: POP_SHARE in the population, split 85 / 8 / 7 (the 2021 figure).
KEEP = 0.5
CLASS_SPLIT = (0.85 * POP_SHARE, 0.08 * POP_SHARE, 0.07 * POP_SHARE, 1 - POP_SHARE)
ABSENT = 4
GROUPS = ("created", "placeholder_unchanged", "placeholder_changed")


def _estimate_width(k_counts: Any, strata_u: Any, strata_x: Any, stratified: bool) -> float:
    """hfscan's own estimator (analysis/estimate.py) on the model's counts: the widest class interval."""
    from hfscan.analysis.estimate import DayCounts, Stratum, estimate

    names = ("pytorch_only", "tensorflow_only", "both", "neither", "absent")
    sample_total = strata_x.sum(axis=0)
    exact = {names[i]: int(k_counts[i] + sample_total[i]) for i in range(5)}
    strata = {f"{GROUPS[g // 4]}:{names[g % 4]}": Stratum(int(strata_u[g]), {names[i]: int(strata_x[g, i])
                                                                              for i in range(5) if strata_x[g, i]})
              for g in range(strata_u.size) if strata_u[g] or strata_x[g].sum()}
    counts = DayCounts("model", exact, {names[i]: int(sample_total[i]) for i in range(5) if sample_total[i]},
                       int(strata_u.sum()), {}, 0, strata=strata if stratified else {})
    return estimate(counts).width


def real_sampled(days: list[str], modified_share: float, seed: int, now: str, start: str = "2021-12-14",
                 half: float = 1.0, early_sample: int | None = None,
                 snapshot_days: set[str] | frozenset[str] = frozenset(), stratified: bool = True,
                 keep: float = KEEP) -> dict[str, Any]:
    """Requests of `hfscan history --every ... --precision half` on the modelled real Hub: each date
    from `start` on gets the smallest sample (in the date's keyed-hash order) at which hfscan's own
    estimator gives every class within +-`half` points, earlier dates `early_sample` (default: the
    first later date's), all in one hash order so dates share repos and logs. `stratified=False`
    is the same estimator without strata. Dates in `snapshot_days` are answered by a snapshot taken
    on them: exact, no request."""
    import numpy as np

    created = real_created_array(seed)
    rng = np.random.default_rng(seed)
    end = ts(now)
    modified = rng.random(created.size) < modified_share
    last = np.where(modified, created + (rng.random(created.size) * (end - created)).astype(np.int64),
                    created + DAY // 2)
    clamped = created < CLAMP
    shown = np.maximum(created, CLAMP)
    current = rng.choice(4, size=created.size, p=CLASS_SPLIT)
    kept = rng.random(created.size) < keep
    afresh = rng.choice(4, size=created.size, p=CLASS_SPLIT)
    order = rng.random(created.size)          # the keyed hash
    sampled_any = np.zeros(created.size, dtype=bool)
    tree_pairs = 0
    trees_any = np.zeros(created.size, dtype=bool)
    per_day = []
    first_late = next((d for d in days if d >= start), days[-1])
    chosen: dict[str, int] = {}
    for day in sorted(days, key=lambda d: (d < start, d)):   # later dates first: early ones reuse the first's n
        if day in snapshot_days:
            continue
        c = cut(day)
        existed = created <= c
        unknown = (clamped | existed) & ~((shown <= c) & (last <= c))
        on_day = np.where(~existed, ABSENT, np.where((last > c) & ~kept, afresh, current))
        group = np.where(~clamped, 0, np.where(last <= c, 1, 2))
        stratum = group * 4 + current
        known = ~unknown & existed
        k_counts = np.bincount(current[known], minlength=5)
        u_idx = np.flatnonzero(unknown)
        u_idx = u_idx[np.argsort(order[u_idx], kind="stable")]
        cells = stratum[u_idx] * 5 + on_day[u_idx]
        stratum_u = np.bincount(stratum[u_idx], minlength=12)

        def width(n: int, cells: Any = cells, k_counts: Any = k_counts, stratum_u: Any = stratum_u) -> float:
            x = np.bincount(cells[:n], minlength=60).reshape(12, 5)
            return _estimate_width(k_counts, stratum_u - x.sum(axis=1), x, stratified)

        if day >= start:
            lo, hi = 0, u_idx.size
            probe = 64
            while probe < hi and width(probe) > 2 * half:
                lo, probe = probe, probe * 2
            hi = min(hi, probe)
            while hi - lo > max(1, hi // 100):   # within 1%: the plan is a step, not a proof
                mid = (lo + hi) // 2
                lo, hi = (lo, mid) if width(mid) <= 2 * half else (mid, hi)
            n = hi
        else:
            n = min(u_idx.size, early_sample if early_sample is not None else chosen.get(first_late, 0))
        chosen[day] = n
        sample = np.zeros(created.size, dtype=bool)
        sample[u_idx[:n]] = True
        sampled_any |= sample
        needs_tree = sample & existed & (last > c)
        tree_pairs += int(needs_tree.sum())
        trees_any |= needs_tree
        population = int(k_counts[:3].sum() + (on_day[u_idx] < 3).sum())
        per_day.append({"day": day, "unknown": int(u_idx.size), "population": population, "sample": n,
                        "width_points": round(width(n), 2) if n else None})
    per_day += [{"day": d, "source": "snapshot", "sample": 0, "width_points": 0.0} for d in days if d in snapshot_days]
    per_day.sort(key=lambda r: r["day"])
    logs = int(sampled_any.sum())
    out = {"models": int(created.size), "modified_share": modified_share, "stratified": stratified,
           "half_points_from": [start, half], "keep": keep, "snapshot_days": sorted(snapshot_days),
           "commit_logs": logs, "trees_lower": int(trees_any.sum()), "trees_upper": tree_pairs,
           "requests": [logs + int(trees_any.sum()), logs + tree_pairs], "per_day": per_day}
    for name, quota in QUOTAS.items():
        out[f"minutes_{name}"] = [round(r / quota * 5) for r in out["requests"]]
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--every", default="quarter")
    parser.add_argument("--from", dest="start", default="2020-01-01")
    parser.add_argument("--to", dest="end", default="2026-09-30")
    parser.add_argument("--large-models", type=int, default=3_000_000)
    parser.add_argument("--large-sample", type=int, default=200_000)
    parser.add_argument("--modified-share", type=float, nargs="+", default=[0.2, 0.4, 0.6])
    parser.add_argument("--skip-run", action="store_true", help="only the projections (no fake-Hub run)")
    parser.add_argument("--sampled-models", type=int, default=0,
                        help="also measure sampled history on a fake Hub of this size (0: skip)")
    parser.add_argument("--sample-early", type=int, default=1500, help="--sample for the dates before the clamp")
    parser.add_argument("--sample-late", type=int, default=400, help="--sample for the dates after it")
    parser.add_argument("--precision-models", type=int, default=0,
                        help="also measure `history --precision` on a fake Hub of this size (0: skip)")
    parser.add_argument("--precision", type=float, default=1.0, help="the half-width for --precision-models")
    parser.add_argument("--keep", type=float, nargs="+", default=[KEEP],
                        help="real-Hub model: chance a changed repo had today's class on the date (STATED)")
    parser.add_argument("--skip-sampled-model", action="store_true",
                        help="leave out the sampled-history rows of the real-Hub model (minutes of CPU)")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()

    from hfscan.analysis.timeline import period_ends

    days = period_ends(args.every, args.start, args.end)
    series = ["--every", args.every, "--from", args.start, "--to", args.end]
    started = time.monotonic()
    report: dict[str, Any] = {"every": args.every, "from": args.start, "to": args.end, "days": len(days),
                              "machine": machine()}
    rate, timeline_s = 0.0, 0.0
    if not args.skip_run:
        run = measured(args.models, args.seed, series, days)
        report["measured"] = run
        rate, timeline_s = run["history"]["requests_per_s"], run["timeline"]["wall_s"]
        print(json.dumps(run, indent=2), file=sys.stderr)
    if args.sampled_models:
        report["measured_sampled"] = measured_sampled(args.sampled_models, args.seed, days, args.sample_early,
                                                      args.sample_late)
        print(json.dumps(report["measured_sampled"], indent=2), file=sys.stderr)
    if args.precision_models:
        report["measured_precision"] = measured_precision(args.precision_models, args.seed, days, args.precision)
        print(json.dumps(report["measured_precision"], indent=2), file=sys.stderr)
    if args.large_models:
        report["projected"] = projected(args.large_models, args.seed, args.large_sample, days, rate, timeline_s,
                                        args.models)
        print(json.dumps(report["projected"], indent=2), file=sys.stderr)
    now = date.today().isoformat()  # the scan day: modified repos' last commits fall before it
    report["real_hub"] = [real_estimate(days, share, args.seed, now) for share in args.modified_share]
    print(json.dumps(report["real_hub"], indent=2), file=sys.stderr)
    if args.skip_sampled_model:
        return _write(report, args.json, started)
    # Sampled history: the whole series at ±1 point from 2021-12-14 on, and that date alone at ±2,
    # with hfscan's stratified estimator (and, for comparison, the same estimator without strata).
    report["real_hub_sampled"] = [real_sampled(days, share, args.seed, now, keep=keep)
                                  for keep in args.keep for share in args.modified_share]
    report["real_hub_sampled_unstratified"] = [real_sampled(days, share, args.seed, now, stratified=False)
                                               for share in args.modified_share]
    report["real_hub_sampled_2021"] = [real_sampled(["2021-12-14"], share, args.seed, now, half=2.0, keep=keep)
                                       for keep in args.keep for share in args.modified_share]
    # With the weekly dumps imported: (a) every date from the first quarter end after they start
    # answered by a snapshot (the premise of a dump on each such date), (b) only the dates that are a
    # dump's own label (hfscan's rule: a snapshot answers its own date only).
    after_dumps = {d for d in days if d >= "2024-09-30"}
    report["real_hub_sampled_dumps_every_date"] = [real_sampled(days, share, args.seed, now, snapshot_days=after_dumps)
                                                   for share in args.modified_share]
    report["real_hub_sampled_dumps_own_dates"] = [real_sampled(days, share, args.seed, now,
                                                               snapshot_days=weekly_dump_days(days))
                                                  for share in args.modified_share]
    for row in (report["real_hub_sampled"] + report["real_hub_sampled_unstratified"] + report["real_hub_sampled_2021"]
                + report["real_hub_sampled_dumps_every_date"] + report["real_hub_sampled_dumps_own_dates"]):
        print(json.dumps({k: v for k, v in row.items() if k != "per_day"}), file=sys.stderr)
    return _write(report, args.json, started)


def _write(report: dict[str, Any], path: Path | None, started: float) -> int:
    report["seconds"] = round(time.monotonic() - started, 1)
    if path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
