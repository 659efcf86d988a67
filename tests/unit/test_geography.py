"""Reference data: 98 municipalities, five regions, and the 2027 merger."""

from collections import Counter

from survey_app import geography

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
    municipalities = geography.municipalities()
    assert len(municipalities) == 98
    codes = [m.code for m in municipalities]
    assert len(set(codes)) == 98
    assert all(code.isdigit() and 101 <= int(code) <= 860 for code in codes)


def test_municipalities_per_region():
    counts = Counter(m.region for m in geography.municipalities())
    assert counts == {
        "hovedstaden": 29,
        "sjaelland": 17,
        "syddanmark": 22,
        "midtjylland": 19,
        "nordjylland": 11,
    }


def test_known_codes():
    by_name = {m.name: m.code for m in geography.municipalities()}
    assert by_name["København"] == "101"
    assert by_name["Køge"] == "259"
    assert by_name["Næstved"] == "370"
    assert by_name["Aalborg"] == "851"
    assert {m.name for m in geography.municipalities() if m.region == "sjaelland"} >= SJAELLAND_CLUSTERS


def test_hovedstaden_and_sjaelland_become_ostdanmark_in_2027():
    periods = geography.membership_periods(geography.municipalities(), geography.regions())
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
