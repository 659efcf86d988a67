"""Answers only where they were given.

A participant's answers are shown, and can be changed, only in the browser
session that gave them. Anyone else opening the same link (the consultant
from the QR page, a forwarded SMS, the participant's phone after losing its
cookie) learns how many questions are answered and can answer only the rest.
Showing a live link to staff is in the audit log.
"""

import json
import re

import pytest

from survey_app import PROJECT_ROOT
from survey_app.questionnaires import load_file
from tests.helpers import csrf_token

CSQ8 = load_file(PROJECT_ROOT / "questionnaires" / "csq8.toml")
# Labels that appear nowhere else on the page of question 4, so finding one means leaking it.
EARLIER = {"csq_1": 4, "csq_2": 3, "csq_3": 4}
FETCH = {"X-Requested-With": "fetch"}


def label(item, score):
    return CSQ8.item(item).option(score).label["da"]


def start(client, link):
    """Open the link and press the Start of old (a post without an answer still binds and marks)."""
    welcome = client.get(link)
    if welcome.status_code == 303:  # this browser answers the link already: on to its chat
        assert welcome.location == "/svar#current"
        return client.get("/svar")
    assert welcome.status_code == 200
    response = client.post(link, data={"csrf_token": csrf_token(welcome.text)})
    assert response.status_code == 303
    return client.get("/svar")


def post(client, page_html, item, value, **headers):
    return client.post(
        "/svar",
        data={"csrf_token": csrf_token(page_html), "item": item, "value": str(value)},
        headers=headers,
    )


def stored(db):
    return {row["item_id"]: (row["score"], row["answered_at"]) for row in db.query("SELECT * FROM answer")}


def assert_shows_no_earlier_answer(html, *, own_answers=False):
    """None of the phone's answers, nor a way to change one; ``own_answers``: this browser has some."""
    for item, score in EARLIER.items():
        assert label(item, score) not in html, item
        assert f"turn-{item}" not in html and f'href="/svar?ret={item}' not in html
    assert "option chosen" not in html  # no answer marked for change
    if not own_answers:
        assert "from-me" not in html  # no answer bubble at all
        assert 'class="edit"' not in html  # no "Change" link


@pytest.fixture
def participant(add_participant, invite, db):
    add_participant("KOGE-0001", "259")
    link = invite("KOGE-0001")
    pid = db.execute("SELECT id FROM participant WHERE code = 'KOGE-0001'").fetchone()[0]
    return {"id": pid, "link": link}


@pytest.fixture
def phone(app, participant):
    """The participant's own browser, having answered questions 1 to 3."""
    client = app.test_client()
    page = start(client, participant["link"])
    for item, score in EARLIER.items():
        assert post(client, page.text, item, score).status_code == 303
        page = client.get("/svar")
    return client


def link_on_qr_page(client, participant_id):
    page = client.get(f"/konsulent/deltagere/{participant_id}/qr")
    assert page.status_code == 200
    link = re.search(r'<input id="link" value="([^"]+)"', page.text).group(1)
    return link.removeprefix("https://ips.example.dk")


def assert_another_browser_cannot_see_or_change(client, link, db):
    page = start(client, link)
    assert "3 af 8 spørgsmål er allerede besvaret" in page.text
    assert "Spørgsmål 4 af 8" in page.text
    assert CSQ8.item("csq_4").text["da"] in page.text
    assert '<progress max="8" value="3"' in page.text
    assert_shows_no_earlier_answer(page.text)

    # Asking to change question 1 shows question 4 instead.
    edit = client.get("/svar?ret=csq_1")
    assert "Spørgsmål 4 af 8" in edit.text
    assert_shows_no_earlier_answer(edit.text)

    # Posting a change, without and with the script, changes nothing.
    before = stored(db)
    refused = post(client, page.text, "csq_1", 1)
    assert refused.status_code == 303 and refused.location.startswith("/svar")
    refused = post(client, page.text, "csq_2", 1, **FETCH)
    assert "X-Chat-Turn" not in refused.headers
    assert_shows_no_earlier_answer(refused.text)
    assert stored(db) == before
    assert_shows_no_earlier_answer(client.get("/svar").text)


def test_the_consultant_opening_the_qr_link_sees_only_how_many_are_answered(
    app, phone, participant, login, db
):
    consultant = login("consultant", ("259",))
    link = link_on_qr_page(consultant, participant["id"])
    assert link == participant["link"]  # the participant's live link, not a new one
    assert_another_browser_cannot_see_or_change(consultant, link, db)
    assert {item: score for item, (score, _) in stored(db).items()} == EARLIER


def test_a_forwarded_link_in_a_fresh_browser_sees_only_how_many_are_answered(app, phone, participant, db):
    assert_another_browser_cannot_see_or_change(app.test_client(), participant["link"], db)
    assert {item: score for item, (score, _) in stored(db).items()} == EARLIER


def test_the_answering_browser_still_sees_and_changes_its_answers(app, phone, participant, db):
    assert_another_browser_cannot_see_or_change(app.test_client(), participant["link"], db)
    page = phone.get("/svar")
    assert "allerede besvaret" not in page.text
    for item, score in EARLIER.items():
        assert label(item, score) in page.text
        assert f'href="/svar?ret={item}' in page.text
    # Reopening the link in the same browser resumes with its answers.
    page = start(phone, participant["link"])
    assert label("csq_1", 4) in page.text and 'href="/svar?ret=csq_1' in page.text
    edit = phone.get("/svar?ret=csq_1")
    # Changing question 1 where it stands; the progress still says where the participant is.
    assert "Spørgsmål 4 af 8" in edit.text and 'class="option chosen" name="value" value="4"' in edit.text
    assert post(phone, edit.text, "csq_1", 2).status_code == 303
    assert stored(db)["csq_1"][0] == 2


def test_another_browser_answers_only_the_rest_and_the_first_does_not_see_those(app, phone, participant, db):
    other = app.test_client()
    page = start(other, participant["link"])
    update = post(other, page.text, "csq_4", 1, **FETCH)
    assert update.headers["X-Chat-Turn"] == "1"
    assert label("csq_4", 1) in update.text and "Spørgsmål 5 af 8" in update.text
    assert_shows_no_earlier_answer(update.text, own_answers=True)
    assert stored(db)["csq_4"][0] == 1

    # The participant's phone goes on at question 5; the other browser's answer is only counted.
    page = phone.get("/svar")
    assert "Spørgsmål 5 af 8" in page.text
    assert "1 af 8 spørgsmål er allerede besvaret" in page.text
    assert label("csq_4", 1) not in page.text and "turn-csq_4" not in page.text
    assert post(phone, page.text, "csq_4", 4).status_code == 303
    assert stored(db)["csq_4"][0] == 1


def test_answers_from_before_browsers_were_recorded_are_shown_to_no_one(app, phone, participant, db):
    with db.conn:
        db.execute("UPDATE answer SET answered_by = NULL")
    page = phone.get("/svar")
    assert "3 af 8 spørgsmål er allerede besvaret" in page.text
    assert_shows_no_earlier_answer(page.text)
    before = stored(db)
    post(phone, page.text, "csq_1", 1)
    assert stored(db) == before


def test_a_session_bound_without_a_browser_value_must_open_its_link_again(app, phone, participant, db):
    with phone.session_transaction() as session:
        session["invitation"] = {k: v for k, v in session["invitation"].items() if k != "browser"}
    page = phone.get("/svar")
    assert page.status_code == 403 and "Åbn linket" in page.text
    assert_shows_no_earlier_answer(page.text)


def test_the_pages_say_where_answers_can_be_seen(app, participant):
    client = app.test_client()
    welcome = client.get(participant["link"])
    chat = start(client, participant["link"])
    for page in (welcome, chat):
        assert "De kan kun ses og ændres på den telefon eller i den browser, hvor du gav dem." in page.text
        assert "Din jobkonsulent kan ikke se dem." in page.text


def test_showing_the_link_to_a_consultant_is_audited(app, participant, login, db):
    consultant = login("consultant", ("259",))
    link_on_qr_page(consultant, participant["id"])
    consultant.get(f"/konsulent/deltagere/{participant['id']}/qr?brev=1")
    rows = list(db.query("SELECT * FROM audit WHERE action = 'link_shown' AND actor != 'cli' ORDER BY id"))
    assert [(r["actor"], r["user_id"], r["target"]) for r in rows] == [
        (consultant.user["email"], consultant.user["id"], f"participant:{participant['id']}:KOGE-0001")
    ] * 2
    assert [json.loads(r["detail"]) for r in rows] == [{"letter": False}, {"letter": True}]
    assert all(r["at"] for r in rows)


def test_printing_a_link_with_the_invite_command_is_audited(runner, participant, db):
    result = runner.invoke(args=["invite", "KOGE-0001"])
    assert result.exit_code == 0 and participant["link"] in result.stdout
    rows = list(db.query("SELECT actor, target, detail FROM audit WHERE action = 'link_shown'"))
    # The fixture's invite and this one.
    assert (
        rows
        == [
            {
                "actor": "cli",
                "target": f"participant:{participant['id']}:KOGE-0001",
                "detail": json.dumps({"command": "invite"}),
            }
        ]
        * 2
    )
