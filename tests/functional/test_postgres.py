"""PostgreSQL as the shared database: the same migrations make the same schema and reference data
as on SQLite, servers starting at once apply each migration once, and writers on different
connections take turns as SQLite's writers do."""

from __future__ import annotations

import threading
import time

from survey_app.db import connect, migrate, transaction
from survey_app.migrations import migrations
from tests.postgres_server import postgres_cluster_fixture  # noqa: F401  (the fixture postgres_cluster)

REFERENCE = {
    "region": "SELECT id, name, code, valid_from, valid_to FROM region ORDER BY id",
    "municipality": "SELECT code, name FROM municipality ORDER BY code",
    "municipality_region": "SELECT municipality_code, region_id, valid_from, valid_to FROM municipality_region"
    " ORDER BY municipality_code, valid_from",
    "cluster": "SELECT cluster.name, cluster_municipality.municipality_code FROM cluster"
    " JOIN cluster_municipality ON cluster_municipality.cluster_id = cluster.id ORDER BY 1, 2",
}


def _sqlite_columns(db) -> dict[str, list[str]]:
    tables = [
        row[0]
        for row in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    return {table: sorted(row[1] for row in db.execute(f'PRAGMA table_info("{table}")')) for table in tables}


def _postgres_columns(db) -> dict[str, list[str]]:
    columns: dict[str, list[str]] = {}
    for table, column in db.execute(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'"
    ):
        columns.setdefault(table, []).append(column)
    return {table: sorted(names) for table, names in columns.items()}


def test_the_migrations_make_the_same_schema_and_reference_data_on_both(postgres_cluster, tmp_path):
    url = postgres_cluster.new_database()
    assert migrate(url) == migrations.names
    assert migrate(url) == []
    migrate(tmp_path / "survey.db")
    pg, lite = connect(url), connect(tmp_path / "survey.db")
    try:
        assert _postgres_columns(pg) == _sqlite_columns(lite)
        for name, sql in REFERENCE.items():
            rows = [tuple(row) for row in pg.execute(sql)]
            assert rows == [tuple(row) for row in lite.execute(sql)], name
            assert rows, name
        assert migrations.applied(pg) == migrations.names
    finally:
        pg.close()
        lite.close()


def test_servers_starting_at_once_apply_each_migration_once(postgres_cluster):
    url = postgres_cluster.new_database()
    results: list[list[str]] = []
    threads = [threading.Thread(target=lambda: results.append(migrate(url))) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(results, key=len) == [[], [], migrations.names]
    db = connect(url)
    try:
        assert db.execute("SELECT COUNT(*) FROM _sqlite_migrations").fetchone()[0] == len(migrations.names)
    finally:
        db.close()


def test_writers_on_two_connections_take_turns(postgres_cluster):
    """The second writer's transaction starts only when the first has committed, and then sees its row."""
    url = postgres_cluster.new_database()
    migrate(url)
    first, second = connect(url), connect(url)
    events: list[str] = []
    holding = threading.Event()

    def write_first():
        with transaction(first):
            first.execute("INSERT INTO cluster (name) VALUES (?)", ["Først"])
            holding.set()
            time.sleep(0.5)
            events.append("first commits")

    def write_second():
        holding.wait(10)
        with transaction(second):
            events.append("second begins")
            seen = second.execute("SELECT COUNT(*) FROM cluster WHERE name = ?", ["Først"]).fetchone()[0]
            events.append(f"second sees {seen}")

    threads = [threading.Thread(target=write_first), threading.Thread(target=write_second)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(20)
        assert events == ["first commits", "second begins", "second sees 1"]
    finally:
        first.close()
        second.close()


def test_a_database_that_sorts_text_by_language_rules_is_refused(postgres_cluster):
    """Dates and codes are compared as text; a Danish collation would put "å" before "b" and the app
    would count the wrong rows. migrate (and so the start) says how to create the database instead."""
    import psycopg
    import pytest

    with psycopg.connect(postgres_cluster.url(), autocommit=True) as admin:
        admin.execute(
            "CREATE DATABASE danish TEMPLATE template0 ENCODING 'UTF8' LOCALE_PROVIDER icu ICU_LOCALE 'da-DK' LOCALE 'C'"
        )
    with pytest.raises(RuntimeError, match="LC_COLLATE 'C'"):
        migrate(postgres_cluster.url("danish"))
    db = connect(postgres_cluster.url("danish"))
    try:
        assert not migrations.applied(db)  # nothing was created
    finally:
        db.close()


def test_a_write_that_waits_too_long_for_the_lock_is_asked_to_try_again(
    postgres_cluster, tmp_path, monkeypatch
):
    """As SQLite's busy timeout: 503 with Retry-After and the Danish page, nothing written; then it works."""
    from survey_app import create_app, postgres
    from survey_app.db import WRITE_LOCK_KEY
    from tests.conftest import app_settings
    from tests.helpers import csrf_token, register_participant

    monkeypatch.setattr(postgres, "LOCK_TIMEOUT_SECONDS", 1)
    app = create_app(app_settings(tmp_path, DATABASE=postgres_cluster.new_database()))
    runner = app.test_cli_runner()
    register_participant(runner, "P-1")
    link = (
        runner.invoke(args=["invite", "P-1"])
        .stdout.split("\t")[1]
        .strip()
        .removeprefix("https://ips.example.dk")
    )
    client = app.test_client()
    token = csrf_token(client.get(link).text)
    holder = connect(app.config["DATABASE"])
    try:
        holder.execute("BEGIN")
        holder.execute("SELECT pg_advisory_xact_lock(?)", [WRITE_LOCK_KEY])
        refused = client.post(link, data={"csrf_token": token})
        assert refused.status_code == 503 and refused.headers["Retry-After"] == "5"
        assert "Dine tidligere svar er gemt. Prøv igen om lidt." in refused.text
        holder.execute("ROLLBACK")
    finally:
        holder.close()
    started = client.post(link, data={"csrf_token": token})
    assert started.status_code in (302, 303)
    db = connect(app.config["DATABASE"])
    try:
        assert db.execute("SELECT opened_at IS NOT NULL FROM invitation").fetchone()[0] is True
    finally:
        db.close()


def test_backup_is_a_pg_dump_and_restores_every_answer(postgres_cluster, tmp_path):
    """backup on PostgreSQL writes a pg_dump (0600); pg_restore of it into a new database brings back
    every participant, answer and audit row, and the app starts on it with nothing to migrate."""
    import stat

    from survey_app import create_app, postgres
    from tests.cohort import Person, build
    from tests.conftest import app_settings

    app = create_app(app_settings(tmp_path, DATABASE=postgres_cluster.new_database()))
    db = connect(app.config["DATABASE"])
    copy = tmp_path / "kopi.dump"
    try:
        questionnaire = app.extensions["questionnaires"]["csq8"]
        build(
            db,
            questionnaire,
            [Person(f"B{n}", "259", "2025-01-01", "completed", 20 + n % 10) for n in range(30)],
        )
        result = app.test_cli_runner().invoke(args=["backup", str(copy)])
        assert result.exit_code == 0, result.output
        assert "Sikkerhedskopi (pg_dump) skrevet til" in result.output
        assert stat.S_IMODE(copy.stat().st_mode) == 0o600
        counts = {
            table: db.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]
            for table in ("participant", "invitation", "answer", "audit", "municipality")
        }
        totals = [row[0] for row in db.execute("SELECT total_score FROM invitation ORDER BY id")]
    finally:
        db.close()
    assert counts["answer"] == 30 * 8
    restored_url = postgres_cluster.new_database()
    postgres.restore(restored_url, copy)
    assert migrate(restored_url) == []
    restored = connect(restored_url)
    try:
        for table, count in counts.items():
            assert restored.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0] == count, table
        assert [
            row[0] for row in restored.execute("SELECT total_score FROM invitation ORDER BY id")
        ] == totals
        # New rows get new ids after the restored ones (the identity sequences came along).
        new_id = restored.execute("INSERT INTO cluster (name) VALUES (?) RETURNING id", ["Ny"]).fetchone()[0]
        assert new_id > restored.execute("SELECT MAX(id) FROM cluster WHERE name <> 'Ny'").fetchone()[0]
    finally:
        restored.close()


def test_the_sqlite_functions_the_reports_use_mean_the_same_on_postgresql(postgres_cluster):
    import sqlite3

    url = postgres_cluster.new_database()
    migrate(url)
    pg, lite = connect(url), sqlite3.connect(":memory:")
    try:
        for expression in [
            "julianday('2026-01-01')",
            "julianday('2026-03-01T12:00:00+00:00') - julianday('2026-01-01')",
            "julianday('2026-03-01T12:00:00+01:00')",
            "date('2025-05-01', '+182 days')",
            "date('2024-08-31T23:30:00+00:00', '+182 days')",
            "date('2025-05-01', '-7 days')",
            "instr('participant:12:P-1', ':')",
            "instr('abc', 'z')",
            "printf('%07d', 42)",
            "printf('%012d', 123456)",
            "'50%' || printf('%07d', 7)",
        ]:
            assert (
                pg.execute(f"SELECT {expression}").fetchone()[0]
                == lite.execute(f"SELECT {expression}").fetchone()[0]
            ), expression
    finally:
        pg.close()
        lite.close()
