"""Satisfaction and response by fidelity band and by organisation answer, on a cohort worked out by hand.

The cohort, its fidelity reviews and its organisation rounds are built by
tests/worlds/band_cohort.py, whose docstring says which review each
participant matches and what each team answered.

Means by hand: 150/5 = 30, 156/6 = 26, 110/5 = 22, 143/5 = 28.6; SDs sqrt(10/4), sqrt(10/5), sqrt(10/4).
"""

from __future__ import annotations

import json
import math
import statistics

import pytest

from tests.functional.test_reporting import frozen as frozen  # the fixture
from tests.functional.test_reporting import report_json
from tests.worlds import band_cohort
from tests.worlds.band_cohort import EXEMPLARY, FAIR_AALBORG, FAIR_KOEGE, GOOD, NO_REVIEW


@pytest.fixture
def cohort_db(app, db, frozen):
    band_cohort.build(app, db)
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
