"""Look-ups of municipalities, their regions on a date and their IPS clusters (``survey_app.places``).

The database is made by the real migrations in a temporary file (no app, no request): 98
municipalities, Region Hovedstaden and Region Sjælland until 31 December 2026 and Region
Østdanmark from 1 January 2027, and Region Sjælland's three clusters.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from survey_app import places
from survey_app.db import connect, transaction
from survey_app.languages import UserError
from survey_app.migrations import migrations
from survey_app.reporting import danish_sort_key

KOEGE, ODENSE, KOEBENHAVN = "259", "461", "101"
SJAELLAND = places.Region("sjaelland", "Region Sjælland")
OSTDANMARK = places.Region("ostdanmark", "Region Østdanmark")
SYDDANMARK = places.Region("syddanmark", "Region Syddanmark")
TODAY_COUNTS = {
    "Region Hovedstaden": 29,
    "Region Sjælland": 17,
    "Region Syddanmark": 22,
    "Region Midtjylland": 19,
    "Region Nordjylland": 11,
}


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    db = connect(tmp_path_factory.mktemp("places") / "places.db")
    migrations.apply(db)
    yield db
    db.close()


@pytest.fixture
def scratch(tmp_path):
    """A database of its own, for a test that changes the reference rows."""
    db = connect(tmp_path / "scratch.db")
    migrations.apply(db)
    yield db
    db.close()


# --- municipalities -------------------------------------------------------------------------------


def test_every_municipality_has_its_name_by_code(db):
    names = places.municipality_names(db)
    assert len(names) == 98
    assert names[KOEBENHAVN] == "København" and names[KOEGE] == "Køge" and names["851"] == "Aalborg"
    assert list(names) == sorted(names)


def test_one_name_or_none(db):
    assert places.municipality_name(db, KOEGE) == "Køge"
    assert places.municipality_name(db, "999") is None
    assert places.municipality_name(db, "0259") is None  # a stored code, as it is


def test_a_municipality_by_its_official_code_with_or_without_leading_zeros(db):
    assert places.municipality(db, "259") == {"code": "259", "name": "Køge"}
    assert places.municipality(db, " 0259 ") == {"code": "259", "name": "Køge"}
    with pytest.raises(UserError) as refused:
        places.municipality(db, "999")
    assert refused.value.message == "%(code)s is not a Danish municipality code (e.g. 259 for Køge)."
    assert refused.value.params == {"code": "999"}
    with pytest.raises(UserError):
        places.municipality(db, "")


@pytest.mark.parametrize(
    "value, code",
    [
        ("Køge", KOEGE),
        ("køge", KOEGE),
        ("  Køge Kommune ", KOEGE),
        ("KØGE", KOEGE),  # SQLite's lower() would leave the Ø
        ("KØGE KOMMUNE", KOEGE),
        ("ærø kommune", "492"),
        ("Lyngby-Taarbæk", "173"),
        ("259", "259"),  # a code is left for places.municipality to check
        ("Atlantis", "Atlantis"),
    ],
)
def test_a_code_from_a_name_as_case_systems_export_it(db, value, code):
    assert places.municipality_code(db, value) == code


def test_choices_are_every_municipality_in_danish_order(db):
    choices = places.municipality_choices(db)
    assert len(choices) == 98
    assert choices[:2] == [("580", "Aabenraa"), ("851", "Aalborg")]
    names = [name for _, name in choices]
    # Danish: æ, ø, å after z, in that order (so Tønder before Tårnby, Ærø last).
    assert names.index("Tønder") < names.index("Tårnby")
    assert names[-1] == "Ærø"
    assert names == sorted(names, key=danish_sort_key)


def test_choices_of_some_municipalities_leave_out_unknown_codes(db):
    assert places.municipality_choices(db, {KOEGE, KOEBENHAVN, "999"}) == [
        (KOEBENHAVN, "København"),
        (KOEGE, "Køge"),
    ]
    assert places.municipality_choices(db, set()) == []


# --- regions over time ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "on, region",
    [
        (date(2006, 12, 31), None),  # before the regions existed
        (date(2007, 1, 1), SJAELLAND),
        (date(2025, 6, 1), SJAELLAND),
        (date(2026, 12, 31), SJAELLAND),  # the last day of Region Sjælland
        (date(2027, 1, 1), OSTDANMARK),  # the day of the change
        (date(2040, 1, 1), OSTDANMARK),
        ("2026-12-31", SJAELLAND),  # stored dates are ISO text
        ("2027-01-01", OSTDANMARK),
    ],
)
def test_koege_changes_region_on_1_january_2027(db, on, region):
    assert places.region_of(db, KOEGE, on) == region


def test_odense_stays_in_syddanmark_and_an_unknown_code_has_no_region(db):
    for on in (date(2007, 1, 1), date(2026, 12, 31), date(2027, 1, 1), date(2099, 12, 31)):
        assert places.region_of(db, ODENSE, on) == SYDDANMARK
    assert places.region_of(db, "999", date(2025, 1, 1)) is None


def test_a_region_is_a_pair_of_id_and_name(db):
    region_id, name = places.region_of(db, KOEGE, date(2025, 1, 1))
    assert (region_id, name) == ("sjaelland", "Region Sjælland")


def test_every_municipality_has_a_region_on_a_day_before_and_after_the_merger(db):
    before = places.regions_on(db, date(2026, 12, 31))
    after = places.regions_on(db, date(2027, 1, 1))
    assert len(before) == len(after) == 98
    assert Counter(region.name for region in before.values()) == TODAY_COUNTS
    assert Counter(region.name for region in after.values()) == {
        "Region Østdanmark": 29 + 17,
        "Region Syddanmark": 22,
        "Region Midtjylland": 19,
        "Region Nordjylland": 11,
    }
    assert before[KOEGE] == SJAELLAND and after[KOEGE] == OSTDANMARK
    assert before[ODENSE] == after[ODENSE] == SYDDANMARK
    assert places.regions_on(db, "2027-01-01") == after
    assert places.regions_on(db, date(2006, 12, 31)) == {}


def test_regions_on_agrees_with_region_of_for_every_municipality(db):
    for on in (date(2026, 12, 31), date(2027, 1, 1)):
        by_code = places.regions_on(db, on)
        assert {code: places.region_of(db, code, on) for code in places.municipality_names(db)} == by_code


def test_memberships_are_each_municipalitys_periods_earliest_first(db):
    periods = places.memberships(db)
    assert len(periods) == 98 and sum(len(p) for p in periods.values()) == 98 + 29 + 17
    assert periods[KOEGE] == [
        places.Membership(SJAELLAND, "2007-01-01", "2026-12-31"),
        places.Membership(OSTDANMARK, "2027-01-01", None),
    ]
    assert places.memberships(db, KOEGE) == {KOEGE: periods[KOEGE]}
    assert places.region_in(periods[KOEGE], "2026-12-31") == SJAELLAND
    assert places.region_in(periods[KOEGE], date(2027, 1, 1)) == OSTDANMARK
    assert places.region_in([], date(2027, 1, 1)) is None


def test_a_later_change_of_region_is_read_from_the_periods(scratch):
    """A municipality that moves (as a later migration would move it) is in its old region up to
    the last day and in its new one from the next."""
    with transaction(scratch):
        scratch.execute(
            "UPDATE municipality_region SET valid_to = '2029-06-30'"
            " WHERE municipality_code = ? AND region_id = 'syddanmark'",
            [ODENSE],
        )
        scratch.execute(
            "INSERT INTO municipality_region VALUES (?, 'midtjylland', '2029-07-01', NULL)", [ODENSE]
        )
    assert places.region_of(scratch, ODENSE, date(2029, 6, 30)) == SYDDANMARK
    assert places.region_of(scratch, ODENSE, date(2029, 7, 1)) == ("midtjylland", "Region Midtjylland")
    assert places.regions_on(scratch, date(2029, 7, 1))[ODENSE].id == "midtjylland"


# --- IPS clusters ---------------------------------------------------------------------------------


def test_the_three_sjaelland_clusters_with_their_municipalities_by_name(db):
    clusters = places.clusters(db)
    assert [(c["name"], [m["name"] for m in c["municipalities"]]) for c in clusters] == [
        ("Sjælland Syd", ["Guldborgsund", "Lolland", "Næstved", "Vordingborg"]),
        ("Sjælland Vest", ["Holbæk", "Kalundborg", "Odsherred", "Ringsted", "Slagelse"]),
        ("Sjælland Øst", ["Faxe", "Køge", "Solrød", "Stevns"]),
    ]
    assert {"code": KOEGE, "name": "Køge"} in clusters[2]["municipalities"]
    assert all(isinstance(c["id"], int) for c in clusters)


def test_a_municipalitys_cluster_or_none(db):
    east = places.cluster_of(db, KOEGE)
    assert east["name"] == "Sjælland Øst"
    assert east["id"] == next(c["id"] for c in places.clusters(db) if c["name"] == "Sjælland Øst")
    assert places.cluster_of(db, KOEBENHAVN) is None
    assert places.cluster_of(db, "999") is None


def test_cluster_names_by_municipality(db):
    names = places.cluster_names(db)
    assert len(names) == 13
    assert names[KOEGE] == "Sjælland Øst" and names["370"] == "Sjælland Syd"
    assert KOEBENHAVN not in names


def test_an_empty_cluster_is_listed_without_municipalities(scratch):
    with transaction(scratch):
        scratch.execute("INSERT INTO cluster (name) VALUES ('Åbenrå-gruppen')")
    assert [c["name"] for c in places.clusters(scratch)][-1] == "Åbenrå-gruppen"
    assert places.clusters(scratch)[-1]["municipalities"] == []
