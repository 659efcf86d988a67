"""One SQLite connection per request or command, wrapped in sqlite-utils.

The database is an embedded SQLite file in WAL mode (readers never wait for
the writer) with foreign keys enforced. Writes that belong together go
through :func:`transaction`, which takes the write lock up front
(``BEGIN IMMEDIATE``), so two requests answering at once queue for the lock
instead of failing halfway with "database is locked".
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
from pathlib import Path

import click
import sqlite_utils
from flask import current_app, g
from flask.cli import with_appcontext

from .migrations import migrations

BUSY_TIMEOUT_SECONDS = 10


def connect(path: str | os.PathLike) -> sqlite_utils.Database:
    """Open the database file with the settings every connection needs."""
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_SECONDS)
    conn.execute("PRAGMA foreign_keys = ON")
    return sqlite_utils.Database(conn)


def get_db() -> sqlite_utils.Database:
    """The connection of the current request or command, opened on first use."""
    if "db" not in g:
        g.db = connect(current_app.config["DATABASE"])
    return g.db


def close_db(exception=None) -> None:
    db = g.pop("db", None)
    if db is not None:
        db.close()


@contextlib.contextmanager
def transaction(db: sqlite_utils.Database):
    """All-or-nothing writes holding SQLite's write lock from the start."""
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.conn.execute("ROLLBACK")
        raise
    else:
        db.conn.execute("COMMIT")


def migrate(path: str | os.PathLike) -> list[str]:
    """Create or upgrade the database at ``path``; return the migrations applied.

    A lock file beside the database keeps several gunicorn workers starting
    at once from applying the same migration twice.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".migrate-lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        db = connect(path)
        try:
            db.enable_wal()
            pending = [m.name for m in migrations.pending(db)]
            migrations.apply(db)
            return pending
        finally:
            db.close()


@click.command("init-db")
@with_appcontext
def init_db_command():
    """Create the database, or apply pending migrations (also done at every start)."""
    applied = migrate(current_app.config["DATABASE"])
    if applied:
        click.echo("Migreringer udført: " + ", ".join(applied))
    else:
        click.echo("Databasen er allerede opdateret.")


def init_app(app) -> None:
    app.teardown_appcontext(close_db)
    app.cli.add_command(init_db_command)
