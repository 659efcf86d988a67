"""The labels of ``survey_app.labels`` on pages: template filters that translate stored values.

``{{ m.status | label("MESSAGE_STATUS") }}`` shows a stored value by its label in the page's
language (the value itself if it has none, so a new value is never hidden). An audit entry's
target and details are shown by :func:`target_text` and :func:`detail_text`, with names, dates and
yes/no instead of codes and JSON.
"""

from __future__ import annotations

from datetime import date

from flask import has_request_context
from flask_babel import format_date
from flask_babel import gettext as _

from .. import accounts, labels, messaging, places, rounds
from ..context import get_db, questionnaire
from ..languages import DEFAULT_LANGUAGE, LANGUAGES
from .i18n import current_language


def label(value, table: str) -> str:
    """The translated label of a stored value, from the table of that name in ``labels``."""
    if value is None:
        return ""
    msgid = getattr(labels, table).get(value)
    return _(msgid) if msgid else str(value)


def actor_text(actor: str | None) -> str:
    """Who did it: a person's e-mail as stored, the command line, send-due, …"""
    msgid = labels.ACTOR.get(actor or "-")
    return _(msgid) if msgid else actor


def _date(value) -> str:
    try:
        return format_date(date.fromisoformat(str(value)[:10]), "d. MMM yyyy")
    except ValueError:
        return str(value)


def _municipality(value) -> str:
    return places.municipality_name(get_db(), str(value)) or str(value)


def _review(value: str) -> str:
    # "259 2024-03-01 IPS-25", as fidelity.imports.import_detail writes it.
    parts = str(value).split(" ", 2)
    if len(parts) != 3:
        return str(value)
    code, review_date, scale = parts
    return f"{_municipality(code)} {_date(review_date)} ({scale})"


def _listed(value) -> list:
    return value if isinstance(value, list | tuple) else [value]


def value_text(item: labels.DetailItem) -> str:
    """One detail's value as a reader wants it."""
    value, kind = item.value, item.kind
    if value is None or value == "" or value == []:
        return "–"
    if kind == labels.NESTED:
        return detail_text(value)
    if kind == labels.DATE:
        return _date(value)
    if kind == labels.YES_NO:
        return _("yes") if value else _("no")
    if kind == labels.MUNICIPALITY:
        return _municipality(value)
    if kind == labels.MUNICIPALITIES:
        return ", ".join(_municipality(code) for code in _listed(value))
    if kind == labels.ROLE_NAME:
        return label(value, "ROLE")
    if kind == labels.FIELDS:
        return ", ".join(label(field, "PARTICIPANT_FIELD") for field in _listed(value))
    if kind == labels.OUTCOME:
        return label(value, "SEND_OUTCOME")
    if kind == labels.REVIEWS:
        return "; ".join(_review(review) for review in _listed(value))
    if item.key == "questionnaire" and has_request_context():
        found = questionnaire(str(value))
        if found is not None:
            return found.title.get(current_language()) or found.title["da"]
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list | tuple):
        return ", ".join(str(part) for part in value)
    return str(value)


def detail_text(detail) -> str:
    """An audit row's details as one line of text: "Added: 3; Unchanged: 1"."""
    items = detail if isinstance(detail, list) else labels.detail_items(detail)
    if isinstance(items, str):
        return items
    return "; ".join(f"{_(item.label)}: {value_text(item)}" for item in items)


def target_text(target: str | None) -> str:
    """What an audit row is about, by name: "Deltager P-001", "Bruger a@b.dk", "Runde Forår 2026"."""
    split = labels.split_target(target)
    if split is None:
        return ""
    kind, parts = split
    msgid = labels.TARGET_KIND.get(kind)
    if msgid is None or not parts:
        return target
    db, reference = get_db(), parts[-1]
    name = reference
    if kind == "user" and reference.isdigit():
        user = accounts.get(db, int(reference))
        name = user["email"] if user else reference
    elif kind == "round" and reference.isdigit():
        row = rounds.get_round(db, int(reference))
        name = row["name"] if row else reference
    elif kind == "cluster" and reference.isdigit():
        name = next((c["name"] for c in places.clusters(db) if c["id"] == int(reference)), reference)
    elif kind == "municipality":
        name = _municipality(reference)
    elif kind == "template":
        # "template:sms_invitation" (Danish) or "template:sms_invitation:en": the text's heading.
        key, language = parts[0], parts[1] if len(parts) > 1 else DEFAULT_LANGUAGE
        heading = messaging.TEMPLATE_LABELS.get(key)
        name = f"»{_(heading)}«" if heading else key
        name += f" ({LANGUAGES.get(language, language)})"
    return f"{_(msgid)} {name}"


def init_app(app) -> None:
    app.add_template_filter(label, "label")
    app.add_template_filter(actor_text, "actor_text")
    app.add_template_filter(detail_text, "detail_text")
    app.add_template_filter(target_text, "target_text")
