"""The participant's journey in a real browser at phone size, with and without JavaScript."""

import sqlite3

import pytest

from survey_app import PROJECT_ROOT
from survey_app.questionnaires import load_file

from .helpers import assert_accessible, assert_fits_phone

CSQ8 = load_file(PROJECT_ROOT / "questionnaires" / "csq8.toml")
# Labels to tap, one per item; the scores they carry come from the data.
CHOICES = {
    "csq_1": "God",
    "csq_2": "Ja, helt",
    "csq_3": "De fleste",
    "csq_4": "Ja, helt sikkert",
    "csq_5": "For det meste tilfreds",
    "csq_6": "Ja, meget",
    "csq_7": "Meget tilfreds",
    "csq_8": "Ja, det tror jeg",
}
EXPECTED_TOTAL = 3 + 4 + 3 + 4 + 3 + 4 + 4 + 3


def stored_response(database):
    with sqlite3.connect(database) as conn:
        scores = dict(conn.execute("SELECT item_id, score FROM answer").fetchall())
        total, completed = conn.execute("SELECT total_score, completed_at FROM invitation").fetchone()
    return scores, total, completed


def walk_through(page, shoot, *, check):
    for number, (item_id, label) in enumerate(CHOICES.items(), 1):
        progress = page.locator("#progress-label")
        assert progress.inner_text() == f"Spørgsmål {number} af 8"
        assert page.locator("#current").inner_text() == CSQ8.item(item_id).text["da"]
        shoot(page, f"question-{number}")
        check(page, f"question {number}")
        page.get_by_role("button", name=label, exact=True).click()
        if number < 8:
            page.locator("#progress-label", has_text=f"Spørgsmål {number + 1} af 8").wait_for()
            # The answer appears as the participant's own bubble above the next question.
            assert page.locator(".from-me .answer").nth(number - 1).inner_text() == label
    page.get_by_text("Tak for dine svar!").wait_for()
    shoot(page, "thank-you")
    check(page, "thank-you page")


def test_journey_with_javascript(phone, issue_link, live_app, screenshots):
    link = issue_link()
    page = phone
    page.goto(link)
    # The link's page is question 1 itself (issue 15): the first tap is an answer.
    assert page.title() == "Hvad synes du om din IPS-støtte?"
    assert page.get_by_role("button", name="Start").count() == 0
    assert page.locator("#about").is_visible() and page.locator("#privacy-note").is_visible()
    screenshots(page, "link-page")
    assert_accessible(page, "the link's page")
    assert_fits_phone(page, "the link's page")
    page.evaluate("window.__sameDocument = true")

    def check(page, what):
        assert_accessible(page, what)
        assert_fits_phone(page, what)

    walk_through(page, screenshots, check=check)
    assert page.evaluate("window.__sameDocument") is True, "answers must not reload the page"
    assert page.url == live_app.url + "/svar", "the link's token leaves the address bar"
    assert page.title() == "Tak"
    scores, total, completed = stored_response(live_app.app.config["DATABASE"])
    assert {item: CSQ8.item(item).option(score).label["da"] for item, score in scores.items()} == CHOICES
    assert total == EXPECTED_TOTAL and completed

    # The spent link, opened again.
    page.goto(link)
    assert page.get_by_role("heading", level=1).inner_text() == "Du har allerede svaret"
    screenshots(page, "already-answered")
    assert_accessible(page, "already answered page")


def test_journey_without_javascript(phone_without_js, issue_link, live_app, screenshots):
    link = issue_link()
    page = phone_without_js
    page.goto(link)
    screenshots(page, "link-page")
    walk_through(page, screenshots, check=assert_fits_phone)
    scores, total, completed = stored_response(live_app.app.config["DATABASE"])
    assert len(scores) == 8 and total == EXPECTED_TOTAL and completed


def test_change_an_earlier_answer_and_resume_later(phone, browser, issue_link, live_app, screenshots):
    link = issue_link()
    page = phone
    page.goto(link)
    for label in ["Dårlig", "Nej, ikke rigtig", "Kun få"]:
        page.get_by_role("button", name=label, exact=True).click()
        page.locator(".from-me", has_text=label).wait_for()
    assert (
        page.get_by_role("link", name="Skift svar: " + CSQ8.item("csq_1").text["da"]).inner_text()
        == "Skift svar"
    )
    page.get_by_role("link", name="Skift svar: " + CSQ8.item("csq_1").text["da"]).click()
    # Changed where it stands; the progress still says where the participant is (issue 15).
    assert page.locator("#progress-label").inner_text() == "Spørgsmål 4 af 8"
    assert page.locator("#turn-csq_1 #current").inner_text() == CSQ8.item("csq_1").text["da"]
    assert "chosen" in page.get_by_role("button", name="Dårlig", exact=True).get_attribute("class")
    assert page.locator("form#ask").count() == 1
    screenshots(page, "changing-answer")
    assert_accessible(page, "changing an answer")
    assert_fits_phone(page, "changing an answer")
    page.get_by_role("button", name="Fremragende", exact=True).click()
    page.locator("#progress-label", has_text="Spørgsmål 4 af 8").wait_for()
    page.locator("#current", has_text=CSQ8.item("csq_4").text["da"]).wait_for()
    assert page.locator("#turn-csq_1 .answer").inner_text() == "Fremragende"
    assert page.get_by_text(CSQ8.item("csq_1").text["da"]).count() == 1  # not asked again below
    screenshots(page, "back-at-question-4")
    assert_accessible(page, "back at question 4 after the change")

    # Another day, another browser: the link's page itself says how many are answered and asks
    # question 4, showing none of the answers (they stay in the browser that gave them).
    later = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    later.goto(link)
    assert later.locator("#progress-label").inner_text() == "Spørgsmål 4 af 8"
    assert "3 af 8 spørgsmål er allerede besvaret" in later.locator("#answered-elsewhere").inner_text()
    assert later.locator(".from-me").count() == 0
    assert "Fremragende" not in later.locator("#log").inner_text()
    screenshots(later, "resumed-elsewhere")
    assert_accessible(later, "the link's page in another browser")
    later.get_by_role("button", name="Ja, helt sikkert", exact=True).click()
    later.locator("#progress-label", has_text="Spørgsmål 5 af 8").wait_for()
    later.context.close()
    page.goto(link)  # the first browser, opening its link again, is back in its own chat
    assert page.url == live_app.url + "/svar#current"
    assert page.locator(".from-me .answer").first.inner_text() == "Fremragende"
    scores, _total, _completed = stored_response(live_app.app.config["DATABASE"])
    assert scores == {"csq_1": 4, "csq_2": 2, "csq_3": 2, "csq_4": 4}


def test_change_an_earlier_answer_without_javascript(phone_without_js, issue_link, live_app, screenshots):
    link = issue_link()
    page = phone_without_js
    page.goto(link)
    for label in ["God", "Ja, helt", "De fleste"]:
        page.get_by_role("button", name=label, exact=True).click()
    assert page.locator("#progress-label").inner_text() == "Spørgsmål 4 af 8"
    page.get_by_role("link", name="Skift svar: " + CSQ8.item("csq_2").text["da"]).click()
    assert page.locator("#progress-label").inner_text() == "Spørgsmål 4 af 8"
    screenshots(page, "changing-answer")
    assert_fits_phone(page, "changing an answer without JavaScript")
    page.get_by_role("button", name="Nej, ikke rigtig", exact=True).click()
    assert page.url.endswith("/svar#current")
    assert page.locator("#progress-label").inner_text() == "Spørgsmål 4 af 8"
    assert page.locator("#current").inner_text() == CSQ8.item("csq_4").text["da"]
    assert page.locator("#turn-csq_2 .answer").inner_text() == "Nej, ikke rigtig"
    screenshots(page, "back-at-question-4")
    scores, _total, _completed = stored_response(live_app.app.config["DATABASE"])
    assert scores == {"csq_1": 3, "csq_2": 2, "csq_3": 3}


@pytest.mark.parametrize("case", ["expired", "unknown", "not-bound", "withdrawn"])
def test_error_pages_are_accessible(phone, issue_link, live_app, screenshots, case):
    link = issue_link()
    page = phone
    if case == "expired":
        with sqlite3.connect(live_app.app.config["DATABASE"]) as conn:
            conn.execute("UPDATE invitation SET expires_at = '2020-01-01T00:00:00+00:00'")
        response = page.goto(link)
        assert response.status == 410
    elif case == "withdrawn":
        live_app.app.test_cli_runner().invoke(args=["participants", "withdraw", "P-001"])
        response = page.goto(link)
        assert response.status == 410
    elif case == "unknown":
        response = page.goto(link[:-3] + "xyz")
        assert response.status == 404
    else:
        response = page.goto(live_app.url + "/svar")
        assert response.status == 403
    screenshots(page, case)
    assert_accessible(page, f"{case} page")
    assert_fits_phone(page, f"{case} page")
