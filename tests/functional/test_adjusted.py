"""The non-response-adjusted mean in ``report --format json`` and on the dashboard, on the region
cohort (tests/worlds/region_cohort.py: no gender or birth year, so the cells are municipalities)."""

from __future__ import annotations

import html as html_module
import json
import re

import pytest
import time_machine

from tests.cohort import Person
from tests.cohort import build as build_cohort
from tests.worlds import region_cohort
from tests.worlds.region_cohort import KOEGE, ODENSE, TODAY

# Aalborg 2 eligible, 1 answer (27); Køge 10 eligible, 8 answers (mean 25); Næstved 5, 3 (mean 27);
# Odense 12, 6 (mean 29): the eligible-weighted mean of the municipalities' means.
ADJUSTED_MEAN = (2 * 27 + 10 * 25 + 5 * 27 + 12 * 29) / 29
# Weights 2 (×1), 10/8 (×8), 5/3 (×3), 2 (×6): (Σw)² / Σw².
N_EFFECTIVE = 29**2 / (2**2 + 8 * (10 / 8) ** 2 + 3 * (5 / 3) ** 2 + 6 * 2**2)


def report_json(runner, *args) -> list[dict]:
    result = runner.invoke(args=["report", "--format", "json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.fixture
def cohort_db(app, db):
    with time_machine.travel(TODAY, tick=False):
        region_cohort.build(app, db)
        yield db


def test_the_total_has_the_adjusted_mean_and_its_effective_n(runner, cohort_db):
    rows = report_json(runner, "--by", "region")
    total = rows[-1]
    assert total["group"] == "Total"
    assert total["csq_mean"] == pytest.approx(482 / 18)  # the plain mean stays as it was
    assert total["csq_mean_adjusted"] == pytest.approx(ADJUSTED_MEAN, abs=1e-12)
    assert total["csq_n_effective"] == pytest.approx(N_EFFECTIVE, abs=1e-12)
    assert "csq_mean_adjusted" not in total["hidden"]
    for row in rows[:-1]:
        assert row["csq_mean_adjusted"] is None and row["csq_n_effective"] is None


def test_gender_and_age_make_the_cells(app, db, runner):
    # Odense: women under 30 (4 eligible, 1 answer: 30), men 50+ (4 eligible, 4 answers: 10 each).
    people = [
        Person(
            f"W{n}",
            ODENSE,
            "2026-02-01",
            "completed" if n == 1 else "invited",
            30,
            gender="female",
            birth_year=2000,
        )
        for n in range(1, 5)
    ]
    people += [
        Person(f"M{n}", ODENSE, "2026-02-01", "completed", 10, gender="male", birth_year=1960)
        for n in range(1, 5)
    ]
    with time_machine.travel(TODAY, tick=False):
        build_cohort(db, app.extensions["questionnaires"]["csq8"], people)
        total = report_json(runner, "--by", "region", "--no-suppress")[-1]
    assert total["csq_mean"] == pytest.approx(70 / 5)
    assert total["csq_mean_adjusted"] == pytest.approx(20)  # (4 × 30 + 4 × 10) / 8
    assert total["csq_n_effective"] == pytest.approx(8**2 / (4**2 + 4 * 1))


def test_hidden_with_the_mean(app, db, runner):
    # Three complete responses: the mean is hidden, so is the adjusted one.
    people = [Person(f"K{n}", KOEGE, "2026-03-01", "completed", 20 + n) for n in range(3)]
    people += [Person(f"O{n}", ODENSE, "2026-03-01", "invited") for n in range(6)]
    with time_machine.travel(TODAY, tick=False):
        build_cohort(db, app.extensions["questionnaires"]["csq8"], people)
        total = report_json(runner, "--by", "region")[-1]
        shown = report_json(runner, "--by", "region", "--no-suppress")[-1]
    assert total["csq_mean"] is None and "csq_mean" in total["hidden"]
    assert total["csq_mean_adjusted"] is None and total["csq_n_effective"] is None
    assert total["hidden"]["csq_mean_adjusted"] == total["hidden"]["csq_mean"]
    assert shown["csq_mean_adjusted"] == pytest.approx(21)


def adjusted_line(page: str) -> str | None:
    match = re.search(r'<p class="adjusted" id="adjusted-mean">(.*?)</p>', page, re.S)
    return html_module.unescape(match.group(1)) if match else None


def test_the_dashboard_shows_it_under_tabel_3_in_danish(login, cohort_db):
    with time_machine.travel(TODAY, tick=False):
        page = login("evaluator", ()).get("/evaluering/").text
    line = adjusted_line(page)
    assert line is not None and page.index('id="adjusted-mean"') > page.index('<table class="report">')
    mean = f"{ADJUSTED_MEAN:.2f}".replace(".", ",")  # 27,14
    n_eff = f"{N_EFFECTIVE:.1f}".replace(".", ",")  # 17,2
    assert line.startswith(
        f"Justeret for bortfald (kommune × køn × alder): gennemsnit {mean}, effektivt N {n_eff}."
    )
    assert "kun disse målte kendetegn" in line


def test_the_dashboard_hides_it_with_the_mean(app, db, login):
    people = [Person(f"K{n}", KOEGE, "2026-03-01", "completed", 20 + n) for n in range(3)]
    people += [Person(f"O{n}", ODENSE, "2026-03-01", "invited") for n in range(6)]
    with time_machine.travel(TODAY, tick=False):
        build_cohort(db, app.extensions["questionnaires"]["csq8"], people)
        page = login("evaluator", ()).get("/evaluering/").text
    assert "Justeret for bortfald" not in page and adjusted_line(page) is None
