"""Response rates and score statistics: pure functions of counts.

The database side (``reporting``) reduces participants to counts per group;
this module turns counts into figures and decides what may be shown. No
Flask and no SQL here, so every rule can be tested on hand-built numbers.

Scores are whole numbers (a CSQ-8 total is 8-32), so a group's scores are
kept as a distribution ``{score: how many}``. Mean, SD and median are
computed exactly from it: the sums are integers, the variance a fraction,
and only the last step is a float. Results equal Python's ``statistics``
module on the same list of scores.

Response rates follow AAPOR's Standard Definitions, with every eligible
participant counted in the denominator:

- RR1 = completed / eligible
- RR2 = (completed + partial) / eligible

Each mean and rate has a 95 % confidence interval: Student's t for a mean
(mean ± t(0.975; n - 1) × SD / √n) and Wilson's score interval for a rate
(better than the normal approximation for the small groups and the rates
near 0 or 1 that these reports have). The t quantile is computed here, from
the exact finite series of Student's distribution for whole degrees of
freedom, so no statistics library is needed.

What may be published is decided by ``disclosure`` and ``cube``.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from statistics import NormalDist

COUNT_KEYS = ("eligible", "invited", "opened", "partial", "completed", "csq_n")
DEFAULT_THRESHOLD = 5


# -- statistics of a distribution ---------------------------------------------


def count(distribution: Mapping[int, int]) -> int:
    return sum(distribution.values())


def mean(distribution: Mapping[int, int]) -> float | None:
    """The arithmetic mean; ``None`` for no observations."""
    n = count(distribution)
    if n == 0:
        return None
    return float(Fraction(sum(score * k for score, k in distribution.items()), n))


def sd(distribution: Mapping[int, int]) -> float | None:
    """The sample standard deviation (divisor n - 1); ``None`` below two observations."""
    n = count(distribution)
    if n < 2:
        return None
    total = sum(score * k for score, k in distribution.items())
    squares = sum(score * score * k for score, k in distribution.items())
    variance = Fraction(n * squares - total * total, n * (n - 1))
    return _sqrt(variance)


def _sqrt(value: Fraction) -> float:
    """The square root of a non-negative fraction, exact to far beyond a float's precision."""
    if value == 0:
        return 0.0
    # Scale so the integer square root carries more digits than a float holds.
    scale = 2**120
    root = math.isqrt(value.numerator * scale * scale // value.denominator)
    return float(Fraction(root, scale))


def median(distribution: Mapping[int, int]) -> float | None:
    """The middle value (the mean of the two middle values for an even count)."""
    n = count(distribution)
    if n == 0:
        return None
    wanted = (n - 1) // 2, n // 2  # zero-based positions of the middle value(s)
    found: list[int] = []
    seen = 0
    for score in sorted(distribution):
        k = distribution[score]
        for position in wanted:
            if seen <= position < seen + k:
                found.append(score)
        seen += k
    return float(Fraction(found[0] + found[1], 2))


def rate(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


# -- 95 % confidence intervals --------------------------------------------------

CONFIDENCE = 0.95
Z_95 = NormalDist().inv_cdf(1 - (1 - CONFIDENCE) / 2)  # 1.959963984540054


def t_two_sided_probability(t: float, df: int) -> float:
    """P(|T| ≤ t) for Student's t with ``df`` (a whole number ≥ 1) degrees of freedom.

    The finite series for whole degrees of freedom (Abramowitz & Stegun 26.7.3 and 26.7.4):
    with θ = atan(t / √df), odd df: (2/π)(θ + sin θ (cos θ + 2/3 cos³ θ + … + (2·4…(df-3)) /
    (1·3…(df-2)) cos^(df-2) θ)); even df: sin θ (1 + 1/2 cos² θ + … + (1·3…(df-3)) /
    (2·4…(df-2)) cos^(df-2) θ)."""
    if df < 1:
        raise ValueError("degrees of freedom must be at least 1")
    t = abs(t)
    theta = math.atan(t / math.sqrt(df))
    sin, cos = math.sin(theta), math.cos(theta)
    cos2 = cos * cos
    if df % 2:
        if df == 1:
            return 2 * theta / math.pi
        term = total = cos
        for k in range(3, df - 1, 2):  # cos^k θ, k = 3, 5, …, df - 2
            term *= cos2 * (k - 1) / k
            total += term
        return 2 / math.pi * (theta + sin * total)
    term = total = 1.0
    for k in range(2, df - 1, 2):  # cos^k θ, k = 2, 4, …, df - 2
        term *= cos2 * (k - 1) / k
        total += term
    return sin * total


def _t_density(t: float, df: int) -> float:
    log_constant = math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)
    return math.exp(log_constant - (df + 1) / 2 * math.log1p(t * t / df))


@lru_cache(maxsize=4096)
def t_quantile(df: int, confidence: float = CONFIDENCE) -> float:
    """The t with P(|T| ≤ t) = ``confidence`` (t(0.975; df) for 95 %): Newton's method on the
    exact probability, from the normal quantile: it lies below the root, and on this concave
    curve every step stays below it, so the steps converge from one side."""
    if df < 1:
        raise ValueError("degrees of freedom must be at least 1")
    if df == 1:
        return math.tan(math.pi * confidence / 2)
    t = NormalDist().inv_cdf(1 - (1 - confidence) / 2)
    for _ in range(100):
        # d/dt P(|T| ≤ t) = 2 × density(t)
        step = (t_two_sided_probability(t, df) - confidence) / (2 * _t_density(t, df))
        t -= step
        if abs(step) < 1e-13 * t:
            break
    return t


def mean_interval(distribution: Mapping[int, int]) -> tuple[float, float] | tuple[None, None]:
    """The 95 % confidence interval of the mean, t-based; ``(None, None)`` below two observations."""
    n = count(distribution)
    if n < 2:
        return None, None
    centre, spread = mean(distribution), sd(distribution)
    half = t_quantile(n - 1) * spread / math.sqrt(n)
    return centre - half, centre + half


def wilson_interval(successes: int, n: int, z: float = Z_95) -> tuple[float, float] | tuple[None, None]:
    """Wilson's score interval of the rate ``successes / n``; ``(None, None)`` for n = 0."""
    if n <= 0:
        return None, None
    p = successes / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z / (1 + z2 / n) * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    # Exact at the ends: 0 of n gives [0, …], n of n gives […, 1].
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return low, high


# -- one group's figures ------------------------------------------------------


@dataclass
class Figures:
    """The counts of one group (or the total) and what follows from them.

    ``eligible`` participants (not withdrawn, follow-up date passed); of
    those: ``invited`` (got a link), ``opened`` (opened it), ``partial``
    (answered some items but did not finish), ``completed`` (finished).
    ``scores``: the distribution of totals of complete responses;
    ``items``: per item, the distribution of its scores in those responses.
    """

    group: str
    key: str = ""
    eligible: int = 0
    invited: int = 0
    opened: int = 0
    partial: int = 0
    completed: int = 0
    scores: Counter = field(default_factory=Counter)
    items: dict[str, Counter] = field(default_factory=dict)

    def add(self, other: Figures) -> None:
        for key in ("eligible", "invited", "opened", "partial", "completed"):
            setattr(self, key, getattr(self, key) + getattr(other, key))
        self.scores.update(other.scores)
        for item_id, distribution in other.items.items():
            self.items.setdefault(item_id, Counter()).update(distribution)

    @property
    def csq_n(self) -> int:
        return count(self.scores)

    def values(self) -> dict:
        """Every figure of the row, unrounded, before suppression."""
        csq_ci = mean_interval(self.scores)
        rr_ci = wilson_interval(self.completed, self.eligible)
        return {
            "group": self.group,
            "eligible": self.eligible,
            "invited": self.invited,
            "opened": self.opened,
            "partial": self.partial,
            "completed": self.completed,
            "not_completed": self.eligible - self.completed,
            "response_rate": rate(self.completed, self.eligible),
            "response_rate_2": rate(self.completed + self.partial, self.eligible),
            "csq_n": self.csq_n,
            "csq_mean": mean(self.scores),
            "csq_sd": sd(self.scores),
            "csq_median": median(self.scores),
            "csq_ci_low": csq_ci[0],
            "csq_ci_high": csq_ci[1],
            "rr_ci_low": rr_ci[0],
            "rr_ci_high": rr_ci[1],
        }


def total_of(rows: Iterable[Figures], label: str = "Total") -> Figures:
    total = Figures(group=label, key="total")
    for row in rows:
        total.add(row)
    return total
