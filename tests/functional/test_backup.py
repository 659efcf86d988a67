"""`backup` copies the live database; restoring the copy brings every answer back."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from survey_app import create_app
from survey_app.db import connect
from tests.cohort import Person, build

# SQLite's online backup of a file; PostgreSQL's pg_dump is tests/functional/test_postgres.py's.
pytestmark = pytest.mark.sqlite_only


def test_backup_while_writing_and_restore(app, db, runner, tmp_path):
    questionnaire = app.extensions["questionnaires"]["csq8"]
    build(
        db,
        questionnaire,
        [Person(f"B{n}", "259", "2025-01-01", "completed", 20 + n % 10) for n in range(200)],
    )
    stop = threading.Event()

    def keep_writing():
        writer = connect(app.config["DATABASE"])
        number = 0
        while not stop.is_set():
            number += 1
            with writer.conn:
                writer.execute(
                    "INSERT INTO audit (at, actor, action) VALUES ('2026-01-01T00:00:00+00:00', 'bench', ?)",
                    [f"write-{number}"],
                )
        writer.close()

    thread = threading.Thread(target=keep_writing)
    thread.start()
    try:
        result = runner.invoke(args=["backup", str(tmp_path / "copy.db")])
    finally:
        stop.set()
        thread.join()
    assert result.exit_code == 0, result.output
    assert "Sikkerhedskopi skrevet til" in result.output
    copy = sqlite3.connect(tmp_path / "copy.db")
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    copy.close()
    # Restore: a new installation pointed at the copy has every answer.
    restored = create_app({"TESTING": True, "SECRET_KEY": "x" * 32, "DATABASE": str(tmp_path / "copy.db")})
    database = connect(restored.config["DATABASE"])
    assert database.execute("SELECT COUNT(*) FROM participant").fetchone()[0] == 200
    assert database.execute("SELECT COUNT(*) FROM answer").fetchone()[0] == 200 * 8
    assert database.execute("SELECT SUM(total_score) FROM invitation").fetchone()[0] == sum(
        20 + n % 10 for n in range(200)
    )
    database.close()


def test_backup_refuses_to_overwrite_the_database(app, runner):
    result = runner.invoke(args=["backup", app.config["DATABASE"]])
    assert result.exit_code == 1
    assert "må ikke skrives oven i selve databasen" in result.output
