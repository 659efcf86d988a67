"""The consultant's pages in Chromium, at desktop and phone size, with axe-core at 0 violations."""

import pytest

from survey_app import accounts, audit
from survey_app.db import connect
from tests.conftest import PASSWORD

from .conftest import PHONE
from .helpers import assert_accessible, assert_no_sideways_scroll, submit_login

DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(params=["desktop", "phone"])
def staff_page(request, browser):
    size = PHONE if request.param == "phone" else DESKTOP
    context = browser.new_context(
        viewport=size, is_mobile=request.param == "phone", has_touch=request.param == "phone"
    )
    page = context.new_page()
    page.size_name = request.param
    yield page
    context.close()


def check(page, what):
    assert_accessible(page, f"{what} ({page.size_name})")
    if page.size_name == "phone":
        assert_no_sideways_scroll(page, what)


def test_consultant_registers_and_hands_over_a_link(staff_page, live_app, screenshots):
    page = staff_page
    database = connect(live_app.app.config["DATABASE"])
    accounts.create_user(
        database,
        actor=audit.SEED,
        email="k@koege.dk",
        role="consultant",
        municipalities=["259", "269"],
        password=PASSWORD,
    )
    runner = live_app.app.test_cli_runner()
    for code, baseline in [("KOGE-0001", "2025-05-01"), ("KOGE-0002", "2026-08-01")]:
        assert (
            runner.invoke(
                args=[
                    "participants",
                    "add",
                    code,
                    "--municipality",
                    "259",
                    "--baseline",
                    baseline,
                    "--consent",
                    "--phone",
                    "20123456",
                ]
            ).exit_code
            == 0
        )

    page.goto(live_app.url + "/konsulent/")
    assert page.get_by_role("heading", level=1).inner_text() == "Log ind"
    check(page, "login")
    screenshots(page, "login")
    page.get_by_label("E-mail").fill("k@koege.dk")
    page.get_by_label("Adgangskode").fill(PASSWORD)
    submit_login(page, live_app.app, "k@koege.dk")
    page.get_by_role("heading", name="Dagens opgaver").wait_for()
    assert "KOGE-0001" in page.get_by_role("main").inner_text()  # due long ago, not yet sent
    check(page, "home")
    screenshots(page, "home")

    page.goto(live_app.url + "/konsulent/deltagere/ny")
    page.get_by_label("Deltagerkode").fill("010190-1234")
    page.get_by_label("Forløbsstart").fill("2026-05-01")
    page.get_by_role("button", name="Tilføj deltager").click()
    assert "ligner et CPR-nummer" in page.get_by_role("main").inner_text()
    assert "samtykke" in page.get_by_role("main").inner_text()
    check(page, "add form with errors")
    screenshots(page, "add-errors")
    page.get_by_label("Deltagerkode").fill("KOGE-0003")
    page.get_by_label("Mobilnummer").fill("20 12 34 57")
    page.get_by_label("Deltageren har givet samtykke").check()
    page.get_by_role("button", name="Tilføj deltager").click()
    page.get_by_text("KOGE-0003 er registreret.").wait_for()
    assert "+4520123457" in page.get_by_role("main").inner_text()
    check(page, "participant")
    screenshots(page, "participant")

    page.get_by_role("link", name="Vis QR-kode").click()
    assert page.locator(".qr svg").is_visible()
    link = page.get_by_label("Link").input_value()
    assert link.startswith(live_app.url + "/s/")
    check(page, "QR code")
    screenshots(page, "qr")

    page.goto(live_app.url + "/konsulent/deltagere")
    assert page.locator("tbody tr").count() == 3
    check(page, "participant list")
    page.goto(live_app.url + "/konsulent/import")
    check(page, "import")
    screenshots(page, "import")


def test_admin_pages(staff_page, live_app, screenshots):
    page = staff_page
    database = connect(live_app.app.config["DATABASE"])
    accounts.create_user(
        database, actor=audit.SEED, email="admin@example.dk", role="admin", password=PASSWORD
    )
    page.goto(live_app.url + "/login")
    page.get_by_label("E-mail").fill("admin@example.dk")
    page.get_by_label("Adgangskode").fill(PASSWORD)
    submit_login(page, live_app.app, "admin@example.dk")
    page.get_by_role("heading", name="Brugere").wait_for()
    page.get_by_label("E-mail").fill("ny@koege.dk")
    page.get_by_label("Find en kommune efter navn eller kode").fill("køge")
    page.get_by_label("Køge (259)").check()
    page.get_by_role("button", name="Opret bruger").click()
    page.get_by_text("ny@koege.dk er oprettet").wait_for()
    assert "/adgangskode/" in page.locator("#new-link").input_value()
    check(page, "users")
    screenshots(page, "users")
    for path, what in [
        ("/admin/klynger", "clusters"),
        ("/admin/beskeder", "templates"),
        ("/admin/udbakke", "outbox"),
        ("/admin/log", "log"),
    ]:
        page.goto(live_app.url + path)
        check(page, what)
        screenshots(page, what)
    assert "Sjælland Øst" in page.goto(live_app.url + "/admin/klynger").text()
