"""A round's results for the evaluator (Tabel 4): the questions as columns, and per region how many
municipalities answered Ja and Nej, through the disclosure rules.

How many municipalities a round went to is the round's invitation list, public administration: it
is shown, and enters the relations as a known figure, unless only hiding it keeps a smaller count
from being worked out (see :func:`summary_problem`).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..questionnaires import Item, Questionnaire
from ..reporting import disclosure


@dataclass
class Column:
    """A yes/no question and the comment item that follows it, if any."""

    number: int
    item: Item
    comment: Item | None


def columns_of(questionnaire: Questionnaire) -> tuple[list[Column], list[Item]]:
    """The yes/no questions (with their comments), and the free-text items that follow none."""
    columns: list[Column] = []
    loose: list[Item] = []
    for item in questionnaire.items:
        if item.scored:
            columns.append(Column(len(columns) + 1, item, None))
        elif columns and columns[-1].comment is None and item.id.startswith(columns[-1].item.id):
            columns[-1].comment = item
        else:
            loose.append(item)
    return columns, loose


TOTAL = "\x00total"  # the key of the "All" row among the region names


def _counts(group: list[dict], columns: list[Column]) -> dict:
    answered = [team for team in group if team["completed_at"]]
    counts = {"teams": len(group), "answered": len(answered)}
    for number, column in enumerate(columns):
        scores = [team["given"].get(column.item.id, {}).get("score") for team in answered]
        counts[("yes", number)] = scores.count(1)
        counts[("no", number)] = scores.count(2)
    return counts


@dataclass
class Summary:
    """The round's summary as published: the rows (per region, then all together), or none."""

    rows: list[dict]
    answered: int | disclosure.Hidden  # how many municipalities answered, as shown above the table
    withheld: bool = False  # too few municipalities: no table can be shown without a small number


def summary_problem(
    counts: dict[str, dict], columns: list[Column], threshold: int
) -> disclosure.Problem | None:
    """The summary's cells ``(row, name)`` and what a reader knows between them, solved; ``None``
    when no table can be shown without giving a count below the threshold away.

    ``counts``: per region name, and ``TOTAL``, its counts (``teams``, ``answered``, ``("yes", i)``,
    ``("no", i)``). Relations: every column adds up over the regions to the total; a row's answered
    are at most its municipalities; the Ja and Nej of a question add up to the answered (every
    yes/no question must be answered to complete the round; where a question was added after a
    team completed, they are at most the answered).

    The municipalities of each region are shown, as known figures. Where that leaves a count below
    the threshold pinned (5 of 5 answered, "×", and all Ja: "×" is 5 or more, so Nej is 0), a
    region's number of municipalities may be hidden too ("×", only when 5 or more, chosen last).
    A "×" that can be pinned is left hidden: it is 5 or more, and no count below the threshold is
    pinned with it.
    """
    for regions_teams_known in (True, False):
        problem = _summary_problem(counts, columns, threshold, regions_teams_known=regions_teams_known)
        if not any(problem.mark(key) == disclosure.SMALL for key in problem.unresolved):
            return problem
    return None


def _summary_problem(
    counts: dict[str, dict], columns: list[Column], threshold: int, *, regions_teams_known: bool
) -> disclosure.Problem:
    problem = disclosure.Problem(threshold)
    regions = [row for row in counts if row != TOTAL]
    names = ["teams", "answered", *((kind, i) for i in range(len(columns)) for kind in ("yes", "no"))]
    for row in [TOTAL, *regions]:
        for name in names:
            cost = 5 if name == "teams" else 3 if row == TOTAL else 0
            problem.cell((row, name), counts[row][name], disclosure.COUNT, cost)
        if row == TOTAL or regions_teams_known or counts[row]["teams"] < threshold:
            problem.freeze((row, "teams"), None)
        problem.at_least([(1, (row, "teams")), (-1, (row, "answered"))])
        for i in range(len(columns)):
            yes, no = (row, ("yes", i)), (row, ("no", i))
            if counts[row][("yes", i)] + counts[row][("no", i)] == counts[row]["answered"]:
                problem.equal((row, "answered"), [yes, no])
            else:
                problem.at_least([(1, (row, "answered")), (-1, yes), (-1, no)])
    for name in names:
        problem.equal((TOTAL, name), [(row, name) for row in regions])
    return problem.solve()


def region_summary(teams: list[dict], columns: list[Column], threshold: int) -> Summary:
    """Per region (and all together, last): municipalities, how many answered, and Ja / Nej per question.

    A hidden count is a ``disclosure.Hidden`` ("<5" or "×"), decided by :func:`summary_problem`.
    When no table can be shown, only how many answered is, itself "<5" when below the threshold."""
    by_region: dict[str, list[dict]] = {}
    for team in teams:
        by_region.setdefault(team["region_name"], []).append(team)
    counts = {name: _counts(group, columns) for name, group in sorted(by_region.items())}
    counts[TOTAL] = _counts(teams, columns)
    answered = counts[TOTAL]["answered"]
    problem = summary_problem(counts, columns, threshold) if teams else None
    if problem is None:
        small = threshold > 0 and answered < threshold
        return Summary([], disclosure.hidden(disclosure.SMALL, threshold) if small else answered, bool(teams))

    def shown(row: str, name) -> int | disclosure.Hidden:
        mark = problem.mark((row, name))
        return counts[row][name] if mark is None else disclosure.hidden(mark, threshold)

    rows = [
        {
            "name": "" if row == TOTAL else row,
            "total": row == TOTAL,
            "teams": shown(row, "teams"),
            "answered": shown(row, "answered"),
            "items": [
                {"yes": shown(row, ("yes", i)), "no": shown(row, ("no", i))} for i in range(len(columns))
            ],
        }
        for row in counts
    ]
    return Summary(rows, rows[-1]["answered"])
