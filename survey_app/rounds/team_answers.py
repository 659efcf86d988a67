"""A team's answers in a round: stored one at a time, changes kept, never lost to a second writer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlite_utils

from .. import clock, links
from ..db import transaction
from ..questionnaires import Item, Questionnaire
from .lifecycle import CLOSED, is_closed, one_row
from .teams import get_team

CHANGED_BY_TEAM = "team"


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
        old = one_row(
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
