"""Published report figures, protected together: every group, every offered period, one problem.

An evaluator can choose a grouping (region, municipality, ...) and a period
of the course start: the whole time, a year, a half-year or a quarter (no
free day-level range, so the set of views is finite). Every view is a
projection of one *cube*: the counts of each group in each quarter, summed
up the period tree (quarters → half-years → years → the whole time) and
over the groups (→ the total). :func:`protect` puts every cell of every
view and the relations between them (see ``disclosure``) into one problem,
so that no view's hidden cell can be worked out with the help of another
view: a year minus one of its quarters, a total minus its shown groups, a
region minus its shown municipalities.

On top of that, nested views (a period and one inside it) never publish a
count, in the same group, that differs by 1 to threshold − 1: the
difference would describe that few participants. The smaller view's cell is
hidden instead, and with it what is computed from it.

The total (with the score distribution and each question's answers) is
solved first, alone (``spine``), and frozen in every grouping, so that every
page shows the same total. A grouping whose groups add up to the groups of
another one (municipalities to regions and clusters) gets those as frozen
cells too, with the equations between them.

Pure: figures in, marks out. ``reporting`` reads the figures from the
database.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field

from .. import statistics
from ..statistics import Figures
from . import disclosure

TOTAL = "\x00total"
ALL = ""  # the whole time
COUNTS = ("eligible", "invited", "opened", "partial", "completed", "not_completed", "csq_n")
SUMS = ("score_sum", "square_sum")

# Statistics shown on a page and the cells they are computed from.
STATISTICS = {
    "response_rate": ("eligible", "completed"),
    "response_rate_2": ("eligible", "completed", "partial"),
    "csq_mean": ("csq_n", "score_sum"),
    "csq_sd": ("csq_n", "score_sum", "square_sum"),
    "csq_median": ("csq_n", "score_sum"),
    # A confidence interval is hidden with its figure: the mean's also gives its SD away (its width is
    # t × SD / √N), so it needs every cell the SD needs; the Wilson interval needs the rate's cells.
    "csq_ci_low": ("csq_n", "score_sum", "square_sum"),
    "csq_ci_high": ("csq_n", "score_sum", "square_sum"),
    "rr_ci_low": ("eligible", "completed"),
    "rr_ci_high": ("eligible", "completed"),
}


# -- periods ------------------------------------------------------------------


def half_of(quarter: str) -> str:
    year, number = quarter.split("K")
    return f"{year}H{1 if int(number) <= 2 else 2}"


def year_of(period: str) -> str:
    return period[:4]


def periods_of(quarters: Iterable[str]) -> list[str]:
    """Every offered period for data in these quarters: the whole time, then each year with its
    half-years and all four of its quarters (empty ones too: an absent quarter would say 0)."""
    years = sorted({year_of(q) for q in quarters})
    result = [ALL]
    for year in years:
        result += [year, f"{year}H1", f"{year}K1", f"{year}K2", f"{year}H2", f"{year}K3", f"{year}K4"]
    return result


def parent_of(period: str) -> str | None:
    """The period enclosing ``period``; a month (``2025-04``, only in the trend) is in its quarter."""
    if period == ALL:
        return None
    if len(period) == 7 and period[4] == "-":
        return f"{period[:4]}K{(int(period[5:]) + 2) // 3}"
    if len(period) == 4:
        return ALL
    if "H" in period:
        return year_of(period)
    return half_of(period)


def ancestors(period: str) -> list[str]:
    found = []
    parent = parent_of(period)
    while parent is not None:
        found.append(parent)
        parent = parent_of(parent)
    return found


def children_of(period: str, offered: list[str]) -> list[str]:
    return [p for p in offered if parent_of(p) == period]


def quarters_in(period: str, quarters: Iterable[str]) -> list[str]:
    if period == ALL:
        return list(quarters)
    if len(period) == 4:
        return [q for q in quarters if year_of(q) == period]
    if "H" in period:
        return [q for q in quarters if half_of(q) == period]
    return [q for q in quarters if q == period]


def valid_period(period: str) -> bool:
    """``""``, ``2025``, ``2025H1``/``H2`` or ``2025K1``..``K4``."""
    if period == ALL:
        return True
    if len(period) == 4:
        return period.isdigit()
    if len(period) == 6 and period[:4].isdigit():
        return (period[4] == "H" and period[5] in "12") or (period[4] == "K" and period[5] in "1234")
    return False


# -- the cube -------------------------------------------------------------------


@dataclass
class Spec:
    """What is published besides the counts: the score range and the scored questions."""

    score_range: tuple[int, int] | None = None
    items: dict[str, list[int]] = field(default_factory=dict)  # item id -> its scores
    bin_width: int = 1  # the total score's histogram: scores per column (see ``bin_width_for``)

    def bins(self) -> list[tuple[int, int]]:
        """The histogram's columns, ``(lowest, highest)`` score, from the lowest; the last may be narrower."""
        if not self.score_range:
            return []
        low, high = self.score_range
        return [
            (start, min(start + self.bin_width - 1, high)) for start in range(low, high + 1, self.bin_width)
        ]


BIN_WIDTHS = (1, 2, 3, 5)  # 25, 13, 9 and 5 columns for the CSQ-8's 8–32
PER_COLUMN = 4  # responses per column, on average, in threshold units


def bin_width_for(score_range: tuple[int, int] | None, responses: int, threshold: int) -> int:
    """Scores per histogram column: the narrowest width whose columns hold, on average, at least
    ``PER_COLUMN`` × threshold responses of the whole time (every period's histogram has the same
    columns, so that no two published histograms differ only in their binning). With the CSQ-8
    and threshold 5: one score per column from 500 responses, 2 from 260, 3 from 180, else 5."""
    if not score_range or threshold <= 0:
        return 1
    span = score_range[1] - score_range[0] + 1
    for width in BIN_WIDTHS:
        if responses >= PER_COLUMN * threshold * -(-span // width):
            return width
    return BIN_WIDTHS[-1]


@dataclass
class Cube:
    """A grouping's figures per group and period, and the solved problem that says what is shown."""

    by: str
    groups: list[str]  # group keys in display order
    labels: dict[str, str]
    periods: list[str]
    figures: dict[tuple[str, str], Figures]  # (group or TOTAL, period) -> figures
    problems: dict[str, disclosure.Problem]  # per period
    threshold: int
    spec: Spec
    spine: dict[str, disclosure.Problem]  # the total's problems (with its distributions), per period
    total_figures: dict[tuple[str, str], Figures] = field(default_factory=dict)  # with the distributions
    prefix: str | None = None  # solved together with other groupings: its cells are (prefix, group)

    def mark(self, group: str, period: str, name) -> str | None:
        problem = self.problems.get(period)
        key = (group if self.prefix is None or group == TOTAL else (self.prefix, group), period, name)
        return problem.mark(key) if problem is not None and key in problem else None

    def total_mark(self, period: str, name) -> str | None:
        problem = self.spine.get(period)
        key = (TOTAL, period, name)
        return problem.mark(key) if problem is not None and key in problem else None


def _sum_figures(parts: Iterable[Figures], label: str, key: str) -> Figures:
    total = Figures(group=label, key=key)
    for part in parts:
        total.add(part)
    return total


def first_quarter(period: str) -> str:
    if len(period) == 4:
        return f"{period}K1"
    if "H" in period:
        return f"{period[:4]}K{1 if period[5] == '1' else 3}"
    return period


def build_figures(
    quarter_figures: Mapping[tuple[str, str], Figures],
    groups: list[str],
    labels: Mapping[str, str],
    until: str | None = None,
) -> tuple[list[str], dict[tuple[str, str], Figures]]:
    """Sum quarter figures up the period tree and over the groups. ``until``: the last quarter in
    which anyone can be eligible yet; periods that begin after it are not offered (they are empty
    by definition)."""
    quarters = sorted({q for _, q in quarter_figures})
    periods = periods_of(quarters)
    if until is not None:
        periods = [p for p in periods if p == ALL or first_quarter(p) <= until]
    figures: dict[tuple[str, str], Figures] = {}
    for group in [*groups, TOTAL]:
        label = labels.get(group, "Total")
        for period in periods:
            if group == TOTAL:
                parts = [
                    quarter_figures[(g, q)]
                    for g in groups
                    for q in quarters_in(period, quarters)
                    if (g, q) in quarter_figures
                ]
            else:
                parts = [
                    quarter_figures[(group, q)]
                    for q in quarters_in(period, quarters)
                    if (group, q) in quarter_figures
                ]
            figures[(group, period)] = _sum_figures(parts, label, group if group != TOTAL else "total")
    return periods, figures


def _measures(figure: Figures) -> dict[str, int]:
    scores = figure.scores
    return {
        "eligible": figure.eligible,
        "invited": figure.invited,
        "opened": figure.opened,
        "partial": figure.partial,
        "completed": figure.completed,
        "not_completed": figure.eligible - figure.completed,
        "csq_n": statistics.count(scores),
        "score_sum": sum(score * n for score, n in scores.items()),
        "square_sum": sum(score * score * n for score, n in scores.items()),
    }


def _add_row(
    problem: disclosure.Problem, group: str, period: str, figure: Figures, spec: Spec, cost: int
) -> None:
    values = _measures(figure)
    cell = {}
    for name in COUNTS:
        cell[name] = problem.cell((group, period, name), values[name], disclosure.COUNT, cost)
    for name in SUMS:
        cell[name] = problem.cell((group, period, name), values[name], disclosure.SUM, cost)
    problem.equal(cell["eligible"], [cell["completed"], cell["not_completed"]])
    problem.at_least([(1, cell["eligible"]), (-1, cell["invited"])])
    problem.at_least([(1, cell["invited"]), (-1, cell["opened"])])
    problem.at_least([(1, cell["opened"]), (-1, cell["completed"]), (-1, cell["partial"])])
    problem.at_least([(1, cell["completed"]), (-1, cell["csq_n"])])
    if spec.score_range:
        low, high = spec.score_range
        problem.at_least([(1, cell["score_sum"]), (-low, cell["csq_n"])])
        problem.at_least([(high, cell["csq_n"]), (-1, cell["score_sum"])])
        problem.at_least([(1, cell["square_sum"]), (-low, cell["score_sum"])])
        problem.at_least([(high, cell["score_sum"]), (-1, cell["square_sum"])])
    # A mean is published with its N: hiding N hides the mean (and SD, median).
    problem.link(cell["csq_n"], cell["score_sum"], cell["square_sum"])
    problem.link(cell["score_sum"], cell["square_sum"])
    problem.link(cell["square_sum"], cell["score_sum"])


def _in_bin(scores: Counter, low: int, high: int) -> int:
    return sum(scores.get(score, 0) for score in range(low, high + 1))


def _add_distribution(problem: disclosure.Problem, period: str, figure: Figures, spec: Spec) -> None:
    """The total's score histogram and each question's answers, with their sums."""
    n = (TOTAL, period, "csq_n")
    columns = spec.bins()
    if columns:
        bins = [
            problem.cell((TOTAL, period, ("bin", low)), _in_bin(figure.scores, low, high))
            for low, high in columns
        ]
        problem.equal(n, bins)
        score_sum, square_sum = (TOTAL, period, "score_sum"), (TOTAL, period, "square_sum")
        if spec.bin_width == 1:
            problem.linear([(1, score_sum), *((-low, b) for (low, _), b in zip(columns, bins, strict=True))])
            problem.linear(
                [(1, square_sum), *((-low * low, b) for (low, _), b in zip(columns, bins, strict=True))]
            )
        else:
            # A column's scores lie between its bounds, so the sums bound its count from both sides.
            pairs = list(zip(columns, bins, strict=True))
            problem.at_least([(1, score_sum), *((-low, b) for (low, _), b in pairs)])
            problem.at_least([*((high, b) for (_, high), b in pairs), (-1, score_sum)])
            problem.at_least([(1, square_sum), *((-low * low, b) for (low, _), b in pairs)])
            problem.at_least([*((high * high, b) for (_, high), b in pairs), (-1, square_sum)])
    item_sums = []
    for item_id, scores in spec.items.items():
        distribution = figure.items.get(item_id, Counter())
        options = [
            problem.cell((TOTAL, period, ("item", item_id, s)), distribution.get(s, 0)) for s in scores
        ]
        item_sum = problem.cell(
            (TOTAL, period, ("item_sum", item_id)),
            sum(s * distribution.get(s, 0) for s in scores),
            disclosure.SUM,
        )
        item_sums.append(item_sum)
        problem.equal(n, options)
        problem.linear([(1, item_sum), *((-s, o) for s, o in zip(scores, options, strict=True))])
        for option in options:
            # A question's mean goes with its distribution.
            problem.link(option, item_sum)
        problem.link(n, item_sum)
    if item_sums and spec.score_range:
        problem.equal((TOTAL, period, "score_sum"), item_sums)


ROW_NAMES = (*COUNTS, *SUMS)  # the cells of one group's row in one period


def _distribution_names(spec: Spec) -> list:
    names: list = [("bin", low) for low, _ in spec.bins()]
    for item_id, scores in spec.items.items():
        names += [("item", item_id, s) for s in scores] + [("item_sum", item_id)]
    return names


def _force_nested(
    problem: disclosure.Problem, period: str, outer: dict, rows: list[tuple[str, list]]
) -> bool:
    """Hide a cell whose shown value differs by 1 to threshold − 1 from the same cell shown in an
    enclosing view (a year around a quarter, the whole time around a year)."""
    changed = False
    threshold = problem.threshold
    for group, names in rows:
        for name in names:
            key = (group, period, name)
            if (
                key not in problem
                or not problem.shown(key)
                or problem.kinds[problem.index[key]] != disclosure.COUNT
            ):
                continue
            for around in ancestors(period):
                other_problem = outer.get(around)
                other = (group, around, name)
                if other_problem is None or other not in other_problem or not other_problem.shown(other):
                    continue
                difference = other_problem.value(other) - problem.value(key)
                if 0 < difference < threshold:
                    problem.hide(key)
                    # A cell already public elsewhere (frozen) stays shown: nothing changed.
                    changed = changed or not problem.shown(key)
                    break
    return changed


def _tie(
    problem: disclosure.Problem,
    period: str,
    groups: Iterable[Hashable],
    owners_of: Callable[[Hashable], list],
    label: Hashable,
    kinds: dict,
) -> dict:
    """Tie groups (their cell keys) to the groups of another grouping that they overlap
    (``owners_of``): a group in one owner is a member of it; a group in several is the sum of its
    unpublished parts, one in each. Returns owner -> its members (groups and parts), for the
    caller's ``owner = Σ members``."""
    members: dict = {}
    for group in groups:
        owners = owners_of(group)
        if len(owners) == 1:
            members.setdefault(owners[0], []).append(group)
            continue
        parts = [("part", label, group, owner) for owner in owners]
        for name in ROW_NAMES:
            for part in parts:
                problem.cell((part, period, name), 0, kinds.get(name, disclosure.COUNT), published=False)
            problem.equal((group, period, name), [(part, period, name) for part in parts])
        for owner, part in zip(owners, parts, strict=True):
            members.setdefault(owner, []).append(part)
    return members


class _PerPeriod(dict):
    """The problems of a grouping per period. A period is solved when first asked for, together
    with its siblings (the years of the whole time, the half-years of a year, the quarters of a
    half-year) and with their parent frozen as already solved: so that the parent minus the other
    siblings cannot give one of them away, and a page showing one period solves only that level
    and the few above it."""

    def __init__(self, periods: list[str], solve_level):
        super().__init__()
        self.offered = list(periods)
        self._solve_level = solve_level

    def __missing__(self, period: str) -> disclosure.Problem:
        if period not in self.offered:
            raise KeyError(period)
        parent = parent_of(period)
        if parent is not None:
            self[parent]  # noqa: B018  (solved first)
        siblings = children_of(parent, self.offered) if parent is not None else [period]
        problem = self._solve_level(siblings, parent, self)
        for sibling in siblings:
            self[sibling] = problem
        return problem

    def get(self, period, default=None):
        try:
            return self[period]
        except KeyError:
            return default


def _solve(
    problem: disclosure.Problem, siblings: list[str], outer: dict, rows: list[tuple[str, list]]
) -> None:
    problem.solve()
    while True:
        changed = False
        for period in siblings:  # every sibling, not only up to the first that changed
            changed = _force_nested(problem, period, outer, rows) or changed
        if not changed:
            return
        problem.solve()


def _freeze_parent(
    problem: disclosure.Problem,
    group: str,
    parent: str,
    siblings: list[str],
    names: list,
    values: dict,
    solved: disclosure.Problem,
    kinds: dict,
) -> None:
    """The parent period's cells of a group, as already published, and parent = Σ its siblings."""
    for name in names:
        key = (group, parent, name)
        problem.cell(key, values[name], kinds.get(name, disclosure.COUNT), 100)
        problem.freeze(key, solved.mark(key) if key in solved else None)
        problem.equal(key, [(group, period, name) for period in siblings])


def _kinds(spec: Spec) -> dict:
    kinds = dict.fromkeys(SUMS, disclosure.SUM)
    for item_id in spec.items:
        kinds[("item_sum", item_id)] = disclosure.SUM
    return kinds


def _distribution_values(figure: Figures, spec: Spec) -> dict:
    values = {("bin", low): _in_bin(figure.scores, low, high) for low, high in spec.bins()}
    for item_id, scores in spec.items.items():
        distribution = figure.items.get(item_id, Counter())
        for score in scores:
            values[("item", item_id, score)] = distribution.get(score, 0)
        values[("item_sum", item_id)] = sum(score * distribution.get(score, 0) for score in scores)
    return values


def protect_total(
    figures: dict[tuple[str, str], Figures], periods: list[str], spec: Spec, threshold: int
) -> dict[str, disclosure.Problem]:
    """The total of every period with its distributions (the spine), level by level (see
    ``_PerPeriod``), each level compared with the periods around it.

    The total's own figures are decided first; the score histogram and each question's answers
    then protect themselves with their own cells. Where they cannot, the total's figures are
    decided again with N hidden in the periods concerned, and where even that does not help,
    the whole distribution is hidden."""
    row_names = list(ROW_NAMES)
    distribution_names = _distribution_names(spec)
    kinds = _kinds(spec)

    def solve_rows(siblings: list[str], parent: str | None, problems: dict, hide_n: set[str]):
        alone = disclosure.Problem(threshold)
        for period in siblings:
            _add_row(alone, TOTAL, period, figures[(TOTAL, period)], spec, cost=3)
        if parent is not None:
            values = _measures(figures[(TOTAL, parent)])
            _freeze_parent(alone, TOTAL, parent, siblings, row_names, values, problems[parent], kinds)
        for period in hide_n:
            alone.hide((TOTAL, period, "csq_n"))
        _solve(alone, siblings, problems, [(TOTAL, row_names)])
        return alone

    def solve_distributions(siblings: list[str], parent: str | None, problems: dict, alone):
        problem = disclosure.Problem(threshold)
        for period in siblings:
            _add_row(problem, TOTAL, period, figures[(TOTAL, period)], spec, cost=3)
            for name in row_names:
                problem.freeze((TOTAL, period, name), alone.mark((TOTAL, period, name)))
            _add_distribution(problem, period, figures[(TOTAL, period)], spec)
        if parent is not None:
            values = {
                **_measures(figures[(TOTAL, parent)]),
                **_distribution_values(figures[(TOTAL, parent)], spec),
            }
            _freeze_parent(
                problem,
                TOTAL,
                parent,
                siblings,
                row_names + distribution_names,
                values,
                problems[parent],
                kinds,
            )
        _solve(problem, siblings, problems, [(TOTAL, distribution_names)])
        return problem

    def solve_level(siblings: list[str], parent: str | None, problems: dict) -> disclosure.Problem:
        hide_n: set[str] = set()
        while True:
            problem = solve_distributions(
                siblings, parent, problems, solve_rows(siblings, parent, problems, hide_n)
            )
            # A distribution that cannot be protected with its N shown (e.g. all 5 of 5 gave the
            # same answer) is tried again with that N hidden.
            stuck = {key[1] for key in problem.unresolved if key[1] in siblings} - hide_n
            if not stuck:
                break
            hide_n |= stuck
        if problem.unresolved:
            for period in siblings:
                for name in distribution_names:
                    problem.hide((TOTAL, period, name))
            problem.solve()
        return problem

    return _PerPeriod(periods, solve_level)


def protect(
    by: str,
    quarter_figures: Mapping[tuple[str, str], Figures],
    groups: list[str],
    labels: Mapping[str, str],
    spec: Spec,
    threshold: int,
    *,
    spine: Cube | None = None,
    parents: Iterable[tuple[str, Cube, Callable[[str, str], set]]] = (),
    until: str | None = None,
) -> Cube:
    """Solve a grouping, level by level of the periods when first asked for. ``spine``: the solved
    total (frozen here; solved when not given). ``parents``: solved groupings whose groups are sums
    of parts of this grouping's groups (regions of municipalities and clusters, clusters of
    municipalities), each with a name and a function ``(group, period) -> the parent groups it
    overlaps``; they are frozen here, with the equations between them (through unpublished parts
    where a group overlaps several parents, as the municipalities outside any cluster do)."""
    periods, figures = build_figures(quarter_figures, groups, labels, until)
    if spine is not None:
        periods = spine.periods
        for group in [*groups, TOTAL]:
            for period in periods:
                if (group, period) not in figures:
                    figures[(group, period)] = Figures(group=labels.get(group, "Total"), key=group)
    if threshold <= 0:
        return Cube(by, groups, dict(labels), periods, figures, {}, threshold, spec, {}, figures)
    totals = spine.spine if spine is not None else protect_total(figures, periods, spec, threshold)
    if by == "total":
        return Cube(by, groups, dict(labels), periods, figures, totals, threshold, spec, totals, figures)
    names = list(ROW_NAMES)
    kinds = _kinds(spec)
    parents = list(parents)

    def add_period(problem: disclosure.Problem, period: str) -> None:
        _add_row(problem, TOTAL, period, figures[(TOTAL, period)], spec, cost=3)
        for name in names:
            problem.freeze((TOTAL, period, name), totals[period].mark((TOTAL, period, name)))
        for group in groups:
            _add_row(problem, group, period, figures[(group, period)], spec, cost=0)
            if by == "period":
                # A quarter's row is the quarter's own total wherever it is shown, and a quarter
                # outside the period is empty by definition (the reader knows its 0).
                inside = group in quarters_in(period, groups)
                for name in names:
                    key = (TOTAL, group, name)
                    mark = totals[group].mark(key) if inside and group in totals.offered else None
                    problem.freeze((group, period, name), mark)
        for name in names:
            problem.equal((TOTAL, period, name), [(group, period, name) for group in groups])
        for parent_name, parent, overlaps in parents:
            known = set(parent.groups)
            members_of = _tie(
                problem,
                period,
                groups,
                lambda group, overlaps=overlaps, known=known: [
                    owner for owner in overlaps(group, period) if owner in known
                ],
                parent_name,
                kinds,
            )
            for owner in parent.groups:
                members = members_of.get(owner, [])
                for name in names:
                    key = (("parent", parent_name, owner), period, name)
                    value = _measures(parent.figures[(owner, period)])[name]
                    problem.cell(key, value, kinds.get(name, disclosure.COUNT), 100)
                    problem.freeze(key, parent.mark(owner, period, name))
                    problem.equal(key, [(member, period, name) for member in members])

    def solve_level(siblings: list[str], parent: str | None, problems: dict) -> disclosure.Problem:
        problem = disclosure.Problem(threshold)
        for period in siblings:
            add_period(problem, period)
        if parent is not None:
            for group in groups:
                values = _measures(figures[(group, parent)])
                _freeze_parent(problem, group, parent, siblings, names, values, problems[parent], kinds)
        _solve(problem, siblings, problems, [(group, names) for group in groups])
        return problem

    problems = _PerPeriod(periods, solve_level)
    total_figures = spine.total_figures if spine is not None else figures
    return Cube(by, groups, dict(labels), periods, figures, problems, threshold, spec, totals, total_figures)


def protect_together(
    groupings: Mapping[str, tuple[Mapping[tuple[str, str], Figures], Mapping[str, str], list[str]]],
    links: Iterable[tuple[str, str, Callable[[str, str], Iterable[str]]]],
    spec: Spec,
    threshold: int,
    *,
    spine: Cube,
    costs: Mapping[str, int] | None = None,
) -> dict[str, Cube]:
    """Solve several groupings of the same participants as one problem (the regions on either
    basis and the clusters), so that no grouping's shown figures give another's hidden ones away:
    e.g. the total minus the one region whose municipalities are all in clusters is "not in a
    cluster". ``groupings``: name -> (quarter figures, labels, groups in order); ``links``: pairs of
    groupings with ``(group of the first, period) -> the groups of the second it overlaps``, tied
    through unpublished parts. ``costs``: per grouping, how much hiding one of its cells as a
    complement costs (the one most read costs most). Returns a cube per grouping, sharing the
    problems."""
    costs = costs or {}
    periods = spine.periods
    totals = spine.spine
    built: dict[str, dict[tuple[str, str], Figures]] = {}
    for name, (quarter_figures, labels, groups) in groupings.items():
        _, figures = build_figures(quarter_figures, groups, labels)
        for group in [*groups, TOTAL]:
            for period in periods:
                figures.setdefault((group, period), Figures(group=labels.get(group, "Total"), key=group))
        built[name] = figures
    names = list(ROW_NAMES)
    kinds = _kinds(spec)
    links = list(links)

    def add_period(problem: disclosure.Problem, period: str) -> None:
        _add_row(problem, TOTAL, period, spine.figures[(TOTAL, period)], spec, cost=3)
        for name in names:
            problem.freeze((TOTAL, period, name), totals[period].mark((TOTAL, period, name)))
        for grouping, (_, _, groups) in groupings.items():
            for group in groups:
                _add_row(
                    problem,
                    (grouping, group),
                    period,
                    built[grouping][(group, period)],
                    spec,
                    cost=costs.get(grouping, 0),
                )
            for name in names:
                problem.equal((TOTAL, period, name), [((grouping, group), period, name) for group in groups])
        for first, second, overlaps in links:
            known = set(groupings[second][2])
            members_of = _tie(
                problem,
                period,
                [(first, group) for group in groupings[first][2]],
                lambda key, second=second, overlaps=overlaps, known=known: [
                    (second, owner) for owner in overlaps(key[1], period) if owner in known
                ],
                (first, second),
                kinds,
            )
            for owner, members in members_of.items():
                for name in names:
                    problem.equal((owner, period, name), [(member, period, name) for member in members])

    def solve_level(siblings: list[str], parent: str | None, problems: dict) -> disclosure.Problem:
        problem = disclosure.Problem(threshold)
        for period in siblings:
            add_period(problem, period)
        rows = []
        for grouping, (_, _, groups) in groupings.items():
            for group in groups:
                rows.append(((grouping, group), names))
                if parent is not None:
                    values = _measures(built[grouping][(group, parent)])
                    _freeze_parent(
                        problem, (grouping, group), parent, siblings, names, values, problems[parent], kinds
                    )
        _solve(problem, siblings, problems, rows)
        return problem

    problems = _PerPeriod(periods, solve_level)
    return {
        name: Cube(
            name,
            list(groups),
            dict(labels),
            periods,
            built[name],
            problems,
            threshold,
            spec,
            totals,
            spine.total_figures,
            prefix=name,
        )
        for name, (_, labels, groups) in groupings.items()
    }


TREND_NAMES = ("eligible", "completed", "not_completed")


def months_of(quarter: str) -> list[str]:
    """``2025K2`` → ``["2025-04", "2025-05", "2025-06"]``."""
    first = 3 * (int(quarter[5]) - 1) + 1
    return [f"{quarter[:4]}-{month:02d}" for month in range(first, first + 3)]


def protect_months(
    spine: Cube, months: Mapping[str, Figures], threshold: int
) -> dict[str, disclosure.Problem]:
    """The total's eligible and completed per month of the course start (the response-rate trend),
    protected within each quarter of the spine: its three months add up to the quarter as
    published (hidden cells stay hidden), and a month's count never differs by 1 to threshold − 1
    from the same count shown for its quarter, half-year, year or the whole time."""
    problems: dict[str, disclosure.Problem] = {}
    for quarter in (
        period for period in spine.periods if len(period) == 6 and valid_period(period) and "K" in period
    ):
        in_quarter = months_of(quarter)
        problem = disclosure.Problem(threshold)
        for month in in_quarter:
            values = _measures(months.get(month) or Figures(group=month, key=month))
            cell = {
                name: problem.cell((TOTAL, month, name), values[name], disclosure.COUNT, 3)
                for name in TREND_NAMES
            }
            problem.equal(cell["eligible"], [cell["completed"], cell["not_completed"]])
        values = _measures(spine.total_figures[(TOTAL, quarter)])
        _freeze_parent(
            problem, TOTAL, quarter, in_quarter, list(TREND_NAMES), values, spine.spine[quarter], {}
        )
        _solve(problem, in_quarter, spine.spine, [(TOTAL, list(TREND_NAMES))])
        problems.update(dict.fromkeys(in_quarter, problem))
    return problems
