"""The consultant's day (issue 15): overdue apart from due within a week, invitation SMS waiting for
the SMS window shown as waiting (with the time they go), withdrawing confirmed and undone within 14
days, the lists as CSV (own municipalities, no answers), the timeline in the journey's order.

Every test freezes the clock (Danish time): the lists depend on today, the SMS window on the hour.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta

import time_machine

from survey_app import clock
from tests.helpers import command, csrf_token

MONDAY = datetime(2026, 3, 2, 10, 0, tzinfo=clock.LOCAL_TZ)
EVENING = datetime(2026, 3, 2, 21, 30, tzinfo=clock.LOCAL_TZ)
NEXT_MORNING = datetime(2026, 3, 3, 9, 5, tzinfo=clock.LOCAL_TZ)
WAITING = "Venter på SMS-vinduet (sendes kl. 09:00)"


def baseline_for(due: date) -> str:
    return (due - timedelta(weeks=26)).isoformat()


def participant_id(db, code):
    return db.execute("SELECT id FROM participant WHERE code = ?", [code]).fetchone()[0]


def section(html: str, heading: str) -> str:
    """The part of the page from the heading ``<h2>heading (n)`` to the next heading."""
    start = html.index(f"<h2>{heading} (")
    end = html.find("<h2>", start + 1)
    return html[start : end if end != -1 else len(html)]


def h1(html: str) -> str:
    return html[html.index("<h1>") : html.index("</h1>")]


def read_csv(response) -> list[list[str]]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    assert "\r\n" in text
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))


# --- overdue and due within a week ----------------------------------------------------------------


@time_machine.travel(MONDAY, tick=False)
def test_overdue_is_apart_from_due_within_a_week(login, add_participant, invite):
    add_participant("AUG-2025", "259", baseline_for(date(2025, 8, 15)))
    add_participant("YESTERDAY", "259", baseline_for(date(2026, 3, 1)))
    add_participant("TODAY", "259", baseline_for(date(2026, 3, 2)))
    add_participant("IN-7-DAYS", "259", baseline_for(date(2026, 3, 9)))
    add_participant("IN-8-DAYS", "259", baseline_for(date(2026, 3, 10)))
    add_participant("INVITED", "259", baseline_for(date(2025, 8, 15)))
    invite("INVITED")
    home = login("consultant", ("259",)).get("/konsulent/").text
    overdue = section(home, "Overskredet")
    due_soon = section(home, "Forfalder inden for en uge")
    assert overdue.startswith("<h2>Overskredet (2)</h2>")
    assert ">AUG-2025<" in overdue and ">YESTERDAY<" in overdue
    assert "15. aug. 2025" in overdue
    assert due_soon.startswith("<h2>Forfalder inden for en uge (2)</h2>")
    assert ">TODAY<" in due_soon and ">IN-7-DAYS<" in due_soon
    assert "AUG-2025" not in due_soon and "YESTERDAY" not in due_soon
    assert "IN-8-DAYS" not in home.split("<h2>Alle deltagere")[0] and "INVITED" not in overdue


# --- waiting for the SMS window -------------------------------------------------------------------


def test_an_sms_sent_by_hand_at_night_waits_for_the_window_and_says_so(login, add_participant, runner, db):
    add_participant("SMS-1", "259", baseline_for(date(2026, 2, 20)), "--phone", "20123456")
    pid = participant_id(db, "SMS-1")
    with time_machine.travel(EVENING, tick=False):
        client = login("consultant", ("259",))
        page = client.get(f"/konsulent/deltagere/{pid}")
        response = client.post(f"/konsulent/deltagere/{pid}/send", data={"csrf_token": csrf_token(page.text)})
        page = client.get(response.location).text
        assert "SMS sendes kun mellem kl. 9 og 20" in page
        assert WAITING in h1(page) and "Inviteret" not in h1(page)
        assert "Invitation på SMS: venter på at blive sendt" in page
        home = client.get("/konsulent/").text
        waiting = section(home, "Venter på SMS-vinduet")
        assert ">SMS-1<" in waiting and WAITING in waiting
        listing = client.get("/konsulent/deltagere").text
        assert WAITING in listing and "Inviteret" not in listing.split("<tbody>")[1]
    with time_machine.travel(NEXT_MORNING, tick=False):
        command(runner, "send-due")
        client = login("consultant", ("259",), email="konsulent-morgen@example.dk")  # a new working day
        page = client.get(f"/konsulent/deltagere/{pid}").text
        assert "Inviteret" in h1(page) and "Venter på SMS-vinduet" not in page
        assert "Venter på SMS-vinduet" not in client.get("/konsulent/").text
    assert [r["status"] for r in db.query("SELECT status FROM message")] == ["sent"]


def test_an_sms_planned_by_send_due_at_night_is_waiting_too(login, add_participant, runner, db):
    add_participant("SMS-2", "259", baseline_for(date(2026, 3, 2)), "--phone", "20123457")
    with time_machine.travel(EVENING, tick=False):
        command(runner, "send-due")
        page = login("consultant", ("259",)).get(f"/konsulent/deltagere/{participant_id(db, 'SMS-2')}").text
    assert WAITING in h1(page)


def test_an_e_mail_or_a_shown_link_is_never_waiting_for_the_sms_window(login, add_participant, invite, db):
    add_participant("MAIL-1", "259", baseline_for(date(2026, 2, 20)), "--email", "p@example.dk")
    add_participant("QR-1", "259", baseline_for(date(2026, 2, 20)))
    with time_machine.travel(EVENING, tick=False):
        client = login("consultant", ("259",))
        pid = participant_id(db, "MAIL-1")
        page = client.get(f"/konsulent/deltagere/{pid}")
        client.post(f"/konsulent/deltagere/{pid}/send", data={"csrf_token": csrf_token(page.text)})
        invite("QR-1")
        listing = client.get("/konsulent/deltagere").text
    table = listing.split("<tbody>")[1]
    assert "Venter på SMS-vinduet" not in table and table.count(">Inviteret<") == 2


# --- withdrawing: confirmed, and undone for 14 days -----------------------------------------------


def _withdrawn_at_night(login, add_participant, invite, db, app):
    """KOGE-1 holds a link, an SMS waits for the window, and the consultant withdraws them (confirmed)."""
    add_participant("KOGE-1", "259", baseline_for(date(2026, 2, 20)), "--phone", "20123456")
    pid = participant_id(db, "KOGE-1")
    with time_machine.travel(EVENING, tick=False):
        link = invite("KOGE-1")
        client = login("consultant", ("259",))
        page = client.get(f"/konsulent/deltagere/{pid}")
        client.post(f"/konsulent/deltagere/{pid}/send", data={"csrf_token": csrf_token(page.text)})
        page = client.get(f"/konsulent/deltagere/{pid}").text
        # The button leads to a question, not to the withdrawal itself.
        assert f'<a class="button danger" href="/konsulent/deltagere/{pid}/udtraek">Udtræd</a>' in page
        confirm = client.get(f"/konsulent/deltagere/{pid}/udtraek")
        assert confirm.status_code == 200
        assert "<h1>Udtræd KOGE-1?</h1>" in confirm.text
        assert "Du kan fortryde udtrædelsen i 14 dage" in confirm.text
        assert f'action="/konsulent/deltagere/{pid}/udtraek"' in confirm.text
        assert (
            db.execute("SELECT withdrawn_at FROM participant").fetchone()[0] is None
        )  # asking changed nothing
        done = client.post(
            f"/konsulent/deltagere/{pid}/udtraek", data={"csrf_token": csrf_token(confirm.text)}
        )
        assert "er udtrådt" in client.get(done.location).text
    assert app.test_client().get(link).status_code == 410
    assert [r["status"] for r in db.query("SELECT status FROM message")] == ["cancelled"]
    return client, pid, link


def test_withdrawing_asks_first_and_can_be_undone_within_14_days(
    login, add_participant, invite, runner, db, app
):
    client, pid, link = _withdrawn_at_night(login, add_participant, invite, db, app)
    with time_machine.travel(NEXT_MORNING, tick=False):
        command(runner, "send-due")  # meanwhile nothing goes out
    assert [r["status"] for r in db.query("SELECT status FROM message")] == ["cancelled"]
    with time_machine.travel(EVENING + timedelta(days=13, hours=23), tick=False):
        client = login("consultant", ("259",), email="kollega@example.dk")
        page = client.get(f"/konsulent/deltagere/{pid}")
        assert "Udtrædelsen kan fortrydes indtil 16. mar. 2026 21:30" in page.text
        undone = client.post(
            f"/konsulent/deltagere/{pid}/fortryd-udtraek", data={"csrf_token": csrf_token(page.text)}
        )
        assert undone.status_code == 303
        page = client.get(undone.location).text
        assert "Udtrædelsen af KOGE-1 er fortrudt" in page and "Udtrådt" not in h1(page)
        assert app.test_client().get(link).status_code == 200
    assert db.execute("SELECT withdrawn_at FROM participant").fetchone()[0] is None
    assert db.execute("SELECT withdrawn_at FROM invitation").fetchone()[0] is None
    assert [r["status"] for r in db.query("SELECT status FROM message")] == ["pending"]
    [row] = db.query("SELECT actor, detail FROM audit WHERE action = 'participant_withdrawal_undone'")
    assert row["actor"] == client.user["email"] and '"messages_restored": 1' in row["detail"]
    with time_machine.travel(NEXT_MORNING + timedelta(days=14), tick=False):
        command(runner, "send-due")
    kinds = [(r["kind"], r["status"]) for r in db.query("SELECT kind, status FROM message ORDER BY id")]
    assert kinds[0] == ("invitation", "sent")


def test_undo_leaves_cancelled_a_message_whose_contact_details_were_deleted(
    login, add_participant, invite, runner, db, app
):
    client, pid, link = _withdrawn_at_night(login, add_participant, invite, db, app)
    app.config["CONTACT_GRACE_DAYS"] = 0
    with time_machine.travel(NEXT_MORNING, tick=False):
        command(runner, "send-due")  # deletes the phone number of the withdrawn participant
        assert db.execute("SELECT phone FROM participant").fetchone()[0] is None
        client = login("consultant", ("259",), email="kollega@example.dk")
        page = client.get(f"/konsulent/deltagere/{pid}")
        client.post(f"/konsulent/deltagere/{pid}/fortryd-udtraek", data={"csrf_token": csrf_token(page.text)})
        assert app.test_client().get(link).status_code == 200
    assert [r["status"] for r in db.query("SELECT status FROM message")] == ["cancelled"]


def test_undo_sends_nothing_to_a_participant_who_opted_out_meanwhile(login, add_participant, invite, db, app):
    from survey_app import audit, participants

    client, pid, link = _withdrawn_at_night(login, add_participant, invite, db, app)
    participants.opt_out(db, pid, actor=audit.PARTICIPANT)
    with time_machine.travel(NEXT_MORNING, tick=False):
        client = login("consultant", ("259",), email="kollega@example.dk")
        page = client.get(f"/konsulent/deltagere/{pid}")
        client.post(f"/konsulent/deltagere/{pid}/fortryd-udtraek", data={"csrf_token": csrf_token(page.text)})
    assert db.execute("SELECT withdrawn_at FROM participant").fetchone()[0] is None
    assert [r["status"] for r in db.query("SELECT status FROM message")] == ["cancelled"]


def test_a_withdrawal_older_than_14_days_cannot_be_undone(login, add_participant, invite, db, app):
    client, pid, link = _withdrawn_at_night(login, add_participant, invite, db, app)
    with time_machine.travel(EVENING + timedelta(days=14, minutes=1), tick=False):
        client = login("consultant", ("259",), email="kollega@example.dk")
        page = client.get(f"/konsulent/deltagere/{pid}")
        assert "Fortryd udtrædelsen" not in page.text
        refused = client.post(
            f"/konsulent/deltagere/{pid}/fortryd-udtraek", data={"csrf_token": csrf_token(page.text)}
        )
        text = client.get(refused.location).text
    assert (
        "KOGE-1 udtrådte den 2026-03-02, for mere end 14 dage siden: udtrædelsen kan ikke længere fortrydes."
        in text
    )
    assert db.execute("SELECT withdrawn_at FROM participant").fetchone()[0] is not None
    assert app.test_client().get(link).status_code == 410
    assert [r["status"] for r in db.query("SELECT status FROM message")] == ["cancelled"]
    assert list(db.query("SELECT 1 FROM audit WHERE action = 'participant_withdrawal_undone'")) == []


# --- the lists as CSV -----------------------------------------------------------------------------


@time_machine.travel(MONDAY, tick=False)
def test_the_participant_list_downloads_for_own_municipalities_without_answers_or_contacts(
    login, add_participant, invite, app, db
):
    from tests.functional.test_journey import complete

    add_participant("KOGE-DONE", "259", "2025-05-01", "--phone", "20123456", "--email", "a@example.dk")
    add_participant("KOGE-WAIT", "259", baseline_for(date(2026, 3, 5)))
    add_participant("NAES-1", "370", "2025-05-01", "--phone", "20999999")
    complete(app.test_client(), invite("KOGE-DONE"))
    client = login("consultant", ("259",))
    response = client.get("/konsulent/deltagere.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="deltagere-2026-03-02.csv"'
    rows = read_csv(response)
    assert rows == [
        [
            "Kode",
            "Kommune",
            "Forløbsstart",
            "Opfølgningsdato",
            "Status",
            "Linket virker til og med",
            "Sendes med",
        ],
        ["KOGE-DONE", "Køge", "2025-05-01", "2025-10-30", "Besvaret", "2026-04-27", "SMS"],
        [
            "KOGE-WAIT",
            "Køge",
            baseline_for(date(2026, 3, 5)),
            "2026-03-05",
            "Ikke forfalden endnu",
            "",
            "SMS",
        ],
    ]
    text = response.get_data(as_text=True)
    assert "NAES" not in text and "20123456" not in text and "a@example.dk" not in text
    assert "Besvaret" in text and ";23" not in text  # how far, never the score (23) or an answer
    filtered = read_csv(client.get("/konsulent/deltagere.csv?status=not_due"))
    assert [row[0] for row in filtered[1:]] == ["KOGE-WAIT"]
    [entry] = db.query("SELECT detail FROM audit WHERE action = 'participants_exported' ORDER BY id LIMIT 1")
    assert '"rows": 2' in entry["detail"]
    # Næstved's consultant gets Næstved's only.
    other = read_csv(login("consultant", ("370",)).get("/konsulent/deltagere.csv"))
    assert [row[0] for row in other[1:]] == ["NAES-1"]
    page = client.get("/konsulent/deltagere?status=not_due").text
    assert 'href="/konsulent/deltagere.csv?status=not_due"' in page


def test_the_overview_lists_download_as_csv(login, add_participant, db):
    add_participant("AUG-2025", "259", baseline_for(date(2025, 8, 15)))
    add_participant("SOON", "259", baseline_for(date(2026, 3, 4)))
    add_participant("SMS-1", "259", baseline_for(date(2026, 2, 20)), "--phone", "20123456")
    add_participant("NAES-OLD", "370", baseline_for(date(2025, 8, 15)))
    with time_machine.travel(EVENING, tick=False):
        client = login("consultant", ("259",))
        pid = participant_id(db, "SMS-1")
        page = client.get(f"/konsulent/deltagere/{pid}")
        client.post(f"/konsulent/deltagere/{pid}/send", data={"csrf_token": csrf_token(page.text)})
        home = client.get("/konsulent/").text
        assert 'href="/konsulent/oversigt.csv"' in home
        rows = read_csv(client.get("/konsulent/oversigt.csv"))
    assert rows[0][0] == "Liste" and rows[0][1] == "Kode"
    [entry] = db.query("SELECT detail FROM audit WHERE action = 'participants_exported'")
    assert '"file": "oversigt-2026-03-02.csv"' in entry["detail"] and '"rows": 3' in entry["detail"]
    assert [(row[0], row[1], row[5]) for row in rows[1:]] == [
        ("Overskredet", "AUG-2025", "Forfalden"),
        ("Forfalder inden for en uge", "SOON", "Ikke forfalden endnu"),
        ("Venter på SMS-vinduet", "SMS-1", WAITING),
    ]


def test_a_csv_cell_that_looks_like_a_formula_is_written_as_text(login, add_participant, db):
    add_participant("KOGE-1", "259", "2025-05-01")
    # A municipality's name is not typed by consultants; a cell starting with "=" still must not run.
    db.execute("UPDATE municipality SET name = '=HYPERLINK(\"http://x\")' WHERE code = '259'")
    db.conn.commit()
    with time_machine.travel(MONDAY, tick=False):
        rows = read_csv(login("consultant", ("259",)).get("/konsulent/deltagere.csv"))
    assert rows[1][1] == '\'=HYPERLINK("http://x")'


# --- the timeline ---------------------------------------------------------------------------------


@time_machine.travel(MONDAY, tick=False)
def test_the_timeline_is_in_the_order_of_the_journey_within_one_second(login, add_participant, db):
    add_participant("KOGE-1", "259", "2025-05-01", "--phone", "20123456")
    pid = participant_id(db, "KOGE-1")
    client = login("consultant", ("259",))
    page = client.get(f"/konsulent/deltagere/{pid}")
    client.post(f"/konsulent/deltagere/{pid}/send", data={"csrf_token": csrf_token(page.text)})
    page = client.get(f"/konsulent/deltagere/{pid}").text
    timeline = page[page.index('<ol class="timeline">') : page.index("</ol>")]
    events = ["Registreret", "Link oprettet", "Invitation på SMS: sendt"]
    positions = [timeline.index(f": {event}</li>") for event in events]
    assert positions == sorted(positions), timeline
    assert timeline.count("<li>") == 3
