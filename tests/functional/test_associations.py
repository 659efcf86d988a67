"""Satisfaction and response by fidelity band and by organisation answer, on a cohort worked out by hand.

Today is 1 September 2027; the follow-up date is the course start + 182 days.

Fidelity reviews (IPS-25 equivalent) and who they match:
- Køge: 2026-01-10 IPS-25 118 (exemplary) and 2026-12-01 IPS-15 60 x 1.66 = 99.6 (fair).
  Course start 2025-10-01 -> follow-up 2026-04-01: 81 days from the first, 244 from the second: exemplary.
  Course start 2026-01-01 -> follow-up 2026-07-02: 173 and 152 days: fair.
- Næstved: 2026-06-01 IPS-25 105 (good).
- Aalborg: 2026-05-03 IPS-25 80 (fair) and 2026-08-31 IPS-25 120 (exemplary), both 60 days from
  the follow-up 2026-07-02: a tie, and the earlier review counts: fair.
- Odense: no review.

| band        | who                 | eligible | completed | totals                 |
|-------------|---------------------|----------|-----------|------------------------|
| exemplary   | Køge, start 2025-10 | 6        | 5         | 30 31 32 29 28         |
| good        | Næstved             | 8        | 6         | 25 27 26 28 24 26      |
| fair        | Køge 2026 + Aalborg | 7        | 5         | 20 22 24 + 21 23       |
| no review   | Odense              | 5        | 5         | 27 29 31 26 30         |

Means by hand: 150/5 = 30, 156/6 = 26, 110/5 = 22, 143/5 = 28.6; SDs sqrt(10/4), sqrt(10/5), sqrt(10/4).

Organisation question 2, round deadlines 2026-06-30 and 2027-06-30: Køge answered Ja in
2026 and Nej in 2027 (its participants' follow-ups are closer to 2026: Ja), Næstved Nej,
Odense began but did not finish (not answered), Aalborg has no team answer.
"""

from __future__ import annotations

import json
import math
import statistics

import pytest

from tests.cohort import Person, build
from tests.functional.test_reporting import frozen as frozen  # the fixture
from tests.functional.test_reporting import report_json

KOEGE, NAESTVED, ODENSE, AALBORG = "259", "370", "461", "851"
EXEMPLARY = [30, 31, 32, 29, 28]
GOOD = [25, 27, 26, 28, 24, 26]
FAIR_KOEGE, FAIR_AALBORG = [20, 22, 24], [21, 23]
NO_REVIEW = [27, 29, 31, 26, 30]


def people() -> list[Person]:
    cohort = [Person(f"KA{n}", KOEGE, "2025-10-01", "completed", t) for n, t in enumerate(EXEMPLARY)]
    cohort.append(Person("KA9", KOEGE, "2025-10-01", "invited"))
    cohort += [Person(f"KB{n}", KOEGE, "2026-01-01", "completed", t) for n, t in enumerate(FAIR_KOEGE)]
    cohort += [Person("KB8", KOEGE, "2026-01-01", "invited"), Person("KB9", KOEGE, "2026-01-01", "opened")]
    cohort += [Person(f"N{n}", NAESTVED, "2026-01-01", "completed", t) for n, t in enumerate(GOOD)]
    cohort += [Person("N8", NAESTVED, "2026-01-01"), Person("N9", NAESTVED, "2026-01-01")]
    cohort += [Person(f"A{n}", AALBORG, "2026-01-01", "completed", t) for n, t in enumerate(FAIR_AALBORG)]
    cohort += [Person(f"O{n}", ODENSE, "2026-01-01", "completed", t) for n, t in enumerate(NO_REVIEW)]
    return cohort


def add_review(db, municipality, day, scale, total, equivalent):
    db["fidelity_review"].insert(
        {
            "municipality_code": municipality,
            "review_date": day,
            "scale": scale,
            "total": total,
            "ips25_equivalent": equivalent,
            "created_at": "2026-01-01T00:00:00+00:00",
        }
    )


def add_round_answer(db, name, deadline, answers, unfinished=()):
    round_id = (
        db["round"]
        .insert(
            {
                "name": name,
                "questionnaire_id": "organisation",
                "deadline": deadline,
                "created_at": "2026-01-01T00:00:00+00:00",
            }
        )
        .last_pk
    )
    for municipality, score in [*answers.items(), *((m, 1) for m in unfinished)]:
        team_id = (
            db["round_team"]
            .insert(
                {
                    "round_id": round_id,
                    "municipality_code": municipality,
                    "nonce": f"{name}-{municipality}",
                    "created_at": "2026-01-01T00:00:00+00:00",
                    "opened_at": "2026-01-02T00:00:00+00:00",
                    "completed_at": None if municipality in unfinished else "2026-01-02T00:00:00+00:00",
                }
            )
            .last_pk
        )
        db["round_answer"].insert(
            {
                "round_team_id": team_id,
                "item_id": "org_2",
                "score": score,
                "answered_at": "2026-01-02T00:00:00+00:00",
            }
        )


@pytest.fixture
def cohort_db(app, db, frozen):
    build(db, app.extensions["questionnaires"]["csq8"], people())
    add_review(db, KOEGE, "2026-01-10", "ips25", 118, 118.0)
    add_review(db, KOEGE, "2026-12-01", "ips15", 60, 60 * 1.66)
    add_review(db, NAESTVED, "2026-06-01", "ips25", 105, 105.0)
    add_review(db, AALBORG, "2026-05-03", "ips25", 80, 80.0)
    add_review(db, AALBORG, "2026-08-31", "ips25", 120, 120.0)
    add_round_answer(db, "Runde 2026", "2026-06-30", {KOEGE: 1, NAESTVED: 2}, unfinished=(ODENSE,))
    add_round_answer(db, "Runde 2027", "2027-06-30", {KOEGE: 2})
    return db


def test_by_fidelity_band(runner, cohort_db):
    rows = {row["group"]: row for row in report_json(runner, "--by", "fidelity-band", "--no-suppress")}
    assert list(rows) == [
        "Eksemplarisk IPS",
        "God IPS (høj fidelitet)",
        "Rimelig IPS",
        "Ingen fidelitetsmåling",
        "Total",
    ]
    expected = {
        "Eksemplarisk IPS": (6, 5, 30.0, math.sqrt(10 / 4)),
        "God IPS (høj fidelitet)": (8, 6, 26.0, math.sqrt(10 / 5)),
        "Rimelig IPS": (7, 5, 22.0, math.sqrt(10 / 4)),
        "Ingen fidelitetsmåling": (5, 5, 28.6, statistics.stdev(NO_REVIEW)),
        "Total": (26, 21, statistics.mean(EXEMPLARY + GOOD + FAIR_KOEGE + FAIR_AALBORG + NO_REVIEW), None),
    }
    for group, (eligible, completed, mean, sd) in expected.items():
        row = rows[group]
        assert (row["eligible"], row["completed"], row["csq_n"]) == (eligible, completed, completed), group
        assert row["response_rate"] == pytest.approx(completed / eligible, abs=1e-12)
        assert row["csq_mean"] == pytest.approx(mean, abs=1e-12)
        if sd is not None:
            assert row["csq_sd"] == pytest.approx(sd, abs=1e-12)


def test_by_organisation_answer(runner, cohort_db):
    rows = {row["group"]: row for row in report_json(runner, "--by", "org-item-2", "--no-suppress")}
    assert list(rows) == ["Ja", "Nej", "Ikke besvaret", "Total"]
    yes = EXEMPLARY + FAIR_KOEGE
    assert (rows["Ja"]["eligible"], rows["Ja"]["completed"]) == (11, 8)
    assert rows["Ja"]["csq_mean"] == pytest.approx(statistics.mean(yes))
    assert rows["Ja"]["csq_sd"] == pytest.approx(statistics.stdev(yes))
    assert (rows["Nej"]["eligible"], rows["Nej"]["csq_mean"]) == (8, pytest.approx(26.0))
    assert (rows["Ikke besvaret"]["eligible"], rows["Ikke besvaret"]["completed"]) == (7, 7)
    assert rows["Ikke besvaret"]["csq_mean"] == pytest.approx(statistics.mean(NO_REVIEW + FAIR_AALBORG))


def test_suppressed_by_default(runner, cohort_db):
    rows = {row["group"]: row for row in report_json(runner, "--by", "fidelity-band")}
    # Every group has at least 5 eligible and 5 complete, but partial (0) is small, and so are
    # those who did not complete: the completed count (5) is then hidden as "×", never as "<5".
    fair = rows["Rimelig IPS"]
    assert fair["completed"] is None and fair["hidden"]["completed"] == "×"
    assert fair["partial"] is None and fair["hidden"]["partial"] == "<5"
    assert json.dumps(rows)  # plain JSON


def test_associations_page(app, cohort_db, login):
    client = login("evaluator", ())
    page = client.get("/evaluering/sammenhaenge").text
    assert "Eksemplarisk IPS" in page and "Ingen fidelitetsmåling" in page
    assert "×" in page and "&lt;5" in page
    assert page.count("<table") == 7  # fidelity band + six organisation questions
