"""The published figures the fake Hub's population is calibrated to (docs/FAKE_HUB.md).

The numbers are planted to resemble what is published about the real Hub; a measurement of the
fake proves nothing about the real one.
"""

from __future__ import annotations

import calendar
import math
from bisect import bisect_right
from datetime import datetime

from hfscan.testing.fakehub.components import MIX

CLASSES = ("pytorch_only", "tensorflow_only", "both")

# Public models on the Hub by date: Liang et al.'s data up to its last date, the hub-docs counts
# after it (docs/REFERENCE_FIGURES.md), then an assumed ~105k new models a month after Oct 2025.
HUB_SIZE: list[tuple[str, int]] = [
    ("2022-10-01", 74_797), ("2023-01-31", 120_000), ("2023-11-30", 350_000), ("2024-09-30", 900_000),
    ("2025-05-31", 1_700_000), ("2025-10-31", 2_160_000), ("2026-11-01", 3_420_000),
]

# AssemblyAI, 14 Dec 2021: of the models with PT or TF, 84% PT-only, 8.4% TF-only, 7.4% both. The
# planted creation mix aims a little lower on "both": ADD_TF_SHARE of PT-only repos gain TF weights
# later, part of them by that day.
EARLY_TARGET = {"pytorch_only": 0.873, "tensorflow_only": 0.084, "both": 0.043}

# The 30 most popular models of Dec 2021: 11 PT-only, 0 TF-only, 19 both. The most downloaded real
# models of the population get these classes by rank, 19 in 30 "both", spread over the ranks.
POPULAR = 30
POPULAR_BOTH = 19

# Irrational steps of independent low-discrepancy sequences: the golden ratio, then sqrt 2 and 3.
_STEPS = ((math.sqrt(5) - 1) / 2, math.sqrt(2) - 1, math.sqrt(3) - 1)
_CLASS_OF = {"pt": "pytorch_only", "pt_flax": "pytorch_only", "trainer": "pytorch_only", "pt_plain": "pytorch_only",
             "pt_ckpt": "pytorch_only", "pt_shards": "pytorch_only", "tf": "tensorflow_only",
             "tf_saved": "tensorflow_only", "keras": "tensorflow_only", "tflite": "tensorflow_only",
             "pt_tf": "both", "pt_tf_flax": "both"}


def _ts(date: str) -> int:
    return calendar.timegm(datetime.fromisoformat(date).timetuple())


_KNOTS = [(_ts(date), count) for date, count in HUB_SIZE]


def weyl(index: int, seed: int, sequence: int = 0) -> float:
    """frac(index * step + seed offset): equidistributed over any run of indices (sequence 0, 1, 2
    use different irrational steps)."""
    return (index * _STEPS[sequence] + seed * math.sqrt(7) + sequence / 3) % 1.0


def hub_time(fraction: float, start: int, end: int) -> int:
    """The creation time of the repo at this fraction of the synthetic part (index order), such that
    the Hub's size grows through HUB_SIZE between start and end (the first and last knots' counts)."""
    first, last = _KNOTS[0][1], _KNOTS[-1][1]
    count = first + fraction * (last - first)
    k = min(len(_KNOTS) - 2, max(0, bisect_right([c for _, c in _KNOTS], count) - 1))
    (t0, c0), (t1, c1) = _KNOTS[k], _KNOTS[k + 1]
    when = t0 + (count - c0) / (c1 - c0) * (t1 - t0)
    return int(min(end, max(start, when)))


def popular_category(rank: int) -> str:
    """Rank r in the top POPULAR: "both" for POPULAR_BOTH of them, evenly interleaved; the rest
    PT-only. Rank 0 (bert-base-uncased-like) also has Flax, as the real one does."""
    both = (rank + 1) * POPULAR_BOTH // POPULAR > rank * POPULAR_BOTH // POPULAR
    return ("pt_tf_flax" if rank % 3 == 0 else "pt_tf") if both else "pt"


def early_mix(cohort: int, popular: list[str], target: dict[str, float]) -> tuple[list[str], list[float]]:
    """The creation mix up to 2021 for the repos that are not popular: the 2021 MIX with each class
    rescaled so that the cohort (`cohort` repos, the popular ones among them) splits as `target`."""
    weights = dict(next(w for year, w in MIX if year == 2021))
    total = sum(weights.values())
    neither = sum(w for name, w in weights.items() if name not in _CLASS_OF) / total
    rest = max(1, cohort - len(popular))
    framework = rest * (1 - neither) + len(popular)        # the cohort's repos with PT or TF
    out: dict[str, float] = {name: w / total for name, w in weights.items() if name not in _CLASS_OF}
    for cls in CLASSES:
        planted = sum(1 for name in popular if _CLASS_OF[name] == cls)
        share = max(0.0, target[cls] * framework - planted) / rest
        group = {name: w for name, w in weights.items() if _CLASS_OF.get(name) == cls}
        size = sum(group.values())
        out |= {name: share * w / size for name, w in group.items()}
    return list(out), list(out.values())
