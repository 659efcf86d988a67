"""Row-level exports for evaluators: one row per invitation, with a Danish codebook.

Every invitation to a questionnaire of every participant who has not
withdrawn becomes one row (withdrawn participants are left out entirely):
the pseudonymous code, municipality, region on the participant's baseline
date (Region Sjælland and Region Hovedstaden become Region Østdanmark on 1
January 2027), IPS cluster, baseline date, when the link was issued,
opened and answered (Danish local time), one column per item named by its
id (the score, or the text of a free-text item), the total score and the
version of the texts answered. Contact details are never exported.

Formats:

- ``csv``: UTF-8 with BOM so Excel shows æøå; ``excel_da`` gives the
  semicolon and decimal comma of Danish Excel. Streamed in constant memory
  (:func:`iter_csv`); the codebook is a separate file
  (``<name>_kodebog.csv``, see :func:`codebook_csv`). Written by
  :mod:`safe_csv`, so no text cell can run as a formula.
- ``xlsx``: sheets "Data" and "Kodebog", written by openpyxl in write-only
  mode; dates are real Excel dates, and text is always a text cell (never a
  formula, whatever it starts with).
- ``sav`` (SPSS) and ``dta`` (Stata 14 and later): variable and value labels
  embedded, dates as dates. These need the optional extra ``stats``
  (pyreadstat and pandas) and hold the whole table in memory while writing.

Value labels come from the questionnaire file (each option's score and its
Danish label), never from where an option is printed.

This module imports no Flask; the CLI and the web call :func:`write_export`
or :func:`iter_csv`.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import sqlite_utils

from . import clock, private_files, safe_csv
from .questionnaires import DEFAULT_LANGUAGE, Questionnaire

FORMATS = ("csv", "xlsx", "sav", "dta")
SUFFIXES = {"csv": ".csv", "xlsx": ".xlsx", "sav": ".sav", "dta": ".dta"}
MEDIA_TYPES = {
    "csv": safe_csv.MEDIA_TYPE,
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "sav": "application/x-spss-sav",
    "dta": "application/x-stata-dta",
}
CODEBOOK_SUFFIX = "_kodebog"
CODEBOOK_COLUMNS = ("variabel", "etiket", "værdi", "værdietiket")
STATS_INSTALL_HINT = "pip install -e '.[stats]'"

# Kinds of variables, which decide how each format writes the values.
STRING, INTEGER, DATE, DATETIME = "string", "integer", "date", "datetime"

# Stata: variable labels hold at most 80 characters; names at most 32
# characters and none of these reserved words.
STATA_LABEL_MAX = 80
# SPSS: labels are limited in bytes (UTF-8); longer ones would be cut silently.
SPSS_LABEL_BYTES, SPSS_VALUE_LABEL_BYTES, SPSS_FILE_LABEL_BYTES = 256, 120, 64
_STATA_RESERVED = frozenset(
    {
        "_all",
        "_b",
        "byte",
        "_coef",
        "_cons",
        "double",
        "float",
        "if",
        "in",
        "int",
        "long",
        "_n",
        "_N",
        "_pi",
        "_pred",
        "_rc",
        "_skip",
        "str",
        "strL",
        "using",
        "with",
    }
)
# SPSS: these words cannot be variable names, in any case.
_SPSS_RESERVED = frozenset(
    {"all", "and", "by", "eq", "ge", "gt", "le", "lt", "ne", "not", "or", "to", "with"}
)
_SAFE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,31}")

_CSV_CHUNK_CHARS = 16 * 1024


class ExportError(Exception):
    """An export that cannot be made; the message (in Danish) says what to do."""


@dataclass(frozen=True)
class Variable:
    """One column of the export, as the codebook describes it."""

    name: str
    label: str
    kind: str
    value_labels: dict[int, str] = field(default_factory=dict)
    free_text: bool = False


# -- codebook ------------------------------------------------------------------

_BASE_VARIABLES = (
    Variable("participant_code", "Deltagerkode (pseudonym)", STRING),
    Variable("municipality_code", "Kommunekode", STRING),
    Variable("municipality", "Kommune", STRING),
    Variable("region", "Region ved forløbsstart", STRING),
    Variable("cluster", "IPS-klynge (tom: kommunen er ikke i en klynge)", STRING),
    Variable("baseline_date", "Forløbsstart", DATE),
    Variable("invited_at", "Link udstedt (dansk tid)", DATETIME),
    Variable("opened_at", "Link åbnet (dansk tid)", DATETIME),
    Variable("completed_at", "Besvaret (dansk tid)", DATETIME),
)
_TRAILING_NAMES = ("total", "questionnaire_version")


def codebook(questionnaire: Questionnaire) -> list[Variable]:
    """The variables of an export, in column order, with Danish labels.

    Raises :class:`ExportError` when an item id cannot be a variable name
    in SPSS and Stata (ASCII, at most 32 characters, not reserved, not the
    name of another column).
    """
    taken = {variable.name for variable in _BASE_VARIABLES} | set(_TRAILING_NAMES)
    items = []
    for item in questionnaire.items:
        if (
            not _SAFE_NAME.fullmatch(item.id)
            or item.id in _STATA_RESERVED
            or item.id.lower() in _SPSS_RESERVED
            or item.id in taken
        ):
            raise ExportError(
                f"Spørgsmålet {item.id!r} i {questionnaire.id} kan ikke bruges som variabelnavn: "
                "brug højst 32 tegn, først et bogstav, kun a-z (uden æøå), tal og _, "
                "og hverken et reserveret ord i SPSS eller Stata eller navnet på en anden kolonne."
            )
        taken.add(item.id)
        label = f"{item.id}: {item.text[DEFAULT_LANGUAGE]}"
        if item.scored:
            value_labels = {
                option.score: option.label[DEFAULT_LANGUAGE]
                for option in sorted(item.options, key=lambda option: option.score)
            }
            items.append(Variable(item.id, label, INTEGER, value_labels))
        else:
            items.append(Variable(item.id, label, STRING, free_text=True))
    score_range = questionnaire.score_range
    if score_range:
        total_label = f"Samlet score ({score_range[0]}–{score_range[1]})"
    else:
        total_label = "Samlet score (beregnes ikke for dette spørgeskema)"
    return [
        *_BASE_VARIABLES,
        *items,
        Variable("total", total_label, INTEGER),
        Variable("questionnaire_version", "Spørgeskemaets tekstversion", STRING),
    ]


def codebook_rows(questionnaire: Questionnaire) -> Iterator[tuple[str, str, int | str, str]]:
    """(variabel, etiket, værdi, værdietiket): a row per value label, or one per variable without."""
    for variable in codebook(questionnaire):
        if variable.value_labels:
            for value, value_label in variable.value_labels.items():
                yield variable.name, variable.label, value, value_label
        else:
            yield variable.name, variable.label, "", ""


def codebook_csv(questionnaire: Questionnaire, *, excel_da: bool = False) -> str:
    """The codebook as CSV text, starting with a BOM (encode as UTF-8 to download)."""
    buffer = io.StringIO()
    buffer.write(safe_csv.BOM)
    writer = safe_csv.writer(buffer, delimiter=";" if excel_da else ",")
    writer.writerow(CODEBOOK_COLUMNS)
    writer.writerows(codebook_rows(questionnaire))
    return buffer.getvalue()


def codebook_path(path: str | Path) -> Path:
    """Where the codebook of a CSV export goes: ``data.csv`` → ``data_kodebog.csv``."""
    path = Path(path)
    return path.with_name(f"{path.stem}{CODEBOOK_SUFFIX}.csv")


# -- rows ----------------------------------------------------------------------


def _query(questionnaire: Questionnaire) -> tuple[str, list]:
    """One row per invitation, answers pivoted into one column per item.

    ``CROSS JOIN`` keeps invitation as the outer loop in rowid order, so
    SQLite groups and orders as it scans, without a temporary B-tree, and
    rows come out while the scan goes on.
    """
    pivots, params = [], []
    for item in questionnaire.items:
        column = "score" if item.scored else "text"
        pivots.append(f"MAX(CASE WHEN answer.item_id = ? THEN answer.{column} END)")
        params.append(item.id)
    sql = f"""
        SELECT participant.code, participant.municipality_code, municipality.name, region.name,
               cluster.name, participant.baseline_date,
               invitation.created_at, invitation.opened_at, invitation.completed_at,
               {", ".join(pivots)},
               invitation.total_score, invitation.questionnaire_version
        FROM invitation
        CROSS JOIN participant ON participant.id = invitation.participant_id
        JOIN municipality ON municipality.code = participant.municipality_code
        LEFT JOIN municipality_region AS membership
               ON membership.municipality_code = participant.municipality_code
              AND membership.valid_from <= participant.baseline_date
              AND (membership.valid_to IS NULL OR membership.valid_to >= participant.baseline_date)
        LEFT JOIN region ON region.id = membership.region_id
        LEFT JOIN cluster_municipality
               ON cluster_municipality.municipality_code = participant.municipality_code
        LEFT JOIN cluster ON cluster.id = cluster_municipality.cluster_id
        LEFT JOIN answer ON answer.invitation_id = invitation.id
        WHERE invitation.questionnaire_id = ? AND participant.withdrawn_at IS NULL
        GROUP BY invitation.id
        ORDER BY invitation.id
    """
    return sql, [*params, questionnaire.id]


def _local(stored: str | None) -> datetime | None:
    """A stored UTC timestamp as naive Danish local time (files have no time zones)."""
    if not stored:
        return None
    return clock.local(clock.parse(stored)).replace(tzinfo=None)


def iter_rows(db: sqlite_utils.Database, questionnaire: Questionnaire) -> Iterator[tuple]:
    """The export's rows as Python values, in :func:`codebook` order, one at a time.

    Strings, ints, ``date`` for the baseline, naive ``datetime`` in Danish
    local time for the timestamps, ``None`` where there is nothing.
    """
    variables = codebook(questionnaire)
    kinds = [variable.kind for variable in variables]
    sql, params = _query(questionnaire)
    cursor = db.conn.execute(sql, params)
    try:
        for row in cursor:
            yield tuple(_typed(kind, value) for kind, value in zip(kinds, row, strict=True))
    finally:
        # A download given up halfway must not hold its read snapshot open
        # (it would keep the WAL from being checkpointed); the connection
        # may already be closed when an abandoned generator is collected.
        with contextlib.suppress(sqlite3.ProgrammingError):
            cursor.close()


def _typed(kind: str, value):
    if value is None:
        return None
    if kind == DATETIME:
        return _local(value)
    if kind == DATE:
        return date.fromisoformat(value)
    return value


# -- CSV -----------------------------------------------------------------------


def _csv_chunks(variables: list[Variable], rows: Iterable[tuple], excel_da: bool) -> Iterator[str]:
    buffer = io.StringIO()
    writer = safe_csv.writer(buffer, delimiter=";" if excel_da else ",", decimal_comma=excel_da)
    buffer.write(safe_csv.BOM)
    writer.writerow([variable.name for variable in variables])
    yield buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    for row in rows:
        writer.writerow(row)
        if buffer.tell() >= _CSV_CHUNK_CHARS:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()


def iter_csv(
    db: sqlite_utils.Database, questionnaire: Questionnaire, *, excel_da: bool = False
) -> Iterator[str]:
    """The CSV export as text chunks (BOM and header first), for streaming a download.

    Rows are read from SQLite as the chunks are consumed, so memory stays
    the same however many rows there are.
    """
    return _csv_chunks(codebook(questionnaire), iter_rows(db, questionnaire), excel_da)


class _Counted:
    """Passes rows through, counting them."""

    def __init__(self, rows: Iterable[tuple]):
        self.rows = rows
        self.count = 0

    def __iter__(self):
        for row in self.rows:
            self.count += 1
            yield row


def write_csv(
    db: sqlite_utils.Database, questionnaire: Questionnaire, path: str | Path, *, excel_da: bool = False
) -> int:
    """Write the CSV export and its codebook (:func:`codebook_path`); return the number of rows."""
    variables = codebook(questionnaire)
    rows = _Counted(iter_rows(db, questionnaire))
    with open(path, "w", encoding="utf-8", newline="") as handle:
        for chunk in _csv_chunks(variables, rows, excel_da):
            handle.write(chunk)
    codebook_path(path).write_text(
        codebook_csv(questionnaire, excel_da=excel_da), encoding="utf-8", newline=""
    )
    return rows.count


# -- Excel ---------------------------------------------------------------------

_EXCEL_FORMATS = {DATE: "yyyy-mm-dd", DATETIME: "yyyy-mm-dd hh:mm:ss"}
_EXCEL_WIDTHS = {STRING: 16, INTEGER: 8, DATE: 12, DATETIME: 20}


def write_xlsx(db: sqlite_utils.Database, questionnaire: Questionnaire, path: str | Path) -> int:
    """Write the Excel export (sheets "Data" and "Kodebog"); return the number of rows."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    variables = codebook(questionnaire)
    workbook = Workbook(write_only=True)
    data = workbook.create_sheet("Data")
    data.freeze_panes = "A2"
    for index, variable in enumerate(variables, 1):
        width = 40 if variable.free_text else _EXCEL_WIDTHS[variable.kind]
        data.column_dimensions[get_column_letter(index)].width = max(width, len(variable.name) + 2)
    bold = Font(bold=True)

    def text(sheet, value):
        # openpyxl makes any str starting with "=" a formula; ours are always text.
        written = WriteOnlyCell(sheet, value=value)
        written.data_type = "s"
        return written

    def header(sheet, names):
        cells = []
        for name in names:
            cell = text(sheet, name)
            cell.font = bold
            cells.append(cell)
        sheet.append(cells)

    def cell(value, kind):
        if value is None:
            return None
        if kind in _EXCEL_FORMATS:
            written = WriteOnlyCell(data, value=value)
            written.number_format = _EXCEL_FORMATS[kind]
            return written
        if isinstance(value, str):
            return text(data, value)
        return value

    header(data, [variable.name for variable in variables])
    kinds = [variable.kind for variable in variables]
    count = 0
    for row in iter_rows(db, questionnaire):
        data.append([cell(value, kind) for value, kind in zip(row, kinds, strict=True)])
        count += 1

    book = workbook.create_sheet("Kodebog")
    for letter, width in zip("ABCD", (24, 60, 8, 30), strict=True):
        book.column_dimensions[letter].width = width
    header(book, CODEBOOK_COLUMNS)
    for codebook_row in codebook_rows(questionnaire):
        book.append(
            [
                None if value == "" else text(book, value) if isinstance(value, str) else value
                for value in codebook_row
            ]
        )
    workbook.save(path)
    return count


# -- SPSS and Stata ------------------------------------------------------------


def _stats_modules():
    try:
        import pandas
        import pyreadstat
    except ImportError:
        raise ExportError(
            "Eksport til SPSS (.sav) og Stata (.dta) kræver de ekstra pakker pyreadstat og pandas. "
            f"Installér dem med: {STATS_INSTALL_HINT}"
        ) from None
    return pandas, pyreadstat


def shorten(text: str, limit: int = STATA_LABEL_MAX, *, max_bytes: int | None = None) -> str:
    """``text`` cut at a word to at most ``limit`` characters (and ``max_bytes`` in UTF-8), ending in "…" when cut."""

    def fits(candidate: str) -> bool:
        return len(candidate) <= limit and (max_bytes is None or len(candidate.encode()) <= max_bytes)

    if fits(text):
        return text
    while True:
        cut = text[: limit - 1]
        space = cut.rfind(" ")
        if space > limit // 2:
            cut = cut[:space]
        candidate = cut.rstrip(" ,;:.-") + "…"
        if fits(candidate):
            return candidate
        limit = len(candidate) - 1


def _frame(pandas, variables: list[Variable], rows: Iterable[tuple]):
    columns: list[list] = [[] for _ in variables]
    for row in rows:
        for column, value in zip(columns, row, strict=True):
            column.append(value)
    series = {}
    for variable, values in zip(variables, columns, strict=True):
        if variable.kind == STRING:
            # Neither SPSS nor Stata has missing strings: empty instead.
            series[variable.name] = pandas.Series(
                ["" if value is None else value for value in values], dtype=object
            )
        elif variable.kind == INTEGER:
            series[variable.name] = pandas.Series(values, dtype="float64")
        elif variable.kind == DATE:
            series[variable.name] = pandas.Series(values, dtype=object)
        else:
            series[variable.name] = pandas.Series(values, dtype="datetime64[ns]")
    return pandas.DataFrame(series, columns=[variable.name for variable in variables])


def _file_label(questionnaire: Questionnaire, **limits) -> str:
    return shorten(f"{questionnaire.id}: {questionnaire.title[DEFAULT_LANGUAGE]}", **limits)


def write_stats(db: sqlite_utils.Database, questionnaire: Questionnaire, fmt: str, path: str | Path) -> int:
    """Write an SPSS (``sav``) or Stata (``dta``) file with labels; return the number of rows."""
    pandas, pyreadstat = _stats_modules()
    variables = codebook(questionnaire)
    frame = _frame(pandas, variables, iter_rows(db, questionnaire))
    value_labels = {
        variable.name: dict(variable.value_labels) for variable in variables if variable.value_labels
    }
    if fmt == "sav":
        pyreadstat.write_sav(
            frame,
            str(path),
            file_label=_file_label(questionnaire, max_bytes=SPSS_FILE_LABEL_BYTES),
            column_labels={
                variable.name: shorten(variable.label, SPSS_LABEL_BYTES, max_bytes=SPSS_LABEL_BYTES)
                for variable in variables
            },
            variable_value_labels={
                name: {
                    value: shorten(text, SPSS_VALUE_LABEL_BYTES, max_bytes=SPSS_VALUE_LABEL_BYTES)
                    for value, text in labels.items()
                }
                for name, labels in value_labels.items()
            },
            variable_format={variable.name: "F8.0" for variable in variables if variable.kind == INTEGER},
            variable_measure={
                variable.name: (
                    "ordinal"
                    if variable.value_labels
                    else "scale"
                    if variable.kind in (INTEGER, DATE, DATETIME)
                    else "nominal"
                )
                for variable in variables
            },
        )
    elif fmt == "dta":
        pyreadstat.write_dta(
            frame,
            str(path),
            file_label=_file_label(questionnaire),
            column_labels={variable.name: shorten(variable.label) for variable in variables},
            variable_value_labels=value_labels,
            version=14,  # dta 118: read by Stata 14 and later (15 would write 119)
        )
    else:
        raise ValueError(f"not a statistics format: {fmt!r}")
    return len(frame)


# -- one entry point ---------------------------------------------------------


def write_export(
    db: sqlite_utils.Database,
    questionnaire: Questionnaire,
    fmt: str,
    path: str | Path,
    *,
    excel_da: bool = False,
) -> int:
    """Write the export in ``fmt`` (one of :data:`FORMATS`) to ``path``; return the number of rows.

    A CSV export also writes its codebook to :func:`codebook_path`. The
    file is written under a temporary name and renamed when complete, so a
    failed export never leaves half a file where the last good one was; it
    is mode 0600 from the start, as it holds every participant's answers.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    if fmt in ("sav", "dta"):
        _stats_modules()  # fail before anything is written
    path = Path(path)
    partial = path.with_name(f".{path.name}.partial")
    written = [partial, codebook_path(partial)] if fmt == "csv" else [partial]
    try:
        for file in written:
            file.unlink(missing_ok=True)
            private_files.create(file)
        if fmt == "csv":
            count = write_csv(db, questionnaire, partial, excel_da=excel_da)
        elif fmt == "xlsx":
            count = write_xlsx(db, questionnaire, partial)
        else:
            count = write_stats(db, questionnaire, fmt, partial)
        private_files.tighten(*written)  # in case a writer made its file anew
        if fmt == "csv":
            os.replace(codebook_path(partial), codebook_path(path))
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
        if fmt == "csv":
            codebook_path(partial).unlink(missing_ok=True)
    return count
