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

from .outbox import STATUS_TEXTS, deliver, describe_kind, send_now
from .planning import Links, plan
from .templates import (
    DEFAULT_TEMPLATES,
    DEFAULTS_BY_LANGUAGE,
    ENGLISH_TEMPLATES,
    LONGEST_DEADLINE,
    LONGEST_DEADLINES,
    LONGEST_MUNICIPALITY,
    SAMPLE_LINK,
    TEAM_TEMPLATES,
    TEMPLATE_KEYS,
    TEMPLATE_LABELS,
    as_html,
    check_template,
    gsm7_length,
    own_text,
    qr_svg,
    render,
    render_team,
    save_template,
    saved_template,
    template,
)

__all__ = [
    "DEFAULT_TEMPLATES",
    "DEFAULTS_BY_LANGUAGE",
    "ENGLISH_TEMPLATES",
    "LONGEST_DEADLINE",
    "LONGEST_DEADLINES",
    "LONGEST_MUNICIPALITY",
    "Links",
    "SAMPLE_LINK",
    "STATUS_TEXTS",
    "as_html",
    "check_template",
    "deliver",
    "describe_kind",
    "gsm7_length",
    "plan",
    "TEAM_TEMPLATES",
    "TEMPLATE_KEYS",
    "TEMPLATE_LABELS",
    "own_text",
    "qr_svg",
    "render",
    "render_team",
    "save_template",
    "saved_template",
    "send_now",
    "template",
]
