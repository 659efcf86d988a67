"""The survey opens in the participant's language; the page's switch still wins and is remembered."""

from __future__ import annotations

from tests.helpers import csrf_token


def answer(client, page_html, item, value, **headers):
    return client.post(
        "/svar",
        data={"csrf_token": csrf_token(page_html), "item": item, "value": str(value)},
        headers=headers,
    )


def test_an_english_participant_gets_the_survey_in_english(app, add_participant, invite):
    add_participant("EN-1", "259", "2025-05-01", "--language", "en")
    link = invite("EN-1")
    client = app.test_client()
    welcome = client.get(link)
    assert '<html lang="en">' in welcome.text
    assert "What do you think of your IPS support?" in welcome.text
    assert "8 questions, about 2 minutes." in welcome.text
    started = client.post(link, data={"csrf_token": csrf_token(welcome.text)})
    assert started.status_code == 303
    chat = client.get("/svar")
    assert '<html lang="en">' in chat.text and "Question 1 of 8" in chat.text
    assert "Excellent" in chat.text and "Fremragende" not in chat.text
    update = answer(client, chat.text, "csq_1", 4, **{"X-Requested-With": "fetch"})
    assert "Question 2 of 8" in update.text and "Spørgsmål" not in update.text


def test_a_danish_participant_gets_danish_and_a_preview_leaves_the_session_alone(
    app, add_participant, invite
):
    add_participant("DA-1")
    add_participant("EN-2", "259", "2025-05-01", "--language", "en")
    danish_link, english_link = invite("DA-1", "EN-2")
    client = app.test_client()
    assert '<html lang="da">' in client.get(danish_link).text
    # Opening (GET) an English link is a preview: that page is English, nothing is remembered.
    assert '<html lang="en">' in client.get(english_link).text
    with client.session_transaction() as session:
        assert "link_language" not in session and "language" not in session
    # Staff pages and the front page are not changed by a participant's language.
    assert '<html lang="da">' in client.get("/").text


def test_the_switch_to_danish_wins_and_is_remembered(app, add_participant, invite):
    add_participant("EN-3", "259", "2025-05-01", "--language", "en")
    link = invite("EN-3")
    client = app.test_client()
    welcome = client.get(link)
    started = client.post(link, data={"csrf_token": csrf_token(welcome.text)})
    assert started.status_code == 303
    chat = client.get("/svar")
    assert "Question 1 of 8" in chat.text
    switched = client.post(
        "/sprog", data={"csrf_token": csrf_token(chat.text), "language": "da", "next": "/svar"}
    )
    assert switched.status_code == 303
    chat = client.get("/svar")
    assert '<html lang="da">' in chat.text and "Spørgsmål 1 af 8" in chat.text
    update = answer(client, chat.text, "csq_1", 4, **{"X-Requested-With": "fetch"})
    assert "Spørgsmål 2 af 8" in update.text and "Question" not in update.text
    # Reopening the link keeps the choice.
    again = client.get(link, follow_redirects=True)  # a browser already answering goes on to its chat
    assert '<html lang="da">' in again.text and "Hvad synes du om din IPS-støtte?" in again.text


def test_the_opt_out_page_is_in_the_participants_language(app, runner, db):
    from survey_app import links
    from tests.helpers import command

    command(runner, "participants", "add", "EN-4", "--municipality", "259", "--baseline", "2025-05-01",
            "--consent", "--email", "a@example.dk", "--language", "en")  # fmt: skip
    participant_id = db.execute("SELECT id FROM participant WHERE code = 'EN-4'").fetchone()[0]
    token = links.opt_out_token(app.config["SECRET_KEY"], participant_id)
    page = app.test_client().get(f"/afmeld/{token}")
    assert page.status_code == 200 and '<html lang="en">' in page.text


def switch_to_english(client, path):
    page = client.get(path)
    client.post("/sprog", data={"csrf_token": csrf_token(page.text), "language": "en", "next": path})
    return client.get(path)


def test_questionnaire_pickers_follow_the_pages_language(login):
    admin = login("admin", ())
    assert ">Organisationsskema for IPS-teamet</option>" in admin.get("/admin/runder/ny").text
    english = switch_to_english(admin, "/admin/runder/ny").text
    assert ">Organisation questionnaire for the IPS team</option>" in english
    assert "Organisationsskema" not in english
    evaluator = login("evaluator", ())
    assert ">Hvad synes du om din IPS-støtte?</option>" in evaluator.get("/evaluering/").text
    assert (
        ">What do you think of your IPS support?</option>"
        in switch_to_english(evaluator, "/evaluering/").text
    )
