"""The organisation round summary goes through disclosure control like every published figure.

The summary by region (municipalities, answered, Ja and Nej per question) is
checked here independently of the engine: every mark is true, every shown
number is the true one, and no relation a reader knows (a column adds up to
its total, answered = Ja + Nej) has exactly one hidden term, which would give
it away.
"""

from __future__ import annotations

import random
import re
from datetime import date, datetime

import pytest
import time_machine

from survey_app import PROJECT_ROOT, audit, clock, rounds
from survey_app.questionnaires import load_file
from survey_app.reporting import disclosure
from survey_app.rounds.results import columns_of, region_summary

ORG = load_file(PROJECT_ROOT / "questionnaires" / "organisation.toml")
COLUMNS = columns_of(ORG)[0]
NOW = datetime(2026, 5, 1, 10, tzinfo=clock.LOCAL_TZ)  # before the regions merge in 2027
THRESHOLD = 5
YES, NO = 1, 2

HOVEDSTADEN = ["101", "147", "151", "153", "155", "157", "159", "161"]
SJAELLAND = ["253", "259", "265", "269", "306", "316", "320", "326"]
MIDTJYLLAND = ["706", "707", "710", "727", "730", "740"]


@pytest.fixture(autouse=True)
def _may_2026():
    with time_machine.travel(NOW, tick=False):
        yield


# -- the independent check ----------------------------------------------------------------------


def names():
    return ["teams", "answered", *((kind, i) for i in range(len(COLUMNS)) for kind in ("yes", "no"))]


def true_counts(groups: dict[str, list[list[int] | None]]) -> dict[str, dict]:
    """Per region (and "" for all), the counts from the teams' answers (None: not answered)."""
    every = [answers for members in groups.values() for answers in members]
    result = {}
    for name, members in [*sorted(groups.items()), ("", every)]:
        answered = [answers for answers in members if answers is not None]
        counts = {"teams": len(members), "answered": len(answered)}
        for i in range(len(COLUMNS)):
            counts[("yes", i)] = sum(1 for answers in answered if answers[i] == YES)
            counts[("no", i)] = sum(1 for answers in answered if answers[i] == NO)
        result[name] = counts
    return result


def check(table: dict[str, dict], truth: dict[str, dict], small: str = "<5", protect: str = "×") -> int:
    """Assert that the published table (per row name, per cell name: a number or a mark) keeps every
    promise; returns how many cells are hidden."""
    assert set(table) == set(truth)
    hidden = 0
    for row, cells in table.items():
        for name in names():
            published, value = cells[name], truth[row][name]
            if published == small:
                assert value < THRESHOLD, (row, name, value)
                hidden += 1
            elif published == protect:
                assert value >= THRESHOLD, (row, name, value)
                hidden += 1
            else:
                assert published == value, (row, name, published, value)
    regions = [row for row in table if row != ""]

    def unknown(row, name):
        return table[row][name] in (small, protect)

    for name in names():
        column = [unknown(row, name) for row in [*regions, ""]]
        assert sum(column) != 1, f"the column {name} gives its one hidden cell away"
    for row in table:
        for i in range(len(COLUMNS)):
            if truth[row][("yes", i)] + truth[row][("no", i)] == truth[row]["answered"]:
                terms = [unknown(row, "answered"), unknown(row, ("yes", i)), unknown(row, ("no", i))]
                assert sum(terms) != 1, f"{row}: answered = Ja + Nej of question {i + 1} gives it away"
    return hidden


def summary_table(summary) -> dict[str, dict]:
    """``region_summary``'s rows as the page prints them."""

    def text(value):
        return str(value) if disclosure.is_hidden(value) else value

    table = {}
    for row in summary.rows:
        cells = {"teams": text(row["teams"]), "answered": text(row["answered"])}
        for i, item in enumerate(row["items"]):
            cells[("yes", i)], cells[("no", i)] = text(item["yes"]), text(item["no"])
        table[row["name"]] = cells
    return table


def teams_of(groups: dict[str, list[list[int] | None]]) -> list[dict]:
    return [
        {
            "region_name": region,
            "completed_at": "2026-05-01T08:00:00+00:00" if answers is not None else None,
            "given": {}
            if answers is None
            else {c.item.id: {"score": a} for c, a in zip(COLUMNS, answers, strict=True)},
        }
        for region, members in groups.items()
        for answers in members
    ]


# -- on the page ----------------------------------------------------------------------------------


def answers_for(index: int, first: int) -> list[int]:
    """A team's six answers: question 1 as given, the others mixed across the teams."""
    return [first] + [YES if (index + k) % 3 else NO for k in range(1, len(COLUMNS))]


PAGE_ROUND = {
    # Region Hovedstaden: 8 answered, question 1: 3 Ja (hidden), 5 Nej (8 − 5 would give the 3 away).
    "Region Hovedstaden": [answers_for(i, YES if i < 3 else NO) for i in range(8)],
    # Region Sjælland: 7 of 8 answered, question 1: 6 Ja, 1 Nej.
    "Region Sjælland": [answers_for(i, YES if i < 6 else NO) for i in range(7)] + [None],
    # Region Midtjylland: 6 answered, question 1: 2 Ja, 4 Nej.
    "Region Midtjylland": [answers_for(i, YES if i < 2 else NO) for i in range(6)],
}
PAGE_CODES = {
    "Region Hovedstaden": HOVEDSTADEN,
    "Region Sjælland": SJAELLAND,
    "Region Midtjylland": MIDTJYLLAND,
}


def open_and_answer(db, name: str, plan: dict[str, list[list[int] | None]], codes: dict[str, list[str]]):
    chosen = {
        code: answers
        for region, members in plan.items()
        for code, answers in zip(codes[region][: len(members)], members, strict=True)
    }
    for code in chosen:
        rounds.set_team_contact(db, code, email=f"ips{code}@example.dk", name=None, actor=audit.SEED, now=NOW)
    round_row, teams = rounds.open_round(
        db,
        name=name,
        questionnaire=ORG,
        deadline=date(2026, 5, 31),
        municipality_codes=list(chosen),
        actor=audit.SEED,
        now=NOW,
    )
    by_item = {column.item.id: i for i, column in enumerate(COLUMNS)}
    for team in teams:
        answers = chosen[team["municipality_code"]]
        if answers is None:
            continue
        for item in ORG.items:
            value = answers[by_item[item.id]] if item.id in by_item else ""
            rounds.store_answer(db, ORG, team["id"], team["nonce"], item, value, changed_by="team", now=NOW)
    return round_row


def page_table(html: str) -> dict[str, dict]:
    """The summary table of a round's page, by region ("" for the "All" row)."""
    body = re.search(r'aria-labelledby="regions-title">.*?<tbody>(.*?)</tbody>', html, re.S).group(1)
    table = {}
    for name, cells in re.findall(r'<th scope="row">([^<]*)</th>(.*?)</tr>', body, re.S):
        values = [cell.replace("&lt;", "<") for cell in re.findall(r'<td class="num">([^<]*)</td>', cells)]
        values = [int(cell) if cell.isdigit() else cell for cell in values]
        table["" if name == "Alle" else name] = dict(zip(names(), values, strict=True))
    return table


def test_the_round_page_hides_what_the_other_figures_would_give_away(app, login, db):
    round_row = open_and_answer(db, "Maj", PAGE_ROUND, PAGE_CODES)
    page = login("evaluator").get(f"/evaluering/organisation/{round_row['id']}").text
    table = page_table(page)
    assert check(table, true_counts(PAGE_ROUND)) > 0
    hovedstaden = table["Region Hovedstaden"]
    # The 3 Ja are "<5"; the 5 Nej and the total's Ja would give them away, so they are "×".
    assert hovedstaden[("yes", 0)] == "<5"
    assert hovedstaden[("no", 0)] == "×"
    assert "×" in [table[row][("yes", 0)] for row in ("", "Region Sjælland", "Region Midtjylland")]
    # The municipalities are the round's invitation list: shown.
    assert [
        table[row]["teams"] for row in ("Region Hovedstaden", "Region Midtjylland", "Region Sjælland", "")
    ] == [
        8,
        6,
        8,
        22,
    ]
    assert "×: skjult, selv om tallet er 5 eller mere, fordi det sammen med de andre viste tal" in page


def test_the_rounds_progress_is_plain_and_only_the_summary_by_region_is_protected(app, login, db):
    """How many municipalities answered is the round's progress, and the table of answers names
    each of them: it is shown as it is. The summary by region is protected like every figure."""
    plan = {"Region Sjælland": [answers_for(i, YES) for i in range(3)] + [None] * 3}
    round_row = open_and_answer(db, "Få svar", plan, {"Region Sjælland": SJAELLAND})
    client = login("evaluator")
    listing = client.get("/evaluering/organisation").text
    assert re.search(r'<td class="num">6</td><td class="num">3</td>', listing)
    page = client.get(f"/evaluering/organisation/{round_row['id']}").text
    assert "3 af 6 kommuner har svaret." in page
    check(page_table(page), true_counts(plan))


def test_a_region_all_of_whose_five_municipalities_answer_alike_hides_its_number_of_municipalities():
    # 5 of 5 answered, every question Ja: with "5 municipalities" shown, "×" answered would be 5,
    # and Nej 0. So the region's municipalities are hidden too (and another region's, against the total).
    groups = {
        "Region Hovedstaden": [[YES] * len(COLUMNS)] * 5,
        "Region Sjælland": [answers_for(i, YES if i % 2 else NO) for i in range(8)],
    }
    summary = region_summary(teams_of(groups), COLUMNS, THRESHOLD)
    table = summary_table(summary)
    check(table, true_counts(groups))
    assert table["Region Hovedstaden"]["teams"] == "×" and table["Region Sjælland"]["teams"] == "×"
    assert table[""]["teams"] == 13


def test_a_round_too_small_to_summarise_shows_no_table(app, login, db):
    # Region Sjælland: 5 of 5 answered, all Nej; Region Hovedstaden: 1, not answered. With 6
    # municipalities in all, Region Sjælland's 5 cannot be hidden, and "×" answered would be 5.
    plan = {"Region Sjælland": [[NO] * len(COLUMNS)] * 5, "Region Hovedstaden": [None]}
    summary = region_summary(teams_of(plan), COLUMNS, THRESHOLD)
    assert summary.withheld and summary.rows == [] and summary.answered == 5
    round_row = open_and_answer(
        db, "Lille", plan, {"Region Sjælland": SJAELLAND, "Region Hovedstaden": HOVEDSTADEN}
    )
    page = login("evaluator").get(f"/evaluering/organisation/{round_row['id']}").text
    assert "Opgørelsen pr. region vises ikke, fordi runden har så få kommuner" in page
    assert 'aria-labelledby="regions-title"' not in page
    assert "5 af 6 kommuner har svaret." in page


def random_round(rng: random.Random) -> dict[str, list[list[int] | None]]:
    regions = ["Region Hovedstaden", "Region Midtjylland", "Region Nordjylland", "Region Sjælland"]
    groups: dict[str, list[list[int] | None]] = {}
    answering, leaning = rng.random(), [rng.random() for _ in COLUMNS]
    for _ in range(rng.randint(1, 45)):
        answers = [YES if rng.random() < lean else NO for lean in leaning]
        groups.setdefault(rng.choice(regions[: rng.randint(1, 4)]), []).append(
            answers if rng.random() < answering else None
        )
    return groups


def test_random_rounds_keep_every_promise():
    rng = random.Random(13)
    hidden = withheld = 0
    for _ in range(250):
        groups = random_round(rng)
        summary = region_summary(teams_of(groups), COLUMNS, THRESHOLD)
        truth = true_counts(groups)
        if summary.withheld:
            withheld += 1
            expected = truth[""]["answered"]
            assert summary.answered == (
                expected if expected >= THRESHOLD else disclosure.hidden(disclosure.SMALL, THRESHOLD)
            )
            continue
        hidden += check(summary_table(summary), truth)
        assert summary.answered == summary.rows[-1]["answered"]
    assert hidden > 0 and withheld < 25


def test_without_a_threshold_every_count_is_shown():
    groups = {"Region Sjælland": [answers_for(i, YES) for i in range(3)]}
    table = summary_table(region_summary(teams_of(groups), COLUMNS, 0))
    assert table == {row: dict(counts) for row, counts in true_counts(groups).items()}
