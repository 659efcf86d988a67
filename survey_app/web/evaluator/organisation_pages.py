"""The evaluator's view of the organisation rounds (Tabel 4).

Per round: each municipality's answers (Ja / Nej / –, with the team's
comments), a summary per region of how many municipalities answered Ja and
Nej to each question, and the per-municipality answers as CSV (written to
the audit log; the teams' comments are neutralised, so none can run as a
formula in Excel). A municipality's region is the one it belonged to on the
round's deadline.

The summary goes through the same disclosure control as every published
figure (``disclosure``): a count below ``SUPPRESSION_THRESHOLD`` is "<5",
and a count that would give one away (a total minus the other regions,
answered minus Ja) is "×". How many municipalities a round went to is the
round's invitation list, public administration: it is shown, and enters the
relations as a known figure, unless only hiding it keeps a smaller count
from being worked out (see :func:`summary_problem`).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from flask import Response, abort, current_app, render_template

from ... import clock, context, rounds, safe_csv
from ...context import get_db
from ...db import transaction
from ...questionnaires import Item, Questionnaire
from ...reporting import disclosure
from ..auth import log_action, role_required
from . import bp


@dataclass
class Column:
    """A yes/no question and the comment item that follows it, if any."""

    number: int
    item: Item
    comment: Item | None


def _columns(questionnaire: Questionnaire) -> tuple[list[Column], list[Item]]:
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


def _threshold() -> int:
    return int(current_app.config["SUPPRESSION_THRESHOLD"])


def _round_and_questionnaire(round_id: int) -> tuple[dict, Questionnaire]:
    row = rounds.get_round(get_db(), round_id)
    if row is None:
        abort(404)
    questionnaire = context.questionnaire(row["questionnaire_id"])
    if questionnaire is None:
        abort(404)
    return row, questionnaire


def _teams_with_answers(round_row: dict) -> list[dict]:
    """Every team of the round with its region (on the deadline) and its answers."""
    db = get_db()
    teams = rounds.team_statuses(db, round_row["id"])
    on = round_row["deadline"]
    regions = {
        code: (region_id, name)
        for code, region_id, name in db.execute(
            "SELECT municipality_region.municipality_code, region.id, region.name FROM municipality_region"
            " JOIN region ON region.id = municipality_region.region_id"
            " WHERE municipality_region.valid_from <= ? AND (municipality_region.valid_to IS NULL"
            " OR municipality_region.valid_to >= ?)",
            [on, on],
        )
    }
    for team in teams:
        team["region_id"], team["region_name"] = regions.get(team["municipality_code"], ("", ""))
        team["given"] = rounds.answers(db, team["id"])
    return teams


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


@bp.get("/organisation")
@role_required("evaluator")
def organisation():
    """The rounds of the organisation questionnaire, newest first, with how many municipalities
    have answered: the round's progress, in plain numbers (each round's page names every
    municipality that answered; only its summary by region is under disclosure control)."""
    today = clock.today()
    all_rounds = rounds.list_rounds(get_db())
    for row in all_rounds:
        row["closed"] = rounds.is_closed(row, today)
    return render_template("evaluator/organisation.html", rounds=all_rounds)


@bp.get("/organisation/<int:round_id>")
@role_required("evaluator")
def organisation_round(round_id: int):
    round_row, questionnaire = _round_and_questionnaire(round_id)
    columns, loose = _columns(questionnaire)
    teams = _teams_with_answers(round_row)
    threshold = _threshold()
    return render_template(
        "evaluator/organisation_round.html",
        round=round_row,
        closed=rounds.is_closed(round_row, clock.today()),
        questionnaire=questionnaire,
        columns=columns,
        loose=loose,
        teams=teams,
        summary=region_summary(teams, columns, threshold),
        threshold=threshold,
    )


def _csv_rows(round_row: dict, questionnaire: Questionnaire, teams: list[dict]):
    items = [item.id for item in questionnaire.items]
    yield [
        "kommunekode",
        "kommune",
        "region",
        "runde",
        "status",
        "aabnet",
        "besvaret",
        "senest_aendret",
        *items,
    ]

    def local(stored):
        return clock.local(clock.parse(stored)).strftime("%Y-%m-%d %H:%M") if stored else ""

    for team in teams:
        answers = [
            (team["given"].get(item_id, {}).get("score") if questionnaire.item(item_id).scored else None)
            or team["given"].get(item_id, {}).get("text")
            or ""
            for item_id in items
        ]
        yield [
            team["municipality_code"],
            team["municipality_name"],
            team["region_name"],
            round_row["name"],
            {"answered": "besvaret", "opened": "åbnet", "not_opened": "ikke åbnet"}[team["status"]],
            local(team["opened_at"]),
            local(team["completed_at"]),
            local(team["last_change"]),
            *answers,
        ]


@bp.get("/organisation/<int:round_id>/svar.csv")
@role_required("evaluator")
def organisation_csv(round_id: int):
    """Each municipality's answers (1 = Ja, 2 = Nej; comments as text), UTF-8 with BOM for Excel."""
    round_row, questionnaire = _round_and_questionnaire(round_id)
    teams = _teams_with_answers(round_row)
    buffer = io.StringIO()
    buffer.write(safe_csv.BOM)
    safe_csv.writer(buffer, lineterminator="\r\n").writerows(_csv_rows(round_row, questionnaire, teams))
    name = f"organisation_runde{round_id}_{clock.today().isoformat()}.csv"
    db = get_db()
    with transaction(db):
        log_action(
            "export",
            target=f"round:{round_id}",
            detail={
                "format": "csv",
                "questionnaire": questionnaire.id,
                "round": round_row["name"],
                "file": name,
            },
            db=db,
        )
    response = Response(buffer.getvalue(), mimetype=safe_csv.MEDIA_TYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
