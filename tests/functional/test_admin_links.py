"""A user's one-time link: a read-only field to copy it without JavaScript, and a button that e-mails it."""

from __future__ import annotations

import logging
import re

import pytest

from tests.conftest import PASSWORD
from tests.helpers import csrf_token

FIELD = re.compile(r"<input id=\"link\" type=\"text\" value=\"([^\"]+)\" readonly[^>]*>")


@pytest.fixture
def admin(login):
    return login("admin")


@pytest.fixture
def newcomer(make_user):
    return make_user(email="ny@koege.dk", password=None)


def _make_link(admin, user_id: int):
    page = admin.get(f"/admin/brugere/{user_id}")
    response = admin.post(f"/admin/brugere/{user_id}/link", data={"csrf_token": csrf_token(page.text)})
    assert response.status_code == 200
    match = FIELD.search(response.text)
    assert match, response.text
    return response, match.group(1)


def _send(admin, page, user_id: int):
    token = re.search(r'name="token" value="([^"]+)"', page.text).group(1)
    return admin.post(
        f"/admin/brugere/{user_id}/link/send", data={"csrf_token": csrf_token(page.text), "token": token}
    )


def test_the_link_is_in_a_plain_read_only_field_with_a_copy_button_for_javascript(admin, newcomer):
    page, link = _make_link(admin, newcomer["id"])
    assert link.startswith("https://ips.example.dk/adgangskode/")
    assert '<label for="link">Engangslink</label>' in page.text
    # The button is hidden until copy.js shows it: without JavaScript there is only the field.
    assert re.search(
        r'<button type="button" class="secondary" data-copy="link" data-copied="Kopieret" hidden>'
        r"Kopiér</button>",
        page.text,
    )
    assert '<script src="/static/copy.js?v=' in page.text
    assert "navigator.clipboard" in admin.get("/static/copy.js").text
    assert "Send linket til brugeren" in page.text and "På e-mail til ny@koege.dk." in page.text


def test_a_new_user_gets_the_same_field_and_button(admin):
    page = admin.get("/admin/")
    created = admin.post(
        "/admin/",
        data={"csrf_token": csrf_token(page.text), "email": "ny2@koege.dk", "role": "evaluator"},
    )
    assert created.status_code == 200
    assert re.search(
        r'<input id="new-link" type="text" value="https://ips.example.dk/adgangskode/[^"]+" readonly',
        created.text,
    )
    assert "Send linket til brugeren" in created.text


def test_emailing_sends_the_shown_link_to_the_user_in_danish_and_logs_no_token(
    app, admin, newcomer, db, smtp_server, caplog
):
    app.config.update(smtp_server.config() | {"MAIL_FROM": "IPS <noreply@ips.example.dk>"})
    page, link = _make_link(admin, newcomer["id"])
    token = link.rsplit("/", 1)[1]
    with caplog.at_level(logging.DEBUG):
        sent = _send(admin, page, newcomer["id"])
    assert sent.status_code == 303 and sent.location == f"/admin/brugere/{newcomer['id']}"
    assert "Linket er sendt på e-mail til ny@koege.dk." in admin.get(sent.location).text
    [received] = smtp_server.messages
    assert received["to"] == ["ny@koege.dk"]
    message = received["message"]
    assert message["Subject"] == "Vælg din adgangskode til IPS-undersøgelsen"
    body = message.get_content()
    assert link in body and "Du har en bruger i IPS-undersøgelsen (Konsulent)" in body
    assert "Linket virker én gang og i 72 timer." in body
    # One audit row, naming the user and the address, never the link.
    rows = db.execute(
        "SELECT action, target, detail FROM audit WHERE action = 'password_link_emailed'"
    ).fetchall()
    assert rows == [("password_link_emailed", f"user:{newcomer['id']}", '{"recipient": "ny@koege.dk"}')]
    everything = "\n".join(str(row) for row in db.execute("SELECT * FROM audit").fetchall())
    assert token not in everything
    assert token not in caplog.text
    # The e-mailed link is the one shown, and it works.
    other = app.test_client()
    assert other.get(link.removeprefix("https://ips.example.dk")).status_code == 200
    # The audit log names it in Danish.
    assert "Adgangskodelink sendt på e-mail" in admin.get("/admin/log").text


def test_the_console_sender_logs_the_email_with_the_token_masked(app, admin, newcomer, caplog):
    page, link = _make_link(admin, newcomer["id"])
    token = link.rsplit("/", 1)[1]
    with caplog.at_level(logging.INFO, logger="survey_app.delivery"):
        assert _send(admin, page, newcomer["id"]).status_code == 303
    logged = [record.getMessage() for record in caplog.records if record.name == "survey_app.delivery"]
    assert len(logged) == 1 and "to ny@koege.dk" in logged[0]
    assert "https://ips.example.dk/adgangskode/***" in logged[0]
    assert token not in caplog.text


def test_a_link_replaced_by_a_newer_one_is_not_sent(app, admin, newcomer, db, smtp_server):
    app.config.update(smtp_server.config())
    old_page, _old = _make_link(admin, newcomer["id"])
    _make_link(admin, newcomer["id"])
    refused = _send(admin, old_page, newcomer["id"])
    assert refused.status_code == 303
    assert "Linket virker ikke længere" in admin.get(refused.location).text
    assert smtp_server.messages == []
    assert db.execute("SELECT COUNT(*) FROM audit WHERE action = 'password_link_emailed'").fetchone()[0] == 0


def test_a_token_for_another_user_is_not_sent_to_this_one(app, admin, newcomer, make_user, smtp_server):
    app.config.update(smtp_server.config())
    other = make_user(email="anden@koege.dk", password=PASSWORD)
    page, _link = _make_link(admin, newcomer["id"])
    assert _send(admin, page, other["id"]).status_code == 303
    assert smtp_server.messages == []


def test_a_refused_email_says_so_in_danish_and_keeps_the_link_to_copy(app, admin, newcomer, db, smtp_server):
    app.config.update(smtp_server.config())
    smtp_server.reject("ny@koege.dk")
    page, link = _make_link(admin, newcomer["id"])
    failed = _send(admin, page, newcomer["id"])
    assert failed.status_code == 502
    assert "E-mailen kunne ikke sendes (mail server refused" in failed.text
    assert "Kopiér linket og giv det til brugeren i stedet." in failed.text
    assert FIELD.search(failed.text).group(1) == link
    assert db.execute("SELECT COUNT(*) FROM audit WHERE action = 'password_link_emailed'").fetchone()[0] == 0
