"""Mean, SD, median and suppression on hand-made counts and random data."""

from __future__ import annotations

import statistics as python_statistics
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from survey_app import statistics
from survey_app.statistics import Figures, suppress, total_of


@given(st.lists(st.integers(min_value=8, max_value=32), min_size=1, max_size=400))
def test_mean_and_median_match_pythons_statistics(scores):
    distribution = Counter(scores)
    assert abs(statistics.mean(distribution) - python_statistics.mean(scores)) < 1e-9
    assert statistics.median(distribution) == python_statistics.median(scores)


@given(st.lists(st.integers(min_value=-(10**6), max_value=10**6), min_size=2, max_size=300))
def test_sample_sd_matches_pythons_statistics(scores):
    distribution = Counter(scores)
    expected = python_statistics.stdev(scores)
    assert abs(statistics.sd(distribution) - expected) <= 1e-9 * max(1.0, expected)


def test_edge_cases():
    assert statistics.mean({}) is None
    assert statistics.sd({27: 1}) is None  # one observation: no SD (Tabel 3's "NA")
    assert statistics.sd({20: 3}) == 0.0
    assert statistics.median({8: 1, 32: 1}) == 20.0
    assert statistics.rate(3, 0) is None


def figures(group, eligible, invited, opened, partial, completed, scores=()):
    return Figures(group, group, eligible, invited, opened, partial, completed, Counter(scores))


def test_counts_below_the_threshold_and_zeros_are_hidden_with_what_follows_from_them():
    groups = [
        figures("A", 20, 18, 15, 0, 12, [30] * 12),
        figures("B", 30, 25, 20, 6, 10, [25] * 10),
        figures("C", 40, 40, 30, 5, 4, [20] * 4),
    ]
    rows = suppress(groups, total_of(groups), threshold=5)
    a, b, c, total = rows
    assert a.values["partial"] is None and "partial" in a.hidden  # 0 is below 5
    assert a.values["response_rate_2"] is None  # computed from the hidden partial
    assert a.values["response_rate"] == pytest.approx(12 / 20)
    assert c.values["completed"] is None and c.values["csq_n"] is None
    assert c.values["response_rate"] is None and c.values["csq_mean"] is None
    # C's completed (4) would follow from the total (26) minus A and B:
    # the smallest shown sibling (B: 10) is hidden as well.
    assert b.values["completed"] is None and b.values["csq_n"] is None
    assert b.values["csq_mean"] is None and b.values["response_rate"] is None
    assert a.values["completed"] == 12 and a.values["csq_mean"] == 30
    assert total.values["completed"] == 26
    assert b.values["partial"] == 6  # two hidden partial cells (A, C): nothing follows
    assert total.values["partial"] == 11
    assert not any(key in total.hidden for key in ("eligible", "completed", "csq_n"))


def test_one_group_alone_hides_the_total_too():
    groups = [figures("A", 3, 3, 2, 0, 2, [28, 30])]
    a, total = suppress(groups, total_of(groups), threshold=5)
    assert a.values["eligible"] is None and total.values["eligible"] is None
    assert total.values["csq_mean"] is None


def test_threshold_zero_shows_everything():
    groups = [figures("A", 3, 3, 2, 1, 1, [28])]
    a, total = suppress(groups, total_of(groups), threshold=0)
    assert not a.hidden and a.values["csq_mean"] == 28


def test_threshold_is_configurable():
    groups = [figures("A", 12, 11, 10, 9, 8, [30] * 8), figures("B", 40, 40, 40, 20, 20, [20] * 20)]
    a, b, total = suppress(groups, total_of(groups), threshold=10)
    assert a.values["partial"] is None and a.values["completed"] is None
    assert b.values["partial"] is None and b.values["completed"] is None  # secondary
    assert a.values["eligible"] == 12


def test_shown_distribution_hides_small_bins():
    assert statistics.shown_distribution({30: 6, 31: 2}, range(29, 33), 5) == [
        (29, None),
        (30, 6),
        (31, None),
        (32, None),
    ]


def test_complements_within_a_row_hide_the_other_part():
    """Non-response view: eligible = completed + not completed; one hidden part hides the other."""
    groups = [figures("A", 12, 12, 12, 0, 9), figures("B", 30, 30, 30, 0, 10)]
    a, b, total = suppress(
        groups,
        total_of(groups),
        threshold=5,
        counts=("eligible", "completed", "not_completed"),
        complements=(("eligible", "completed", "not_completed"),),
    )
    assert a.values["not_completed"] is None  # 3
    assert a.values["completed"] is None  # 12 - 3 would give it away
    assert a.values["eligible"] == 12
    # Column rule then hides B's completed and not completed (the only siblings).
    assert b.values["completed"] is None and b.values["not_completed"] is None
    assert total.values["completed"] == 19 and total.values["not_completed"] == 23
