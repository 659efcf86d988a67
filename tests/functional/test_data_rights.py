"""The data controller's duties towards participants: an access request answered with everything
held (``participants show``), an erasure (``participants erase``), and answers kept no longer than
``RETENTION_YEARS`` (``retention``, and every ``send-due``), anonymised so that the reports go on
counting them, or deleted."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import time_machine

from survey_app import create_app, reporting
from tests.cohort import Person, build
from tests.conftest import app_settings

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
TOKEN = "eyJwIjoxfQ.Zm9vYmFyYmF6.c2lnbmF0dXJl"


def _cohort(app, db) -> dict[str, int]:
    """OLD completed six years ago (due for retention), RECENT a year ago, OPEN still has a live link."""
    questionnaire = app.extensions["questionnaires"]["csq8"]
    ids = build(
        db,
        questionnaire,
        [
            Person("OLD-1", "259", "2020-03-17", "completed", total=29, gender="female", birth_year=1980),
            Person("OLD-2", "259", "2020-04-02", "invited"),
            Person("RECENT-1", "259", "2025-04-10", "completed", total=22),
        ],
    )
    with db.conn:
        db.execute(
            "INSERT INTO message (participant_id, invitation_id, kind, channel, recipient, body, created_at,"
            " status, sent_at) SELECT ?, invitation.id, 'invitation', 'sms', '+4512345678', ?, ?, 'sent', ?"
            " FROM invitation WHERE participant_id = ?",
            [
                ids["OLD-1"],
                f"Hej. Svar her: https://ips.example.dk/s/{TOKEN}",
                "2020-09-15T09:00:00+00:00",
                "2020-09-15T09:00:05+00:00",
                ids["OLD-1"],
            ],
        )
        # OLD-2's link expired long ago too; RECENT-1's link is still good for a while.
        db.execute(
            "UPDATE invitation SET expires_at = '2020-11-30T09:00:00+00:00' WHERE participant_id = ?",
            [ids["OLD-2"]],
        )
        db.execute(
            "UPDATE invitation SET expires_at = '2026-12-30T09:00:00+00:00' WHERE participant_id = ?",
            [ids["RECENT-1"]],
        )
    return ids


def _audit(db, action):
    return [dict(row) for row in db.query("SELECT * FROM audit WHERE action = ? ORDER BY id", [action])]


def test_show_prints_everything_held_with_link_tokens_masked_and_is_audited(app, db, runner):
    ids = _cohort(app, db)
    with time_machine.travel(NOW, tick=False):
        result = runner.invoke(
            args=["participants", "show", "OLD-1", "--municipality", "259", "--format", "json"]
        )
        text = runner.invoke(args=["participants", "show", "OLD-1", "--municipality", "259"])
    assert result.exit_code == 0, result.output
    held = json.loads(result.output)
    assert held["registration"]["code"] == "OLD-1"
    assert held["registration"]["phone"] == "+4512345678"
    assert held["registration"]["gender"] == "female" and held["registration"]["birth_year"] == 1980
    [invitation] = held["invitations"]
    assert invitation["total_score"] == 29
    assert sum(answer["score"] for answer in invitation["answers"]) == 29 and len(invitation["answers"]) == 8
    [message] = held["messages"]
    assert TOKEN not in message["body"] and message["body"].endswith("/s/***")
    assert message["recipient"] == "+4512345678"
    assert "nonce" not in invitation  # the link's secret is no information about the participant
    assert text.exit_code == 0
    assert "Registrering" in text.output and "Mobilnummer: +4512345678" in text.output
    assert "Links (1)" in text.output and "Beskeder (1)" in text.output and TOKEN not in text.output
    shown = _audit(db, "participant_data_shown")
    assert [row["target"] for row in shown] == [f"participant:{ids['OLD-1']}:OLD-1"] * 2
    # The log shown holds the access rows themselves the next time.
    again = json.loads(
        runner.invoke(
            args=["participants", "show", "OLD-1", "--municipality", "259", "--format", "json"]
        ).output
    )
    assert [entry["action"] for entry in again["audit"]] == ["participant_data_shown"] * 2


def test_an_unknown_code_is_refused_in_danish(app, db, runner):
    _cohort(app, db)
    result = runner.invoke(args=["participants", "show", "NOBODY", "--municipality", "259"])
    assert result.exit_code != 0
    assert "Ingen deltager har koden NOBODY." in result.output
    assert _audit(db, "participant_data_shown") == []


def test_erase_asks_first_then_deletes_everything_but_the_log(app, db, runner):
    ids = _cohort(app, db)
    pid = ids["OLD-1"]
    query = reporting.Query("csq8", NOW.date())
    before = reporting.report(db, query, "total", suppress=False).total.values
    with time_machine.travel(NOW, tick=False):
        refused = runner.invoke(args=["participants", "erase", "OLD-1", "--municipality", "259"], input="n\n")
    assert refused.exit_code != 0 and "Intet er slettet" in refused.output
    assert "8 svar, 1 link, 1 besked" in refused.output
    assert db.execute("SELECT COUNT(*) FROM participant WHERE id = ?", [pid]).fetchone()[0] == 1
    with time_machine.travel(NOW, tick=False):
        done = runner.invoke(args=["participants", "erase", "OLD-1", "--municipality", "259"], input="y\n")
    assert done.exit_code == 0, done.output
    assert "Slettet: 8 svar, 1 link, 1 besked, registreringen og kontaktoplysningerne." in done.output
    for sql in (
        "SELECT COUNT(*) FROM participant WHERE id = ?",
        "SELECT COUNT(*) FROM invitation WHERE participant_id = ?",
        "SELECT COUNT(*) FROM message WHERE participant_id = ?",
        "SELECT COUNT(*) FROM answer JOIN invitation ON invitation.id = answer.invitation_id"
        " WHERE invitation.participant_id = ?",
    ):
        assert db.execute(sql, [pid]).fetchone()[0] == 0, sql
    [row] = _audit(db, "participant_erased")
    assert row["target"] == f"participant:{pid}:OLD-1" and row["actor"] == "cli"
    assert json.loads(row["detail"]) == {
        "answers": 8,
        "links": 1,
        "messages": 1,
        "contact_details": True,
        "municipality": "259",
    }
    after = reporting.report(db, query, "total", suppress=False).total.values
    assert (after["eligible"], after["completed"], after["csq_n"]) == (
        before["eligible"] - 1,
        before["completed"] - 1,
        before["csq_n"] - 1,
    )
    # The others are untouched.
    assert db.execute("SELECT COUNT(*) FROM participant").fetchone()[0] == 2


def test_retention_anonymises_after_the_years_and_the_reports_go_on_counting(app, db, runner):
    ids = _cohort(app, db)
    query = reporting.Query("csq8", NOW.date())
    before = reporting.report(db, query, "total", suppress=False).total.values
    before_quarters = reporting.report(db, query, "period", suppress=False)
    with time_machine.travel(NOW, tick=False):
        dry = runner.invoke(args=["retention", "--dry-run"])
        assert (
            dry.exit_code == 0 and "Opbevaringstid 5 år: 2 deltagere ville blive anonymiseret." in dry.output
        )
        assert (
            db.execute("SELECT COUNT(*) FROM participant WHERE anonymised_at IS NOT NULL").fetchone()[0] == 0
        )
        done = runner.invoke(args=["retention"])
    assert done.exit_code == 0 and "2 deltagere anonymiseret" in done.output
    old = next(db.query("SELECT * FROM participant WHERE id = ?", [ids["OLD-1"]]))
    assert old["code"].startswith("anonym-") and old["code"] != "OLD-1"
    assert (old["phone"], old["email"]) == (None, None)
    assert old["baseline_date"] == "2020-03-01"
    assert old["created_at"] == "2020-03-01T00:00:00+00:00"
    assert old["anonymised_at"] == "2026-12-01T00:00:00+00:00"
    assert (old["gender"], old["birth_year"]) == ("female", 1980)
    invitation = next(db.query("SELECT * FROM invitation WHERE participant_id = ?", [ids["OLD-1"]]))
    assert invitation["nonce"] != "nonce-OLD-1"
    assert invitation["completed_at"].endswith("-01T00:00:00+00:00")
    scores = [
        row[0] for row in db.execute("SELECT score FROM answer WHERE invitation_id = ?", [invitation["id"]])
    ]
    assert sum(scores) == 29
    assert (
        db.execute("SELECT COUNT(*) FROM message WHERE participant_id = ?", [ids["OLD-1"]]).fetchone()[0] == 0
    )
    # The log names the new code only.
    targets = {row[0] for row in db.execute("SELECT target FROM audit")}
    assert not any(target and ":OLD-" in target for target in targets)
    [run] = _audit(db, "retention_applied")
    assert json.loads(run["detail"]) == {"action": "anonymise", "participants": 2, "years": 5}
    # Still counted, in the same quarter, with the same scores.
    after = reporting.report(db, query, "total", suppress=False).total.values
    for key in ("eligible", "completed", "csq_n", "csq_mean", "csq_sd"):
        assert after[key] == before[key], key
    assert [row.values for row in reporting.report(db, query, "period", suppress=False).rows] == [
        row.values for row in before_quarters.rows
    ]
    # Recent answers stay as they were; a second run finds nothing.
    recent = next(db.query("SELECT code, phone FROM participant WHERE id = ?", [ids["RECENT-1"]]))
    assert recent == {"code": "RECENT-1", "phone": "+4512345678"}
    with time_machine.travel(NOW, tick=False):
        assert "0 deltagere anonymiseret" in runner.invoke(args=["retention"]).output


def test_send_due_applies_retention_too(app, db, runner):
    ids = _cohort(app, db)
    with time_machine.travel(NOW, tick=False):
        result = runner.invoke(args=["send-due"])
    assert result.exit_code == 0, result.output
    assert "Anonymiseret efter opbevaringstiden: 2 deltagere." in result.output
    code = db.execute("SELECT code FROM participant WHERE id = ?", [ids["OLD-2"]]).fetchone()[0]
    assert code.startswith("anonym-")
    assert _audit(db, "retention_applied")[0]["actor"] == "send-due"


def test_two_retention_runs_at_once_anonymise_each_participant_once(app, db, monkeypatch):
    """A second run that starts while the first has read who is due waits for it, and finds nobody."""
    import threading
    import time

    from survey_app import audit, retention
    from survey_app.db import connect

    ids = _cohort(app, db)
    real_due = retention.due_for_retention
    second: list[dict] = []

    def second_run():
        other = connect(app.config["DATABASE"])
        try:
            second.append(retention.apply_retention(other, NOW, 5, "anonymise", actor=audit.COMMAND))
        finally:
            other.close()

    thread = threading.Thread(target=second_run)

    def due_then_race(database, now, years):
        found = real_due(database, now, years)
        if not thread.is_alive() and not second:
            monkeypatch.setattr(retention, "due_for_retention", real_due)
            thread.start()
            time.sleep(0.3)  # time enough for the second run to finish, were it not made to wait
        return found

    monkeypatch.setattr(retention, "due_for_retention", due_then_race)
    first = retention.apply_retention(db, NOW, 5, "anonymise", actor=audit.COMMAND)
    thread.join(10)
    assert first["participants"] == 2 and second == [{"participants": 0, "action": "anonymise", "years": 5}]
    [run] = _audit(db, "retention_applied")
    assert json.loads(run["detail"])["participants"] == 2
    codes = [
        row[0]
        for row in db.execute("SELECT code FROM participant WHERE id IN (?, ?)", [ids["OLD-1"], ids["OLD-2"]])
    ]
    targets = {row[0] for row in db.execute("SELECT target FROM audit WHERE target LIKE 'participant:%'")}
    assert all(code.startswith("anonym-") for code in codes)
    assert not any(target.endswith(":OLD-1") or target.endswith(":OLD-2") for target in targets)


@pytest.fixture
def deleting_app(tmp_path):
    return create_app(app_settings(tmp_path, RETENTION_ACTION="delete", RETENTION_YEARS=3))


def test_retention_can_delete_instead(deleting_app):
    from survey_app.db import connect

    db = connect(deleting_app.config["DATABASE"])
    try:
        ids = _cohort(deleting_app, db)
        with time_machine.travel(NOW, tick=False):
            result = deleting_app.test_cli_runner().invoke(args=["retention"])
        assert result.exit_code == 0 and "Opbevaringstid 3 år: 2 deltagere slettet." in result.output
        assert {row[0] for row in db.execute("SELECT id FROM participant")} == {ids["RECENT-1"]}
        assert db.execute("SELECT COUNT(*) FROM answer").fetchone()[0] == 8  # RECENT-1's
        [run] = [dict(row) for row in db.query("SELECT * FROM audit WHERE action = 'retention_applied'")]
        assert json.loads(run["detail"])["action"] == "delete"
        # The run's row says it: no erasure rows of their own, and no code left in the log.
        assert db.execute("SELECT COUNT(*) FROM audit WHERE action = 'participant_erased'").fetchone()[0] == 0
        assert db.execute("SELECT COUNT(*) FROM audit WHERE target LIKE '%OLD-%'").fetchone()[0] == 0
    finally:
        db.close()


@pytest.mark.parametrize(
    ("years", "action", "message"),
    [
        (0, "anonymise", "RETENTION_YEARS skal være et helt antal år, mindst 1"),
        ("fem", "anonymise", "RETENTION_YEARS skal være et helt antal år, mindst 1"),
        (5, "forget", "RETENTION_ACTION skal være 'anonymise' eller 'delete'"),
    ],
)
def test_a_bad_retention_setting_stops_the_start(tmp_path, years, action, message):
    with pytest.raises(ValueError, match=message):
        create_app(app_settings(tmp_path, RETENTION_YEARS=years, RETENTION_ACTION=action))


# The same for admins on the web: /admin/deltagere.


def runner_free_json(db, participant_id) -> str:
    from survey_app import data_rights, participants

    return data_rights.as_json(data_rights.held_about(db, participants.get_participant(db, participant_id)))


def _find(client, code, municipality=""):
    from tests.helpers import csrf_token

    page = client.get("/admin/deltagere")
    return client.post(
        "/admin/deltagere",
        data={"csrf_token": csrf_token(page.text), "code": code, "municipality": municipality},
    )


def test_an_admin_sees_everything_held_on_the_web_with_tokens_masked_and_audited(app, db, login):
    ids = _cohort(app, db)
    admin = login("admin")
    page = admin.get("/admin/deltagere")
    assert 'method="post"' in page.text and "Deltagernes rettigheder" in page.text
    found = _find(admin, "OLD-1", "259")
    assert found.status_code == 200
    assert "Deltager OLD-1, Køge" in found.text and "+4512345678" in found.text
    assert "/s/***" in found.text and TOKEN not in found.text
    assert "Links og svar (1)" in found.text and "Beskeder (1)" in found.text
    # Every answer, by its question and the option chosen, as the participant saw them.
    questionnaire = app.extensions["questionnaires"]["csq8"]
    held = json.loads(runner_free_json(db, ids["OLD-1"]))
    for answer in held["invitations"][0]["answers"]:
        item = questionnaire.item(answer["item_id"])
        assert (
            f"<td>{item.text['da']}</td><td>{item.option(answer['score']).label['da']} ({answer['score']})</td>"
            in found.text
        )
    [shown] = _audit(db, "participant_data_shown")
    assert shown["target"] == f"participant:{ids['OLD-1']}:OLD-1" and shown["actor"] == admin.user["email"]
    # The code travels in the body only: no address of the page names it.
    assert "OLD-1" not in found.request.url


def test_the_participant_rights_pages_are_for_admins_only(app, db, login):
    ids = _cohort(app, db)
    for role in ("consultant", "evaluator"):
        client = login(role)
        assert client.get("/admin/deltagere").status_code == 404
        assert client.post("/admin/deltagere/slet", data={"participant_id": ids["OLD-1"]}).status_code in (
            400,
            404,
        )
    assert _audit(db, "participant_data_shown") == []
    assert db.execute("SELECT COUNT(*) FROM participant WHERE id = ?", [ids["OLD-1"]]).fetchone()[0] == 1


def test_an_unknown_or_ambiguous_code_is_explained_in_danish(app, db, login, add_participant):
    _cohort(app, db)
    add_participant("OLD-1", "147", "2025-05-01")  # the same code in Frederiksberg
    admin = login("admin")
    unknown = _find(admin, "NOBODY")
    assert unknown.status_code == 422 and "Ingen deltager har koden NOBODY." in unknown.text
    ambiguous = _find(admin, "OLD-1")
    assert ambiguous.status_code == 422 and "Koden bruges i flere kommuner: vælg kommunen." in ambiguous.text
    assert "--municipality" not in ambiguous.text
    assert _audit(db, "participant_data_shown") == []
    chosen = _find(admin, "OLD-1", "147")
    assert chosen.status_code == 200 and "Deltager OLD-1, Frederiksberg" in chosen.text


def test_an_admin_downloads_the_access_request_as_text_or_json(app, db, login):
    from survey_app import data_rights, participants
    from tests.helpers import csrf_token

    ids = _cohort(app, db)
    admin = login("admin")
    found = _find(admin, "OLD-1", "259")
    token = csrf_token(found.text)
    as_json = admin.post(
        "/admin/deltagere/hent", data={"csrf_token": token, "participant_id": ids["OLD-1"], "format": "json"}
    )
    assert as_json.headers["Content-Disposition"] == f'attachment; filename="indsigt-259-{ids["OLD-1"]}.json"'
    assert "no-store" in as_json.headers["Cache-Control"]
    held = json.loads(as_json.text)
    assert held["registration"]["code"] == "OLD-1" and TOKEN not in as_json.text
    assert sum(answer["score"] for answer in held["invitations"][0]["answers"]) == 29
    as_text = admin.post(
        "/admin/deltagere/hent", data={"csrf_token": token, "participant_id": ids["OLD-1"], "format": "txt"}
    )
    participant = participants.get_participant(db, ids["OLD-1"])
    assert as_text.text.startswith("Registrering\n  Kode: OLD-1")
    assert (
        as_text.text.rstrip("\n").splitlines()[:20]
        == data_rights.as_text(data_rights.held_about(db, participant)).splitlines()[:20]
    )
    details = [
        json.loads(row["detail"]) if row["detail"] else None for row in _audit(db, "participant_data_shown")
    ]
    assert details == [None, {"format": "json"}, {"format": "txt"}]
    bad = admin.post(
        "/admin/deltagere/hent", data={"csrf_token": token, "participant_id": ids["OLD-1"], "format": "exe"}
    )
    assert bad.status_code == 400


def test_an_admin_erases_only_after_typing_the_code_and_is_told_what_went(app, db, login):
    from tests.helpers import csrf_token

    ids = _cohort(app, db)
    pid = ids["OLD-1"]
    admin = login("admin")
    token = csrf_token(_find(admin, "OLD-1", "259").text)
    asked = admin.post("/admin/deltagere/slet", data={"csrf_token": token, "participant_id": pid})
    assert asked.status_code == 200
    assert "8 svar" in asked.text and "1 link" in asked.text and "1 besked" in asked.text
    assert "registreringen med kontaktoplysningerne" in asked.text
    wrong = admin.post(
        "/admin/deltagere/slet",
        data={"csrf_token": token, "participant_id": pid, "code": "OLD-2", "confirm": "1"},
    )
    assert wrong.status_code == 422 and "Skriv deltagerens kode præcis" in wrong.text
    assert db.execute("SELECT COUNT(*) FROM participant WHERE id = ?", [pid]).fetchone()[0] == 1
    done = admin.post(
        "/admin/deltagere/slet",
        data={"csrf_token": token, "participant_id": pid, "code": " OLD-1 ", "confirm": "1"},
        follow_redirects=True,
    )
    assert done.status_code == 200
    assert (
        "Deltager OLD-1 (Køge) er slettet: 8 svar, 1 link, 1 besked og registreringen med kontaktoplysningerne."
        in done.text
    )
    assert db.execute("SELECT COUNT(*) FROM participant WHERE id = ?", [pid]).fetchone()[0] == 0
    assert db.execute("SELECT COUNT(*) FROM message WHERE participant_id = ?", [pid]).fetchone()[0] == 0
    [row] = _audit(db, "participant_erased")
    assert row["actor"] == admin.user["email"] and json.loads(row["detail"])["answers"] == 8
    # Gone: the erasure page of the same participant is a 404 now.
    assert (
        admin.post("/admin/deltagere/slet", data={"csrf_token": token, "participant_id": pid}).status_code
        == 404
    )
