"""Opening and closing a round, and where each team stands in it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime

import sqlite_utils

from .. import audit, clock, dates, links, places
from ..db import transaction
from ..languages import N_, UserError
from ..questionnaires import Questionnaire

NAME_MAX_LENGTH = 100


# What a valid team link can lead to (besides links.VALID and links.UNKNOWN).
CLOSED = "closed"


# A team's progress in a round, in order.
NOT_OPENED = "not_opened"


OPENED = "opened"


ANSWERED = "answered"


TEAM_SELECT = (
    "SELECT round_team.*, round.name AS round_name, round.questionnaire_id, round.deadline,"
    " round.closed_at, municipality.name AS municipality_name,"
    " (SELECT language FROM team_contact WHERE team_contact.municipality_code = round_team.municipality_code)"
    " AS contact_language"
)


TEAM_FROM = (
    " FROM round_team JOIN round ON round.id = round_team.round_id"
    " JOIN municipality ON municipality.code = round_team.municipality_code"
)


TEAM_SQL = TEAM_SELECT + TEAM_FROM


class RoundError(UserError):
    """A wrong input for opening a round; ``field`` names the input (name, questionnaire, deadline, municipalities)."""

    def __init__(self, field: str, message: str, **params):
        super().__init__(message, **params)
        self.field = field


def one_row(db: sqlite_utils.Database, sql: str, params) -> dict | None:
    return next(iter(db.query(sql, params)), None)


def is_closed(row: dict, today: date) -> bool:
    """Whether a round (or a team row joined with its round) can no longer be answered.

    The deadline is inclusive: the team can answer all of that day.
    """
    return bool(row["closed_at"]) or today > date.fromisoformat(row["deadline"])


def get_round(db: sqlite_utils.Database, round_id: int) -> dict | None:
    return one_row(db, "SELECT * FROM round WHERE id = ?", [round_id])


def find_round(db: sqlite_utils.Database, name: str) -> dict:
    """The round with this name, or UserError."""
    row = one_row(db, "SELECT * FROM round WHERE name = ?", [(name or "").strip()])
    if row is None:
        raise UserError(N_("There is no round called %(name)s."), name=name)
    return row


def list_rounds(db: sqlite_utils.Database) -> list[dict]:
    """Every round, newest first, with how many teams it has, opened and answered."""
    return list(
        db.query(
            "SELECT round.*, COUNT(round_team.id) AS teams,"
            " COUNT(round_team.opened_at) AS opened, COUNT(round_team.completed_at) AS answered"
            " FROM round LEFT JOIN round_team ON round_team.round_id = round.id"
            " GROUP BY round.id ORDER BY round.created_at DESC, round.id DESC"
        )
    )


def team_statuses(db: sqlite_utils.Database, round_id: int) -> list[dict]:
    """Per municipality of a round: its team row, status and the time of its last answer or change."""
    rows = list(
        db.query(
            TEAM_SELECT + ", (SELECT MAX(at) FROM (SELECT answered_at AS at FROM round_answer"
            "   WHERE round_answer.round_team_id = round_team.id UNION ALL SELECT changed_at FROM"
            "   round_answer_change WHERE round_answer_change.round_team_id = round_team.id) AS changes) AS last_change"
            + TEAM_FROM
            + " WHERE round_team.round_id = ? ORDER BY municipality.name",
            [round_id],
        )
    )
    for row in rows:
        row["status"] = team_status(row)
    return rows


def team_status(team: dict) -> str:
    if team["completed_at"]:
        return ANSWERED
    if team["opened_at"]:
        return OPENED
    return NOT_OPENED


def round_questionnaires(questionnaires: Mapping[str, Questionnaire]) -> dict[str, Questionnaire]:
    """The questionnaires a round may use: those without a total (the organisation questionnaire)."""
    return {key: q for key, q in questionnaires.items() if q.total is None}


def open_round(
    db: sqlite_utils.Database,
    *,
    name: str,
    questionnaire: Questionnaire,
    deadline: date,
    municipality_codes: Iterable[str] | None,
    actor: audit.Actor,
    now: datetime,
) -> tuple[dict, list[dict]]:
    """Create a round and a link (team row) per municipality; all or nothing.

    ``municipality_codes`` ``None`` means every municipality with a team
    contact e-mail. Every chosen municipality must have one, or nothing is
    created and the error names those without.
    """
    name = " ".join((name or "").split())
    if not name:
        raise RoundError("name", N_("Give the round a name."))
    if len(name) > NAME_MAX_LENGTH:
        raise RoundError("name", N_("The name may be at most %(length)s characters."), length=NAME_MAX_LENGTH)
    if questionnaire.total is not None:
        raise RoundError(
            "questionnaire",
            N_("The questionnaire %(id)s has a total score and is answered by participants, not in rounds."),
            id=questionnaire.id,
        )
    try:
        dates.within(deadline, dates.deadline_range(clock.local(now).date()), dates.DEADLINE)
    except UserError as error:
        raise RoundError("deadline", error.message, **error.params) from None
    with transaction(db):
        if one_row(db, "SELECT 1 FROM round WHERE name = ?", [name]):
            raise RoundError("name", N_("There is already a round called %(name)s."), name=name)
        contacts = {
            row["municipality_code"]: row
            for row in db.query("SELECT * FROM team_contact WHERE email IS NOT NULL AND email != ''")
        }
        if municipality_codes is None:
            codes = sorted(contacts)
            if not codes:
                raise RoundError(
                    "municipalities", N_("No municipality has a team contact e-mail yet. Add one first.")
                )
        else:
            codes = []
            for raw in municipality_codes:
                try:
                    code = places.municipality(db, raw)["code"]
                except UserError as error:
                    raise RoundError("municipalities", error.message, **error.params) from None
                if code not in codes:
                    codes.append(code)
            if not codes:
                raise RoundError("municipalities", N_("Choose at least one municipality."))
            missing = [code for code in codes if code not in contacts]
            if missing:
                names = [places.municipality(db, code)["name"] for code in missing]
                raise RoundError(
                    "municipalities",
                    N_(
                        "These municipalities have no team contact e-mail, so their link cannot be sent:"
                        " %(names)s. Add the e-mail under Team contacts first."
                    ),
                    names=", ".join(names),
                )
        moment = clock.isoformat(now)
        round_id = db.execute(
            "INSERT INTO round (name, questionnaire_id, questionnaire_version, deadline, created_at,"
            " created_by) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
            [name, questionnaire.id, questionnaire.version, deadline.isoformat(), moment, actor.user_id],
        ).fetchone()[0]
        for code in codes:
            db.execute(
                "INSERT INTO round_team (round_id, municipality_code, nonce, created_at) VALUES (?, ?, ?, ?)",
                [round_id, code, links.new_nonce(), moment],
            )
        audit.record(
            db,
            "round_opened",
            actor=actor,
            target=f"round:{round_id}",
            detail={
                "name": name,
                "deadline": deadline.isoformat(),
                "municipalities": [team["municipality_code"] for team in teams_of(db, round_id)],
            },
        )
    return get_round(db, round_id), teams_of(db, round_id)


def teams_of(db: sqlite_utils.Database, round_id: int) -> list[dict]:
    return list(db.query(TEAM_SQL + " WHERE round_team.round_id = ? ORDER BY municipality.name", [round_id]))


def close_round(db: sqlite_utils.Database, round_id: int, now: datetime, *, actor: audit.Actor) -> None:
    """Close a round before its deadline: its links stop working at once (410), and nothing more is sent."""
    with transaction(db):
        row = get_round(db, round_id)
        if row is None:
            raise UserError(N_("There is no such round."))
        if is_closed(row, clock.local(now).date()):
            raise UserError(N_("The round %(name)s is already closed."), name=row["name"])
        db.execute("UPDATE round SET closed_at = ? WHERE id = ?", [clock.isoformat(now), round_id])
        audit.record(
            db, "round_closed", actor=actor, target=f"round:{round_id}", detail={"name": row["name"]}
        )
        db.execute(
            "UPDATE message SET status = 'cancelled' WHERE status = 'pending' AND round_team_id IN"
            " (SELECT id FROM round_team WHERE round_id = ?)",
            [round_id],
        )
