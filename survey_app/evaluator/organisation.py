"""The evaluator's view of the organisation rounds (Tabel 4).

Per round: each municipality's answers (Ja / Nej / –, with the team's
comments), a summary per region of how many municipalities answered Ja and
Nej to each question, with every count below ``SUPPRESSION_THRESHOLD`` shown
as "<5", and the per-municipality answers as CSV (written to the audit log;
the teams' comments are neutralised, so none can run as a formula in Excel).
A municipality's region is the one it belonged to on the round's deadline.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from flask import Response, abort, current_app, render_template

from .. import clock, rounds, safe_csv
from ..auth import log_action, role_required
from ..db import get_db, transaction
from ..questionnaires import Item, Questionnaire
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
    questionnaire = current_app.extensions["questionnaires"].get(row["questionnaire_id"])
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


def region_summary(teams: list[dict], columns: list[Column], threshold: int) -> list[dict]:
    """Per region (and all together): municipalities answered, and Ja / Nej counts per question.

    Any count below ``threshold`` becomes ``None`` (shown as "<5").
    """

    def hide(count: int) -> int | None:
        return count if count >= threshold else None

    def summarise(name: str, group: list[dict]) -> dict:
        answered = [team for team in group if team["completed_at"]]
        per_item = []
        for column in columns:
            scores = [team["given"].get(column.item.id, {}).get("score") for team in answered]
            per_item.append({"yes": hide(scores.count(1)), "no": hide(scores.count(2))})
        return {"name": name, "teams": len(group), "answered": hide(len(answered)), "items": per_item}

    by_region: dict[str, list[dict]] = {}
    for team in teams:
        by_region.setdefault(team["region_name"], []).append(team)
    rows = [summarise(name, group) for name, group in sorted(by_region.items())]
    return rows + [summarise("", teams)] if rows else rows


@bp.get("/organisation")
@role_required("evaluator")
def organisation():
    """The rounds of the organisation questionnaire, newest first."""
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
