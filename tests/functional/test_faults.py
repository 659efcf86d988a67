"""Faults: killed gunicorn workers and masters, a killed send-due, a locked database, a hung gateway.

The servers here are real processes (gunicorn with sync workers, ``flask
send-due``) on 127.0.0.1, killed with SIGKILL at awkward moments, while
threads play participants answering on phones without JavaScript. Every
test ends by reading the database, which must hold exactly what people
were told was saved: an answer whose POST got its 303 is stored once, with
the score chosen, and the participant resumes at the first unanswered
question.
"""

from __future__ import annotations

import contextlib
import random
import secrets
import sqlite3
import subprocess
import threading
import time
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta

import pytest
import time_machine

from survey_app import PROJECT_ROOT, accounts, audit, clock, create_app, invitations, participants
from survey_app import db as db_module
from survey_app.context import get_db
from survey_app.db import connect
from survey_app.questionnaires import load_file
from tests.conftest import PASSWORD
from tests.gunicorn import (
    FLASK,
    ROOT,
    Gunicorn,
    Phone,
    alive,
    app_environment,
    csrf_token,
    question,
    running_gunicorn,
)
from tests.helpers import csrf_token as page_csrf_token
from tests.helpers import log_in
from tests.servers import SilentServer, SmsGateway, SmtpServer, TricklingServer, free_port

pytestmark = pytest.mark.slow  # the everyday run (README) leaves these out

ITEMS = [item.id for item in load_file(PROJECT_ROOT / "questionnaires" / "csq8.toml").items]
ALREADY_ANSWERED = "Du har allerede svaret"
THANK_YOU = "Tak for dine svar!"


def prepare(env: dict[str, str], count: int) -> list[tuple[str, int]]:
    """Participants with invitations, through the app's own functions: (link path, invitation id)."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": env["SURVEY_APP_SECRET_KEY"],
            "DATABASE": env["SURVEY_APP_DATABASE"],
            "QUESTIONNAIRE_OVERRIDES_DIR": env["SURVEY_APP_INSTANCE_PATH"] + "/questionnaires",
        }
    )
    questionnaire = app.extensions["questionnaires"]["csq8"]
    links = []
    with app.app_context():
        database = get_db()
        for number in range(count):
            participant = participants.add_participant(
                database,
                code=f"F-{number:03d}",
                municipality_code="259",
                baseline=date(2025, 5, 1),
                consent=True,
                actor=audit.SEED,
            )
            invitation, _ = invitations.create_invitation(
                database, participant, questionnaire, valid_days=56, actor=audit.SEED
            )
            links.append(
                ("/s/" + invitations.token_for(app.config["SECRET_KEY"], invitation), invitation["id"])
            )
    return links


# -- participants answering over HTTP ---------------------------------------------------


class UnexpectedStatus(AssertionError):
    pass


class Journey:
    """One participant on a phone without JavaScript, one request or two per step."""

    def __init__(self, port: int, path: str, invitation_id: int, seed: int):
        self.path, self.invitation_id = path, invitation_id
        self.phone = Phone(port)
        self.random = random.Random(seed)
        self.acknowledged: dict[str, int] = {}  # answers whose POST got its 303
        self.sent: dict[str, set[int]] = defaultdict(set)  # every score sent, acknowledged or not
        self.started = self.finished = False
        self.interrupted = 0  # requests cut off or refused
        self.slowest_answer = 0.0

    def _expect(self, response, status: int):
        if response[0] != status:
            raise UnexpectedStatus(f"{self.path}: expected {status}, got {response[0]}: {response[2][:300]}")
        return response

    def step(self) -> None:
        try:
            if not self.started:  # open the link (again) and press Start / Continue
                opened = self.phone.get(self.path)
                if opened[0] == 303:  # this phone is already answering: the link sends it on to its chat
                    self.started = True
                    return
                _, _, page = self._expect(opened, 200)
                if ALREADY_ANSWERED in page:  # the last answer was stored, its reply lost
                    self.finished = True
                    return
                self._expect(self.phone.post(self.path, {"csrf_token": csrf_token(page)}), 303)
                self.started = True
                return
            _, _, page = self._expect(self.phone.get("/svar"), 200)
            current = question(page)
            if current is None:
                assert THANK_YOU in page
                self.finished = True
                return
            item, scores = current
            score = self.random.choice(scores)
            self.sent[item].add(score)
            began = time.perf_counter()
            self._expect(
                self.phone.post("/svar", {"csrf_token": csrf_token(page), "item": item, "value": score}), 303
            )
            self.slowest_answer = max(self.slowest_answer, time.perf_counter() - began)
            self.acknowledged[item] = score
        except OSError:
            # The connection was cut or refused: the participant opens the link again.
            self.interrupted += 1
            self.started = False
            time.sleep(0.05)


class Load:
    """Threads, each with its participants: two at a time answer by turns, until stopped or all done.

    So that when the load stops, some participants have finished, two per
    thread are half-way and the rest have not begun.
    """

    def __init__(self, port: int, links: list[tuple[str, int]], threads: int = 8):
        self.journeys = [
            Journey(port, path, invitation_id, n) for n, (path, invitation_id) in enumerate(links)
        ]
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._run, args=(self.journeys[n::threads],), daemon=True)
            for n in range(threads)
        ]

    def _run(self, journeys: list[Journey]) -> None:
        while not self._stop.is_set():
            waiting = [journey for journey in journeys if not journey.finished]
            if not waiting:
                return
            for journey in waiting[:2]:
                try:
                    journey.step()
                except AssertionError as failure:
                    self.failures.append(str(failure))
                    return

    def start(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def acknowledged(self) -> int:
        return sum(len(journey.acknowledged) for journey in self.journeys)

    def interrupted(self) -> int:
        return sum(journey.interrupted for journey in self.journeys)

    def wait_for(self, answers: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while self.acknowledged() < answers:
            assert not self.failures, self.failures[:3]
            assert time.monotonic() < deadline, (
                f"only {self.acknowledged()} of {answers} answers in {timeout} s"
            )
            if all(not thread.is_alive() for thread in self._threads):
                return  # everyone finished
            time.sleep(0.01)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(30)


def check_database(database_path: str, journeys: list[Journey]) -> None:
    """Every acknowledged answer stored once with its score; nothing never sent; right totals.
    (``database_path``: a file, or a PostgreSQL address.)"""
    database = connect(database_path)
    try:
        doubles = database.execute(
            "SELECT invitation_id, item_id FROM answer GROUP BY invitation_id, item_id HAVING COUNT(*) > 1"
        ).fetchall()
        assert doubles == []
        for journey in journeys:
            stored = dict(
                database.execute(
                    "SELECT item_id, score FROM answer WHERE invitation_id = ?", [journey.invitation_id]
                ).fetchall()
            )
            for item, score in journey.acknowledged.items():
                assert stored.get(item) == score, (journey.path, item, score, stored)
            for item, score in stored.items():
                assert score in journey.sent[item], (journey.path, item, score, dict(journey.sent))
            completed_at, total = database.execute(
                "SELECT completed_at, total_score FROM invitation WHERE id = ?", [journey.invitation_id]
            ).fetchone()
            if len(stored) == len(ITEMS):
                assert completed_at is not None and total == sum(stored.values()), (journey.path, total)
            else:
                assert completed_at is None and total is None, (journey.path, completed_at, total)
            if journey.finished:
                assert completed_at is not None
    finally:
        database.close()


def check_resume(port: int, database_path: str, journeys: list[Journey]) -> None:
    """Opening the link again (and the phone already in use) shows the first unanswered question."""
    database = sqlite3.connect(database_path)
    try:
        for journey in journeys:
            stored = {
                row[0]
                for row in database.execute(
                    "SELECT item_id FROM answer WHERE invitation_id = ?", [journey.invitation_id]
                )
            }
            phone = Phone(port)
            status, _, page = phone.get(journey.path)
            assert status == 200
            if len(stored) == len(ITEMS):
                assert ALREADY_ANSWERED in page
                continue
            if stored:
                # A phone new to the link is told how many are answered, and sees none of them.
                assert f"{len(stored)} af {len(ITEMS)} spørgsmål er allerede besvaret" in page
            assert phone.post(journey.path, {"csrf_token": csrf_token(page)})[0] == 303
            first_unanswered = next(item for item in ITEMS if item not in stored)
            assert question(phone.get("/svar")[2])[0] == first_unanswered, journey.path
            if journey.started:
                assert question(journey.phone.get("/svar")[2])[0] == first_unanswered, journey.path
    finally:
        database.close()


# -- gunicorn workers and master killed --------------------------------------------------


def test_a_killed_worker_loses_no_acknowledged_answer(tmp_path):
    env = app_environment(tmp_path)
    links = prepare(env, 48)
    with running_gunicorn(env, tmp_path / "gunicorn.log") as server:
        load = Load(server.port, links).start()
        killed = []
        try:
            # Kill a busy worker at a time, while eight phones keep three workers
            # busy, until at least one kill has cut a request off.
            for target in range(40, 300, 30):
                load.wait_for(target)
                server.wait_for_workers()
                killed.append(server.kill_worker())
                if len(killed) >= 2 and load.interrupted():
                    break
            # Then on, until some have finished (20 answers a thread: its first two).
            load.wait_for(max(load.acknowledged() + 40, 160))
        finally:
            load.stop()
        assert load.failures == []
        assert load.interrupted() >= 1, "no kill cut a request off: the test proved nothing"
        assert not set(killed) & set(server.wait_for_workers())  # the master replaced them
        check_database(env["SURVEY_APP_DATABASE"], load.journeys)
        check_resume(server.port, env["SURVEY_APP_DATABASE"], load.journeys)
    assert any(journey.finished for journey in load.journeys)
    assert any(0 < len(journey.acknowledged) < len(ITEMS) for journey in load.journeys)


def test_a_killed_master_restarted_loses_no_acknowledged_answer(tmp_path):
    env = app_environment(tmp_path)
    links = prepare(env, 48)
    first = Gunicorn(env, tmp_path / "gunicorn.log")
    second = Gunicorn(env, tmp_path / "gunicorn.log", port=first.port)
    load = None
    try:
        first.start()
        first.wait_for_workers()
        load = Load(first.port, links).start()
        load.wait_for(60)
        orphans = first.kill_master()
        # The orphaned workers go on serving for a moment, then the service
        # manager ends them too (as systemd does before it restarts a service).
        time.sleep(0.3)
        first.stop()
        assert orphans
        wait_until(lambda: not any(alive(pid) for pid in orphans), what="the orphaned workers to end")
        at_restart = load.acknowledged()
        second.start()
        load.wait_for(at_restart + 60)  # the phones carry on with the restarted server
        load.stop()
        assert load.failures == []
        assert load.interrupted() >= 1  # refused while nothing listened, at least
        check_database(env["SURVEY_APP_DATABASE"], load.journeys)
        check_resume(second.port, env["SURVEY_APP_DATABASE"], load.journeys)
    finally:
        if load is not None:
            load.stop()
        first.stop()
        second.stop()


# -- a locked database ------------------------------------------------------------------


def test_a_lock_shorter_than_the_busy_timeout_only_delays_answers(tmp_path):
    env = app_environment(tmp_path)
    links = prepare(env, 32)
    hold = 3.0
    assert hold < db_module.BUSY_TIMEOUT_SECONDS
    with running_gunicorn(env, tmp_path / "gunicorn.log") as server:
        load = Load(server.port, links).start()
        try:
            load.wait_for(30)
            holder = sqlite3.connect(env["SURVEY_APP_DATABASE"], isolation_level=None)
            holder.execute("BEGIN IMMEDIATE")  # another writer (a backup, send-due, an import)
            try:
                before = load.acknowledged()
                time.sleep(hold)
                during = load.acknowledged()
            finally:
                holder.execute("ROLLBACK")
                holder.close()
            load.wait_for(during + 60)
        finally:
            load.stop()
    assert load.failures == []  # no 500, no 503: every answer got its 303
    assert load.interrupted() == 0
    assert during - before <= 8  # at most the answers already committed when the lock was taken
    assert max(journey.slowest_answer for journey in load.journeys) >= hold * 0.8  # they waited
    check_database(env["SURVEY_APP_DATABASE"], load.journeys)


def test_a_lock_longer_than_the_busy_timeout_gives_a_friendly_503_and_stores_nothing(
    app, client, add_participant, invite, db, monkeypatch
):
    # The real timeout is 10 s; the test waits 0.3 s. Connections made from now on use it.
    monkeypatch.setattr(db_module, "BUSY_TIMEOUT_SECONDS", 0.3)
    add_participant("P-1")
    add_participant("P-2")
    first, second = invite("P-1", "P-2")
    # (Each Flask test client keeps its last request's context, and with it ``g``,
    # until its next request: the second phone opens its link before the first does.)
    other = app.test_client()
    other_welcome = other.get(second)
    welcome = client.get(first)
    client.post(first, data={"csrf_token": page_csrf_token(welcome.text)})
    page = client.get("/svar")
    token = page_csrf_token(page.text)
    assert client.post("/svar", data={"csrf_token": token, "item": "csq_1", "value": "4"}).status_code == 303

    holder = sqlite3.connect(app.config["DATABASE"], isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        answer = client.post("/svar", data={"csrf_token": token, "item": "csq_2", "value": "3"})
        start = other.post(second, data={"csrf_token": page_csrf_token(other_welcome.text)})
        reading = client.get("/svar")  # reading goes on while another connection writes
    finally:
        holder.execute("ROLLBACK")
        holder.close()

    for response in (answer, start):
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "5"
        assert '<html lang="da">' in response.text
        assert (
            "Noget gik galt" in response.text
            and "Dine tidligere svar er gemt. Prøv igen om lidt." in response.text
        )
        assert "Traceback" not in response.text and "OperationalError" not in response.text
    assert reading.status_code == 200
    assert question(reading.text)[0] == "csq_2"
    assert db.execute("SELECT item_id, score FROM answer").fetchall() == [("csq_1", 4)]
    assert db.execute("SELECT COUNT(*) FROM invitation WHERE opened_at IS NOT NULL").fetchone()[0] == 1

    # The lock is gone: the same answer again is stored, once.
    again = client.post("/svar", data={"csrf_token": token, "item": "csq_2", "value": "3"})
    assert again.status_code == 303
    assert db.execute("SELECT item_id, score FROM answer ORDER BY item_id").fetchall() == [
        ("csq_1", 4),
        ("csq_2", 3),
    ]


def test_other_database_errors_are_still_a_500(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "PROPAGATE_EXCEPTIONS": False,
            "SECRET_KEY": secrets.token_urlsafe(32),
            "DATABASE": str(tmp_path / "survey.db"),
            "QUESTIONNAIRE_OVERRIDES_DIR": str(tmp_path / "questionnaires"),
        }
    )

    @app.get("/broken")
    def broken():
        get_db().execute("SELECT * FROM no_such_table")

    response = app.test_client().get("/broken")
    assert response.status_code == 500 and "Retry-After" not in response.headers
    assert "Der opstod en fejl hos os." in response.text


# -- send-due killed half-way ------------------------------------------------------------

# The subprocess reads the real clock; SMS may then go out at any hour.
ALL_DAY = "00:00-23:59:59.999999"


def real_clock():
    """Back on the real clock inside a travelled one (SURVEY_APP_TEST_CLOCK); else nothing changes."""
    hatch = time_machine.escape_hatch
    return (
        time_machine.travel(hatch.time.time(), tick=True)
        if hatch.is_travelling()
        else contextlib.nullcontext()
    )


def due_participants(env: dict[str, str], count: int) -> None:
    # The course starts are counted back from the clock send-due reads, the real one: on a
    # travelled clock none would be due yet.
    with real_clock():
        _add_due_participants(env, count)


def _add_due_participants(env: dict[str, str], count: int) -> None:
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": env["SURVEY_APP_SECRET_KEY"],
            "DATABASE": env["SURVEY_APP_DATABASE"],
            "QUESTIONNAIRE_OVERRIDES_DIR": env["SURVEY_APP_INSTANCE_PATH"] + "/questionnaires",
        }
    )
    with app.app_context():
        for number in range(count):
            participants.add_participant(
                get_db(),
                code=f"S-{number:02d}",
                municipality_code="259",
                baseline=clock.today() - timedelta(weeks=30),
                phone=f"2000{number:04d}",
                consent=True,
                actor=audit.SEED,
            )


def send_due(env: dict[str, str], log_path) -> subprocess.Popen:
    with open(log_path, "ab") as log:
        return subprocess.Popen(
            [str(FLASK), "--app", "survey_app", "send-due"], cwd=ROOT, env=env, stdout=log, stderr=log
        )


def wait_until(condition, timeout: float = 30, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.005)


def messages(database_path: str) -> dict[int, tuple[str, str | None]]:
    database = connect(database_path)
    try:
        return {row[0]: (row[1], row[2]) for row in database.execute("SELECT id, status, error FROM message")}
    finally:
        database.close()


def an_hour_later(database_path: str) -> None:
    """Move the claims of interrupted sends two hours back (the subprocess reads the real clock)."""
    database = sqlite3.connect(database_path, isolation_level=None)
    try:
        for message_id, claimed in database.execute(
            "SELECT id, claimed_at FROM message WHERE status = 'sending'"
        ).fetchall():
            earlier = clock.isoformat(clock.parse(claimed) - timedelta(hours=2))
            database.execute("UPDATE message SET claimed_at = ? WHERE id = ?", [earlier, message_id])
    finally:
        database.close()


def references(gateway: SmsGateway) -> Counter:
    return Counter(int(request["json"]["reference"]) for request in gateway.requests)


def test_send_due_killed_half_way_sends_the_rest_and_nothing_twice(tmp_path):
    log = tmp_path / "send-due.log"
    with SmsGateway() as gateway:
        env = app_environment(tmp_path, SMS_WINDOW=ALL_DAY, **gateway.config())
        due_participants(env, 10)
        gateway.delay = 1.0  # each SMS is taken at once and answered a second later
        run = send_due(env, log)
        try:
            wait_until(lambda: len(gateway.requests) >= 2, what="two SMS at the gateway")
        finally:
            run.kill()
            run.wait()
        # Killed while the gateway held its answer to the second SMS: the first is
        # recorded as sent, the second was delivered but is still 'sending'.
        first = references(gateway)
        states = messages(env["SURVEY_APP_DATABASE"])
        assert len(states) == 10 and sum(first.values()) == 2
        sending = [mid for mid, (status, _) in states.items() if status == "sending"]
        assert len(sending) == 1 and sending[0] in first
        assert {mid for mid, (status, _) in states.items() if status == "sent"} == set(first) - set(sending)

        gateway.delay = 0
        assert send_due(env, log).wait(60) == 0
        states = messages(env["SURVEY_APP_DATABASE"])
        assert [status for status, _ in states.values()].count("sent") == 9
        assert states[sending[0]][0] == "sending"  # another run may still be waiting for its answer

        an_hour_later(env["SURVEY_APP_DATABASE"])
        assert send_due(env, log).wait(60) == 0
    # Every SMS reached the gateway exactly once; the interrupted one had been
    # handed over, so it counts as sent (delivery not confirmed) and is not sent again.
    assert references(gateway) == Counter(dict.fromkeys(states, 1)), log.read_text()
    status, error = messages(env["SURVEY_APP_DATABASE"])[sending[0]]
    assert status == "sent" and "delivery not confirmed" in error


def test_send_due_killed_before_the_gateway_got_the_message_sends_it_later(tmp_path):
    log = tmp_path / "send-due.log"
    with SilentServer(accepting=False) as unreachable, SmsGateway() as gateway:
        # The first run finds the gateway unreachable: connecting hangs (SEND_TIMEOUT 20 s).
        env = app_environment(tmp_path, SMS_WINDOW=ALL_DAY, SEND_TIMEOUT=20, **unreachable.sms_config())
        due_participants(env, 3)
        run = send_due(env, log)
        try:
            wait_until(
                lambda: "sending" in [s for s, _ in messages(env["SURVEY_APP_DATABASE"]).values()],
                what="the first message claimed",
            )
            time.sleep(0.2)  # well inside the connection attempt
        finally:
            run.kill()
            run.wait()
        env |= {"SURVEY_APP_SMS_GATEWAY_URL": gateway.url}  # the gateway is back
        assert send_due(env, log).wait(60) == 0
        an_hour_later(env["SURVEY_APP_DATABASE"])
        send_due(env, log).wait(60)
        states = messages(env["SURVEY_APP_DATABASE"])
        # Nothing reached anyone the first time, so every message should arrive, once.
        assert references(gateway) == Counter(dict.fromkeys(states, 1)), (states, log.read_text())
        assert {status for status, _ in states.values()} == {"sent"}


# -- a consultant's "send now" while the gateway or the mail server is down or hung -----

START = date(2026, 3, 2)
SEND_TIMEOUT = 1.0


def at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=clock.LOCAL_TZ)


class Refusing:
    """Nothing listens on the port: connections are refused at once."""

    def __init__(self):
        self.port = free_port()

    sms_config = SilentServer.sms_config
    smtp_config = SilentServer.smtp_config

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass


FAULTS = {
    "down": Refusing,
    "hung": lambda: SilentServer(accepting=True),
    "unreachable": lambda: SilentServer(accepting=False),
}


class SendNow:
    """A consultant's "send now" at noon on START, with the given sender configuration."""

    def __init__(self, tmp_path, channel: str, config: dict):
        self.channel = channel
        self.kind = "Invitation på SMS" if channel == "sms" else "Invitation på e-mail"
        self.app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": secrets.token_urlsafe(32),
                "DATABASE": str(tmp_path / "survey.db"),
                "BASE_URL": "https://ips.example.dk",
                "QUESTIONNAIRE_OVERRIDES_DIR": str(tmp_path / "questionnaires"),
                "MAIL_FROM": "IPS <noreply@ips.example.dk>",
                "SEND_TIMEOUT": SEND_TIMEOUT,
            }
            | config
        )
        self.database = connect(self.app.config["DATABASE"])
        accounts.create_user(
            self.database,
            email="k@koege.dk",
            role="consultant",
            municipalities=["259"],
            password=PASSWORD,
            actor=audit.SEED,
        )
        contact = (
            ["--phone", "20000001"] if channel == "sms" else ["--email", "p@example.dk", "--channel", "email"]
        )
        baseline = (START - timedelta(weeks=26)).isoformat()
        result = self.app.test_cli_runner().invoke(
            args=[
                "participants",
                "add",
                "P-1",
                "--municipality",
                "259",
                "--baseline",
                baseline,
                "--consent",
                *contact,
            ]
        )
        assert result.exit_code == 0, result.output
        self.participant_id = self.database.execute("SELECT id FROM participant").fetchone()[0]
        self.client = self.app.test_client()

    def send(self) -> tuple[float, str]:
        """Seconds the consultant waited for the answer to "send now", and the page shown after."""
        client, page_url = self.client, f"/konsulent/deltagere/{self.participant_id}"
        with time_machine.travel(at(START, 12), tick=False):
            log_in(client, "k@koege.dk")
            page = client.get(page_url)
            began = time.perf_counter()
            response = client.post(f"{page_url}/send", data={"csrf_token": page_csrf_token(page.text)})
            waited = time.perf_counter() - began
            assert response.status_code == 303
            return waited, client.get(response.location).text


@pytest.mark.parametrize("channel", ["sms", "email"])
@pytest.mark.parametrize("fault", list(FAULTS))
def test_send_now_with_the_gateway_down_or_hung_waits_and_is_retried(tmp_path, channel, fault):
    with FAULTS[fault]() as broken:
        case = SendNow(tmp_path, channel, broken.sms_config() if channel == "sms" else broken.smtp_config())
        waited, page = case.send()
    # The consultant waited no longer than SEND_TIMEOUT (and the page itself) ...
    assert waited < SEND_TIMEOUT + 1.5, waited
    # ... and is told, in Danish, that it is tried again; the timeline says it waits.
    assert "Beskeden kunne ikke sendes lige nu; der prøves igen automatisk." in page
    assert f"{case.kind}: venter på at blive sendt" in page
    [message] = case.database.query("SELECT status, attempts, error, next_attempt_at FROM message")
    assert message["status"] == "pending" and message["attempts"] == 1 and message["error"]
    assert clock.parse(message["next_attempt_at"]) == at(START, 12) + timedelta(minutes=5)

    # The gateway or mail server is back: send-due sends the waiting message, once.
    with SmsGateway() as gateway, SmtpServer() as mail:
        case.app.config.update(gateway.config() if channel == "sms" else mail.config())
        with time_machine.travel(at(START, 12) + timedelta(minutes=6), tick=False):
            result = case.app.test_cli_runner().invoke(args=["send-due"])
            page = case.client.get(f"/konsulent/deltagere/{case.participant_id}").text
        assert result.exit_code == 0, result.output
        assert len(gateway.requests) + len(mail.messages) == 1
        assert f"{case.kind}: sendt" in page
    [message] = case.database.query("SELECT status, attempts, error FROM message")
    assert message == {"status": "sent", "attempts": 2, "error": None}
    case.database.close()


def test_send_now_with_a_trickling_mail_server_is_not_held_past_the_send_timeout(tmp_path):
    # 12 bytes of the greeting, one every 0.3 s: no single read waits 1 s, the whole takes 3.6 s.
    with TricklingServer(b"220 mail.example.dk ESMTP\r\n"[:12], interval=0.3) as trickling:
        case = SendNow(tmp_path, "email", trickling.smtp_config())
        waited, page = case.send()
    assert "Beskeden kunne ikke sendes lige nu; der prøves igen automatisk." in page
    case.database.close()
    assert waited < SEND_TIMEOUT + 1.5, waited
