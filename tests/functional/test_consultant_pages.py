"""The consultant's and admin's pages over HTTP: editing, withdrawing, message texts, pre-notices."""

from datetime import date, datetime, timedelta

import time_machine

from survey_app import clock
from tests.helpers import csrf_token


def participant_id(db, code):
    return db.execute("SELECT id FROM participant WHERE code = ?", [code]).fetchone()[0]


@time_machine.travel("2026-11-25 10:00 +01:00", tick=False)  # the birth years allowed depend on the year
def test_edit_shows_every_problem_and_saves_nothing_until_right(login, add_participant, db):
    add_participant("KOGE-1", "259", "2025-05-01", "--phone", "20123456")
    pid = participant_id(db, "KOGE-1")
    client = login("consultant", ("259",))
    page = client.get(f"/konsulent/deltagere/{pid}/ret")
    assert 'value="KOGE-1"' in page.text and 'value="+4520123456"' in page.text
    form = {
        "csrf_token": csrf_token(page.text),
        "code": "KOGE-1",
        "municipality": "259",
        "baseline": "2025-05-01",
        "phone": "123",
        "email": "nope",
        "channel": "sms",
        "language": "da",
        "birth_year": "1890",
        "gender": "",
        "consent": "y",
    }
    bad = client.post(f"/konsulent/deltagere/{pid}/ret", data=form)
    assert bad.status_code == 422
    for message in [
        "123 er ikke et dansk telefonnummer",
        "nope er ikke en gyldig e-mailadresse",
        "Fødselsåret skal ligge mellem 1900 og 2012.",
    ]:
        assert message in bad.text
    assert db.execute("SELECT phone FROM participant WHERE id = ?", [pid]).fetchone()[0] == "+4520123456"
    good = client.post(
        f"/konsulent/deltagere/{pid}/ret",
        data=form | {"phone": "30 11 22 33", "email": "", "birth_year": "1990", "gender": "male"},
    )
    assert good.status_code == 303
    row = db.execute("SELECT phone, birth_year, gender FROM participant WHERE id = ?", [pid]).fetchone()
    assert row == ("+4530112233", 1990, "male")
    [entry] = db.query("SELECT action, detail FROM audit WHERE action = 'participant_changed'")
    assert "phone" in entry["detail"] and "30 11" not in entry["detail"]  # the log names fields, not values


def test_withdraw_stops_the_link_and_the_outbox(login, add_participant, invite, db, app):
    add_participant("KOGE-1", "259", "2025-05-01", "--phone", "20123456")
    link = invite("KOGE-1")
    pid = participant_id(db, "KOGE-1")
    client = login("consultant", ("259",))
    page = client.get(f"/konsulent/deltagere/{pid}")
    assert "Inviteret" in page.text
    response = client.post(f"/konsulent/deltagere/{pid}/udtraek", data={"csrf_token": csrf_token(page.text)})
    assert "er udtrådt" in client.get(response.location).text
    assert app.test_client().get(link).status_code == 410


def test_consultant_never_sees_answers(login, add_participant, invite, db, app):
    from tests.functional.test_journey import answer, start

    add_participant("KOGE-1", "259", "2025-05-01", "--phone", "20123456")
    link = invite("KOGE-1")
    participant = app.test_client()
    page = start(participant, link)
    answer(participant, page.text, "csq_1", 4)
    client = login("consultant", ("259",))
    detail = client.get(f"/konsulent/deltagere/{participant_id(db, 'KOGE-1')}").text
    assert "Delvist besvaret" in detail and "1 spørgsmål besvaret" in detail
    assert "csq_1" not in detail and "Fremragende" not in detail


def test_admin_refuses_an_sms_text_that_does_not_fit(login, db):
    client = login("admin", ())
    page = client.get("/admin/beskeder/sms_invitation")
    long_text = "{kommune} Kommune vil rigtig gerne høre, hvad du synes om den IPS-støtte, du har fået. Svar her: {link}"
    refused = client.post(
        "/admin/beskeder/sms_invitation", data={"csrf_token": csrf_token(page.text), "text": long_text}
    )
    assert refused.status_code == 422 and "SMS&#39;en er for lang" in refused.text
    no_link = client.post(
        "/admin/beskeder/sms_invitation", data={"csrf_token": csrf_token(page.text), "text": "Hej {kommune}"}
    )
    assert "Teksten skal indeholde {link}." in no_link.text
    assert db.execute("SELECT COUNT(*) FROM setting").fetchone()[0] == 0
    short = "Svar på 8 spørgsmål om IPS i {kommune}: {link}"
    assert (
        client.post(
            "/admin/beskeder/sms_invitation", data={"csrf_token": csrf_token(page.text), "text": short}
        ).status_code
        == 303
    )
    assert (
        db.execute("SELECT value FROM setting WHERE key = 'template.sms_invitation'").fetchone()[0] == short
    )


def test_prenotice_goes_once_before_the_invitation(app, runner, db):
    app.config["PRENOTICE_DAYS"] = 7
    due = date(2026, 3, 16)
    baseline = (due - timedelta(weeks=26)).isoformat()
    runner.invoke(
        args=[
            "participants",
            "add",
            "P-1",
            "--municipality",
            "259",
            "--baseline",
            baseline,
            "--consent",
            "--phone",
            "20123456",
        ]
    )
    moments = [due - timedelta(days=8), due - timedelta(days=7), due - timedelta(days=6), due]
    for day in moments:
        with time_machine.travel(
            datetime(day.year, day.month, day.day, 12, tzinfo=clock.LOCAL_TZ),
            tick=False,
        ):
            assert runner.invoke(args=["send-due"]).exit_code == 0
    kinds = [(r["kind"], r["status"]) for r in db.query("SELECT kind, status FROM message ORDER BY id")]
    assert kinds == [("prenotice", "sent"), ("invitation", "sent")]
    prenotice = db.execute("SELECT body FROM message WHERE kind = 'prenotice'").fetchone()[0]
    assert "Køge Kommune" in prenotice and "/s/" not in prenotice
