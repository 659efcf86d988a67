"""The national response rate month by month of the course start: does each new cohort answer more?

One row per calendar month from the first quarter with course starts to the month of the last
course start whose follow-up date has passed (``Query.cutoff``), skipping years without any: eligible, completed, the response rate and its
Wilson interval. The month is the course start's, as every period filter is, so a month lies inside
one quarter of the reports and is protected against it (``cube.protect_months``): the three months
of a quarter add up to the quarter as published, and a month's count never differs from a shown
enclosing period's by 1 to threshold − 1. A month without participants says 0.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlite_utils

from .. import statistics
from . import cube as cube_module
from . import disclosure
from .figures import Query, quarter_figures


@dataclass
class Month:
    month: str  # "2025-04"
    values: dict  # eligible, completed, response_rate, rr_ci_low, rr_ci_high (Hidden where hidden)

    def __getitem__(self, key: str):
        return self.values[key]


@dataclass
class Trend:
    months: list[Month]
    threshold: int
    suppressed: bool

    @property
    def shown_rates(self) -> int:
        return sum(isinstance(month["response_rate"], float) for month in self.months)


_QUARTER = re.compile(r"\d{4}K[1-4]\Z")


def _month_list(quarters: list[str], last: str) -> list[str]:
    """Every month of each year with course starts, up to ``last``: a year without any is left
    out (a course start typed as year 1 gives year 1's twelve months, not two thousand years')."""
    years = sorted({quarter[:4] for quarter in quarters if _QUARTER.match(quarter)})
    return [
        f"{year}-{month:02d}" for year in years for month in range(1, 13) if f"{year}-{month:02d}" <= last
    ]


def trend(
    db: sqlite_utils.Database,
    query: Query,
    spine: cube_module.Cube | None,
    *,
    threshold: int = statistics.DEFAULT_THRESHOLD,
    suppress: bool = True,
) -> Trend:
    """The trend of ``query``'s questionnaire over the whole time (its period is ignored); ``spine``:
    the solved total (``protected(..., "total")``), needed when ``suppress``."""
    base = Query(**{**query.__dict__, "period": "", "start": None, "end": None})
    cells, _, _ = quarter_figures(db, base, "month")
    figures = {month: figure for (month, _), figure in cells.items()}
    quarters = sorted({quarter for _, quarter in cells})
    if not quarters:
        return Trend([], threshold, suppress)
    protect = suppress and threshold > 0
    if protect and spine is None:
        raise ValueError("a protected trend needs the solved total")
    problems = cube_module.protect_months(spine, figures, threshold) if protect else {}
    months = []
    first = next((quarter for quarter in quarters if _QUARTER.match(quarter)), None)
    for month in _month_list(quarters, base.cutoff.isoformat()[:7]):
        if first is not None and month < f"{first[:4]}-{3 * int(first[5]) - 2:02d}":
            continue  # the first year from its first quarter with course starts
        figure = figures.get(month) or statistics.Figures(group=month, key=month)
        interval = statistics.wilson_interval(figure.completed, figure.eligible)
        values = {
            "eligible": figure.eligible,
            "completed": figure.completed,
            "response_rate": statistics.rate(figure.completed, figure.eligible),
            "rr_ci_low": interval[0],
            "rr_ci_high": interval[1],
        }
        problem = problems.get(month)
        if problem is not None:
            marks = {
                name: problem.mark((cube_module.TOTAL, month, name)) for name in ("eligible", "completed")
            }
            for name, mark in marks.items():
                if mark:
                    values[name] = disclosure.hidden(mark, threshold)
            if any(marks.values()):
                for name in ("response_rate", "rr_ci_low", "rr_ci_high"):
                    values[name] = disclosure.hidden(disclosure.DERIVED, threshold)
        months.append(Month(month, values))
    return Trend(months, threshold, suppress)
