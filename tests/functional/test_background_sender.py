"""send-due from the first command: the background thread, one runner at a time, the record of
each run on the consultant's home and the outbox, and the first start's hint."""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import re
import signal
import subprocess
import threading
import time
from datetime import datetime, timedelta

import click
import pytest
import time_machine
from click.testing import CliRunner
from flask.cli import FlaskGroup

from survey_app import PROJECT_ROOT, clock, create_app, jobs, send_due
from survey_app.db import connect
from tests.functional.test_faults import ALL_DAY, due_participants
from tests.gunicorn import FLASK, app_environment
from tests.helpers import csrf_token, log_in
from tests.servers import free_port

# Inside the SMS window (09:00-20:00 Danish time), a Wednesday.
MORNING = datetime(2026, 11, 25, 10, 15, tzinfo=clock.LOCAL_TZ)


def due(add_participant, code="BG-1", *contact):
    """A participant whose follow-up (course start + 26 weeks) has passed."""
    return add_participant(code, "259", "2025-05-01", *(contact or ("--phone", "20123456")))


def runs(database):
    return list(database.query("SELECT * FROM job_run ORDER BY id"))


# -- the command takes the lock and records its run ------------------------------------------------


def test_send_due_records_what_it_did(app, runner, add_participant, db):
    with time_machine.travel(MORNING, tick=False):
        due(add_participant, "BG-1")
        due(add_participant, "BG-2", "--email", "bg2@example.dk")
        result = runner.invoke(args=["send-due"])
    assert result.exit_code == 0, result.output
    assert "Sendt: 2;" in result.output
    (run,) = runs(db)
    assert run["trigger"] == "command" and run["error"] is None
    assert run["started_at"] == run["finished_at"] == clock.isoformat(MORNING)
    counts = json.loads(run["counts"])
    assert counts["queued"] == {"invitation": 2}
    assert counts["sent"] == {"invitation": 2}
    assert counts["failed"] == {} and counts["failed_total"] == 0
    assert db.execute("SELECT COUNT(*) FROM job_lock").fetchone()[0] == 0  # given back


def test_a_second_run_skips_while_another_holds_the_lock(app, runner, add_participant, db):
    with time_machine.travel(MORNING, tick=False):
        due(add_participant)
        other = jobs.Holder(pid=os.getpid())  # alive, on this machine: a run under way
        assert jobs.start_run(db, jobs.SEND_DUE, clock.now(), trigger="background", holder=other)
        result = runner.invoke(args=["send-due"])
    assert result.exit_code == 0, result.output
    assert "send-due kører allerede (siden 2026-11-25 10:15, proces" in result.output
    assert "denne kørsel springes over" in result.output
    assert db.execute("SELECT COUNT(*) FROM message").fetchone()[0] == 0
    assert len(runs(db)) == 1  # only the holder's run


def test_the_lock_is_taken_over_at_once_when_its_process_died(app, runner, add_participant, db):
    finished = subprocess.Popen(["true"])
    finished.wait()
    with time_machine.travel(MORNING, tick=False):
        due(add_participant)
        dead = jobs.Holder(pid=finished.pid)
        crashed = jobs.start_run(db, jobs.SEND_DUE, clock.now(), trigger="command", holder=dead)
        result = runner.invoke(args=["send-due"])
    assert result.exit_code == 0, result.output
    assert "Sendt: 1;" in result.output
    first, second = runs(db)
    assert first["id"] == crashed and first["error"].startswith("interrupted")
    assert second["error"] is None and second["finished_at"]


def test_the_lease_expires_after_a_crash(app, db):
    # A holder whose process this machine cannot see (another host): only the lease frees the lock.
    elsewhere = jobs.Holder(host="another-machine", pid=1)
    with time_machine.travel(MORNING, tick=False):
        assert jobs.start_run(db, jobs.SEND_DUE, clock.now(), trigger="background", holder=elsewhere)
    just_before = MORNING + jobs.LEASE - timedelta(seconds=1)
    assert jobs.start_run(db, jobs.SEND_DUE, just_before, trigger="command") is None
    taken = jobs.start_run(db, jobs.SEND_DUE, MORNING + jobs.LEASE, trigger="command")
    assert taken is not None
    assert jobs.holder_of(db, jobs.SEND_DUE)["run_id"] == taken
    assert runs(db)[0]["error"].startswith("interrupted")


def _count_overlaps(monkeypatch, pause=0.02):
    """Wrap send_due.work so it records how many runs are inside it at once."""
    state = {"inside": 0, "most": 0, "runs": 0}
    lock = threading.Lock()
    real_work = send_due.work

    def work(db, now):
        with lock:
            state["inside"] += 1
            state["most"] = max(state["most"], state["inside"])
            state["runs"] += 1
        try:
            time.sleep(pause)
            return real_work(db, now)
        finally:
            with lock:
                state["inside"] -= 1

    monkeypatch.setattr(send_due, "work", work)
    return state


def test_threads_racing_for_the_lock_run_one_at_a_time_and_send_nothing_twice(
    app, add_participant, db, monkeypatch
):
    with time_machine.travel(MORNING, tick=True):
        for number in range(12):
            due(add_participant, f"RACE-{number}", "--phone", f"2000{number:04d}")
        state = _count_overlaps(monkeypatch)
        start = threading.Barrier(4)
        results = []

        def race():
            start.wait()
            for _ in range(5):
                with app.app_context():
                    results.append(send_due.run(trigger="background"))

        threads = [threading.Thread(target=race) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    assert state["most"] == 1, state
    done = [r for r in results if r is not None]
    assert len(results) == 20 and state["runs"] == len(done) >= 1
    assert sum(r["sent_total"] for r in done) == 12
    assert db.execute("SELECT COUNT(*), COUNT(DISTINCT participant_id) FROM message").fetchone() == (12, 12)
    assert db.execute("SELECT COUNT(*) FROM message WHERE status = 'sent'").fetchone()[0] == 12
    assert len(runs(db)) == len(done)


def _run_for_a_while(app, queue):
    """In a forked process: send-due again and again for a second; when each run was inside work."""
    spans = []
    real_work = send_due.work

    def work(db, now):
        began = time.monotonic()  # CLOCK_MONOTONIC: one clock for every process of the machine
        time.sleep(0.03)
        counts = real_work(db, now)
        spans.append((began, time.monotonic()))
        return counts

    send_due.work = work
    deadline = time.monotonic() + 1.0
    skipped = 0
    while time.monotonic() < deadline:
        with app.app_context():
            if send_due.run(trigger="command") is None:
                skipped += 1
    queue.put((os.getpid(), spans, skipped))


def test_two_processes_on_one_database_never_run_at_the_same_time(app, add_participant, db):
    with time_machine.travel(MORNING, tick=False):
        for number in range(6):
            due(add_participant, f"PROC-{number}", "--email", f"p{number}@example.dk")
    fork = multiprocessing.get_context("fork")
    queue = fork.Queue()
    processes = [fork.Process(target=_run_for_a_while, args=(app, queue)) for _ in range(2)]
    for process in processes:
        process.start()
    reports = [queue.get(timeout=30) for _ in processes]
    for process in processes:
        process.join(10)
    spans = sorted(span for _, found, _ in reports for span in found)
    # Each process ran for a second; one at a time, the other skipping while the lock was held.
    assert len(spans) >= 4 and sum(skipped for _, _, skipped in reports) > 0
    assert all(earlier[1] <= later[0] for earlier, later in zip(spans, spans[1:], strict=False)), spans
    assert db.execute("SELECT COUNT(*), COUNT(DISTINCT participant_id) FROM message").fetchone() == (6, 6)
    assert {row["pid"] for row in runs(db)} <= {pid for pid, _, _ in reports}


# -- where the background thread runs --------------------------------------------------------------


def _in_command(name, params=None):
    context = click.Context(click.Command(name), info_name=name)
    context.params = params or {}
    return context


@pytest.mark.parametrize(
    ("setting", "command", "params", "reloader_child", "expected"),
    [
        (None, "run", {"reload": False}, False, True),  # the README's first command
        (None, "run", {"reload": True}, False, False),  # the reloader's watcher does not serve
        (None, "run", {"reload": True}, True, True),  # its serving child does
        (None, "send-due", {}, False, False),  # a command never starts it
        (True, "send-due", {}, False, False),
        (True, "routes", {}, False, False),
        (None, None, {}, False, False),  # gunicorn, tests: off unless set
        (True, None, {}, False, True),  # gunicorn workers with SEND_IN_BACKGROUND=true
        ("false", "run", {"reload": False}, False, False),
    ],
)
def test_where_the_background_sender_runs(
    app, monkeypatch, setting, command, params, reloader_child, expected
):
    app.config["SEND_IN_BACKGROUND"] = setting
    app.config["TESTING"] = False
    monkeypatch.delenv("WERKZEUG_RUN_MAIN", raising=False)
    if reloader_child:
        monkeypatch.setenv("WERKZEUG_RUN_MAIN", "true")
    if command is None:
        assert send_due.wanted(app) is expected
    else:
        with _in_command(command, params):
            assert send_due.wanted(app) is expected


def test_the_apps_of_the_test_suite_start_no_thread(app):
    assert app.config["SEND_IN_BACKGROUND"] is None and not send_due.wanted(app)


def test_a_bad_setting_is_refused(app):
    app.config["SEND_IN_BACKGROUND"] = "sometimes"
    with pytest.raises(RuntimeError, match="SEND_IN_BACKGROUND must be true or false"):
        send_due.wanted(app)


def test_an_interval_of_zero_is_refused(app):
    app.config |= {"SEND_IN_BACKGROUND": True, "SEND_INTERVAL_MINUTES": 0}
    with pytest.raises(RuntimeError, match="SEND_INTERVAL_MINUTES must be more than 0"):
        send_due.start_in_background(app)


def test_the_production_env_file_leaves_sending_to_the_timer(app):
    env = (PROJECT_ROOT / "deploy" / "env.example").read_text(encoding="utf-8")
    (value,) = re.findall(r"^SURVEY_APP_SEND_IN_BACKGROUND=(.*)$", env, re.M)
    app.config |= {"SEND_IN_BACKGROUND": value, "TESTING": False}
    assert send_due.wanted(app) is False
    with _in_command("run", {"reload": False}):
        assert send_due.wanted(app) is False  # not even under flask run
    timer = (PROJECT_ROOT / "deploy" / "survey-app-send-due.timer").read_text(encoding="utf-8")
    assert "OnCalendar=*:0/15" in timer or "15min" in timer


def test_flask_send_due_starts_no_second_thread(tmp_path, monkeypatch):
    """The command builds its app inside the command, as ``flask send-due`` does: no thread then."""
    monkeypatch.setattr(send_due, "FIRST_RUN_SECONDS", 0.0)
    settings = {
        "TESTING": True,
        "SECRET_KEY": "x" * 40,
        "DATABASE": str(tmp_path / "survey.db"),
        "QUESTIONNAIRE_OVERRIDES_DIR": str(tmp_path / "q"),
        "SEND_IN_BACKGROUND": True,
    }
    group = FlaskGroup(create_app=lambda: create_app(settings))
    result = CliRunner().invoke(group, ["send-due"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert not [t for t in threading.enumerate() if t.name == "survey_app send-due"]
    assert [row["trigger"] for row in connect(settings["DATABASE"]).query("SELECT trigger FROM job_run")] == [
        "command"
    ]


@pytest.fixture
def background(app, monkeypatch):
    """The app with SEND_IN_BACKGROUND on, a run 0.1 s after the start and then every 0.3 s."""
    monkeypatch.setattr(send_due, "FIRST_RUN_SECONDS", 0.1)
    monkeypatch.setattr(send_due, "_running", None)
    app.config |= {"SEND_IN_BACKGROUND": True, "SEND_INTERVAL_MINUTES": 0.005}
    levels = {name: logging.getLogger(name).level for name in ("survey_app.delivery", "survey_app.sender")}
    yield app
    if send_due._running is not None:
        send_due._running.stop()
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def wait_for(condition, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_the_background_sender_runs_send_due_and_the_console_prints_the_message(
    background, add_participant, db, caplog
):
    with time_machine.travel(MORNING, tick=True), caplog.at_level(logging.INFO, logger="survey_app"):
        due(add_participant)
        started = time.monotonic()
        runner = send_due.start_in_background(background)
        assert runner is not None and runner.thread.daemon
        assert send_due.start_in_background(background) is runner  # one thread per process
        wait_for(lambda: db.execute("SELECT COUNT(*) FROM message WHERE status = 'sent'").fetchone()[0])
        first_run = time.monotonic() - started
        wait_for(lambda: len(runs(db)) >= 3)  # and again, every interval
        runner.stop()
    assert not runner.thread.is_alive()  # stopped cleanly
    assert first_run < 5
    body = db.execute("SELECT body FROM message").fetchone()[0]
    token = body.split("/s/", 1)[1].split()[0]
    printed = "\n".join(r.getMessage() for r in caplog.records if r.name == "survey_app.delivery")
    assert "SMS console-" in printed and "to +4520123456" in printed
    assert "https://ips.example.dk/s/***" in printed and token not in caplog.text
    assert "send-due: 1 sent, 0 waiting for the SMS window, 0 failed" in caplog.text
    assert {row["trigger"] for row in runs(db)} == {"background"}
    assert db.execute("SELECT COUNT(*) FROM message").fetchone()[0] == 1  # later runs send nothing twice


def test_an_error_is_recorded_and_the_thread_goes_on(background, db, monkeypatch, caplog):
    calls = []

    def broken(database, now):
        calls.append(now)
        raise ValueError("the gateway said /s/abc.def.ghi")

    monkeypatch.setattr(send_due, "work", broken)
    with caplog.at_level(logging.INFO, logger="survey_app.sender"):
        runner = send_due.start_in_background(background)
        wait_for(lambda: len(calls) >= 2)
        runner.stop()
    errors = [row["error"] for row in runs(db)]
    assert errors[0] == "ValueError: the gateway said /s/***"
    assert "send-due stopped with an error" in caplog.text and "abc.def" not in caplog.text
    assert db.execute("SELECT COUNT(*) FROM job_lock").fetchone()[0] == 0


# -- what staff see --------------------------------------------------------------------------------


@pytest.fixture
def page(app, make_user):
    """``page(role, path)``: the page's HTML for a consultant or an admin, logged in at this moment
    (the tests move the clock by days; a session would have expired)."""
    users = {"consultant": make_user(), "admin": make_user("admin@example.dk", "admin", ())}

    def get(role, path):
        client = app.test_client()
        log_in(client, users[role]["email"])
        response = client.get(path)
        assert response.status_code == 200, response.text
        return response.text

    return get


def said(html: str) -> str:
    """The words of the page's send-due status, tags left out."""
    match = re.search(r'<section class="sender-status[^"]*"[^>]*>(.*?)</section>', html, re.S)
    assert match, "no send-due status on the page"
    return " ".join(re.sub(r"<[^>]+>", "", match.group(1)).split())


def test_consultant_and_admin_see_when_it_last_ran_and_what_it_did(app, runner, add_participant, page):
    with time_machine.travel(MORNING, tick=False):
        for code in ("ST-1", "ST-2", "ST-3"):
            due(add_participant, code, "--email", f"{code.lower()}@example.dk")
        assert runner.invoke(args=["send-due"]).exit_code == 0
        home, outbox = page("consultant", "/konsulent/"), page("admin", "/admin/udbakke")
    expected = "Automatisk udsendelse (send-due). Sidst kørt i dag kl. 10:15: 3 invitationer sendt."
    assert said(home) == expected
    assert said(outbox) == expected
    assert "sender-stale" not in home


def test_a_reminder_and_an_sms_waiting_for_the_window_in_words(app, runner, add_participant, page):
    with time_machine.travel(MORNING, tick=False):
        due(add_participant, "W-1", "--email", "w1@example.dk")
        runner.invoke(args=["send-due"])
    reminder_day = MORNING + timedelta(days=3)
    with time_machine.travel(reminder_day, tick=False):
        runner.invoke(args=["send-due"])  # the first reminder, by e-mail
    with time_machine.travel(reminder_day + timedelta(days=1, minutes=-15), tick=False):
        yesterday = said(page("consultant", "/konsulent/"))
    assert "Sidst kørt i går kl. 10:15: 1 påmindelse sendt." in yesterday
    assert "Den har ikke kørt i over en time" in yesterday
    evening = datetime(2026, 12, 1, 21, 0, tzinfo=clock.LOCAL_TZ)
    with time_machine.travel(evening, tick=False):
        due(add_participant, "W-2")  # an SMS, after 20:00: it waits for the morning
        runner.invoke(args=["send-due"])
        tonight = said(page("consultant", "/konsulent/"))
    assert tonight.endswith("Sidst kørt i dag kl. 21:00: 1 SMS venter på SMS-tidsrummet.")
    with time_machine.travel(evening + timedelta(days=9), tick=False):
        assert "Sidst kørt den 1. december 2026 kl. 21:00:" in said(page("consultant", "/konsulent/"))


def test_a_warning_when_it_never_ran_or_not_for_over_an_hour(app, runner, page):
    with time_machine.travel(MORNING, tick=False):
        never = said(page("consultant", "/konsulent/"))
        assert "Den har ikke kørt endnu." in never and "Ingen invitationer eller påmindelser sendes" in never
        assert "sender-stale" in page("admin", "/admin/udbakke")
        runner.invoke(args=["send-due"])
    with time_machine.travel(MORNING + timedelta(minutes=59), tick=False):
        fresh = page("consultant", "/konsulent/")
    assert "sender-stale" not in fresh
    assert (
        said(fresh) == "Automatisk udsendelse (send-due). Sidst kørt i dag kl. 10:15: intet var forfaldent."
    )
    with time_machine.travel(MORNING + timedelta(minutes=61), tick=False):
        late = page("consultant", "/konsulent/")
    assert "sender-stale" in late
    assert "Den har ikke kørt i over en time" in said(late)


def test_an_error_is_shown_in_words_and_in_full_only_to_admins(app, page, db):
    with time_machine.travel(MORNING, tick=False):
        run_id = jobs.start_run(db, jobs.SEND_DUE, clock.now(), trigger="background")
        jobs.finish_run(db, run_id, clock.now(), error="OperationalError: disk I/O error")
        home, outbox = page("consultant", "/konsulent/"), page("admin", "/admin/udbakke")
    assert "den stoppede med en fejl (administratoren kan se den i udbakken)" in said(home)
    assert "disk I/O" not in home
    assert "den stoppede med en fejl: OperationalError: disk I/O error" in said(outbox)


def test_the_readme_example_in_words(app, page, db):
    with time_machine.travel(MORNING, tick=False):
        run_id = jobs.start_run(db, jobs.SEND_DUE, clock.now(), trigger="background")
        jobs.finish_run(db, run_id, clock.now(), counts={"sent": {"invitation": 3, "reminder": 1}})
        home = said(page("consultant", "/konsulent/"))
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    example = "Sidst kørt i dag kl. 10:15: 3 invitationer og 1 påmindelse sendt."
    assert example in " ".join(readme.split()) and home.endswith(example)


def test_runs_are_kept_31_days(app, db):
    with time_machine.travel(MORNING, tick=False):
        old = jobs.start_run(db, jobs.SEND_DUE, clock.now(), trigger="command")
        jobs.finish_run(db, old, clock.now(), counts={})
    month = MORNING + jobs.KEEP_RUNS
    recent = jobs.start_run(db, jobs.SEND_DUE, month, trigger="command")
    jobs.finish_run(db, recent, month, counts={})
    assert [row["id"] for row in runs(db)] == [old, recent]  # exactly 31 days: still kept
    later = jobs.start_run(db, jobs.SEND_DUE, month + timedelta(seconds=1), trigger="command")
    jobs.finish_run(db, later, month + timedelta(seconds=1), counts={})
    assert [row["id"] for row in runs(db)] == [recent, later]


def test_the_status_in_english(app, runner, add_participant, make_user):
    make_user()
    with time_machine.travel(MORNING, tick=False):
        due(add_participant, "EN-1", "--email", "en1@example.dk")
        due(add_participant, "EN-2", "--email", "en2@example.dk")
        runner.invoke(args=["send-due"])
        client = app.test_client()
        form = client.get("/login").text
        client.post("/sprog", data={"csrf_token": csrf_token(form), "language": "en", "next": "/login"})
        log_in(client, "konsulent@koege.dk")
        home = client.get("/konsulent/").text
    assert said(home) == "Automatic sending (send-due). Last run today at 10:15: 2 invitations sent."


# -- the first start's hint -------------------------------------------------------------------------


def tour_commands() -> list[str]:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    tour = readme.split("## A short tour", 1)[1].split("\n## ", 1)[0]
    return [line for line in tour.splitlines() if line.startswith(".venv/bin/flask ")]


def test_the_first_start_prints_the_commands_as_the_readme_writes_them(tmp_path, monkeypatch, capsys):
    commands = tour_commands()
    assert len(commands) == 2 and "participants add" in commands[0] and "invite" in commands[1]
    monkeypatch.setenv("SURVEY_APP_INSTANCE_PATH", str(tmp_path / "instance"))
    create_app()
    printed = capsys.readouterr().err
    assert "Første start" in printed
    for command in commands:
        assert f"     {command}\n" in printed + "\n"
    assert not re.search(r"^\s+flask --app", printed, re.M)  # no command without .venv/bin/


# -- the README's first command, for real -------------------------------------------------------------


def _flask_run(env, port, *extra):
    return subprocess.Popen(
        [str(FLASK), "--app", "survey_app", "run", "--port", str(port), *extra],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _read_until(process, wanted: str, timeout: float) -> str:
    """The server's output until a line holds ``wanted`` (or the time is up)."""
    seen: list[str] = []
    found = threading.Event()

    def read():
        for line in process.stdout:
            seen.append(line)
            if wanted in line:
                found.set()

    threading.Thread(target=read, daemon=True).start()
    found.wait(timeout)
    return "".join(seen)


@pytest.mark.slow
@pytest.mark.parametrize("extra", [(), ("--debug",)], ids=["flask run", "flask run --debug (reloader)"])
def test_flask_run_sends_the_due_invitation_within_a_minute(tmp_path, extra):
    env = app_environment(tmp_path, SMS_WINDOW=ALL_DAY)
    due_participants(env, 1)  # due by the real clock, which the server reads
    started = time.monotonic()
    server = _flask_run(env, free_port(), *extra)
    try:
        output = _read_until(server, "send-due: 1 sent", timeout=60)
        took = time.monotonic() - started
    finally:
        server.send_signal(signal.SIGINT)
        rest, _ = server.communicate(timeout=20)
    output += rest
    assert "SMS console-1 to +4520000000" in output, output
    assert took < 60
    assert "http://127.0.0.1/s/***" in output
    database = connect(env["SURVEY_APP_DATABASE"])
    body = database.execute("SELECT body FROM message").fetchone()[0]
    assert body.split("/s/", 1)[1].split()[0] not in output  # the token never reaches the terminal
    (run,) = runs(database)  # one run, by one thread: with the reloader, only the serving child's
    assert run["trigger"] == "background"
    assert run["pid"] != server.pid if extra else run["pid"] == server.pid
    assert run["finished_at"] and run["error"] is None
    assert server.returncode in (0, -signal.SIGINT), output  # stopped cleanly at Ctrl-C
