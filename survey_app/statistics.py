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

What may be published is decided by ``disclosure`` and ``cube``.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction

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
        }


def total_of(rows: Iterable[Figures], label: str = "Total") -> Figures:
    total = Figures(group=label, key="total")
    for row in rows:
        total.add(row)
    return total
