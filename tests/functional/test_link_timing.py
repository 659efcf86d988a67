"""Links at the right time (issue 15): not sent or shown more than EARLY_INVITE_DAYS before the
follow-up date without a confirmed reason, never expiring before follow-up + LINK_VALID_DAYS, and
the dates shown to the consultant before sending.

The clock is frozen on Monday 2 March 2026, 10:00 in Denmark. KOGE-1's course started on
30 October 2025, so its follow-up date is 30 April 2026 and the link may go out from 16 April.
"""

from __future__ import annotations

import json
from datetime import date, datetime

import time_machine

from survey_app import clock, invitations
from tests.helpers import command, csrf_token

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=clock.LOCAL_TZ)
BASELINE = "2025-10-30"  # + 26 weeks = 30 April 2026
# End of 25 June 2026 (30 April + 56 days) in Copenhagen (summer time): 22:00 UTC.
EXPIRES_AFTER_FOLLOW_UP = "2026-06-25T22:00:00+00:00"


def participant_id(db, code="KOGE-1"):
    return db.execute("SELECT id FROM participant WHERE code = ?", [code]).fetchone()[0]


def audit_rows(db, action):
    return list(db.query("SELECT actor, detail, target FROM audit WHERE action = ? ORDER BY id", [action]))


def count(db, table):
    return db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


# --- the rule, in the domain ----------------------------------------------------------------------


def test_a_link_works_until_the_end_of_the_later_of_today_and_the_follow_up_date_plus_the_valid_days():
    now = datetime(2026, 3, 2, 10, 0, tzinfo=clock.LOCAL_TZ)
    early = invitations.link_expiry(now, date(2026, 4, 30), 56)
    assert clock.isoformat(early) == EXPIRES_AFTER_FOLLOW_UP
    assert invitations.last_valid_day(early) == date(2026, 6, 25)
    late = invitations.link_expiry(now, date(2025, 8, 1), 56)  # overdue: from today
    assert clock.isoformat(late) == "2026-04-27T22:00:00+00:00"  # end of 27 April, summer time
    assert invitations.last_valid_day(late) == date(2026, 4, 27)
    # Made late in the evening, the link still counts from the Danish day, not the UTC one.
    evening = datetime(2026, 3, 2, 23, 30, tzinfo=clock.LOCAL_TZ)
    assert invitations.last_valid_day(invitations.link_expiry(evening, None, 10)) == date(2026, 3, 12)


# --- the command ----------------------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_invite_refuses_an_early_link_naming_the_follow_up_date_and_the_first_day(
    add_participant, runner, db
):
    add_participant("KOGE-1", "259", BASELINE)
    result = runner.invoke(args=["invite", "KOGE-1"])
    assert result.exit_code == 1
    assert (
        "Fejl: Opfølgningsdatoen for KOGE-1 er 2026-04-30: linket må sendes eller vises fra 2026-04-16."
        in result.stderr
    )
    assert "--early --reason" in result.stderr
    assert result.stdout == ""
    assert count(db, "invitation") == 0
    assert audit_rows(db, "link_created") == [] and audit_rows(db, "link_shown") == []


@time_machine.travel(NOW, tick=False)
def test_invite_early_needs_both_flags(add_participant, runner, db):
    add_participant("KOGE-1", "259", BASELINE)
    no_reason = runner.invoke(args=["invite", "KOGE-1", "--early"])
    assert no_reason.exit_code == 1 and "--early kræver en begrundelse" in no_reason.stderr
    blank = runner.invoke(args=["invite", "KOGE-1", "--early", "--reason", "   "])
    assert blank.exit_code == 1 and "--early kræver en begrundelse" in blank.stderr
    no_flag = runner.invoke(args=["invite", "KOGE-1", "--reason", "Flytter"])
    assert no_flag.exit_code == 1 and "--reason bruges kun sammen med --early" in no_flag.stderr
    assert count(db, "invitation") == 0


@time_machine.travel(NOW, tick=False)
def test_invite_early_with_a_reason_issues_the_link_audits_the_reason_and_keeps_it_past_follow_up(
    add_participant, runner, db
):
    add_participant("KOGE-1", "259", BASELINE)
    result = command(runner, "invite", "KOGE-1", "--early", "--reason", "Flytter til Jylland i næste uge")
    assert result.stdout.startswith("KOGE-1\thttps://ips.example.dk/s/")
    [invitation] = db.query("SELECT created_at, expires_at FROM invitation")
    assert invitation["expires_at"] == EXPIRES_AFTER_FOLLOW_UP
    [row] = audit_rows(db, "link_sent_early")
    assert row["actor"] == "cli" and row["target"].endswith(":KOGE-1")
    assert json.loads(row["detail"]) == {
        "follow_up": "2026-04-30",
        "reason": "Flytter til Jylland i næste uge",
    }
    # Asking again gives the same link, with no second confirmation needed.
    again = command(runner, "invite", "KOGE-1")
    assert again.stdout == result.stdout
    assert len(audit_rows(db, "link_sent_early")) == 1


def test_invite_works_from_the_first_day_without_asking(add_participant, runner, db, app):
    add_participant("KOGE-1", "259", BASELINE)
    with time_machine.travel(datetime(2026, 4, 15, 23, 59, tzinfo=clock.LOCAL_TZ), tick=False):
        assert runner.invoke(args=["invite", "KOGE-1"]).exit_code == 1
    with time_machine.travel(datetime(2026, 4, 16, 0, 0, tzinfo=clock.LOCAL_TZ), tick=False):
        command(runner, "invite", "KOGE-1")
    assert audit_rows(db, "link_sent_early") == []
    # Made 14 days before follow-up, the link still works 56 days past it.
    assert next(db.query("SELECT expires_at FROM invitation"))["expires_at"] == EXPIRES_AFTER_FOLLOW_UP


def test_early_invite_days_is_a_setting(add_participant, runner, app):
    app.config["EARLY_INVITE_DAYS"] = 60
    add_participant("KOGE-1", "259", BASELINE)
    with time_machine.travel(NOW, tick=False):  # 59 days before follow-up
        command(runner, "invite", "KOGE-1")


def test_send_due_still_waits_for_the_follow_up_date(add_participant, runner, db):
    add_participant("KOGE-1", "259", BASELINE, "--phone", "20123456")
    with time_machine.travel(datetime(2026, 4, 16, 12, 0, tzinfo=clock.LOCAL_TZ), tick=False):
        command(runner, "send-due")
    assert count(db, "invitation") == 0 and count(db, "message") == 0
    with time_machine.travel(datetime(2026, 4, 30, 12, 0, tzinfo=clock.LOCAL_TZ), tick=False):
        command(runner, "send-due")
    [invitation] = db.query("SELECT expires_at FROM invitation")
    assert invitation["expires_at"] == EXPIRES_AFTER_FOLLOW_UP
    assert [r["status"] for r in db.query("SELECT status FROM message")] == ["sent"]
    assert audit_rows(db, "link_sent_early") == []


# --- the web --------------------------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_the_participant_page_shows_the_follow_up_date_the_first_day_and_the_expiry(
    login, add_participant, db
):
    add_participant("KOGE-1", "259", BASELINE, "--phone", "20123456")
    client = login("consultant", ("259",))
    page = client.get(f"/konsulent/deltagere/{participant_id(db)}").text
    assert "<dt>Forfalder</dt><dd>30. apr. 2026</dd>" in page
    assert "<dt>Kan sendes fra</dt><dd>16. apr. 2026</dd>" in page
    assert "<dt>Et link lavet nu virker til og med</dt><dd>25. jun. 2026</dd>" in page
    assert "Der er mere end 14 dage til opfølgningsdatoen" in page


@time_machine.travel(NOW, tick=False)
def test_send_now_too_early_asks_for_a_reason_first_and_sends_nothing(login, add_participant, db):
    add_participant("KOGE-1", "259", BASELINE, "--phone", "20123456")
    pid = participant_id(db)
    client = login("consultant", ("259",))
    page = client.get(f"/konsulent/deltagere/{pid}")
    response = client.post(f"/konsulent/deltagere/{pid}/send", data={"csrf_token": csrf_token(page.text)})
    assert response.status_code == 303
    assert response.location == f"/konsulent/deltagere/{pid}/send-tidligt?via=send"
    assert count(db, "invitation") == 0 and count(db, "message") == 0
    confirm = client.get(response.location)
    assert confirm.status_code == 200
    text = confirm.text
    assert "<h1>Send linket til KOGE-1 før tid?</h1>" in text
    assert "<dt>Opfølgningsdato</dt><dd>30. apr. 2026</dd>" in text
    assert "<dt>Kan sendes fra</dt><dd>16. apr. 2026</dd>" in text
    assert "Spørgeskemaet spørger til støtten efter 26 uger" in text
    assert "kan ikke sammenlignes med de andres" in text
    assert 'name="csrf_token"' in text and "<textarea" in text and "required" in text
    assert "Send linket før tid</button>" in text
    assert count(db, "invitation") == 0  # showing the question makes nothing


@time_machine.travel(NOW, tick=False)
def test_the_early_send_needs_a_reason_and_its_token(login, add_participant, db):
    add_participant("KOGE-1", "259", BASELINE, "--phone", "20123456")
    pid = participant_id(db)
    client = login("consultant", ("259",))
    url = f"/konsulent/deltagere/{pid}/send-tidligt?via=send"
    page = client.get(url)
    token = csrf_token(page.text)
    assert client.post(url, data={"reason": "Flytter", "via": "send"}).status_code == 400
    for blank in ("", "   "):
        refused = client.post(url, data={"csrf_token": token, "reason": blank, "via": "send"})
        assert refused.status_code == 422
        assert "Skriv, hvorfor linket skal sendes før tid." in refused.text
        assert "Intet er sendt endnu" in refused.text
    too_long = client.post(url, data={"csrf_token": token, "reason": "x" * 501, "via": "send"})
    assert too_long.status_code == 422 and "højst være på 500 tegn" in too_long.text
    assert (
        count(db, "invitation") == 0 and count(db, "message") == 0 and audit_rows(db, "link_sent_early") == []
    )


@time_machine.travel(NOW, tick=False)
def test_the_confirmed_early_send_sends_the_link_and_audits_the_reason(login, add_participant, db):
    add_participant("KOGE-1", "259", BASELINE, "--email", "p@example.dk", "--channel", "email")
    pid = participant_id(db)
    client = login("consultant", ("259",))
    url = f"/konsulent/deltagere/{pid}/send-tidligt?via=send"
    token = csrf_token(client.get(url).text)
    response = client.post(
        url, data={"csrf_token": token, "reason": " Forløbet slutter i morgen ", "via": "send"}
    )
    assert response.status_code == 303 and response.location == f"/konsulent/deltagere/{pid}"
    page = client.get(response.location).text
    assert "Linket er sendt." in page
    assert "<dt>Linket virker til og med</dt><dd>25. jun. 2026</dd>" in page
    [invitation] = db.query("SELECT expires_at FROM invitation")
    assert invitation["expires_at"] == EXPIRES_AFTER_FOLLOW_UP
    [message] = db.query("SELECT status, body FROM message")
    assert message["status"] == "sent"
    assert "Linket virker til og med 25. juni 2026." in message["body"]  # {frist}: the same last day
    [row] = audit_rows(db, "link_sent_early")
    assert row["actor"] == client.user["email"]
    assert json.loads(row["detail"]) == {"follow_up": "2026-04-30", "reason": "Forløbet slutter i morgen"}


@time_machine.travel(NOW, tick=False)
def test_the_qr_code_too_early_asks_first_then_shows_the_link_with_its_expiry(login, add_participant, db):
    add_participant("KOGE-1", "259", BASELINE)
    pid = participant_id(db)
    client = login("consultant", ("259",))
    response = client.get(f"/konsulent/deltagere/{pid}/qr")
    assert response.status_code == 303
    assert response.location == f"/konsulent/deltagere/{pid}/send-tidligt?via=qr"
    assert count(db, "invitation") == 0 and audit_rows(db, "link_shown") == []
    confirm = client.get(response.location)
    assert (
        "Vis QR-koden før tid</button>" in confirm.text
        and 'name="via" type="hidden" value="qr"' in confirm.text
    )
    shown = client.post(
        response.location,
        data={"csrf_token": csrf_token(confirm.text), "reason": "Sidste møde før flytning", "via": "qr"},
    )
    assert shown.status_code == 303 and shown.location == f"/konsulent/deltagere/{pid}/qr"
    qr = client.get(shown.location).text
    assert "<svg" in qr and "Det virker til og med 25. jun. 2026." in qr
    [row] = audit_rows(db, "link_sent_early")
    assert json.loads(row["detail"])["reason"] == "Sidste møde før flytning"
    assert len(audit_rows(db, "link_shown")) == 1
    assert count(db, "message") == 0  # shown, not sent


@time_machine.travel(NOW, tick=False)
def test_the_printed_qr_letter_says_until_when_the_link_works(login, add_participant, runner, db):
    add_participant("KOGE-1", "259", "2025-05-01")  # follow-up 30 October 2025: overdue
    client = login("consultant", ("259",))
    letter = client.get(f"/konsulent/deltagere/{participant_id(db)}/qr?brev=1").text
    section = letter[letter.index('<section class="letter" lang="da">') : letter.index("</section>")]
    # 2 March + 56 days: the link works through 27 April 2026.
    assert '<p class="expiry">Linket virker til og med 27. april 2026.</p>' in section
    assert next(db.query("SELECT expires_at FROM invitation"))["expires_at"] == "2026-04-27T22:00:00+00:00"


def test_the_early_page_is_not_needed_once_the_first_day_has_come(login, add_participant, db):
    add_participant("KOGE-1", "259", BASELINE, "--phone", "20123456")
    pid = participant_id(db)
    with time_machine.travel(datetime(2026, 4, 16, 10, 0, tzinfo=clock.LOCAL_TZ), tick=False):
        client = login("consultant", ("259",))
        page = client.get(f"/konsulent/deltagere/{pid}")
        assert "Kan sendes fra" in page.text and "Der er mere end 14 dage" not in page.text
        assert client.get(f"/konsulent/deltagere/{pid}/send-tidligt").status_code == 303
        response = client.post(f"/konsulent/deltagere/{pid}/send", data={"csrf_token": csrf_token(page.text)})
        assert response.location == f"/konsulent/deltagere/{pid}"
        assert "Linket er sendt." in client.get(response.location).text
    assert audit_rows(db, "link_sent_early") == []


@time_machine.travel(NOW, tick=False)
def test_an_early_send_without_contact_details_makes_no_link(login, add_participant, db):
    add_participant("KOGE-1", "259", BASELINE)
    pid = participant_id(db)
    client = login("consultant", ("259",))
    url = f"/konsulent/deltagere/{pid}/send-tidligt?via=send"
    token = csrf_token(client.get(url).text)
    response = client.post(url, data={"csrf_token": token, "reason": "Flytter", "via": "send"})
    assert "Der er hverken mobilnummer eller e-mailadresse" in client.get(response.location).text
    assert count(db, "invitation") == 0 and audit_rows(db, "link_sent_early") == []


@time_machine.travel(NOW, tick=False)
def test_the_qr_letter_is_in_the_participants_language_with_the_minutes_and_whom_to_ask(
    app, login, add_participant, runner, db
):
    from survey_app import audit, support

    support.set_support_contact(
        db,
        "259",
        name="IPS-teamet i Køge",
        phone="56 67 00 00",
        email="ips@koege.dk",
        actor=audit.SEED,
        now=clock.now(),
    )
    add_participant("KOGE-EN", "259", "2025-05-01", "--language", "en")
    client = login("consultant", ("259",))
    letter = client.get(f"/konsulent/deltagere/{participant_id(db, 'KOGE-EN')}/qr?brev=1").text
    section = letter[letter.index('<section class="letter" lang="en">') : letter.index("</section>")]
    assert "Køge Municipality" in section and "What do you think of your IPS support?" in section
    # The number of questions and the minutes come from the questionnaire file (csq8.toml: 2).
    assert "answer 8 short questions. It takes about 2 minutes." in " ".join(section.split())
    assert '<p class="expiry">The link works until and including April 27, 2026.</p>' in section
    assert "IPS-teamet i Køge" in section and 'href="mailto:ips@koege.dk"' in section
    # The consultant's own page around it stays in the page's language.
    assert "QR-kode til KOGE-EN" in letter and "Udskriv siden" in letter
