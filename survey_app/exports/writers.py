"""Writing an export as CSV, Excel, SPSS or Stata, each file complete or not at all."""

from __future__ import annotations

import io
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

import sqlite_utils

from .. import private_files, safe_csv
from ..questionnaires import DEFAULT_LANGUAGE, Questionnaire
from .participants import ParticipantExport, iter_participant_rows
from .rows import iter_rows
from .variables import (
    CODEBOOK_COLUMNS,
    DATE,
    DATETIME,
    FORMATS,
    INTEGER,
    NUMBER,
    SPSS_FILE_LABEL_BYTES,
    SPSS_LABEL_BYTES,
    SPSS_VALUE_LABEL_BYTES,
    STATS_INSTALL_HINT,
    STRING,
    ExportError,
    Variable,
    codebook,
    codebook_csv,
    codebook_path,
    shorten,
    variable_rows,
)

_CSV_CHUNK_CHARS = 16 * 1024


# What the writers write: a questionnaire (one row per invitation) or a
# participants.ParticipantExport (one row per participant).


def _variables(source) -> list[Variable]:
    return source.variables() if isinstance(source, ParticipantExport) else codebook(source)


def _rows(db: sqlite_utils.Database, source) -> Iterator[tuple]:
    if isinstance(source, ParticipantExport):
        return iter_participant_rows(db, source)
    return iter_rows(db, source)


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
    return _csv_chunks(_variables(questionnaire), _rows(db, questionnaire), excel_da)


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
    variables = _variables(questionnaire)
    rows = _Counted(_rows(db, questionnaire))
    with open(path, "w", encoding="utf-8", newline="") as handle:
        for chunk in _csv_chunks(variables, rows, excel_da):
            handle.write(chunk)
    codebook_path(path).write_text(
        codebook_csv(questionnaire, excel_da=excel_da), encoding="utf-8", newline=""
    )
    return rows.count


_EXCEL_FORMATS = {DATE: "yyyy-mm-dd", DATETIME: "yyyy-mm-dd hh:mm:ss"}


_EXCEL_WIDTHS = {STRING: 16, INTEGER: 8, NUMBER: 10, DATE: 12, DATETIME: 20}


def write_xlsx(db: sqlite_utils.Database, questionnaire: Questionnaire, path: str | Path) -> int:
    """Write the Excel export (sheets "Data" and "Kodebog"); return the number of rows."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    variables = _variables(questionnaire)
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
    for row in _rows(db, questionnaire):
        data.append([cell(value, kind) for value, kind in zip(row, kinds, strict=True)])
        count += 1

    book = workbook.create_sheet("Kodebog")
    for letter, width in zip("ABCD", (24, 60, 8, 30), strict=True):
        book.column_dimensions[letter].width = width
    header(book, CODEBOOK_COLUMNS)
    for codebook_row in variable_rows(_variables(questionnaire)):
        book.append(
            [
                None if value == "" else text(book, value) if isinstance(value, str) else value
                for value in codebook_row
            ]
        )
    workbook.save(path)
    return count


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
        elif variable.kind in (INTEGER, NUMBER):
            series[variable.name] = pandas.Series(values, dtype="float64")
        elif variable.kind == DATE:
            series[variable.name] = pandas.Series(values, dtype=object)
        else:
            series[variable.name] = pandas.Series(values, dtype="datetime64[ns]")
    return pandas.DataFrame(series, columns=[variable.name for variable in variables])


def _file_label(questionnaire: Questionnaire, **limits) -> str:
    questionnaire = getattr(questionnaire, "questionnaire", questionnaire)  # a ParticipantExport's
    return shorten(f"{questionnaire.id}: {questionnaire.title[DEFAULT_LANGUAGE]}", **limits)


def write_stats(db: sqlite_utils.Database, questionnaire: Questionnaire, fmt: str, path: str | Path) -> int:
    """Write an SPSS (``sav``) or Stata (``dta``) file with labels; return the number of rows."""
    pandas, pyreadstat = _stats_modules()
    variables = _variables(questionnaire)
    frame = _frame(pandas, variables, _rows(db, questionnaire))
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
                    if variable.kind in (INTEGER, NUMBER, DATE, DATETIME)
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
