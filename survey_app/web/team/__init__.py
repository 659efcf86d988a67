"""The IPS team's side: a round's signed link and the organisation questionnaire as a chat."""

from flask import Blueprint, current_app

from ... import rounds
from ..urls import external_url

bp = Blueprint("team", __name__, url_prefix="/team")


def team_link(team: dict) -> str:
    """The absolute link of a team's row in a round (for e-mails and the terminal)."""
    return external_url("team.welcome", token=rounds.team_token(current_app.config["SECRET_KEY"], team))


def plan_round_messages(db, now, *, dry_run: bool = False):
    """Queue the round links and reminders that are due (``send-due``, and at once when a round opens)."""
    return rounds.plan_messages(
        db,
        current_app.extensions["questionnaires"],
        team_link,
        now,
        reminder_days=int(current_app.config["ROUND_REMINDER_DAYS"]),
        dry_run=dry_run,
    )


from . import routes  # noqa: E402,F401  (routes register themselves on bp)
