"""Reference data: 98 municipalities, five regions, and the 2027 merger.

Migration 0002 carries its rows (``survey_app/migration_data/m0002_reference_csv.py``); the files it
was written from are kept as test data (``tests/data/reference/``, read by ``tests.reference_csv``
as the app once read them). A fresh database holds exactly the rows the files gave, and making
one reads no file.
"""

import builtins
import importlib.resources
import io
import pathlib
from collections import Counter

import pytest

from survey_app.db import connect
from survey_app.migrations import migrations
from tests import reference_csv

SJAELLAND_CLUSTERS = {
    "Køge",
    "Solrød",
    "Stevns",
    "Faxe",
    "Odsherred",
    "Ringsted",
    "Kalundborg",
    "Holbæk",
    "Slagelse",
    "Lolland",
    "Guldborgsund",
    "Vordingborg",
    "Næstved",
}


def test_98_municipalities_with_unique_three_digit_codes():
    municipalities = reference_csv.municipalities()
    assert len(municipalities) == 98
    codes = [m.code for m in municipalities]
    assert len(set(codes)) == 98
    assert all(code.isdigit() and 101 <= int(code) <= 860 for code in codes)


def test_municipalities_per_region():
    counts = Counter(m.region for m in reference_csv.municipalities())
    assert counts == {
        "hovedstaden": 29,
        "sjaelland": 17,
        "syddanmark": 22,
        "midtjylland": 19,
        "nordjylland": 11,
    }


def test_known_codes():
    by_name = {m.name: m.code for m in reference_csv.municipalities()}
    assert by_name["København"] == "101"
    assert by_name["Køge"] == "259"
    assert by_name["Næstved"] == "370"
    assert by_name["Aalborg"] == "851"
    assert {m.name for m in reference_csv.municipalities() if m.region == "sjaelland"} >= SJAELLAND_CLUSTERS


def test_hovedstaden_and_sjaelland_become_ostdanmark_in_2027():
    periods = reference_csv.membership_periods(reference_csv.municipalities(), reference_csv.regions())
    koege = [p for p in periods if p["municipality_code"] == "259"]
    assert koege == [
        {
            "municipality_code": "259",
            "region_id": "sjaelland",
            "valid_from": "2007-01-01",
            "valid_to": "2026-12-31",
        },
        {"municipality_code": "259", "region_id": "ostdanmark", "valid_from": "2027-01-01", "valid_to": None},
    ]
    odense = [p for p in periods if p["municipality_code"] == "461"]
    assert odense == [
        {"municipality_code": "461", "region_id": "syddanmark", "valid_from": "2007-01-01", "valid_to": None}
    ]
    assert len(periods) == 98 + 29 + 17


# --- migration 0002 -------------------------------------------------------------------------------

TABLES = {
    "region": "SELECT id, name, code, valid_from, valid_to FROM region ORDER BY rowid",
    "municipality": "SELECT code, name FROM municipality ORDER BY rowid",
    "municipality_region": "SELECT municipality_code, region_id, valid_from, valid_to"
    " FROM municipality_region ORDER BY rowid",
}


def rows_of(db) -> dict[str, list[dict]]:
    return {table: list(db.query(sql)) for table, sql in TABLES.items()}


@pytest.fixture
def fresh(tmp_path):
    db = connect(tmp_path / "fresh.db")
    migrations.apply(db)
    yield db
    db.close()


def test_a_fresh_database_holds_exactly_the_rows_the_files_gave(fresh):
    assert rows_of(fresh) == reference_csv.tables()
    # Types too (a code is text, a missing date NULL), and nothing more than the files held.
    assert fresh.execute(
        "SELECT typeof(code), typeof(valid_to) FROM region WHERE id = 'ostdanmark'"
    ).fetchone() == (
        "null",
        "null",
    )
    assert fresh.execute("SELECT DISTINCT typeof(code) FROM municipality").fetchall() == [("text",)]
    counts = {table: fresh.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] for table in TABLES}
    assert counts == {"region": 6, "municipality": 98, "municipality_region": 98 + 29 + 17}


def test_a_fresh_database_has_koege_in_sjaelland_then_ostdanmark(fresh):
    assert fresh.execute("SELECT name FROM municipality WHERE code = '259'").fetchone() == ("Køge",)
    assert list(
        fresh.query("SELECT * FROM municipality_region WHERE municipality_code = '259' ORDER BY valid_from")
    ) == [
        {
            "municipality_code": "259",
            "region_id": "sjaelland",
            "valid_from": "2007-01-01",
            "valid_to": "2026-12-31",
        },
        {"municipality_code": "259", "region_id": "ostdanmark", "valid_from": "2027-01-01", "valid_to": None},
    ]
    assert fresh.execute("SELECT name, code FROM region WHERE id = 'syddanmark'").fetchone() == (
        "Region Syddanmark",
        "1083",
    )


def test_migrating_reads_no_file(monkeypatch, tmp_path):
    """Editing or deleting a data file cannot change what a fresh install gets: no migration
    opens one (the database itself is opened before, by SQLite, which Python's ``open`` is not)."""
    db = connect(tmp_path / "no-files.db")

    def refuse(*args, **kwargs):
        raise AssertionError(f"a migration opened a file: {args!r}")

    for owner, name in [
        (builtins, "open"),
        (io, "open"),
        (pathlib.Path, "open"),
        (pathlib.Path, "read_text"),
        (pathlib.Path, "read_bytes"),
        (importlib.resources, "files"),
    ]:
        monkeypatch.setattr(owner, name, refuse)
    migrations.apply(db)
    monkeypatch.undo()
    assert rows_of(db) == reference_csv.tables()
    db.close()
