"""The early-send confirmation in Chromium on a phone (390×844): asked before a link goes out months
early, refused without a reason, sent with one; axe-core at 0 violations on every step."""

from datetime import timedelta

from survey_app import accounts, audit, clock
from survey_app.db import connect
from tests.conftest import PASSWORD
from tests.helpers import register_participant

from .helpers import assert_accessible, submit_login
from .helpers import assert_no_sideways_scroll as assert_fits_phone  # staff pages: the width only


def test_sending_a_link_early_asks_why_on_a_phone(phone, live_app, screenshots):
    page = phone
    database = connect(live_app.app.config["DATABASE"])
    accounts.create_user(
        database,
        actor=audit.SEED,
        email="k@koege.dk",
        role="consultant",
        municipalities=["259"],
        password=PASSWORD,
    )
    # Follow-up in 60 days: more than EARLY_INVITE_DAYS (14) away. By e-mail, sent at any hour.
    due = clock.today() + timedelta(days=60)
    runner = live_app.app.test_cli_runner()
    register_participant(
        runner, "KOGE-0009", "259", (due - timedelta(weeks=26)).isoformat(), "--email", "p@example.dk"
    )
    participant_id = database.execute("SELECT id FROM participant").fetchone()[0]

    page.goto(live_app.url + "/login")
    page.get_by_label("E-mail").fill("k@koege.dk")
    page.get_by_label("Adgangskode").fill(PASSWORD)
    submit_login(page, live_app.app, "k@koege.dk")
    page.get_by_role("heading", name="Dagens opgaver").wait_for()
    page.goto(f"{live_app.url}/konsulent/deltagere/{participant_id}")
    main = page.get_by_role("main").inner_text()
    assert "Kan sendes fra" in main and "Der er mere end 14 dage til opfølgningsdatoen" in main
    assert_accessible(page, "participant page, not yet due")
    assert_fits_phone(page, "participant page, not yet due")
    screenshots(page, "participant-not-yet-due")

    page.get_by_role("button", name="Send nu").click()
    page.get_by_role("heading", name="Send linket til KOGE-0009 før tid?").wait_for()
    main = page.get_by_role("main").inner_text()
    assert "Opfølgningsdato" in main and "26 uger" in main
    assert_accessible(page, "early-send confirmation")
    assert_fits_phone(page, "early-send confirmation")
    screenshots(page, "early-send-confirmation")

    page.get_by_role("button", name="Send linket før tid").click()
    page.get_by_text("Skriv, hvorfor linket skal sendes før tid.").first.wait_for()
    assert database.execute("SELECT COUNT(*) FROM invitation").fetchone()[0] == 0
    assert_accessible(page, "early-send confirmation without a reason")
    assert_fits_phone(page, "early-send confirmation without a reason")
    screenshots(page, "early-send-no-reason")

    page.get_by_label("Hvorfor skal linket sendes nu?").fill("Forløbet slutter, og deltageren flytter")
    page.get_by_role("button", name="Send linket før tid").click()
    page.get_by_text("Linket er sendt.").wait_for()
    assert_accessible(page, "participant page after the early send")
    screenshots(page, "sent-early")
    detail = database.execute("SELECT detail FROM audit WHERE action = 'link_sent_early'").fetchone()[0]
    assert "Forløbet slutter, og deltageren flytter" in detail
