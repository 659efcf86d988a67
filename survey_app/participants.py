"""Participants: registering, finding and withdrawing them.

Functions take the sqlite-utils database explicitly, so the CLI, the views
and the tests share them. Errors a person can cause are :class:`UserError`
with a translatable message; nothing is written when one is raised.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, timedelta

import sqlite_utils

from . import audit, clock, dates, places
from .contact_details import normalise_email, normalise_phone
from .db import transaction
from .languages import LANGUAGES as LANGUAGE_NAMES
from .languages import N_, UserError
from .pseudonyms import check_code

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DANISH_DATE = re.compile(r"^(\d{2})-(\d{2})-(\d{4})$")


def parse_date(text: str) -> date:
    """A date written ``2025-03-01`` or ``01-03-2025``, or UserError."""
    text = (text or "").strip()
    try:
        if _ISO_DATE.match(text):
            return date.fromisoformat(text)
        if match := _DANISH_DATE.match(text):
            return date(int(match[3]), int(match[2]), int(match[1]))
    except ValueError:
        pass
    raise UserError(N_("%(date)s is not a date: write 2025-03-01 or 01-03-2025."), date=text)


CHANNELS = ("sms", "email")
# The languages the installation has catalogues for: the participant's messages and survey are in one.
LANGUAGES = tuple(LANGUAGE_NAMES)
GENDERS = ("female", "male", "other")


@dataclass
class ParticipantInput:
    """A participant's details as typed or imported, before checking."""

    code: str
    municipality_code: str
    baseline: date | str
    phone: str | None = None
    email: str | None = None
    channel: str | None = None
    language: str = "da"
    consent: bool = False
    birth_year: int | str | None = None
    gender: str | None = None


def check_participant(
    db: sqlite_utils.Database, raw: ParticipantInput
) -> tuple[dict | None, dict[str, UserError]]:
    """Check and normalise every field; return ``(row, {})`` or ``(None, errors by field)``.

    All fields are checked, so a form or an import can show every problem at
    once. The row has the participant table's column names.
    """
    errors: dict[str, UserError] = {}
    row: dict = {}

    def field(name, check):
        try:
            row[name] = check()
        except UserError as error:
            errors[name] = error

    field("code", lambda: check_code(raw.code))
    field("municipality_code", lambda: places.municipality(db, raw.municipality_code)["code"])
    today = clock.today()
    field("baseline_date", lambda: _course_start(raw.baseline, today).isoformat())
    field("phone", lambda: normalise_phone(raw.phone))
    field("email", lambda: normalise_email(raw.email))
    field("language", lambda: _language(raw.language))
    field("birth_year", lambda: _birth_year(raw.birth_year, today))
    field("gender", lambda: _one_of(raw.gender, GENDERS, N_("Gender must be female, male or other."), True))
    if not raw.consent:
        errors["consent"] = UserError(
            N_("The participant must have agreed to be contacted about the questionnaire.")
        )
    # Without contact details the link can still be handed over as a QR code.
    channel = (raw.channel or "").strip().lower().replace("e-mail", "email") or None
    if channel is None:
        channel = "sms" if row.get("phone") or not row.get("email") else "email"
    elif channel not in CHANNELS:
        errors["channel"] = UserError(N_("The channel must be sms or e-mail."))
    # The chosen channel needs its own detail, whatever is wrong with the other one: every problem at once.
    elif channel == "sms" and "phone" in row and not row["phone"]:
        errors["phone"] = UserError(N_("A mobile number is needed to send by SMS."))
    elif channel == "email" and "email" in row and not row["email"]:
        errors["email"] = UserError(N_("An e-mail address is needed to send by e-mail."))
    row["channel"] = channel
    return (None, errors) if errors else (row, {})


def _one_of(value, allowed, message, optional=False):
    value = (value or "").strip().lower() or None
    if value is None and optional:
        return None
    if value not in allowed:
        raise UserError(message)
    return value


def _language(value) -> str:
    """One of the installation's languages (``da`` when not given), else a UserError naming them."""
    language = (value or "").strip().lower() or "da"
    if language not in LANGUAGES:
        raise UserError(
            N_("The language must be one of: %(languages)s."),
            languages=", ".join(f"{code} ({name})" for code, name in LANGUAGE_NAMES.items()),
        )
    return language


def _course_start(value: date | str, today: date) -> date:
    day = value if isinstance(value, date) else parse_date(value)
    return dates.within(day, dates.course_start_range(today), dates.COURSE_START)


def _birth_year(value, today: date) -> int | None:
    if value is None or not str(value).strip():
        return None
    text = str(value).strip()
    # isdecimal, not isdigit: "¹⁹⁹⁰" is digits but no number int() reads.
    if not text.isdecimal():
        raise UserError(N_("%(year)s is not a plausible birth year."), year=text)
    return dates.within(int(text), dates.birth_year_range(today), dates.BIRTH_YEAR)


# The participant's fields a person gives (the form, the command, the import), by column.
CHECKED_FIELDS = (
    "code",
    "municipality_code",
    "baseline_date",
    "phone",
    "email",
    "channel",
    "language",
    "consent",
    "birth_year",
    "gender",
)


def add_participant(
    db: sqlite_utils.Database, raw: ParticipantInput | None = None, *, actor: audit.Actor, **fields
) -> dict:
    """Register a participant, with its audit row; return the stored row, or raise the first UserError.

    Takes a :class:`ParticipantInput`, or its fields as keywords (``baseline``
    may be a date).
    """
    raw = raw or ParticipantInput(**fields)
    row, errors = check_participant(db, raw)
    if errors:
        raise next(iter(errors.values()))
    now = clock.isoformat(clock.now())
    row |= {"created_at": now, "updated_at": now, "consent_at": now}
    with transaction(db):
        exists = db.execute(
            "SELECT 1 FROM participant WHERE municipality_code = ? AND code = ?",
            [row["municipality_code"], row["code"]],
        ).fetchone()
        if exists:
            raise UserError(
                N_("A participant with code %(code)s already exists in %(municipality)s."),
                code=row["code"],
                municipality=places.municipality(db, row["municipality_code"])["name"],
            )
        columns = ", ".join(row)
        row["id"] = db.execute(
            f"INSERT INTO participant ({columns}) VALUES ({', '.join(':' + c for c in row)}) RETURNING id",
            row,
        ).fetchone()[0]
        audit.record(db, "participant_added", actor=actor, target=audit.participant_target(row))
    return row | {"municipality_name": places.municipality(db, row["municipality_code"])["name"]}


class CodeInSeveralMunicipalities(UserError):
    """A code looked up without a municipality is used in more than one: the caller must ask which."""


def find_participant(db: sqlite_utils.Database, code: str, municipality_code: str | None = None) -> dict:
    """The participant with this code (in this municipality, when given), or UserError.

    Codes are unique per municipality only, so a code used in two
    municipalities needs the municipality to tell them apart.
    """
    sql = (
        "SELECT participant.*, municipality.name AS municipality_name FROM participant"
        " JOIN municipality ON municipality.code = participant.municipality_code"
        " WHERE participant.code = ?"
    )
    params = [code.strip()]
    if municipality_code:
        sql += " AND participant.municipality_code = ?"
        params.append(places.municipality(db, municipality_code)["code"])
    rows = list(db.query(sql, params))
    if not rows:
        raise UserError(N_("No participant has the code %(code)s."), code=code)
    if len(rows) > 1:
        raise CodeInSeveralMunicipalities(
            N_("The code %(code)s is used in several municipalities: give --municipality."),
            code=code,
        )
    return rows[0]


def withdraw_participant(db: sqlite_utils.Database, participant: dict, *, actor: audit.Actor) -> None:
    """Withdraw a participant: their open links stop working at once (410), nothing more is sent.

    The audit row names the invitations and messages stopped, so :func:`undo_withdrawal` can
    restore exactly those.
    """
    participant_id = participant["id"]
    moment = clock.isoformat(clock.now())
    with transaction(db):
        invitation_ids = [
            row[0]
            for row in db.execute(
                "SELECT id FROM invitation WHERE participant_id = ? AND withdrawn_at IS NULL"
                " AND completed_at IS NULL ORDER BY id",
                [participant_id],
            )
        ]
        message_ids = [
            row[0]
            for row in db.execute(
                "SELECT id FROM message WHERE participant_id = ? AND status = 'pending' ORDER BY id",
                [participant_id],
            )
        ]
        audit.record(
            db,
            "participant_withdrawn",
            actor=actor,
            target=audit.participant_target(participant),
            detail={"links_stopped": invitation_ids, "messages_cancelled": message_ids},
        )
        db.execute(
            "UPDATE participant SET withdrawn_at = ? WHERE id = ? AND withdrawn_at IS NULL",
            [moment, participant_id],
        )
        db.execute(
            "UPDATE invitation SET withdrawn_at = ? WHERE participant_id = ?"
            " AND withdrawn_at IS NULL AND completed_at IS NULL",
            [moment, participant_id],
        )
        db.execute(
            "UPDATE message SET status = 'cancelled' WHERE participant_id = ? AND status = 'pending'",
            [participant_id],
        )


# How long a withdrawal can be undone.
UNDO_WITHDRAWAL_DAYS = 14


def undo_deadline(participant: dict):
    """The moment after which the participant's withdrawal can no longer be undone (None: not withdrawn)."""
    if not participant.get("withdrawn_at"):
        return None
    return clock.parse(participant["withdrawn_at"]) + timedelta(days=UNDO_WITHDRAWAL_DAYS)


def undo_withdrawal(db: sqlite_utils.Database, participant: dict, *, actor: audit.Actor) -> None:
    """Take a withdrawal back, within :data:`UNDO_WITHDRAWAL_DAYS`: the participant is active again,
    the links the withdrawal stopped work again (until their own expiry), and the messages it
    cancelled are waiting to be sent again (unless the participant has opted out). Messages
    cancelled for another reason stay cancelled. Later, UserError, and nothing changes.
    """
    with transaction(db):
        current = get_participant(db, participant["id"])
        if current is None or not current["withdrawn_at"]:
            raise UserError(N_("%(code)s is not withdrawn."), code=participant["code"])
        deadline = undo_deadline(current)
        if clock.now() > deadline:
            raise UserError(
                N_(
                    "%(code)s was withdrawn on %(date)s, more than %(days)s days ago:"
                    " the withdrawal can no longer be undone."
                ),
                code=current["code"],
                date=clock.local(clock.parse(current["withdrawn_at"])).date().isoformat(),
                days=UNDO_WITHDRAWAL_DAYS,
            )
        stopped = _stopped_by_withdrawal(db, current)
        db.execute("UPDATE participant SET withdrawn_at = NULL WHERE id = ?", [current["id"]])
        # The links stopped by the withdrawal carry its moment (also for withdrawals logged before
        # the audit row named them).
        invitations = db.execute(
            "UPDATE invitation SET withdrawn_at = NULL WHERE participant_id = ? AND withdrawn_at = ?",
            [current["id"], current["withdrawn_at"]],
        ).rowcount
        restored = 0
        if not current["opted_out_at"]:
            for message_id in stopped["messages"]:
                restored += db.execute(
                    "UPDATE message SET status = 'pending' WHERE id = ? AND participant_id = ?"
                    " AND status = 'cancelled' AND recipient IS NOT NULL",
                    [message_id, current["id"]],
                ).rowcount
        audit.record(
            db,
            "participant_withdrawal_undone",
            actor=actor,
            target=audit.participant_target(current),
            detail={"links_restored": invitations, "messages_restored": restored},
        )


def _stopped_by_withdrawal(db: sqlite_utils.Database, participant: dict) -> dict:
    """The messages the participant's latest withdrawal cancelled (from its audit row)."""
    row = db.execute(
        "SELECT detail FROM audit WHERE action = 'participant_withdrawn' AND target LIKE ?"
        " ORDER BY id DESC LIMIT 1",
        [f"participant:{participant['id']}:%"],
    ).fetchone()
    try:
        detail = json.loads(row[0]) if row and row[0] else {}
    except ValueError:
        detail = {}
    if not isinstance(detail, dict):
        detail = {}
    return {"messages": [i for i in detail.get("messages_cancelled", []) if isinstance(i, int)]}


def opt_out(db: sqlite_utils.Database, participant_id: int, *, actor: audit.Actor) -> None:
    """The participant asked for no more messages (the link in every e-mail): nothing pending is sent."""
    with transaction(db):
        db.execute(
            "UPDATE participant SET opted_out_at = ? WHERE id = ?",
            [clock.isoformat(clock.now()), participant_id],
        )
        db.execute(
            "UPDATE message SET status = 'cancelled' WHERE participant_id = ? AND status = 'pending'",
            [participant_id],
        )
        audit.record(db, "participant_opted_out", actor=actor, target=f"participant:{participant_id}")


def update_participant(
    db: sqlite_utils.Database, participant_id: int, raw: ParticipantInput, *, actor: audit.Actor
) -> dict:
    """Change a participant's details, with an audit row naming the fields that changed (never their
    values); raise the first UserError, writing nothing."""
    row, errors = check_participant(db, raw)
    if errors:
        raise next(iter(errors.values()))
    with transaction(db):
        clash = db.execute(
            "SELECT 1 FROM participant WHERE municipality_code = ? AND code = ? AND id != ?",
            [row["municipality_code"], row["code"], participant_id],
        ).fetchone()
        if clash:
            raise UserError(
                N_("A participant with code %(code)s already exists in %(municipality)s."),
                code=row["code"],
                municipality=places.municipality(db, row["municipality_code"])["name"],
            )
        before = get_participant(db, participant_id)
        row["updated_at"] = clock.isoformat(clock.now())
        assignments = ", ".join(f"{column} = :{column}" for column in row)
        db.execute(f"UPDATE participant SET {assignments} WHERE id = :id", row | {"id": participant_id})
        after = get_participant(db, participant_id)
        fields = sorted(name for name in CHECKED_FIELDS if name in after and after[name] != before.get(name))
        audit.record(
            db,
            "participant_changed",
            actor=actor,
            target=audit.participant_target(after),
            detail={"fields": fields},
        )
    return after


def get_participant(
    db: sqlite_utils.Database, participant_id: int, municipalities: set[str] | None = None
) -> dict | None:
    """One participant by id; with ``municipalities``, only if it belongs to one of them."""
    row = next(
        db.query(
            "SELECT participant.*, municipality.name AS municipality_name FROM participant"
            " JOIN municipality ON municipality.code = participant.municipality_code WHERE participant.id = ?",
            [participant_id],
        ),
        None,
    )
    if row is None or (municipalities is not None and row["municipality_code"] not in municipalities):
        return None
    return row


def with_status(
    db: sqlite_utils.Database, municipalities: set[str], questionnaire_id: str, now, schedule
) -> list[dict]:
    """The participants of these municipalities with their newest invitation and status.

    Nothing about the answers themselves: only how many items are answered,
    so a consultant can see that someone stopped halfway. ``sms_waiting_until``
    is the stored moment an invitation SMS waiting for the SMS window goes out.
    """
    from .scheduling import participant_status

    if not municipalities:
        return []
    marks = ", ".join("?" for _ in municipalities)
    rows = list(
        db.query(
            "SELECT participant.*, municipality.name AS municipality_name,"
            " invitation.id AS invitation_id, invitation.created_at AS invited_at,"
            " invitation.expires_at, invitation.opened_at, invitation.completed_at,"
            " (SELECT COUNT(*) FROM answer WHERE answer.invitation_id = invitation.id) AS answered,"
            " (SELECT COUNT(*) FROM message WHERE message.invitation_id = invitation.id"
            "   AND message.kind = 'reminder' AND message.status = 'sent') AS reminders_sent,"
            " (SELECT status FROM message WHERE message.participant_id = participant.id"
            "   ORDER BY message.id DESC LIMIT 1) AS last_message_status,"
            " (SELECT MIN(next_attempt_at) FROM message WHERE message.invitation_id = invitation.id"
            "   AND message.kind = 'invitation' AND message.channel = 'sms' AND message.status = 'pending'"
            "   AND message.attempts = 0) AS sms_pending_until,"
            " (SELECT COUNT(*) FROM message WHERE message.invitation_id = invitation.id"
            "   AND message.status = 'sent') AS messages_sent"
            " FROM participant JOIN municipality ON municipality.code = participant.municipality_code"
            " LEFT JOIN invitation ON invitation.id = (SELECT MAX(id) FROM invitation"
            "   WHERE invitation.participant_id = participant.id AND invitation.questionnaire_id = ?"
            "   AND invitation.withdrawn_at IS NULL)"
            f" WHERE participant.municipality_code IN ({marks}) ORDER BY participant.code",
            [questionnaire_id, *sorted(municipalities)],
        )
    )
    for row in rows:
        invitation = (
            {
                "expires_at": row["expires_at"],
                "opened_at": row["opened_at"],
                "completed_at": row["completed_at"],
            }
            if row["invitation_id"]
            else None
        )
        due = schedule.due_date(row["baseline_date"])
        row["due_date"] = due.isoformat() if due else None
        row["status"] = participant_status(
            row, invitation, row["answered"], row["reminders_sent"], now, schedule
        )
        row["sms_waiting_until"] = _sms_waiting_until(row, now)
    return rows


def _sms_waiting_until(row: dict, now) -> str | None:
    """When the invitation's SMS goes out, if it is still waiting for the SMS window (else None):
    the link is not with the participant yet, so the consultant must not read it as sent."""
    waiting = row.pop("sms_pending_until")
    sent = row.pop("messages_sent")
    if row["status"] != "invited" or not waiting or sent:
        return None
    return waiting if clock.parse(waiting) > now else None
