"""What staff read instead of the values the database keeps: one place for every label.

A message's status and kind, a round's state and a team's, an audit entry's action, who did it and
the keys of its details are stored as short English words (``pending``, ``round_reminder``,
``fidelity_reviews_imported``). Pages show the msgids below, translated by the edge; nothing here
translates. ``tests/unit/test_labels.py`` fails when the code records an action, or the outbox allows
a status or kind, that has no label here.

:func:`detail_items` turns an audit entry's stored details into labelled items with a kind that says
how the edge shows the value (a date, a municipality's name, yes or no, …), so no page prints JSON.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from .languages import N_

# --- the outbox ---------------------------------------------------------------------------------

MESSAGE_STATUS = {
    "pending": N_("waiting to be sent"),
    "sending": N_("being sent"),
    "sent": N_("sent"),
    "failed": N_("could not be delivered"),
    "cancelled": N_("cancelled"),
}

MESSAGE_KIND = {
    "invitation": N_("Invitation"),
    "reminder": N_("Reminder"),
    "prenotice": N_("Pre-notice"),
    "handover": N_("Hand-over"),
    "round": N_("Team round link"),
    "round_reminder": N_("Team round reminder"),
}

CHANNEL = {"sms": N_("SMS"), "email": N_("E-mail")}

# What a consultant's "send now" came to (messaging.send_now), as the audit log keeps it.
SEND_OUTCOME = {
    "sent": N_("sent"),
    "waiting": N_("waiting for the SMS window"),
    "retrying": N_("is tried again"),
    "failed": N_("could not be delivered"),
    "failed_fallback": N_("sent by the other channel"),
}

# --- organisation rounds --------------------------------------------------------------------------

ROUND_STATE = {"open": N_("open"), "closed": N_("closed")}

ROUND_TEAM_STATUS = {
    "not_opened": N_("not opened"),
    "opened": N_("opened"),
    "answered": N_("answered"),
}

# --- people ---------------------------------------------------------------------------------------

ROLE = {
    "consultant": N_("Consultant"),
    "evaluator": N_("Evaluator"),
    "admin": N_("Administrator"),
}

# Actors that are not a person's e-mail (audit.COMMAND, audit.SCHEDULE, audit.PARTICIPANT, …).
ACTOR = {
    "cli": N_("Command line"),
    "send-due": N_("send-due (automatic sending)"),
    "participant": N_("The participant, by their link"),
    "unknown account": N_("Unknown account"),
    "-": N_("Not logged in"),
}

# The participant's fields that participant_changed names (participants.CHECKED_FIELDS).
PARTICIPANT_FIELD = {
    "code": N_("Code"),
    "municipality_code": N_("Municipality"),
    "baseline_date": N_("Start date"),
    "phone": N_("Mobile number"),
    "email": N_("E-mail"),
    "channel": N_("Channel"),
    "language": N_("Language"),
    "consent": N_("Consent"),
    "birth_year": N_("Birth year"),
    "gender": N_("Gender"),
}

# --- the audit log --------------------------------------------------------------------------------

AUDIT_ACTION = {
    "login": N_("Logged in"),
    "login_failed": N_("Failed login"),
    "logout": N_("Logged out"),
    "password_set": N_("Password chosen"),
    "password_link_created": N_("Password link made"),
    "password_link_emailed": N_("Password link e-mailed"),
    "two_factor_enrolled": N_("Login code app set up"),
    "two_factor_reset": N_("Login code reset"),
    "recovery_codes_made": N_("New recovery codes made"),
    "user_created": N_("User created"),
    "user_changed": N_("User changed"),
    "participant_added": N_("Participant registered"),
    "participant_changed": N_("Participant changed"),
    "participant_withdrawn": N_("Participant withdrawn"),
    "participant_withdrawal_undone": N_("Withdrawal undone"),
    "participant_opted_out": N_("Participant opted out of messages"),
    "participants_imported": N_("Participants imported"),
    "participant_data_shown": N_("Everything held about a participant shown (access request)"),
    "participant_erased": N_("Participant's data erased"),
    "retention_applied": N_("Answers past their retention time anonymised or deleted"),
    "link_created": N_("Link created"),
    "link_shown": N_("Link shown (QR code)"),
    "link_sent_early": N_("Link sent before its time"),
    "participants_exported": N_("Participant list downloaded"),
    "message_sent_by_hand": N_("Message sent by hand"),
    "template_changed": N_("Message text changed"),
    "cluster_saved": N_("Cluster saved"),
    "team_contact_set": N_("Team contact saved"),
    "team_contacts_imported": N_("Team contacts imported"),
    "support_contact_set": N_("Support contact saved"),
    "privacy_notice_changed": N_("Privacy notice changed"),
    "round_opened": N_("Round opened"),
    "round_closed": N_("Round closed"),
    "fidelity_review_created": N_("Fidelity review recorded"),
    "fidelity_review_changed": N_("Fidelity review changed"),
    "fidelity_review_deleted": N_("Fidelity review deleted"),
    "fidelity_reviews_imported": N_("Fidelity reviews imported"),
    "export": N_("Data exported"),
    "report_unsuppressed": N_("Report without suppression"),
}

# How a detail's value is shown.
TEXT, NUMBER, DATE, YES_NO, MUNICIPALITY, MUNICIPALITIES, ROLE_NAME, FIELDS, OUTCOME, REVIEWS, NESTED = (
    "text",
    "number",
    "date",
    "yes_no",
    "municipality",
    "municipalities",
    "role",
    "fields",
    "outcome",
    "reviews",
    "nested",
)

# Every key an audit row's details may have: its label and how its value is shown.
DETAIL_KEY = {
    "name": (N_("Name"), TEXT),
    "email": (N_("E-mail"), TEXT),
    "phone": (N_("Phone"), TEXT),
    "language": (N_("Language"), TEXT),
    "recipient": (N_("Sent to"), TEXT),
    "round": (N_("Round"), TEXT),
    "municipality": (N_("Municipality"), MUNICIPALITY),
    "municipalities": (N_("Municipalities"), MUNICIPALITIES),
    "role": (N_("Role"), ROLE_NAME),
    "date": (N_("Date"), DATE),
    "deadline": (N_("Deadline"), DATE),
    "from": (N_("From"), DATE),
    "to": (N_("To"), DATE),
    "scale": (N_("Scale"), TEXT),
    "total": (N_("Total score"), NUMBER),
    "ips25_equivalent": (N_("IPS-25 equivalent"), NUMBER),
    "added": (N_("Added"), NUMBER),
    "changed": (N_("Changed"), NUMBER),
    "unchanged": (N_("Unchanged"), NUMBER),
    "rows": (N_("Rows"), NUMBER),
    "fields": (N_("Fields changed"), FIELDS),
    "changed_items": (N_("Items changed"), TEXT),
    "status": (N_("Outcome"), OUTCOME),
    "reviews": (N_("Reviews"), REVIEWS),
    "disabled": (N_("Disabled"), YES_NO),
    "letter": (N_("Printed letter"), YES_NO),
    "command": (N_("Command"), TEXT),
    "format": (N_("Format"), TEXT),
    "questionnaire": (N_("Questionnaire"), TEXT),
    "file": (N_("File"), TEXT),
    "excel_da": (N_("Danish Excel"), YES_NO),
    "level": (N_("One row per"), TEXT),
    "all": (N_("Also participants not yet due"), YES_NO),
    "by": (N_("Grouped by"), TEXT),
    "period": (N_("Period"), TEXT),
    "region_basis": (N_("Region by"), TEXT),
    "before": (N_("Before"), NESTED),
    "reason": (N_("Reason"), TEXT),
    "follow_up": (N_("Follow-up date"), DATE),
    "links_stopped": (N_("Links stopped"), TEXT),
    "messages_cancelled": (N_("Messages cancelled"), TEXT),
    "links_restored": (N_("Links working again"), NUMBER),
    "messages_restored": (N_("Messages waiting again"), NUMBER),
    "answers": (N_("Answers deleted"), NUMBER),
    "links": (N_("Links deleted"), NUMBER),
    "messages": (N_("Messages deleted"), NUMBER),
    "contact_details": (N_("Contact details deleted"), YES_NO),
    "participants": (N_("Participants"), NUMBER),
    "action": (N_("Done"), TEXT),
    "years": (N_("Retention (years)"), NUMBER),
    "removed": (N_("Own text removed (the Danish one is shown)"), YES_NO),
}
# Kept in the row for searching the database, but already shown by another key.
HIDDEN_DETAIL_KEYS = frozenset({"municipality_name"})

# What a target names ("participant:12:P-001", "user:3", …).
TARGET_KIND = {
    "participant": N_("Participant"),
    "user": N_("User"),
    "round": N_("Round"),
    "municipality": N_("Municipality"),
    "cluster": N_("Cluster"),
    "template": N_("Message text"),
    "fidelity_review": N_("Fidelity review"),
    "privacy_notice": N_("Privacy notice"),
}


@dataclass(frozen=True)
class DetailItem:
    """One labelled value of an audit row's details; ``key`` is the stored key (for tests and CSS)."""

    key: str
    label: str  # a msgid
    kind: str
    value: object


def detail_items(detail: str | dict | None) -> list[DetailItem] | str:
    """An audit row's stored details as labelled items, in the order of :data:`DETAIL_KEY`.

    Details that are not a JSON object (rows written before details were JSON) come back as the
    stored text. A key without a label keeps its value, labelled by the key with spaces, so a new
    key is never hidden (the unit test asks for a label).
    """
    if detail is None or detail == "":
        return []
    if isinstance(detail, str):
        try:
            detail = json.loads(detail)
        except ValueError:
            return detail
        if not isinstance(detail, dict):
            return str(detail)
    order = {key: position for position, key in enumerate(DETAIL_KEY)}
    items = []
    for key in sorted(detail, key=lambda key: (order.get(key, len(order)), key)):
        if key in HIDDEN_DETAIL_KEYS:
            continue
        label, kind = DETAIL_KEY.get(key, (key.replace("_", " "), TEXT))
        value = detail[key]
        if kind == NESTED and isinstance(value, dict):
            value = detail_items(value)
        items.append(DetailItem(key, label, kind, value))
    return items


def split_target(target: str | None) -> tuple[str, list[str]] | None:
    """``"participant:12:P-001"`` as ``("participant", ["12", "P-001"])``; None for no target."""
    if not target:
        return None
    kind, _, rest = target.partition(":")
    return kind, rest.split(":") if rest else []
