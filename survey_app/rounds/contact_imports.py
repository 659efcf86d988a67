"""Importing the municipalities' IPS team contacts from a CSV file, all rows or none.

Columns (Danish or English names, any order): ``kommune`` (code or name, as places finds it),
``e-mail``, ``navn`` (optional) and ``sprog`` (optional: the language of the team's e-mails, one of
``languages.LANGUAGES``; empty keeps the one set before, Danish for a new contact). The file is read like a participant import
(``importing.read_table``: UTF-8 or Windows-1252, ``;`` or ``,``, a size limit), every problem of
every line is reported with its line number, and nothing is written unless the whole file is good.
:func:`parse_contacts` also says what an import would change (new, changed, unchanged), which the
page and ``teams import --dry-run`` show before anything is written. The import writes one audit
row with its counts, as a participant import does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlite_utils

from .. import audit, clock, importing, places
from ..contact_details import normalise_email
from ..db import transaction
from ..importing import RowError
from ..languages import DEFAULT_LANGUAGE, LANGUAGES, N_, UserError
from .teams import team_contacts

MAX_BYTES = 1024 * 1024
MAX_ROWS = 500
COLUMNS = {
    "municipality": ("kommune", "municipality", "kommunekode", "kommunenavn"),
    "email": ("e-mail", "email", "mail"),
    "name": ("navn", "name", "team", "kontakt"),
    "language": ("sprog", "language"),
}
REQUIRED = ("municipality", "email")
_ALIASES = {alias: name for name, aliases in COLUMNS.items() for alias in aliases}
ADDED, CHANGED, UNCHANGED = "added", "changed", "unchanged"


@dataclass
class ContactRow:
    line: int
    code: str
    municipality_name: str
    email: str
    name: str | None
    language: str | None  # None: keep the one set before (Danish for a new contact)
    before: dict | None  # the current contact (email, name, language), None when there is none
    change: str  # ADDED, CHANGED or UNCHANGED


@dataclass
class ParsedContacts:
    rows: list[ContactRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    def count(self, change: str) -> int:
        return sum(1 for row in self.rows if row.change == change)


def parse_contacts(db: sqlite_utils.Database, data: bytes) -> ParsedContacts:
    """Check every line of the file against the rules of the single form; say what would change."""
    result = ParsedContacts()
    try:
        header_at, header, reader = importing.read_table(
            data, N_("The file is empty: it needs a header line with kommune and e-mail."), MAX_BYTES
        )
    except UserError as error:
        result.errors.append(RowError(0, [error]))
        return result
    positions: dict[str, int] = {}
    unknown = []
    for index, name in enumerate(header):
        column = _ALIASES.get(name)
        if column is None:
            if name:
                unknown.append(name)
        elif column not in positions:
            positions[column] = index
    problems = []
    if unknown:
        problems.append(
            UserError(
                N_("Unknown columns: %(columns)s. The columns are kommune, e-mail, navn and sprog."),
                columns=importing.column_list(unknown),
            )
        )
    missing = [COLUMNS[name][0] for name in REQUIRED if name not in positions]
    if missing:
        problems.append(UserError(N_("The file has no column %(columns)s."), columns=", ".join(missing)))
    if problems:
        result.errors.append(RowError(header_at + 1, problems))
        return result
    current = {row["code"]: row for row in team_contacts(db)}
    seen: dict[str, int] = {}
    try:
        for line, values, problems in importing.data_rows(
            reader,
            header_at,
            header,
            positions,
            MAX_ROWS,
            N_("The file has more than %(rows)s team contacts: split it."),
        ):
            row = _check(db, line, values, problems, current, seen)
            if problems:
                result.errors.append(RowError(line, problems))
            elif row is not None:
                result.rows.append(row)
    except importing.TooManyRows as error:
        result.errors.append(RowError(0, [error]))
    if not result.rows and not result.errors:
        result.errors.append(RowError(0, [UserError(N_("The file has no team contacts, only a header."))]))
    return result


def _check(db, line, values, problems, current, seen) -> ContactRow | None:
    municipality = None
    raw = values.get("municipality", "")
    if not raw:
        problems.append(UserError(N_("Give the municipality (code or name).")))
    else:
        try:
            municipality = places.municipality(db, places.municipality_code(db, raw))
        except UserError:
            problems.append(
                UserError(N_("%(value)s is not a Danish municipality (give its code or name)."), value=raw)
            )
    email = None
    if not values.get("email"):
        problems.append(UserError(N_("Give the team's e-mail.")))
    else:
        try:
            email = normalise_email(values["email"])
        except UserError as error:
            problems.append(error)
    language = values.get("language", "").strip().lower() or None
    if language is not None and language not in LANGUAGES:
        problems.append(
            UserError(
                N_("The language must be one of: %(languages)s."),
                languages=", ".join(f"{code} ({text})" for code, text in LANGUAGES.items()),
            )
        )
    if municipality is not None:
        if municipality["code"] in seen:
            problems.append(
                UserError(
                    N_("%(municipality)s is already on line %(line)s."),
                    municipality=municipality["name"],
                    line=seen[municipality["code"]],
                )
            )
        else:
            seen[municipality["code"]] = line
    if problems:
        return None
    name = " ".join(values.get("name", "").split()) or None
    before = current.get(municipality["code"])
    if before is None or not before["email"]:
        change, before = ADDED, None
    elif (
        before["email"] == email
        and before["name"] == name
        and (language is None or language == (before["language"] or DEFAULT_LANGUAGE))
    ):
        change = UNCHANGED
    else:
        change = CHANGED
    previous = (
        {"email": before["email"], "name": before["name"], "language": before["language"]} if before else None
    )
    return ContactRow(
        line, municipality["code"], municipality["name"], email, name, language, previous, change
    )


def import_contacts(
    db: sqlite_utils.Database, parsed: ParsedContacts, *, actor: audit.Actor, now: datetime
) -> ParsedContacts:
    """Store the new and changed contacts of a file without errors, with one audit row; a file
    with errors stores nothing (and is returned as it is)."""
    if parsed.errors:
        return parsed
    stored = [row for row in parsed.rows if row.change != UNCHANGED]
    with transaction(db):
        for row in stored:
            db.execute(
                "INSERT INTO team_contact (municipality_code, email, name, language, updated_at, updated_by)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (municipality_code) DO UPDATE SET email = excluded.email,"
                " name = excluded.name, language = COALESCE(?, team_contact.language), updated_at = excluded.updated_at,"
                " updated_by = excluded.updated_by",
                [
                    row.code,
                    row.email,
                    row.name,
                    row.language or DEFAULT_LANGUAGE,
                    clock.isoformat(now),
                    actor.user_id,
                    row.language,
                ],
            )
        audit.record(
            db,
            "team_contacts_imported",
            actor=actor,
            detail={
                "added": parsed.count(ADDED),
                "changed": parsed.count(CHANGED),
                "unchanged": parsed.count(UNCHANGED),
                "municipalities": [row.code for row in stored],
            },
        )
    return parsed
