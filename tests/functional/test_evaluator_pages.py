"""The evaluator's dashboard, municipality report, non-response view and downloads, on the hand-built cohort."""

from __future__ import annotations

import csv
import html as html_module
import io
import json
import re

import pytest
import time_machine

from tests.cohort import build
from tests.functional.test_reporting import TODAY, cohort


@pytest.fixture
def evaluator(app, db, login):
    with time_machine.travel(TODAY, tick=False):
        build(db, app.extensions["questionnaires"]["csq8"], cohort())
        yield login("evaluator", ())


def cells(html: str, row_label: str) -> list[str]:
    """The cells of the table row whose header cell is ``row_label``."""
    match = re.search(
        r"<tr[^>]*>\s*<th scope=\"row\">(?:<a [^>]+>)?" + re.escape(row_label) + r"(?:</a>)?</th>(.*?)</tr>",
        html,
        re.S,
    )
    assert match, f"no row {row_label!r}"
    return [
        html_module.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
        for cell in re.findall(r"<td[^>]*>(.*?)</td>", match.group(1), re.S)
    ]


def test_dashboard_shows_tabel_3_with_response_rates_and_suppression(evaluator):
    page = evaluator.get("/evaluering/").text
    # eligible, invited, opened, partial, completed, RR1, RR2, N, mean, SD, median
    assert cells(page, "Region Sjælland") == [
        "9",
        "8",
        "7",
        "<5",
        "6",
        "66,7\xa0%",
        "–",
        "6",
        "28,50",
        "2,43",
        "28,5",
    ]
    assert cells(page, "Region Nordjylland") == ["<5"] * 5 + ["–", "–", "<5", "–", "–", "–"]
    assert cells(page, "Region Østdanmark")[:5] == ["<5", "<5", "<5", "<5", "<5"]  # secondary suppression
    assert cells(page, "Total")[:6] == ["29", "26", "22", "<5", "18", "62,1\xa0%"]
    assert cells(page, "Dansk RCT, IPS-gruppe (reference)")[-3:-1] == ["24,30", "5,00"]
    assert cells(page, "Dansk RCT, kontrolgruppe (reference)")[-3:-1] == ["20,90", "6,20"]
    assert "&lt;5: færre end 5 deltagere" in page
    # The charts are inline SVG with a title for screen readers.
    assert page.count("<svg") == 2
    assert "Svarprocent efter kommune" in page
    # Item table: csq_1 has all 18 complete responses.
    assert "Hvordan vil du bedømme kvaliteten" in page
    # No contact details anywhere.
    assert "+4512345678" not in page and "@example.dk" not in page.replace("evaluator-@example.dk", "")


def test_grouping_and_filters_come_from_the_query_string(evaluator):
    page = evaluator.get("/evaluering/?by=cluster&region_basis=baseline&questionnaire=csq8").text
    assert cells(page, "Sjælland Øst")[0] == "10"
    assert cells(page, "Uden for klynger")[0] == "14"
    page = evaluator.get("/evaluering/?by=region&region_basis=current").text
    assert cells(page, "Region Østdanmark")[0] == "15"
    page = evaluator.get("/evaluering/?by=period&start=2026-03-01&end=2026-12-31").text
    assert cells(page, "Total")[0] == "17"
    bad = evaluator.get("/evaluering/?by=region&start=2027-01-01&end=2026-01-01")
    assert bad.status_code == 200
    assert "Slutdatoen må ikke ligge før startdatoen." in bad.text
    assert cells(bad.text, "Total")[0] == "29"  # figures for all dates meanwhile
    assert "Forkert dato" not in evaluator.get("/evaluering/?start=").text


def test_municipality_report_month_by_month(evaluator):
    page = evaluator.get("/evaluering/kommune/461").text  # Odense
    assert "Odense: tilfredshed og svarprocent" in page
    assert cells(page, "Odense")[:3] == ["12", "6", "50,0\xa0%"]
    assert cells(page, "Hele landet")[0] == "29"
    # Odense's follow-up months: August 2026 (O1-O6), November 2026 (O7-O9), December 2026 (O10-O12).
    assert cells(page, "august 2026")[:2] == ["6", "100\xa0%"]
    assert cells(page, "november 2026")[0] == "<5"
    assert evaluator.get("/evaluering/kommune/999").status_code == 404


def test_non_response_view(evaluator, db):
    page = evaluator.get("/evaluering/bortfald").text
    # eligible, completed, not completed, rate
    assert cells(page, "Region Syddanmark") == ["12", "6", "6", "50,0\xa0%"]
    # Sjælland: 9 eligible, 6 completed, 3 not: the 3 is hidden, and with it the 6.
    assert cells(page, "Region Sjælland") == ["9", "<5", "<5", "–"]
    assert cells(page, "Ikke oplyst")[0] == "29"


def test_csv_download_streams_and_is_audited(evaluator, db):
    response = evaluator.get("/evaluering/eksport/csv?questionnaire=csq8")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith('attachment; filename="csq8_')
    text = response.get_data().decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text[1:])))
    assert len(rows) == 27  # 26 invited among the eligible + one invited early; not the withdrawn one
    assert "+4512345678" not in text and "@example.dk" not in text
    entry = db.execute("SELECT actor, detail FROM audit WHERE action = 'export'").fetchone()
    assert entry[0].startswith("evaluator") and json.loads(entry[1])["format"] == "csv"
    danish = evaluator.get("/evaluering/eksport/csv-da?questionnaire=csq8").get_data().decode("utf-8")
    assert danish.splitlines()[0].count(";") >= 10
    codebook = evaluator.get("/evaluering/eksport/kodebog.csv?questionnaire=csq8").get_data().decode("utf-8")
    assert "Fremragende" in codebook


def test_xlsx_download(evaluator):
    from openpyxl import load_workbook

    response = evaluator.get("/evaluering/eksport/xlsx?questionnaire=csq8")
    workbook = load_workbook(io.BytesIO(response.get_data()), read_only=True)
    assert workbook.sheetnames == ["Data", "Kodebog"]
    assert evaluator.get("/evaluering/eksport/pdf").status_code == 404
    assert evaluator.get("/evaluering/eksport/csv?questionnaire=nope").status_code == 404
