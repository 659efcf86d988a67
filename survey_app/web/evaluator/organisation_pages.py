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
from being worked out (see :func:`survey_app.rounds.results.summary_problem`).
"""

from __future__ import annotations

import io

from flask import Response, abort, current_app, render_template

from ... import clock, context, places, rounds, safe_csv
from ...context import get_db
from ...db import transaction
from ...questionnaires import Questionnaire
from ...rounds import results
from ..auth import log_action, role_required
from . import bp


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
    regions = places.regions_on(db, round_row["deadline"])
    for team in teams:
        team["region_id"], team["region_name"] = regions.get(team["municipality_code"], ("", ""))
        team["given"] = rounds.answers(db, team["id"])
    return teams


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
    columns, loose = results.columns_of(questionnaire)
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
        summary=results.region_summary(teams, columns, threshold),
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
