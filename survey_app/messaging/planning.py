"""Which messages are due: the pre-notice, the invitation and its reminders, queued once each
(``dedupe_key``) on the channel the participant can be reached by."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta

import sqlite_utils

from .. import audit, clock, invitations
from ..db import transaction
from ..questionnaires import PARTICIPANT_QUESTIONNAIRE, Questionnaire
from ..scheduling import Schedule
from .templates import render

# What messages say when the questionnaire gives no estimate (``estimated_minutes``).
DEFAULT_MINUTES = 3


def recipient(participant: dict, channel: str) -> str | None:
    return participant["phone"] if channel == "sms" else participant["email"]


def other_channel(channel: str) -> str:
    return "email" if channel == "sms" else "sms"


def channel_for(participant: dict) -> str | None:
    """The participant's preferred channel, or the other one if only that is known."""
    preferred = participant["channel"]
    if recipient(participant, preferred):
        return preferred
    if recipient(participant, other_channel(preferred)):
        return other_channel(preferred)
    return None


def queue(
    db: sqlite_utils.Database,
    participant: dict,
    invitation: dict | None,
    kind: str,
    channel: str,
    links: Links,
    now: datetime,
    schedule: Schedule,
    *,
    dedupe_key: str | None,
    requested_by: int | None = None,
    fallback_of: int | None = None,
) -> int | None:
    """Add one message (inside the caller's transaction); None if its key exists already."""
    subject, body = render(
        db,
        kind,
        channel,
        municipality=participant["municipality_name"],
        link=links.invitation(invitation) if invitation else None,
        expires=clock.local(clock.parse(invitation["expires_at"])).date() - timedelta(days=1)
        if invitation
        else None,
        opt_out=links.opt_out(participant),
        minutes=links.minutes(invitation["questionnaire_id"] if invitation else PARTICIPANT_QUESTIONNAIRE),
        language=participant["language"],
        privacy=links.privacy,
    )
    not_before = schedule.next_sms_time(now) if channel == "sms" else now
    cursor = db.execute(
        "INSERT INTO message (participant_id, invitation_id, kind, channel, recipient, subject, body,"
        " dedupe_key, requested_by, created_at, status, next_attempt_at, fallback_of)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?) ON CONFLICT(dedupe_key) DO NOTHING RETURNING id",
        [
            participant["id"],
            invitation["id"] if invitation else None,
            kind,
            channel,
            recipient(participant, channel),
            subject,
            body,
            dedupe_key,
            requested_by,
            clock.isoformat(now),
            clock.isoformat(not_before),
            fallback_of,
        ],
    )
    created = cursor.fetchone()  # nothing when the message was already planned
    return created[0] if created else None


class Links:
    """How to build a participant's links, and the minute estimate of a questionnaire (by id) that
    messages name; given by the caller, which knows the app."""

    def __init__(
        self,
        invitation: Callable[[dict], str],
        opt_out: Callable[[dict], str],
        minutes: Callable[[str], int] | None = None,
        privacy: str | None = None,
    ):
        self.invitation = invitation
        self.opt_out = opt_out
        self.minutes = minutes or (lambda _questionnaire_id: DEFAULT_MINUTES)
        # The privacy notice's address, which every message ends with (``templates.with_privacy_line``).
        self.privacy = privacy


PARTICIPANT_SQL = (
    "SELECT participant.*, municipality.name AS municipality_name FROM participant"
    " JOIN municipality ON municipality.code = participant.municipality_code"
)


def plan(
    db: sqlite_utils.Database,
    questionnaire: Questionnaire,
    schedule: Schedule,
    links: Links,
    now: datetime,
    *,
    valid_days: int,
    dry_run: bool = False,
) -> Counter:
    """Create the invitations and messages that are due now; return counts by kind."""
    counts: Counter = Counter()
    today = clock.local(now).date()
    last_baseline = today - timedelta(weeks=schedule.followup_weeks)
    if schedule.prenotice_days is not None:
        last_baseline += timedelta(days=schedule.prenotice_days)
    candidates = list(
        db.query(
            "SELECT * FROM (SELECT participant.*, municipality.name AS municipality_name,"
            " EXISTS (SELECT 1 FROM invitation WHERE invitation.participant_id = participant.id"
            "   AND invitation.questionnaire_id = :questionnaire AND invitation.withdrawn_at IS NULL) AS invited"
            " FROM participant JOIN municipality ON municipality.code = participant.municipality_code) AS participant"
            " WHERE participant.withdrawn_at IS NULL AND participant.opted_out_at IS NULL"
            " AND participant.consent_at IS NOT NULL AND (participant.baseline_date <= :baseline OR invited)"
            " AND NOT EXISTS (SELECT 1 FROM invitation WHERE invitation.participant_id = participant.id"
            "   AND invitation.questionnaire_id = :questionnaire AND (invitation.completed_at IS NOT NULL"
            "   OR invitation.expires_at <= :now))"
            " ORDER BY participant.id",
            {
                "baseline": last_baseline.isoformat(),
                "questionnaire": questionnaire.id,
                "now": clock.isoformat(now),
            },
        )
    )
    for participant in candidates:
        channel = channel_for(participant)
        due = schedule.due_date(participant["baseline_date"])
        if due is None and not participant["invited"]:
            continue  # a stored course start that is no date, or in year 9999: never due
        if not participant["invited"] and today < due:
            counts += _plan_prenotice(db, participant, channel, links, now, schedule, dry_run)
            continue
        counts += _plan_invitation(
            db, participant, channel, questionnaire, links, now, schedule, valid_days, dry_run
        )
    return counts


def _plan_prenotice(db, participant, channel, links, now, schedule, dry_run) -> Counter:
    if channel is None:
        return Counter()
    if dry_run:
        exists = db.execute("SELECT 1 FROM message WHERE dedupe_key = ?", [f"prenotice:{participant['id']}"])
        return Counter() if exists.fetchone() else Counter(prenotice=1)
    with transaction(db):
        created = queue(
            db,
            participant,
            None,
            "prenotice",
            channel,
            links,
            now,
            schedule,
            dedupe_key=f"prenotice:{participant['id']}",
        )
    return Counter(prenotice=1) if created else Counter()


def _plan_invitation(
    db, participant, channel, questionnaire, links, now, schedule, valid_days, dry_run
) -> Counter:
    counts: Counter = Counter()
    existing = db.execute(
        "SELECT id FROM invitation WHERE participant_id = ? AND questionnaire_id = ? AND withdrawn_at IS NULL"
        " ORDER BY id DESC LIMIT 1",
        [participant["id"], questionnaire.id],
    ).fetchone()
    if existing is None:
        if channel is None:
            counts["no_contact"] += 1
            return counts
        if dry_run:
            counts["invitation"] += 1
            return counts
        invitation, created = invitations.create_invitation(
            db,
            participant,
            questionnaire,
            valid_days=valid_days,
            actor=audit.SCHEDULE,
            due=schedule.due_date(participant["baseline_date"]),
        )
        counts["link_created"] += int(created)
    else:
        invitation = invitations.get(db, existing[0])
    if channel is None:
        return counts
    with transaction(db):
        first = db.execute(
            "SELECT MIN(sent_at), COUNT(*) FROM message WHERE invitation_id = ? AND kind = 'invitation'"
            " AND status != 'cancelled'",
            [invitation["id"]],
        ).fetchone()
        if not first[1]:
            if dry_run or queue(
                db,
                participant,
                invitation,
                "invitation",
                channel,
                links,
                now,
                schedule,
                dedupe_key=f"invitation:{invitation['id']}",
            ):
                counts["invitation"] += 1
            return counts
        if first[0] is None:
            return counts  # the invitation has not gone out yet: reminders count from when it did
        reminders = {
            row[0]: row[1]
            for row in db.execute(
                "SELECT dedupe_key, COALESCE(sent_at, created_at) FROM message WHERE invitation_id = ?"
                " AND kind = 'reminder' AND dedupe_key IS NOT NULL",
                [invitation["id"]],
            )
        }
        today = clock.local(now).date()
        previous_at = None
        for number, on in enumerate(schedule.reminder_dates(clock.parse(first[0])), start=1):
            key = f"reminder:{invitation['id']}:{number}"
            if key in reminders:
                previous_at = clock.parse(reminders[key])
                continue
            if today < on:
                break
            if previous_at and clock.local(previous_at).date() >= today:
                break  # never two reminders on one day, even after missed runs
            if dry_run or queue(
                db, participant, invitation, "reminder", channel, links, now, schedule, dedupe_key=key
            ):
                counts["reminder"] += 1
            break
    return counts
