"""A report as the page, the command line and the exports show it: rows of counts, rates and CSQ-8
statistics per group and period, with small and recoverable cells suppressed."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import sqlite_utils

from .. import statistics
from ..questionnaires import Questionnaire
from ..statistics import Figures
from . import adjusted as adjusted_module
from . import cube as cube_module
from . import disclosure
from .figures import Query, figures
from .protection import SHOWN_COUNTS, protected


class PeriodNotOffered(ValueError):
    """A period no view offers (before the first course start, or after the last that is due)."""

    def __init__(self, period: str, offered: list[str]):
        super().__init__(period)
        self.period = period
        self.offered = offered


@dataclass
class Row:
    """One group's (or the total's) figures as published: hidden ones are ``disclosure.Hidden``."""

    values: dict
    marks: dict[str, str] = field(default_factory=dict)  # hidden key -> disclosure mark
    figures: Figures | None = None

    @property
    def suppressed(self) -> bool:
        return bool(self.marks)

    @property
    def hidden(self) -> set[str]:
        return set(self.marks)

    def __getitem__(self, key: str):
        return self.values[key]


@dataclass
class Report:
    """What one report shows: group rows, then the total, after disclosure control."""

    by: str
    query: Query
    rows: list[Row]
    threshold: int
    suppressed: bool  # whether disclosure control was applied at all
    questionnaire: Questionnaire | None = None
    groups: list[Figures] = field(default_factory=list)
    # The total's histogram: ((lowest, highest) score of the column, how many), from the lowest.
    scores: list[tuple[tuple[int, int], object]] = field(default_factory=list)
    item_rows: list[dict] = field(default_factory=list)  # each scored question's mean and answers
    cube: cube_module.Cube | None = None
    adjusted: adjusted_module.Adjusted | None = None  # the total's non-response-adjusted mean, if asked

    @property
    def adjusted_shown(self) -> adjusted_module.Adjusted | None:
        """The adjusted mean, unless the plain mean of the total is hidden (then neither is shown)."""
        if self.adjusted is None or "csq_mean" in self.total.marks:
            return None
        return self.adjusted

    @property
    def group_rows(self) -> list[Row]:
        return self.rows[:-1]

    @property
    def total(self) -> Row:
        return self.rows[-1]

    def json_rows(self) -> list[dict]:
        """The command line's JSON: these keys, hidden values as ``None`` and their marks in ``hidden``."""
        rows = []
        for row in self.rows:
            out = {key: _plain(row.values[key]) for key in ("group", *JSON_KEYS)}
            out["suppressed"] = any(key in row.marks for key in JSON_KEYS)
            out["hidden"] = {
                key: disclosure.mark_text(row.marks[key], self.threshold)
                for key in JSON_KEYS
                if key in row.marks
            }
            if self.adjusted is not None:
                shown = self.adjusted_shown if row is self.total else None
                out["csq_mean_adjusted"] = shown.mean if shown else None
                out["csq_n_effective"] = shown.n_effective if shown else None
                if row is self.total and shown is None and "csq_mean" in row.marks:
                    for key in ADJUSTED_KEYS:
                        out["hidden"][key] = out["hidden"]["csq_mean"]
            rows.append(out)
        return rows


def _plain(value):
    return None if disclosure.is_hidden(value) else value


JSON_KEYS = (
    "eligible",
    "invited",
    "opened",
    "partial",
    "completed",
    "response_rate",
    "csq_n",
    "csq_mean",
    "csq_sd",
    # Added later, after the first keys so existing readers keep their columns.
    "csq_ci_low",
    "csq_ci_high",
    "rr_ci_low",
    "rr_ci_high",
    "response_rate_2",
    "csq_median",
)
# Only in the total's row (groups: null), and only when the report is asked for them.
ADJUSTED_KEYS = ("csq_mean_adjusted", "csq_n_effective")


def _row(source: cube_module.Cube | None, group: str, period: str, figure: Figures, threshold: int) -> Row:
    values = figure.values()
    values["not_completed"] = figure.eligible - figure.completed
    row = Row(values=values, figures=figure)
    if source is None:
        return row
    marks = {}
    for name in (*SHOWN_COUNTS, *cube_module.SUMS):
        mark = source.mark(group, period, name)
        if mark is not None:
            marks[name] = mark
    for statistic, sources in cube_module.STATISTICS.items():
        hidden_sources = [marks[name] for name in sources if name in marks]
        if hidden_sources:
            # A mean hidden only to protect another group's ("×"), else computed from a hidden count ("–").
            counts_hidden = any(name in marks for name in sources if name in SHOWN_COUNTS)
            marks[statistic] = disclosure.DERIVED if counts_hidden else disclosure.PROTECT
    for name, mark in marks.items():
        if name in values:
            values[name] = disclosure.hidden(mark, threshold)
    row.marks = {name: mark for name, mark in marks.items() if name in values}
    return row


def cell_row(source: cube_module.Cube, group: str | None, period: str) -> Row:
    """One group's (``cube.TOTAL``: the total's) row of a solved cube in one period, as published."""
    figure = source.figures.get((group, period)) if group is not None else None
    if figure is None:
        figure = Figures(group=source.labels.get(group, ""), key=str(group))
    return _row(source, group, period, figure, source.threshold)


def _distributions(
    source: cube_module.Cube, period: str, questionnaire: Questionnaire | None, threshold: int
):
    """The total's score histogram and each scored question's mean and answers, as published."""
    figure = source.total_figures[(cube_module.TOTAL, period)]
    spec = source.spec

    def mark_of(name):
        return source.total_mark(period, name)

    scores: list[tuple[tuple[int, int], object]] = []
    for low, high in spec.bins():
        mark = mark_of(("bin", low))
        count = sum(figure.scores.get(score, 0) for score in range(low, high + 1))
        scores.append(((low, high), disclosure.hidden(mark, threshold) if mark else count))
    item_rows = []
    if questionnaire is not None:
        for item in (item for item in questionnaire.items if item.scored):
            distribution = figure.items.get(item.id, Counter())
            options = []
            for option in sorted(item.options, key=lambda option: option.score):
                mark = mark_of(("item", item.id, option.score))
                count = distribution.get(option.score, 0)
                options.append((option, disclosure.hidden(mark, threshold) if mark else count))
            mark = mark_of(("item_sum", item.id))
            n_mark = mark_of("csq_n")
            if mark or n_mark:
                how = (
                    disclosure.DERIVED if n_mark or any(disclosure.is_hidden(v) for _, v in options) else mark
                )
                mean = disclosure.hidden(how, threshold)
            else:
                mean = statistics.mean(distribution)
            item_rows.append({"item": item, "mean": mean, "options": options})
    return scores, item_rows


def _unprotected_distributions(figure: Figures, questionnaire: Questionnaire | None):
    scores = []
    if questionnaire is not None and questionnaire.score_range and questionnaire.total == "sum":
        low, high = questionnaire.score_range
        scores = [((score, score), figure.scores.get(score, 0)) for score in range(low, high + 1)]
    item_rows = []
    if questionnaire is not None:
        for item in (item for item in questionnaire.items if item.scored):
            distribution = figure.items.get(item.id, Counter())
            options = [(o, distribution.get(o.score, 0)) for o in sorted(item.options, key=lambda o: o.score)]
            item_rows.append({"item": item, "mean": statistics.mean(distribution), "options": options})
    return scores, item_rows


def report(
    db: sqlite_utils.Database,
    query: Query,
    by: str,
    *,
    threshold: int = statistics.DEFAULT_THRESHOLD,
    suppress: bool = True,
    items: bool = False,
    questionnaire: Questionnaire | None = None,
    translate=lambda text: text,
    cube: cube_module.Cube | None = None,
    adjust: bool = False,
) -> Report:
    """Figures per group and in total for ``query.period``, with disclosure control unless ``suppress``
    is false (then also any ``start``/``end`` range). ``cube``: an already solved cube of ``by``;
    ``adjust``: also the total's non-response-adjusted mean (``reporting.adjusted``)."""
    if suppress and threshold > 0:
        if query.start is not None or query.end is not None:
            raise ValueError("day-level ranges are only available without suppression")
        source = cube or protected(
            db, query, by, threshold=threshold, questionnaire=questionnaire, translate=translate
        )
        if query.period not in source.periods:
            raise PeriodNotOffered(query.period, source.periods)
        period = query.period
        rows = []
        groups = []
        shown_groups = source.groups if by != "total" else []
        if by == "period" and period:
            shown_groups = [q for q in shown_groups if q in cube_module.quarters_in(period, shown_groups)]
        for group in shown_groups:
            figure = source.figures.get((group, period)) if period is not None else None
            if figure is None:
                figure = Figures(group=source.labels.get(group, group), key=group)
            groups.append(figure)
            rows.append(_row(source, group, period or "", figure, threshold))
        total = source.figures.get((cube_module.TOTAL, period)) if period is not None else None
        if total is None:
            total = Figures(group="Total", key="total")
        total.group = "Total"
        rows.append(_row(source, cube_module.TOTAL, period or "", total, threshold))
        scores, item_rows = (
            _distributions(source, period, questionnaire, threshold) if period is not None else ([], [])
        )
    else:
        source = None
        groups = figures(db, query, by, items=items, translate=translate) if by != "total" else []
        if by == "total":
            total = statistics.total_of(figures(db, query, "total", items=items, translate=translate))
        else:
            total = statistics.total_of(groups)
        rows = [_row(None, g.key, "", g, threshold) for g in groups] + [_row(None, "", "", total, threshold)]
        scores, item_rows = _unprotected_distributions(total, questionnaire)
    return Report(
        by=by,
        query=query,
        rows=rows,
        threshold=threshold,
        suppressed=source is not None,
        questionnaire=questionnaire,
        groups=groups,
        scores=scores,
        item_rows=item_rows if items else [],
        cube=source,
        adjusted=adjusted_module.adjusted(db, query) if adjust else None,
    )
