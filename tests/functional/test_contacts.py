"""What brings the answers, on the hand-built cohort of tests/worlds/contact_cohort.py (its table)."""

from __future__ import annotations

import json
import re

import pytest
import time_machine

from survey_app import reporting
from survey_app.reporting import contacts
from tests.worlds import contact_cohort
from tests.worlds.contact_cohort import CURVE, TODAY


@pytest.fixture
def cohort_db(app, db):
    with time_machine.travel(TODAY, tick=False):
        contact_cohort.build(app, db)
        yield db


def report_json(runner, *args) -> dict[str, dict]:
    result = runner.invoke(args=["report", "--format", "json", *args])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    return {row["group"]: row for row in rows}


def test_response_rate_by_first_channel(runner, cohort_db):
    rows = report_json(runner, "--by", "channel", "--no-suppress")
    assert list(rows) == ["SMS", "E-mail", "QR-kode eller brev overdraget", "Ikke kontaktet", "Total"]
    counts = {group: (row["eligible"], row["completed"], row["response_rate"]) for group, row in rows.items()}
    assert counts == {
        "SMS": (6, 5, 5 / 6),
        "E-mail": (5, 3, 3 / 5),
        # Q2's failed SMS is no contact: the printed letter came first.
        "QR-kode eller brev overdraget": (2, 2, 1.0),
        "Ikke kontaktet": (1, 0, 0.0),
        "Total": (14, 10, 10 / 14),
    }
    # The same keys as the region report.
    region = report_json(runner, "--by", "region", "--no-suppress")
    assert set(rows["SMS"]) == set(region["Total"])


def test_completions_count_for_the_contact_before_them(runner, cohort_db):
    rows = report_json(runner, "--by", "contact", "--no-suppress")
    completed = {group: row["completed"] for group, row in rows.items()}
    assert completed == {
        "Invitation": 3,  # S1 (its reminder came after the answer), S2, E1
        "Påmindelse 1": 3,  # S3, S4, E3 (a completion after reminder 1 counts for reminder 1)
        "Påmindelse 2 eller senere": 1,  # S5
        "Overdragelse (QR-kode eller brev)": 3,  # E2 after its e-mail, Q1, Q2
        "Ikke besvaret efter en kontakt": 0,
        "Total": 10,
    }
    assert rows["Ikke besvaret efter en kontakt"]["eligible"] == 4  # S6, E4, E5, N1


def _attribution(db) -> list[tuple]:
    """(participant id, first channel, contact before completion) for the whole cohort."""
    from survey_app.reporting.figures import _sql

    sql, params = _sql(
        reporting.Query(questionnaire_id="csq8", as_of=TODAY.date()),
        "total",
        "SELECT cohort.participant_id, "
        + contacts.FIRST_CHANNEL
        + ", "
        + contacts.CONTACT_BEFORE
        + " FROM cohort"
        + contacts.FIRST_CONTACT_JOIN
        + contacts.CONTACT_BEFORE_JOIN,
    )
    return list(db.execute(sql, params))


def test_the_attribution_per_participant(app, cohort_db):
    ids = dict(cohort_db.execute("SELECT code, id FROM participant"))
    found = {row[0]: (row[1], row[2]) for row in _attribution(cohort_db)}
    assert found[ids["S3"]] == ("sms", "reminder_1")
    assert found[ids["S5"]] == ("sms", "reminder_2")
    assert found[ids["E2"]] == ("email", "handed_over")
    assert found[ids["Q2"]] == ("qr", "handed_over")
    assert found[ids["N1"]] == ("none", "none")
    assert found[ids["S1"]] == ("sms", "invitation")


def test_the_cumulative_curve_by_hand(app, cohort_db):
    query = reporting.Query(questionnaire_id="csq8", as_of=TODAY.date())
    curve = contacts.completion_curve(cohort_db, query, (3, 7))
    assert list(curve.points) == CURVE
    assert curve.reminder_days == (3, 7)
    assert curve.completed == 10


def test_the_curve_counts_late_completions_on_its_last_day():
    curve = contacts.curve_from_days([0, 2, 50], (3, 7), horizon=10)
    assert list(curve.points) == [1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 3]
    assert contacts.curve_from_days([1], ()).points == (0, 1)


def test_small_groups_are_suppressed(runner, cohort_db):
    rows = report_json(runner, "--by", "channel")
    # QR (2) and not contacted (1) are below the threshold of 5: hidden, and marked so.
    for group in ("QR-kode eller brev overdraget", "Ikke kontaktet"):
        assert rows[group]["eligible"] is None and rows[group]["suppressed"], rows[group]
        assert rows[group]["completed"] is None
    assert rows["Total"]["eligible"] == 14
    contact_rows = report_json(runner, "--by", "contact")
    assert contact_rows["Påmindelse 2 eller senere"]["completed"] is None
    assert contact_rows["Påmindelse 2 eller senere"]["hidden"]


@pytest.fixture
def evaluator(app, db, login):
    with time_machine.travel(TODAY, tick=False):
        contact_cohort.build(app, db)
        yield login("evaluator", ())


def section(page: str) -> str:
    start = page.index('id="contact-title"')
    return page[start : page.index("</section>", start)]


def test_the_dashboard_shows_what_brings_the_answers_with_small_groups_hidden(evaluator):
    page = section(evaluator.get("/evaluering/").text)
    assert "Hvad giver besvarelserne" in page
    row = re.search(r"<th scope=\"row\">Ikke kontaktet</th>(.*?)</tr>", page, re.S).group(1)
    assert "&lt;5" in row and ">1<" not in row
    # The total's completions are hidden here (4 not completed is below 5), so the curve, whose last
    # point would give them away, is not drawn.
    assert "Besvarelser efter dage siden invitationen" not in page


def test_the_dashboard_curve_marks_the_reminder_days(app, evaluator):
    app.config["SUPPRESSION_THRESHOLD"] = 0
    page = section(evaluator.get("/evaluering/").text)
    assert "Besvarelser efter dage siden invitationen" in page
    assert "Påmindelse 1" in page and "Påmindelse 2" in page
    assert "i alt 10" in page


def test_reminder_marks_on_a_line_chart():
    from survey_app import charts

    svg = str(
        charts.line_chart(
            [("Done", [(0, 1), (1, 2), (2, 4)])],
            title="T",
            description="D",
            id_prefix="t",
            format_value=charts.plain_number,
            y_min=0,
            y_max=4,
            x_labels=["0", "1", "2"],
            x_marks=[(1, "Reminder 1")],
        )
    )
    assert svg.count('class="chart-band"') == 1 and "Reminder 1" in svg


def test_contacts_at_the_same_moment_are_told_apart_as_before(app, db):
    """Contacts at one moment (a frozen clock makes them): the first by kind ('handover',
    'invitation', 'reminder'), then by id, as SQLite's bare column beside MIN()/MAX() picked them
    before the SQL said it with ROW_NUMBER(); the curve starts at the first made invitation."""
    from survey_app.reporting.figures import figures
    from tests.cohort import Person
    from tests.cohort import build as build_cohort
    from tests.worlds.contact_cohort import KOEGE, _message, stamp

    completed = {
        "T1": (1, "08:00"),
        "T2": (2, "08:00"),
        "T3": (4, "08:00"),
        "T4": (1, "08:00"),
        "T5": (2, "12:00"),
    }
    people = [Person(code, KOEGE, "2027-01-04", state="completed", total=28) for code in completed]
    with time_machine.travel(TODAY, tick=False):
        ids = build_cohort(db, app.extensions["questionnaires"]["csq8"], people)
        invitation = {
            code: db.execute("SELECT id FROM invitation WHERE participant_id = ?", [ids[code]]).fetchone()[0]
            for code in completed
        }
        with db.conn:  # committed on SQLite; PostgreSQL commits each statement
            for code, done in completed.items():
                db.execute(
                    "UPDATE invitation SET created_at = ?, opened_at = ?, completed_at = ? WHERE id = ?",
                    [stamp(0, "09:00"), stamp(0, "09:30"), stamp(*done), invitation[code]],
                )
            at = stamp(0, "10:00")
            # T1: an SMS invitation and the QR code shown at the same moment.
            _message(db, ids["T1"], invitation["T1"], "invitation", "sms", at)
            db.execute(
                "INSERT INTO audit (at, actor, action, target, detail) VALUES (?, 'k@koege.dk', 'link_shown', ?, '{}')",
                [at, f"participant:{ids['T1']}:T1"],
            )
            # T2: an e-mail invitation, then an SMS one, at the same moment.
            _message(db, ids["T2"], invitation["T2"], "invitation", "email", at)
            _message(db, ids["T2"], invitation["T2"], "invitation", "sms", at)
            # T3: the invitation, then two reminders at the same moment on day 3.
            _message(db, ids["T3"], invitation["T3"], "invitation", "sms", at)
            _message(db, ids["T3"], invitation["T3"], "reminder", "sms", stamp(3, "09:00"))
            _message(db, ids["T3"], invitation["T3"], "reminder", "sms", stamp(3, "09:00"))
            # T4: a reminder at the very moment of the invitation.
            _message(db, ids["T4"], invitation["T4"], "reminder", "email", at)
            _message(db, ids["T4"], invitation["T4"], "invitation", "email", at)
            # T5: no contact; a second invitation, made on day 1, completed at the same moment as the first.
            db.execute(
                "INSERT INTO invitation (participant_id, questionnaire_id, questionnaire_version, nonce, created_at,"
                " expires_at, opened_at, completed_at, total_score)"
                " SELECT participant_id, questionnaire_id, questionnaire_version, 'second', ?, expires_at, ?, ?, 28"
                " FROM invitation WHERE id = ?",
                [stamp(1, "09:00"), stamp(1, "09:30"), stamp(2, "12:00"), invitation["T5"]],
            )
        query = reporting.Query(questionnaire_id="csq8", as_of=TODAY.date())
        found = {code: row[1:] for row in _attribution(db) for code in ids if ids[code] == row[0]}
        assert found == {
            "T1": ("qr", "handed_over"),
            "T2": ("email", "invitation"),
            "T3": ("sms", "reminder_1"),
            "T4": ("email", "invitation"),
            "T5": ("none", "none"),
        }
        channels = {row.key: (row.eligible, row.completed) for row in figures(db, query, "channel")}
        assert channels == {"sms": (1, 1), "email": (2, 2), "qr": (1, 1), "none": (1, 1)}
        contact_counts = {row.key: row.completed for row in figures(db, query, "contact")}
        assert contact_counts == {"handed_over": 1, "invitation": 2, "reminder_1": 1, "none": 1}
        # Days to completion: T1 1, T2 2, T3 4, T4 1, T5 2 (from its first invitation, made on day 0).
        curve = contacts.completion_curve(db, query, (3,))
        assert list(curve.points) == [0, 2, 4, 4, 5]
