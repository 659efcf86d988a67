"""``send-due``: one run (plan, send, purge) under the job lock, from the command or from the
serving app's background thread.

The run plans the invitations, reminders and pre-notices that are due and the organisation rounds'
e-mails, hands what is waiting to its channel, and deletes contact details no longer needed. It
takes the job's lock first (:mod:`survey_app.jobs`), so however many processes try at once (gunicorn
workers, the systemd timer, a command by hand) one runs and the others skip, and it records what it
did for the staff pages.

The background thread is what makes the README's first command, ``flask run``, the whole product:
it runs send-due a few seconds after the start and then every ``SEND_INTERVAL_MINUTES``, and the
console sender prints each message (link tokens masked, see ``logs``). ``SEND_IN_BACKGROUND`` decides
where it runs (:func:`wanted`).
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import threading
from collections import Counter

import click
from flask import current_app
from flask.helpers import get_debug_flag
from werkzeug.serving import is_running_from_reloader

from . import audit, clock, config, context, jobs, logs, messaging, retention
from .db import database_errors
from .questionnaires import PARTICIPANT_QUESTIONNAIRE
from .scheduling import Schedule

log = logging.getLogger("survey_app.sender")

# The first background run waits this long after the start, so the server's own lines come first.
FIRST_RUN_SECONDS = 5.0
# At exit, how long to let a run that is under way finish (it is a daemon thread: then it is cut off,
# and the next run takes the lock over and sends what this one did not).
STOP_SECONDS = 10.0
_KINDS = ("invitation", "reminder", "prenotice", "round", "round_reminder")


def work(db, now) -> dict:
    """Plan, send and purge once; what was done, as counts (stored as the run's record)."""
    settings = current_app.config
    schedule, links = Schedule.from_config(settings), context.message_links()
    planned = messaging.plan(
        db,
        context.questionnaire(PARTICIPANT_QUESTIONNAIRE),
        schedule,
        links,
        now,
        valid_days=settings["LINK_VALID_DAYS"],
    )
    for_teams = context.plan_round_messages(db, now)
    by_kind: Counter = Counter()
    sent = messaging.deliver(db, settings, schedule, links, now, by_kind=by_kind)
    # Planned now for a later SMS window: never tried, so deliver did not count them.
    waiting_later = db.execute(
        "SELECT COUNT(*) FROM message WHERE status = 'pending' AND attempts = 0 AND next_attempt_at > ?",
        [clock.isoformat(now)],
    ).fetchone()[0]
    purged = retention.purge_contacts(db, now, settings["CONTACT_GRACE_DAYS"])
    kept = retention.apply_retention(
        db, now, settings["RETENTION_YEARS"], settings["RETENTION_ACTION"], actor=audit.SCHEDULE
    )
    queued = {**{kind: planned[kind] for kind in _KINDS[:3]}, "round": for_teams["round"]}
    queued["round_reminder"] = for_teams["round_reminder"]

    def outcome(*names):
        return {kind: n for (what, kind), n in sorted(by_kind.items()) if what in names and n}

    return {
        "queued": {kind: n for kind, n in queued.items() if n},
        "sent": outcome("sent"),
        "failed": outcome("failed", "failed_fallback"),
        "sent_total": sent["sent"],
        "failed_total": sent["failed"] + sent["failed_fallback"],
        "failed_fallback": sent["failed_fallback"],
        "waiting": sent["waiting"] + waiting_later,
        "retrying": sent["retrying"],
        "cancelled": sent["cancelled"],
        "no_contact": planned["no_contact"],
        "teams_no_contact": for_teams["no_contact"],
        "purged": len(purged),
        "anonymised" if kept["action"] == "anonymise" else "deleted": kept["participants"],
    }


def run(trigger: str) -> dict | None:
    """One send-due run under the lock; its counts, or None when another run holds the lock.

    ``trigger``: ``command`` or ``background``, kept in the run's record."""
    db = context.get_db()
    run_id = jobs.start_run(db, jobs.SEND_DUE, clock.now(), trigger=trigger)
    if run_id is None:
        return None
    try:
        counts = work(db, clock.now())
    except BaseException as error:
        if db.conn.in_transaction:
            db.conn.rollback()
        with contextlib.suppress(*database_errors()):  # then the next run takes the lock over
            jobs.finish_run(db, run_id, clock.now(), error=logs.mask(f"{type(error).__name__}: {error}"))
        raise
    jobs.finish_run(db, run_id, clock.now(), counts=counts)
    return counts


# --- the background thread --------------------------------------------------------------------------


def wanted(app) -> bool:
    """Whether this process runs send-due in the background (``SEND_IN_BACKGROUND``).

    Never in a command (``flask send-due`` runs it itself; ``flask routes`` should not send), and under
    ``flask run`` with the reloader only in the serving child, not the process that watches the files.
    Unset, it runs exactly under ``flask run`` (tests' apps and gunicorn: not); ``true`` also runs it
    in every process serving the app (gunicorn workers: the lock lets one run at a time); ``false``
    never.
    """
    setting = config.flag(app.config.get("SEND_IN_BACKGROUND"), "SEND_IN_BACKGROUND")
    if setting is False:
        return False
    command = click.get_current_context(silent=True)
    serving = command is not None and command.info_name == "run"
    if command is not None and not serving:
        return False
    if serving:
        reload = command.params.get("reload")
        if (get_debug_flag() if reload is None else reload) and not is_running_from_reloader():
            return False
    if setting is None:
        return serving and not app.config.get("TESTING")
    return True


class BackgroundSender:
    """One daemon thread: send-due after ``first`` seconds, then every ``interval`` seconds until stopped."""

    def __init__(self, app, interval: float, first: float | None = None):
        self.app, self.interval = app, interval
        self.first = FIRST_RUN_SECONDS if first is None else first
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="survey_app send-due", daemon=True)

    def start(self) -> BackgroundSender:
        self.thread.start()
        return self

    def stop(self, timeout: float = STOP_SECONDS) -> None:
        self._stop.set()
        if self.thread.is_alive() and self.thread is not threading.current_thread():
            self.thread.join(timeout)

    def _loop(self) -> None:
        wait = self.first
        while not self._stop.wait(wait):
            self.run_once()
            wait = self.interval

    def run_once(self) -> dict | None:
        with self.app.app_context():
            try:
                counts = run(trigger="background")
            except Exception:
                log.exception(
                    "send-due stopped with an error; it runs again in %s minutes", self.interval / 60
                )
                return None
        if counts is None:
            log.info("send-due: another run is under way; this one skipped")
        else:
            log.info(
                "send-due: %s sent, %s waiting for the SMS window, %s failed",
                counts["sent_total"],
                counts["waiting"],
                counts["failed_total"],
            )
        return counts


_running: BackgroundSender | None = None
_start_lock = threading.Lock()


def start_in_background(app) -> BackgroundSender | None:
    """Start the process's one background sender when :func:`wanted`; it stops at exit."""
    global _running
    if not wanted(app):
        return None
    minutes = float(app.config["SEND_INTERVAL_MINUTES"])
    if not minutes > 0:
        raise RuntimeError(f"SEND_INTERVAL_MINUTES must be more than 0, not {minutes!r}.")
    with _start_lock:
        if _running is not None and _running.thread.is_alive():
            return _running  # one thread per process, however many apps it builds
        _show_console_messages(app)
        _running = BackgroundSender(app, minutes * 60).start()
        atexit.register(_running.stop)
        return _running


def _show_console_messages(app) -> None:
    """The console sender's messages and each run's summary on the terminal (INFO, tokens masked)."""
    app.logger  # noqa: B018  (creates Flask's handler on the "survey_app" logger, if it has none)
    for name in ("survey_app.delivery", log.name):
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET:
            logger.setLevel(logging.INFO)
