"""The SQLite database, wrapped in sqlite-utils, one connection per thread.

The database is an embedded SQLite file in WAL mode (readers never wait for
the writer) with foreign keys enforced. Writes that belong together go
through :func:`transaction`, which takes the write lock up front
(``BEGIN IMMEDIATE``), so two requests answering at once queue for the lock
instead of failing halfway with "database is locked".

A request uses its thread's connection (``get_db()`` on ``g``) and leaves it
open for the next request of that thread: opening and closing a WAL
database per request costs more than the rest of answering a question,
because the last connection to close checkpoints the whole log.
``close_db`` rolls back anything a failed request left open.

``synchronous = NORMAL`` is SQLite's recommended setting for WAL: a commit
is durable against the application crashing; only a power cut in the same
moment can lose the last commits, never corrupt the file.

The database, its -wal and -shm files and every backup are mode 0600
(:mod:`private_files`), whatever the umask of whoever starts the app.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
import threading
from pathlib import Path

import click
import sqlite_utils
from flask import current_app, g
from flask.cli import with_appcontext

from . import private_files
from .migrations import migrations

BUSY_TIMEOUT_SECONDS = 10


def connect(path: str | os.PathLike) -> sqlite_utils.Database:
    """Open the database file with the settings every connection needs.

    A new database file is created 0600 before SQLite opens it (SQLite gives
    the -wal and -shm files the same mode); an existing one readable by
    others is made private.
    """
    if str(path) not in ("", ":memory:"):
        with contextlib.suppress(OSError):  # SQLite says why it cannot open the file
            private_files.create(path)
        private_files.tighten(*private_files.sqlite_files(path))
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_SECONDS, check_same_thread=True)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = NORMAL")
    return sqlite_utils.Database(conn)


def _thread_connection(app) -> sqlite_utils.Database:
    """This thread's connection for this app (per process too: gunicorn forks)."""
    local = app.extensions.setdefault("survey_app.db", threading.local())
    key = (os.getpid(), app.config["DATABASE"])
    if getattr(local, "key", None) != key:
        local.db, local.key = connect(app.config["DATABASE"]), key
        local.cache = {}
    return local.db


def connection_cache(database: sqlite_utils.Database) -> dict:
    """A dict that lives as long as this thread's connection, for results worth keeping between
    requests (key them with :func:`data_version`); empty for any other connection."""
    local = current_app.extensions.get("survey_app.db")
    if local is None or getattr(local, "db", None) is not database:
        return {}
    return local.cache


def data_version(database: sqlite_utils.Database) -> tuple[int, int]:
    """Changes whenever anyone commits to the database: another connection's commits move SQLite's
    ``data_version``, this connection's own its ``total_changes``."""
    return database.execute("PRAGMA data_version").fetchone()[0], database.conn.total_changes


def get_db() -> sqlite_utils.Database:
    """The connection for the current request or command."""
    if "db" not in g:
        g.db = _thread_connection(current_app._get_current_object())
    return g.db


def close_db(exception=None) -> None:
    """End of a request: never leave a transaction open on the reused connection."""
    db = g.pop("db", None)
    if db is not None and db.conn.in_transaction:
        db.conn.rollback()


# Threads of one process queue here for the write lock. SQLite's own busy
# handler also works, but it polls with sleeps of a millisecond and more,
# which under load costs more than the transactions themselves.
_write_lock = threading.RLock()
_depth: dict[int, int] = {}  # id of a connection -> how many transactions are open on it


@contextlib.contextmanager
def transaction(db: sqlite_utils.Database):
    """All-or-nothing writes holding SQLite's write lock from the start.

    Inside another transaction on the same connection it is a savepoint: its writes are undone
    alone when it fails, and stored only when the outermost one commits. So a view can write a
    change and its audit row in one transaction, whatever transactions the change uses itself."""
    with _write_lock:
        key = id(db.conn)
        depth = _depth.get(key, 0)
        name = f"nested_{depth}"
        db.conn.execute(f"SAVEPOINT {name}" if depth else "BEGIN IMMEDIATE")
        _depth[key] = depth + 1
        try:
            yield db
        except BaseException:
            if depth:
                db.conn.execute(f"ROLLBACK TO {name}")
                db.conn.execute(f"RELEASE {name}")
            else:
                db.conn.execute("ROLLBACK")
            raise
        else:
            db.conn.execute(f"RELEASE {name}" if depth else "COMMIT")
        finally:
            if depth:
                _depth[key] = depth
            else:
                _depth.pop(key, None)


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


def backup(source_path: str | os.PathLike, target_path: str | os.PathLike, progress=None) -> int:
    """Copy a live database to ``target_path`` with SQLite's online backup; returns its pages.

    The app may go on answering meanwhile: the copy is a consistent
    snapshot, written in steps so writers are never held up for long. It is
    written under a temporary name (created 0600: it holds every answer),
    checked with ``PRAGMA integrity_check`` and only then renamed, so a
    failed backup never replaces a good one.
    """
    target = Path(target_path)
    partial = target.with_name(f".{target.name}.partial")
    source = sqlite3.connect(str(source_path), timeout=BUSY_TIMEOUT_SECONDS)
    try:
        partial.unlink(missing_ok=True)  # left by a backup that was killed
        private_files.create(partial)
        destination = sqlite3.connect(str(partial))
        try:
            source.backup(destination, pages=1024, progress=progress)
            status = destination.execute("PRAGMA integrity_check").fetchone()[0]
            if status != "ok":
                raise sqlite3.DatabaseError(f"the copy failed its integrity check: {status}")
            pages = destination.execute("PRAGMA page_count").fetchone()[0]
            # A backup file stands alone: no write-ahead log beside it.
            destination.execute("PRAGMA journal_mode = DELETE")
        finally:
            destination.close()
        os.replace(partial, target)
        return pages
    finally:
        source.close()
        partial.unlink(missing_ok=True)


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def backup_command(file):
    """Copy the database to FILE while the app runs (SQLite online backup).

    Restore: stop the app, copy FILE over the DATABASE file, delete the
    database's -wal and -shm files if any, start the app (see README).
    """
    database = current_app.config["DATABASE"]
    if Path(file).resolve() == Path(database).resolve():
        raise click.ClickException("Sikkerhedskopien må ikke skrives oven i selve databasen.")

    def progress(status, remaining, total):
        if total:
            click.echo(f"\r{(total - remaining) * 100 // total} %", nl=False, err=True)

    try:
        pages = backup(database, file, progress=progress)
    except (sqlite3.Error, OSError) as error:
        raise click.ClickException(f"Sikkerhedskopien mislykkedes: {error}") from None
    size = Path(file).stat().st_size
    click.echo(f"\rSikkerhedskopi skrevet til {file} ({pages} sider, {size / 2**20:.1f} MiB).")


def init_app(app) -> None:
    app.teardown_appcontext(close_db)
    app.cli.add_command(init_db_command)
    app.cli.add_command(backup_command)
