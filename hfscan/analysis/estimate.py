"""The as-of estimator: class counts and shares on a date from three parts (docs/AS_OF.md).

For a date D every repo of the latest snapshot falls in one part:
- exact (K): its class on D (or its absence) is known, from the listing or from stored history;
- sampled (U): history would settle it but has not been fetched; its classes are estimated from
  a sample: the longest prefix, in keyed-hash order, of the repos the listing cannot answer on D
  in which every repo is settled (known from history, or unknowable);
- bounded (B): no request settles it (squashed history, gated, gone, disabled, or a fetch that
  failed and has not been retried yet); it enters as worst cases, all in a class or none.

The sampled part is post-stratified (Cochran, ch. 5A.9): the listing tells, for every repo of U,
whether its creation date is real or the 2022-03-02 placeholder, whether its last commit is on or
before D, and the class of its files today. Within such a stratum repos are much alike on D (most
repos still have the class they had), so U is estimated stratum by stratum from the same sample,
and the interval narrows without any extra request. The sample itself stays one simple random
sample of U; a stratum with fewer than MIN_STRATUM sampled repos is pooled with its neighbours.

This module is pure arithmetic over counts (no database): `DayCounts` in, `AsOfEstimate` out, so
the coverage tests can evaluate it for hundreds of hash keys cheaply.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from hfscan.analysis.shares import POPULATION_CLASSES as POPULATION
from hfscan.classify.rules import CLASSES

Z95 = 1.96
# Added to each side of a class in the sample for the variance only (Agresti-Coull style): with no
# TF-only repo among 200 sampled, the plain delta method would claim a zero-width interval.
PSEUDO = 1.0


# Sampled repos a stratum needs to keep its own variance: fewer, and it is pooled (first with the
# strata of its timing group, then with all small ones), so no variance rests on a handful of repos.
MIN_STRATUM = 20


@dataclass(frozen=True)
class Stratum:
    """One post-stratum of U on a date: repos not fetched, and the sample's repos by class on D."""

    unsampled: int = 0
    sample: Mapping[str, int] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return sum(self.sample.values())

    def add_sampled(self, cls: str, n: int) -> Stratum:
        return Stratum(self.unsampled, {**self.sample, cls: self.sample.get(cls, 0) + n})

    def add_unsampled(self, n: int) -> Stratum:
        return Stratum(self.unsampled + n, self.sample)

    def merge(self, other: Stratum) -> Stratum:
        classes = {*self.sample, *other.sample}
        return Stratum(self.unsampled + other.unsampled,
                       {c: self.sample.get(c, 0) + other.sample.get(c, 0) for c in classes})


def pooled(strata: Mapping[str, Stratum], minimum: int = MIN_STRATUM) -> list[Stratum]:
    """The strata the estimate uses: keys are `group:class`; a stratum with fewer than `minimum`
    sampled repos joins its group's pool, a pool still too small joins the last pool, and that one,
    if still too small, the largest stratum kept (so every stratum has a sample to speak for it)."""
    by_group: dict[str, Stratum] = {}
    for key, stratum in sorted(strata.items()):
        if not stratum.unsampled and not stratum.size:
            continue
        target = key if stratum.size >= minimum else key.split(":")[0] + ":*"
        by_group[target] = by_group.get(target, Stratum()).merge(stratum)
    kept: dict[str, Stratum] = {}
    rest = Stratum()
    for key, stratum in by_group.items():
        if stratum.size >= minimum or not key.endswith(":*"):
            kept[key] = stratum
        else:
            rest = rest.merge(stratum)
    if rest.unsampled or rest.size:
        if rest.size >= minimum or not kept:
            kept["*"] = rest
        else:
            largest = max(kept, key=lambda k: kept[k].size)
            kept[largest] = kept[largest].merge(rest)
    return list(kept.values())


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
    strata: Mapping[str, Stratum] = field(default_factory=dict)  # U and the sample by stratum

    def post_strata(self) -> list[Stratum]:
        """The strata the estimate uses (one, from the totals, when none were given)."""
        if self.strata:
            return pooled(self.strata)
        return [Stratum(self.sampled, dict(self.sample))] if self.sampled or self.sample else []

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
    # A share's variance per sampled repo, over all of U (stratified, at the widest class): what
    # sizing a sample for a width reads (analysis/plan.py). 0 when nothing is sampled.
    unit_variance: float = 0.0

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

    U's class counts are, stratum by stratum, |U_h| * (class share of the stratum's sample); a share
    is the ratio (K_c + U_c) / (K_pop + U_pop), its variance by the delta method summed over strata,
    each with the finite population correction |U_h| (|U_h| + m_h) / m_h (zero when nothing is
    left to sample). Without any sample, U has no estimate and joins the bounded part as worst cases.
    """
    m = counts.sample_size
    unsampled, bounded = counts.sampled, counts.bounded_total
    bounded_by_reason = dict(counts.bounded)
    if unsampled and not m:
        bounded += unsampled
        bounded_by_reason["not_sampled"] = unsampled
        unsampled = 0
    strata = [s for s in counts.post_strata() if s.size] if unsampled else []
    known = {cls: counts.exact.get(cls, 0) for cls in (*CLASSES, "absent")}
    est = {cls: known[cls] + sum(s.unsampled * s.sample.get(cls, 0) / s.size for s in strata) for cls in known}
    pop = sum(est[c] for c in POPULATION)
    t = t_quantile(m - max(0, len(strata) - 1))
    classes: dict[str, ClassEstimate] = {}
    unit_variance = 0.0
    for cls in CLASSES:
        count_half = Z95 * math.sqrt(sum(_factor(s) * _count_var(s, cls, m) for s in strata))
        models_low = max(known[cls], math.floor(est[cls] - count_half))
        models_high = math.ceil(est[cls] + count_half) + bounded
        if cls not in POPULATION:
            classes[cls] = ClassEstimate(round(est[cls]), models_low, models_high, None, None, None)
            continue
        if not pop + bounded:  # nobody in the population: nothing to say
            classes[cls] = ClassEstimate(0, 0, 0, None, None, None)
            continue
        share = est[cls] / pop if pop else 0.0
        low_share = est[cls] / (pop + bounded)
        high_share = (est[cls] + bounded) / (pop + bounded)
        lows, highs = [], []
        for scenario in (low_share, high_share):
            half = t * math.sqrt(sum(_factor(s) * _share_var(s, cls, m, scenario) for s in strata)) / (pop + bounded)
            lows.append(scenario - half)
            highs.append(scenario + half)
        if strata:
            total_u = sum(s.unsampled for s in strata)
            spread = sum(_factor(s) * _share_var(s, cls, m, share) for s in strata)
            unit_variance = max(unit_variance, spread * m / (total_u * (total_u + m)))
        classes[cls] = ClassEstimate(round(est[cls]), models_low, models_high, _pct(share),
                                     _pct(min(lows[0], share)), _pct(max(highs[1], share)))
    exact_part = sum(counts.exact.get(c, 0) for c in CLASSES)
    return AsOfEstimate(counts.day, counts.source, unsampled == 0 and bounded == 0, classes,
                        Parts(exact_part, unsampled, bounded, m, bounded_by_reason), round(pop), unit_variance)


def _factor(s: Stratum) -> float:
    """|U_h| (|U_h| + m_h) / m_h: the stratum's total's variance per unit of its sample variance."""
    return s.unsampled * (s.unsampled + s.size) / s.size


def _pseudo(s: Stratum, m: int) -> float:
    """The stratum's share of the PSEUDO repos: in proportion to its sample, so that the floor over
    all strata weighs what one floor on the whole sample would."""
    return PSEUDO * s.size / m


def _count_var(s: Stratum, cls: str, m: int) -> float:
    x, n, a = s.sample.get(cls, 0), s.size, _pseudo(s, m)
    p = x / n
    floor = (x + a) / (n + 2 * a)
    return max(p * (1 - p), floor * (1 - floor))


def _share_var(s: Stratum, cls: str, m: int, share: float) -> float:
    """z = 1[c] - share * 1[pop] in the stratum; a Wilson-type floor: as if one more repo in and one
    outside the class had been sampled (a rare class seen 0-3 times would get a too narrow interval)."""
    x_c, n, a = s.sample.get(cls, 0), s.size, _pseudo(s, m)
    x_pop = sum(s.sample.get(c, 0) for c in POPULATION)
    return max(_ratio_var(x_c, x_pop, n, share), _ratio_var(x_c + a, x_pop + 2 * a, n + 2 * a, share))


def interval_text(c: ClassEstimate) -> str | None:
    """`84.2% (83.1–85.0)`, or `84.2%` when exact; None for a class outside the population."""
    if c.share is None:
        return None
    if c.share_low == c.share_high:
        return f"{c.share:.1f}%"
    return f"{c.share:.1f}% ({c.share_low:.1f}–{c.share_high:.1f})"
