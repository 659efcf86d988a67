"""An English-speaking participant's journey at phone size: the link opens in English, the
questions and the thank-you are English, with no axe-core violations."""

import sqlite3

from survey_app import PROJECT_ROOT
from survey_app.questionnaires import load_file
from tests.helpers import register_participant

from .helpers import assert_accessible, assert_fits_phone

CSQ8 = load_file(PROJECT_ROOT / "questionnaires" / "csq8.toml")
SCORES = {"csq_1": 3, "csq_2": 4, "csq_3": 3, "csq_4": 4, "csq_5": 3, "csq_6": 4, "csq_7": 4, "csq_8": 3}


def test_english_participant_journey(phone, live_app, screenshots):
    runner = live_app.app.test_cli_runner()
    register_participant(runner, "EN-001", "259", "2025-05-01", "--language", "en")
    invited = runner.invoke(args=["invite", "EN-001"])
    assert invited.exit_code == 0, invited.output
    link = invited.stdout.strip().split("\t")[1]

    page = phone
    page.goto(link)
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.title() == "What do you think of your IPS support?"
    assert "8 questions, about 2 minutes." in page.inner_text("main")
    screenshots(page, "link-opened")
    assert_accessible(page, "English welcome page")
    assert_fits_phone(page, "English welcome page")
    # The link's page itself asks question 1 (issue 15): no Start button to press.

    for number, (item_id, score) in enumerate(SCORES.items(), 1):
        page.locator("#progress-label", has_text=f"Question {number} of 8").wait_for()
        item = CSQ8.item(item_id)
        assert page.locator("#current").inner_text() == item.text["en"]
        if number in (1, 8):
            screenshots(page, f"question-{number}")
            assert_accessible(page, f"English question {number}")
            assert_fits_phone(page, f"English question {number}")
        page.get_by_role("button", name=item.option(score).label["en"], exact=True).click()
    page.get_by_text("Thank you for your answers!").wait_for()
    assert page.title() == "Thank you"
    assert "Spørgsmål" not in page.inner_text("body")
    screenshots(page, "thank-you")
    assert_accessible(page, "English thank-you page")

    with sqlite3.connect(live_app.app.config["DATABASE"]) as conn:
        stored = dict(conn.execute("SELECT item_id, score FROM answer").fetchall())
    assert stored == SCORES
