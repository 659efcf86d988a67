"""The admin's pages of issue 15 in Chromium at 1280 wide: labels, the link to copy or e-mail, the
municipality picker with and without JavaScript; axe-core at 0 violations on each."""

from __future__ import annotations

import pytest

from survey_app import accounts, audit
from survey_app.db import connect
from tests.conftest import PASSWORD
from tests.helpers import app_code, totp_state

from .helpers import assert_accessible, assert_no_sideways_scroll, submit_login

DESKTOP = {"width": 1280, "height": 900}


def _admin(live_app):
    database = connect(live_app.app.config["DATABASE"])
    try:
        accounts.create_user(
            database, actor=audit.SEED, email="admin@example.dk", role="admin", password=PASSWORD
        )
    finally:
        database.close()


def _log_in(page, live_app):
    page.goto(live_app.url + "/login")
    page.get_by_label("E-mail").fill("admin@example.dk")
    page.get_by_label("Adgangskode").fill(PASSWORD)
    submit_login(page, live_app.app, "admin@example.dk")
    page.get_by_role("heading", name="Brugere").wait_for()


@pytest.fixture
def desktop(browser):
    context = browser.new_context(viewport=DESKTOP)
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    yield context.new_page()
    context.close()


@pytest.fixture
def desktop_without_js(browser):
    context = browser.new_context(viewport=DESKTOP, java_script_enabled=False)
    yield context.new_page()
    context.close()


def test_outbox_log_and_user_form_at_1280(desktop, live_app, screenshots):
    page = desktop
    _admin(live_app)
    runner = live_app.app.test_cli_runner()
    for args in (
        [
            "participants",
            "add",
            "P-1",
            "--municipality",
            "259",
            "--baseline",
            "2020-01-06",
            "--email",
            "p1@example.dk",
            "--consent",
        ],
        ["teams", "set", "370", "--email", "ips@naestved.dk"],
        ["send-due"],
    ):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
    _log_in(page, live_app)
    # The picker: the filter opens the region with a match; ticking updates the chosen line.
    page.get_by_label("E-mail").fill("ny@koege.dk")
    page.get_by_label("Find en kommune efter navn eller kode").fill("næst")
    assert page.locator("details.picker-group[open]").count() == 1
    page.get_by_label("Næstved (370)").check()
    assert "Næstved (370)" in page.locator("[data-picker-chosen]").inner_text()
    page.get_by_label("Find en kommune efter navn eller kode").fill("259")
    page.get_by_label("Køge (259)").check()
    page.get_by_role("button", name="Opret bruger").click()
    page.get_by_text("ny@koege.dk er oprettet").wait_for()
    link = page.locator("#new-link")
    assert link.get_attribute("readonly") is not None and "/adgangskode/" in link.input_value()
    page.get_by_role("button", name="Kopiér").click()
    page.get_by_text("Kopieret").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == link.input_value()
    assert_accessible(page, "users with a new link")
    screenshots(page, "users-new-link")
    page.get_by_role("button", name="Send linket til brugeren").click()
    page.get_by_text("Linket er sendt på e-mail til ny@koege.dk.").wait_for()
    # The user form, with the picker showing the two municipalities.
    assert page.get_by_label("Køge (259)").is_checked() and page.get_by_label("Næstved (370)").is_checked()
    assert_accessible(page, "user form")
    screenshots(page, "user-form")
    page.goto(live_app.url + "/admin/udbakke")
    assert (
        "Invitation" in page.locator("tbody").inner_text() and "sendt" in page.locator("tbody").inner_text()
    )
    assert_accessible(page, "outbox")
    screenshots(page, "outbox")
    page.goto(live_app.url + "/admin/log")
    text = page.locator("tbody").inner_text()
    assert "Adgangskodelink sendt på e-mail" in text and "Bruger oprettet" in text
    assert "Rolle: Konsulent" in text and "{" not in text
    assert_accessible(page, "audit log")
    screenshots(page, "log")
    page.goto(live_app.url + "/admin/teams/import")
    assert_accessible(page, "team contact import")


def test_the_picker_and_the_link_work_without_javascript(desktop_without_js, live_app, screenshots):
    page = desktop_without_js
    _admin(live_app)
    _log_in(page, live_app)
    # No filter and no copy button without JavaScript; the regions open by their summary.
    assert page.locator(".picker-filter").is_hidden()
    page.get_by_label("E-mail").fill("uden-js@koege.dk")
    page.locator("summary", has_text="Region Sjælland").click()
    page.get_by_label("Køge (259)").check()
    page.get_by_role("button", name="Opret bruger").click()
    page.get_by_text("uden-js@koege.dk er oprettet").wait_for()
    assert (
        page.get_by_role("button", name="Kopiér").count() == 0
        or page.get_by_role("button", name="Kopiér").is_hidden()
    )
    assert page.locator("#new-link").get_attribute("readonly") is not None
    screenshots(page, "users-without-js")
    page.get_by_role("link", name="uden-js@koege.dk").click()
    assert page.get_by_label("Køge (259)").is_checked()


def test_setting_up_the_login_code_on_a_phone(phone, live_app, screenshots):
    """The first login's QR page, the recovery codes and the code's page on a
    phone: no sideways scroll, axe-core at 0 violations (the pages have no script of their own)."""
    page = phone
    _admin(live_app)
    page.goto(live_app.url + "/login")
    page.get_by_label("E-mail").fill("admin@example.dk")
    page.get_by_label("Adgangskode").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Log ind", exact=True).click()
    page.get_by_role("heading", name="Opsæt login med kode").wait_for()
    assert page.locator(".qr svg").is_visible()
    screenshots(page, "enrol")
    assert_accessible(page, "enrolment")
    assert_no_sideways_scroll(page, "enrolment")
    secret, last_step = totp_state(live_app.app, "admin@example.dk")
    page.get_by_label("Kode", exact=True).fill(app_code(secret, last_step))
    page.get_by_role("button", name="Bekræft og log ind").click()
    page.get_by_role("heading", name="Dine reservekoder").wait_for()
    assert page.locator(".recovery-codes li").count() == 10
    screenshots(page, "recovery codes")
    assert_accessible(page, "recovery codes")
    assert_no_sideways_scroll(page, "recovery codes")
    page.get_by_role("link", name="Jeg har gemt koderne: fortsæt").click()
    page.get_by_role("heading", name="Brugere").wait_for()
    page.get_by_role("button", name="Log ud").click()
    page.goto(live_app.url + "/login")
    page.get_by_label("E-mail").fill("admin@example.dk")
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind", exact=True).click()
    page.get_by_role("heading", name="Kode fra din app").wait_for()
    screenshots(page, "code")
    assert_accessible(page, "the code's page")
    assert_no_sideways_scroll(page, "the code's page")


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_an_access_request_and_an_erasure_in_the_browser(browser, live_app, screenshots, size):
    from tests.cohort import Person, build

    context = browser.new_context(viewport=DESKTOP if size == "desktop" else {"width": 390, "height": 844})
    page = context.new_page()
    _admin(live_app)
    database = connect(live_app.app.config["DATABASE"])
    try:
        questionnaire = live_app.app.extensions["questionnaires"]["csq8"]
        build(database, questionnaire, [Person("P-7", "259", "2025-03-17", "completed", total=27)])
    finally:
        database.close()
    _log_in(page, live_app)
    page.get_by_role("link", name="Deltagernes rettigheder").click()
    page.get_by_label("Deltagerens kode").fill("P-7")
    page.get_by_role("button", name="Find deltageren").click()
    page.get_by_role("heading", name="Deltager P-7, Køge").wait_for()
    assert (
        page.get_by_role("cell", name="Hvordan vil du bedømme kvaliteten af den støtte, du har fået?").count()
        == 1
    )
    assert_accessible(page, "the access request")
    screenshots(page, f"rights-{size}")
    with page.expect_download() as download:
        page.get_by_role("button", name="Hent som JSON").click()
    assert download.value.suggested_filename.startswith("indsigt-259-")
    page.get_by_role("button", name="Slet deltagerens data …").click()
    page.get_by_role("heading", name="Slet deltager P-7").wait_for()
    assert "8 svar" in page.content()
    assert_accessible(page, "the erasure's confirmation")
    screenshots(page, f"erase-{size}")
    page.get_by_label("Skriv deltagerens kode for at bekræfte").fill("P-7")
    page.get_by_role("button", name="Slet for altid").click()
    page.get_by_text("Deltager P-7 (Køge) er slettet: 8 svar, 1 link").wait_for()
    screenshots(page, f"erased-{size}")
    context.close()
