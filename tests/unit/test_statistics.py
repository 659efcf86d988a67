"""Mean, SD and median on hand-made counts and random data."""

from __future__ import annotations

import statistics as python_statistics
from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from survey_app import statistics
from survey_app.statistics import Figures


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
