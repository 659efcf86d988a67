"""Yes/no and free-text items in the browser, with and without JavaScript."""

import shutil
import sqlite3

import pytest

from survey_app import PROJECT_ROOT
from tests.functional.test_other_items import FEEDBACK

from .helpers import assert_accessible, assert_fits_phone


@pytest.fixture
def live_app_config(live_app_config, tmp_path):
    shipped = tmp_path / "shipped"
    shipped.mkdir()
    shutil.copy(PROJECT_ROOT / "questionnaires" / "csq8.toml", shipped)
    (shipped / "feedback.toml").write_text(FEEDBACK, encoding="utf-8")
    return live_app_config | {"QUESTIONNAIRES_DIR": str(shipped)}


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_yes_no_and_text(browser, issue_link, live_app, screenshots, javascript):
    context = browser.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=javascript)
    page = context.new_page()
    page.goto(issue_link(questionnaire="feedback"))  # the link's page asks question 1
    page.get_by_role("button", name="Nej", exact=True).click()
    textbox = page.get_by_role("textbox", name="Dit svar")
    textbox.wait_for()
    textbox.fill("Jeg fik hjælp til at skrive en ansøgning.")
    screenshots(page, "free-text")
    if javascript:
        assert_accessible(page, "free-text question")
    assert_fits_phone(page, "free-text question")
    page.get_by_role("button", name="Send", exact=True).click()
    page.get_by_text("Tak for dine svar!").wait_for()
    with sqlite3.connect(live_app.app.config["DATABASE"]) as conn:
        rows = dict(conn.execute("SELECT item_id, coalesce(text, score) FROM answer").fetchall())
    assert rows == {"employer_contact": 2, "comment": "Jeg fik hjælp til at skrive en ansøgning."}
    context.close()


def test_skip_with_javascript(phone, issue_link, live_app):
    phone.goto(issue_link(questionnaire="feedback"))
    phone.get_by_role("button", name="Ja", exact=True).click()
    phone.get_by_role("button", name="Spring spørgsmålet over").click()
    phone.get_by_text("Tak for dine svar!").wait_for()
    with sqlite3.connect(live_app.app.config["DATABASE"]) as conn:
        assert conn.execute("SELECT score, text FROM answer WHERE item_id = 'comment'").fetchone() == (
            None,
            None,
        )
        assert conn.execute("SELECT completed_at IS NOT NULL FROM invitation").fetchone() == (1,)
