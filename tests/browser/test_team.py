"""An IPS team answers the organisation questionnaire on a phone, with and without JavaScript,
changes an answer afterwards, and meets a closed round; axe-core finds no violations."""

import sqlite3
from datetime import timedelta

import pytest

from survey_app import PROJECT_ROOT, accounts, audit, clock
from survey_app.db import connect
from survey_app.questionnaires import load_file
from tests.conftest import PASSWORD

from .conftest import PHONE
from .helpers import assert_accessible, assert_fits_phone, submit_login

DESKTOP = {"width": 1280, "height": 900}

ORG = load_file(PROJECT_ROOT / "questionnaires" / "organisation.toml")
YES_NO = {"org_1": "Ja", "org_2": "Ja", "org_3": "Nej", "org_4": "Nej", "org_5": "Ja", "org_6": "Nej"}
COMMENTS = {"org_2_comment": "Sammen med virksomhedskonsulenterne", "org_other": "Ny leder fra marts"}


@pytest.fixture
def team_link(live_app):
    """A round for Køge's IPS team; returns the absolute link printed by ``rounds open``."""
    runner = live_app.app.test_cli_runner()
    assert runner.invoke(args=["teams", "set", "259", "--email", "ips@koege.dk"]).exit_code == 0
    # A deadline must lie within two years: two months from today.
    deadline = (clock.today() + timedelta(days=60)).isoformat()
    opened = runner.invoke(args=["rounds", "open", "Forår 2099", "--deadline", deadline])
    assert opened.exit_code == 0, opened.output
    return opened.stdout.strip().split("\t")[2]


def stored(database) -> dict:
    with sqlite3.connect(database) as conn:
        return {
            item: (score, text)
            for item, score, text in conn.execute("SELECT item_id, score, text FROM round_answer")
        }


def check(page, what):
    assert_accessible(page, what)
    assert_fits_phone(page, what)


def progress_label(index: int) -> str:
    """The progress shown at ORG.items[index]: optional comments are not counted as questions."""
    item, total = ORG.items[index], ORG.question_count
    if item.required:
        return f"Spørgsmål {ORG.question_number(item.id)} af {total}"
    return f"Frivilligt · {ORG.questions_answered({i.id for i in ORG.items[:index]})} af {total} spørgsmål besvaret"


def answer_all(page, shoot, *, with_script, check=check):
    total = len(ORG.items)
    for number, item in enumerate(ORG.items, 1):
        assert page.locator("#progress-label").inner_text() == progress_label(number - 1)
        assert page.locator("#current").inner_text() == item.text["da"]
        if number in (1, 2, total):
            shoot(page, f"question-{number}")
            check(page, f"question {number}")
        if item.id in YES_NO:
            page.get_by_role("button", name=YES_NO[item.id], exact=True).click()
        elif item.id in COMMENTS:
            page.get_by_label("Jeres svar", exact=True).fill(COMMENTS[item.id])
            page.get_by_role("button", name="Send", exact=True).click()
        else:
            page.get_by_role("button", name="Spring spørgsmålet over").click()
        if number < total and with_script:
            # The next question, not the progress: two optional items in a row show the same progress.
            page.locator("#current", has_text=ORG.items[number].text["da"]).wait_for()


def test_team_answers_with_javascript_and_changes_an_answer(phone, team_link, live_app, screenshots):
    page = phone
    page.goto(team_link)
    assert page.get_by_role("heading", level=1).inner_text() == "Organisationsskema for IPS-teamet"
    assert "Køge Kommune · runde Forår 2099" in page.content()
    screenshots(page, "welcome")
    check(page, "team welcome page")
    page.get_by_role("button", name="Start").click()
    page.locator("#progress-label").wait_for()
    page.evaluate("window.__sameDocument = true")
    answer_all(page, screenshots, with_script=True)
    page.get_by_text("Tak! Jeres svar er gemt.").wait_for()
    assert page.evaluate("window.__sameDocument") is True, "answers must not reload the page"
    screenshots(page, "thank-you")
    check(page, "thank-you")
    answers = stored(live_app.app.config["DATABASE"])
    assert {item: answers[item][0] for item in YES_NO} == {
        i: 1 if v == "Ja" else 2 for i, v in YES_NO.items()
    }
    assert answers["org_other"] == (None, COMMENTS["org_other"]) and answers["org_1_comment"] == (None, None)

    # The link is not spent: the summary lists every answer, each can be changed.
    page.get_by_role("link", name="Se og ret jeres svar").click()
    page.get_by_role("heading", name="Jeres svar", level=1).wait_for()
    screenshots(page, "summary")
    check(page, "summary")
    page.get_by_role("link", name="Skift svar: " + ORG.item("org_2").text["da"]).click()
    assert page.locator("#current").inner_text() == ORG.item("org_2").text["da"]
    assert "chosen" in page.get_by_role("button", name="Ja", exact=True).get_attribute("class")
    screenshots(page, "change")
    check(page, "changing an answer")
    page.get_by_role("button", name="Nej", exact=True).click()
    page.get_by_text("Jeres ændring er gemt.").wait_for()
    screenshots(page, "changed")
    check(page, "summary after a change")
    assert stored(live_app.app.config["DATABASE"])["org_2"] == (2, None)
    with sqlite3.connect(live_app.app.config["DATABASE"]) as conn:
        change = conn.execute(
            "SELECT item_id, old_score, new_score, changed_by FROM round_answer_change"
        ).fetchall()
    assert change == [("org_2", 1, 2, "team")]


def test_team_changes_an_earlier_answer_in_the_chat_and_is_back_where_it_was(
    phone, team_link, live_app, screenshots
):
    page = phone
    page.goto(team_link)
    page.get_by_role("button", name="Start").click()
    for item, label in (("org_1", "Ja"), ("org_1_comment", None), ("org_2", "Ja")):
        if label:
            page.get_by_role("button", name=label, exact=True).click()
        else:
            page.get_by_role("button", name="Spring spørgsmålet over").click()
        page.locator(f"#turn-{item}").wait_for()
    page.locator("#progress-label", has_text="Frivilligt · 2 af 6 spørgsmål besvaret").wait_for()
    page.get_by_role("link", name="Skift svar: " + ORG.item("org_1").text["da"]).click()
    page.get_by_role("heading", name="Skift jeres svar", level=1).wait_for()
    assert page.locator("#progress-label").inner_text() == "Frivilligt · 2 af 6 spørgsmål besvaret"
    assert page.locator("#current").inner_text() == ORG.item("org_1").text["da"]
    screenshots(page, "change-in-chat")
    check(page, "changing an answer in the chat")
    page.get_by_role("button", name="Nej", exact=True).click()
    # Back where the team was: the comment after question 2, with the same progress.
    page.locator("#current", has_text=ORG.item("org_2_comment").text["da"]).wait_for()
    assert page.locator("#progress-label").inner_text() == "Frivilligt · 2 af 6 spørgsmål besvaret"
    assert page.locator("#turn-org_1 .answer").inner_text() == "Nej"
    screenshots(page, "after-change")
    check(page, "the chat after changing an answer")
    assert stored(live_app.app.config["DATABASE"])["org_1"] == (2, None)


def test_team_answers_without_javascript(phone_without_js, team_link, live_app, screenshots):
    page = phone_without_js
    page.goto(team_link)
    page.get_by_role("button", name="Start").click()
    # axe-core needs the page's script engine; without it, layout and touch targets are checked.
    answer_all(page, screenshots, with_script=False, check=assert_fits_phone)
    page.get_by_role("heading", name="Jeres svar", level=1).wait_for()
    assert COMMENTS["org_2_comment"] in page.content()
    screenshots(page, "summary")
    assert_fits_phone(page, "summary without script")
    assert len(stored(live_app.app.config["DATABASE"])) == len(ORG.items)


def test_closed_round_page(phone, team_link, live_app, screenshots):
    assert live_app.app.test_cli_runner().invoke(args=["rounds", "close", "Forår 2099"]).exit_code == 0
    response = phone.goto(team_link)
    assert response.status == 410
    assert phone.get_by_role("heading", level=1).inner_text() == "Runden er lukket"
    screenshots(phone, "closed")
    check(phone, "closed round")


def log_in(page, live_app, email):
    page.goto(live_app.url + "/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Adgangskode").fill(PASSWORD)
    submit_login(page, live_app.app, email)
    page.wait_for_load_state()


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_admin_and_evaluator_round_pages_are_accessible(browser, team_link, live_app, screenshots, size):
    database = connect(live_app.app.config["DATABASE"])
    accounts.create_user(
        database, actor=audit.SEED, email="admin@example.dk", role="admin", password=PASSWORD
    )
    accounts.create_user(
        database, actor=audit.SEED, email="evaluator@example.dk", role="evaluator", password=PASSWORD
    )
    context = browser.new_context(viewport=size)
    page = context.new_page()
    # Køge answers, so the evaluator's tables have content.
    page.goto(team_link)
    page.get_by_role("button", name="Start").click()
    answer_all(page, lambda *args: None, with_script=True, check=lambda *args: None)
    page.get_by_text("Tak! Jeres svar er gemt.").wait_for()

    log_in(page, live_app, "admin@example.dk")
    for path, name in [
        ("/admin/runder", "rounds"),
        ("/admin/runder/ny", "open-round"),
        ("/admin/runder/1", "round"),
        ("/admin/teams", "team-contacts"),
        ("/admin/teams/259", "team-contact"),
        ("/admin/support", "support-contacts"),
        ("/admin/support/259", "support-contact"),
    ]:
        page.goto(live_app.url + path)
        screenshots(page, f"admin-{name}")
        assert_accessible(page, f"admin {name}")
    page.goto(live_app.url + "/admin/runder/ny")
    page.get_by_label("Rundens navn").fill("Efterår 2099")
    page.get_by_label("Frist (den sidste dag, teamene kan svare)").fill("2020-01-01")
    page.get_by_role("button", name="Åbn runden og send linkene").click()
    assert "Fristen skal ligge mellem" in page.get_by_role("main").inner_text()
    screenshots(page, "admin-open-round-error")
    assert_accessible(page, "admin open round with an error")
    page.get_by_role("button", name="Log ud").click()

    log_in(page, live_app, "evaluator@example.dk")
    page.goto(live_app.url + "/evaluering/organisation")
    assert_accessible(page, "evaluator rounds")
    page.get_by_role("link", name="Forår 2099").click()
    # The round's progress in plain numbers (the table of answers below names the municipality).
    assert "1 af 1 kommune har svaret." in page.get_by_role("main").inner_text()
    screenshots(page, "evaluator-round")
    assert_accessible(page, "evaluator round")
    context.close()
