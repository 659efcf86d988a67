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
from ..languages import DEFAULT_LANGUAGE, LANGUAGES, N_, UserError
from ..questionnaires import MAX_ESTIMATED_MINUTES

# Danish texts, editable by admins (stored in the setting table under ``template.<key>``).
# Placeholders: {kommune}, {link}, {frist} (last day the link works), {minutter} (the questionnaire's
# minute estimate), {afmeld} (e-mail only).
DEFAULT_TEMPLATES = {
    "sms_invitation": "{kommune} Kommune: Hvad synes du om din IPS-støtte? 8 spørgsmål, {minutter} min.: {link}",
    "sms_reminder": (
        "Husk: vi vil gerne høre din mening om din IPS-støtte. Det tager {minutter} minutter: {link}"
    ),
    "sms_prenotice": (
        "Hej! Om nogle dage sender {kommune} Kommune dig 8 korte spørgsmål om din IPS-støtte."
        " Det tager {minutter} minutter. Tak på forhånd!"
    ),
    "email_invitation_subject": "Hvad synes du om din IPS-støtte?",
    "email_invitation_body": (
        "Hej\n\n{kommune} Kommune vil gerne høre, hvad du synes om den støtte, du har fået i dit IPS-forløb.\n\n"
        "Der er 8 korte spørgsmål, og det tager omkring {minutter} minutter. Du svarer på din telefon eller "
        "computer via dette link:\n\n{link}\n\nLinket virker til og med {frist}. Din jobkonsulent kan "
        "ikke se dine svar.\n\nTak for hjælpen!\n\nVil du ikke have flere beskeder om undersøgelsen, så "
        "klik her: {afmeld}\n"
    ),
    "email_reminder_subject": "Påmindelse: hvad synes du om din IPS-støtte?",
    "email_reminder_body": (
        "Hej\n\nVi har endnu ikke fået dine svar om din IPS-støtte i {kommune} Kommune. Din mening "
        "hjælper andre i samme situation.\n\nDet tager omkring {minutter} minutter, og du kan fortsætte, "
        "hvor du slap:\n\n{link}\n\nLinket virker til og med {frist}.\n\nVil du ikke have flere beskeder om "
        "undersøgelsen, så klik her: {afmeld}\n"
    ),
    "email_prenotice_subject": "Snart: 8 spørgsmål om din IPS-støtte",
    "email_prenotice_body": (
        "Hej\n\nOm nogle dage sender {kommune} Kommune dig et link med 8 korte spørgsmål om, hvad du "
        "synes om din IPS-støtte. Det tager omkring {minutter} minutter.\n\nTak på forhånd!\n\nVil du ikke "
        "have beskeder om undersøgelsen, så klik her: {afmeld}\n"
    ),
}

# The same texts in English (``template.en.<key>``), for participants registered with language en.
ENGLISH_TEMPLATES = {
    "sms_invitation": (
        "{kommune} Municipality: How is your IPS support going? 8 questions, {minutter} min.: {link}"
    ),
    "sms_reminder": (
        "Reminder: we would like to hear your view of your IPS support. It takes {minutter} minutes: {link}"
    ),
    "sms_prenotice": (
        "Hi! In a few days {kommune} Municipality will send you 8 short questions about your IPS support."
        " It takes {minutter} minutes. Thank you!"
    ),
    "email_invitation_subject": "What do you think of your IPS support?",
    "email_invitation_body": (
        "Hello\n\n{kommune} Municipality would like to hear what you think of the support you have had in "
        "your IPS programme.\n\nThere are 8 short questions, and it takes about {minutter} minutes. You answer "
        "on your phone or computer using this link:\n\n{link}\n\nYou can use the link until the end of "
        "{frist}. Your employment specialist cannot see your answers.\n\nThank you for your help!\n\nIf you "
        "do not want any more messages about the survey, click here: {afmeld}\n"
    ),
    "email_reminder_subject": "Reminder: what do you think of your IPS support?",
    "email_reminder_body": (
        "Hello\n\nWe have not yet had your answers about your IPS support in {kommune} Municipality. Your "
        "opinion helps others in the same situation.\n\nIt takes about {minutter} minutes, and you can "
        "continue where you left off:\n\n{link}\n\nYou can use the link until the end of {frist}.\n\nIf you "
        "do not want any more messages about the survey, click here: {afmeld}\n"
    ),
    "email_prenotice_subject": "Soon: 8 questions about your IPS support",
    "email_prenotice_body": (
        "Hello\n\nIn a few days {kommune} Municipality will send you a link to 8 short questions about what "
        "you think of your IPS support. It takes about {minutter} minutes.\n\nThank you in advance!\n\nIf "
        "you do not want messages about the survey, click here: {afmeld}\n"
    ),
}

# The e-mails to a municipality's IPS team in an organisation round (``rounds.plan_messages``).
# Placeholders: {navn} (" " and the contact's name, or nothing), {kommune}, {runde}, {antal} (the
# number of yes/no questions), {link}, {frist} (the round's deadline).
TEAM_TEMPLATES = {
    "team_round_subject": "IPS-organisationsskema for {kommune} Kommune: {runde}",
    "team_round_body": (
        "Hej{navn}\n\n"
        "IPS-teamet i {kommune} Kommune bedes besvare organisationsskemaet i runden »{runde}«: "
        "{antal} ja/nej-spørgsmål om, hvordan IPS er organiseret hos jer, med plads til kommentarer.\n\n"
        "I svarer på telefon eller computer via dette link:\n\n{link}\n\n"
        "Fristen er {frist}. Indtil da kan I åbne linket igen, se jeres svar og rette dem.\n\n"
        "Linket hører til jeres team. Send det kun videre inden for teamet.\n\n"
        "Venlig hilsen\nIPS-undersøgelsen\n"
    ),
    "team_reminder_subject": "Påmindelse: IPS-organisationsskema for {kommune} Kommune",
    "team_reminder_body": (
        "Hej{navn}\n\n"
        "Vi mangler stadig IPS-teamets svar på organisationsskemaet i runden »{runde}« for {kommune} Kommune. "
        "Fristen er {frist}.\n\n"
        "I kan fortsætte, hvor I slap, via jeres link:\n\n{link}\n\n"
        "Venlig hilsen\nIPS-undersøgelsen\n"
    ),
}

TEAM_ENGLISH_TEMPLATES = {
    "team_round_subject": "IPS organisation questionnaire for {kommune} Municipality: {runde}",
    "team_round_body": (
        "Hello{navn}\n\n"
        'The IPS team in {kommune} Municipality is asked to answer the organisation questionnaire in the round "{runde}": '
        "{antal} yes/no questions about how IPS is organised in your team, with room for comments.\n\n"
        "You answer on a phone or computer using this link:\n\n{link}\n\n"
        "The deadline is {frist}. Until then you can open the link again, see your answers and change them.\n\n"
        "The link belongs to your team. Please share it only within the team.\n\n"
        "Kind regards\nThe IPS survey\n"
    ),
    "team_reminder_subject": "Reminder: IPS organisation questionnaire for {kommune} Municipality",
    "team_reminder_body": (
        "Hello{navn}\n\n"
        'We are still waiting for the IPS team\'s answers to the organisation questionnaire in the round "{runde}" '
        "for {kommune} Municipality. The deadline is {frist}.\n\n"
        "You can continue where you left off using your link:\n\n{link}\n\n"
        "Kind regards\nThe IPS survey\n"
    ),
}

# The shipped texts by language. Danish has every key; a language without a text for a key (none
# shipped, or an admin emptied it) sends the Danish one.
DEFAULTS_BY_LANGUAGE = {
    DEFAULT_LANGUAGE: {**DEFAULT_TEMPLATES, **TEAM_TEMPLATES},
    "en": {**ENGLISH_TEMPLATES, **TEAM_ENGLISH_TEMPLATES},
}
TEMPLATE_KEYS = tuple(DEFAULTS_BY_LANGUAGE[DEFAULT_LANGUAGE])

# What the admin page calls each template.
TEMPLATE_LABELS = {
    "sms_invitation": N_("SMS: invitation"),
    "sms_reminder": N_("SMS: reminder"),
    "sms_prenotice": N_("SMS: pre-notice"),
    "email_invitation_subject": N_("E-mail: invitation, subject"),
    "email_invitation_body": N_("E-mail: invitation, text"),
    "email_reminder_subject": N_("E-mail: reminder, subject"),
    "email_reminder_body": N_("E-mail: reminder, text"),
    "email_prenotice_subject": N_("E-mail: pre-notice, subject"),
    "email_prenotice_body": N_("E-mail: pre-notice, text"),
    "team_round_subject": N_("Team e-mail: the round's link, subject"),
    "team_round_body": N_("Team e-mail: the round's link, text"),
    "team_reminder_subject": N_("Team e-mail: reminder, subject"),
    "team_reminder_body": N_("Team e-mail: reminder, text"),
}


def setting_key(key: str, language: str = DEFAULT_LANGUAGE) -> str:
    """Where an admin's text is stored: ``template.<key>`` (Danish, as always), ``template.<lang>.<key>``."""
    return f"template.{key}" if language == DEFAULT_LANGUAGE else f"template.{language}.{key}"


def saved_template(db: sqlite_utils.Database, key: str, language: str = DEFAULT_LANGUAGE) -> str | None:
    """The admin's text for ``key`` in ``language``; ``""`` means "use Danish"; None: none saved."""
    row = db.execute("SELECT value FROM setting WHERE key = ?", [setting_key(key, language)]).fetchone()
    return row[0] if row else None


def own_text(db: sqlite_utils.Database, key: str, language: str) -> str:
    """The text of ``language`` itself (saved, else shipped); ``""`` when it has none and uses Danish."""
    saved = saved_template(db, key, language)
    if saved is not None:
        return saved
    return DEFAULTS_BY_LANGUAGE.get(language, {}).get(key, "")


def template(db: sqlite_utils.Database, key: str, language: str = DEFAULT_LANGUAGE) -> str:
    """The text sent for ``key`` to someone speaking ``language``: its own, else the Danish one."""
    if language != DEFAULT_LANGUAGE:
        text = own_text(db, key, language)
        if text:
            return text
    return own_text(db, key, DEFAULT_LANGUAGE)


def save_template(
    db: sqlite_utils.Database, key: str, value: str, *, actor: audit.Actor, language: str = DEFAULT_LANGUAGE
) -> None:
    """Store an admin's version of a template, after checking it can be sent, with its audit row.

    Danish is required. In another language an empty text is stored as such: that language then
    sends the Danish text.
    """
    if language not in LANGUAGES:
        raise UserError(N_("Unknown language."))
    if value.strip() or language == DEFAULT_LANGUAGE:
        check_template(key, value, language)
    else:
        value = ""
    target = f"template:{key}" if language == DEFAULT_LANGUAGE else f"template:{key}:{language}"
    with transaction(db):
        db.execute(
            "INSERT INTO setting (key, value, updated_at, updated_by) VALUES (?, ?, ?, ?)"
            " ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at,"
            " updated_by = excluded.updated_by",
            [setting_key(key, language), value, clock.isoformat(clock.now()), actor.user_id],
        )
        audit.record(db, "template_changed", actor=actor, target=target)


# Every SMS and e-mail to a participant ends with the link to the privacy notice (``/privatliv``),
# added by :func:`render` after the admin's text, so no saved text can leave it out. An SMS text
# still has to fit 160 characters on its own; with the privacy line it is sent as two parts, never
# three (tests/functional/test_privacy_notice.py checks the longest text with a production address).
PRIVACY_LINES = {
    DEFAULT_LANGUAGE: {"sms": " Privatliv: {url}", "email": "\nSådan behandler vi dine oplysninger: {url}\n"},
    "en": {"sms": " Privacy: {url}", "email": "\nHow we process your data: {url}\n"},
}


def privacy_line(channel: str, url: str, language: str = DEFAULT_LANGUAGE) -> str:
    """What follows the text of a participant's message: the privacy notice's address."""
    lines = PRIVACY_LINES.get(language, PRIVACY_LINES[DEFAULT_LANGUAGE])
    return lines["sms" if channel == "sms" else "email"].format(url=url)


def with_privacy_line(body: str, channel: str, url: str | None, language: str = DEFAULT_LANGUAGE) -> str:
    """``body`` followed by the privacy line (an e-mail's after a blank line); unchanged without ``url``."""
    if not url:
        return body
    if channel == "sms":
        return body.rstrip() + privacy_line(channel, url, language)
    return body.rstrip("\n") + "\n" + privacy_line(channel, url, language)


# A link as long as the ones BASE_URL gives in production, for checking lengths.
SAMPLE_LINK = "https://ips-undersoegelse.kommune.dk/s/1a2b.AbCdEfGh.AbCdEfGhIjKlMnOpQrSt"


LONGEST_MUNICIPALITY = "Ringkøbing-Skjern"


PLACEHOLDERS = ("kommune", "link", "frist", "minutter", "afmeld")
TEAM_PLACEHOLDERS = ("navn", "kommune", "runde", "antal", "link", "frist")


def _longest_deadline(language: str) -> str:
    """The longest deadline a message can name: a two-digit day of the longest month name."""
    return max(
        (
            formatting.long_date(date(2099, month, 28 if month == 2 else 30), language)
            for month in range(1, 13)
        ),
        key=len,
    )


LONGEST_DEADLINES = {language: _longest_deadline(language) for language in LANGUAGES}
LONGEST_DEADLINE = LONGEST_DEADLINES[DEFAULT_LANGUAGE]
# The longest minute estimate a questionnaire may give (``questionnaires.MAX_ESTIMATED_MINUTES``).
LONGEST_MINUTES = str(MAX_ESTIMATED_MINUTES)
# What the check puts in for a team's placeholders: a long contact name, round name and count.
_TEAM_SAMPLE = {"navn": " " + "x" * 40, "runde": "x" * 60, "antal": "99"}


def check_template(key: str, value: str, language: str = DEFAULT_LANGUAGE) -> str:
    """The template if it can be filled and (for SMS) fits one message; else UserError.

    Lengths are checked with the longest value of each placeholder in ``language``: the longest
    municipality name, a production link, the longest deadline and minute estimate.
    """
    if key not in TEMPLATE_KEYS:
        raise UserError(N_("Unknown template."))
    allowed = TEAM_PLACEHOLDERS if key.startswith("team_") else PLACEHOLDERS
    placeholders_only = UserError(
        N_("The text may only use the placeholders %(placeholders)s."),
        placeholders=", ".join("{" + name + "}" for name in allowed),
    )
    try:
        fields = list(string.Formatter().parse(value))
    except ValueError:
        raise placeholders_only from None
    # Bare names only: "{link:>99999999}" or "{link.__class__}" would pass str.format.
    for _text, name, spec, conversion in fields:
        if name is not None and (name not in allowed or spec or conversion):
            raise placeholders_only
    # The placeholders the text really has: "{{link}}" is the text "{link}", not the link.
    used = {name for _text, name, _spec, _conversion in fields if name is not None}
    if key.endswith("_subject") and "".join(value.splitlines()) != value:
        raise UserError(N_("The subject must be on one line."))
    try:
        filled = value.format(
            kommune=LONGEST_MUNICIPALITY,
            link=SAMPLE_LINK,
            frist=LONGEST_DEADLINES.get(language, LONGEST_DEADLINE),
            minutter=LONGEST_MINUTES,
            afmeld="x",
            **_TEAM_SAMPLE,
        )
    except (KeyError, IndexError, ValueError):
        raise placeholders_only from None
    needs_link = key.endswith(
        ("_invitation", "_reminder", "_invitation_body", "_reminder_body", "team_round_body")
    )
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
    minutes: int,
    language: str = DEFAULT_LANGUAGE,
    privacy: str | None = None,
) -> tuple[str | None, str]:
    """The subject (e-mail only) and body of one message, in the participant's ``language``,
    ending with the link to the privacy notice when ``privacy`` (its address) is given."""
    values = {
        "kommune": municipality,
        "link": link or "",
        "frist": formatting.long_date(expires, language) if expires else "",
        "minutter": minutes,
        "afmeld": opt_out,
    }
    if channel == "sms":
        body = template(db, f"sms_{kind}", language).format(**values)
        return None, with_privacy_line(body, channel, privacy, language)
    subject = template(db, f"email_{kind}_subject", language).format(**values)
    body = template(db, f"email_{kind}_body", language).format(**values)
    return subject, with_privacy_line(body, channel, privacy, language)


def render_team(db: sqlite_utils.Database, kind: str, values: dict, language: str) -> tuple[str, str]:
    """The subject and body of a team's e-mail (``kind`` round or reminder) in ``language``."""
    return (
        template(db, f"team_{kind}_subject", language).format(**values),
        template(db, f"team_{kind}_body", language).format(**values),
    )


# An address ends before a space, a quote or an angle bracket; punctuation closing the sentence around
# it ("Svar her: {link}.", "({link})") is not part of it (a token ends in a letter or digit).
_URL = re.compile(r"https?://[^\s<>\"']*[^\s<>\"'.,;:!?)]")


def as_html(body: str, language: str = DEFAULT_LANGUAGE) -> str:
    """The HTML alternative of an e-mail: the same text, paragraphs kept, links clickable, marked as
    written in ``language`` (so a screen reader reads an English e-mail with an English voice)."""
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
        f'<!doctype html><html lang="{language if language in LANGUAGES else DEFAULT_LANGUAGE}"><meta charset="utf-8">'
        '<body style="font-family: sans-serif; font-size: 16px; line-height: 1.5">'
        + "".join(paragraphs)
        + "</body></html>"
    )


def qr_svg(link: str) -> str:
    """The link as an inline SVG QR code (error correction M: survives a creased letter)."""
    qr = segno.make_qr(link, error="m")
    return qr.svg_inline(scale=1, omitsize=True, light="#fff", title="QR")
