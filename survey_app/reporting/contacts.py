"""What brings the answers: each participant's first channel, the contact that preceded their
completion, and the cumulative curve of completions by days since the invitation.

A *contact* is a sent invitation or reminder message (``message``, status ``sent``, of an
invitation to the report's questionnaire) or a hand-over of the link in person: every showing of
the QR code or printed letter, and every link printed by ``invite``, is an audit row
``link_shown`` naming the participant (``participant:ID:CODE``).

- ``first channel``: the channel of the participant's earliest contact: ``sms``, ``email``, ``qr``
  (a hand-over), or ``none`` (never contacted).
- ``contact before completion``: the last contact at or before the completion:
  ``invitation``, ``reminder_1``, ``reminder_2`` (the second reminder or a later one),
  ``handed_over``; ``none`` when the participant has not completed, or completed with no contact
  recorded before it.

Both are SQL joined onto the report's cohort, so the groupings ``channel`` and ``contact`` go
through the same aggregation and disclosure control as every other grouping.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import sqlite_utils

from .. import clock
from ..languages import N_

CHANNELS = {
    "sms": N_("SMS"),
    "email": N_("E-mail"),
    "qr": N_("QR code or letter handed over"),
    "none": N_("Not contacted"),
}
CONTACTS = {
    "invitation": N_("Invitation"),
    "reminder_1": N_("Reminder 1"),
    "reminder_2": N_("Reminder 2 or later"),
    "handed_over": N_("Hand-over (QR code or letter)"),
    "none": N_("Not completed after a contact"),
}

# Every contact of every participant: (participant_id, at, kind, channel, id, number), ``id`` the
# message's id or minus the audit row's, ``number`` the contact's place among the participant's
# contacts of its kind (reminder 1, 2, …).
_EVENTS = (
    "(SELECT participant_id, at, kind, channel, id,"
    " ROW_NUMBER() OVER (PARTITION BY participant_id, kind ORDER BY at, id) AS number FROM ("
    " SELECT message.participant_id, message.sent_at AS at, message.kind, message.channel, message.id"
    " FROM message JOIN invitation AS contact_invitation ON contact_invitation.id = message.invitation_id"
    " WHERE message.status = 'sent' AND message.sent_at IS NOT NULL"
    " AND message.kind IN ('invitation', 'reminder')"
    " AND contact_invitation.questionnaire_id = :questionnaire"
    " UNION ALL"
    " SELECT CAST(substr(audit.target, 13, instr(substr(audit.target, 13), ':') - 1) AS INTEGER),"
    " audit.at, 'handover', 'qr', -audit.id"
    " FROM audit WHERE audit.action = 'link_shown' AND substr(audit.target, 1, 12) = 'participant:') AS contact_event)"
)

# The participant's first completion of the questionnaire.
_COMPLETION = (
    "(SELECT participant_id, MIN(completed_at) AS completed_at FROM invitation"
    " WHERE questionnaire_id = :questionnaire AND completed_at IS NOT NULL GROUP BY participant_id)"
)

# The earliest contact; of several at the same moment the first by kind ('handover', 'invitation',
# 'reminder'), then by id: the row SQLite's bare column beside MIN(at) gave, now said in SQL that
# PostgreSQL runs too.
FIRST_CONTACT_JOIN = (
    " LEFT JOIN (SELECT participant_id, channel AS first_channel, at AS first_at FROM"
    " (SELECT events.participant_id, events.channel, events.at, ROW_NUMBER() OVER"
    " (PARTITION BY events.participant_id ORDER BY events.at, events.kind, events.id) AS place FROM "
    + _EVENTS
    + " AS events) AS ranked_contact WHERE ranked_contact.place = 1)"
    " AS first_contact ON first_contact.participant_id = cohort.participant_id"
)
FIRST_CHANNEL = "COALESCE(first_contact.first_channel, 'none')"

# The latest contact at or before the completion; ties as in FIRST_CONTACT_JOIN (the row SQLite's
# bare column beside MAX(at) gave).
CONTACT_BEFORE_JOIN = (
    " LEFT JOIN (SELECT participant_id, contact FROM (SELECT events.participant_id,"
    " CASE events.kind WHEN 'invitation' THEN 'invitation' WHEN 'handover' THEN 'handed_over'"
    " ELSE CASE WHEN events.number = 1 THEN 'reminder_1' ELSE 'reminder_2' END END AS contact,"
    " ROW_NUMBER() OVER (PARTITION BY events.participant_id ORDER BY events.at DESC, events.kind, events.id)"
    " AS place FROM "
    + _EVENTS
    + " AS events JOIN "
    + _COMPLETION
    + " AS completion ON completion.participant_id = events.participant_id"
    " WHERE events.at <= completion.completed_at) AS ranked_before WHERE ranked_before.place = 1)"
    " AS last_contact ON last_contact.participant_id = cohort.participant_id AND cohort.completed = 1"
)
CONTACT_BEFORE = "COALESCE(last_contact.contact, 'none')"


# The completed participants of the cohort: when they were first contacted (else when their
# completed invitation was made) and when they completed. Of two invitations completed at the same
# moment, the first made (the lower id: the row SQLite's bare column under GROUP BY gave).
CURVE_ROWS = (
    "SELECT COALESCE(first_contact.first_at, completion_invitation.created_at), completion.completed_at"
    " FROM cohort JOIN " + _COMPLETION + " AS completion ON completion.participant_id = cohort.participant_id"
    " JOIN invitation AS completion_invitation ON completion_invitation.id = (SELECT MIN(completed.id)"
    " FROM invitation AS completed WHERE completed.participant_id = cohort.participant_id"
    " AND completed.questionnaire_id = :questionnaire AND completed.completed_at = completion.completed_at)"
    + FIRST_CONTACT_JOIN
    + " WHERE cohort.completed = 1"
)


@dataclass(frozen=True)
class Curve:
    """Completions by days since the invitation: ``points[d]`` = how many had completed by day ``d``
    (day 0 = the day of the first contact, Danish time); the last point also holds later ones."""

    points: tuple[int, ...]
    reminder_days: tuple[int, ...]
    completed: int

    @property
    def last_day(self) -> int:
        return len(self.points) - 1


def days_to_completion(first_contact: str, completed_at: str) -> int:
    """Whole calendar days (Danish time) from the first contact to the completion; never negative."""
    start: date = clock.local(clock.parse(first_contact)).date()
    end: date = clock.local(clock.parse(completed_at)).date()
    return max(0, (end - start).days)


def curve_from_days(days: Sequence[int], reminder_days: Sequence[int], horizon: int = 42) -> Curve:
    """The cumulative curve of completions on ``days``, up to the latest day seen (at least one day
    past the last reminder, at most ``horizon``; later completions count on the last day)."""
    reminder_days = tuple(sorted(reminder_days))
    last = max([*days, (reminder_days[-1] + 1) if reminder_days else 1])
    last = min(last, horizon)
    per_day = [0] * (last + 1)
    for day in days:
        per_day[min(day, last)] += 1
    points, running = [], 0
    for count in per_day:
        running += count
        points.append(running)
    return Curve(points=tuple(points), reminder_days=reminder_days, completed=len(days))


def completion_curve(db: sqlite_utils.Database, query, reminder_days: Sequence[int]) -> Curve:
    """The report's cohort (``query``: a ``figures.Query``) as a cumulative curve of completions."""
    from .figures import _sql

    sql, params = _sql(query, "total", CURVE_ROWS)
    days = [days_to_completion(first, completed) for first, completed in db.execute(sql, params).fetchall()]
    return curve_from_days(days, reminder_days)
