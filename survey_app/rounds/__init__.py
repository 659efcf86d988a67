"""Rounds of the organisation questionnaire: one signed link per municipality's IPS team.

An admin opens a round (a name, a questionnaire without a total, a
deadline, the municipalities); each chosen municipality's team gets its own
link by e-mail (``team_contact``), and one reminder some days before the
deadline if it has not finished. Unlike a participant's link, a team's link
is not spent when the last answer is given: until the round is closed
(``closed_at`` set, or the deadline day has passed) the team may reopen it,
see its answers and change any of them. The first answer to an item lives
in ``round_answer`` only; every later change also writes one
``round_answer_change`` row (old and new value, when, and who: ``team`` for
the team's link, or a staff member's e-mail) in the same transaction.

Team links are signed under their own salt, so a participant's token can
never open a team's round, nor the other way round.

Functions take the sqlite-utils database explicitly and import no Flask.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlite_utils
from babel.dates import format_date

from .. import clock, dates, links, participants
from ..contact_details import normalise_email
from ..db import transaction
from ..languages import N_, UserError
from ..questionnaires import Item, Questionnaire

SALT = "survey_app.team-round-link"
CHANGED_BY_TEAM = "team"
NAME_MAX_LENGTH = 100

# What a valid team link can lead to (besides links.VALID and links.UNKNOWN).
CLOSED = "closed"

# A team's progress in a round, in order.
NOT_OPENED, OPENED, ANSWERED = "not_opened", "opened", "answered"

_TEAM_SELECT = (
    "SELECT round_team.*, round.name AS round_name, round.questionnaire_id, round.deadline,"
    " round.closed_at, municipality.name AS municipality_name"
)
_TEAM_FROM = (
    " FROM round_team JOIN round ON round.id = round_team.round_id"
    " JOIN municipality ON municipality.code = round_team.municipality_code"
)
_TEAM_SQL = _TEAM_SELECT + _TEAM_FROM


class RoundError(UserError):
    """A wrong input for opening a round; ``field`` names the input (name, questionnaire, deadline, municipalities)."""

    def __init__(self, field: str, message: str, **params):
        super().__init__(message, **params)
        self.field = field


def _one(db: sqlite_utils.Database, sql: str, params) -> dict | None:
    return next(iter(db.query(sql, params)), None)


# -- rounds ------------------------------------------------------------------------


def is_closed(row: dict, today: date) -> bool:
    """Whether a round (or a team row joined with its round) can no longer be answered.

    The deadline is inclusive: the team can answer all of that day.
    """
    return bool(row["closed_at"]) or today > date.fromisoformat(row["deadline"])


def get_round(db: sqlite_utils.Database, round_id: int) -> dict | None:
    return _one(db, "SELECT * FROM round WHERE id = ?", [round_id])


def find_round(db: sqlite_utils.Database, name: str) -> dict:
    """The round with this name, or UserError."""
    row = _one(db, "SELECT * FROM round WHERE name = ?", [(name or "").strip()])
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
            _TEAM_SELECT + ", (SELECT MAX(at) FROM (SELECT answered_at AS at FROM round_answer"
            "   WHERE round_answer.round_team_id = round_team.id UNION ALL SELECT changed_at FROM"
            "   round_answer_change WHERE round_answer_change.round_team_id = round_team.id)) AS last_change"
            + _TEAM_FROM
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
    created_by: int | None,
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
        if _one(db, "SELECT 1 FROM round WHERE name = ?", [name]):
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
                    code = participants.municipality(db, raw)["code"]
                except UserError as error:
                    raise RoundError("municipalities", error.message, **error.params) from None
                if code not in codes:
                    codes.append(code)
            if not codes:
                raise RoundError("municipalities", N_("Choose at least one municipality."))
            missing = [code for code in codes if code not in contacts]
            if missing:
                names = [participants.municipality(db, code)["name"] for code in missing]
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
            " created_by) VALUES (?, ?, ?, ?, ?, ?)",
            [name, questionnaire.id, questionnaire.version, deadline.isoformat(), moment, created_by],
        ).lastrowid
        for code in codes:
            db.execute(
                "INSERT INTO round_team (round_id, municipality_code, nonce, created_at) VALUES (?, ?, ?, ?)",
                [round_id, code, links.new_nonce(), moment],
            )
    return get_round(db, round_id), teams_of(db, round_id)


def teams_of(db: sqlite_utils.Database, round_id: int) -> list[dict]:
    return list(db.query(_TEAM_SQL + " WHERE round_team.round_id = ? ORDER BY municipality.name", [round_id]))


def close_round(db: sqlite_utils.Database, round_id: int, now: datetime) -> None:
    """Close a round before its deadline: its links stop working at once (410), and nothing more is sent."""
    with transaction(db):
        row = get_round(db, round_id)
        if row is None:
            raise UserError(N_("There is no such round."))
        if is_closed(row, clock.local(now).date()):
            raise UserError(N_("The round %(name)s is already closed."), name=row["name"])
        db.execute("UPDATE round SET closed_at = ? WHERE id = ?", [clock.isoformat(now), round_id])
        db.execute(
            "UPDATE message SET status = 'cancelled' WHERE status = 'pending' AND round_team_id IN"
            " (SELECT id FROM round_team WHERE round_id = ?)",
            [round_id],
        )


# -- team contacts -----------------------------------------------------------------


def team_contacts(db: sqlite_utils.Database) -> list[dict]:
    """Every municipality with its team contact (e-mail and name, or None), by name."""
    return list(
        db.query(
            "SELECT municipality.code, municipality.name AS municipality_name, team_contact.email,"
            " team_contact.name, team_contact.updated_at FROM municipality"
            " LEFT JOIN team_contact ON team_contact.municipality_code = municipality.code"
            " ORDER BY municipality.name"
        )
    )


def set_team_contact(
    db: sqlite_utils.Database,
    municipality_code: str,
    *,
    email: str | None,
    name: str | None,
    user_id: int | None,
    now: datetime,
) -> dict:
    """Set (or with an empty e-mail, clear) where a municipality's IPS team gets its links."""
    municipality = participants.municipality(db, municipality_code)
    email = normalise_email(email)
    name = " ".join((name or "").split()) or None
    with transaction(db):
        db.execute(
            "INSERT INTO team_contact (municipality_code, email, name, updated_at, updated_by)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (municipality_code) DO UPDATE SET email = excluded.email,"
            " name = excluded.name, updated_at = excluded.updated_at, updated_by = excluded.updated_by",
            [municipality["code"], email, name, clock.isoformat(now), user_id],
        )
    return {
        "code": municipality["code"],
        "municipality_name": municipality["name"],
        "email": email,
        "name": name,
    }


# -- the team's link and answers ---------------------------------------------------


def team_token(secret_key: str, team: dict) -> str:
    return links.make_token(secret_key, team["id"], team["nonce"], salt=SALT)


def get_team(db: sqlite_utils.Database, round_team_id: int) -> dict | None:
    return _one(db, _TEAM_SQL + " WHERE round_team.id = ?", [round_team_id])


def find_team_by_token(db: sqlite_utils.Database, secret_key: str, token: str) -> dict | None:
    """The team row a link points to, or ``None`` for tampered, unknown or foreign links."""
    try:
        round_team_id, nonce = links.read_token(secret_key, token, salt=SALT)
    except links.BadLink:
        return None
    team = get_team(db, round_team_id)
    if team is None or not links.nonce_matches(team["nonce"], nonce):
        return None
    return team


def answers(db: sqlite_utils.Database, round_team_id: int) -> dict[str, dict]:
    """The team's current answers, by item id."""
    return {
        row["item_id"]: row
        for row in db.query(
            "SELECT item_id, score, text, answered_at FROM round_answer WHERE round_team_id = ?",
            [round_team_id],
        )
    }


def changes(db: sqlite_utils.Database, round_team_id: int) -> list[dict]:
    """Every change of an answer, oldest first."""
    return list(
        db.query("SELECT * FROM round_answer_change WHERE round_team_id = ? ORDER BY id", [round_team_id])
    )


def mark_opened(db: sqlite_utils.Database, round_team_id: int, now: datetime) -> None:
    """The team pressed Start (a GET of the link records nothing: previews open links too)."""
    with transaction(db):
        db.execute(
            "UPDATE round_team SET opened_at = COALESCE(opened_at, ?) WHERE id = ?",
            [clock.isoformat(now), round_team_id],
        )


@dataclass
class Stored:
    """What :func:`store_answer` left behind."""

    state: str  # links.VALID, or why nothing was written (links.UNKNOWN, CLOSED)
    answers: dict[str, dict]
    completed: bool = False
    changed: bool = False  # an earlier answer was replaced (and the change recorded)


def store_answer(
    db: sqlite_utils.Database,
    questionnaire: Questionnaire,
    round_team_id: int,
    nonce: str,
    item: Item,
    value: int | str,
    *,
    changed_by: str,
    now: datetime,
) -> Stored:
    """Commit one answer, or a change of one; mark the team answered when none is missing.

    ``value`` has been checked by :func:`questionnaires.check_answer`. The
    team row, its nonce and the round's state are checked inside the
    transaction, so nothing is written after the round closed. The same
    answer given again changes nothing and records no change.
    """
    score, text = (None, value or None) if item.type == "text" else (value, None)
    moment = clock.isoformat(now)
    changed = False
    with transaction(db):
        team = get_team(db, round_team_id)
        if team is None or not links.nonce_matches(team["nonce"], nonce):
            return Stored(links.UNKNOWN, {})
        if is_closed(team, clock.local(now).date()):
            return Stored(CLOSED, answers(db, round_team_id))
        old = _one(
            db,
            "SELECT score, text FROM round_answer WHERE round_team_id = ? AND item_id = ?",
            [round_team_id, item.id],
        )
        if old is None:
            db.execute(
                "INSERT INTO round_answer (round_team_id, item_id, score, text, answered_at)"
                " VALUES (?, ?, ?, ?, ?)",
                [round_team_id, item.id, score, text, moment],
            )
        elif (old["score"], old["text"]) != (score, text):
            db.execute(
                "UPDATE round_answer SET score = ?, text = ?, answered_at = ?"
                " WHERE round_team_id = ? AND item_id = ?",
                [score, text, moment, round_team_id, item.id],
            )
            db.execute(
                "INSERT INTO round_answer_change (round_team_id, item_id, old_score, old_text, new_score,"
                " new_text, changed_at, changed_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [round_team_id, item.id, old["score"], old["text"], score, text, moment, changed_by],
            )
            changed = True
        given = answers(db, round_team_id)
        completed = questionnaire.next_unanswered(given) is None
        if completed and not team["completed_at"]:
            db.execute("UPDATE round_team SET completed_at = ? WHERE id = ?", [moment, round_team_id])
    return Stored(links.VALID, given, completed, changed)


# -- messages ----------------------------------------------------------------------

ROUND_SUBJECT = "IPS-organisationsskema for {kommune} Kommune: {runde}"
ROUND_BODY = (
    "Hej{navn}\n\n"
    "IPS-teamet i {kommune} Kommune bedes besvare organisationsskemaet i runden »{runde}«: "
    "{antal} ja/nej-spørgsmål om, hvordan IPS er organiseret hos jer, med plads til kommentarer.\n\n"
    "I svarer på telefon eller computer via dette link:\n\n{link}\n\n"
    "Fristen er {frist}. Indtil da kan I åbne linket igen, se jeres svar og rette dem.\n\n"
    "Linket hører til jeres team. Send det kun videre inden for teamet.\n\n"
    "Venlig hilsen\nIPS-undersøgelsen\n"
)
REMINDER_SUBJECT = "Påmindelse: IPS-organisationsskema for {kommune} Kommune"
REMINDER_BODY = (
    "Hej{navn}\n\n"
    "Vi mangler stadig IPS-teamets svar på organisationsskemaet i runden »{runde}« for {kommune} Kommune. "
    "Fristen er {frist}.\n\n"
    "I kan fortsætte, hvor I slap, via jeres link:\n\n{link}\n\n"
    "Venlig hilsen\nIPS-undersøgelsen\n"
)


def danish_date(day: date) -> str:
    """``2026-03-31`` → ``31. marts 2026``."""
    return format_date(day, "d. MMMM y", locale="da")


def _message_text(kind: str, team: dict, link: str, questionnaire: Questionnaire | None) -> tuple[str, str]:
    values = {
        "navn": f" {team['contact_name']}" if team.get("contact_name") else "",
        "kommune": team["municipality_name"],
        "runde": team["round_name"],
        "antal": sum(1 for item in questionnaire.items if item.scored) if questionnaire else "",
        "link": link,
        "frist": danish_date(date.fromisoformat(team["deadline"])),
    }
    subject, body = (ROUND_SUBJECT, ROUND_BODY) if kind == "round" else (REMINDER_SUBJECT, REMINDER_BODY)
    return subject.format(**values), body.format(**values)


def plan_messages(
    db: sqlite_utils.Database,
    questionnaires: Mapping[str, Questionnaire],
    link_for: Callable[[dict], str],
    now: datetime,
    *,
    reminder_days: int,
    dry_run: bool = False,
) -> Counter:
    """Queue each open round's link to every team that has not answered, and one reminder.

    The link goes by e-mail to the team contact when the round opens (the
    first run after); the reminder ``reminder_days`` before the deadline,
    never on the day the link itself went out. Dedupe keys
    (``round:<team>``, ``round-reminder:<team>``) make each one at most
    once, however often ``send-due`` runs. Returns counts by kind.
    """
    counts: Counter = Counter()
    today = clock.local(now).date()
    teams = list(
        db.query(
            _TEAM_SELECT
            + ", team_contact.email, team_contact.name AS contact_name"
            + _TEAM_FROM
            + " LEFT JOIN team_contact ON team_contact.municipality_code = round_team.municipality_code"
            " WHERE round.closed_at IS NULL AND round.deadline >= ? AND round_team.completed_at IS NULL"
            " ORDER BY round_team.id",
            [today.isoformat()],
        )
    )
    for team in teams:
        if not team["email"]:
            counts["no_contact"] += 1
            continue
        first_key, reminder_key = f"round:{team['id']}", f"round-reminder:{team['id']}"
        with transaction(db):
            first = _one(db, "SELECT sent_at FROM message WHERE dedupe_key = ?", [first_key])
            if first is None:
                kind, key = "round", first_key
            elif (
                first["sent_at"]
                and today >= date.fromisoformat(team["deadline"]) - timedelta(days=reminder_days)
                and clock.local(clock.parse(first["sent_at"])).date() < today
                and not _one(db, "SELECT 1 FROM message WHERE dedupe_key = ?", [reminder_key])
            ):
                kind, key = "round_reminder", reminder_key
            else:
                continue
            if not dry_run:
                subject, body = _message_text(
                    kind, team, link_for(team), questionnaires.get(team["questionnaire_id"])
                )
                db.execute(
                    "INSERT INTO message (round_team_id, kind, channel, recipient, subject, body, dedupe_key,"
                    " created_at, status, next_attempt_at) VALUES (?, ?, 'email', ?, ?, ?, ?, ?, 'pending', ?)"
                    " ON CONFLICT (dedupe_key) DO NOTHING",
                    [
                        team["id"],
                        kind,
                        team["email"],
                        subject,
                        body,
                        key,
                        clock.isoformat(now),
                        clock.isoformat(now),
                    ],
                )
            counts[kind] += 1
    return counts


def message_still_wanted(db: sqlite_utils.Database, round_team_id: int, now: datetime) -> bool:
    """A team's message is sent only while its round is open and the team has not answered."""
    team = get_team(db, round_team_id)
    return team is not None and not team["completed_at"] and not is_closed(team, clock.local(now).date())
