"""The evaluator's pages in Chromium, at desktop and phone size, with axe-core at 0 violations."""

from __future__ import annotations

from survey_app import accounts, audit, clock
from survey_app.db import connect
from tests.cohort import build, demo_people
from tests.conftest import PASSWORD

from .helpers import submit_login
from .test_consultant import check
from .test_consultant import staff_page as staff_page  # the fixture, at desktop and phone size


def log_in(page, live_app):
    page.goto(f"{live_app.url}/login")
    page.fill("input[name=email]", "evaluering@example.dk")
    page.fill("input[name=password]", PASSWORD)
    submit_login(page, live_app.app, "evaluering@example.dk")


def evaluator_with_demo_cohort(page, live_app) -> None:
    """An evaluator logged in on ``page``, over a demo cohort of 400 participants."""
    app = live_app.app
    database = connect(app.config["DATABASE"])
    accounts.create_user(
        database,
        actor=audit.SEED,
        email="evaluering@example.dk",
        role="evaluator",
        municipalities=[],
        password=PASSWORD,
    )
    build(database, app.extensions["questionnaires"]["csq8"], demo_people(400, clock.today()))
    database.close()
    log_in(page, live_app)


def test_evaluator_reads_the_dashboard_and_a_municipality_report(staff_page, live_app, screenshots):  # noqa: F811
    page = staff_page
    evaluator_with_demo_cohort(page, live_app)
    page.goto(f"{live_app.url}/evaluering/")
    assert page.locator("h1").inner_text() == "Tilfredshed og svarprocenter"
    total = page.get_by_role("region", name="Resultater efter region").locator("tr.total")
    assert total.locator("th").inner_text() == "Total"
    assert "%" in total.locator("td").nth(5).inner_text()
    # The response rates, the score chart, the month-by-month trend and the completion curve (issue 16),
    # each with its SVG file.
    assert page.locator("svg[role=img]").count() == 4
    assert page.locator("figcaption a[download]").count() == 4
    with page.expect_download() as download:
        page.locator("figcaption a[download]").nth(1).click()
    assert download.value.suggested_filename.startswith("scorefordeling-")
    assert download.value.path().read_text(encoding="utf-8").startswith("<?xml")
    shot = screenshots(page, "dashboard")
    for number, figure in enumerate(page.locator("figure.chart-figure").all(), 1):
        figure.screenshot(path=str(shot.with_name(f"{shot.stem}-chart-{number}.png")))
    check(page, "dashboard")

    page.select_option("select[name=by]", "municipality")
    page.click("form.filters button[type=submit]")
    assert "by=municipality" in page.url
    assert page.locator("table.report tbody tr").count() >= 10
    screenshots(page, "by-municipality")

    page.click("table.report a:text('Køge')")
    assert page.locator("h1").inner_text() == "Køge: tilfredshed og svarprocent"
    assert page.locator("text=År for år").count() == 1
    screenshots(page, "municipality-report")
    check(page, "municipality report")
    page.emulate_media(media="print")
    screenshots(page, "municipality-report-print")
    assert page.locator("form.filters").is_hidden()
    page.emulate_media(media="screen")

    page.goto(f"{live_app.url}/evaluering/bortfald")
    assert page.locator("h1").inner_text() == "Hvem svarer?"
    screenshots(page, "non-response")
    check(page, "non-response")

    page.goto(f"{live_app.url}/evaluering/sammenhaenge")
    assert page.locator("h1").inner_text() == "Organisering, fidelitet og tilfredshed"
    assert page.locator("table.report").count() == 7
    screenshots(page, "associations")
    check(page, "associations")
