"""The link's own page asks question 1; the first answer starts the survey (issue 15, items 5 and 6).

A GET of the link (a preview, a mail scanner, the consultant's QR page)
shows the intro and question 1 and changes nothing. The first answer,
posted to the link, marks the invitation opened, binds the browser and
stores the answer in one go. Changing an earlier answer happens where it
stands, and the chat then goes on where the participant was.
"""

import re
import secrets

import pytest

from survey_app import PROJECT_ROOT, create_app
from survey_app.questionnaires import load_file
from tests.helpers import csrf_token, register_participant

CSQ8 = load_file(PROJECT_ROOT / "questionnaires" / "csq8.toml")
FETCH = {"X-Requested-With": "fetch"}
PRIVACY = "Din jobkonsulent kan ikke se dem."


@pytest.fixture
def client(app):
    """A browser of its own. pytest-flask's ``client`` keeps its last request's context pushed,
    and a second client's requests would then share its ``g`` (and so its CSRF token)."""
    return app.test_client()


@pytest.fixture
def link(add_participant, invite):
    add_participant("P-001")
    return invite("P-001")


def invitation(db):
    return next(db.query("SELECT * FROM invitation"))


def answers(db):
    return {row["item_id"]: row["score"] for row in db.query("SELECT item_id, score FROM answer")}


def first_answer(client, link, value=3, item="csq_1", page=None, **headers):
    page = page if page is not None else client.get(link).text
    return client.post(
        link, data={"csrf_token": csrf_token(page), "item": item, "value": str(value)}, headers=headers
    )


def answer(client, page_html, item, value):
    data = {"csrf_token": csrf_token(page_html), "item": item, "value": str(value)}
    response = client.post("/svar", data=data)
    assert response.status_code == 303 and response.location == "/svar#current"
    return client.get("/svar")


def audit_actions(db):
    return list(db.query("SELECT * FROM audit ORDER BY id"))


# --- the link's page -----------------------------------------------------------------------------


def test_the_link_page_shows_question_1_with_its_buttons_and_changes_nothing(client, app, link, db):
    before = (invitation(db), audit_actions(db))
    for _ in range(3):  # a preview, a scanner, the participant
        page = app.test_client().get(link)
        assert page.status_code == 200
        assert "Spørgsmål 1 af 8" in page.text
        assert CSQ8.item("csq_1").text["da"] in page.text
        form = re.search(r'<form id="ask" method="post" action="([^"]+)"[^>]*data-chat-form>', page.text)
        assert form and form.group(1) == link  # the first answer goes to the link itself
        for option in CSQ8.item("csq_1").options:
            assert f'name="value" value="{option.score}">{option.label["da"]}</button>' in page.text
        assert "Start" not in page.text
    assert (invitation(db), audit_actions(db)) == before
    assert invitation(db)["opened_at"] is None and answers(db) == {}
    # ... and no browser is bound by looking: the chat does not know it.
    assert client.get(link).status_code == 200
    assert client.get("/svar").status_code == 403


def test_the_link_page_names_the_same_last_day_as_the_messages(client, link, db):
    from survey_app import formatting, invitations

    last_day = invitations.last_valid_day(invitation(db)["expires_at"])
    page = client.get(link).text
    assert f"Linket virker til og med {formatting.long_date(last_day)}." in page


def test_the_first_answer_marks_opened_binds_and_stores_in_one_go(client, link, db):
    response = first_answer(client, link, 2)
    assert response.status_code == 303 and response.location == "/svar#current"
    row = invitation(db)
    assert row["opened_at"] is not None and row["questionnaire_version"] == CSQ8.version
    assert answers(db) == {"csq_1": 2}
    assert next(db.query("SELECT answered_by FROM answer"))["answered_by"]
    chat = client.get("/svar")
    assert "Spørgsmål 2 af 8" in chat.text and CSQ8.item("csq_2").text["da"] in chat.text
    assert 'id="turn-csq_1"' in chat.text and "Nogenlunde" in chat.text  # its own answer, shown
    # The chat goes on from there.
    chat = answer(client, chat.text, "csq_2", 4)
    assert "Spørgsmål 3 af 8" in chat.text and answers(db) == {"csq_1": 2, "csq_2": 4}


def test_the_first_answer_by_script_gets_the_next_turn_and_the_chat_address(client, link, db):
    response = first_answer(client, link, 4, **FETCH)
    assert response.status_code == 200 and response.headers["X-Chat-Turn"] == "1"
    assert 'data-url="/svar"' in response.text  # the script puts this in the address bar
    assert "Spørgsmål 2 af 8" in response.text and 'id="turn-csq_1"' in response.text
    assert 'action="/svar"' in response.text  # the next answers go to the chat
    assert answers(db) == {"csq_1": 4} and invitation(db)["opened_at"] is not None
    assert "Spørgsmål 2 af 8" in client.get("/svar").text


def test_the_first_answer_works_on_the_very_first_request_pair(app, link, db):
    """No session cookie before the link's page: the page sets one, and the first answer needs only it."""
    client = app.test_client()
    assert client.get_cookie("session") is None
    page = client.get(link)
    assert client.get_cookie("session") is not None
    assert first_answer(client, link, 3, page=page.text).status_code == 303
    assert answers(db) == {"csq_1": 3}


def test_the_first_answer_without_csrf_token_or_cookie_stores_nothing(app, link, db):
    page = app.test_client().get(link).text
    no_token = app.test_client().post(link, data={"item": "csq_1", "value": "3"})
    assert no_token.status_code == 400
    no_cookie = app.test_client().post(
        link, data={"csrf_token": csrf_token(page), "item": "csq_1", "value": "3"}
    )  # a token from another session's page
    assert no_cookie.status_code == 400 and "intet blev gemt" in no_cookie.text
    assert answers(db) == {} and invitation(db)["opened_at"] is None


@pytest.mark.parametrize("value", ["9", "", "fire"])
def test_a_bad_first_answer_stores_and_marks_nothing(client, link, db, value):
    response = first_answer(client, link, value)
    assert response.status_code == 400 and "Intet blev gemt" in response.text
    assert answers(db) == {} and invitation(db)["opened_at"] is None
    assert client.get("/svar").status_code == 403  # not bound either


def test_a_double_tap_on_the_first_answer_stores_once_and_keeps_the_answer_visible(client, link, db):
    """Both posts leave with the same cookie (the first response has not arrived); either reply may win."""
    page = client.get(link).text
    cookie = client.get_cookie("session").value
    first = first_answer(client, link, 3, page=page)
    first_cookie = client.get_cookie("session").value
    client.set_cookie("session", cookie, domain=client.get_cookie("session").domain)
    second = first_answer(client, link, 3, page=page)
    assert first.status_code == second.status_code == 303
    assert answers(db) == {"csq_1": 3} and db.execute("SELECT COUNT(*) FROM answer").fetchone()[0] == 1
    for kept in (first_cookie, client.get_cookie("session").value):
        client.set_cookie("session", kept, domain=client.get_cookie("session").domain)
        chat = client.get("/svar").text
        assert 'id="turn-csq_1"' in chat and "allerede besvaret" not in chat
        assert "Spørgsmål 2 af 8" in chat


def test_the_old_start_button_still_binds_and_marks(client, link, db):
    """A page loaded before this change posts Start without an answer: it still leads into the chat."""
    page = client.get(link).text
    response = client.post(link, data={"csrf_token": csrf_token(page)})
    assert response.status_code == 303 and response.location == "/svar#current"
    assert invitation(db)["opened_at"] is not None and answers(db) == {}
    assert "Spørgsmål 1 af 8" in client.get("/svar").text


def test_the_consultants_qr_page_and_its_link_do_not_count_as_opened(app, link, login, db):
    consultant = login("consultant", ("259",))
    participant_id = db.execute("SELECT id FROM participant").fetchone()[0]
    qr = consultant.get(f"/konsulent/deltagere/{participant_id}/qr")
    assert qr.status_code == 200
    shown = re.search(r'<input id="link" value="([^"]+)"', qr.text).group(1)
    assert shown.removeprefix("https://ips.example.dk") == link
    assert consultant.get(link).status_code == 200  # "Open the link" from the QR page
    assert invitation(db)["opened_at"] is None and answers(db) == {}


# --- coming back ---------------------------------------------------------------------------------


def test_reopening_the_link_in_the_answering_browser_resumes_its_chat(client, link, db):
    answer(client, client.get(first_answer(client, link, 3).location).text, "csq_2", 2)
    opened = invitation(db)["opened_at"]
    again = client.get(link)
    assert again.status_code == 303 and again.location == "/svar#current"
    chat = client.get("/svar").text
    assert "Spørgsmål 3 af 8" in chat and 'id="turn-csq_1"' in chat and 'id="turn-csq_2"' in chat
    assert invitation(db)["opened_at"] == opened


def test_another_browser_sees_how_many_are_answered_and_answers_the_next_on_the_link_page(
    client, app, link, db
):
    chat = client.get(first_answer(client, link, 3).location).text
    answer(client, chat, "csq_2", 2)
    other = app.test_client()
    page = other.get(link)
    assert page.status_code == 200
    assert "2 af 8 spørgsmål er allerede besvaret" in page.text
    assert "Spørgsmål 3 af 8" in page.text and CSQ8.item("csq_3").text["da"] in page.text
    assert 'class="bubble from-me"' not in page.text and "turn-csq_1" not in page.text  # no answers
    response = first_answer(other, link, 4, item="csq_3", page=page.text)
    assert response.status_code == 303, response.text
    assert answers(db) == {"csq_1": 3, "csq_2": 2, "csq_3": 4}
    elsewhere = other.get("/svar").text
    assert "Spørgsmål 4 af 8" in elsewhere and 'id="turn-csq_3"' in elsewhere
    assert 'id="turn-csq_1"' not in elsewhere
    # An answer given elsewhere, posted again from the link's page, changes nothing.
    refused = first_answer(app.test_client(), link, 1, item="csq_1")
    assert refused.status_code == 303 and answers(db)["csq_1"] == 3


@pytest.mark.parametrize("case", ["expired", "withdrawn", "completed"])
def test_a_link_that_can_no_longer_be_answered_says_so_and_stores_nothing(client, runner, link, db, case):
    page = client.get(link).text  # loaded while the link still worked
    if case == "expired":
        with db.conn:
            db.execute("UPDATE invitation SET expires_at = '2020-01-01T00:00:00+00:00'")
    elif case == "withdrawn":
        assert runner.invoke(args=["participants", "withdraw", "P-001"]).exit_code == 0
    else:
        with db.conn:
            db.execute("UPDATE invitation SET completed_at = '2026-01-01T00:00:00+00:00'")
    status, heading = {
        "expired": (410, "Linket virker ikke længere"),
        "withdrawn": (410, "Linket virker ikke længere"),
        "completed": (200, "Du har allerede svaret"),
    }[case]
    shown = client.get(link)
    assert shown.status_code == status and heading in shown.text and "csq_1" not in shown.text
    posted = first_answer(client, link, 3, page=page)
    assert posted.status_code == status and heading in posted.text
    assert answers(db) == {}
    assert invitation(db)["opened_at"] is None


# --- changing an earlier answer ----------------------------------------------------------------


def three_answered(client, link):
    chat = client.get(first_answer(client, link, 2).location).text
    chat = answer(client, chat, "csq_2", 2).text
    return answer(client, chat, "csq_3", 2).text


def test_changing_an_earlier_answer_happens_in_place_and_returns_to_the_first_unanswered(client, link, db):
    three_answered(client, link)
    edit = client.get("/svar?ret=csq_1").text
    assert "Spørgsmål 4 af 8" in edit  # where the participant is, not the question being changed
    assert '<progress max="8" value="3"' in edit
    # The question being changed stands where its turn was, between the others; nothing below.
    turn = re.search(r'<li class="turn changing" id="turn-csq_1">(.*?)</li>', edit, re.S)
    assert turn and 'class="option chosen" name="value" value="2"' in turn.group(1)
    assert "Skift svar på spørgsmål 1" in turn.group(1)
    assert "data-chat-form" not in turn.group(1)  # posts as a page: the whole chat comes back
    assert edit.index('id="turn-csq_1"') < edit.index('id="turn-csq_2"') < edit.index('id="turn-csq_3"')
    assert edit.count('<form id="ask"') == 1 and edit.count('id="current"') == 1
    assert CSQ8.item("csq_4").text["da"] not in edit
    after = answer(client, edit, "csq_1", 4).text
    assert "Spørgsmål 4 af 8" in after and CSQ8.item("csq_4").text["da"] in after
    # Never asked again at the bottom (the change link's accessible name also names it).
    assert after.count(CSQ8.item("csq_1").text["da"] + "<") == 1
    assert "Fremragende" in after and "option chosen" not in after
    assert answers(db) == {"csq_1": 4, "csq_2": 2, "csq_3": 2}


def test_keeping_the_answer_goes_back_to_where_one_was(client, link):
    three_answered(client, link)
    edit = client.get("/svar?ret=csq_2").text
    keep = re.search(r'<a href="([^"]+)">Behold mit svar og gå videre</a>', edit)
    assert keep and keep.group(1) == "/svar#current"


def test_the_change_link_is_named_so_that_no_option_reads_like_it(client, link):
    chat = three_answered(client, link)
    links = re.findall(
        r'<a class="edit" href="/svar\?ret=(csq_\d)#current" aria-label="([^"]+)">([^<]+)</a>', chat
    )
    assert links == [
        ("csq_1", "Skift svar: " + CSQ8.item("csq_1").text["da"], "Skift svar"),
        ("csq_2", "Skift svar: " + CSQ8.item("csq_2").text["da"], "Skift svar"),
        ("csq_3", "Skift svar: " + CSQ8.item("csq_3").text["da"], "Skift svar"),
    ]
    assert ">Ret<" not in chat
    options = {option.label["da"] for item in CSQ8.items for option in item.options}
    assert not any(label.startswith("Skift") for label in options)
    client.post("/sprog", data={"csrf_token": csrf_token(chat), "language": "en", "next": "/svar"})
    english = client.get("/svar").text
    assert f'aria-label="Change answer: {CSQ8.item("csq_1").text["en"]}">Change answer</a>' in english


# --- said once, from the file --------------------------------------------------------------------


def test_the_intro_and_the_confidentiality_note_are_said_once_before_question_1(client, link):
    page = client.get(link).text
    intro = CSQ8.intro["da"]
    assert page.count(intro) == 1 and page.count(PRIVACY) == 1
    assert "fortrolig" not in page
    question = page.index(CSQ8.item("csq_1").text["da"])
    assert page.index(intro) < page.index(PRIVACY) < question
    # Not repeated below: the footer holds only the links to the privacy notice and accessibility statement.
    assert re.search(r'<footer class="bottom">\s*<ul class="notices">', page)
    chat = client.get(first_answer(client, link, 3).location).text
    assert chat.count(intro) == 1 and chat.count(PRIVACY) == 1  # the same conversation, once


def test_the_minutes_come_from_the_questionnaire_file(tmp_path, link, client):
    assert "8 spørgsmål, ca. 2 minutter." in client.get(link).text  # csq8.toml says 2
    overrides = tmp_path / "other-questionnaires"
    overrides.mkdir()
    text = (PROJECT_ROOT / "questionnaires" / "csq8.toml").read_text(encoding="utf-8")
    (overrides / "csq8.toml").write_text(text.replace("estimated_minutes = 2", "estimated_minutes = 5"))
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": secrets.token_urlsafe(32),
            "DATABASE": str(tmp_path / "other.db"),
            "BASE_URL": "https://ips.example.dk",
            "QUESTIONNAIRE_OVERRIDES_DIR": str(overrides),
        }
    )
    runner = app.test_cli_runner()
    register_participant(runner, "P-002")
    other_link = runner.invoke(args=["invite", "P-002"]).stdout.strip().split("\t")[1]
    other_link = other_link.removeprefix("https://ips.example.dk")
    visitor = app.test_client()
    page = visitor.get(other_link).text
    assert "8 spørgsmål, ca. 5 minutter." in page and "2 minutter" not in page
    chat = visitor.get(first_answer(visitor, other_link, 3, page=page).location).text
    assert "8 spørgsmål, ca. 5 minutter." in chat, chat
