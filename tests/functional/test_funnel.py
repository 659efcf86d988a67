"""Drop-off (``reporting.funnel``, ``funnel``, /evaluering/frafald) on a cohort worked out by hand.

Today is 1 September 2027. The cohort (CSQ-8, 8 required items; "partial, answered k" answered
items 1..k, so it stopped at item k + 1; "opened" posted nothing, so it stopped at item 1):

| municipality (region)            | completed | partial          | opened | invited |
|----------------------------------|-----------|------------------|--------|---------|
| Køge 2026 (Sjælland)             | 10        | 6 × answered 3   | 1      |         |
| Køge 2027 (Østdanmark)           | 5         |                  |        |         |
| Odense (Syddanmark)              | 8         | 5 × 6, 2 × 1     |        | 2       |
| København (Hovedstaden)          | 3         |                  |        |         |

By hand, in total: opened 40, completed 26; stopped at item 1: 1, item 2: 2, item 4: 6, item 7: 5;
reached (item 1 = opened) 40, 39, 37, 37, 31, 31, 31, 26; answered = reached of the next item (26
for the last: the completed) 39, 37, 37, 31, 31, 31, 26, 26.
Køge (both regions): opened 22, completed 15, reached 22, 21, 21, 21, 15, 15, 15, 15.
"""

from __future__ import annotations

import json

import pytest
import time_machine

from survey_app import reporting
from survey_app.reporting import disclosure
from tests.cohort import Person, build
from tests.worlds.region_cohort import TODAY

KOEGE, ODENSE, KOEBENHAVN = "259", "461", "101"


def people() -> list[Person]:
    people = [Person(f"KA{n}", KOEGE, "2026-03-01", "completed", 28) for n in range(10)]
    people += [Person(f"KP{n}", KOEGE, "2026-03-01", "partial", answered=3) for n in range(6)]
    people += [Person("KO", KOEGE, "2026-03-01", "opened")]
    people += [Person(f"KB{n}", KOEGE, "2027-01-15", "completed", 25) for n in range(5)]
    people += [Person(f"OA{n}", ODENSE, "2026-02-01", "completed", 30) for n in range(8)]
    people += [Person(f"OP{n}", ODENSE, "2026-02-01", "partial", answered=6) for n in range(5)]
    people += [Person(f"OQ{n}", ODENSE, "2026-02-01", "partial", answered=1) for n in range(2)]
    people += [Person(f"OI{n}", ODENSE, "2026-02-01", "invited") for n in range(2)]
    people += [Person(f"HA{n}", KOEBENHAVN, "2026-04-01", "completed", 27) for n in range(3)]
    return people


@pytest.fixture
def frozen():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def cohort_db(app, db, frozen):
    build(db, app.extensions["questionnaires"]["csq8"], people())
    return db


def funnel_of(app, suppress: bool, threshold: int = 5):
    from survey_app import context

    with app.app_context():
        query = context.report_query("csq8")
        return reporting.funnel(
            context.get_db(), query, context.questionnaire("csq8"), threshold=threshold, suppress=suppress
        )


def counts(group) -> dict:
    return {
        "opened": group.opened,
        "completed": group.completed,
        "reached": [step.reached for step in group.steps],
        "answered": [step.answered for step in group.steps],
        "stopped": [step.stopped for step in group.steps],
    }


def by_name(result, level: str) -> dict:
    return {group.name: group for group in result.level(level)}


def test_the_funnel_without_suppression_matches_the_hand_computed_counts(app, cohort_db):
    result = funnel_of(app, suppress=False)
    assert not result.suppressed
    assert counts(result.total) == {
        "opened": 40,
        "completed": 26,
        "reached": [40, 39, 37, 37, 31, 31, 31, 26],
        "answered": [39, 37, 37, 31, 31, 31, 26, 26],
        "stopped": [1, 2, 0, 6, 0, 0, 5, 0],
    }
    regions = by_name(result, "region")
    assert list(regions) == [
        "Region Hovedstaden",
        "Region Sjælland",
        "Region Syddanmark",
        "Region Østdanmark",
    ]
    assert counts(regions["Region Sjælland"])["reached"] == [17, 16, 16, 16, 10, 10, 10, 10]
    assert counts(regions["Region Sjælland"])["stopped"] == [1, 0, 0, 6, 0, 0, 0, 0]
    assert counts(regions["Region Østdanmark"]) == {
        "opened": 5,
        "completed": 5,
        "reached": [5] * 8,
        "answered": [5] * 8,
        "stopped": [0] * 8,
    }
    assert counts(regions["Region Syddanmark"])["stopped"] == [0, 2, 0, 0, 0, 0, 5, 0]
    municipalities = by_name(result, "municipality")
    koege = counts(municipalities["Køge"])
    assert (koege["opened"], koege["completed"]) == (22, 15)
    assert koege["reached"] == [22, 21, 21, 21, 15, 15, 15, 15]
    assert counts(municipalities["København"])["reached"] == [3] * 8


def test_stopped_here_is_reached_minus_the_next_questions_reach(app, cohort_db):
    result = funnel_of(app, suppress=False)
    for group in result.groups:
        reached = [step.reached for step in group.steps] + [group.completed]
        assert [step.stopped for step in group.steps] == [reached[k] - reached[k + 1] for k in range(8)]
        assert group.opened - group.completed == sum(step.stopped for step in group.steps)


def _relations(result):
    """Every equation a reader knows between the published counts, as lists of (coefficient, value)."""
    groups = {(group.level, group.key): group for group in result.groups}
    relations = []
    for group in result.groups:
        reached = [step.reached for step in group.steps] + [group.completed]
        for k, step in enumerate(group.steps):
            # Stopped at question 1 (opened, nothing answered) is the report's opened - partial -
            # completed: the report publishes it already (test below), so it is not protected here.
            if k > 0:
                relations.append([step.stopped, reached[k], reached[k + 1]])
            relations.append([step.answered, reached[k + 1]])  # a required item
    names = ("opened", "completed")
    total = groups[("total", "")]
    for level in ("region", "municipality"):
        parts = [group for group in result.groups if group.level == level]
        # Køge lies in two regions, so only the regions and the municipalities each add up to the total.
        for name in names:
            relations.append([getattr(total, name), *(getattr(part, name) for part in parts)])
        for k in range(8):
            for name in ("reached", "answered", "stopped"):
                relations.append([getattr(total.steps[k], name), *(getattr(p.steps[k], name) for p in parts)])
    return relations


def test_suppression_hides_small_counts_and_whatever_would_give_them_away(app, cohort_db):
    result = funnel_of(app, suppress=True)
    assert result.suppressed
    for group in result.groups:
        for name, value in [
            ("opened", group.opened),
            ("completed", group.completed),
            *(
                (f"{n}_{s.position}", getattr(s, n))
                for s in group.steps
                for n in ("reached", "answered", "stopped")
            ),
        ]:
            assert disclosure.is_hidden(value) or value >= 5, (group.name, name, value)
    total = result.total
    # One stopped at question 1 and two at question 2: "<5", and the reach that would give them away.
    assert total.steps[0].stopped == disclosure.Hidden(disclosure.SMALL, "<5")
    assert total.steps[1].stopped == disclosure.Hidden(disclosure.SMALL, "<5")
    # 40 opened and 39 reached question 2 may be shown (the 1 between them is "<5"), but then the
    # reach of question 3 (39 - 2) is hidden: it would give the two who stopped at question 2 away.
    assert (total.opened, total.steps[1].reached) == (40, 39)
    assert total.steps[2].reached == disclosure.Hidden(disclosure.PROTECT, "×")
    # Every shown count is the true one.
    plain = {(group.level, group.key): counts(group) for group in funnel_of(app, suppress=False).groups}
    for group in result.groups:
        for name, values in counts(group).items():
            for shown, true in zip(
                values if isinstance(values, list) else [values],
                plain[(group.level, group.key)][name]
                if isinstance(values, list)
                else [plain[(group.level, group.key)][name]],
                strict=True,
            ):
                assert disclosure.is_hidden(shown) or shown == true
                # A "<5" is always true, and a "×" stands for 5 or more.
                if disclosure.is_hidden(shown):
                    assert (shown.mark == disclosure.SMALL) == (true < 5), (group.name, name, shown, true)
    # København (3 participants) shows nothing.
    koebenhavn = by_name(result, "municipality")["København"]
    assert all(disclosure.is_hidden(value) for value in [koebenhavn.opened, *counts(koebenhavn)["reached"]])
    # No published equation has exactly one hidden term: it could be solved for it.
    for relation in _relations(result):
        hidden = [value for value in relation if disclosure.is_hidden(value)]
        assert len(hidden) != 1, relation


def test_stopped_at_question_1_is_what_the_report_already_gives(app, cohort_db):
    from survey_app import context

    result = funnel_of(app, suppress=False)
    with app.test_request_context():
        report = context.build_report(context.report_query("csq8"), "total", suppress=False)
    total = report.rows[-1].values
    assert result.total.steps[0].stopped == total["opened"] - total["partial"] - total["completed"] == 1


def test_opened_and_completed_are_hidden_exactly_where_the_report_hides_them(app, cohort_db):
    from survey_app import context

    result = funnel_of(app, suppress=True)
    for level in ("region", "municipality"):
        with app.test_request_context():
            report = context.build_report(context.report_query("csq8"), level)
        published = {row.values["group"]: row.values for row in report.rows}
        for group in result.level(level):
            for name in ("opened", "completed"):
                mine, theirs = getattr(group, name), published[group.name][name]
                assert disclosure.is_hidden(mine) == disclosure.is_hidden(theirs), (group.name, name)
                if not disclosure.is_hidden(mine):
                    assert mine == theirs
        for name in ("opened", "completed"):
            mine, theirs = getattr(result.total, name), report.rows[-1].values[name]
            assert disclosure.is_hidden(mine) == disclosure.is_hidden(theirs)


def test_funnel_command_json(runner, cohort_db):
    result = runner.invoke(args=["funnel", "--format", "json", "--no-suppress"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert rows[0]["level"] == "total" and rows[0]["opened"] == 40
    assert [item["stopped"] for item in rows[0]["items"]] == [1, 2, 0, 6, 0, 0, 5, 0]
    assert {row["group"] for row in rows if row["level"] == "municipality"} == {"Køge", "Odense", "København"}
    suppressed = json.loads(runner.invoke(args=["funnel", "--format", "json"]).output)
    assert suppressed[0]["items"][0]["stopped"] is None
    assert suppressed[0]["hidden"]["stopped_1"] == "<5"


def test_funnel_command_table(runner, cohort_db):
    result = runner.invoke(args=["funnel"])
    assert result.exit_code == 0, result.output
    assert "<5" in result.output
    assert "Køge" in result.output


@pytest.fixture
def evaluator(app, cohort_db, login):
    return login("evaluator", ())


def _page_rows(html: str, heading: str) -> list[list[str]]:
    """The rows of the table under the ``<h3>`` named ``heading``, as lists of cell texts."""
    import html as html_module
    import re

    section = html.split(f">{heading}</h3>", 1)[1].split("</table>", 1)[0]
    return [
        [
            html_module.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", section, re.S)
    ][1:]


def test_the_page_shows_the_funnel_with_suppression_and_is_linked_from_the_dashboard(evaluator):
    dashboard = evaluator.get("/evaluering/")
    assert "/evaluering/frafald?" in dashboard.text
    page = evaluator.get("/evaluering/frafald")
    assert page.status_code == 200
    assert "<h1>Frafald</h1>" in page.text
    rows = _page_rows(page.text, "Total")
    # Question, reached, answered, stopped here (hidden counts as their marks).
    assert rows[0] == ["Spørgsmål 1", "40", "39", "<5"]
    assert rows[1] == ["Spørgsmål 2", "39", "×", "<5"]
    assert rows[2][1] == "×"
    assert '<details class="funnel-group"><summary><h3 id="funnel-group-municipality-' in page.text
    koebenhavn = _page_rows(page.text, "København")
    assert all(row[1:] == ["<5", "<5", "<5"] for row in koebenhavn)
    assert 'class="chart chart-bars" role="img"' in page.text and "Nåede hvert spørgsmål: Total" in page.text
    # A group with every count hidden gets no chart made only of marks.
    assert "Alle tal for denne gruppe er skjult." in page.text


def test_regions_as_of_today_put_koege_and_koebenhavn_in_east_denmark(runner, cohort_db):
    rows = json.loads(
        runner.invoke(
            args=["funnel", "--format", "json", "--no-suppress", "--region-basis", "current"]
        ).output
    )
    regions = {row["group"]: row for row in rows if row["level"] == "region"}
    assert set(regions) == {"Region Syddanmark", "Region Østdanmark"}
    east = regions["Region Østdanmark"]  # all of Køge (22 opened) and København (3)
    assert (east["opened"], east["completed"]) == (25, 18)
    assert [item["reached"] for item in east["items"]] == [25, 24, 24, 24, 18, 18, 18, 18]


def test_no_suppress_is_written_to_the_audit_log(runner, cohort_db):
    before = cohort_db.execute("SELECT COUNT(*) FROM audit WHERE action = 'report_unsuppressed'").fetchone()[
        0
    ]
    assert runner.invoke(args=["funnel", "--no-suppress"]).exit_code == 0
    rows = cohort_db.execute("SELECT detail FROM audit WHERE action = 'report_unsuppressed'").fetchall()
    assert len(rows) == before + 1
    assert json.loads(rows[-1][0])["command"] == "funnel"
    assert runner.invoke(args=["funnel"]).exit_code == 0
    assert (
        len(cohort_db.execute("SELECT detail FROM audit WHERE action = 'report_unsuppressed'").fetchall())
        == before + 1
    )


def test_a_participant_with_several_links_counts_once_by_the_one_that_came_furthest(app, cohort_db):
    from tests.worlds import rows

    questionnaire = app.extensions["questionnaires"]["csq8"]
    # KP0 (stopped at question 4) got a second link and answered two questions on it; OQ0
    # (stopped at question 2) got a second link and completed it.
    for code, scores, completed in (("KP0", [2, 2], None), ("OQ0", [4] * 8, "2026-09-10T10:00:00+02:00")):
        participant_id = cohort_db.execute("SELECT id FROM participant WHERE code = ?", [code]).fetchone()[0]
        rows.invitation(
            cohort_db,
            questionnaire,
            participant_id,
            "2026-09-01T10:00:00+02:00",
            opened="2026-09-01T11:00:00+02:00",
            completed=completed,
            scores=scores,
            total=32 if completed else None,
            nonce=f"second-{code}",
        )
    total = funnel_of(app, suppress=False).total
    assert (total.opened, total.completed) == (40, 27)
    assert [step.stopped for step in total.steps] == [1, 1, 0, 6, 0, 0, 5, 0]
    assert [step.reached for step in total.steps] == [40, 39, 38, 38, 32, 32, 32, 27]


@pytest.fixture
def feedback_app(tmp_path):
    """The app with a second questionnaire: a required yes/no question, then an optional comment."""
    import shutil
    from pathlib import Path

    from survey_app import PROJECT_ROOT, create_app

    shipped = tmp_path / "questionnaires"
    shipped.mkdir()
    shutil.copy(PROJECT_ROOT / "questionnaires" / "csq8.toml", shipped)
    feedback = Path(__file__).resolve().parent.parent / "data" / "feedback.toml"
    shutil.copy(feedback, shipped / "feedback.toml")
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "k" * 40,
            "DATABASE": str(tmp_path / "survey.db"),
            "BASE_URL": "https://ips.example.dk",
            "QUESTIONNAIRES_DIR": str(shipped),
            "QUESTIONNAIRE_OVERRIDES_DIR": str(tmp_path / "overrides"),
        }
    )


def test_a_skipped_optional_question_is_reached_but_not_answered(feedback_app, frozen):
    from survey_app import context
    from survey_app.db import connect
    from tests.worlds import rows

    questionnaire = feedback_app.extensions["questionnaires"]["feedback"]
    db = connect(feedback_app.config["DATABASE"])
    # A: yes, a comment, completed. B: yes, skipped the comment, completed. C: yes, then left.
    for code, comment, completed in (("A", "Godt", True), ("B", None, True), ("C", False, False)):
        participant_id = rows.participant(db, code, KOEGE, "2026-03-01")
        invitation_id = rows.invitation(
            db,
            questionnaire,
            participant_id,
            "2026-09-01T10:00:00+02:00",
            opened="2026-09-01T11:00:00+02:00",
            completed="2026-09-01T11:05:00+02:00" if completed else None,
            scores=[1],
        )
        if comment is not False:
            db["answer"].insert(
                {
                    "invitation_id": invitation_id,
                    "item_id": "comment",
                    "score": None,
                    "text": comment,
                    "questionnaire_version": questionnaire.version,
                    "answered_at": "2026-09-01T11:04:00+02:00",
                }
            )
    db.close()
    with feedback_app.app_context():
        query = context.report_query("feedback")
        total = reporting.funnel(context.get_db(), query, questionnaire, threshold=5, suppress=False).total
    assert (total.opened, total.completed) == (3, 2)
    assert [(step.reached, step.answered, step.stopped) for step in total.steps] == [(3, 3, 0), (3, 1, 1)]


def test_a_small_region_is_protected_inside_the_regions_and_leaves_the_total_shown(app, db, frozen):
    """Odense: 6 stopped at each question and 10 completed; København: 2 stopped at question 4 and
    3 completed. Every count of the total is 5 or more, so the total is shown in full, and
    København's small counts are protected by hiding Odense's, never the country's."""
    people = [Person(f"OO{n}", ODENSE, "2026-02-01", "opened") for n in range(6)]
    for k in range(1, 8):
        people += [Person(f"O{k}-{n}", ODENSE, "2026-02-01", "partial", answered=k) for n in range(6)]
    people += [Person(f"OA{n}", ODENSE, "2026-02-01", "completed", 30) for n in range(10)]
    people += [Person(f"HP{n}", KOEBENHAVN, "2026-02-01", "partial", answered=3) for n in range(2)]
    people += [Person(f"HA{n}", KOEBENHAVN, "2026-02-01", "completed", 30) for n in range(3)]
    build(db, app.extensions["questionnaires"]["csq8"], people)
    result = funnel_of(app, suppress=True)
    total = result.total
    # 6 + 42 + 10 in Odense and 2 + 3 in København opened; each stop is 6, question 4's 6 + 2.
    assert (total.opened, total.completed) == (63, 13)
    assert [step.stopped for step in total.steps] == [6, 6, 6, 8, 6, 6, 6, 6]
    assert [step.reached for step in total.steps] == [63, 57, 51, 45, 37, 31, 25, 19]
    hovedstaden = by_name(result, "region")["Region Hovedstaden"]
    assert hovedstaden.steps[3].stopped == disclosure.Hidden(disclosure.SMALL, "<5")
    syddanmark = by_name(result, "region")["Region Syddanmark"]
    assert disclosure.is_hidden(syddanmark.steps[3].stopped)  # else 8 - 6 would give København's 2
    for relation in _relations(result):
        assert len([value for value in relation if disclosure.is_hidden(value)]) != 1, relation
