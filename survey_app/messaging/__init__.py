"""The outbox: which messages go to whom, when, and what became of them.

``plan`` decides, from the schedule, which invitations, reminders and
pre-notices are due and puts them in the ``message`` table; ``deliver``
hands pending messages to the channel (see ``delivery``) and records the
outcome. ``flask --app survey_app send-due`` runs both, every 15–60 minutes.

Guarantees:

- No message is ever created twice: scheduled messages carry a
  ``dedupe_key`` (unique in the table) and are planned inside one write
  transaction per participant, so two runs at once cannot both add one.
- No message is ever sent twice: a run claims a message (pending →
  sending) in a transaction before handing it to the channel; only the run
  whose claim changed the row sends it.
- SMS go out only within the SMS window (09:00–20:00 Danish time); a
  message planned outside it waits for the next window.
- Temporary failures are retried with growing pauses (5 min, 10, 20, ...,
  at most ``MAX_ATTEMPTS`` attempts); a permanent failure, or the last
  attempt, marks the message failed and, where the other contact detail is
  known, sends the same message by the other channel instead.
- Nothing goes to a participant who completed, opted out or was withdrawn,
  even if it was planned before that happened.

No Flask here: links are passed in as functions by the caller.
"""

from __future__ import annotations

import html
import re
import string
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, timedelta

import segno
import sqlite_utils

from .. import clock, invitations, rounds
from ..db import transaction
from ..languages import N_, UserError
from ..questionnaires import Questionnaire
from ..scheduling import Schedule
from . import channels

MAX_ATTEMPTS = 5
FIRST_RETRY = timedelta(minutes=5)
LONGEST_RETRY = timedelta(hours=6)

# Danish texts, editable by admins (stored in the setting table under these keys).
# Placeholders: {kommune}, {link}, {frist} (last day the link works), {afmeld} (e-mail only).
DEFAULT_TEMPLATES = {
    "sms_invitation": "{kommune} Kommune: Hvad synes du om din IPS-støtte? 8 korte spørgsmål: {link}",
    "sms_reminder": "Husk: vi vil gerne høre din mening om din IPS-støtte. Det tager 3 minutter: {link}",
    "sms_prenotice": "Hej! Om nogle dage sender {kommune} Kommune dig 8 korte spørgsmål om din IPS-støtte. Tak på forhånd!",
    "email_invitation_subject": "Hvad synes du om din IPS-støtte?",
    "email_invitation_body": (
        "Hej\n\n{kommune} Kommune vil gerne høre, hvad du synes om den støtte, du har fået i dit IPS-forløb.\n\n"
        "Der er 8 korte spørgsmål, og det tager omkring 3 minutter. Du svarer på din telefon eller "
        "computer via dette link:\n\n{link}\n\nLinket virker til og med {frist}. Din jobkonsulent kan "
        "ikke se dine svar.\n\nTak for hjælpen!\n\nVil du ikke have flere beskeder om undersøgelsen, så "
        "klik her: {afmeld}\n"
    ),
    "email_reminder_subject": "Påmindelse: hvad synes du om din IPS-støtte?",
    "email_reminder_body": (
        "Hej\n\nVi har endnu ikke fået dine svar om din IPS-støtte i {kommune} Kommune. Din mening "
        "hjælper andre i samme situation.\n\nDet tager omkring 3 minutter, og du kan fortsætte, hvor du "
        "slap:\n\n{link}\n\nLinket virker til og med {frist}.\n\nVil du ikke have flere beskeder om "
        "undersøgelsen, så klik her: {afmeld}\n"
    ),
    "email_prenotice_subject": "Snart: 8 spørgsmål om din IPS-støtte",
    "email_prenotice_body": (
        "Hej\n\nOm nogle dage sender {kommune} Kommune dig et link med 8 korte spørgsmål om, hvad du "
        "synes om din IPS-støtte. Det tager omkring 3 minutter.\n\nTak på forhånd!\n\nVil du ikke have "
        "beskeder om undersøgelsen, så klik her: {afmeld}\n"
    ),
}
PLACEHOLDERS = ("kommune", "link", "frist", "afmeld")


def template(db: sqlite_utils.Database, key: str) -> str:
    row = db.execute("SELECT value FROM setting WHERE key = ?", [f"template.{key}"]).fetchone()
    return row[0] if row else DEFAULT_TEMPLATES[key]


def save_template(db: sqlite_utils.Database, key: str, value: str, user_id: int | None) -> None:
    """Store an admin's version of a template, after checking it can be sent."""
    check_template(key, value)
    with transaction(db):
        db.execute(
            "INSERT INTO setting (key, value, updated_at, updated_by) VALUES (?, ?, ?, ?)"
            " ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at,"
            " updated_by = excluded.updated_by",
            [f"template.{key}", value, clock.isoformat(clock.now()), user_id],
        )


# A link as long as the ones BASE_URL gives in production, for checking lengths.
SAMPLE_LINK = "https://ips-undersoegelse.kommune.dk/s/1a2b.AbCdEfGh.AbCdEfGhIjKlMnOpQrSt"
LONGEST_MUNICIPALITY = "Ringkøbing-Skjern"


_PLACEHOLDERS = ("kommune", "link", "frist", "afmeld")


def check_template(key: str, value: str) -> str:
    """The template if it can be filled and (for SMS) fits one message; else UserError."""
    if key not in DEFAULT_TEMPLATES:
        raise UserError(N_("Unknown template."))
    placeholders_only = UserError(
        N_("The text may only use the placeholders {kommune}, {link}, {frist} and {afmeld}.")
    )
    try:
        fields = list(string.Formatter().parse(value))
    except ValueError:
        raise placeholders_only from None
    # Bare names only: "{link:>99999999}" or "{link.__class__}" would pass str.format.
    for _text, name, spec, conversion in fields:
        if name is not None and (name not in _PLACEHOLDERS or spec or conversion):
            raise placeholders_only
    if key.endswith("_subject") and "".join(value.splitlines()) != value:
        raise UserError(N_("The subject must be on one line."))
    try:
        filled = value.format(
            kommune=LONGEST_MUNICIPALITY, link=SAMPLE_LINK, frist="31. december 2026", afmeld="x"
        )
    except (KeyError, IndexError, ValueError):
        raise UserError(
            N_("The text may only use the placeholders {kommune}, {link}, {frist} and {afmeld}.")
        ) from None
    needs_link = key.endswith(("_invitation", "_reminder", "_invitation_body", "_reminder_body"))
    if needs_link and "{link}" not in value:
        raise UserError(N_("The text must contain {link}."))
    if key.startswith("email_") and key.endswith("_body") and "{afmeld}" not in value:
        raise UserError(N_("An e-mail must contain {afmeld}, the link for opting out."))
    if key.startswith("sms_"):
        if "{afmeld}" in value:
            raise UserError(N_("An SMS has no room for {afmeld}."))
        encoding, length, segments = gsm7_length(filled)
        if encoding != "gsm7" or segments > 1:
            raise UserError(
                N_(
                    "The SMS is too long: with the longest municipality name and a link it has "
                    "%(length)s characters, and at most 160 fit in one SMS (without emoji)."
                ),
                length=length,
            )
    return value


def gsm7_length(text: str) -> tuple[str, int, int]:
    from .gsm7 import sms_length

    return sms_length(text)


def render(
    db: sqlite_utils.Database,
    kind: str,
    channel: str,
    *,
    municipality: str,
    link: str | None,
    expires: date | None,
    opt_out: str,
) -> tuple[str | None, str]:
    """The subject (e-mail only) and body of one message."""
    values = {
        "kommune": municipality,
        "link": link or "",
        "frist": _danish_date(expires) if expires else "",
        "afmeld": opt_out,
    }
    if channel == "sms":
        return None, template(db, f"sms_{kind}").format(**values)
    subject = template(db, f"email_{kind}_subject").format(**values)
    return subject, template(db, f"email_{kind}_body").format(**values)


_MONTHS = [
    "januar",
    "februar",
    "marts",
    "april",
    "maj",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "december",
]


def _danish_date(day: date) -> str:
    return f"{day.day}. {_MONTHS[day.month - 1]} {day.year}"


_URL = re.compile(r"https?://\S+")


def as_html(body: str) -> str:
    """The HTML alternative of an e-mail: the same text, paragraphs kept, links clickable."""
    paragraphs = []
    for paragraph in body.strip().split("\n\n"):
        escaped = html.escape(paragraph)
        linked = _URL.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', escaped)
        paragraphs.append("<p>" + linked.replace("\n", "<br>") + "</p>")
    return (
        '<!doctype html><html lang="da"><meta charset="utf-8">'
        '<body style="font-family: sans-serif; font-size: 16px; line-height: 1.5">'
        + "".join(paragraphs)
        + "</body></html>"
    )


def qr_svg(link: str) -> str:
    """The link as an inline SVG QR code (error correction M: survives a creased letter)."""
    qr = segno.make_qr(link, error="m")
    return qr.svg_inline(scale=1, omitsize=True, light="#fff", title="QR")


# -- planning ---------------------------------------------------------------------


def _recipient(participant: dict, channel: str) -> str | None:
    return participant["phone"] if channel == "sms" else participant["email"]


def _other(channel: str) -> str:
    return "email" if channel == "sms" else "sms"


def _channel_for(participant: dict) -> str | None:
    """The participant's preferred channel, or the other one if only that is known."""
    preferred = participant["channel"]
    if _recipient(participant, preferred):
        return preferred
    if _recipient(participant, _other(preferred)):
        return _other(preferred)
    return None


def _queue(
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
    )
    not_before = schedule.next_sms_time(now) if channel == "sms" else now
    cursor = db.execute(
        "INSERT INTO message (participant_id, invitation_id, kind, channel, recipient, subject, body,"
        " dedupe_key, requested_by, created_at, status, next_attempt_at, fallback_of)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?) ON CONFLICT(dedupe_key) DO NOTHING",
        [
            participant["id"],
            invitation["id"] if invitation else None,
            kind,
            channel,
            _recipient(participant, channel),
            subject,
            body,
            dedupe_key,
            requested_by,
            clock.isoformat(now),
            clock.isoformat(not_before),
            fallback_of,
        ],
    )
    return cursor.lastrowid if cursor.rowcount else None


class Links:
    """How to build a participant's links; given by the caller, which knows the app."""

    def __init__(self, invitation: Callable[[dict], str], opt_out: Callable[[dict], str]):
        self.invitation = invitation
        self.opt_out = opt_out


_PARTICIPANT_SQL = (
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
        channel = _channel_for(participant)
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
        created = _queue(
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
            db, participant, questionnaire, valid_days=valid_days
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
            if dry_run or _queue(
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
            if dry_run or _queue(
                db, participant, invitation, "reminder", channel, links, now, schedule, dedupe_key=key
            ):
                counts["reminder"] += 1
            break
    return counts


# -- delivering -------------------------------------------------------------------


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
) -> Counter:
    """Send every pending message whose time has come (or just ``only`` these); return counts."""
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
            counts[_deliver_one(db, config, schedule, links, now, message)] += 1
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
        html=as_html(message["body"]) if message["channel"] == "email" else None,
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
            db.query(_PARTICIPANT_SQL + " WHERE participant.id = ?", [message["participant_id"]])
        )
        other = _other(message["channel"])
        if message["fallback_of"] is None and _recipient(participant, other):
            invitation = invitations.get(db, message["invitation_id"]) if message["invitation_id"] else None
            key = f"{message['dedupe_key']}:fallback" if message["dedupe_key"] else None
            if _queue(
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
    participant = next(db.query(_PARTICIPANT_SQL + " WHERE participant.id = ?", [participant["id"]]))
    channel = _channel_for(participant)
    if channel is None:
        raise UserError(N_("There is no mobile number or e-mail address: show the QR code instead."))
    with transaction(db):
        sent_before = db.execute(
            "SELECT 1 FROM message WHERE invitation_id = ? AND kind = 'invitation' AND status != 'cancelled'",
            [invitation["id"]],
        ).fetchone()
        message_id = _queue(
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


STATUS_TEXTS = {
    "pending": N_("waiting to be sent"),
    "sending": N_("being sent"),
    "sent": N_("sent"),
    "failed": N_("could not be delivered"),
    "cancelled": N_("cancelled"),
}
