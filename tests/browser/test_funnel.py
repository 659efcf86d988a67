"""The drop-off page in Chromium, at desktop and phone size, with axe-core at 0 violations."""

from __future__ import annotations

from .test_consultant import check
from .test_consultant import staff_page as staff_page  # the fixture, at desktop and phone size
from .test_evaluator import evaluator_with_demo_cohort


def test_evaluator_reads_where_participants_stop(staff_page, live_app, screenshots):  # noqa: F811
    page = staff_page
    evaluator_with_demo_cohort(page, live_app)
    page.goto(f"{live_app.url}/evaluering/")
    page.click("a:text('Frafald: hvor deltagerne stopper i spørgeskemaet')")
    assert page.locator("h1").inner_text() == "Frafald"
    total = page.locator("section").first
    assert total.locator("h3").inner_text() == "Total"
    assert total.locator("tbody tr").count() == 8
    assert total.locator("svg[role=img]").count() == 1
    shot = screenshots(page, "funnel")
    total.locator("figure.chart-figure").screenshot(path=str(shot.with_name(f"{shot.stem}-chart.png")))
    check(page, "funnel")
    # The municipalities are folded: opened by keyboard or touch, without JavaScript.
    koege = page.locator("details.funnel-group", has_text="Køge")
    assert not koege.locator("table").is_visible()
    koege.locator("summary").click()
    assert koege.locator("tbody tr").count() == 8
    check(page, "funnel with a municipality open")
