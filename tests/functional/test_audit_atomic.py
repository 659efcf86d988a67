"""A change and its audit row are stored together or not at all.

Views write the change (through the domain function, which has its own
transaction) and the audit row in one transaction; ``transaction()`` inside
another is a savepoint, so the inner one's writes wait for the outer commit.
"""

from __future__ import annotations

import sqlite3

import pytest

from survey_app import audit
from survey_app.db import transaction
from tests.helpers import csrf_token


def _form(page, **changes) -> dict:
    return {
        "csrf_token": csrf_token(page.text),
        "code": "ATOM-1",
        "municipality": "259",
        "baseline": "2025-05-01",
        "phone": "20123456",
        "channel": "sms",
        "language": "da",
        "birth_year": "",
        "gender": "",
        "consent": "y",
    } | changes


def _audit_actions(db) -> list[str]:
    return [row[0] for row in db.execute("SELECT action FROM audit ORDER BY id").fetchall()]


def _broken(*args, **kwargs):
    raise sqlite3.OperationalError("disk I/O error")


def test_no_participant_is_stored_when_its_audit_row_cannot_be(login, db, monkeypatch):
    client = login("consultant", ("259",))
    page = client.get("/konsulent/deltagere/ny")
    before = _audit_actions(db)
    monkeypatch.setattr(audit, "record", _broken)
    with pytest.raises(sqlite3.OperationalError):
        client.post("/konsulent/deltagere/ny", data=_form(page))
    assert db.execute("SELECT count(*) FROM participant").fetchone()[0] == 0
    assert _audit_actions(db) == before
    monkeypatch.undo()
    added = client.post("/konsulent/deltagere/ny", data=_form(page))
    assert added.status_code == 303
    assert db.execute("SELECT code FROM participant").fetchall() == [("ATOM-1",)]
    assert _audit_actions(db)[-1] == "participant_added"


@pytest.mark.sqlite_only  # the failure is made by a SQLite trigger
def test_no_audit_row_is_stored_when_the_change_fails(login, db, add_participant, monkeypatch):
    """The withdrawal writes its audit row, then its change fails: neither is stored."""
    add_participant("ATOM-2", "259")
    client = login("consultant", ("259",))
    participant_id = db.execute("SELECT id FROM participant WHERE code = 'ATOM-2'").fetchone()[0]
    page = client.get(f"/konsulent/deltagere/{participant_id}")
    # The disk fails when the participant row is written, after the audit row was.
    db.execute(
        "CREATE TRIGGER disk_fails BEFORE UPDATE OF withdrawn_at ON participant"
        " BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END"
    )
    db.conn.commit()
    before = _audit_actions(db)
    with pytest.raises(sqlite3.IntegrityError, match="disk I/O error"):
        client.post(
            f"/konsulent/deltagere/{participant_id}/udtraek", data={"csrf_token": csrf_token(page.text)}
        )
    assert db.execute("SELECT withdrawn_at FROM participant WHERE id = ?", [participant_id]).fetchone() == (
        None,
    )
    assert _audit_actions(db) == before


def test_a_failed_inner_transaction_is_undone_alone(db):
    with transaction(db):
        db.execute("INSERT INTO audit (at, actor, action) VALUES ('2026-01-01', 'a', 'outer')")
        with pytest.raises(ValueError), transaction(db):
            db.execute("INSERT INTO audit (at, actor, action) VALUES ('2026-01-01', 'a', 'inner')")
            raise ValueError
        with transaction(db):
            db.execute("INSERT INTO audit (at, actor, action) VALUES ('2026-01-01', 'a', 'kept')")
    assert _audit_actions(db)[-2:] == ["outer", "kept"]
    with pytest.raises(ValueError), transaction(db):
        with transaction(db):
            db.execute("INSERT INTO audit (at, actor, action) VALUES ('2026-01-01', 'a', 'lost')")
        raise ValueError
    assert "lost" not in _audit_actions(db)
    assert not db.conn.in_transaction
