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
from tests.worlds import region_cohort
from tests.worlds.region_cohort import TODAY


@pytest.fixture
def evaluator(app, db, login):
    with time_machine.travel(TODAY, tick=False):
        region_cohort.build(app, db)
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
    # eligible, invited, opened, partial, completed, RR1, its 95 % CI, RR2, N, mean, its CI, SD, median
    # Nordjylland's counts are all below 5. "Uden for klynger" (the cluster view) is Nordjylland +
    # Syddanmark, and the two clusters are Sjælland + Østdanmark, so protecting Nordjylland in every
    # grouping at once hides every region's counts as "×" (not "<5": none of them is small). E.g.
    # Sjælland: 8 invited, 7 opened, 6 completed; its rate is "–" with them.
    zealand = cells(page, "Region Sjælland")
    assert zealand[1:5] == ["×", "×", "<5", "×"] and zealand[5] == "–"
    assert cells(page, "Region Nordjylland") == ["<5"] * 5 + ["–", "–", "–", "<5", "–", "–", "–", "–"]
    assert cells(page, "Total") == [
        "29",
        "26",
        "22",
        "<5",
        "18",
        "62,1\xa0%",
        "44,0–77,3\xa0%",
        "–",
        "18",
        "26,78",
        "24,79–28,76",
        "3,99",
        "27,5",
    ]
    assert cells(page, "Dansk RCT, IPS-gruppe (reference)")[-4:-1] == ["24,30", "", "5,00"]
    assert cells(page, "Dansk RCT, kontrolgruppe (reference)")[-4:-1] == ["20,90", "", "6,20"]
    assert "&lt;5: færre end 5 deltagere" in page and "×: skjult, selv om" in page
    # The charts are inline SVG with a title for screen readers.
    assert page.count("<svg") == 3  # rates, scores and the completion curve (issue 16)
    assert "Svarprocent efter kommune" in page
    assert "Hvordan vil du bedømme kvaliteten" in page
    # No contact details anywhere.
    assert "+4512345678" not in page and "@example.dk" not in page.replace("evaluator-@example.dk", "")


def test_grouping_and_filters_come_from_the_query_string(evaluator):
    page = evaluator.get("/evaluering/?by=cluster&region_basis=baseline&questionnaire=csq8").text
    assert "Sjælland Øst" in page and "Uden for klynger" in page
    page = evaluator.get("/evaluering/?by=region&region_basis=current").text
    table = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert "Region Østdanmark" in table and "Region Sjælland" not in table  # today's regions
    assert cells(page, "Total")[0] == "29"
    page = evaluator.get("/evaluering/?by=period&period=2026").text
    assert cells(page, "Total")[0] in ("23", "×")  # 2027 has only 6, so 2026's 23 may be hidden
    assert "2027K1" not in page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]  # only 2026's quarters
    # Only the offered periods: no free day-level range (two ranges a day apart would give the
    # participants of that day away).
    bad = evaluator.get("/evaluering/?by=region&period=2026-03-01")
    assert bad.status_code == 200
    assert "Vælg en af mulighederne på listen." in bad.text
    assert cells(bad.text, "Total")[0] == "29"  # figures for the whole time meanwhile
    page = evaluator.get("/evaluering/?start=2026-03-01&end=2026-06-30").text
    assert cells(page, "Total")[0] == "29"  # day-level parameters are ignored


def test_municipality_report_quarter_by_quarter(evaluator):
    page = evaluator.get("/evaluering/kommune/461").text  # Odense
    assert "Odense: tilfredshed og svarprocent" in page
    assert cells(page, "Hele landet")[:3] == ["29", "18", "62,1\xa0%"]
    assert "År for år" in page
    year = evaluator.get("/evaluering/kommune/461?period=2026").text
    assert "Halvår for halvår" in year and "1. halvår 2026" in year
    assert evaluator.get("/evaluering/kommune/999").status_code == 404


def test_non_response_view(evaluator, db):
    page = evaluator.get("/evaluering/bortfald").text
    # eligible, completed, not completed, rate
    # Sjælland: 9 eligible, 6 completed, 3 not: the 3 is "<5" and the 6 hidden with it as "×".
    assert cells(page, "Region Sjælland")[1:] == ["×", "<5", "–"]
    assert cells(page, "Total") == ["29", "18", "11", "62,1\xa0%"]


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


def test_kept_figures_follow_every_change_to_the_data(evaluator, app, db):
    """Solved figures are kept between requests, but never once anyone has changed the data."""
    from tests.cohort import Person

    assert cells(evaluator.get("/evaluering/").text, "Total")[0] == "29"
    assert cells(evaluator.get("/evaluering/?period=2026").text, "Total")[0] in ("23", "×")
    # Another connection (another worker, a command) adds a participant whose follow-up has passed.
    build(
        db, app.extensions["questionnaires"]["csq8"], [Person("NEW-1", "259", "2026-01-05", "completed", 30)]
    )
    assert cells(evaluator.get("/evaluering/").text, "Total")[0] == "30"
    # This worker's own change: the participant is withdrawn through the same app.
    with app.app_context():
        from survey_app.context import get_db
        from survey_app.db import transaction

        database = get_db()
        with transaction(database):
            database.execute(
                "UPDATE participant SET withdrawn_at = '2026-11-30T10:00:00+00:00' WHERE code = 'NEW-1'"
            )
        assert cells(evaluator.get("/evaluering/").text, "Total")[0] == "29"


def test_the_participant_level_downloads_from_the_dashboard_with_names_of_their_own(
    evaluator, db, runner, tmp_path
):
    page = evaluator.get("/evaluering/").text
    assert 'href="/evaluering/eksport/csv?questionnaire=csq8&amp;niveau=deltager"' in page
    assert 'href="/evaluering/eksport/kodebog.csv?questionnaire=csq8&amp;niveau=deltager"' in page
    names = {}
    for fmt, level in [
        ("csv", ""),
        ("csv-da", ""),
        ("csv", "&niveau=deltager"),
        ("csv-da", "&niveau=deltager"),
    ]:
        response = evaluator.get(f"/evaluering/eksport/{fmt}?questionnaire=csq8{level}")
        assert response.status_code == 200
        names[(fmt, level)] = response.headers["Content-Disposition"]
        body = response.get_data().decode("utf-8")  # read it all: the download streams
        if level:
            web = body
    # Every download has a file name of its own.
    assert len(set(names.values())) == 4
    today = TODAY.date().isoformat()
    assert (
        names[("csv-da", "&niveau=deltager")] == f'attachment; filename="csq8_deltagere_{today}_excel-da.csv"'
    )
    # The web's participant-level file is the command's, row for row: one row per eligible participant.
    with time_machine.travel(TODAY, tick=False):
        result = runner.invoke(
            args=[
                "export",
                "--level",
                "participant",
                "--format",
                "csv",
                "--out",
                str(tmp_path / "p.csv"),
                "--excel-da",
            ]
        )
    assert result.exit_code == 0, result.output
    assert web.splitlines() == (tmp_path / "p.csv").read_text(encoding="utf-8").splitlines()
    rows = list(csv.DictReader(io.StringIO(web[1:]), delimiter=";"))
    assert len(rows) == 29 and {row["eligible"] for row in rows} == {"1"}
    assert "+4512345678" not in web and "@example.dk" not in web
    logged = [json.loads(d) for (d,) in db.execute("SELECT detail FROM audit WHERE action = 'export'")]
    assert {entry.get("level") for entry in logged} == {None, "participant"}
    assert evaluator.get("/evaluering/eksport/csv?questionnaire=csq8&niveau=alle").status_code == 404
    assert (
        "Status" in evaluator.get("/evaluering/eksport/kodebog.csv?questionnaire=csq8&niveau=deltager").text
    )
