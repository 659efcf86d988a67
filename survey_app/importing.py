"""Importing participants from a CSV file, all rows or none.

Consultants export lists from their case system or keep them in Excel.
Danish Excel saves "CSV (semikolonsepareret)" in Windows-1252 with ``;``;
other tools write UTF-8 (with or without a BOM) and ``,``. All are read.
Columns are found by name (English or Danish, any order); unknown columns
are an error rather than silently ignored, so a misspelt ``telefon`` does
not lose every phone number.

Every row is checked with the same rules as the form
(``participants.check_participant``), every problem of every row is reported
with its line number, and nothing is written unless the whole file is
good. A row equal to a participant already registered is left alone, so
importing the same file twice changes nothing.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import sqlite_utils

from . import audit, clock, participants, places
from .db import transaction
from .languages import N_, UserError

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
# A cell may be as long as a whole file (csv's default limit, 128 KB, makes it raise instead).
csv.field_size_limit(max(csv.field_size_limit(), MAX_BYTES))

COLUMNS = {
    "code": ("code", "kode", "deltagerkode"),
    "municipality": ("municipality", "kommune", "kommunekode"),
    "baseline_date": ("baseline_date", "baseline", "startdato", "forløbsstart"),
    "phone": ("phone", "telefon", "mobil", "mobilnummer"),
    "email": ("email", "e-mail", "mail"),
    "channel": ("channel", "kanal"),
    "language": ("language", "sprog"),
    "consent": ("consent", "samtykke"),
    "birth_year": ("birth_year", "fødselsår"),
    "gender": ("gender", "køn"),
}
REQUIRED = ("code", "municipality", "baseline_date")
_ALIASES = {alias: name for name, aliases in COLUMNS.items() for alias in aliases}
_YES = {"ja", "yes", "j", "y", "1", "x", "true", "sand"}
_NO = {"nej", "no", "n", "0", "false", "falsk", ""}
_LANGUAGES = {"dansk": "da", "engelsk": "en", "english": "en", "danish": "da"}
_GENDERS = {"kvinde": "female", "k": "female", "mand": "male", "m": "male", "andet": "other", "a": "other"}
# Compared to tell "the same participant again" from "a clash".
_COMPARED = ("baseline_date", "phone", "email", "channel", "language", "birth_year", "gender")


@dataclass
class RowError:
    line: int  # 1 = the header, 0 = the file as a whole
    messages: list[UserError]


@dataclass
class Parsed:
    rows: list[tuple[int, dict]] = field(default_factory=list)  # (line, checked participant row)
    errors: list[RowError] = field(default_factory=list)


@dataclass
class ImportResult:
    added: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


UNREADABLE = N_(
    'The file cannot be read as CSV text. Save it from Excel as "CSV UTF-8" or '
    '"CSV (semikolonsepareret)" and try again.'
)
# æ, ø, å, é … written in UTF-8: in a file that is not UTF-8 they mean two encodings are mixed.
_UTF8_LATIN_LETTER = re.compile(rb"\xc3[\x80-\xbf]")


def _decode(data: bytes) -> str:
    """The text of a UTF-8 (with or without BOM) or Windows-1252 file; UserError for anything else.

    Nothing is guessed or replaced: a file in UTF-16 (Excel's "Unicode text"),
    a binary file, bytes of neither encoding or a mix of both would
    otherwise be imported as garbled letters.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if b"\x00" in data or data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UserError(UNREADABLE)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        raise UserError(UNREADABLE) from None
    if _UTF8_LATIN_LETTER.search(data):
        raise UserError(
            N_(
                "The file mixes two character encodings (UTF-8 and Windows-1252), so letters such as "
                'æ, ø and å would come out wrong. Save it again as "CSV UTF-8" and try again.'
            )
        )
    return text


def read_table(
    data: bytes, empty_message: str, max_bytes: int | None = None
) -> tuple[int, list[str], Iterator[list[str]]]:
    """A CSV file's header line number (0-based), its column names (stripped, lower case)
    and a reader of the rows after it; UserError when larger than ``max_bytes``, unreadable or empty.

    The separator is ``;`` when the header has more of those than ``,`` (Excel
    in Danish), else ``,``. Blank lines before the header are skipped.
    """
    if max_bytes is not None and len(data) > max_bytes:
        raise UserError(
            N_("The file is larger than %(mb)s MB: split it into smaller files."), mb=max_bytes // 2**20
        )
    lines = _decode(data).splitlines()
    header_at = next((i for i, line in enumerate(lines) if line.strip()), None)
    if header_at is None:
        raise UserError(empty_message)
    delimiter = ";" if lines[header_at].count(";") > lines[header_at].count(",") else ","
    reader = csv.reader(lines[header_at:], delimiter=delimiter)
    header = [name.strip().lower() for name in next(reader)]
    return header_at, header, reader


class TooManyRows(UserError):
    """A file with more rows than one import takes."""


def data_rows(
    reader, header_at: int, header: list[str], positions: dict[str, int], max_rows: int, too_many: str
):
    """The file's non-blank rows after the header: (line number, values by column, problems so far).

    A row with cells beyond the header has the EXTRA_CELLS problem. More than ``max_rows`` rows
    raise TooManyRows(``too_many``, rows=max_rows): nothing of such a file is read on.
    """
    count = 0
    for line, cells in enumerate(reader, start=header_at + 2):
        if not any(cell.strip() for cell in cells):
            continue
        count += 1
        if count > max_rows:
            raise TooManyRows(too_many, rows=max_rows)
        values = {name: (cells[i].strip() if i < len(cells) else "") for name, i in positions.items()}
        problems = [UserError(EXTRA_CELLS)] if any(cell.strip() for cell in cells[len(header) :]) else []
        yield line, values, problems


def column_list(names: list[str], most: int = 10) -> str:
    """Column names for a message: each once, shortened, at most ``most`` of them."""
    distinct = list(dict.fromkeys(name if len(name) <= 25 else name[:24] + "…" for name in names))
    return ", ".join(distinct[:most]) + (", …" if len(distinct) > most else "")


EXTRA_CELLS = N_(
    "The line has more cells than the header has columns: put a value that contains a comma "
    "or semicolon in quotes."
)


def parse(
    db: sqlite_utils.Database,
    data: bytes,
    *,
    consent_confirmed: bool = False,
    allowed_municipalities: set[str] | None = None,
) -> Parsed:
    """Read and check every row of the file; nothing is written."""
    parsed = Parsed()

    def file_error(message, **params):
        parsed.errors.append(RowError(0, [UserError(message, **params)]))
        return parsed

    try:
        header_at, header, reader = read_table(data, N_("The file has no participants."), MAX_BYTES)
    except UserError as error:
        return file_error(error.message, **error.params)
    unknown = [name for name in header if name and name not in _ALIASES]
    if unknown:
        return file_error(
            N_("Unknown columns: %(columns)s. The columns are: %(known)s."),
            columns=column_list(unknown),
            known=", ".join(COLUMNS),
        )
    positions = {_ALIASES[name]: index for index, name in enumerate(header) if name}
    missing = [name for name in REQUIRED if name not in positions]
    if missing:
        return file_error(N_("The file lacks the columns: %(columns)s."), columns=", ".join(missing))
    # Without a consent column the uploader confirms consent for all; asked after counting rows.
    unconfirmed = "consent" not in positions and not consent_confirmed
    seen: dict[tuple[str, str], int] = {}
    count = 0
    try:
        rows = data_rows(
            reader,
            header_at,
            header,
            positions,
            MAX_ROWS,
            N_("The file has more than %(rows)s participants: split it."),
        )
        for offset, values, problems in rows:
            count += 1
            consent = True if "consent" not in positions else None
            if consent is None:
                answer = values["consent"].lower()
                if answer in _YES:
                    consent = True
                elif answer in _NO:
                    consent = False
                else:
                    problems.append(
                        UserError(N_("Consent must be ja or nej, not %(value)s."), value=values["consent"])
                    )
                    consent = True  # reported already; do not report it twice
            raw = participants.ParticipantInput(
                code=values["code"],
                municipality_code=places.municipality_code(db, values["municipality"]),
                baseline=values["baseline_date"],
                phone=values.get("phone"),
                email=values.get("email"),
                channel=values.get("channel"),
                language=_LANGUAGES.get(values.get("language", "").lower(), values.get("language") or "da"),
                consent=consent,
                birth_year=values.get("birth_year"),
                gender=_GENDERS.get(values.get("gender", "").lower(), values.get("gender")),
            )
            row, errors = participants.check_participant(db, raw)
            problems += errors.values()
            if (
                row
                and allowed_municipalities is not None
                and row["municipality_code"] not in allowed_municipalities
            ):
                problems.append(
                    UserError(
                        N_("%(municipality)s is not one of your municipalities."),
                        municipality=values["municipality"],
                    )
                )
            if row:
                key = (row["municipality_code"], row["code"])
                if key in seen:
                    problems.append(
                        UserError(
                            N_("The code %(code)s is also on line %(line)s."),
                            code=row["code"],
                            line=seen[key],
                        )
                    )
                seen.setdefault(key, offset)
            if problems:
                parsed.errors.append(RowError(offset, problems))
            else:
                parsed.rows.append((offset, row))
    except TooManyRows as error:
        return file_error(error.message, **error.params)
    if not count:
        return file_error(N_("The file has no participants."))
    if unconfirmed:
        return file_error(
            N_("The file has no consent column: confirm that everyone in it has agreed to be contacted.")
        )
    return parsed


def import_participants(db: sqlite_utils.Database, parsed: Parsed, *, actor: audit.Actor) -> ImportResult:
    """Write the parsed rows, all or none, with the import's audit row (counts, never the rows)."""
    result = ImportResult(errors=list(parsed.errors))
    if result.errors:
        return result
    now = clock.isoformat(clock.now())
    try:
        with transaction(db):
            for line, row in parsed.rows:
                existing = next(
                    db.query(
                        "SELECT * FROM participant WHERE municipality_code = ? AND code = ?",
                        [row["municipality_code"], row["code"]],
                    ),
                    None,
                )
                if existing is not None:
                    if all(existing[name] == row[name] for name in _COMPARED):
                        result.unchanged.append(row["code"])
                    else:
                        result.errors.append(
                            RowError(
                                line,
                                [
                                    UserError(
                                        N_(
                                            "A participant with code %(code)s already exists with other "
                                            "details; change them on the participant's page."
                                        ),
                                        code=row["code"],
                                    )
                                ],
                            )
                        )
                    continue
                stored = row | {"created_at": now, "updated_at": now, "consent_at": now}
                columns = ", ".join(stored)
                db.execute(
                    f"INSERT INTO participant ({columns}) VALUES ({', '.join(':' + c for c in stored)})",
                    stored,
                )
                result.added.append(row["code"])
            if result.errors:
                raise _Abandon()
            detail = {"added": len(result.added), "unchanged": len(result.unchanged)}
            audit.record(db, "participants_imported", actor=actor, detail=detail)
    except _Abandon:
        result.added = []
        result.unchanged = []
    return result


class _Abandon(Exception):
    """Roll the import back: some row clashed with a registered participant."""


def error_report(errors: list[RowError], gettext) -> list[str]:
    """One line per problem: ``Linje 4: ...`` (file-level problems without a line)."""
    lines = []
    for error in errors:
        for message in error.messages:
            # A value from the file is quoted in full up to a screenful; a whole file in one cell is not.
            shown = {
                key: value[:300] + "…" if isinstance(value, str) and len(value) > 300 else value
                for key, value in message.params.items()
            }
            text = UserError(message.message, **shown).translate(gettext)
            lines.append(
                gettext(N_("Line %(line)s: %(message)s"), line=error.line, message=text)
                if error.line
                else text
            )
    return lines
