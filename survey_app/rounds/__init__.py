"""Rounds of the organisation questionnaire: one signed link per municipality's IPS team.

An admin opens a round (a name, a questionnaire without a total, a
deadline, the municipalities); each chosen municipality's team gets its own
link by e-mail (``team_contact``), and one reminder some days before the
deadline if it has not finished. Unlike a participant's link, a team's link
is not spent when the last answer is given: until the round is closed
(``closed_at`` set, or the deadline day has passed) the team may reopen it,
see its answers and change any of them. The first answer to an item lives
in ``round_answer`` only; every later change also writes one
``round_answer_change`` row (old and new value, when, and who: ``team`` for
the team's link, or a staff member's e-mail) in the same transaction.

Team links are signed under their own salt, so a participant's token can
never open a team's round, nor the other way round.

Functions take the sqlite-utils database explicitly and import no Flask.
"""

from .lifecycle import (
    ANSWERED,
    CLOSED,
    NOT_OPENED,
    OPENED,
    RoundError,
    close_round,
    find_round,
    get_round,
    is_closed,
    list_rounds,
    open_round,
    round_questionnaires,
    team_statuses,
)
from .messages import message_still_wanted, plan_messages
from .team_answers import CHANGED_BY_TEAM, answers, mark_opened, store_answer
from .teams import SALT, find_team_by_token, get_team, set_team_contact, team_contacts, team_token

__all__ = [
    "ANSWERED",
    "CHANGED_BY_TEAM",
    "CLOSED",
    "NOT_OPENED",
    "OPENED",
    "RoundError",
    "SALT",
    "answers",
    "close_round",
    "find_round",
    "find_team_by_token",
    "get_round",
    "get_team",
    "is_closed",
    "list_rounds",
    "mark_opened",
    "message_still_wanted",
    "open_round",
    "plan_messages",
    "round_questionnaires",
    "set_team_contact",
    "store_answer",
    "team_contacts",
    "team_statuses",
    "team_token",
]
