"""Hidden cells an evaluator could work out from the published figures (found by the attack review).

Each test reads the views the product offers (the same ``reporting.report`` as the dashboard, the
municipality report and the ``report`` command) on the demo cohort and checks one promise of
README's "Reports and exports": no hidden cell can be worked out from the published numbers.
"""

from __future__ import annotations

from datetime import date

import pytest

from survey_app import reporting
from survey_app.reporting import cube
from survey_app.reporting.disclosure import Hidden
from tests.cohort import build, demo_people

pytestmark = pytest.mark.slow  # the everyday run (README) leaves these out

TODAY = date(2026, 12, 1)
COUNTS = ("eligible", "invited", "opened", "partial", "completed", "not_completed", "csq_n")


def _view(app, db, by, period, basis="baseline"):
    questionnaire = app.extensions["questionnaires"]["csq8"]
    with app.app_context():
        return reporting.report(
            db,
            reporting.Query("csq8", TODAY, period=period, region_basis=basis),
            by,
            questionnaire=questionnaire,
        )


def _rows(report):
    return {row.values["group"]: row for row in report.rows}


def _shown(row, key):
    return not isinstance(row.values[key], Hidden)


@pytest.fixture
def demo(app, db):
    build(db, app.extensions["questionnaires"]["csq8"], demo_people(300, TODAY, seed=1))
    return db


def test_the_whole_time_minus_the_other_years_gives_no_year_away(app, demo):
    """E.g. cluster Sjælland Vest, completed: whole time 37, 2024 14, 2025 19, so 2026 = 4 ('<5')."""
    by = "cluster"
    whole = _rows(_view(app, demo, by, ""))
    years = [p for p in _view(app, demo, "total", "").cube.periods if len(p) == 4]
    assert len(years) >= 3
    by_year = {year: _rows(_view(app, demo, by, year)) for year in years}
    found = []
    for group, row in whole.items():
        for key in COUNTS:
            if not _shown(row, key):
                continue
            hidden = [y for y in years if group in by_year[y] and not _shown(by_year[y][group], key)]
            if len(hidden) != 1:
                continue
            (year,) = hidden
            others = sum(by_year[y][group].values[key] for y in years if y != year and group in by_year[y])
            truth = by_year[year][group].figures.values()[key]
            assert row.values[key] - others == truth
            found.append((group, year, key, truth))
    assert not found, found


def test_the_region_view_gives_no_hidden_cluster_away(app, demo):
    """Every municipality outside Region Sjælland is outside the shipped clusters (and every Sjælland
    one inside), so 'Not in a cluster' = Total − Region Sjælland. E.g. 2026, eligible: 80 − 73 = 7 ('×')."""
    found = []
    for period in _view(app, demo, "total", "").cube.periods:
        clusters = _rows(_view(app, demo, "cluster", period))
        regions = _rows(_view(app, demo, "region", period))
        outside = clusters.get("Not in a cluster")
        sjaelland = regions.get("Region Sjælland")
        if outside is None or sjaelland is None:
            continue
        for key in COUNTS:
            total = regions["Total"]
            if not _shown(outside, key) and _shown(sjaelland, key) and _shown(total, key):
                truth = outside.figures.values()[key]
                assert total.values[key] - sjaelland.values[key] == truth
                found.append((period, key, truth))
    assert not found, found


def test_a_quarter_hidden_in_its_own_view_is_hidden_in_every_period_view(app, demo):
    """2026K2's partial is '×' in its own view (7, hidden because 2026H1 has 10), but the whole time by
    period shows 7 on the 2026K2 row, and 2026H1 − 7 = 3 = 2026K1's partial ('<5')."""
    offered = _view(app, demo, "total", "").cube.periods
    quarters = [p for p in offered if "K" in p]
    found = []
    for quarter in quarters:
        own = _view(app, demo, "total", quarter).total
        for period in [p for p in offered if quarter in cube.quarters_in(p, quarters) and p != quarter]:
            row = _rows(_view(app, demo, "period", period)).get(quarter)
            for key in COUNTS:
                if row is not None and _shown(row, key) and not _shown(own, key):
                    found.append((quarter, period, key, row.values[key]))
    assert not found, found


def test_a_fidelity_band_gives_no_hidden_municipality_figure_away(app, demo):
    """Køge is the only municipality with a review (/evaluering/fidelitet: 120, exemplary), so the band
    'Exemplary' is Køge. E.g. 2025H1: 'Sammenhænge' shows the band's N '×' and mean '–'; the dashboard
    by municipality shows Køge's N 5 and mean 28,00."""
    demo["fidelity_review"].insert(
        {
            "municipality_code": "259",
            "review_date": "2024-06-01",
            "scale": "ips25",
            "reviewers": "A og B",
            "total": 120,
            "ips25_equivalent": 120.0,
            "created_at": "2024-06-02T10:00:00+00:00",
        }
    )
    found = []
    for period in _view(app, demo, "total", "").cube.periods:
        koege = {row.figures.key: row for row in _view(app, demo, "municipality", period).group_rows}.get(
            "259"
        )
        band = {row.figures.key: row for row in _view(app, demo, "fidelity-band", period).group_rows}.get(
            "exemplary"
        )
        if koege is None or band is None:
            continue
        assert koege.figures.values()["eligible"] == band.figures.values()["eligible"]
        for key in (*COUNTS, "csq_mean", "csq_sd"):
            if _shown(koege, key) != _shown(band, key):
                found.append((period, key, koege.values[key], band.values[key]))
    assert not found, found


def test_the_region_basis_changes_no_hidden_figure_into_a_shown_one(app, db):
    """After 1 January 2027 the two bases differ. The same municipality's figures (the dashboard by
    municipality, 'i dag', and the municipality report, which always uses today's regions) and
    Region Syddanmark's, Midtjylland's and Nordjylland's (which did not merge) are the same people
    under both bases, so a '×' under one basis must not be shown under the other."""
    as_of = date(2027, 9, 1)
    build(db, app.extensions["questionnaires"]["csq8"], demo_people(300, as_of, seed=1))
    questionnaire = app.extensions["questionnaires"]["csq8"]
    found = []
    with app.app_context():
        periods = reporting.report(db, reporting.Query("csq8", as_of), "total", questionnaire=questionnaire)
        for period in periods.cube.periods:
            for by, same in (
                ("municipality", None),
                ("region", ("syddanmark", "midtjylland", "nordjylland")),
            ):
                views = [
                    {
                        row.figures.key: row
                        for row in reporting.report(
                            db,
                            reporting.Query("csq8", as_of, period=period, region_basis=basis),
                            by,
                            questionnaire=questionnaire,
                        ).group_rows
                    }
                    for basis in reporting.REGION_BASES
                ]
                for key, row in views[0].items():
                    if (same is not None and key not in same) or key not in views[1]:
                        continue
                    for name in (*COUNTS, "csq_mean"):
                        if _shown(row, name) != _shown(views[1][key], name):
                            found.append(
                                (period, by, key, name, row.values[name], views[1][key].values[name])
                            )
    assert not found, found


@pytest.mark.xfail(
    strict=True,
    reason="a period's figures are fixed before the periods inside it are checked; a hidden cell the "
    "parent pins stays pinned (README: Not covered)",
)
def test_no_view_leaves_a_pinned_cell_unprotected(app, demo):
    """The engine's own attacker, after solving: no hidden cell of any offered view is pinned."""
    questionnaire = app.extensions["questionnaires"]["csq8"]
    found = []
    with app.app_context():
        query = reporting.Query("csq8", TODAY)
        for by in ("total", "region", "cluster", "municipality", "period"):
            solved = reporting.protected(
                db=demo, query=query, by=by, threshold=5, questionnaire=questionnaire
            )
            for period in solved.periods:
                found += sorted(solved.problems[period].unresolved, key=str)
    assert not found, found[:10]
