"""Figures an evaluator can read and reuse (issue 16, item 7): a score histogram whose columns are
wide enough for a few dozen answers, the national response rate month by month, and every chart
as an SVG file of its own, on hand-built cohorts whose figures are worked out here."""

from __future__ import annotations

import math
import re
import statistics
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import UTC, datetime

import pytest
import time_machine

from survey_app import reporting
from survey_app.reporting import cube
from survey_app.reporting.disclosure import Hidden
from tests.cohort import Person, build
from tests.worlds import region_cohort
from tests.worlds.region_cohort import OESTDANMARK_TOTALS, SJAELLAND_TOTALS, SYDDANMARK_TOTALS, TODAY

Z = statistics.NormalDist().inv_cdf(0.975)
SVG = "{http://www.w3.org/2000/svg}"


def test_columns_widen_until_each_holds_four_times_the_threshold_on_average():
    csq8 = (8, 32)  # 25 scores: 25, 13, 9 or 5 columns
    assert cube.bin_width_for(csq8, 500, 5) == 1
    assert cube.bin_width_for(csq8, 499, 5) == 2
    assert cube.bin_width_for(csq8, 260, 5) == 2
    assert cube.bin_width_for(csq8, 259, 5) == 3
    assert cube.bin_width_for(csq8, 180, 5) == 3
    assert cube.bin_width_for(csq8, 179, 5) == 5
    assert cube.bin_width_for(csq8, 0, 5) == 5
    assert cube.bin_width_for(csq8, 3, 0) == 1  # no disclosure control: every score
    assert cube.Spec(score_range=csq8, bin_width=5).bins() == [
        (8, 12),
        (13, 17),
        (18, 22),
        (23, 27),
        (28, 32),
    ]
    assert cube.Spec(score_range=csq8, bin_width=2).bins()[-1] == (32, 32)


def _protected_total(app, db, query):
    with app.app_context():
        from survey_app import context

        solved = context.solve_report(query, "total")
        return solved, context.build_report(query, "total", items=True, cube=solved)


def test_a_few_dozen_answers_get_five_wide_columns_with_their_true_counts(app, db, login):
    """18 complete responses: five columns of five points; each shown count is the true count of
    its span, and the chart draws them (not a row of "<5")."""
    everyone = [27] + SJAELLAND_TOTALS + SYDDANMARK_TOTALS + OESTDANMARK_TOTALS
    assert len(everyone) == 18
    with time_machine.travel(TODAY, tick=False):
        region_cohort.build(app, db)
        client = login("evaluator", ())
        page = client.get("/evaluering/").text
        query = reporting.Query("csq8", TODAY.date())
        _, shown = _protected_total(app, db, query)
    columns = [(8, 12), (13, 17), (18, 22), (23, 27), (28, 32)]
    assert [column for column, _ in shown.scores] == columns
    true = [sum(low <= total <= high for total in everyone) for low, high in columns]
    assert true == [0, 0, 3, 6, 9]  # 18, 20, 22 | 24, 24, 25, 26, 27, 27 | the nine of 28 and over
    for (_, value), count in zip(shown.scores, true, strict=True):
        assert isinstance(value, Hidden) or value == count
    drawn = [value for _, value in shown.scores if isinstance(value, int) and value > 0]
    assert drawn, shown.scores
    chart = page[page.index('class="chart chart-histogram"') :]
    chart = chart[: chart.index("</svg>")]
    labels = re.findall(r'class="chart-small" text-anchor="middle">([^<]+)</text>', chart)
    assert labels == ["8–12", "13–17", "18–22", "23–27", "28–32"]
    assert len(re.findall(r'class="chart-bar"', chart)) == len(drawn)
    assert "Hver søjle dækker 5 point af den samlede score" in page


def test_no_histogram_is_drawn_when_every_column_would_be_hidden(app, db, login):
    """Four complete responses: N is below the threshold, so every column is hidden, and a chart of
    placeholders would say nothing: the page says why instead, and there is no file to download."""
    people = [Person(f"H{n}", "259", "2026-01-10", "completed", total=30) for n in range(4)]
    people += [Person(f"I{n}", "259", "2026-01-10", "invited") for n in range(6)]
    with time_machine.travel(TODAY, tick=False):
        build(db, app.extensions["questionnaires"]["csq8"], people)
        client = login("evaluator", ())
        page = client.get("/evaluering/").text
        assert client.get("/evaluering/?figur=scores").status_code == 404
        _, shown = _protected_total(app, db, reporting.Query("csq8", TODAY.date()))
    assert shown.scores and all(isinstance(value, Hidden) for _, value in shown.scores)
    assert "chart-histogram" not in page
    assert "For få fuldførte besvarelser til at vise fordelingen" in page


# --- the trend ------------------------------------------------------------------------------------------

TREND_TODAY = datetime(2027, 1, 15, 10, 0, tzinfo=UTC)  # the last course start counted: 17 July 2026
# month: (eligible, completed)
TREND = {"2026-01": (10, 5), "2026-02": (12, 6), "2026-03": (11, 5)}


def _trend_people(extra: dict | None = None) -> list[Person]:
    people = []
    for month, (eligible, completed) in {**TREND, **(extra or {})}.items():
        for n in range(eligible):
            done = n < completed
            people.append(
                Person(
                    f"T{month}-{n}",
                    "259",
                    f"{month}-{n % 28 + 1:02d}",
                    "completed" if done else "invited",
                    total=28 if done else None,
                )
            )
    return people


def wilson(x: int, n: int) -> tuple[float, float]:
    p = x / n
    centre = (p + Z**2 / (2 * n)) / (1 + Z**2 / n)
    half = Z / (1 + Z**2 / n) * math.sqrt(p * (1 - p) / n + Z**2 / (4 * n**2))
    return centre - half, centre + half


def _trend(app, db):
    query = reporting.Query("csq8", TREND_TODAY.date())
    solved, _ = _protected_total(app, db, query)
    return reporting.trend.trend(db, query, solved, threshold=5), solved


def test_the_trend_gives_each_month_its_rate_and_wilson_interval(app, db, login):
    with time_machine.travel(TREND_TODAY, tick=False):
        build(db, app.extensions["questionnaires"]["csq8"], _trend_people())
        result, _ = _trend(app, db)
        page = login("evaluator", ()).get("/evaluering/").text
    # From the first quarter's first month to the month of the last counted course start.
    assert [month.month for month in result.months] == [f"2026-{m:02d}" for m in range(1, 8)]
    for month in result.months:
        if month.month not in TREND:
            # No one started then; the spine hides those empty quarters, and their months with them.
            assert all(
                month[name] == 0 or isinstance(month[name], Hidden) for name in ("eligible", "completed")
            )
            continue
        eligible, completed = TREND[month.month]
        assert (month["eligible"], month["completed"]) == (eligible, completed)
        if eligible:
            assert month["response_rate"] == completed / eligible
            low, high = wilson(completed, eligible)
            assert month["rr_ci_low"] == pytest.approx(low, abs=1e-12)
            assert month["rr_ci_high"] == pytest.approx(high, abs=1e-12)
        else:
            assert month["response_rate"] is None
    section = page[page.index('id="trend-title"') :]
    assert re.search(r"feb\. 2026</th>\s*<td class=\"num\">12</td>\s*<td class=\"num\">6</td>", section)
    assert re.search(
        r"mar\. 2026</th>\s*<td class=\"num\">11</td>\s*<td class=\"num\">5</td>\s*<td class=\"num\">45,5",
        section,
    )
    # The chart: one marker per month with a rate (three), the months without participants break no line.
    chart = section[section.index('class="chart chart-lines"') : section.index("</svg>")]
    assert len(re.findall(r"chart-marker chart-series-1", chart)) == 3 + 1  # three months and the legend


def test_a_month_is_hidden_where_its_quarter_would_give_it_away(app, db):
    """April is the only month of its quarter with participants (3): hidden. March is shown only if
    no shown enclosing count differs from it by 1 to 4, and a hidden quarter never has all three of
    its months shown (they would add up to it)."""
    with time_machine.travel(TREND_TODAY, tick=False):
        build(db, app.extensions["questionnaires"]["csq8"], _trend_people({"2026-04": (3, 1)}))
        result, solved = _trend(app, db)
    months = {month.month: month for month in result.months}
    assert isinstance(months["2026-04"]["eligible"], Hidden)
    assert isinstance(months["2026-04"]["response_rate"], Hidden)
    for month in result.months:
        quarter = cube.parent_of(month.month)
        for name in ("eligible", "completed"):
            value = month[name]
            if isinstance(value, Hidden):
                continue
            for around in [quarter, *cube.ancestors(quarter)]:
                if solved.total_mark(around, name):
                    continue
                outer = solved.total_figures[(cube.TOTAL, around)]
                assert not 0 < getattr(outer, name) - value < 5, (month.month, around, name)
    for quarter in ("2026K1", "2026K2"):
        for name in ("eligible", "completed"):
            if solved.total_mark(quarter, name):
                assert any(
                    isinstance(months[m][name], Hidden) for m in cube.months_of(quarter) if m in months
                )


def test_without_disclosure_control_every_month_is_shown(app, db):
    with time_machine.travel(TREND_TODAY, tick=False):
        build(db, app.extensions["questionnaires"]["csq8"], _trend_people({"2026-04": (3, 1)}))
        query = reporting.Query("csq8", TREND_TODAY.date())
        result = reporting.trend.trend(db, query, None, threshold=5, suppress=False)
    assert {m.month: (m["eligible"], m["completed"]) for m in result.months if m["eligible"]} == {
        **TREND,
        "2026-04": (3, 1),
    }


# --- charts as files ------------------------------------------------------------------------------------


def _svg_file(response) -> ET.Element:
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    assert response.headers["Cache-Control"] == "no-store"
    policies = response.headers.getlist("Content-Security-Policy")
    assert policies == ["default-src 'none'; style-src 'unsafe-inline'"]  # no script, its own style only
    text = response.get_data(as_text=True)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    assert "var(--" not in text  # colours written out for editors that know no CSS variables
    return ET.fromstring(text.split("\n", 1)[1])


def test_every_chart_on_the_dashboard_downloads_as_the_same_svg(app, db, login):
    with time_machine.travel(TODAY, tick=False):
        region_cohort.build(app, db)
        client = login("evaluator", ())
        page = client.get("/evaluering/").text
        links = re.findall(r'href="([^"]*figur=([a-z-]+))" download', page)
        names = [name for _, name in links]
        assert {"rates", "scores"} <= set(names), names
        files = {}
        for href, name in links:
            response = client.get(href.replace("&amp;", "&"))
            root = _svg_file(response)
            files[name] = response.headers["Content-Disposition"]
            assert root.tag == f"{SVG}svg" and root.get("width") and root.get("height")
            style = root.find(f"{SVG}style").text
            assert ".chart .chart-bar { fill: #0b5560; }" in style
            # The same drawing as on the page: its title and every text.
            on_page = re.search(r'<svg[^>]*aria-labelledby="' + name + r'-title".*?</svg>', page, re.S).group(
                0
            )
            page_texts = re.findall(r"<text[^>]*>([^<]*)</text>", on_page)
            file_texts = [element.text or "" for element in root.iter(f"{SVG}text")]
            assert [ET.fromstring(f"<t>{text}</t>").text or "" for text in page_texts] == file_texts
        assert len(set(files.values())) == len(files)  # a name of its own for each
        assert files["scores"] == 'attachment; filename="scorefordeling-2027-09-01.svg"'
        with_filters = client.get("/evaluering/?questionnaire=csq8&period=2026&figur=rates")
        assert with_filters.headers["Content-Disposition"] == (
            'attachment; filename="svarprocent-kommuner-csq8-2026-2027-09-01.svg"'
        )
        assert client.get("/evaluering/?figur=nothing").status_code == 404


def test_the_funnel_charts_download_too(app, db, login):
    with time_machine.travel(TODAY, tick=False):
        region_cohort.build(app, db)
        client = login("evaluator", ())
        page = client.get("/evaluering/frafald").text
        hrefs = re.findall(r'href="([^"]*figur=funnel-\d+)" download', page)
        assert hrefs
        root = _svg_file(client.get(hrefs[0].replace("&amp;", "&")))
        assert "frafald-1-" in client.get(hrefs[0].replace("&amp;", "&")).headers["Content-Disposition"]
        assert root.find(f"{SVG}title").text.startswith("Nåede hvert spørgsmål")


def test_a_consultant_gets_no_chart(app, db, login):
    with time_machine.travel(TODAY, tick=False):
        region_cohort.build(app, db)
        client = login("consultant", ("259",))
        response = client.get("/evaluering/?figur=scores")
    assert response.status_code in (302, 403, 404)
    assert b"<svg" not in response.data


def test_the_standalone_stylesheet_follows_staff_css():
    """Every colour of the charts' rules in staff.css reaches the file, resolved."""
    from survey_app import chart_files

    staff = chart_files._STAFF_CSS.read_text(encoding="utf-8")
    css = chart_files._standalone_css(staff)
    series = dict(re.findall(r"\.chart \.chart-(series-\d) \{ --series: (#[0-9a-f]{6})", staff))
    assert len(series) == 6
    for name, colour in series.items():
        assert f".chart-line.chart-{name} {{ stroke: {colour};" in css
        assert f".chart-marker.chart-{name} {{ fill: {colour}; }}" in css
    assert Counter(re.findall(r"#[0-9a-f]{6}", css))["#0b5560"] >= 2
