"""Every date a person types or imports is held to a range that can be true.

Course start: 2000-01-01 to a year after today; fidelity review: 2000-01-01
to today; round deadline: tomorrow to two years after today; birth year:
1900 to this year - 14. The same check (``survey_app.dates``) serves the
consultant's form, the CSV import and the commands, so a case system's
"open end" (31-12-9999) is refused everywhere with a message naming the range.
"""

from __future__ import annotations

import io

import pytest
import time_machine

from tests.helpers import csrf_token

# Every test here runs on 25 November 2026, 10:00 Danish time.
pytestmark = pytest.mark.usefixtures("_today")
COURSE_START_RANGE = "Forløbsstarten skal ligge mellem 2000-01-01 og 2027-11-25."
BIRTH_YEAR_RANGE = "Fødselsåret skal ligge mellem 1900 og 2012."
REVIEW_DATE_RANGE = "Datoen for målingen skal ligge mellem 2000-01-01 og 2026-11-25 (i dag)."


@pytest.fixture
def _today():
    with time_machine.travel("2026-11-25 10:00 +01:00", tick=False):
        yield


def baselines(db) -> dict[str, str]:
    return dict(db.execute("SELECT code, baseline_date FROM participant").fetchall())


@pytest.mark.parametrize("day", ["31-12-9999", "9999-12-31", "01-01-0001", "1999-12-31", "2027-11-26"])
def test_the_command_refuses_a_course_start_outside_the_range(runner, db, day):
    result = runner.invoke(
        args=["participants", "add", "KOGE-1", "--municipality", "259", "--baseline", day, "--consent"]
    )
    assert result.exit_code == 1
    assert f"Fejl: {COURSE_START_RANGE}" in result.stderr
    assert baselines(db) == {}


@pytest.mark.parametrize("day, stored", [("2000-01-01", "2000-01-01"), ("25-11-2027", "2027-11-25")])
def test_the_command_accepts_the_first_and_last_day_of_the_range(runner, db, day, stored):
    result = runner.invoke(
        args=["participants", "add", "KOGE-1", "--municipality", "259", "--baseline", day, "--consent"]
    )
    assert result.exit_code == 0, result.output
    assert baselines(db) == {"KOGE-1": stored}


def test_an_import_with_an_open_end_date_is_refused_and_the_pages_keep_working(login, db):
    """The attack: baseline 31-12-9999 from a case system took every consultant's pages down."""
    client = login("consultant", ("259",))
    page = client.get("/konsulent/import")
    data = "kode;kommune;startdato;samtykke\r\nKOGE-1;259;01-03-2025;ja\r\nKOGE-2;259;31-12-9999;ja\r\n"
    response = client.post(
        "/konsulent/import",
        data={"csrf_token": csrf_token(page.text), "file": (io.BytesIO(data.encode()), "deltagere.csv")},
    )
    assert response.status_code == 422
    assert f"Linje 3: {COURSE_START_RANGE}" in response.text
    assert baselines(db) == {}
    for path in ("/konsulent/", "/konsulent/deltagere"):
        assert client.get(path).status_code == 200


def form(page, **changes) -> dict:
    return {
        "csrf_token": csrf_token(page.text),
        "code": "KOGE-1",
        "municipality": "259",
        "baseline": "2025-05-01",
        "phone": "20123456",
        "channel": "sms",
        "language": "da",
        "birth_year": "",
        "gender": "",
        "consent": "y",
    } | changes


def test_the_form_refuses_dates_and_birth_years_outside_the_range(login, db):
    client = login("consultant", ("259",))
    page = client.get("/konsulent/deltagere/ny")
    refused = client.post(
        "/konsulent/deltagere/ny", data=form(page, baseline="9999-12-31", birth_year="99999")
    )
    assert refused.status_code == 422
    assert COURSE_START_RANGE in refused.text and BIRTH_YEAR_RANGE in refused.text
    assert baselines(db) == {}
    added = client.post("/konsulent/deltagere/ny", data=form(page, birth_year="2012"))
    assert added.status_code == 303
    participant_id = db.execute("SELECT id FROM participant").fetchone()[0]

    edit = client.get(f"/konsulent/deltagere/{participant_id}/ret")
    for day, year in [("0001-01-01", "1899"), ("2027-11-26", "2013")]:
        refused = client.post(
            f"/konsulent/deltagere/{participant_id}/ret", data=form(edit, baseline=day, birth_year=year)
        )
        assert refused.status_code == 422
        assert COURSE_START_RANGE in refused.text and BIRTH_YEAR_RANGE in refused.text
    assert db.execute("SELECT baseline_date, birth_year FROM participant").fetchall() == [
        ("2025-05-01", 2012)
    ]


def test_the_english_page_names_the_range_in_english(login, db):
    client = login("consultant", ("259",))
    page = client.get("/konsulent/deltagere/ny")
    client.post("/sprog", data={"csrf_token": csrf_token(page.text), "language": "en", "next": "/"})
    page = client.get("/konsulent/deltagere/ny")
    refused = client.post("/konsulent/deltagere/ny", data=form(page, baseline="1999-12-31"))
    assert "The course start must be between 2000-01-01 and 2027-11-25." in refused.text


@pytest.mark.parametrize("day", ["1999-12-31", "2026-11-26", "9999-12-31"])
def test_the_fidelity_import_refuses_a_review_date_outside_the_range(runner, db, tmp_path, app, day):
    items = [item.id for item in app.extensions["fidelity_scales"]["ips25"].items]
    path = tmp_path / "fidelitet.csv"
    path.write_text(
        ",".join(["kommune", "dato", "skala", *items]) + "\n" + ",".join(["259", day, "IPS-25", *["4"] * 25]),
        encoding="utf-8",
    )
    result = runner.invoke(args=["fidelity", "import", str(path)])
    assert result.exit_code == 1
    assert f"Linje 2: {REVIEW_DATE_RANGE}" in result.output
    assert db.execute("SELECT COUNT(*) FROM fidelity_review").fetchone()[0] == 0


def test_the_import_command_refuses_an_open_end_date_and_a_birth_year_outside_the_range(runner, db, tmp_path):
    path = tmp_path / "deltagere.csv"
    path.write_text(
        "kode;kommune;startdato;fødselsår;samtykke\r\nKOGE-1;259;31-12-9999;1980;ja\r\nKOGE-2;259;2025-03-01;2013;ja\r\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["participants", "import", str(path)])
    assert result.exit_code == 1
    assert f"Fejl: Linje 2: {COURSE_START_RANGE}" in result.stderr
    assert f"Fejl: Linje 3: {BIRTH_YEAR_RANGE}" in result.stderr
    assert baselines(db) == {}
    added = runner.invoke(
        args=["participants", "add", "KOGE-1", "--municipality", "259", "--baseline", "2025-03-01"]
        + ["--birth-year", "99999", "--consent"]
    )
    assert added.exit_code == 1 and f"Fejl: {BIRTH_YEAR_RANGE}" in added.stderr
