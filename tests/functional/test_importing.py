"""Importing participants from CSV: Excel's and other tools' files, all rows or none."""

from pathlib import Path

import pytest
from flask_babel import gettext

from survey_app import importing
from tests.helpers import csrf_token

DATA = Path(__file__).parent.parent / "data"


def run_import(app, db, data: bytes, **options):
    with app.test_request_context():
        parsed = importing.parse(db, data, **options)
        result = importing.import_participants(db, parsed, actor="test")
        return result, importing.error_report(result.errors, gettext)


def stored(db):
    return list(
        db.query(
            "SELECT code, municipality_code, baseline_date, phone, email, channel, gender FROM participant ORDER BY code"
        )
    )


def test_danish_excel_file_in_windows_1252_with_semicolons(app, db):
    result, problems = run_import(app, db, (DATA / "participants_excel_semicolon_cp1252.csv").read_bytes())
    assert problems == []
    assert result.added == ["KOGE-0001", "KOGE-0002", "NAES-0001"]
    assert stored(db) == [
        {
            "code": "KOGE-0001",
            "municipality_code": "259",
            "baseline_date": "2025-03-01",
            "phone": "+4520123456",
            "email": None,
            "channel": "sms",
            "gender": "female",
        },
        {
            "code": "KOGE-0002",
            "municipality_code": "259",
            "baseline_date": "2025-03-15",
            "phone": None,
            "email": "søren@example.dk",
            "channel": "email",
            "gender": None,
        },
        {
            "code": "NAES-0001",
            "municipality_code": "370",
            "baseline_date": "2025-04-15",
            "phone": "+4530112233",
            "email": None,
            "channel": "sms",
            "gender": "male",
        },
    ]


def test_utf8_with_bom_needs_consent_confirmed_when_no_column(app, db):
    data = (DATA / "participants_utf8_bom.csv").read_bytes()
    result, problems = run_import(app, db, data)
    assert problems == [
        "Filen har ingen samtykke-kolonne: bekræft, at alle i den har givet samtykke til at blive kontaktet."
    ]
    assert stored(db) == []
    result, problems = run_import(app, db, data, consent_confirmed=True)
    assert problems == [] and result.added == ["KOGE-0101", "KOGE-0102"]


def test_bad_rows_import_nothing_and_are_all_listed(app, db):
    data = (
        b"code,municipality,baseline_date,phone,email,consent\n"
        b"A-1,259,2025-03-01,20123456,,ja\n"
        b"010190-1234,259,2025-03-01,20123456,,ja\n"
        b"A-3,999,2025-02-30,123,,ja\n"
        b"A-4,259,2025-03-01,,,nej\n"
        b"A-1,259,2025-03-02,20123457,,ja\n"
    )
    result, problems = run_import(app, db, data)
    assert stored(db) == [] and result.added == []
    assert "Linje 3: Koden ligner et CPR-nummer." in problems[0]
    line_4 = [p for p in problems if p.startswith("Linje 4:")]
    assert any("999 er ikke en dansk kommunekode" in p for p in line_4)
    assert any("2025-02-30 er ikke en dato" in p for p in line_4)
    assert any("123 er ikke et dansk telefonnummer" in p for p in line_4)
    assert problems[-2].startswith("Linje 5: Deltageren skal have givet samtykke")
    assert problems[-1] == "Linje 6: Koden A-1 står også i linje 2."


def test_reimporting_changes_nothing_and_a_changed_row_is_refused(app, db):
    data = (DATA / "participants_excel_semicolon_cp1252.csv").read_bytes()
    run_import(app, db, data)
    before = stored(db)
    again, problems = run_import(app, db, data)
    assert problems == [] and again.added == [] and len(again.unchanged) == 3
    changed = data.replace(b"20 12 34 56", b"20 12 34 99")
    refused, problems = run_import(app, db, changed)
    assert problems == [
        "Linje 2: En deltager med koden KOGE-0001 findes allerede med andre oplysninger; ret dem på deltagerens side."
    ]
    assert stored(db) == before


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "Filen indeholder ingen deltagere."),
        (b"code,municipality,baseline_date\n", "Filen indeholder ingen deltagere."),
        (b"code,municipality\nA,259\n", "Filen mangler kolonnerne: baseline_date."),
        (
            b"code,municipality,baseline_date,telfon,consent\nA,259,2025-01-01,2,ja\n",
            "Ukendte kolonner: telfon.",
        ),
    ],
)
def test_file_level_problems(app, db, data, message):
    _, problems = run_import(app, db, data)
    assert problems[0].startswith(message)


def test_cli_import(runner, db):
    path = str(DATA / "participants_utf8_bom.csv")
    refused = runner.invoke(args=["participants", "import", path])
    assert refused.exit_code == 1 and "samtykke-kolonne" in refused.stderr
    done = runner.invoke(args=["participants", "import", path, "--consent-confirmed"])
    assert done.exit_code == 0 and "2 deltagere importeret" in done.stdout
    assert [r["code"] for r in stored(db)] == ["KOGE-0101", "KOGE-0102"]


def test_upload_page_only_imports_the_consultants_municipalities(login, db):
    client = login("consultant", ("259",))
    page = client.get("/konsulent/import")
    data = (DATA / "participants_excel_semicolon_cp1252.csv").read_bytes()
    response = client.post(
        "/konsulent/import",
        data={"csrf_token": csrf_token(page.text), "file": (__import__("io").BytesIO(data), "deltagere.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "Linje 4: Næstved er ikke en af dine kommuner." in response.text
    assert stored(db) == []
    koege_only = b"\n".join(line for line in data.splitlines() if b"NAES" not in line)
    response = client.post(
        "/konsulent/import",
        data={
            "csrf_token": csrf_token(page.text),
            "file": (__import__("io").BytesIO(koege_only), "deltagere.csv"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 200 and "2 deltagere importeret" in response.text
    assert [r["code"] for r in stored(db)] == ["KOGE-0001", "KOGE-0002"]
    actions = [r["action"] for r in db.query("SELECT action FROM audit ORDER BY id")]
    assert actions[-1] == "participants_imported"
