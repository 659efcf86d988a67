"""The migration runner: each migration all or nothing, triggers kept whole, and the record an
earlier release's runner (sqlite-utils') wrote read as it is, so an upgraded installation goes on."""

from __future__ import annotations

import sqlite3

import pytest
import sqlite_utils

from survey_app.db import connect
from survey_app.migration_runner import Migrations, statements
from survey_app.migrations import migrations


def test_a_script_is_split_into_whole_statements_with_triggers_kept_whole():
    script = """
        CREATE TABLE a (x INTEGER);
        -- a comment; with a semicolon
        CREATE TRIGGER a_keep AFTER INSERT ON a BEGIN
            UPDATE a SET x = x + 1 WHERE rowid = new.rowid;
            SELECT 1;
        END;
        INSERT INTO a VALUES ('it''s; fine')
    """
    found = statements(script)
    assert len(found) == 3
    assert found[1].startswith("-- a comment") and found[1].endswith("END;")
    assert found[2] == "INSERT INTO a VALUES ('it''s; fine')"


def test_a_failing_migration_leaves_nothing_and_stays_pending(tmp_path):
    db = connect(tmp_path / "t.db")
    trial = Migrations("trial")

    @trial(name="0001_good")
    def good(db):
        db.executescript("CREATE TABLE kept (x INTEGER); INSERT INTO kept VALUES (1);")

    @trial(name="0002_bad")
    def bad(db):
        db.executescript(
            "CREATE TABLE half (x INTEGER); INSERT INTO half VALUES (1); INSERT INTO nowhere VALUES (1);"
        )

    with pytest.raises(sqlite3.OperationalError, match="nowhere"):
        trial.apply(db)
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "kept" in tables and "half" not in tables
    assert trial.applied(db) == ["0001_good"]
    assert [migration.name for migration in trial.pending(db)] == ["0002_bad"]
    assert not db.conn.in_transaction


def test_the_record_of_sqlite_utils_runner_is_read_as_it_is(tmp_path):
    """A database migrated by an earlier release: the same table, read, and nothing applied twice."""
    from sqlite_utils.migrations import Migrations as EarlierRunner

    path = tmp_path / "earlier.db"
    earlier_db = sqlite_utils.Database(path)
    earlier = EarlierRunner("trial")

    @earlier(name="0001_first")
    def first(db):
        db.execute("CREATE TABLE first (x INTEGER)")

    earlier.apply(earlier_db)
    earlier_db.close()

    db = connect(path)
    ours = Migrations("trial")
    ran = []
    ours(name="0001_first")(lambda db: ran.append("again"))
    ours(name="0002_second")(lambda db: db.execute("CREATE TABLE second (x INTEGER)"))
    assert ours.applied(db) == ["0001_first"]
    assert ours.apply(db) == ["0002_second"] and ran == []
    assert ours.applied(db) == ["0001_first", "0002_second"]


def test_the_product_migrations_apply_once_in_the_order_they_are_defined(tmp_path):
    db = connect(tmp_path / "fresh.db")
    assert migrations.apply(db) == migrations.names
    assert migrations.apply(db) == []
    assert migrations.applied(db) == migrations.names
    assert [name[:4] for name in migrations.names] == sorted(name[:4] for name in migrations.names)
