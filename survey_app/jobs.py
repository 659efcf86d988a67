"""Jobs that must not run twice at once (``send-due``), and the record of each run.

A run takes the job's lock before it starts: one row in ``job_lock``, read and written in one
``BEGIN IMMEDIATE`` transaction (:func:`survey_app.db.transaction`), so of several processes on one
database (gunicorn workers each with a background thread, the systemd timer, a command typed by
hand) exactly one gets it and the others skip. The row names its holder (a random id, the host and
the process id) and a lease. The next run takes the lock over when the holder is gone:

- at once when the holder was a process on this machine that no longer exists (killed, crashed);
- otherwise when the lease (:data:`LEASE`) has run out, e.g. a process that hangs.

A run that outlives its lease may then overlap the next one; that is still safe, because the outbox
never creates or sends a message twice (``messaging``); the lock keeps runs from doing the same work
side by side, and the record of runs readable.

Each run is a row in ``job_run``: when it started and ended, what started it, its counts (JSON)
or the error that stopped it. :func:`last_run` is what staff pages show. No Flask here.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlite_utils

from . import clock
from .db import transaction

SEND_DUE = "send-due"
LEASE = timedelta(minutes=30)
# Staff are warned when the last finished run is older than this (or there was none).
STALE_AFTER = timedelta(hours=1)
# Runs older than this are deleted by a later run (every 15 minutes is about 3,000 rows a month).
KEEP_RUNS = timedelta(days=31)
_ERROR_LENGTH = 300


@dataclass(frozen=True)
class Holder:
    """Who holds (or wants) a lock: a random id, this machine's name and this process."""

    id: str = field(default_factory=lambda: secrets.token_hex(8))
    host: str = field(default_factory=socket.gethostname)
    pid: int = field(default_factory=os.getpid)


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: it exists
        return True
    return True


def _holder_gone(row: Mapping, now: datetime) -> bool:
    """True when the lock's holder can no longer finish: its lease ran out, or its process is gone."""
    if clock.parse(row["expires_at"]) <= now:
        return True
    here = socket.gethostname()
    return row["host"] == here and row["pid"] != os.getpid() and not _process_exists(row["pid"])


def start_run(
    db: sqlite_utils.Database,
    job: str,
    now: datetime,
    *,
    trigger: str,
    holder: Holder | None = None,
    lease: timedelta = LEASE,
) -> int | None:
    """Take ``job``'s lock and record a new run; its id, or None when another run holds the lock."""
    holder = holder or Holder()
    with transaction(db):
        row = db.execute(
            "SELECT holder, host, pid, run_id, expires_at FROM job_lock WHERE job = ?", [job]
        ).fetchone()
        if row is not None:
            held = dict(zip(("holder", "host", "pid", "run_id", "expires_at"), row, strict=True))
            if not _holder_gone(held, now):
                return None
            # The run that held it never finished: say so in its record.
            db.execute(
                "UPDATE job_run SET finished_at = ?, error = ? WHERE id = ? AND finished_at IS NULL",
                [
                    clock.isoformat(now),
                    "interrupted: the process stopped before the run ended",
                    held["run_id"],
                ],
            )
        run_id = db.execute(
            "INSERT INTO job_run (job, trigger, host, pid, started_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
            [job, trigger, holder.host, holder.pid, clock.isoformat(now)],
        ).fetchone()[0]
        db.execute(
            "INSERT INTO job_lock (job, holder, host, pid, run_id, taken_at, expires_at)"
            " VALUES (:job, :holder, :host, :pid, :run, :now, :expires)"
            " ON CONFLICT (job) DO UPDATE SET holder = :holder, host = :host, pid = :pid, run_id = :run,"
            " taken_at = :now, expires_at = :expires",
            {
                "job": job,
                "holder": holder.id,
                "host": holder.host,
                "pid": holder.pid,
                "run": run_id,
                "now": clock.isoformat(now),
                "expires": clock.isoformat(now + lease),
            },
        )
    return run_id


def finish_run(
    db: sqlite_utils.Database,
    run_id: int,
    now: datetime,
    *,
    counts: Mapping | None = None,
    error: str | None = None,
) -> None:
    """Record what the run did (or the error that stopped it) and give its lock back."""
    with transaction(db):
        db.execute(
            "UPDATE job_run SET finished_at = ?, counts = ?, error = ? WHERE id = ?",
            [
                clock.isoformat(now),
                json.dumps(dict(counts), sort_keys=True) if counts is not None else None,
                error[:_ERROR_LENGTH] if error else None,
                run_id,
            ],
        )
        db.execute("DELETE FROM job_lock WHERE run_id = ?", [run_id])
        db.execute(
            "DELETE FROM job_run WHERE started_at < ? AND finished_at IS NOT NULL",
            [clock.isoformat(now - KEEP_RUNS)],
        )


def holder_of(db: sqlite_utils.Database, job: str) -> dict | None:
    """The lock's row (holder, host, pid, taken_at, expires_at), or None when no run holds it."""
    rows = list(db.query("SELECT * FROM job_lock WHERE job = ?", [job]))
    return rows[0] if rows else None


@dataclass(frozen=True)
class LastRun:
    """The newest finished run of a job, for staff pages."""

    started_at: datetime
    finished_at: datetime
    counts: dict
    error: str | None
    stale: bool  # the run ended longer than STALE_AFTER ago


def last_run(db: sqlite_utils.Database, job: str, now: datetime) -> LastRun | None:
    """The newest finished run of ``job``, or None when it never finished one."""
    row = db.execute(
        "SELECT started_at, finished_at, counts, error FROM job_run"
        " WHERE job = ? AND finished_at IS NOT NULL ORDER BY finished_at DESC, id DESC LIMIT 1",
        [job],
    ).fetchone()
    if row is None:
        return None
    finished = clock.parse(row[1])
    return LastRun(
        started_at=clock.parse(row[0]),
        finished_at=finished,
        counts=json.loads(row[2]) if row[2] else {},
        error=row[3],
        stale=now - finished > STALE_AFTER,
    )
