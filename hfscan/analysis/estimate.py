"""The as-of estimator: class counts and shares on a date from three parts (docs/AS_OF.md).

For a date D every repo of the latest snapshot falls in one part:
- exact (K): its class on D (or its absence) is known, from the listing or from stored history;
- sampled (U): history would settle it but has not been fetched; its classes are estimated from
  a sample: the longest prefix, in keyed-hash order, of the repos the listing cannot answer on D
  in which every repo is settled (known from history, or unknowable);
- bounded (B): no request settles it (squashed history, gated, gone, disabled, or a fetch that
  failed and has not been retried yet); it enters as worst cases, all in a class or none.

This module is pure arithmetic over counts (no database): `DayCounts` in, `AsOfEstimate` out, so
the coverage tests can evaluate it for hundreds of hash keys cheaply.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from hfscan.analysis.shares import POPULATION_CLASSES as POPULATION
from hfscan.classify.rules import CLASSES

Z95 = 1.96
# Added to each side of a class in the sample for the variance only (Agresti-Coull style): with no
# TF-only repo among 200 sampled, the plain delta method would claim a zero-width interval.
PSEUDO = 1.0


@dataclass(frozen=True)
class DayCounts:
    """What the database knows on one date, as counts. Classes: the four of CLASSES plus 'absent'."""

    day: str
    exact: dict[str, int]              # K: listing or stored history (sample repos included)
    sample: dict[str, int]             # the prefix's repos known from history, by class
    sampled: int                       # |U|: fetchable, not fetched, outside the prefix
    bounded: dict[str, int]            # |B| by reason (squashed, gated, gone, disabled, failed)
    sample_bounded: int = 0            # of the bounded: in the prefix (they end no prefix)
    source: str = "history"            # history | snapshot (a complete snapshot taken on the day)

    @property
    def bounded_total(self) -> int:
        return sum(self.bounded.values())

    @property
    def sample_size(self) -> int:
        return sum(self.sample.values())


@dataclass(frozen=True)
class ClassEstimate:
    """One class on one date. Shares in percent of the population (None for `neither`)."""

    models: int
    models_low: int
    models_high: int
    share: float | None
    share_low: float | None
    share_high: float | None


@dataclass(frozen=True)
class Parts:
    """How many repos (that may exist on the date) each part holds, and the sample behind U."""

    exact: int
    sampled: int
    bounded: int
    sample: int
    bounded_by_reason: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class AsOfEstimate:
    day: str
    source: str
    exact: bool                        # nothing sampled, nothing bounded
    classes: dict[str, ClassEstimate]
    parts: Parts
    population: int                    # estimated models with PyTorch and/or TensorFlow weights

    @property
    def width(self) -> float:
        """The widest population class interval, in points (0 when exact)."""
        return max((c.share_high - c.share_low for c in self.classes.values()
                    if c.share_low is not None and c.share_high is not None), default=0.0)

    @property
    def counts(self) -> dict[str, int]:
        return {cls: c.models for cls, c in self.classes.items()}

    @property
    def shares(self) -> dict[str, float | None]:
        return {cls: c.share for cls, c in self.classes.items() if cls in POPULATION}


def _pct(value: float) -> float:
    return round(100 * min(1.0, max(0.0, value)), 2)


def t_quantile(m: int) -> float:
    """Student's t 97.5% quantile for m - 1 degrees of freedom (Cornish-Fisher; 1.96 for large m):
    the delta method's variance is itself estimated from the sample."""
    df = max(1, m - 1)
    return Z95 + 2.37 / df + 2.8 / df ** 2


def _ratio_var(x_c: float, x_pop: float, m: float, share: float) -> float:
    """Sample variance of z = 1[c] - share * 1[pop] over m sampled repos (counts only)."""
    if m < 2:
        return 0.25  # the largest a 0/1-type variable has: no information
    total = x_c * (1 - share) - (x_pop - x_c) * share
    squares = x_c * (1 - share) ** 2 + (x_pop - x_c) * share ** 2
    return max(0.0, (squares - total * total / m) / (m - 1))


def estimate(counts: DayCounts) -> AsOfEstimate:
    """Point estimates, 95% intervals for the sampled part, widened by worst cases for the bounded.

    U's class counts are |U| * (class share of the sample); a share is the ratio
    (K_c + U_c) / (K_pop + U_pop), its variance by the delta method with the finite population
    correction |U| (|U| + m) / m (zero when nothing is left to sample). Without any sample, U has
    no estimate and joins the bounded part as worst cases.
    """
    m = counts.sample_size
    unsampled, bounded = counts.sampled, counts.bounded_total
    bounded_by_reason = dict(counts.bounded)
    if unsampled and not m:
        bounded += unsampled
        bounded_by_reason["not_sampled"] = unsampled
        unsampled = 0
    factor = unsampled * (unsampled + m) / m if m else 0.0
    known = {cls: counts.exact.get(cls, 0) for cls in (*CLASSES, "absent")}
    est = {cls: known[cls] + (unsampled * counts.sample.get(cls, 0) / m if m else 0.0) for cls in known}
    pop = sum(est[c] for c in POPULATION)
    x_pop = sum(counts.sample.get(c, 0) for c in POPULATION)
    classes: dict[str, ClassEstimate] = {}
    for cls in CLASSES:
        x_c = counts.sample.get(cls, 0)
        p = x_c / m if m else 0.0
        count_half = Z95 * math.sqrt(factor * max(p * (1 - p), _pseudo_p(x_c, m))) if factor else 0.0
        models_low = max(known[cls], math.floor(est[cls] - count_half))
        models_high = math.ceil(est[cls] + count_half) + bounded
        if cls not in POPULATION:
            classes[cls] = ClassEstimate(round(est[cls]), models_low, models_high, None, None, None)
            continue
        share = est[cls] / pop if pop else 0.0
        low_share = est[cls] / (pop + bounded) if pop + bounded else 0.0
        high_share = (est[cls] + bounded) / (pop + bounded) if pop + bounded else 1.0
        lows, highs = [], []
        for scenario, denominator in ((low_share, pop + bounded), (high_share, pop + bounded)):
            # A Wilson-type floor: the variance as if one more repo in and one outside the class
            # had been sampled (a rare class seen 0-3 times would otherwise get a too narrow interval).
            var = factor * max(_ratio_var(x_c, x_pop, m, scenario),
                               _ratio_var(x_c + PSEUDO, x_pop + 2 * PSEUDO, m + 2 * PSEUDO, scenario))
            half = t_quantile(m) * math.sqrt(var) / denominator if denominator and factor else 0.0
            lows.append(scenario - half)
            highs.append(scenario + half)
        if not pop + bounded:  # nobody in the population: nothing to say
            classes[cls] = ClassEstimate(0, 0, 0, None, None, None)
            continue
        classes[cls] = ClassEstimate(round(est[cls]), models_low, models_high, _pct(share),
                                     _pct(min(lows[0], share)), _pct(max(highs[1], share)))
    exact_part = sum(counts.exact.get(c, 0) for c in CLASSES)
    return AsOfEstimate(counts.day, counts.source, unsampled == 0 and bounded == 0, classes,
                        Parts(exact_part, unsampled, bounded, m, bounded_by_reason), round(pop))


def _pseudo_p(x_c: int, m: int) -> float:
    p = (x_c + PSEUDO) / (m + 2 * PSEUDO)
    return p * (1 - p)


def interval_text(c: ClassEstimate) -> str | None:
    """`84.2% (83.1–85.0)`, or `84.2%` when exact; None for a class outside the population."""
    if c.share is None:
        return None
    if c.share_low == c.share_high:
        return f"{c.share:.1f}%"
    return f"{c.share:.1f}% ({c.share_low:.1f}–{c.share_high:.1f})"
