"""Attacks on the published figures: differencing, solving tables, and the truth of every mark.

An attacker reads every view the product offers (each grouping, each offered
period) and tries, with rules written here independently of the app's own
engine: sums and differences of rows and columns, the parts of a row, a
question's options adding up to its N, N × mean, and nested periods.
"""

from __future__ import annotations

import random
from datetime import date

import numpy as np
import pytest
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from survey_app import clock, reporting
from survey_app.reporting import cube
from survey_app.reporting.disclosure import Hidden
from tests.cohort import Person, build

pytestmark = pytest.mark.slow  # the everyday run (README) leaves these out

TODAY = date(2026, 12, 1)
MUNICIPALITIES = ["259", "269", "370", "461", "101", "751", "851"]
COUNTS = ("eligible", "invited", "opened", "partial", "completed", "not_completed", "csq_n")


def _people(seed: int, size: int) -> list[Person]:
    rng = random.Random(seed)
    people = []
    for number in range(size):
        state = rng.choice(["eligible", "invited", "opened", "partial", "completed", "completed"])
        baseline = date.fromordinal(TODAY.toordinal() - rng.randint(185, 640))
        people.append(
            Person(
                code=f"R{seed}-{number}",
                municipality=rng.choice(MUNICIPALITIES),
                baseline=baseline.isoformat(),
                state=state,
                total=rng.randint(14, 32) if state == "completed" else None,
                answered=rng.randint(1, 7),
            )
        )
    return people


def _views(app, db, by):
    questionnaire = app.extensions["questionnaires"]["csq8"]
    query = reporting.Query(questionnaire_id="csq8", as_of=TODAY)
    solved = reporting.protected(db, query, by, threshold=5, questionnaire=questionnaire)
    truth = reporting.protected(db, query, by, threshold=0, questionnaire=questionnaire)

    def view(period, cube, **more):
        return reporting.report(
            db,
            reporting.Query("csq8", TODAY, period=period),
            by,
            questionnaire=questionnaire,
            items=True,
            cube=cube,
            **more,
        )

    # The truth is read through the same rows, with the same threshold, from the unsolved cube.
    return {period: (view(period, solved), view(period, truth, threshold=5)) for period in solved.periods}


def _check_view(shown, real):
    rows = list(zip(shown.rows, real.rows, strict=True))
    # 1. Every mark is true: "<5" only on counts below 5, "×" only on counts of 5 or more.
    for row, true_row in rows:
        for key in COUNTS:
            value = row.values[key]
            if isinstance(value, Hidden):
                assert (value.text == "<5") == (true_row.values[key] < 5), (row.values["group"], key)
                assert value.text in ("<5", "×")
            else:
                assert value == true_row.values[key]
    # 2. No relation with exactly one hidden term: columns (groups add up to the total)...
    for key in COUNTS:
        cells = [row.values[key] for row, _ in rows]
        assert sum(isinstance(value, Hidden) for value in cells) != 1, key
    # ... and rows (eligible = completed + not completed).
    for row, _ in rows:
        parts = [row.values[k] for k in ("eligible", "completed", "not_completed")]
        assert sum(isinstance(value, Hidden) for value in parts) != 1, row.values["group"]
        # opened >= completed + partial: a hidden partial must not be pinned to 0.
        known = not isinstance(row.values["opened"], Hidden) and not isinstance(
            row.values["completed"], Hidden
        )
        if isinstance(row.values["partial"], Hidden) and known:
            assert row.values["opened"] - row.values["completed"] > 0
    # 3. N × mean: the total of group sums must not give a single hidden group's sum.
    means = [row.values["csq_mean"] for row, _ in rows]
    assert sum(isinstance(value, Hidden) for value in means) != 1 or all(isinstance(v, Hidden) for v in means)
    # 4. Each question: options add up to N; the mean goes with the distribution.
    for item_row in shown.item_rows:
        options = [value for _, value in item_row["options"]]
        hidden = sum(isinstance(value, Hidden) for value in options)
        n_hidden = isinstance(shown.total.values["csq_n"], Hidden)
        assert hidden != 1 or n_hidden
        if hidden:
            assert isinstance(item_row["mean"], Hidden)
    bins = [value for _, value in shown.scores]
    assert sum(isinstance(value, Hidden) for value in bins) != 1 or isinstance(
        shown.total.values["csq_n"], Hidden
    )


def _linear_attack(shown):
    """Solve every equation of one view jointly (numpy ranks): no hidden cell may be determined.

    Unknowns: hidden counts, and the score sums (N × mean) and sums of squares
    ((N - 1) SD² + N mean²) of rows whose mean is hidden. Equations: groups add up
    to the total in every column; eligible = completed + not completed; the
    histogram's bins add up to N, N × mean and the sum of squares; each question's
    options add up to N and to its sum of scores, and those sums to the total's.
    """
    index: dict = {}
    equations = []  # (coefficients by unknown, constant): Σ coefficient × unknown = constant

    def term(key, value):
        if isinstance(value, Hidden) or value is None:
            index.setdefault(key, len(index))
            return key, None
        return key, value

    def equation(terms):
        coefficients, constant = {}, 0.0
        for coefficient, (key, value) in terms:
            if value is None:
                coefficients[key] = coefficients.get(key, 0) + coefficient
            else:
                constant -= coefficient * value
        if coefficients:
            equations.append((coefficients, constant))

    def sums(row, name):
        values = row.values
        n, mean, sd = values["csq_n"], values["csq_mean"], values["csq_sd"]
        if any(isinstance(v, Hidden) or v is None for v in (n, mean)):
            return term((name, "S"), None), term((name, "Q"), None)
        square = (
            (n - 1) * sd * sd + n * mean * mean if sd is not None and not isinstance(sd, Hidden) else None
        )
        return term((name, "S"), n * mean), term((name, "Q"), square)

    rows = shown.rows
    cells = {}
    for number, row in enumerate(rows):
        name = "T" if number == len(rows) - 1 else number
        for key in COUNTS:
            cells[(name, key)] = term((name, key), row.values[key])
        cells[(name, "S")], cells[(name, "Q")] = sums(row, name)
        equation(
            [
                (1, cells[(name, "eligible")]),
                (-1, cells[(name, "completed")]),
                (-1, cells[(name, "not_completed")]),
            ]
        )
    for key in (*COUNTS, "S", "Q"):
        equation([(-1, cells[("T", key)])] + [(1, cells[(number, key)]) for number in range(len(rows) - 1)])
    if shown.scores:
        bins = [(low, high, term(("bin", low), value)) for (low, high), value in shown.scores]
        equation([(-1, cells[("T", "csq_n")])] + [(1, b) for _, _, b in bins])
        if all(low == high for low, high, _ in bins):
            # One score per column: the columns also give N × mean and the sum of squares.
            equation([(-1, cells[("T", "S")])] + [(low, b) for low, _, b in bins])
            equation([(-1, cells[("T", "Q")])] + [(low * low, b) for low, _, b in bins])
    item_sums = []
    for item_row in shown.item_rows:
        item_id = item_row["item"].id
        options = [(o.score, term(("item", item_id, o.score), v)) for o, v in item_row["options"]]
        n = shown.total.values["csq_n"]
        mean = item_row["mean"]
        item_sum = term(
            ("isum", item_id), None if isinstance(mean, Hidden) or isinstance(n, Hidden) else n * mean
        )
        item_sums.append(item_sum)
        equation([(-1, cells[("T", "csq_n")])] + [(1, c) for _, c in options])
        equation([(-1, item_sum)] + [(s, c) for s, c in options])
    if item_sums:
        equation([(-1, cells[("T", "S")])] + [(1, s) for s in item_sums])
    if not index or not equations:
        return []
    matrix = np.zeros((len(equations), len(index)))
    for row_number, (coefficients, _) in enumerate(equations):
        for key, coefficient in coefficients.items():
            matrix[row_number, index[key]] = coefficient
    rank = np.linalg.matrix_rank(matrix)
    determined = []
    for key, column in index.items():
        unit = np.zeros((1, len(index)))
        unit[0, column] = 1
        if np.linalg.matrix_rank(np.vstack([matrix, unit])) == rank:
            determined.append(key)
    return determined


def _check_nested(views):
    for period, (shown, _) in views.items():
        for outer in cube.ancestors(period):
            outer_rows = {row.values["group"]: row for row in views[outer][0].rows}
            for row in shown.rows:
                other = outer_rows.get(row.values["group"])
                if other is None:
                    continue
                for key in COUNTS:
                    a, b = other.values[key], row.values[key]
                    if isinstance(a, Hidden) or isinstance(b, Hidden):
                        continue
                    assert not 0 < a - b < 5, (period, outer, row.values["group"], key, a, b)


@pytest.mark.parametrize("by", ["region", "municipality", "period"])
def test_no_view_gives_a_hidden_cell_away(app, db, by):
    build(db, app.extensions["questionnaires"]["csq8"], _people(7, 160))
    with app.app_context():
        views = _views(app, db, by)
    for shown, real in views.values():
        _check_view(shown, real)
        assert _linear_attack(shown) == []
    _check_nested(views)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), size=st.integers(5, 90))
def test_random_cohorts_keep_every_hidden_cell(app, seed, size):
    from survey_app.db import connect

    database = connect(app.config["DATABASE"])
    try:
        database.execute("DELETE FROM answer")
        database.execute("DELETE FROM invitation")
        database.execute("DELETE FROM participant")
        database.conn.commit()
        build(database, app.extensions["questionnaires"]["csq8"], _people(seed, size))
        with app.app_context():
            for by in ("region", "municipality"):
                views = _views(app, database, by)
                for shown, real in views.values():
                    _check_view(shown, real)
                    assert _linear_attack(shown) == []
                _check_nested(views)
    finally:
        database.close()


def test_one_day_apart_filters_are_not_offered(app, login):
    """The attack of issue 13: ?end=2025-10-24 against ?end=2025-10-23 gave one participant away."""
    client = login("evaluator", ())
    # One frozen moment for both: the pages' CSRF tokens carry the second they were made.
    with time_machine.travel(clock.now(), tick=False):
        page = client.get("/evaluering/?end=2025-10-24").text
        other = client.get("/evaluering/?end=2025-10-23").text
    assert page == other.replace("2025-10-23", "2025-10-24")
    assert 'name="end"' not in page and 'name="start"' not in page


def test_the_protected_figures_are_the_true_figures_where_shown(app, db):
    """The cube's own passes (geography, the questions' answers) give the same figures as the plain
    per-grouping queries, for every group, period and question."""
    build(db, app.extensions["questionnaires"]["csq8"], _people(11, 120))
    questionnaire = app.extensions["questionnaires"]["csq8"]
    with app.app_context():
        for by in ("region", "cluster", "municipality", "period"):
            solved = reporting.protected(
                db, reporting.Query("csq8", TODAY), by, threshold=5, questionnaire=questionnaire
            )
            for period in solved.periods:
                query = reporting.Query("csq8", TODAY, period=period)
                shown = reporting.report(db, query, by, questionnaire=questionnaire, items=True, cube=solved)
                plain = reporting.report(
                    db, query, by, questionnaire=questionnaire, items=True, suppress=False
                )
                plain_rows = {row.values["group"]: row for row in plain.rows}
                for row in shown.rows:
                    other = plain_rows.get(row.values["group"])
                    for key in COUNTS:
                        if not isinstance(row.values[key], Hidden):
                            assert row.values[key] == (other.values[key] if other else 0), (by, period, key)
                for mine, theirs in zip(shown.item_rows, plain.item_rows, strict=True):
                    for (_, value), (_, true) in zip(mine["options"], theirs["options"], strict=True):
                        assert isinstance(value, Hidden) or value == true
                true_scores = {score: n for (score, _), n in plain.scores}
                for (low, high), value in shown.scores:
                    true = sum(true_scores[score] for score in range(low, high + 1))
                    assert isinstance(value, Hidden) or value == true
