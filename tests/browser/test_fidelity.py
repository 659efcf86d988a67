"""The evaluator records a fidelity review and reads fidelity over time, at desktop and phone size."""

from __future__ import annotations

from tests.conftest import PASSWORD
from tests.worlds import fidelity_history
from tests.worlds.fidelity_history import EARLIER_REVIEWS, EVALUATOR

from .helpers import submit_login
from .test_consultant import check
from .test_consultant import staff_page as staff_page  # the fixture, at desktop and phone size


def test_evaluator_records_a_review_and_sees_fidelity_over_time(staff_page, live_app, screenshots):  # noqa: F811
    page = staff_page
    fidelity_history.build(live_app.app)
    page.goto(f"{live_app.url}/login")
    page.get_by_label("E-mail").fill(EVALUATOR)
    page.get_by_label("Adgangskode").fill(PASSWORD)
    submit_login(page, live_app.app, EVALUATOR)
    page.get_by_role("navigation").get_by_role("link", name="Fidelitet", exact=True).click()
    page.get_by_role("heading", name="Fidelitetsmålinger", level=1).wait_for()
    assert page.locator("tbody tr").count() == len(EARLIER_REVIEWS)
    check(page, "review list")
    screenshots(page, "list")

    page.get_by_role("link", name="Registrér en måling").click()
    page.get_by_label("IPS-25").check()
    check(page, "choose the scale")
    screenshots(page, "scale")
    page.get_by_role("button", name="Fortsæt").click()
    page.get_by_label("Kommune").select_option(label="Stevns")
    page.get_by_label("Dato for målingen").fill("2024-10-01")
    page.get_by_label("Bedømmere (frivilligt)").fill("Anne og Bo")
    items = page.locator("select[name^=item_]")
    assert items.count() == 25
    for index in range(items.count() - 2):  # two items left out on purpose
        items.nth(index).select_option("4")
    page.get_by_role("button", name="Gem målingen").click()
    alert = page.get_by_role("alert")
    assert "ret disse 2 fejl" in alert.inner_text()
    assert "Punkt 24 (Indsatsen foregår ude i samfundet) mangler en score." in alert.inner_text()
    assert page.get_by_label("Bedømmere (frivilligt)").input_value() == "Anne og Bo"  # nothing lost
    assert items.nth(0).input_value() == "4"
    check(page, "form with errors")
    screenshots(page, "form-errors")
    page.get_by_role(
        "link", name="Punkt 25 (Opsøgende indsats fra behandlingsteamet) mangler en score."
    ).click()
    page.get_by_label("25. Opsøgende indsats fra behandlingsteamet").select_option("5")
    page.get_by_label("24. Indsatsen foregår ude i samfundet").select_option("5")
    page.get_by_role("button", name="Gem målingen").click()
    status = page.get_by_role("status")
    assert (
        "Målingen er gemt: Stevns, 1. okt. 2024, IPS-25, total 102, IPS-25-score 102,00"
        in status.inner_text()
    )
    assert "God IPS (høj fidelitet)" in page.locator("tbody").inner_text()
    check(page, "list after saving")
    screenshots(page, "saved")
    page.get_by_role("link", name="Ret målingen af Stevns den 7. apr. 2021").click()
    page.get_by_role("link", name="Slet målingen").click()
    page.get_by_role("heading", name="Slet målingen?").wait_for()
    check(page, "delete confirmation")
    screenshots(page, "delete")
    page.get_by_role("button", name="Slet målingen").click()
    assert "Målingen af Stevns den 7. apr. 2021 er slettet." in page.get_by_role("status").inner_text()
    assert page.locator("tbody tr").count() == 3  # Stevns' other reviews

    page.get_by_role("link", name="Fidelitet over tid").click()
    page.get_by_role("heading", name="Fidelitet over tid", level=1).wait_for()
    charts = page.locator("svg[role=img]")
    assert charts.count() == 2
    east = page.locator("section", has=page.get_by_role("heading", name="Sjælland Øst"))
    assert "Stevns" in east.locator("table").inner_text()
    assert "102,00" in east.locator("table").inner_text()
    shot = screenshots(page, "over-time")
    for number, figure in enumerate(page.locator("figure.chart-figure").all(), 1):
        figure.screenshot(path=str(shot.with_name(f"{shot.stem}-chart-{number}.png")))
    check(page, "fidelity over time")

    page.goto(f"{live_app.url}/evaluering/fidelitet/import")
    check(page, "import")
    screenshots(page, "import")
