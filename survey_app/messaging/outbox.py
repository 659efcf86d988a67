"""Handing queued messages to their channel: retries with back-off, giving up on interrupted
sends, cancelling what is no longer wanted, sending one message by hand, and how the outbox
describes a message."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import sqlite_utils

from .. import clock, invitations, labels, rounds
from ..db import transaction
from ..languages import DEFAULT_LANGUAGE, N_, UserError
from ..scheduling import Schedule
from . import channels
from .planning import PARTICIPANT_SQL, Links, channel_for, other_channel, queue, recipient
from .templates import as_html

MAX_ATTEMPTS = 5


FIRST_RETRY = timedelta(minutes=5)


LONGEST_RETRY = timedelta(hours=6)


def _retry_after(attempts: int) -> timedelta:
    return min(FIRST_RETRY * (2 ** (attempts - 1)), LONGEST_RETRY)


def _still_wanted(db: sqlite_utils.Database, message: dict, now: datetime) -> bool:
    """False when the participant completed, opted out or was withdrawn since it was planned.

    A team's round link (no participant; see ``rounds``) is wanted while
    the round is open and the team has not answered.
    """
    if message["participant_id"] is None:
        return bool(message["recipient"]) and rounds.message_still_wanted(db, message["round_team_id"], now)
    row = db.execute(
        "SELECT participant.withdrawn_at, participant.opted_out_at,"
        " (SELECT completed_at FROM invitation WHERE invitation.id = ?)"
        " FROM participant WHERE participant.id = ?",
        [message["invitation_id"], message["participant_id"]],
    ).fetchone()
    return not any(row) and bool(message["recipient"])


def deliver(
    db: sqlite_utils.Database,
    config,
    schedule: Schedule,
    links: Links,
    now: datetime,
    *,
    only: list[int] | None = None,
    by_kind: Counter | None = None,
) -> Counter:
    """Send every pending message whose time has come (or just ``only`` these); return counts.

    ``by_kind``, when given, also counts each outcome by the message's kind: ``("sent", "reminder")``."""
    counts: Counter = Counter()
    counts["interrupted"] = _give_up_interrupted(db, now)
    sql = (
        "SELECT * FROM message WHERE status = 'pending' AND (next_attempt_at IS NULL OR next_attempt_at <= ?)"
    )
    wanted = set(only) if only is not None else None
    handled: set[int] = set()
    while True:  # again for fallbacks queued by this run, so they go out at once
        batch = [
            message
            for message in db.query(sql + " ORDER BY id", [clock.isoformat(now)])
            if message["id"] not in handled and (wanted is None or message["id"] in wanted)
        ]
        if not batch:
            return counts
        for message in batch:
            handled.add(message["id"])
            outcome = _deliver_one(db, config, schedule, links, now, message)
            counts[outcome] += 1
            if by_kind is not None:
                by_kind[outcome, message["kind"]] += 1
        if wanted is not None:
            marks = ", ".join("?" for _ in batch)
            fallbacks = db.execute(
                f"SELECT id FROM message WHERE fallback_of IN ({marks})", [m["id"] for m in batch]
            )
            wanted |= {row[0] for row in fallbacks}


INTERRUPTED_AFTER = timedelta(hours=1)


def _give_up_interrupted(db: sqlite_utils.Database, now: datetime) -> int:
    """Messages left 'sending' by a run that died (claimed over ``INTERRUPTED_AFTER`` ago).

    Never handed to the gateway or mail server (``handed_at`` empty): back
    to pending, sent by this run. Handed over, but the run died before the
    answer was recorded: the provider almost certainly has it, so it counts
    as sent (at the hand-over) with a note, rather than risk a second SMS.
    """
    with transaction(db):
        limit = clock.isoformat(now - INTERRUPTED_AFTER)
        resent = db.execute(
            "UPDATE message SET status = 'pending', next_attempt_at = NULL,"
            " error = 'interrupted before it was handed over; sent again'"
            " WHERE status = 'sending' AND claimed_at < ? AND handed_at IS NULL",
            [limit],
        ).rowcount
        unconfirmed = db.execute(
            "UPDATE message SET status = 'sent', sent_at = handed_at,"
            " error = 'interrupted after it was handed over: delivery not confirmed'"
            " WHERE status = 'sending' AND claimed_at < ? AND handed_at IS NOT NULL",
            [limit],
        ).rowcount
    return resent + unconfirmed


def _language_of(db, message) -> str:
    """The language the message was written in: its participant's, or its team contact's."""
    if message["participant_id"] is not None:
        row = db.execute(
            "SELECT language FROM participant WHERE id = ?", [message["participant_id"]]
        ).fetchone()
    else:
        row = db.execute(
            "SELECT team_contact.language FROM round_team JOIN team_contact"
            " ON team_contact.municipality_code = round_team.municipality_code WHERE round_team.id = ?",
            [message["round_team_id"]],
        ).fetchone()
    return row[0] if row else DEFAULT_LANGUAGE


def _deliver_one(db, config, schedule, links, now, message) -> str:
    with transaction(db):
        if not _still_wanted(db, message, now):
            db.execute(
                "UPDATE message SET status = 'cancelled' WHERE id = ? AND status = 'pending'", [message["id"]]
            )
            return "cancelled"
        if message["channel"] == "sms" and not schedule.sms_allowed(now):
            db.execute(
                "UPDATE message SET next_attempt_at = ? WHERE id = ?",
                [clock.isoformat(schedule.next_sms_time(now)), message["id"]],
            )
            return "waiting"
        claimed = db.execute(
            "UPDATE message SET status = 'sending', claimed_at = ?, handed_at = NULL, attempts = attempts + 1"
            " WHERE id = ? AND status = 'pending'",
            [clock.isoformat(now), message["id"]],
        ).rowcount
    if not claimed:
        return "taken"  # another run is sending it
    outgoing = channels.Outgoing(
        channel=message["channel"],
        recipient=message["recipient"],
        body=message["body"],
        subject=message["subject"],
        html=as_html(message["body"], _language_of(db, message)) if message["channel"] == "email" else None,
        reference=str(message["id"]),
    )

    def handed_over():
        with transaction(db):
            db.execute("UPDATE message SET handed_at = ? WHERE id = ?", [clock.isoformat(now), message["id"]])

    try:
        provider_id = channels.sender_for(config, message["channel"]).send(outgoing, on_handover=handed_over)
    except channels.DeliveryError as error:
        return _failed(db, schedule, links, now, message, error)
    with transaction(db):
        db.execute(
            "UPDATE message SET status = 'sent', sent_at = ?, provider_id = ?, error = NULL WHERE id = ?",
            [clock.isoformat(now), provider_id, message["id"]],
        )
    return "sent"


def _failed(db, schedule, links, now, message, error) -> str:
    attempts = message["attempts"] + 1
    with transaction(db):
        if not error.permanent and attempts < MAX_ATTEMPTS:
            db.execute(
                "UPDATE message SET status = 'pending', next_attempt_at = ?, error = ? WHERE id = ?",
                [clock.isoformat(now + _retry_after(attempts)), error.reason, message["id"]],
            )
            return "retrying"
        db.execute(
            "UPDATE message SET status = 'failed', error = ? WHERE id = ?", [error.reason, message["id"]]
        )
        if message["participant_id"] is None:
            return "failed"  # a team's e-mail has no other channel to fall back on
        participant = next(
            db.query(PARTICIPANT_SQL + " WHERE participant.id = ?", [message["participant_id"]])
        )
        other = other_channel(message["channel"])
        if message["fallback_of"] is None and recipient(participant, other):
            invitation = invitations.get(db, message["invitation_id"]) if message["invitation_id"] else None
            key = f"{message['dedupe_key']}:fallback" if message["dedupe_key"] else None
            if queue(
                db,
                participant,
                invitation,
                message["kind"],
                other,
                links,
                now,
                schedule,
                dedupe_key=key,
                requested_by=message["requested_by"],
                fallback_of=message["id"],
            ):
                return "failed_fallback"
    return "failed"


def send_now(
    db: sqlite_utils.Database,
    config,
    schedule: Schedule,
    links: Links,
    participant: dict,
    invitation: dict,
    *,
    requested_by: int,
    now: datetime,
) -> str:
    """A consultant's "send now": the invitation's link, by the preferred channel, at once.

    Returns what happened: ``sent``, ``waiting`` (SMS outside the window),
    ``retrying``, ``failed`` or ``failed_fallback``.
    """
    participant = next(db.query(PARTICIPANT_SQL + " WHERE participant.id = ?", [participant["id"]]))
    channel = channel_for(participant)
    if channel is None:
        raise UserError(N_("There is no mobile number or e-mail address: show the QR code instead."))
    with transaction(db):
        sent_before = db.execute(
            "SELECT 1 FROM message WHERE invitation_id = ? AND kind = 'invitation' AND status != 'cancelled'",
            [invitation["id"]],
        ).fetchone()
        message_id = queue(
            db,
            participant,
            invitation,
            "reminder" if sent_before else "invitation",
            channel,
            links,
            now,
            schedule,
            dedupe_key=None,
            requested_by=requested_by,
        )
    counts = deliver(db, config, schedule, links, now, only=[message_id])
    outcomes = [outcome for outcome, count in counts.items() if count and outcome != "interrupted"]
    return outcomes[0] if outcomes else "waiting"


def describe_kind(kind: str, channel: str) -> str:
    """A msgid naming a message, e.g. for the timeline."""
    return {
        ("invitation", "sms"): N_("Invitation by SMS"),
        ("invitation", "email"): N_("Invitation by e-mail"),
        ("reminder", "sms"): N_("Reminder by SMS"),
        ("reminder", "email"): N_("Reminder by e-mail"),
        ("prenotice", "sms"): N_("Pre-notice by SMS"),
        ("prenotice", "email"): N_("Pre-notice by e-mail"),
    }[(kind, channel)]


# The labels of a message's statuses (one table for every page, in labels.py).
STATUS_TEXTS = labels.MESSAGE_STATUS
