"""send-due over simulated weeks: exactly which messages go out when, by real SMS and e-mail.

The clock travels through ten weeks; ``send-due`` runs as cron would (here
six times a day), against a local SMS gateway and a local SMTP server.
"""

from __future__ import annotations

import multiprocessing
import re
from datetime import date, datetime, timedelta

import pytest
import time_machine

from survey_app import audit, clock, create_app, messaging
from survey_app.db import connect
from tests.conftest import PASSWORD, app_settings
from tests.functional.test_journey import ANSWERS
from tests.helpers import csrf_token, log_in
from tests.servers import SmsGateway, SmtpServer

START = date(2026, 3, 2)  # a Monday; the simulation runs ten weeks from here
RUN_HOURS = (7, 10, 13, 16, 19, 22)  # Danish local time
LINK = re.compile(r"https://ips\.example\.dk(/s/[\w.-]+)")


@pytest.fixture
def servers():
    with SmsGateway() as gateway, SmtpServer() as mail:
        yield gateway, mail


@pytest.fixture
def sending_app(tmp_path, servers):
    gateway, mail = servers
    return create_app(
        app_settings(tmp_path, MAIL_FROM="IPS <noreply@ips.example.dk>") | gateway.config() | mail.config()
    )


def at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=clock.LOCAL_TZ)


def baseline_for(due: date) -> str:
    return (due - timedelta(weeks=26)).isoformat()


def add(runner, code, due, *extra):
    result = runner.invoke(
        args=[
            "participants",
            "add",
            code,
            "--municipality",
            "259",
            "--baseline",
            baseline_for(due),
            "--consent",
            *extra,
        ]
    )
    assert result.exit_code == 0, result.output


def sent_log(database) -> dict[str, list[tuple[str, str, str]]]:
    """Per participant code: (kind, channel, local date and hour) of every message sent."""
    log: dict[str, list] = {}
    for row in database.query(
        "SELECT participant.code, message.kind, message.channel, message.sent_at FROM message"
        " JOIN participant ON participant.id = message.participant_id WHERE message.status = 'sent'"
        " ORDER BY message.id"
    ):
        local = clock.local(clock.parse(row["sent_at"]))
        log.setdefault(row["code"], []).append((row["kind"], row["channel"], local.strftime("%Y-%m-%d %H")))
    return log


def answer_all(app, path):
    client = app.test_client()
    welcome = client.get(path)
    client.post(path, data={"csrf_token": csrf_token(welcome.text)})
    page = client.get("/svar")
    for item, value in ANSWERS.items():
        client.post("/svar", data={"csrf_token": csrf_token(page.text), "item": item, "value": str(value)})
        page = client.get("/svar")
    assert "Tak for dine svar!" in page.text


def test_ten_weeks_of_send_due(sending_app, servers):
    gateway, mail = servers
    app = sending_app
    runner = app.test_cli_runner()
    day = lambda n: START + timedelta(days=n)  # noqa: E731
    add(runner, "SMS-1", day(2), "--phone", "20000001")
    add(runner, "MAIL-1", day(4), "--email", "mail1@example.dk", "--channel", "email")
    add(runner, "DONE-1", day(9), "--phone", "20000003")  # answers after the invitation
    add(runner, "STOP-1", day(16), "--phone", "20000004", "--email", "stop@example.dk", "--channel", "email")
    add(runner, "GONE-1", day(20), "--phone", "20000005")  # withdrawn before it is due
    add(runner, "BAD-1", day(23), "--phone", "20000006", "--email", "bad@example.dk")  # SMS refused -> e-mail
    add(runner, "LATER-1", day(90), "--phone", "20000007")  # not due within the ten weeks
    add(runner, "NONE-1", day(5))  # no contact details: only a QR code can reach them
    database = connect(app.config["DATABASE"])
    outputs = []
    with time_machine.travel(at(START, 6), tick=False) as traveller:
        for offset in range(70):
            for hour in RUN_HOURS:
                traveller.move_to(at(day(offset), hour))
                if (offset, hour) == (18, 7):
                    assert runner.invoke(args=["participants", "withdraw", "GONE-1"]).exit_code == 0
                if (offset, hour) == (23, 10):
                    gateway.fail_next(400, {"message": "unknown msisdn"})
                result = runner.invoke(args=["send-due"])
                assert result.exit_code in (0, 2), result.output
                outputs.append(result.stdout)
                if (offset, hour) == (10, 13):
                    # DONE-1 answers from the SMS they got the day before.
                    [text] = [t for number, t in gateway.texts if number == "+4520000003"]
                    answer_all(app, LINK.search(text).group(1))
                if (offset, hour) == (17, 7):
                    # STOP-1 opts out from the invitation e-mail.
                    body = [m["message"] for m in mail.messages if m["to"] == ["stop@example.dk"]][0]
                    opt_out = re.search(
                        r"https://ips\.example\.dk(/afmeld/\S+)", body.get_body(("plain",)).get_content()
                    ).group(1)
                    client = app.test_client()
                    page = client.get(opt_out)
                    client.post(opt_out, data={"csrf_token": csrf_token(page.text)})

    log = sent_log(database)
    assert log["SMS-1"] == [
        ("invitation", "sms", "2026-03-04 10"),  # due on the 4th; the 07:00 run is before 09:00
        ("reminder", "sms", "2026-03-07 10"),  # +3 days
        ("reminder", "sms", "2026-03-11 10"),  # +7 days; and never a third
    ]
    assert log["MAIL-1"] == [
        ("invitation", "email", "2026-03-06 07"),  # e-mail may go at 07:00
        ("reminder", "email", "2026-03-09 07"),
        ("reminder", "email", "2026-03-13 07"),
    ]
    assert log["DONE-1"] == [("invitation", "sms", "2026-03-11 10")]  # answered on the 12th: no reminders
    assert log["STOP-1"] == [("invitation", "email", "2026-03-18 07")]  # opted out on the 19th
    assert "GONE-1" not in log
    assert log["BAD-1"] == [  # the SMS gateway refused the number: the same message by e-mail instead
        ("invitation", "email", "2026-03-25 10"),
        ("reminder", "sms", "2026-03-28 10"),
        ("reminder", "sms", "2026-04-01 10"),
    ]
    assert "LATER-1" not in log and "NONE-1" not in log
    # What actually reached the gateway and the mailbox matches the log, one each.
    assert sorted(number for number, _ in gateway.texts) == sorted(
        ["+4520000001"] * 3 + ["+4520000003", "+4520000006", "+4520000006", "+4520000006"]
    )
    assert sorted(m["to"][0] for m in mail.messages) == sorted(
        ["mail1@example.dk"] * 3 + ["stop@example.dk", "bad@example.dk"]
    )
    # Every SMS went out between 09:00 and 20:00 Danish time, and each carries a link in a text that
    # fits one SMS, then the privacy notice's address (the two make an SMS of two parts).
    for row in database.query("SELECT sent_at, body FROM message WHERE channel = 'sms' AND status = 'sent'"):
        assert 9 <= clock.local(clock.parse(row["sent_at"])).hour < 20
        text, privacy = row["body"].rsplit(" Privatliv: ", 1)
        assert len(text) <= 160 and LINK.search(text) and privacy == "https://ips.example.dk/privatliv"
        assert messaging.gsm7_length(row["body"])[2] == 2
    # The e-mail carries the opt-out link and the municipality's name.
    first_mail = mail.messages[0]["message"]
    plain = first_mail.get_body(("plain",)).get_content()
    assert "Køge Kommune" in plain and "/afmeld/" in plain
    link = LINK.search(plain).group(0)
    assert f'<a href="{link}">' in first_mail.get_body(("html",)).get_content()
    # Contact details were deleted 14 days after they stopped being needed (answered, opted out, withdrawn).
    purged = {
        r["code"]: (r["phone"], r["email"])
        for r in database.query(
            "SELECT code, phone, email FROM participant WHERE contacts_purged_at IS NOT NULL"
        )
    }
    assert {"DONE-1", "STOP-1", "GONE-1"} <= purged.keys()
    assert all(value == (None, None) for value in purged.values())
    assert "LATER-1" not in purged
    assert any("vis dem QR-koden" in out for out in outputs) is False  # stderr is separate
    database.close()


def test_quiet_hours_hold_an_sms_until_nine(sending_app, servers):
    gateway, _ = servers
    runner = sending_app.test_cli_runner()
    add(runner, "SMS-1", START, "--phone", "20000001")
    with time_machine.travel(at(START, 21), tick=False) as traveller:
        evening = runner.invoke(args=["send-due"])
        assert "venter på SMS-tidsrummet: 1" in evening.stdout
        traveller.move_to(
            at(
                START + timedelta(days=1),
                8,
            )
        )
        assert runner.invoke(args=["send-due"]).exit_code == 0
        assert gateway.requests == []
        traveller.move_to(at(START + timedelta(days=1), 9))
        morning = runner.invoke(args=["send-due"])
    assert "Sendt: 1" in morning.stdout
    assert len(gateway.requests) == 1


def test_temporary_failures_are_retried_with_growing_pauses(sending_app, servers):
    gateway, _ = servers
    runner = sending_app.test_cli_runner()
    add(runner, "SMS-1", START, "--phone", "20000001")
    gateway.fail_next(503, times=2)
    with time_machine.travel(at(START, 12), tick=False) as traveller:
        first = runner.invoke(args=["send-due"])
        assert "prøves igen senere: 1" in first.stdout
        traveller.shift(60)  # a minute later: too early to try again
        runner.invoke(args=["send-due"])
        assert len(gateway.requests) == 1
        traveller.shift(5 * 60)
        runner.invoke(args=["send-due"])
        assert len(gateway.requests) == 2  # second failure: the next pause is 10 minutes
        traveller.shift(10 * 60)
        last = runner.invoke(args=["send-due"])
    assert "Sendt: 1" in last.stdout
    assert "Oprettet: 0 invitationer, 0 påmindelser, 0 forvarsler." in last.stdout
    assert len(gateway.requests) == 3
    database = connect(sending_app.config["DATABASE"])
    [message] = database.query("SELECT status, attempts, error FROM message")
    assert message == {"status": "sent", "attempts": 3, "error": None}


def test_dry_run_changes_nothing(sending_app, servers):
    gateway, _ = servers
    runner = sending_app.test_cli_runner()
    add(runner, "SMS-1", START, "--phone", "20000001")
    with time_machine.travel(at(START, 12), tick=False):
        result = runner.invoke(args=["send-due", "--dry-run"])
    # Counts read as Danish: one noun in the singular, the others in the plural.
    assert (
        "ville oprette 1 invitation, 0 påmindelser og 0 forvarsler; 0 beskeder venter allerede;"
        in result.stdout
    )
    database = connect(sending_app.config["DATABASE"])
    assert database.execute("SELECT COUNT(*) FROM message").fetchone()[0] == 0
    assert database.execute("SELECT COUNT(*) FROM invitation").fetchone()[0] == 0
    assert gateway.requests == []


def _run_send_due(app, moment, results):
    with time_machine.travel(moment, tick=False):
        results.put(app.test_cli_runner().invoke(args=["send-due"]).exit_code)


def test_two_runs_at_once_send_nothing_twice(sending_app, servers):
    gateway, mail = servers
    runner = sending_app.test_cli_runner()
    for number in range(40):
        channel = ["--phone", f"2000{number:04d}"] if number % 2 else ["--email", f"p{number}@example.dk"]
        add(runner, f"P-{number}", START, *channel)
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    runs = [
        context.Process(target=_run_send_due, args=(sending_app, at(START, 12), results)) for _ in range(2)
    ]
    for run in runs:
        run.start()
    for run in runs:
        run.join(60)
    assert [results.get(timeout=5) for _ in runs] == [0, 0]
    assert len(gateway.requests) == 20 and len(set(gateway.texts)) == 20
    assert len(mail.messages) == 20 and len({m["to"][0] for m in mail.messages}) == 20
    database = connect(sending_app.config["DATABASE"])
    assert database.execute("SELECT COUNT(*), COUNT(DISTINCT participant_id) FROM message").fetchone() == (
        40,
        40,
    )
    assert database.execute("SELECT COUNT(*) FROM invitation").fetchone()[0] == 40


def test_consultant_send_now_and_qr(sending_app, servers):
    gateway, _ = servers
    from survey_app import accounts

    database = connect(sending_app.config["DATABASE"])
    accounts.create_user(
        database,
        actor=audit.SEED,
        email="k@koege.dk",
        role="consultant",
        municipalities=["259"],
        password=PASSWORD,
    )
    runner = sending_app.test_cli_runner()
    # Due in ten days: within EARLY_INVITE_DAYS, so "Send now" sends without asking for a reason.
    add(runner, "SMS-1", START + timedelta(days=10), "--phone", "20000001")
    participant_id = database.execute("SELECT id FROM participant").fetchone()[0]
    client = sending_app.test_client()
    with time_machine.travel(at(START, 12), tick=False):
        log_in(client, "k@koege.dk")  # sets up the app at this first login
        page = client.get(f"/konsulent/deltagere/{participant_id}")
        assert "Ikke forfalden endnu" in page.text
        response = client.post(
            f"/konsulent/deltagere/{participant_id}/send", data={"csrf_token": csrf_token(page.text)}
        )
        assert response.status_code == 303, response.text
        page = client.get(response.location)
        assert "Linket er sendt." in page.text
        assert "Invitation på SMS: sendt" in page.text
        qr = client.get(f"/konsulent/deltagere/{participant_id}/qr")
    [(number, text)] = gateway.texts
    link = LINK.search(text).group(0)
    assert number == "+4520000001"
    assert "<svg" in qr.text and f'value="{link}"' in qr.text  # the same link, as QR and to copy
    # send-due sends no second invitation when the participant falls due; reminders count from the send.
    with time_machine.travel(at(START + timedelta(days=3), 12), tick=False):
        runner.invoke(args=["send-due"])
    with time_machine.travel(at(START + timedelta(days=30), 12), tick=False):
        runner.invoke(args=["send-due"])
    kinds = [r["kind"] for r in database.query("SELECT kind FROM message WHERE status = 'sent' ORDER BY id")]
    assert kinds == ["invitation", "reminder", "reminder"]
    assert len(gateway.requests) == 3


def test_an_e_mail_says_the_language_it_is_written_in(sending_app, servers):
    _, mail = servers
    runner = sending_app.test_cli_runner()
    add(runner, "DA-1", START, "--email", "da@example.dk")
    add(runner, "EN-1", START, "--email", "en@example.dk", "--language", "en")
    with time_machine.travel(at(START, 10), tick=False):
        runner.invoke(args=["send-due"])
    html = {m["to"][0]: m["message"].get_body(("html",)).get_content() for m in mail.messages}
    assert set(html) == {"da@example.dk", "en@example.dk"}
    assert '<html lang="da">' in html["da@example.dk"] and "Hej" in html["da@example.dk"]
    assert '<html lang="en">' in html["en@example.dk"] and "Hej" not in html["en@example.dk"]
