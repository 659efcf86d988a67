"""The texts of SMS and e-mails: stored per key, checked before saving (placeholders, SMS length),
filled in for one participant, and turned into HTML and a QR code."""

from __future__ import annotations

import html
import re
import string
from datetime import date

import segno
import sqlite_utils

from .. import audit, clock, formatting
from ..db import transaction
from ..languages import N_, UserError

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


def template(db: sqlite_utils.Database, key: str) -> str:
    row = db.execute("SELECT value FROM setting WHERE key = ?", [f"template.{key}"]).fetchone()
    return row[0] if row else DEFAULT_TEMPLATES[key]


def save_template(db: sqlite_utils.Database, key: str, value: str, *, actor: audit.Actor) -> None:
    """Store an admin's version of a template, after checking it can be sent, with its audit row."""
    check_template(key, value)
    with transaction(db):
        db.execute(
            "INSERT INTO setting (key, value, updated_at, updated_by) VALUES (?, ?, ?, ?)"
            " ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at,"
            " updated_by = excluded.updated_by",
            [f"template.{key}", value, clock.isoformat(clock.now()), actor.user_id],
        )
        audit.record(db, "template_changed", actor=actor, target=f"template:{key}")


# A link as long as the ones BASE_URL gives in production, for checking lengths.
SAMPLE_LINK = "https://ips-undersoegelse.kommune.dk/s/1a2b.AbCdEfGh.AbCdEfGhIjKlMnOpQrSt"


LONGEST_MUNICIPALITY = "Ringkøbing-Skjern"


PLACEHOLDERS = ("kommune", "link", "frist", "afmeld")


# The longest deadline a message can name: a two-digit day of the longest month name.
LONGEST_DEADLINE = formatting.long_date(date(2099, 9, 30))


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
        if name is not None and (name not in PLACEHOLDERS or spec or conversion):
            raise placeholders_only
    # The placeholders the text really has: "{{link}}" is the text "{link}", not the link.
    used = {name for _text, name, _spec, _conversion in fields if name is not None}
    if key.endswith("_subject") and "".join(value.splitlines()) != value:
        raise UserError(N_("The subject must be on one line."))
    try:
        filled = value.format(
            kommune=LONGEST_MUNICIPALITY, link=SAMPLE_LINK, frist=LONGEST_DEADLINE, afmeld="x"
        )
    except (KeyError, IndexError, ValueError):
        raise UserError(
            N_("The text may only use the placeholders {kommune}, {link}, {frist} and {afmeld}.")
        ) from None
    needs_link = key.endswith(("_invitation", "_reminder", "_invitation_body", "_reminder_body"))
    if needs_link and "link" not in used:
        raise UserError(N_("The text must contain {link}."))
    if key.startswith("email_") and key.endswith("_body") and "afmeld" not in used:
        raise UserError(N_("An e-mail must contain {afmeld}, the link for opting out."))
    if key.startswith("sms_"):
        if "afmeld" in used:
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
        "frist": formatting.long_date(expires) if expires else "",
        "afmeld": opt_out,
    }
    if channel == "sms":
        return None, template(db, f"sms_{kind}").format(**values)
    subject = template(db, f"email_{kind}_subject").format(**values)
    return subject, template(db, f"email_{kind}_body").format(**values)


# An address ends before a space, a quote or an angle bracket; punctuation closing the sentence around
# it ("Svar her: {link}.", "({link})") is not part of it (a token ends in a letter or digit).
_URL = re.compile(r"https?://[^\s<>\"']*[^\s<>\"'.,;:!?)]")


def as_html(body: str) -> str:
    """The HTML alternative of an e-mail: the same text, paragraphs kept, links clickable."""
    paragraphs = []
    for paragraph in body.strip().split("\n\n"):
        pieces, start = [], 0
        for match in _URL.finditer(paragraph):
            address = html.escape(match.group(0))
            pieces += [html.escape(paragraph[start : match.start()]), f'<a href="{address}">{address}</a>']
            start = match.end()
        pieces.append(html.escape(paragraph[start:]))
        paragraphs.append("<p>" + "".join(pieces).replace("\n", "<br>") + "</p>")
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
