"""95 % confidence intervals: the t quantile against closed forms and table values, the t-based
interval of a mean and Wilson's interval of a rate against the formulas worked out here."""

from __future__ import annotations

import math
import statistics as python_statistics
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from survey_app import statistics
from survey_app.statistics import Figures

P = 0.975  # the upper quantile of a two-sided 95 % interval
Z = python_statistics.NormalDist().inv_cdf(P)


def test_t_quantile_equals_the_closed_forms_for_one_two_and_four_degrees_of_freedom():
    assert statistics.t_quantile(1) == pytest.approx(math.tan(math.pi * (P - 0.5)), rel=1e-13)
    assert statistics.t_quantile(2) == pytest.approx((2 * P - 1) / math.sqrt(2 * P * (1 - P)), rel=1e-13)
    alpha = 4 * P * (1 - P)
    q = math.cos(math.acos(math.sqrt(alpha)) / 3) / math.sqrt(alpha)
    assert statistics.t_quantile(4) == pytest.approx(2 * math.sqrt(q - 1), rel=1e-13)


@pytest.mark.parametrize(
    ("df", "table"),
    [(1, 12.7062), (3, 3.1824), (5, 2.5706), (10, 2.2281), (17, 2.1098), (30, 2.0423), (120, 1.9799)],
)
def test_t_quantile_agrees_with_the_printed_table(df, table):
    assert round(statistics.t_quantile(df), 4) == table


def test_t_quantile_approaches_the_normal_quantile():
    assert statistics.t_quantile(100_000) == pytest.approx(Z, abs=1e-4)
    assert statistics.t_quantile(100_000) > Z


@given(st.integers(min_value=1, max_value=400), st.floats(min_value=0.0, max_value=50.0))
def test_the_probability_series_is_a_distribution_function(df, t):
    p = statistics.t_two_sided_probability(t, df)
    assert 0.0 <= p <= 1.0 + 1e-12
    assert statistics.t_two_sided_probability(t + 0.5, df) >= p - 1e-12


@given(st.integers(min_value=1, max_value=2000))
def test_t_quantile_inverts_the_probability(df):
    assert statistics.t_two_sided_probability(statistics.t_quantile(df), df) == pytest.approx(0.95, abs=1e-12)


def test_mean_interval_is_the_t_interval():
    scores = [20, 24, 27, 28, 30, 32]
    low, high = statistics.mean_interval(Counter(scores))
    half = statistics.t_quantile(5) * python_statistics.stdev(scores) / math.sqrt(len(scores))
    assert low == pytest.approx(python_statistics.mean(scores) - half, abs=1e-12)
    assert high == pytest.approx(python_statistics.mean(scores) + half, abs=1e-12)
    # By hand: mean 161/6 = 26.833, SD = √(92.833/5) = 4.309, t(0.975; 5) = 2.5706 (the table):
    # 26.833 ± 2.5706 × 4.309 / √6 = 26.833 ± 4.522.
    assert (round(low, 2), round(high, 2)) == (22.31, 31.36)


def test_mean_interval_needs_two_answers():
    assert statistics.mean_interval(Counter()) == (None, None)
    assert statistics.mean_interval(Counter({27: 1})) == (None, None)
    assert statistics.mean_interval(Counter({20: 3})) == (20.0, 20.0)


def wilson_by_hand(x: int, n: int) -> tuple[float, float]:
    p = x / n
    root = Z * math.sqrt(p * (1 - p) / n + Z**2 / (4 * n**2))
    return ((p + Z**2 / (2 * n) - root) / (1 + Z**2 / n), (p + Z**2 / (2 * n) + root) / (1 + Z**2 / n))


def test_wilson_for_five_of_ten_is_the_textbook_value():
    low, high = statistics.wilson_interval(5, 10)
    assert (round(low, 4), round(high, 4)) == (0.2366, 0.7634)
    assert (low, high) == pytest.approx(wilson_by_hand(5, 10), abs=1e-12)


@given(st.integers(min_value=1, max_value=5000), st.data())
def test_wilson_equals_the_formula_and_holds_the_rate(n, data):
    x = data.draw(st.integers(min_value=0, max_value=n))
    low, high = statistics.wilson_interval(x, n)
    by_hand = wilson_by_hand(x, n)
    assert low == pytest.approx(max(0.0, by_hand[0]), abs=1e-12)
    assert high == pytest.approx(min(1.0, by_hand[1]), abs=1e-12)
    assert 0.0 <= low <= x / n <= high <= 1.0


def test_wilson_at_the_ends_and_without_eligible():
    assert statistics.wilson_interval(0, 10)[0] == 0.0
    assert statistics.wilson_interval(10, 10)[1] == 1.0
    assert statistics.wilson_interval(0, 0) == (None, None)


def test_a_groups_values_carry_both_intervals():
    figure = Figures("Køge", "259", 10, 9, 8, 1, 5, Counter({20: 1, 24: 1, 27: 1, 30: 2}))
    values = figure.values()
    assert (values["rr_ci_low"], values["rr_ci_high"]) == statistics.wilson_interval(5, 10)
    assert (values["csq_ci_low"], values["csq_ci_high"]) == statistics.mean_interval(figure.scores)
    assert values["csq_ci_low"] < values["csq_mean"] < values["csq_ci_high"]


def test_rates_and_intervals_are_shown_the_danish_way():
    from survey_app import formatting
    from survey_app.reporting import disclosure

    assert formatting.rate(5 / 8) == "62,5\u00a0%"
    assert formatting.rate(0.62) == "62,0\u00a0%"  # one decimal always, never "62 %"
    assert formatting.rate(5 / 8, locale="en") == "62.5\u00a0%"
    low, high = statistics.wilson_interval(5, 10)
    assert formatting.interval(low, high, "rate") == "23,7–76,3\u00a0%"
    assert formatting.interval(25.951, 31.049) == "25,95–31,05"
    assert formatting.interval(None, None) == "–"
    hidden = disclosure.hidden(disclosure.DERIVED, 5)
    assert formatting.interval(hidden, hidden, "rate") == "–"
    assert formatting.interval(disclosure.hidden(disclosure.PROTECT, 5), 0.5) == "×"
