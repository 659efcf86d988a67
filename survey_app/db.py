"""The SQLite database, wrapped in sqlite-utils, one connection per thread.

The database is an embedded SQLite file in WAL mode (readers never wait for
the writer) with foreign keys enforced. Writes that belong together go
through :func:`transaction`, which takes the write lock up front
(``BEGIN IMMEDIATE``), so two requests answering at once queue for the lock
instead of failing halfway with "database is locked".

A request or command uses its thread's connection (``context.get_db()``) and leaves it
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
import sys
import threading
from pathlib import Path

import sqlite_utils

from . import postgres, private_files
from .migrations import migrations

BUSY_TIMEOUT_SECONDS = 10


def connect(path: str | os.PathLike) -> sqlite_utils.Database:
    """Open the database (a file, or a ``postgresql://`` address) with the settings every
    connection needs.

    A new database file is created 0600 before SQLite opens it (SQLite gives
    the -wal and -shm files the same mode); an existing one readable by
    others is made private.
    """
    if postgres.is_url(path):
        return postgres.Database(str(path))
    if str(path) not in ("", ":memory:"):
        with contextlib.suppress(OSError):  # SQLite says why it cannot open the file
            private_files.create(path)
        private_files.tighten(*private_files.sqlite_files(path))
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_SECONDS, check_same_thread=True)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = NORMAL")
    return sqlite_utils.Database(conn)


def data_version(database: sqlite_utils.Database) -> tuple[int, int]:
    """Changes whenever anyone commits to the database: another connection's commits move SQLite's
    ``data_version``, this connection's own its ``total_changes``. On PostgreSQL: the next
    transaction id not yet finished, which moves whenever any writer anywhere ends."""
    if is_postgres(database):
        return database.execute("SELECT pg_snapshot_xmax(pg_current_snapshot())::text").fetchone()[0], 0
    return database.execute("PRAGMA data_version").fetchone()[0], database.conn.total_changes


def is_postgres(database) -> bool:
    return getattr(database, "dialect", "sqlite") == "postgresql"


def integrity_errors() -> tuple[type[Exception], ...]:
    """What a broken UNIQUE or foreign key raises, on either database: ``except integrity_errors():``.
    (psycopg's is there once a PostgreSQL connection imported it.)"""
    psycopg = sys.modules.get("psycopg")
    return (sqlite3.IntegrityError, psycopg.IntegrityError) if psycopg else (sqlite3.IntegrityError,)


def database_errors() -> tuple[type[Exception], ...]:
    """Any error of either database."""
    psycopg = sys.modules.get("psycopg")
    return (sqlite3.Error, psycopg.Error) if psycopg else (sqlite3.Error,)


# On PostgreSQL every outermost write transaction takes this advisory lock first: writers on every
# server queue for it as SQLite's writers queue for the file's write lock, so what the app proves for
# one writer at a time holds with several servers. (Read committed: each statement after the lock sees
# everything the previous holder committed.)
WRITE_LOCK_KEY = 7_142_001  # any fixed number; the installation's database should use it for nothing else
MIGRATE_LOCK_KEY = WRITE_LOCK_KEY + 1


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
        if depth:
            db.conn.execute(f"SAVEPOINT {name}")
        elif is_postgres(db):
            db.conn.execute("BEGIN")
            db.conn.execute("SELECT pg_advisory_xact_lock(?)", [WRITE_LOCK_KEY])
        else:
            db.conn.execute("BEGIN IMMEDIATE")
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
    if postgres.is_url(path):
        return _migrate_postgres(str(path))
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


def _migrate_postgres(url: str) -> list[str]:
    """As :func:`migrate`, with an advisory lock in place of the lock file: servers starting at once
    apply each migration once."""
    db = connect(url)
    try:
        postgres.check_collation(db)
        db.execute("SELECT pg_advisory_lock(?)", [MIGRATE_LOCK_KEY])
        try:
            return migrations.apply(db)
        finally:
            db.execute("SELECT pg_advisory_unlock(?)", [MIGRATE_LOCK_KEY])
    finally:
        db.close()


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
    if postgres.is_url(source_path):
        return _backup_postgres(str(source_path), target, partial)
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


def _backup_postgres(url: str, target: Path, partial: Path) -> int:
    """As :func:`backup`, by ``pg_dump`` (a consistent snapshot while the app runs); the number of
    entries in the dump's table of contents."""
    partial.unlink(missing_ok=True)
    private_files.create(partial)
    try:
        entries = postgres.dump(url, partial)
        os.replace(partial, target)
        return entries
    finally:
        partial.unlink(missing_ok=True)
