"""Fidelity scales and bands as data, totals, the IPS-25 equivalent, and matching reviews to participants."""

from datetime import date, timedelta
from pathlib import Path

import pytest

from survey_app import PROJECT_ROOT, fidelity, questionnaires
from survey_app.db import connect
from survey_app.fidelity import Review
from survey_app.migrations import migrations

SHIPPED = PROJECT_ROOT / "questionnaires" / "fidelity"


@pytest.fixture(scope="module")
def scales():
    return fidelity.load_scales(SHIPPED)


# --- the shipped files ----------------------------------------------------------------------------


def test_ips25_has_25_items_in_three_sections(scales):
    ips25 = scales["ips25"]
    assert ips25.name == "IPS-25"
    assert [(s.id, s.title["da"], len(s.items)) for s in ips25.sections] == [
        ("staffing", "Bemanding", 3),
        ("organisation", "Organisering", 8),
        ("services", "Ydelser", 14),
    ]
    assert len(ips25.items) == 25 and len(set(ips25.item_ids)) == 25
    assert (ips25.min_score, ips25.max_score, ips25.total_range) == (1, 5, (25, 125))
    assert ips25.conversion_factor == 1.0
    assert ips25.item("s1").name["da"] == "Antal sager pr. konsulent"
    # Numbered through the whole scale, as the national report cites "item 17" and "item 19".
    assert ips25.item("y6").number == 17 and "Arbejdsgiverkontakt" in ips25.item("y6").name["da"]
    assert ips25.item("y8").label() == "19. Bred vifte af jobtyper"
    assert all(item.name["da"].strip() for item in ips25.items)


def test_ips15_has_15_items_and_the_national_conversion_factor(scales):
    ips15 = scales["ips15"]
    assert len(ips15.items) == 15
    assert ips15.total_range == (15, 75)
    assert ips15.conversion_factor == 1.66
    assert list(scales) == ["ips25", "ips15"]  # IPS-25 first in forms


def test_the_questionnaire_loader_does_not_read_the_fidelity_folder():
    loaded = questionnaires.load_all(PROJECT_ROOT / "questionnaires")
    assert "csq8" in loaded
    assert not {"ips25", "ips15", "bands"} & set(loaded)
    assert not any("fidelity" in q.source for q in loaded.values())


def test_bands_in_display_order_with_danish_labels():
    assert [(band.key, band.label) for band in fidelity.BANDS] == [
        ("exemplary", "Eksemplarisk IPS"),
        ("good", "God IPS (høj fidelitet)"),
        ("fair", "Rimelig IPS"),
        ("not_ips", "Ikke IPS"),
    ]
    assert fidelity.BANDS[1].text("en") == "Good IPS (high fidelity)"


# --- totals, conversion, bands --------------------------------------------------------------------


def _all(scale, score):
    return dict.fromkeys(scale.item_ids, score)


def test_totals(scales):
    ips25 = scales["ips25"]
    assert ips25.total(_all(ips25, 4)) == 100
    assert ips25.ips25_equivalent(100) == 100.0
    with pytest.raises(ValueError, match="missing"):
        ips25.total({"s1": 3})
    with pytest.raises(ValueError, match="outside"):
        ips25.total(_all(ips25, 4) | {"s1": 6})


@pytest.mark.parametrize(
    ("total", "equivalent", "band"),
    [
        (60, 99.6, "Rimelig IPS"),
        (61, 101.26, "God IPS (høj fidelitet)"),
        (69, 114.54, "God IPS (høj fidelitet)"),
        (70, 116.2, "Eksemplarisk IPS"),
        (45, 74.7, "Ikke IPS"),
        (46, 76.36, "Rimelig IPS"),
    ],
)
def test_ips15_converts_to_an_unrounded_ips25_equivalent(scales, total, equivalent, band):
    value = scales["ips15"].ips25_equivalent(total)
    assert value == total * 1.66  # unrounded, not round(…, 2)
    assert value == pytest.approx(equivalent)
    assert fidelity.band_for(value).label == band


@pytest.mark.parametrize(
    ("value", "key"),
    [
        (125, "exemplary"),
        (115.01, "exemplary"),
        (115, "good"),  # "over 115" is strict
        (100.01, "good"),
        (100, "fair"),  # "over 100" is strict
        (75, "fair"),
        (74.99, "not_ips"),
        (25, "not_ips"),
    ],
)
def test_band_edges(value, key):
    assert fidelity.band_for(value).key == key


def test_no_value_has_no_band():
    assert fidelity.band_for(None) is None


def test_band_sql_agrees_with_python(tmp_path):
    db = connect(tmp_path / "bands.db")
    values = [None, 24.9, 74.7, 75, 99.6, 100, 100.01, 101.26, 115, 115.5, 125]
    db.execute("CREATE TABLE v (x REAL)")
    db.conn.executemany("INSERT INTO v VALUES (?)", [(v,) for v in values])
    got = [row[0] for row in db.execute(f"SELECT {fidelity.band_sql('v.x')} FROM v ORDER BY rowid")]
    assert got == [band.key if band else None for band in map(fidelity.band_for, values)]


# --- matching -------------------------------------------------------------------------------------


def test_followup_date_is_26_weeks_after_the_course_start():
    assert fidelity.followup_date(date(2024, 1, 1)) == date(2024, 1, 1) + timedelta(days=182)


def test_match_review_by_hand():
    jan, mar = Review(date(2024, 1, 1), "ips25", id=1), Review(date(2024, 3, 1), "ips25", id=2)
    # 31 January 2024 is 30 days after 1 January and 30 days before 1 March: the earlier wins.
    assert fidelity.match_review([mar, jan], date(2024, 1, 31)).id == 1
    assert fidelity.match_review([jan, mar], date(2024, 2, 1)).id == 2  # 31 days vs 29
    assert fidelity.match_review([jan, mar], date(2020, 1, 1)).id == 1  # long before any review
    assert fidelity.match_review([jan, mar], date(2030, 1, 1)).id == 2
    same_day = [Review(date(2023, 6, 1), "ips15", id=3), Review(date(2023, 6, 1), "ips25", id=4)]
    assert fidelity.match_review(same_day, date(2023, 7, 1)).id == 4
    assert fidelity.match_review(list(reversed(same_day)), date(2023, 5, 1)).id == 4
    assert fidelity.match_review([], date(2024, 1, 1)) is None
    assert fidelity.match_review([jan], None) is None


@pytest.fixture
def review_db(tmp_path):
    db = connect(tmp_path / "survey.db")
    migrations.apply(db)
    yield db
    db.close()


# Køge (259): two reviews 60 days apart; Solrød (269): IPS-15 and IPS-25 on one day, and an older
# IPS-15; Stevns (336): none.
HAND_BUILT = [
    ("259", "2024-01-01", "ips25", 98),
    ("259", "2024-03-01", "ips25", 110),
    ("269", "2022-06-01", "ips15", 55),
    ("269", "2023-06-01", "ips15", 70),
    ("269", "2023-06-01", "ips25", 101),
]
BASELINES = {
    "tie, earlier wins": ("259", date(2024, 1, 31) - timedelta(days=182)),
    "day after the tie": ("259", date(2024, 2, 1) - timedelta(days=182)),
    "before every review": ("259", date(2021, 1, 1)),
    "after every review": ("259", date(2025, 6, 1)),
    "two scales the same day": ("269", date(2023, 6, 1) - timedelta(days=182)),
    "between Solrød's reviews": ("269", date(2022, 10, 1) - timedelta(days=182)),
    "no review at all": ("336", date(2024, 1, 1)),
}


def _store(db, scales):
    for code, day, scale_id, total in HAND_BUILT:
        scale = scales[scale_id]
        db.execute(
            "INSERT INTO fidelity_review (municipality_code, review_date, scale, total, ips25_equivalent,"
            " created_at) VALUES (?, ?, ?, ?, ?, '2024-01-01T00:00:00+00:00')",
            [code, day, scale_id, total, scale.ips25_equivalent(total)],
        )
    db.conn.commit()


def test_sql_and_python_choose_the_same_review(review_db, scales):
    _store(review_db, scales)
    reviews = fidelity.list_reviews(review_db)
    review_db.execute("CREATE TABLE p (label TEXT, municipality_code TEXT, baseline_date TEXT)")
    for label, (code, baseline) in BASELINES.items():
        review_db.execute("INSERT INTO p VALUES (?, ?, ?)", [label, code, baseline.isoformat()])
    followup = "date(p.baseline_date, '+182 days')"
    sql = (
        f"SELECT p.label, {fidelity.matched_review_sql('p.municipality_code', followup, 'id')},"
        f" {fidelity.matched_review_sql('p.municipality_code', followup)},"
        f" {fidelity.band_sql(fidelity.matched_review_sql('p.municipality_code', followup))} FROM p"
    )
    by_sql = {label: (review_id, value, band) for label, review_id, value, band in review_db.execute(sql)}
    by_python = {}
    for label, (code, baseline) in BASELINES.items():
        match = fidelity.match_review(
            [r for r in reviews if r.municipality_code == code], fidelity.followup_date(baseline)
        )
        by_python[label] = (match.id, match.ips25_equivalent, match.band.key) if match else (None, None, None)
    assert by_sql == by_python
    # As the reports use it: grouped by band, participants without a review in a group of their own.
    band = fidelity.band_sql(fidelity.matched_review_sql("p.municipality_code", followup))
    grouped = dict(review_db.execute(f"SELECT COALESCE({band}, ''), COUNT(*) FROM p GROUP BY 1").fetchall())
    expected: dict[str, int] = {}
    for _, _, key in by_python.values():
        expected[key or ""] = expected.get(key or "", 0) + 1
    assert grouped == expected

    def described(label):
        review = next(r for r in reviews if r.id == by_sql[label][0]) if by_sql[label][0] else None
        return (review.review_date.isoformat(), review.scale) if review else None

    assert described("tie, earlier wins") == ("2024-01-01", "ips25")
    assert described("day after the tie") == ("2024-03-01", "ips25")
    assert described("before every review") == ("2024-01-01", "ips25")
    assert described("after every review") == ("2024-03-01", "ips25")
    assert described("two scales the same day") == ("2023-06-01", "ips25")
    assert described("between Solrød's reviews") == ("2022-06-01", "ips15")
    assert described("no review at all") is None
    assert by_sql["between Solrød's reviews"][1:] == (55 * 1.66, "fair")  # 91.3
    assert by_sql["two scales the same day"][1] == 101.0


def test_matched_review_sql_refuses_unknown_columns():
    with pytest.raises(ValueError, match="column"):
        fidelity.matched_review_sql("m", "d", "1; DROP TABLE user")


def test_latest_reviews_and_rounds():
    reviews = [
        Review(date(2021, 3, 10), "ips15", "259"),
        Review(date(2021, 3, 24), "ips15", "269"),
        Review(date(2021, 12, 1), "ips15", "259"),
        Review(date(2021, 12, 1), "ips25", "259"),
        Review(date(2022, 2, 1), "ips15", "269"),
        Review(date(2022, 3, 1), "ips15", "269"),  # Solrød twice within 120 days: a new round
    ]
    latest = fidelity.latest_reviews(reviews)
    assert (latest["259"].review_date, latest["259"].scale) == (date(2021, 12, 1), "ips25")
    assert latest["269"].review_date == date(2022, 3, 1)
    rounds = fidelity.review_rounds(reviews)
    assert [[(r.municipality_code, r.review_date.isoformat(), r.scale) for r in rnd] for rnd in rounds] == [
        [("259", "2021-03-10", "ips15"), ("269", "2021-03-24", "ips15")],
        [("259", "2021-12-01", "ips25"), ("269", "2022-02-01", "ips15")],
        [("269", "2022-03-01", "ips15")],
    ]


# --- broken files ---------------------------------------------------------------------------------

GOOD_SCALE = """
id = "ips25"
name = "IPS-25"
title = { da = "Skala" }
min_score = 1
max_score = 5
[[sections]]
id = "staffing"
title = { da = "Bemanding" }
items = [ { id = "s1", name = { da = "Antal sager pr. konsulent" } }, { id = "s2", name = { da = "B" } } ]
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_small_scale_loads(tmp_path):
    scale = fidelity.load_scale(_write(tmp_path, "ips25.toml", GOOD_SCALE))
    assert scale.item_ids == ("s1", "s2") and scale.total_range == (2, 10)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda t: t.replace('name = { da = "B" }', 'name = { en = "B" }'),
            r"items\[2\] \(s2\): name: the Danish",
        ),
        (lambda t: t.replace('id = "s2"', 'id = "s1"'), r"items\[2\]: id 's1' is used twice"),
        (lambda t: t + "colour = 'red'\n", r"sections\[1\]: unknown key\(s\) colour"),
        (lambda t: "wording = 'x'\n" + t, r"top level: unknown key\(s\) wording"),
        (lambda t: t.replace("max_score = 5", "max_score = 7"), "top level: scores must run"),
        (lambda t: t.replace("min_score = 1", "min_score = 1\nconversion_factor = -2"), "conversion_factor"),
        (lambda t: t.replace('id = "ips25"', 'id = "ips26"'), "must be the file's name"),
        (lambda t: t.replace('title = { da = "Skala" }', ""), "top level: title: must be a table"),
        (lambda t: t.replace("[[sections]]", "[[sections"), "not valid TOML"),
    ],
)
def test_broken_scale_files_name_file_and_key(tmp_path, change, message):
    path = _write(tmp_path, "ips25.toml", change(GOOD_SCALE))
    with pytest.raises(fidelity.FidelityError, match=message) as caught:
        fidelity.load_scale(path)
    assert str(caught.value).startswith(str(path))


def test_a_folder_without_ips25_is_refused(tmp_path):
    _write(tmp_path, "ips15.toml", GOOD_SCALE.replace('id = "ips25"', 'id = "ips15"'))
    with pytest.raises(fidelity.FidelityError, match="ips25.toml"):
        fidelity.load_scales(tmp_path)


GOOD_BANDS = """
[[bands]]
key = "good"
above = 100
label = { da = "God" }
[[bands]]
key = "fair"
from = 75
label = { da = "Rimelig" }
[[bands]]
key = "rest"
label = { da = "Ikke IPS" }
"""


def test_bands_file_loads_and_decides(tmp_path):
    bands = fidelity.load_bands(_write(tmp_path, "bands.toml", GOOD_BANDS))
    assert [fidelity.band_for(v, bands).key for v in (100.5, 100, 75, 74)] == ["good", "fair", "fair", "rest"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t.replace("from = 75", "from = 120"), r"bands\[2\] \(fair\): thresholds must fall"),
        (lambda t: t.replace("from = 75", "above = 70\nfrom = 75"), r"bands\[2\] \(fair\): give exactly one"),
        (lambda t: t + "above = 10\n", r"bands\[3\] \(rest\): the last band"),
        (lambda t: t.replace('key = "rest"', 'key = "good"'), r"bands\[3\] \(good\): key is used twice"),
        (lambda t: t.replace('label = { da = "God" }', 'label = "God"'), r"bands\[1\] \(good\): label"),
        (lambda t: t.replace('key = "fair"', 'key = "Fair band"'), r"bands\[2\]: key must be"),
    ],
)
def test_broken_bands_files_name_file_and_key(tmp_path, change, message):
    path = _write(tmp_path, "bands.toml", change(GOOD_BANDS))
    with pytest.raises(fidelity.FidelityError, match=message) as caught:
        fidelity.load_bands(path)
    assert str(caught.value).startswith(str(path))


# --- checking scores ------------------------------------------------------------------------------


def test_check_scores_names_every_missing_or_bad_item(scales):
    ips15 = scales["ips15"]
    raw = _all(ips15, "3") | {"s1": "", "o2": "7", "y9": "tre"}
    scores, errors = fidelity.check_scores(ips15, raw)
    assert sorted(errors) == ["o2", "s1", "y9"]
    assert str(errors["s1"]) == "Item 1 (Antal sager pr. konsulent) has no score."
    assert str(errors["o2"]) == "Item 5 (Samlet IPS-team): 7 is not a score from 1 to 5."
    assert "y9 (Opsøgende indsats)" in str(fidelity.check_scores(ips15, raw, cite="id")[1]["y9"])
    assert len(scores) == 12
