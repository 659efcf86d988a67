"""The runner of the numbered schema migrations (``migrations.py``): which are applied, and applying
the rest, each all or nothing.

It keeps the record where sqlite-utils' runner kept it, the ``_sqlite_migrations`` table (one row
per migration applied: its set, name and when), so an installation upgraded from a release that used
that runner goes on from where it was. It needs nothing of the database but ``execute``, so the same
migrations can run on another SQL database.

Each migration runs in one transaction with the row that records it, holding the write lock from the
start: a migration that fails leaves nothing behind and stays pending. A migration's
``executescript`` runs its statements one by one inside that transaction (sqlite3's own
``executescript`` would commit first and then run each statement on its own).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

TABLE = "_sqlite_migrations"


@dataclass(frozen=True)
class Migration:
    name: str
    fn: Callable


def statements(script: str) -> list[str]:
    """The SQL statements of ``script``, each whole: a statement ends at a semicolon that SQLite says
    completes it, not one inside a string, a comment or a trigger's body."""
    found, start = [], 0
    for end, char in enumerate(script):
        if char == ";" and sqlite3.complete_statement(script[start : end + 1]):
            found.append(script[start : end + 1])
            start = end + 1
    found.append(script[start:])
    return [statement.strip() for statement in found if statement.strip().rstrip(";").strip()]


def _table_exists(db, name: str) -> bool:
    if hasattr(db, "table_exists"):  # PostgreSQL (postgres.py)
        return db.table_exists(name)
    return bool(
        db.execute("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?", [name]).fetchone()[
            0
        ]
    )


class _InTransaction:
    """The database as a migration sees it: ``executescript`` stays inside the transaction."""

    def __init__(self, db):
        self._db = db

    def executescript(self, script: str) -> None:
        for statement in statements(script):
            self._db.execute(statement)

    def executemany(self, sql: str, rows) -> None:
        self._db.conn.executemany(sql, rows)

    def __getattr__(self, name):
        return getattr(self._db, name)


class Migrations:
    """A named, ordered set of migrations: ``@migrations(name="0001_initial")`` registers one."""

    def __init__(self, name: str):
        self.name = name
        self._migrations: list[Migration] = []

    def __call__(self, *, name: str):
        def register(fn):
            if any(migration.name == name for migration in self._migrations):
                raise ValueError(f"migration {name} is registered twice")
            self._migrations.append(Migration(name, fn))
            return fn

        return register

    @property
    def names(self) -> list[str]:
        return [migration.name for migration in self._migrations]

    def applied(self, db) -> list[str]:
        """The names applied, in the order they were."""
        if not _table_exists(db, TABLE):
            return []
        return [
            row[0]
            for row in db.execute(
                f"SELECT name FROM {TABLE} WHERE migration_set = ? ORDER BY id", [self.name]
            )
        ]

    def pending(self, db) -> list[Migration]:
        done = set(self.applied(db))
        return [migration for migration in self._migrations if migration.name not in done]

    def _ensure_table(self, db) -> None:
        # The shape sqlite-utils' runner gave it, with the same index name.
        db.execute(
            f"CREATE TABLE IF NOT EXISTS {TABLE} (id INTEGER PRIMARY KEY, migration_set TEXT,"
            " name TEXT, applied_at TEXT)"
        )
        db.execute(
            f"CREATE UNIQUE INDEX IF NOT EXISTS idx_{TABLE}_migration_set_name ON {TABLE} (migration_set, name)"
        )

    def apply(self, db) -> list[str]:
        """Apply the pending migrations in the order they are defined; return their names."""
        from .db import transaction

        with transaction(db):
            self._ensure_table(db)
        applied = []
        for migration in self.pending(db):
            with transaction(db):
                migration.fn(_InTransaction(db))
                db.execute(
                    f"INSERT INTO {TABLE} (migration_set, name, applied_at) VALUES (?, ?, ?)",
                    [self.name, migration.name, str(datetime.now(UTC))],
                )
            applied.append(migration.name)
        return applied
