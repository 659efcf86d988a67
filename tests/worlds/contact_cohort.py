"""A cohort for "what brings the answers": 14 eligible Køge participants, each contact written by hand.

Today is 1 September 2027 (``TODAY``); everyone started on 4 January 2027, so the follow-up date is
5 July 2027 (day 0). Times are UTC (Danish summer time is two hours ahead, the same day).

| code | contacts (day hh:mm UTC)                                  | completed   | first | before      | days |
|------|-----------------------------------------------------------|-------------|-------|-------------|------|
| S1   | SMS invitation 0 10:00; a reminder 3 09:00 (after!)       | 0 12:00     | sms   | invitation  | 0    |
| S2   | SMS invitation 0 10:00                                    | 1 08:00     | sms   | invitation  | 1    |
| S3   | SMS invitation; reminder 3 09:00                          | 3 15:00     | sms   | reminder_1  | 3    |
| S4   | SMS invitation; reminder 3 09:00                          | 5 08:00     | sms   | reminder_1  | 5    |
| S5   | SMS invitation; reminders 3 09:00 and 7 09:00             | 7 10:00     | sms   | reminder_2  | 7    |
| S6   | SMS invitation; reminders 3 and 7                         | —           | sms   | none        |      |
| E1   | e-mail invitation 0 10:00                                 | 1 09:00     | email | invitation  | 1    |
| E2   | e-mail invitation; QR code shown 2 11:00                  | 2 11:30     | email | handed_over | 2    |
| E3   | e-mail invitation; reminder by e-mail 3 09:00             | 4 09:00     | email | reminder_1  | 4    |
| E4   | e-mail invitation                                         | —           | email | none        |      |
| E5   | e-mail invitation                                         | —           | email | none        |      |
| Q1   | QR code shown 0 13:00                                     | 0 13:10     | qr    | handed_over | 0    |
| Q2   | failed SMS invitation 0 09:00; letter printed 0 13:00     | 1 10:00     | qr    | handed_over | 1    |
| N1   | nothing                                                   | —           | none  | none        |      |

By channel: SMS 5 of 6, e-mail 3 of 5, QR 2 of 2, none 0 of 1. By contact: invitation 3, reminder 1 3,
reminder 2 1, hand-over 3, none 4 (not completed). Completions per day: 2, 3, 1, 1, 1, 1, 0, 1, so
with reminders on days 3 and 7 the curve is 2, 5, 6, 7, 8, 9, 9, 10, 10 (days 0–8).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from tests.cohort import Person
from tests.cohort import build as build_cohort

TODAY = datetime(2027, 9, 1, 10, 0, tzinfo=UTC)
DAY_0 = date(2027, 7, 5)
KOEGE = "259"
CURVE = [2, 5, 6, 7, 8, 9, 9, 10, 10]

# code: (channel of the invitation or None, [(kind, channel, day, "hh:mm", status)], hand-overs, completed)
PLAN = {
    "S1": ("sms", [("reminder", "sms", 3, "09:00")], [], (0, "12:00")),
    "S2": ("sms", [], [], (1, "08:00")),
    "S3": ("sms", [("reminder", "sms", 3, "09:00")], [], (3, "15:00")),
    "S4": ("sms", [("reminder", "sms", 3, "09:00")], [], (5, "08:00")),
    "S5": ("sms", [("reminder", "sms", 3, "09:00"), ("reminder", "sms", 7, "09:00")], [], (7, "10:00")),
    "S6": ("sms", [("reminder", "sms", 3, "09:00"), ("reminder", "sms", 7, "09:00")], [], None),
    "E1": ("email", [], [], (1, "09:00")),
    "E2": ("email", [], [(2, "11:00")], (2, "11:30")),
    "E3": ("email", [("reminder", "email", 3, "09:00")], [], (4, "09:00")),
    "E4": ("email", [], [], None),
    "E5": ("email", [], [], None),
    "Q1": (None, [], [(0, "13:00")], (0, "13:10")),
    "Q2": (None, [], [(0, "13:00")], (1, "10:00")),
    "N1": (None, [], [], None),
}


def stamp(day: int, hhmm: str) -> str:
    hour, minute = (int(part) for part in hhmm.split(":"))
    moment = datetime.combine(DAY_0 + timedelta(days=day), datetime.min.time(), tzinfo=UTC)
    return (moment + timedelta(hours=hour, minutes=minute)).isoformat(timespec="seconds")


def _message(db, participant_id, invitation_id, kind, channel, at, status="sent"):
    db["message"].insert(
        {
            "participant_id": participant_id,
            "invitation_id": invitation_id,
            "kind": kind,
            "channel": channel,
            "body": "Link",
            "created_at": at,
            "status": status,
            "sent_at": at if status == "sent" else None,
        }
    )


def build(app, db) -> dict[str, int]:
    """Insert the cohort of the table above; returns participant ids by code."""
    people = [
        Person(
            code, KOEGE, "2027-01-04", state="completed" if done else "invited", total=28 if done else None
        )
        for code, (_, _, _, done) in PLAN.items()
    ]
    ids = build_cohort(db, app.extensions["questionnaires"]["csq8"], people)
    for code, (channel, messages, handovers, done) in PLAN.items():
        participant_id = ids[code]
        invitation_id = db.execute(
            "SELECT id FROM invitation WHERE participant_id = ?", [participant_id]
        ).fetchone()[0]
        if code == "N1":
            db.execute("DELETE FROM answer WHERE invitation_id = ?", [invitation_id])
            db.execute("DELETE FROM invitation WHERE id = ?", [invitation_id])
            continue
        db.execute(
            "UPDATE invitation SET created_at = ?, opened_at = ?, completed_at = ? WHERE id = ?",
            [
                stamp(0, "09:00"),
                stamp(0, "09:30") if done else None,
                stamp(*done) if done else None,
                invitation_id,
            ],
        )
        if channel:
            _message(db, participant_id, invitation_id, "invitation", channel, stamp(0, "10:00"))
        if code == "Q2":
            _message(
                db, participant_id, invitation_id, "invitation", "sms", stamp(0, "09:00"), status="failed"
            )
        for kind, message_channel, day, hhmm in messages:
            _message(db, participant_id, invitation_id, kind, message_channel, stamp(day, hhmm))
        for day, hhmm in handovers:
            db["audit"].insert(
                {
                    "at": stamp(day, hhmm),
                    "actor": "consultant@example.dk",
                    "action": "link_shown",
                    "target": f"participant:{participant_id}:{code}",
                    "detail": "{}",
                }
            )
    db.conn.commit()
    return ids
