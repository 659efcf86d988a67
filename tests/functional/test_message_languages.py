"""Messages in the participant's (and the team's) language: queued by send-due, edited by the admin.

The clock is frozen at noon on the follow-up date, so send-due queues and sends the invitation
(SMS only go out 09-20).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import time_machine
from babel.dates import format_date

from survey_app import clock
from tests.helpers import command, csrf_token

DUE = date(2026, 3, 16)
BASELINE = (DUE - timedelta(weeks=26)).isoformat()
NOON = datetime(DUE.year, DUE.month, DUE.day, 12, tzinfo=clock.LOCAL_TZ)


def add(runner, code, *extra):
    command(runner, "participants", "add", code, "--municipality", "259", "--baseline", BASELINE,
            "--consent", *extra)  # fmt: skip


def messages(db, code) -> list[dict]:
    return list(
        db.query(
            "SELECT message.kind, message.channel, message.subject, message.body, invitation.expires_at"
            " FROM message JOIN participant ON participant.id = message.participant_id"
            " LEFT JOIN invitation ON invitation.id = message.invitation_id"
            " WHERE participant.code = ? ORDER BY message.id",
            [code],
        )
    )


def last_day(expires_at: str) -> date:
    return clock.local(clock.parse(expires_at)).date() - timedelta(days=1)


def send_due(runner):
    with time_machine.travel(NOON, tick=False):
        command(runner, "send-due")


def test_an_english_participant_gets_english_sms_and_e_mail_and_a_danish_one_danish(runner, db):
    add(runner, "EN-SMS", "--phone", "20123456", "--language", "en")
    add(runner, "EN-MAIL", "--email", "alex@example.dk", "--channel", "email", "--language", "en")
    add(runner, "DA-MAIL", "--email", "sofie@example.dk", "--channel", "email")
    send_due(runner)

    (sms,) = messages(db, "EN-SMS")
    assert sms["kind"] == "invitation" and sms["channel"] == "sms"
    assert sms["body"].startswith(
        "Køge Municipality: How is your IPS support going? 8 questions, 2 min.: https://"
    )

    (mail,) = messages(db, "EN-MAIL")
    assert mail["subject"] == "What do you think of your IPS support?"
    assert "Køge Municipality would like to hear" in mail["body"]
    assert "it takes about 2 minutes" in mail["body"]  # csq8.toml: estimated_minutes = 2
    english_day = format_date(last_day(mail["expires_at"]), "long", locale="en")
    assert re.fullmatch(r"[A-Z][a-z]+ \d{1,2}, \d{4}", english_day)
    assert f"You can use the link until the end of {english_day}." in mail["body"]
    assert "Hej" not in mail["body"] and "Kommune" not in mail["body"]

    (danish,) = messages(db, "DA-MAIL")
    assert danish["subject"] == "Hvad synes du om din IPS-støtte?"
    danish_day = format_date(last_day(danish["expires_at"]), "d. MMMM y", locale="da")
    assert f"Linket virker til og med {danish_day}." in danish["body"]
    assert "det tager omkring 2 minutter" in danish["body"]


def test_an_english_text_edited_by_the_admin_is_sent(login, runner, db):
    client = login("admin", ())
    page = client.get("/admin/beskeder/sms_invitation?sprog=en")
    assert page.status_code == 200
    assert 'lang="en"' in page.text and "How is your IPS support going?" in page.text
    text = "{kommune}: please answer our {minutter}-minute survey: {link}"
    saved = client.post(
        "/admin/beskeder/sms_invitation?sprog=en", data={"csrf_token": csrf_token(page.text), "text": text}
    )
    assert saved.status_code == 303
    assert (
        db.execute("SELECT value FROM setting WHERE key = 'template.en.sms_invitation'").fetchone()[0] == text
    )
    action, target = db.execute("SELECT action, target FROM audit ORDER BY id DESC LIMIT 1").fetchone()
    assert (action, target) == ("template_changed", "template:sms_invitation:en")

    add(runner, "EN-1", "--phone", "20123456", "--language", "en")
    add(runner, "DA-1", "--phone", "20123457")
    send_due(runner)
    assert messages(db, "EN-1")[0]["body"].startswith("Køge: please answer our 2-minute survey: https://")
    assert messages(db, "DA-1")[0]["body"].startswith("Køge Kommune: Hvad synes du om din IPS-støtte?")


def test_an_english_sms_too_long_is_refused_with_a_danish_message(login, db):
    client = login("admin", ())
    page = client.get("/admin/beskeder/sms_reminder?sprog=en")
    refused = client.post(
        "/admin/beskeder/sms_reminder?sprog=en",
        data={
            "csrf_token": csrf_token(page.text),
            "text": "We " + "really " * 20 + "want to hear from you: {link}",
        },
    )
    assert refused.status_code == 422 and "SMS&#39;en er for lang" in refused.text
    assert db.execute("SELECT COUNT(*) FROM setting").fetchone()[0] == 0


def test_an_empty_english_text_falls_back_to_danish_and_the_page_warns(login, runner, db):
    client = login("admin", ())
    page = client.get("/admin/beskeder")
    assert "Ingen tekst på English" not in page.text
    edit = client.get("/admin/beskeder/email_invitation_body?sprog=en")
    assert "Lad feltet være tomt for at sende den danske tekst på dette sprog." in edit.text
    empty = client.post(
        "/admin/beskeder/email_invitation_body?sprog=en",
        data={"csrf_token": csrf_token(edit.text), "text": ""},
    )
    assert empty.status_code == 303
    page = client.get("/admin/beskeder")
    assert page.text.count("Ingen tekst på English: den danske tekst sendes.") == 1
    # Danish stays required.
    danish = client.get("/admin/beskeder/email_invitation_body")
    refused = client.post(
        "/admin/beskeder/email_invitation_body", data={"csrf_token": csrf_token(danish.text), "text": ""}
    )
    assert refused.status_code == 422
    assert db.execute("SELECT key, value FROM setting").fetchall() == [
        ("template.en.email_invitation_body", "")
    ]

    add(runner, "EN-2", "--email", "alex@example.dk", "--channel", "email", "--language", "en")
    send_due(runner)
    (mail,) = messages(db, "EN-2")
    assert mail["subject"] == "What do you think of your IPS support?"  # the subject has its English text
    assert mail["body"].startswith("Hej\n\nKøge Kommune vil gerne høre")
    assert "det tager omkring 2 minutter" in mail["body"]


def test_the_template_page_has_human_headings_and_every_language(login):
    page = login("admin", ()).get("/admin/beskeder").text
    headings = re.findall(r"<h2>([^<]+)</h2>", page)
    assert headings[:3] == ["SMS: invitation", "SMS: påmindelse", "SMS: forvarsel"]
    assert "E-mail til teamet: rundens link, tekst" in headings
    assert not any("_" in heading for heading in headings)
    assert page.count("<h3>Dansk</h3>") == page.count("<h3>English</h3>") == 13
    assert '<pre class="message" lang="en">' in page


def test_a_team_gets_the_round_e_mail_in_its_contacts_language(app, login, runner, db):
    client = login("admin", ())
    page = client.get("/admin/teams/259")
    assert '<option selected value="da">Dansk</option>' in page.text
    assert "Rundens e-mails til teamet sendes på dette sprog." in page.text
    form = {"csrf_token": csrf_token(page.text), "email": "ips@koege.dk", "name": "IPS team"}
    refused = client.post("/admin/teams/259", data=form | {"language": "fr"})
    assert refused.status_code == 422 and "Sproget skal være et af: da (Dansk), en (English)." in refused.text
    assert db.execute("SELECT COUNT(*) FROM team_contact").fetchone()[0] == 0
    assert client.post("/admin/teams/259", data=form | {"language": "en"}).status_code == 303
    command(runner, "teams", "set", "370", "--email", "ips@naestved.dk")  # keeps Danish
    assert db.execute("SELECT municipality_code, language FROM team_contact ORDER BY 1").fetchall() == [
        ("259", "en"),
        ("370", "da"),
    ]
    command(runner, "teams", "set", "259", "--email", "ips@koege.dk", "--name", "IPS team")  # keeps English
    assert (
        db.execute("SELECT language FROM team_contact WHERE municipality_code = '259'").fetchone()[0] == "en"
    )
    deadline = clock.today() + timedelta(days=60)
    command(runner, "rounds", "open", "Spring", "--deadline", deadline.isoformat())
    command(runner, "send-due")
    sent = {row[0]: row[1:] for row in db.execute("SELECT recipient, subject, body FROM message")}
    subject, body = sent["ips@koege.dk"]
    assert subject == "IPS organisation questionnaire for Køge Municipality: Spring"
    assert body.startswith("Hello IPS team\n\nThe IPS team in Køge Municipality is asked")
    assert f"The deadline is {format_date(deadline, 'long', locale='en')}." in body
    subject, body = sent["ips@naestved.dk"]
    assert subject == "IPS-organisationsskema for Næstved Kommune: Spring"
    assert f"Fristen er {format_date(deadline, 'd. MMMM y', locale='da')}." in body
    # An admin's English text for teams is used too.
    page = client.get("/admin/beskeder/team_reminder_subject?sprog=en")
    client.post("/admin/beskeder/team_reminder_subject?sprog=en", data={"csrf_token": csrf_token(page.text),
                "text": "Reminder for {kommune}"})  # fmt: skip
    from survey_app import messaging

    assert messaging.render_team(db, "reminder", {"kommune": "Køge", "navn": "", "runde": "", "antal": 6,
                                 "link": "x", "frist": ""}, "en")[0] == "Reminder for Køge"  # fmt: skip


def test_the_minute_estimate_comes_from_the_file_else_a_minute_per_four_questions(app, monkeypatch):
    from types import SimpleNamespace

    from survey_app import context

    with app.app_context():
        assert context.estimated_minutes("csq8") == 2
        monkeypatch.setattr(
            context, "questionnaire", lambda _id: SimpleNamespace(estimated_minutes=None, items=[1] * 9)
        )
        assert context.estimated_minutes("other") == 3


def test_a_teams_link_opens_in_its_contacts_language_and_the_switch_still_wins(app, runner, db):
    import re

    command(runner, "teams", "set", "259", "--email", "ips@koege.dk", "--language", "en")
    deadline = clock.today() + timedelta(days=60)
    command(runner, "rounds", "open", "Spring", "--deadline", deadline.isoformat())
    command(runner, "send-due")
    body = db.execute("SELECT body FROM message WHERE recipient = 'ips@koege.dk'").fetchone()[0]
    link = re.search(r"https?://\S+/team/[\w.-]+", body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    client = app.test_client()
    welcome = client.get("/" + path)
    assert '<html lang="en">' in welcome.text
    started = client.post("/" + path, data={"csrf_token": csrf_token(welcome.text)})
    assert started.status_code == 303
    chat = client.get("/team/svar")
    assert '<html lang="en">' in chat.text and "Question 1 of 6" in chat.text
    # The page's switch still wins, and is remembered.
    client.post("/sprog", data={"csrf_token": csrf_token(chat.text), "language": "da", "next": "/team/svar"})
    assert "Spørgsmål 1 af 6" in client.get("/team/svar").text
