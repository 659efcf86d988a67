"""The participant's journey over HTTP: link, welcome, answers, completion."""

from datetime import datetime, timedelta

import pytest
import time_machine

from survey_app import PROJECT_ROOT, clock
from survey_app.questionnaires import load_file
from tests.helpers import csrf_token

CSQ8 = load_file(PROJECT_ROOT / "questionnaires" / "csq8.toml")
# A full response chosen so the total differs from any positional reading.
ANSWERS = {"csq_1": 4, "csq_2": 3, "csq_3": 2, "csq_4": 4, "csq_5": 1, "csq_6": 3, "csq_7": 4, "csq_8": 2}


@pytest.fixture
def link(add_participant, invite):
    add_participant("P-001")
    return invite("P-001")


def start(client, link):
    """Open the link and press the Start of old (a post without an answer still binds and marks)."""
    welcome = client.get(link)
    if welcome.status_code == 303:  # this browser answers the link already: on to its chat
        assert welcome.location == "/svar#current"
        return client.get("/svar")
    assert welcome.status_code == 200
    response = client.post(link, data={"csrf_token": csrf_token(welcome.text)})
    assert response.status_code == 303 and response.location.startswith("/svar")
    return client.get("/svar")


def answer(client, page_html, item, value, **headers):
    return client.post(
        "/svar",
        data={"csrf_token": csrf_token(page_html), "item": item, "value": str(value)},
        headers=headers,
    )


def stored(db, table="answer"):
    return list(
        db.query(
            f"SELECT * FROM {table} ORDER BY rowid"
            if table != "answer"
            else "SELECT * FROM answer ORDER BY item_id"
        )
    )


def test_whole_journey_stores_answers_and_total(client, link, db):
    page = start(client, link)
    assert "Spørgsmål 1 af 8" in page.text
    for number, (item, value) in enumerate(ANSWERS.items(), 1):
        assert CSQ8.item(item).text["da"] in page.text
        response = answer(client, page.text, item, value)
        assert response.status_code == 303
        page = client.get("/svar")
        if number < 8:
            assert f"Spørgsmål {number + 1} af 8" in page.text
    assert "Tak for dine svar!" in page.text
    rows = {row["item_id"]: row["score"] for row in stored(db)}
    assert rows == ANSWERS
    invitation = next(db.query("SELECT * FROM invitation"))
    assert invitation["completed_at"] and invitation["opened_at"]
    assert invitation["total_score"] == sum(ANSWERS.values()) == 23
    assert invitation["questionnaire_version"] == CSQ8.version
    assert all(row["questionnaire_version"] == CSQ8.version for row in stored(db))


def test_answer_bubbles_show_the_chosen_label_not_the_score(client, link):
    page = start(client, link)
    answer(client, page.text, "csq_2", 1)
    page = client.get("/svar")
    assert "Nej, slet ikke" in page.text  # csq_2 prints its most negative option first


def test_get_preview_changes_nothing_then_a_real_answer_works(client, app, link, db):
    # A link preview or mail scanner fetches the link, possibly several times.
    for _ in range(3):
        preview = app.test_client().get(link)
        assert preview.status_code == 200
        assert "Spørgsmål 1 af 8" in preview.text and CSQ8.item("csq_1").text["da"] in preview.text
    invitation = next(db.query("SELECT * FROM invitation"))
    assert invitation["opened_at"] is None
    assert stored(db) == []
    page = start(client, link)
    answer(client, page.text, "csq_1", 3)
    assert [row["score"] for row in stored(db)] == [3]
    assert next(db.query("SELECT opened_at FROM invitation"))["opened_at"] is not None


def test_reopening_the_link_resumes_at_first_unanswered(client, app, link):
    page = start(client, link)
    for item in ["csq_1", "csq_2", "csq_3"]:
        answer(client, page.text, item, 2)
    # Later, on another browser (a new session), the same link.
    other = app.test_client()
    welcome = other.get(link)
    # The link's page itself says how many are answered and asks the next question (issue 15).
    assert "3 af 8 spørgsmål er allerede besvaret" in welcome.text
    assert "Spørgsmål 4 af 8" in welcome.text
    assert CSQ8.item("csq_4").text["da"] in welcome.text
    other.post(link, data={"csrf_token": csrf_token(welcome.text)})
    page = other.get("/svar")
    assert "Spørgsmål 4 af 8" in page.text
    assert CSQ8.item("csq_4").text["da"] in page.text


def test_same_answer_twice_changes_nothing(client, link, db):
    page = start(client, link)
    answer(client, page.text, "csq_1", 3)
    first = stored(db)
    answer(client, page.text, "csq_1", 3)
    assert stored(db) == first  # answered_at unchanged too


def test_changing_an_earlier_answer(client, link, db):
    page = start(client, link)
    for item in ["csq_1", "csq_2", "csq_3"]:
        answer(client, page.text, item, 2)
    edit = client.get("/svar?ret=csq_2")
    assert "Spørgsmål 4 af 8" in edit.text  # where the participant was (issue 15)
    assert 'class="option chosen" name="value" value="2"' in edit.text
    answer(client, edit.text, "csq_2", 4)
    after = client.get("/svar")
    assert "Spørgsmål 4 af 8" in after.text  # back to the first unanswered
    assert {r["item_id"]: r["score"] for r in stored(db)} == {"csq_1": 2, "csq_2": 4, "csq_3": 2}


@pytest.mark.parametrize(
    "item, value", [("csq_1", 5), ("csq_1", 0), ("csq_1", "fire"), ("csq_1", ""), ("csq_99", 1), ("", 1)]
)
def test_values_outside_the_options_get_400_and_change_nothing(client, link, db, item, value):
    page = start(client, link)
    response = answer(client, page.text, item, value)
    assert response.status_code == 400
    assert "Intet blev gemt" in response.text
    assert stored(db) == []


def test_missing_csrf_token_is_refused(client, link, db):
    start(client, link)
    response = client.post("/svar", data={"item": "csq_1", "value": "3"})
    assert response.status_code == 400
    assert "Siden var udløbet" in response.text
    forged = client.post("/svar", data={"csrf_token": "forged", "item": "csq_1", "value": "3"})
    assert forged.status_code == 400
    assert stored(db) == []


def test_start_without_csrf_is_refused(client, link, db):
    response = client.post(link)
    assert response.status_code == 400
    assert next(db.query("SELECT opened_at FROM invitation"))["opened_at"] is None


def test_answering_without_having_opened_a_link(client, app, link):
    fresh = app.test_client()
    page = fresh.get("/")  # a session with a CSRF token, but no invitation
    response = fresh.post("/svar", data={"csrf_token": csrf_token(page.text), "item": "csq_1", "value": "3"})
    assert response.status_code == 403
    assert "Åbn dit link igen" in response.text
    assert fresh.get("/svar").status_code == 403


def test_fetch_request_gets_only_the_new_turn_and_next_question(client, link):
    page = start(client, link)
    answer(client, page.text, "csq_1", 4)
    response = answer(client, page.text, "csq_2", 1, **{"X-Requested-With": "fetch"})
    assert response.status_code == 200
    assert response.headers["X-Chat-Turn"] == "1"
    assert response.text.startswith('<div data-title="Spørgsmål 3 af 8')
    assert 'id="turn-csq_2"' in response.text and "Nej, slet ikke" in response.text
    assert 'id="turn-csq_1"' not in response.text, "earlier turns are already on the page"
    assert CSQ8.item("csq_3").text["da"] in response.text
    assert 'id="progress"' in response.text and 'id="ask"' in response.text
    assert "<html" not in response.text
    assert CSQ8.intro["da"] not in response.text


def test_fetch_request_for_the_last_answer_gets_the_closing(client, link):
    page = start(client, link)
    for item, value in list(ANSWERS.items())[:-1]:
        answer(client, page.text, item, value)
    response = answer(client, page.text, "csq_8", 2, **{"X-Requested-With": "fetch"})
    assert response.headers["X-Chat-Turn"] == "1"
    assert 'id="conversation"' in response.text and "Tak for dine svar!" in response.text
    assert 'id="ask"' not in response.text


def complete(client, link):
    page = start(client, link)
    for item, value in ANSWERS.items():
        answer(client, page.text, item, value)


def test_spent_link_says_thank_you_and_never_shows_answers(client, app, link, db):
    complete(client, link)
    later = app.test_client().get(link)
    assert later.status_code == 200
    assert "Du har allerede svaret" in later.text
    for item, value in ANSWERS.items():
        assert CSQ8.item(item).option(value).label["da"] not in later.text
    # The finished session's chat page shows the thanks, not the answers either.
    finished = client.get("/svar")
    assert "Tak for dine svar!" in finished.text
    assert "Fremragende" not in finished.text


def test_answers_after_completion_change_nothing(client, link, db):
    page = start(client, link)
    for item, value in ANSWERS.items():
        answer(client, page.text, item, value)
    before = stored(db)
    response = answer(client, page.text, "csq_1", 1)
    assert response.status_code == 303
    assert stored(db) == before
    assert next(db.query("SELECT total_score FROM invitation"))["total_score"] == 23
    again = client.post(link, data={"csrf_token": csrf_token(page.text)})
    assert "Du har allerede svaret" in again.text


@pytest.mark.parametrize(
    "mangle",
    [
        lambda path: path[:-1] + ("A" if path[-1] != "A" else "B"),
        lambda path: path.replace("/s/1.", "/s/2."),
        lambda path: "/s/" + "0" * 30,
        lambda path: path + "x",
    ],
)
def test_tampered_or_unknown_links_get_404_and_change_nothing(client, link, db, mangle):
    response = client.get(mangle(link))
    assert response.status_code == 404
    assert "Siden findes ikke" in response.text
    posted = client.post(mangle(link), data={"csrf_token": csrf_token(response.text)})
    assert posted.status_code == 404
    assert next(db.query("SELECT opened_at FROM invitation"))["opened_at"] is None


def test_expired_link_gets_410(client, app, link, db):
    expires = clock.parse(next(db.query("SELECT expires_at FROM invitation"))["expires_at"])
    with time_machine.travel(expires - timedelta(minutes=1), tick=False):
        assert client.get(link).status_code == 200
    with time_machine.travel(expires + timedelta(seconds=1), tick=False):
        response = client.get(link)
        assert response.status_code == 410
        assert "Linket er udløbet" in response.text
        assert client.post(link, data={"csrf_token": csrf_token(response.text)}).status_code == 410
    assert next(db.query("SELECT opened_at FROM invitation"))["opened_at"] is None


def test_expiry_stops_a_participant_midway(client, app, add_participant, invite, db):
    app.config["LINK_VALID_DAYS"] = 2  # within the session cookie's lifetime
    add_participant("P-002")
    link = invite("P-002")
    page = start(client, link)
    answer(client, page.text, "csq_1", 4)
    expires = clock.parse(next(db.query("SELECT expires_at FROM invitation"))["expires_at"])
    with time_machine.travel(expires + timedelta(hours=1), tick=False):
        response = answer(client, page.text, "csq_2", 4)
        assert response.status_code == 410
    assert [r["item_id"] for r in stored(db)] == ["csq_1"]


def test_withdrawn_participant_link_gets_410(client, runner, link, db):
    page = start(client, link)
    result = runner.invoke(args=["participants", "withdraw", "P-001"])
    assert result.exit_code == 0, result.output
    response = client.get(link)
    assert response.status_code == 410
    assert "trukket tilbage" in response.text
    assert answer(client, page.text, "csq_1", 4).status_code == 410
    assert stored(db) == []


def test_link_validity_follows_config(app, add_participant, invite, db):
    """Issued after the follow-up date, a link works LINK_VALID_DAYS more days, to the end of the
    last one in Danish time (issue 15: it was exactly that many days after the second it was made)."""
    app.config["LINK_VALID_DAYS"] = 10
    add_participant("P-002")  # follow-up date 2025-10-30
    with time_machine.travel(datetime(2026, 3, 2, 14, 0, tzinfo=clock.LOCAL_TZ), tick=False):
        invite("P-002")
    row = next(db.query("SELECT created_at, expires_at FROM invitation"))
    assert row["created_at"] == "2026-03-02T13:00:00+00:00"
    assert row["expires_at"] == "2026-03-12T23:00:00+00:00"  # midnight after 12 March, Copenhagen


def test_updates_are_shared_but_each_carries_its_own_csrf_token(app, add_participant, invite):
    add_participant("P-A")
    add_participant("P-B")
    links_ = invite("P-A", "P-B")
    fragments = []
    for link in links_:
        client = app.test_client()
        page = start(client, link)
        update = answer(client, page.text, "csq_1", 4, **{"X-Requested-With": "fetch"})
        token = csrf_token(update.text)
        # The token in the update is valid for this participant's next answer.
        follow = answer(client, update.text, "csq_2", 3, **{"X-Requested-With": "fetch"})
        assert follow.status_code == 200 and 'id="turn-csq_2"' in follow.text
        fragments.append((update.text, token))
    (first, first_token), (second, second_token) = fragments
    assert first_token != second_token
    assert first.replace(first_token, "") == second.replace(second_token, "")


def test_update_follows_the_language(app, add_participant, invite):
    add_participant("P-A")
    add_participant("P-B")
    danish_link, english_link = invite("P-A", "P-B")
    danish, english = app.test_client(), app.test_client()
    page = start(danish, danish_link)
    assert "Spørgsmål 2 af 8" in answer(danish, page.text, "csq_1", 4, **{"X-Requested-With": "fetch"}).text
    welcome = english.get(english_link)
    english.post("/sprog", data={"csrf_token": csrf_token(welcome.text), "language": "en", "next": "/"})
    page = start(english, english_link)
    update = answer(english, page.text, "csq_1", 4, **{"X-Requested-With": "fetch"}).text
    assert "Question 2 of 8" in update and "Excellent" in update and "Spørgsmål" not in update
