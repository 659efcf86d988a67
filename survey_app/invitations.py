"""Invitations and their answers: the data side of one participant's journey.

An invitation is one signed link to one questionnaire for one participant.
Answers are committed one at a time, as they are given; the invitation is
completed (the link spent) in the same transaction as its last answer.
Functions take the sqlite-utils database explicitly and import no Flask.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlite_utils

from . import audit, clock, links
from .db import transaction
from .languages import N_, UserError
from .questionnaires import Item, Questionnaire

_INVITATION_SQL = (
    "SELECT invitation.*, participant.code AS participant_code,"
    " participant.withdrawn_at AS participant_withdrawn_at,"
    " participant.municipality_code AS municipality_code, participant.language AS participant_language"
    " FROM invitation JOIN participant ON participant.id = invitation.participant_id"
    " WHERE invitation.id = ?"
)


def _rows(db: sqlite_utils.Database, sql: str, params) -> list[dict]:
    """Rows as dicts through the plain cursor: these reads are on every answer's path."""
    cursor = db.conn.execute(sql, params)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor]


def _one(db: sqlite_utils.Database, sql: str, params) -> dict | None:
    rows = _rows(db, sql, params)
    return rows[0] if rows else None


class TooEarly(UserError):
    """A new link asked for before the first day it may be sent, without a reason to send it early.

    Carries the follow-up date and that first day, so an edge can ask for the confirmation.
    """

    def __init__(self, code: str, due: date, first_day: date):
        super().__init__(
            N_(
                "The follow-up date of %(code)s is %(due)s: the link may be sent or shown from %(first)s."
                " Sending it earlier needs a reason."
            ),
            code=code,
            due=due.isoformat(),
            first=first_day.isoformat(),
        )
        self.due = due
        self.first_day = first_day


def link_expiry(now: datetime, due: date | None, valid_days: int) -> datetime:
    """When a link made at ``now`` stops working: at the end (Danish time) of the day
    ``valid_days`` after today or after the follow-up date ``due``, whichever is later.

    So a link sent early still works ``valid_days`` past the follow-up date. The messages'
    deadline ({frist}, ``messaging.planning.queue``) is the day before the expiry's date: the
    last whole day the link works.
    """
    today = clock.local(now).date()
    start = max(today, due) if due else today
    try:
        after = start + timedelta(days=valid_days + 1)
    except OverflowError:
        after = date.max
    return datetime.combine(after, time(0), tzinfo=clock.LOCAL_TZ).astimezone(UTC)


def last_valid_day(expires_at: str | datetime) -> date:
    """The last whole day (Danish time) a link expiring at ``expires_at`` works: the {frist} of its messages."""
    moment = clock.parse(expires_at) if isinstance(expires_at, str) else expires_at
    try:
        return clock.local(moment).date() - timedelta(days=1)
    except OverflowError:  # a stored expiry on the calendar's first day
        return date.min


def create_invitation(
    db: sqlite_utils.Database,
    participant: dict,
    questionnaire: Questionnaire,
    *,
    valid_days: int,
    actor: audit.Actor,
    due: date | None = None,
    first_day: date | None = None,
    early_reason: str | None = None,
) -> tuple[dict, bool]:
    """An open invitation for the participant: the existing one, or a new one (with its audit row).

    Returns ``(invitation, created)``. Asking twice gives the same link
    rather than a second invitation, so one participant never holds two
    live links to the same questionnaire. A participant who has already
    answered, or was withdrawn, gets no new link.

    ``due`` is the follow-up date: a new link works until ``valid_days`` after
    it (:func:`link_expiry`). With ``first_day`` (the follow-up date less
    ``EARLY_INVITE_DAYS``), a new link before that day raises :class:`TooEarly`
    unless ``early_reason`` is given; the reason goes into a ``link_sent_early``
    audit row. A live link already issued is given again without asking.
    """
    now = clock.now()
    early_reason = (early_reason or "").strip() or None
    with transaction(db):
        withdrawn = db.execute(
            "SELECT withdrawn_at FROM participant WHERE id = ?", [participant["id"]]
        ).fetchone()[0]
        if withdrawn:
            raise UserError(N_("%(code)s has been withdrawn and gets no link."), code=participant["code"])
        earlier = list(
            db.query(
                "SELECT * FROM invitation WHERE participant_id = ? AND questionnaire_id = ?"
                " AND withdrawn_at IS NULL ORDER BY id DESC",
                [participant["id"], questionnaire.id],
            )
        )
        if any(row["completed_at"] for row in earlier):
            raise UserError(N_("%(code)s has already answered this questionnaire."), code=participant["code"])
        live = [row for row in earlier if clock.parse(row["expires_at"]) > now]
        if live:
            return live[0], False
        early = first_day is not None and clock.local(now).date() < first_day
        if early and early_reason is None:
            raise TooEarly(participant["code"], due or first_day, first_day)
        row = {
            "participant_id": participant["id"],
            "questionnaire_id": questionnaire.id,
            "questionnaire_version": questionnaire.version,
            "nonce": links.new_nonce(),
            "created_at": clock.isoformat(now),
            "expires_at": clock.isoformat(link_expiry(now, due, valid_days)),
        }
        row["id"] = db.execute(
            "INSERT INTO invitation (participant_id, questionnaire_id, questionnaire_version,"
            " nonce, created_at, expires_at) VALUES (:participant_id, :questionnaire_id,"
            " :questionnaire_version, :nonce, :created_at, :expires_at) RETURNING id",
            row,
        ).fetchone()[0]
        audit.record(db, "link_created", actor=actor, target=audit.participant_target(participant))
        if early:
            audit.record(
                db,
                "link_sent_early",
                actor=actor,
                target=audit.participant_target(participant),
                detail={"reason": early_reason, "follow_up": (due or first_day).isoformat()},
            )
    return row, True


def token_for(secret_key: str, invitation: dict) -> str:
    return links.make_token(secret_key, invitation["id"], invitation["nonce"])


def find_by_token(db: sqlite_utils.Database, secret_key: str, token: str) -> dict | None:
    """The invitation a link points to, or ``None`` for tampered, unknown or revoked links."""
    try:
        invitation_id, nonce = links.read_token(secret_key, token)
    except links.BadLink:
        return None
    invitation = get(db, invitation_id)
    if invitation is None or not links.nonce_matches(invitation["nonce"], nonce):
        return None
    return invitation


def get(db: sqlite_utils.Database, invitation_id: int) -> dict | None:
    return _one(db, _INVITATION_SQL, [invitation_id])


def state(invitation: dict, now: datetime | None = None) -> str:
    return links.link_state(invitation, now or clock.now(), clock.parse)


def answers(db: sqlite_utils.Database, invitation_id: int) -> dict[str, dict]:
    """Answers given so far, by item id, each with the mark of the browser that gave it."""
    rows = _rows(
        db, "SELECT item_id, score, text, answered_by FROM answer WHERE invitation_id = ?", [invitation_id]
    )
    return {row["item_id"]: row for row in rows}


def answered_here(given: dict[str, dict], browser: str) -> set[str]:
    """The items of ``given`` answered in the browser session marked ``browser``: the only ones it sees."""
    return {item_id for item_id, row in given.items() if row["answered_by"] == browser}


def mark_opened(db: sqlite_utils.Database, invitation_id: int, questionnaire: Questionnaire) -> None:
    """Record that the participant pressed Start (a GET preview records nothing).

    Until the first answer, the invitation takes the version of the texts
    in use now, so a licensed wording installed after the link was sent is
    the one recorded.
    """
    moment = clock.isoformat(clock.now())
    with transaction(db):
        db.execute(
            "UPDATE invitation SET opened_at = COALESCE(opened_at, ?) WHERE id = ?",
            [moment, invitation_id],
        )
        db.execute(
            "UPDATE invitation SET questionnaire_version = ? WHERE id = ?"
            " AND NOT EXISTS (SELECT 1 FROM answer WHERE invitation_id = invitation.id)",
            [questionnaire.version, invitation_id],
        )


@dataclass
class Stored:
    """What :func:`store_answer` left behind."""

    state: str  # links.VALID, or why nothing was written
    answers: dict[str, dict]
    completed: bool = False
    refused: bool = False  # the item was answered in another browser: nothing was written


def store_answer(
    db: sqlite_utils.Database,
    questionnaire: Questionnaire,
    invitation_id: int,
    nonce: str,
    item: Item,
    value: int | str,
    *,
    answered_by: str,
) -> Stored:
    """Commit one answer; complete the invitation when it was the last one missing.

    ``value`` has been checked by :func:`questionnaires.check_answer`. The
    same answer given twice changes nothing. The invitation, its nonce and
    its state are checked inside the transaction, so a double tap on the
    last answer cannot write into a response that has just been completed,
    and a revoked link (``links.UNKNOWN``) writes nothing.

    ``answered_by`` marks the browser session answering (see
    ``binding.browser_mark``). An item already answered in another session
    (or before answers were marked) is not changed: ``refused`` says so.
    """
    now = clock.now()
    moment = clock.isoformat(now)
    score, text = (None, value or None) if item.type == "text" else (value, None)
    with transaction(db):
        invitation = get(db, invitation_id)
        if invitation is None or not links.nonce_matches(invitation["nonce"], nonce):
            return Stored(links.UNKNOWN, {})
        current = state(invitation, now)
        if current != links.VALID:
            return Stored(current, answers(db, invitation_id))
        earlier = db.execute(
            "SELECT answered_by FROM answer WHERE invitation_id = ? AND item_id = ?", [invitation_id, item.id]
        ).fetchone()
        if earlier is not None and earlier[0] != answered_by:
            return Stored(links.VALID, answers(db, invitation_id), refused=True)
        db.execute(
            "INSERT INTO answer (invitation_id, item_id, score, text, questionnaire_version,"
            " answered_at, answered_by) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (invitation_id, item_id) DO UPDATE SET score = excluded.score,"
            " text = excluded.text, questionnaire_version = excluded.questionnaire_version,"
            " answered_at = excluded.answered_at"
            " WHERE answer.score IS DISTINCT FROM excluded.score OR answer.text IS DISTINCT FROM excluded.text",
            [invitation_id, item.id, score, text, questionnaire.version, moment, answered_by],
        )
        given = answers(db, invitation_id)
        completed = questionnaire.next_unanswered(given) is None
        if completed:
            total = questionnaire.total_score({k: row["score"] for k, row in given.items()})
            db.execute(
                "UPDATE invitation SET completed_at = ?, total_score = ? WHERE id = ?",
                [moment, total, invitation_id],
            )
    return Stored(links.COMPLETED if completed else links.VALID, given, completed)
