"""The round's e-mails to the teams: the link when a round opens and the reminder before the deadline."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta

import sqlite_utils

from .. import clock, formatting
from ..db import transaction
from ..languages import DEFAULT_LANGUAGE
from ..messaging.templates import render_team
from ..questionnaires import Questionnaire
from .lifecycle import TEAM_FROM, TEAM_SELECT, is_closed, one_row
from .teams import get_team


def _message_text(
    db: sqlite_utils.Database, kind: str, team: dict, link: str, questionnaire: Questionnaire | None
) -> tuple[str, str]:
    """The e-mail in the team contact's language (the texts are templates, ``messaging.render_team``)."""
    language = team.get("contact_language") or DEFAULT_LANGUAGE
    values = {
        "navn": f" {team['contact_name']}" if team.get("contact_name") else "",
        "kommune": team["municipality_name"],
        "runde": team["round_name"],
        "antal": sum(1 for item in questionnaire.items if item.scored) if questionnaire else "",
        "link": link,
        "frist": formatting.long_date(date.fromisoformat(team["deadline"]), language),
    }
    return render_team(db, "round" if kind == "round" else "reminder", values, language)


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
            TEAM_SELECT
            + ", team_contact.email, team_contact.name AS contact_name, team_contact.language AS contact_language"
            + TEAM_FROM
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
            first = one_row(db, "SELECT sent_at FROM message WHERE dedupe_key = ?", [first_key])
            if first is None:
                kind, key = "round", first_key
            elif (
                first["sent_at"]
                and today >= date.fromisoformat(team["deadline"]) - timedelta(days=reminder_days)
                and clock.local(clock.parse(first["sent_at"])).date() < today
                and not one_row(db, "SELECT 1 FROM message WHERE dedupe_key = ?", [reminder_key])
            ):
                kind, key = "round_reminder", reminder_key
            else:
                continue
            if not dry_run:
                subject, body = _message_text(
                    db, kind, team, link_for(team), questionnaires.get(team["questionnaire_id"])
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
