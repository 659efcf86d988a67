"""The evaluator's fidelity pages: record, edit, delete, import page and command and fidelity over time."""

import itertools
import json
import re

import pytest
import time_machine

from survey_app import fidelity
from survey_app.reporting import disclosure
from tests.helpers import csrf_token

NEW = "/evaluering/fidelitet/ny"
LIST = "/evaluering/fidelitet"
IMPORT = "/evaluering/fidelitet/import"
OVER_TIME = "/evaluering/fidelitet/udvikling"

IPS25_ITEMS = (
    [f"s{i}" for i in range(1, 4)] + [f"o{i}" for i in range(1, 9)] + [f"y{i}" for i in range(1, 15)]
)
IPS15_ITEMS = (
    [f"s{i}" for i in range(1, 4)] + [f"o{i}" for i in range(1, 4)] + [f"y{i}" for i in range(1, 10)]
)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel("2025-06-02 10:00 +02:00", tick=False):
        yield


@pytest.fixture
def evaluator(login):
    return login("evaluator", ())


def scores_for(items, total):
    """Scores of 1-5 adding up to ``total``, as form fields."""
    scores, left = {}, total
    for index, item in enumerate(items):
        remaining = len(items) - index - 1
        score = max(1, min(5, left - remaining))
        scores[item] = score
        left -= score
    assert left == 0
    return scores


def form_data(page, municipality="259", day="2025-03-01", reviewers="Anne og Bo", scores=None):
    data = {"csrf_token": csrf_token(page.text), "municipality": municipality, "review_date": day}
    data["reviewers"] = reviewers
    data |= {f"item_{item}": str(score) for item, score in (scores or {}).items()}
    return data


def count(db, table="fidelity_review"):
    return db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def record(client, scale="ips25", total=100, **fields):
    page = client.get(f"{NEW}?skala={scale}")
    items = IPS25_ITEMS if scale == "ips25" else IPS15_ITEMS
    return client.post(
        f"{NEW}?skala={scale}", data=form_data(page, scores=scores_for(items, total), **fields)
    )


def text_of(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# --- recording ------------------------------------------------------------------------------------


def test_record_asks_for_the_scale_first(evaluator):
    page = evaluator.get(NEW + "?kommune=259")
    assert page.status_code == 200
    assert 'name="skala" value="ips25"' in page.text and 'name="skala" value="ips15"' in page.text
    assert 'name="kommune" value="259"' in page.text  # carried on to the form
    form = evaluator.get(NEW + "?skala=ips15&kommune=259")
    assert form.text.count('name="item_') == 15
    assert '<option selected value="259">Køge</option>' in form.text
    assert "Bemanding" in form.text and "Organisering" in form.text and "Ydelser" in form.text
    assert evaluator.get(NEW + "?skala=ips26").text.count('name="item_') == 0


def test_record_an_ips15_review(evaluator, db):
    response = record(evaluator, "ips15", total=61, municipality="259", day="2025-03-01")
    assert response.status_code == 303
    assert response.location.endswith(f"{LIST}?kommune=259")
    row = db.execute("SELECT * FROM fidelity_review").fetchone()
    review = dict(
        zip([c[0] for c in db.execute("SELECT * FROM fidelity_review").description], row, strict=True)
    )
    assert review["municipality_code"] == "259" and review["review_date"] == "2025-03-01"
    assert (review["scale"], review["total"], review["reviewers"]) == ("ips15", 61, "Anne og Bo")
    assert review["ips25_equivalent"] == 61 * 1.66  # unrounded
    scores = dict(db.execute("SELECT item_id, score FROM fidelity_score").fetchall())
    assert scores == scores_for(IPS15_ITEMS, 61)
    audit = db.execute("SELECT action, target, detail FROM audit WHERE action LIKE 'fidelity%'").fetchall()
    assert [(a, t) for a, t, _ in audit] == [("fidelity_review_created", f"fidelity_review:{review['id']}")]
    assert json.loads(audit[0][2])["total"] == 61
    listing = evaluator.get(response.location)
    assert "Målingen er gemt: Køge, 1. mar. 2025, IPS-15, total 61, IPS-25-score 101,26" in listing.text
    row_text = text_of(re.search(r"<tbody>.*?</tbody>", listing.text, re.S).group(0))
    assert "Køge 1. mar. 2025 IPS-15 61 101,26 God IPS (høj fidelitet)" in row_text


def test_a_bad_submission_names_every_problem_in_danish_and_keeps_what_was_typed(evaluator, db):
    page = evaluator.get(f"{NEW}?skala=ips25")
    scores = scores_for(IPS25_ITEMS, 100)
    del scores["y6"], scores["s1"]
    scores["o2"] = 7
    data = form_data(page, municipality="", day="2025-06-03", reviewers="Anne", scores=scores)
    data["item_o2"] = "7"
    response = evaluator.post(f"{NEW}?skala=ips25", data=data)
    assert response.status_code == 422
    text = text_of(response.text)
    assert "Intet er gemt endnu: ret disse 5 fejl." in text
    assert "Vælg en kommune." in text
    assert "Datoen for målingen skal ligge mellem 2000-01-01 og 2025-06-02 (i dag)." in text
    assert "Punkt 1 (Antal sager pr. konsulent) mangler en score." in text
    assert "Punkt 17 (Arbejdsgiverkontakt: hyppighed) mangler en score." in text
    assert "Punkt 5 (Hyppig kontakt med behandlingsteamet): 7 er ikke en score fra 1 til 5." in text
    assert count(db) == 0 and count(db, "fidelity_score") == 0
    # What was typed is still there.
    assert 'value="2025-06-03"' in response.text and 'value="Anne"' in response.text
    assert re.search(
        r'<select id="item_s2" name="item_s2"[^>]*>.*?<option selected value="5">', response.text, re.S
    )
    assert 'href="#item_y6"' in response.text  # the summary links to the field


def test_bad_dates_and_duplicates(evaluator, db):
    assert record(evaluator, day="2025-03-01").status_code == 303
    again = record(evaluator, day="2025-03-01")
    assert again.status_code == 422
    assert "Køge har allerede en IPS-25-måling den 2025-03-01." in again.text
    nonsense = record(evaluator, day="31-02-2025")
    assert "31-02-2025 er ikke en dato" in nonsense.text
    assert record(evaluator, day="01-04-2025").status_code == 303  # Danish order is read too
    assert [r[0] for r in db.execute("SELECT review_date FROM fidelity_review ORDER BY 1")] == [
        "2025-03-01",
        "2025-04-01",
    ]
    # The same day on the other scale is another review.
    assert record(evaluator, "ips15", total=50, day="2025-03-01").status_code == 303


def test_post_without_csrf_is_refused(evaluator, db):
    response = evaluator.post(f"{NEW}?skala=ips25", data={"municipality": "259", "review_date": "2025-03-01"})
    assert response.status_code == 400
    assert count(db) == 0


# --- editing and deleting -------------------------------------------------------------------------


def test_edit_a_review(evaluator, db):
    record(evaluator, total=98, day="2025-03-01")
    review_id = db.execute("SELECT id FROM fidelity_review").fetchone()[0]
    page = evaluator.get(f"{LIST}/{review_id}")
    assert page.status_code == 200
    assert 'value="2025-03-01"' in page.text and 'value="Anne og Bo"' in page.text
    assert scores_for(IPS25_ITEMS, 98)["s1"] == 5
    assert re.search(r'name="item_s1"[^>]*>.*?<option selected value="5">', page.text, re.S)
    scores = scores_for(IPS25_ITEMS, 98) | {"s1": 1}
    response = evaluator.post(
        f"{LIST}/{review_id}", data=form_data(page, municipality="269", day="2025-02-14", scores=scores)
    )
    assert response.status_code == 303
    row = db.execute(
        "SELECT municipality_code, review_date, total, ips25_equivalent FROM fidelity_review"
    ).fetchone()
    assert row == ("269", "2025-02-14", 94, 94.0)
    assert db.execute("SELECT score FROM fidelity_score WHERE item_id = 's1'").fetchone()[0] == 1
    assert count(db, "fidelity_score") == 25
    detail = json.loads(
        db.execute("SELECT detail FROM audit WHERE action = 'fidelity_review_changed'").fetchone()[0]
    )
    assert detail["changed_items"] == ["s1"] and detail["before"]["total"] == 98 and detail["total"] == 94


def test_a_bad_edit_changes_nothing(evaluator, db):
    record(evaluator, total=98)
    review_id = db.execute("SELECT id FROM fidelity_review").fetchone()[0]
    page = evaluator.get(f"{LIST}/{review_id}")
    scores = scores_for(IPS25_ITEMS, 98)
    del scores["y14"]
    response = evaluator.post(f"{LIST}/{review_id}", data=form_data(page, day="2025-01-01", scores=scores))
    assert response.status_code == 422
    assert "Punkt 25 (Opsøgende indsats fra behandlingsteamet) mangler en score." in response.text
    assert db.execute("SELECT review_date, total FROM fidelity_review").fetchone() == ("2025-03-01", 98)
    assert count(db, "fidelity_score") == 25


def test_delete_asks_first(evaluator, db):
    record(evaluator, total=98)
    review_id = db.execute("SELECT id FROM fidelity_review").fetchone()[0]
    confirm = evaluator.get(f"{LIST}/{review_id}/slet")
    assert confirm.status_code == 200 and "Slet målingen?" in confirm.text
    assert count(db) == 1  # looking changes nothing
    assert evaluator.post(f"{LIST}/{review_id}/slet", data={}).status_code == 400
    assert count(db) == 1
    response = evaluator.post(f"{LIST}/{review_id}/slet", data={"csrf_token": csrf_token(confirm.text)})
    assert response.status_code == 303
    assert count(db) == 0 and count(db, "fidelity_score") == 0
    assert db.execute("SELECT action FROM audit WHERE action = 'fidelity_review_deleted'").fetchone()
    assert evaluator.get(f"{LIST}/{review_id}").status_code == 404
    assert evaluator.get(f"{LIST}/{review_id}/slet").status_code == 404


def test_consultants_and_admins_cannot_see_reviews(login, evaluator, db):
    record(evaluator, total=98)
    for role in ("consultant", "admin"):
        client = login(role, ("259",) if role == "consultant" else ())
        assert client.get(LIST).status_code == 404
        assert client.get(f"{LIST}/1").status_code == 404


def test_list_filters_by_municipality(evaluator):
    record(evaluator, total=98, municipality="259")
    record(evaluator, total=80, municipality="370", day="2025-02-01")
    everything = evaluator.get(LIST).text
    assert "Alle målinger (2)" in everything and "Næstved" in everything and "Køge" in everything
    koege = evaluator.get(LIST + "?kommune=259").text
    assert "Målinger af Køge" in koege
    assert "Næstved</th>" not in koege
    assert "Der er endnu ingen målinger af Stevns." in evaluator.get(LIST + "?kommune=336").text


# --- import ---------------------------------------------------------------------------------------


def csv_text(rows, items=IPS25_ITEMS, delimiter=","):
    header = ["kommune", "dato", "skala", "bedømmere", *items]
    return "\r\n".join(delimiter.join(str(cell) for cell in row) for row in [header, *rows]) + "\r\n"


def ips25_row(municipality, day, total, reviewers="Anne"):
    return [municipality, day, "IPS-25", reviewers, *scores_for(IPS25_ITEMS, total).values()]


def upload(client, data: bytes, name="fidelitet.csv"):
    import io

    page = client.get(IMPORT)
    return client.post(
        IMPORT,
        data={"csrf_token": csrf_token(page.text), "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_import_all_or_nothing_with_line_numbers(evaluator, db):
    rows = [
        ips25_row("259", "2024-03-01", 98),
        ["Solrød", "2024-13-01", "IPS-25", "", *scores_for(IPS25_ITEMS, 100).values()],  # line 3
        ips25_row("9999", "2024-03-01", 98),  # line 4
        ["Stevns", "2024-03-01", "IPS-30", "", *scores_for(IPS25_ITEMS, 100).values()],  # line 5
        ips25_row("259", "2024-03-01", 98),  # line 6: the same review as line 2
        ["Faxe", "2024-03-01", "IPS-25", "", *[*scores_for(IPS25_ITEMS, 100).values()][:-1], ""],  # line 7
    ]
    response = upload(evaluator, csv_text(rows).encode())
    assert response.status_code == 422
    text = text_of(response.text)
    assert "Intet blev importeret." in text
    assert "Linje 3: 2024-13-01 er ikke en dato" in text
    assert "Linje 4: 9999 er ikke en dansk kommunekode" in text
    assert "Linje 5: Skalaen skal være IPS-25/IPS-15, ikke IPS-30." in text
    assert "Linje 6: Samme måling står også på linje 2." in text
    assert "Linje 7: Punkt y14 (Opsøgende indsats fra behandlingsteamet) mangler en score." in text
    assert "Linje 2" not in text
    assert count(db) == 0 and count(db, "fidelity_score") == 0
    assert not db.execute("SELECT 1 FROM audit WHERE action = 'fidelity_reviews_imported'").fetchone()


def test_import_a_good_file_twice_changes_nothing_the_second_time(evaluator, db):
    ips15_scores = scores_for(IPS15_ITEMS, 60)
    rows = [
        ips25_row("259", "2024-03-01", 98),
        ips25_row("Solrød Kommune", "01-09-2024", 117),
        ["336", "2024-03-01", "ips15", "Anne", *[ips15_scores.get(item, "") for item in IPS25_ITEMS]],
    ]
    data = csv_text(rows).encode()
    first = upload(evaluator, data)
    assert first.status_code == 200, first.text
    assert "3 målinger importeret. 0 fandtes allerede uændret." in first.text
    stored = db.execute(
        "SELECT municipality_code, review_date, scale, total, ips25_equivalent FROM fidelity_review ORDER BY 1"
    )
    assert stored.fetchall() == [
        ("259", "2024-03-01", "ips25", 98, 98.0),
        ("269", "2024-09-01", "ips25", 117, 117.0),
        ("336", "2024-03-01", "ips15", 60, 60 * 1.66),
    ]
    assert count(db, "fidelity_score") == 25 + 25 + 15
    second = upload(evaluator, data)
    assert "0 målinger importeret. 3 fandtes allerede uændret." in second.text
    assert count(db) == 3
    # Changed scores for a stored review are an error, not an overwrite.
    changed = csv_text([ips25_row("259", "2024-03-01", 99)]).encode()
    third = upload(evaluator, changed)
    assert third.status_code == 422
    assert (
        "Linje 2: Køge har allerede en IPS-25-måling den 2024-03-01 med andre bedømmere eller scorer"
        in third.text
    )
    assert db.execute("SELECT total FROM fidelity_review WHERE municipality_code = '259'").fetchone()[0] == 98
    actions = [
        r[0] for r in db.execute("SELECT detail FROM audit WHERE action = 'fidelity_reviews_imported'")
    ]
    assert [json.loads(a)["added"] for a in actions] == [3, 0]


def test_import_excel_cp1252_semicolon_file(evaluator, db):
    ips15_scores = scores_for(IPS15_ITEMS, 61)
    text = csv_text(
        [["Næstved", "15-03-2022", "IPS-15", "Søren Ærø", *ips15_scores.values()]],
        items=IPS15_ITEMS,
        delimiter=";",
    )
    data = text.encode("cp1252")
    assert "bedømmere".encode("cp1252") in data and b"\xe6" in data  # æ as Windows-1252 writes it
    response = upload(evaluator, data)
    assert response.status_code == 200, text_of(response.text)
    row = db.execute(
        "SELECT municipality_code, review_date, scale, reviewers, total FROM fidelity_review"
    ).fetchone()
    assert row == ("370", "2022-03-15", "ips15", "Søren Ærø", 61)


def test_an_item_of_the_other_scale_must_be_empty(evaluator, db):
    ips15_scores = scores_for(IPS15_ITEMS, 61)
    row = ["259", "2024-03-01", "IPS-15", "", *[ips15_scores.get(item, "3") for item in IPS25_ITEMS]]
    response = upload(evaluator, csv_text([row]).encode())
    assert response.status_code == 422
    assert "Linje 2: Kolonnen o4 er ikke et punkt i IPS-15; lad den være tom." in text_of(response.text)
    assert count(db) == 0


def test_file_level_problems(evaluator):
    assert "Filen indeholder ingen målinger." in upload(evaluator, b"").text
    unknown = upload(evaluator, "kommune;dato;skala;farve\r\n259;2024-01-01;IPS-25;rød\r\n".encode()).text
    assert "Ukendte kolonner: farve." in unknown
    missing = upload(
        evaluator, csv_text([ips25_row("259", "2024-03-01", 98)], items=IPS25_ITEMS[:-1]).encode()
    )
    assert "Filen mangler punktkolonnerne for IPS-25: y14." in missing.text


def test_template_per_scale(evaluator):
    response = evaluator.get("/evaluering/fidelitet/skabelon/ips15.csv")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    assert response.data.decode("utf-8-sig").strip() == ";".join(
        ["kommune", "dato", "skala", "bedømmere", *IPS15_ITEMS]
    )
    assert evaluator.get("/evaluering/fidelitet/skabelon/ips99.csv").status_code == 404


def test_import_command(runner, db, tmp_path):
    good = tmp_path / "good.csv"
    good.write_text(csv_text([ips25_row("259", "2024-03-01", 98)]), encoding="utf-8-sig")
    result = runner.invoke(args=["fidelity", "import", str(good)])
    assert result.exit_code == 0, result.output
    assert "1 måling importeret, 0 fandtes allerede uændret." in result.output
    bad = tmp_path / "bad.csv"
    bad.write_text(
        csv_text([ips25_row("259", "2024-04-01", 98), ips25_row("259", "2030-01-01", 98)]), encoding="utf-8"
    )
    result = runner.invoke(args=["fidelity", "import", str(bad)])
    assert result.exit_code == 1
    assert (
        "Fejl: Linje 3: Datoen for målingen skal ligge mellem 2000-01-01 og 2025-06-02 (i dag)."
        in result.output
    )
    assert "Intet er importeret." in result.output
    assert count(db) == 1
    assert (
        db.execute("SELECT actor FROM audit WHERE action = 'fidelity_reviews_imported'").fetchone()[0]
        == "cli"
    )


# --- over time ------------------------------------------------------------------------------------


def test_over_time_page_table_and_counts(app, evaluator, db):
    # Sjælland Øst (Køge, Solrød, Stevns) with IPS-15, in two rounds; Aarhus (no cluster) with IPS-25.
    rows = [
        ["259", "2021-03-10", "IPS-15", 55],
        ["269", "2021-03-24", "IPS-15", 58],
        ["336", "2021-04-07", "IPS-15", 45],
        ["259", "2022-03-01", "IPS-15", 61],
        ["269", "2022-03-15", "IPS-15", 70],
        ["751", "2022-05-01", "IPS-25", 100],
        ["751", "2023-05-01", "IPS-25", 116],
    ]
    for code, day, scale, total in rows:
        items = IPS15_ITEMS if scale == "IPS-15" else IPS25_ITEMS
        text = csv_text([[code, day, scale, "", *scores_for(items, total).values()]], items=items)
        assert upload(evaluator, text.encode()).status_code == 200
    page = evaluator.get(OVER_TIME)
    assert page.status_code == 200
    text = text_of(page.text)
    # Latest reviews: Køge 101.26, Solrød 116.2, Stevns 74.7, Aarhus 116 → 3 over 100, 2 over 115:
    # each below 5, so each is "<5" (the tables below still show every municipality's score).
    assert "&lt;5 kommuner med målinger" in text
    assert "&lt;5 over 100 point God IPS (høj fidelitet)" in text
    assert "&lt;5 over 115 point Eksemplarisk IPS" in text
    assert "færre end 5 kommuner (0 medregnet)" in text
    assert text.index("over 100 point") < text.index("over 115 point")
    assert page.text.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-lines"') == 2
    sections = re.findall(r"<section.*?</section>", page.text, re.S)
    east = next(s for s in sections if "Sjælland Øst" in s)
    table = text_of(re.search(r"<table.*?</table>", east, re.S).group(0))
    assert "Kommune mar 21 mar 22" in table
    assert "Køge 91,30 10. mar. 2021 · IPS-15 101,26 1. mar. 2022 · IPS-15" in table
    assert "Stevns 74,70 7. apr. 2021 · IPS-15 ingen måling" in table
    # The bands are drawn at their thresholds, labelled.
    assert ">Eksemplarisk</text>" in east and ">God</text>" in east and ">Rimelig</text>" in east
    aarhus = next(s for s in sections if "Aarhus" in s)
    assert "Region Midtjylland" in aarhus
    assert "Aarhus 100,00 1. maj 2022 116,00 1. maj 2023" in text_of(aarhus)


def test_over_time_without_reviews(evaluator):
    assert "Der er endnu ingen målinger." in evaluator.get(OVER_TIME).text


def test_nav_links_to_fidelity(evaluator):
    assert f'href="{LIST}">Fidelitet</a>' in evaluator.get(OVER_TIME).text


def test_shipped_scales_are_loaded_at_start(app):
    assert set(app.extensions["fidelity_scales"]) == {"ips25", "ips15"}
    assert (
        app.extensions["fidelity_scales"]["ips15"].conversion_factor
        == fidelity.load_scales()["ips15"].conversion_factor
    )


# --- the counts go through disclosure control ------------------------------------------------------


def cards_of(page_html):
    """The figures of the cards above the charts: reviewed, over 100, over 115."""
    cards = re.search(r'<ul class="cards">(.*?)</ul>', page_html, re.S).group(1)
    return re.findall(r"<strong>([^<]*)</strong>", cards)


def record_latest(client, totals):
    """One IPS-25 review per municipality, with these totals."""
    codes = ["259", "269", "336", "320", "306", "329", "751", "730", "740", "746"]
    rows = [
        ips25_row(code, "2025-03-01", total) for code, total in zip(codes[: len(totals)], totals, strict=True)
    ]
    assert upload(client, csv_text(rows).encode()).status_code == 200


def test_over_time_counts_below_five_are_hidden(evaluator):
    # 7 municipalities reviewed, 3 over 100 (one of them over 115); exactly 100 is not over.
    record_latest(evaluator, [101, 110, 120, 100, 90, 80, 70])
    assert cards_of(evaluator.get(OVER_TIME).text) == ["7", "&lt;5", "&lt;5"]


def test_over_time_hides_a_count_that_would_give_a_small_group_away(evaluator):
    # 7 reviewed, all over 100, 2 over 115: showing "7 over 100" would say that 0 are at most 100.
    record_latest(evaluator, [101, 105, 110, 112, 114, 116, 120])
    page = evaluator.get(OVER_TIME).text
    assert cards_of(page) == ["7", "×", "&lt;5"]
    assert "×: skjult, selv om tallet er 5 eller mere" in page


def _possible(shown, threshold, limit=30):
    """Every (reviewed, over 100, over 115) a reader could believe, from the figures and marks alone."""

    def values(figure):
        if not disclosure.is_hidden(figure):
            return [figure]
        return range(threshold) if figure.mark == disclosure.SMALL else range(threshold, limit)

    return [
        (reviewed, over_100, over_115)
        for reviewed, over_100, over_115 in itertools.product(*map(values, shown))
        if reviewed >= over_100 >= over_115
    ]


def test_over_time_counts_never_give_a_small_group_away():
    """Checked by enumeration, not by the engine: no group below 5 (a count shown, or the municipalities
    between two counts) can be worked out, and every mark is true."""
    from survey_app.web.evaluator.fidelity_pages import top_counts

    bands = list(reversed([band for band in fidelity.BANDS if band.threshold is not None][:2]))
    for low in range(8):
        for middle in range(8):
            for high in range(8):
                scores = [90.0] * low + [110.0] * middle + [120.0] * high
                reviewed, tops = top_counts(scores, bands, 5)
                shown = [reviewed, *(top["count"] for top in tops)]
                truth = (len(scores), middle + high, high)
                for value, figure in zip(truth, shown, strict=True):
                    if disclosure.is_hidden(figure):
                        assert (figure.mark == disclosure.SMALL) == (value < 5), (truth, shown)
                    else:
                        assert figure == value
                worlds = _possible(shown, 5)
                assert truth in worlds
                groups = {"low": low, "middle": middle, "high": high}
                for name, index in (("reviewed", 0), ("over_100", 1), ("over_115", 2)):
                    groups[name] = truth[index]
                for name, value in groups.items():
                    if value >= 5:
                        continue
                    seen = {
                        {
                            "low": r - o100,
                            "middle": o100 - o115,
                            "high": o115,
                            "reviewed": r,
                            "over_100": o100,
                            "over_115": o115,
                        }[name]
                        for r, o100, o115 in worlds
                    }
                    assert len(seen) > 1, (truth, shown, name)
