"""Drop-off: where in a questionnaire the participants who opened their link stopped.

For each eligible participant who opened a link to the questionnaire (the report's cohort:
``figures._COHORT``), the invitation that came furthest is read: a completed one, else the one with
the most answers. The chat asks one question at a time and always goes on at the first unanswered
item, so that item is the one on the screen when the participant stopped.

Per group (the total, each region, each municipality) and per item N of the questionnaire:

- ``reached``: the item was shown. Opening is counted at the first answer (README, "opened"), and
  showing the link's page (with question 1) is never counted, so a person who read question 1 and
  left is not seen at all: question 1's reach is *opened*. Question N's (N > 1) is the opened
  participants whose first unanswered item is N or later, or who completed.
- ``answered``: went past the item with an answer (a skipped optional item is not answered).
- ``stopped``: reached the item, did not complete, and it is their first unanswered item (the
  last item also holds those who answered everything but never reached the end).

So ``stopped(N) = reached(N) − reached(N + 1)``, with ``reached(last + 1) = completed``, and
``answered(N) ≤ reached(N + 1)`` (equal for a required item). A reader knows these relations; the
disclosure check (``disclosure.Problem``) is given them, the sums over the groups (municipalities
add up to their regions, regions to the total, through the parts of a municipality in each region),
and the report's own opened, partial, completed, invited and eligible with the marks the report
gives them (``protection.protected``, the whole time), frozen: the funnel never shows a count the
report hides, nor one that the report's figures and a subtraction would give away. Only the whole
time is offered: no period, so two views cannot be subtracted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlite_utils

from ..questionnaires import Questionnaire
from ..statistics import Figures
from . import cube as cube_module
from . import disclosure
from .figures import Query, _sql, quarter_figures
from .groupings import grouping_for
from .protection import protected

TOTAL = cube_module.TOTAL
LEVELS = ("total", "region", "municipality")
# The report's counts that the funnel also shows or that a reader can set beside it.
REPORT_COUNTS = ("eligible", "invited", "opened", "partial", "completed")
PART = "\x00part"  # the cells of a municipality's part in one region: never published

# One row per answer (or per opened invitation without one) of an eligible participant's opened
# invitations, with the participant's municipality and region (on the query's basis).
_ANSWERS = """
SELECT {key} AS key, {label} AS label, cohort.participant_id, invitation.id,
       CASE WHEN invitation.completed_at IS NOT NULL THEN 1 ELSE 0 END AS completed, answer.item_id,
       CASE WHEN answer.score IS NOT NULL OR COALESCE(answer.text, '') != '' THEN 1 ELSE 0 END AS given
FROM cohort
{joins}
JOIN invitation ON invitation.participant_id = cohort.participant_id
  AND invitation.questionnaire_id = :questionnaire AND invitation.opened_at IS NOT NULL
LEFT JOIN answer ON answer.invitation_id = invitation.id
WHERE cohort.opened = 1
"""


@dataclass
class Step:
    """One item's row of a group's funnel; a hidden count is a ``disclosure.Hidden``."""

    position: int
    item_id: str
    reached: object
    answered: object
    stopped: object


@dataclass
class GroupFunnel:
    level: str  # "total", "region" or "municipality"
    key: str
    name: str
    region: str  # the region key of a municipality (its first, if it changed region); else ""
    opened: object
    completed: object
    steps: list[Step] = field(default_factory=list)

    def marks(self) -> dict[str, str]:
        """``name`` (``opened``, ``reached_3``, …) -> the mark text of each hidden count."""
        found = {}
        for name in ("opened", "completed"):
            value = getattr(self, name)
            if disclosure.is_hidden(value):
                found[name] = value.text
        for step in self.steps:
            for name in ("reached", "answered", "stopped"):
                value = getattr(step, name)
                if disclosure.is_hidden(value):
                    found[f"{name}_{step.position}"] = value.text
        return found


@dataclass
class Funnel:
    questionnaire_id: str
    items: list  # the questionnaire's items, in order
    threshold: int
    suppressed: bool
    groups: list[GroupFunnel]

    def level(self, level: str) -> list[GroupFunnel]:
        return [group for group in self.groups if group.level == level]

    @property
    def total(self) -> GroupFunnel:
        return self.level("total")[0]

    def json_rows(self) -> list[dict]:
        """One object per group (the total first, then the regions, then the municipalities): hidden
        counts ``null`` and their marks in ``hidden``, as the report's JSON."""
        rows = []
        for group in self.groups:
            rows.append(
                {
                    "level": group.level,
                    "key": group.key,
                    "group": group.name,
                    "opened": _plain(group.opened),
                    "completed": _plain(group.completed),
                    "items": [
                        {
                            "item": step.item_id,
                            "position": step.position,
                            "reached": _plain(step.reached),
                            "answered": _plain(step.answered),
                            "stopped": _plain(step.stopped),
                        }
                        for step in group.steps
                    ],
                    "suppressed": bool(group.marks()),
                    "hidden": group.marks(),
                }
            )
        return rows


def _plain(value):
    return None if disclosure.is_hidden(value) else value


@dataclass
class _Counts:
    opened: int = 0
    completed: int = 0
    reached: list[int] = field(default_factory=list)
    answered: list[int] = field(default_factory=list)
    stopped: list[int] = field(default_factory=list)

    def add(self, other: _Counts) -> None:
        self.opened += other.opened
        self.completed += other.completed
        for name in ("reached", "answered", "stopped"):
            mine, theirs = getattr(self, name), getattr(other, name)
            for index, value in enumerate(theirs):
                mine[index] += value


def _empty(n: int) -> _Counts:
    return _Counts(reached=[0] * n, answered=[0] * n, stopped=[0] * n)


def stop_position(questionnaire: Questionnaire, answered: Iterable[str], completed: bool) -> int:
    """The 1-based position of the item a participant stopped at; ``len(items) + 1`` when completed.
    One who answered every item without completing stopped at the last one."""
    n = len(questionnaire.items)
    if completed:
        return n + 1
    following = questionnaire.next_unanswered(set(answered))
    return n if following is None else questionnaire.position(following.id)


def _part_counts(db: sqlite_utils.Database, query: Query, questionnaire: Questionnaire):
    """The funnel counts of each (municipality|region) part, and the parts' names."""
    sql, params = _sql(query, "municipality_region", _ANSWERS)
    # participant -> (part key, label, {invitation -> (completed, {item -> given})})
    people: dict[int, tuple[str, str, dict]] = {}
    for key, label, participant, invitation, completed, item_id, given in db.execute(sql, params):
        _, _, invitations = people.setdefault(participant, (key, label, {}))
        done, answers = invitations.setdefault(invitation, (bool(completed), {}))
        if item_id is not None:
            answers[item_id] = bool(given)
    n = len(questionnaire.items)
    positions = {item.id: index for index, item in enumerate(questionnaire.items)}
    parts: dict[str, _Counts] = {}
    labels: dict[str, str] = {}
    for key, label, invitations in people.values():
        # The invitation that came furthest: a completed one, else the most answers.
        completed, answers = max(invitations.values(), key=lambda pair: (pair[0], len(pair[1])))
        counts = parts.get(key)
        if counts is None:
            counts = parts[key] = _empty(n)
            labels[key] = label
        stop = stop_position(questionnaire, answers, completed)
        counts.opened += 1
        counts.completed += completed
        for index in range(min(stop, n)):
            counts.reached[index] += 1
        if not completed:
            counts.stopped[stop - 1] += 1
        for item_id, given in answers.items():
            index = positions.get(item_id)
            # Only items passed count as answered (stop - 1 is the 0-based index of the stop item).
            if index is not None and given and index < stop - 1:
                counts.answered[index] += 1
    return parts, labels


def funnel(
    db: sqlite_utils.Database,
    query: Query,
    questionnaire: Questionnaire,
    *,
    threshold: int,
    suppress: bool = True,
    translate=lambda text: text,
) -> Funnel:
    """The drop-off of ``questionnaire`` in total, per region and per municipality, over the whole
    time of ``query`` (its period and dates are ignored when suppressing), with disclosure control
    unless ``suppress`` is false or the threshold is 0."""
    suppress = suppress and threshold > 0
    if suppress:
        query = Query(**{**query.__dict__, "period": "", "start": None, "end": None})
    n = len(questionnaire.items)
    parts, part_labels = _part_counts(db, query, questionnaire)
    # Every group the report lists has a funnel, opened or not (the report's order).
    cells, labels, order = quarter_figures(db, query, "municipality_region", translate=translate)
    report_figures: dict[str, Figures] = {}
    for (key, _), figure in cells.items():
        report_figures.setdefault(key, Figures(group=labels[key], key=key)).add(figure)
    members: dict[tuple[str, str], list[str]] = {}
    names: dict[tuple[str, str], str] = {("total", TOTAL): "Total"}
    for part in order:
        municipality, region = part.split("|", 1)
        municipality_name, region_name = labels[part].split("|", 1)
        names[("region", region)] = region_name
        names[("municipality", municipality)] = municipality_name
        for group in (("total", TOTAL), ("region", region), ("municipality", municipality)):
            members.setdefault(group, []).append(part)
    region_grouping = grouping_for("region")
    municipality_grouping = grouping_for("municipality")

    def ordered(level: str, grouping) -> list[tuple[str, str]]:
        keys = [key for (lvl, key) in members if lvl == level]
        return sorted(
            ((level, key) for key in keys),
            key=lambda group: grouping.sort_key(Figures(group=names[group], key=group[1])),
        )

    groups = [
        ("total", TOTAL),
        *ordered("region", region_grouping),
        *ordered("municipality", municipality_grouping),
    ]
    totals: dict[tuple[str, str], _Counts] = {}
    for group in groups:
        counts = _empty(n)
        for part in members.get(group, []):
            if part in parts:
                counts.add(parts[part])
        totals[group] = counts
    marks: dict = {}
    if suppress and groups:
        marks = _protect(
            db, query, questionnaire, threshold, translate, groups, members, parts, report_figures
        )
    result = []
    for group in groups:
        level, key = group
        counts = totals[group]

        def shown(name, value, _group=group):
            mark = marks.get((_group, name))
            return disclosure.hidden(mark, threshold) if mark else value

        region = ""
        if level == "municipality":
            region = members[group][0].split("|", 1)[1]
        steps = [
            Step(
                position=index + 1,
                item_id=item.id,
                reached=shown("opened" if index == 0 else ("reached", index + 1), counts.reached[index]),
                answered=shown(("answered", index + 1), counts.answered[index]),
                stopped=shown(("stopped", index + 1), counts.stopped[index]),
            )
            for index, item in enumerate(questionnaire.items)
        ]
        result.append(
            GroupFunnel(
                level=level,
                key="" if key == TOTAL else key,
                name=translate("Total") if key == TOTAL else names[group],
                region=region,
                opened=shown("opened", counts.opened),
                completed=shown("completed", counts.completed),
                steps=steps,
            )
        )
    return Funnel(questionnaire.id, list(questionnaire.items), threshold, suppress, result)


def _relate(problem: disclosure.Problem, terms: list, *, equation: bool = True) -> bool:
    """Tell the check ``Σ coefficient × cell = 0`` (``≥ 0`` when not ``equation``) if it holds."""
    value = sum(coefficient * problem.value(key) for coefficient, key in terms)
    if value == 0 if equation else value >= 0:
        (problem.linear if equation else problem.at_least)(terms)
        return True
    return False


def _protect(db, query, questionnaire, threshold, translate, groups, members, parts, report_figures) -> dict:
    """The mark of every hidden count: ``(group, name) -> mark``."""
    n = len(questionnaire.items)
    shared: dict = {}
    cubes = {
        level: protected(
            db,
            query,
            level,
            threshold=threshold,
            questionnaire=questionnaire,
            translate=translate,
            _shared=shared,
        )
        for level in ("region", "municipality")
    }
    costs = {"total": 2, "region": 1, "municipality": 0}
    funnel_names = [
        *(("reached", k) for k in range(2, n + 1)),
        *(("answered", k) for k in range(1, n + 1)),
        *(("stopped", k) for k in range(1, n + 1)),
    ]

    def value_of(counts: _Counts | None, figure: Figures | None, name) -> int:
        if isinstance(name, tuple):
            kind, k = name
            return getattr(counts, kind)[k - 1] if counts is not None else 0
        if name in ("opened", "completed") and counts is not None:
            return getattr(counts, name)
        return getattr(figure, name, 0) if figure is not None else 0

    all_names = [*REPORT_COUNTS, *funnel_names]

    def solve(levels: tuple[str, ...], fixed: dict) -> dict:
        """Solve the groups of ``levels``, those of every level but the last frozen with ``fixed``."""
        problem = disclosure.Problem(threshold)
        chosen = [group for group in groups if group[0] in levels]
        # The parts: never published, they tie the groups together.
        for part, figure in report_figures.items():
            for name in all_names:
                problem.cell((PART, part, name), value_of(parts.get(part), figure, name), published=False)
        for group in chosen:
            level, key = group
            summed = _empty(n)
            figure = Figures(group="", key="")
            for part in members.get(group, []):
                if part in parts:
                    summed.add(parts[part])
                figure.add(report_figures[part])
            for name in all_names:
                # A reach hidden as a complement hides a whole step of the chart: a second stopped-here
                # count is cheaper to hide (the two then add up to a shown difference of reaches).
                extra = 3 if isinstance(name, tuple) and name[0] != "stopped" else 0
                problem.cell((group, name), value_of(summed, figure, name), cost=costs[level] + extra)
                problem.equal((group, name), [(PART, part, name) for part in members.get(group, [])])
            # What the report publishes stays as the report decided.
            source = cubes["municipality" if level == "municipality" else "region"]
            for name in REPORT_COUNTS:
                problem.freeze((group, name), source.mark(key, cube_module.ALL, name))
            # Levels solved before keep their marks.
            if level not in levels[-1:]:
                for name in ("opened", "completed", *funnel_names):
                    if name not in REPORT_COUNTS:
                        problem.freeze((group, name), fixed.get((group, name)))
            # The funnel's own relations. Each is added only where it holds, so that odd rows (answers
            # to items of another version of the questionnaire) cannot mislead the check.
            reached = ["opened", *(("reached", k) for k in range(2, n + 1)), "completed"]
            for k in range(1, n + 1):
                _relate(
                    problem,
                    [(1, (group, ("stopped", k))), (-1, (group, reached[k - 1])), (1, (group, reached[k]))],
                )
                answered = [(1, (group, reached[k])), (-1, (group, ("answered", k)))]
                if not (questionnaire.items[k - 1].required and _relate(problem, answered)):
                    _relate(problem, answered, equation=False)
            # Those who stopped after answering something are the report's partial.
            _relate(
                problem, [(1, (group, "partial")), *((-1, (group, ("stopped", k))) for k in range(2, n + 1))]
            )
            _relate(problem, [(1, (group, "invited")), (-1, (group, "opened"))], equation=False)
            _relate(problem, [(1, (group, "eligible")), (-1, (group, "invited"))], equation=False)
        problem.solve()
        marks = {}
        for group in chosen:
            for name in ("opened", "completed", *funnel_names):
                mark = problem.mark((group, name))
                if mark is not None:
                    marks[(group, name)] = mark
        return marks

    # As the reports do: the total first, alone, then the regions with it frozen, then the
    # municipalities with both frozen, so a small municipality is protected inside its region and
    # does not hide the region's or the country's funnel.
    marks: dict = {}
    for upto in range(1, len(LEVELS) + 1):
        marks = solve(LEVELS[:upto], marks)
    return marks
