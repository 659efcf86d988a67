"""The privacy notice participants read (``/privatliv``): stored per language, edited by an admin.

The data controller completes the seeded text (migration 0013) on the admin page. Danish is
required; a language without its own text shows the Danish one. The text is a simple markup, never
HTML (:func:`blocks`): ``## `` starts a heading, ``- `` a list item, a blank line ends a paragraph;
web addresses become links. Everything is escaped when shown.

What the code decides is not left to the text: ``{opbevaring}`` is replaced by how long contact
details and answers are kept, written from the settings (``RETENTION_YEARS``,
``RETENTION_ACTION``, ``CONTACT_GRACE_DAYS``) by :func:`retention_text`, and a text without it is
refused, so the notice always states the retention the code applies.

Domain: no Flask.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import sqlite_utils

from . import audit, clock
from .db import transaction
from .languages import DEFAULT_LANGUAGE, LANGUAGES, N_, UserError

RETENTION_PLACEHOLDER = "{opbevaring}"
MAX_LENGTH = 20_000

# How long data are kept, in each language the product speaks; a language missing here uses Danish.
_RETENTION = {
    "da": {
        "contacts": (
            "Dit mobilnummer og din e-mailadresse slettes {days} efter, at de ikke længere skal bruges:"
            " når du har svaret, har frabedt dig flere beskeder eller er udtrukket af undersøgelsen, eller"
            " når dit link er udløbet."
        ),
        "answers": "Dine svar og de øvrige oplysninger gemmes i {years} efter, at din del af undersøgelsen sluttede.",
        "anonymise": (
            "Derefter anonymiseres de: din kode erstattes af en tilfældig, beskeder og kommentarer slettes,"
            " og datoer gemmes kun som måned, så svarene ikke længere kan føres tilbage til dig."
        ),
        "delete": "Derefter slettes de.",
        "day": ("dag", "dage"),
        "year": ("år", "år"),
    },
    "en": {
        "contacts": (
            "Your mobile number and e-mail address are deleted {days} after they are no longer needed:"
            " when you have answered, asked for no more messages or been withdrawn from the survey, or"
            " when your link has expired."
        ),
        "answers": "Your answers and the other data are kept for {years} after your part in the survey ended.",
        "anonymise": (
            "Then they are anonymised: your code is replaced by a random one, messages and comments are"
            " deleted, and dates are kept only as the month, so the answers can no longer be traced"
            " back to you."
        ),
        "delete": "Then they are deleted.",
        "day": ("day", "days"),
        "year": ("year", "years"),
    },
}


def _count(number: int, words: tuple[str, str]) -> str:
    return f"{number} {words[0] if number == 1 else words[1]}"


def retention_text(language: str, *, years: int, action: str, grace_days: int) -> str:
    """How long contact details and answers are kept, in ``language``, as the settings make the code do."""
    texts = _RETENTION.get(language, _RETENTION[DEFAULT_LANGUAGE])
    return " ".join(
        [
            texts["contacts"].format(days=_count(grace_days, texts["day"])),
            texts["answers"].format(years=_count(years, texts["year"])),
            texts["delete" if action == "delete" else "anonymise"],
        ]
    )


@dataclass(frozen=True)
class Notice:
    language: str  # the language of the text (Danish when the one asked for has none)
    body: str
    updated_at: str


def own_notice(db: sqlite_utils.Database, language: str) -> Notice | None:
    """The notice written in ``language`` itself, or None."""
    row = db.execute(
        "SELECT language, body, updated_at FROM privacy_notice WHERE language = ?", [language]
    ).fetchone()
    return Notice(*row) if row else None


def notice(db: sqlite_utils.Database, language: str) -> Notice:
    """The notice shown to someone speaking ``language``: its own, else the Danish one."""
    found = own_notice(db, language) if language != DEFAULT_LANGUAGE else None
    danish = found or own_notice(db, DEFAULT_LANGUAGE)
    if danish is None:  # only if someone deleted the row by hand: say so rather than show nothing
        raise LookupError("The Danish privacy notice is missing (table privacy_notice).")
    return danish


def check_notice(body: str, language: str) -> str:
    """The text, trimmed and with Unix line ends, if it can be saved; else UserError."""
    if language not in LANGUAGES:
        raise UserError(N_("Unknown language."))
    text = body.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise UserError(N_("The Danish privacy notice cannot be empty."))
    if len(text) > MAX_LENGTH:
        raise UserError(N_("The text can be at most %(max)s characters."), max=MAX_LENGTH)
    if RETENTION_PLACEHOLDER not in text:
        raise UserError(
            N_("The text must contain %(placeholder)s, where the retention times are put in."),
            placeholder=RETENTION_PLACEHOLDER,
        )
    return text + "\n"


def save_notice(
    db: sqlite_utils.Database, language: str, body: str, *, actor: audit.Actor, now: datetime
) -> Notice | None:
    """Store the notice of ``language``, with its audit row. Danish is required; an empty text in
    another language removes that language's own notice (the Danish one is shown). Returns the
    stored notice, or None when removed."""
    removed = language != DEFAULT_LANGUAGE and language in LANGUAGES and not body.strip()
    text = None if removed else check_notice(body, language)
    with transaction(db):
        if removed:
            db.execute("DELETE FROM privacy_notice WHERE language = ?", [language])
        else:
            db.execute(
                "INSERT INTO privacy_notice (language, body, updated_at, updated_by) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (language) DO UPDATE SET body = excluded.body,"
                " updated_at = excluded.updated_at, updated_by = excluded.updated_by",
                [language, text, clock.isoformat(now), actor.user_id],
            )
        audit.record(
            db,
            "privacy_notice_changed",
            actor=actor,
            target=f"privacy_notice:{language}",
            detail={"language": language, "removed": removed},
        )
    return None if removed else Notice(language, text, clock.isoformat(now))


# --- the markup -------------------------------------------------------------------------------------

# An address ends before white space, a quote or an angle bracket; punctuation closing the sentence
# around it is not part of it.
_ADDRESS = re.compile(r"(?:https?://|www\.)[^\s<>\"']*[^\s<>\"'.,;:!?)\]]")
_UNFILLED = re.compile(r"\[[^\[\]\n]+\]")


@dataclass(frozen=True)
class Piece:
    text: str
    href: str | None = None  # a web address in the text


@dataclass(frozen=True)
class Block:
    kind: str  # "heading", "paragraph" or "list"
    lines: tuple[tuple[Piece, ...], ...]  # a paragraph's lines, a list's items, a heading's one line


def _pieces(line: str) -> tuple[Piece, ...]:
    pieces, start = [], 0
    for match in _ADDRESS.finditer(line):
        if match.start() > start:
            pieces.append(Piece(line[start : match.start()]))
        address = match.group(0)
        pieces.append(Piece(address, address if address.startswith("http") else "https://" + address))
        start = match.end()
    if start < len(line):
        pieces.append(Piece(line[start:]))
    return tuple(pieces)


def blocks(text: str) -> list[Block]:
    """The text as headings, paragraphs and lists, for the page to show (escaped)."""
    result: list[Block] = []
    kind, lines = None, []

    def end_block():
        nonlocal kind, lines
        if kind:
            result.append(Block(kind, tuple(_pieces(line) for line in lines)))
        kind, lines = None, []

    for raw in text.replace("\r\n", "\n").split("\n"):
        line = raw.strip()
        if not line:
            end_block()
        elif line.startswith("## "):
            end_block()
            result.append(Block("heading", (_pieces(line[3:].strip()),)))
        elif line.startswith("- "):
            if kind != "list":
                end_block()
                kind = "list"
            lines.append(line[2:].strip())
        else:
            if kind != "paragraph":
                end_block()
                kind = "paragraph"
            lines.append(line)
    end_block()
    return result


def filled_in(text: str, *, language: str, years: int, action: str, grace_days: int) -> str:
    """The text with the retention times put in."""
    return text.replace(
        RETENTION_PLACEHOLDER,
        retention_text(language, years=years, action=action, grace_days=grace_days),
    )


def shown_text(shown: Notice, settings) -> str:
    """The notice as participants read it, with the retention times of ``settings`` (the app's
    ``RETENTION_YEARS``, ``RETENTION_ACTION`` and ``CONTACT_GRACE_DAYS``) put in."""
    return filled_in(
        shown.body,
        language=shown.language,
        years=int(settings["RETENTION_YEARS"]),
        action=settings["RETENTION_ACTION"],
        grace_days=int(settings["CONTACT_GRACE_DAYS"]),
    )


def unfilled(text: str) -> list[str]:
    """The ``[...]`` fields the data controller has not filled in yet."""
    return _UNFILLED.findall(text)
