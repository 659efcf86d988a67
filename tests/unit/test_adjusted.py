"""The weighting-class adjustment on hand-built cohorts whose adjusted mean is known."""

from __future__ import annotations

import pytest

from survey_app.reporting.adjusted import UNKNOWN, Person, adjusted_mean, age_band


def people(municipality, region, gender, age, eligible, scores):
    """``eligible`` people of one cell, the first ones answering with ``scores``."""
    answered = [(Person(municipality, region, gender, age, score), 1) for score in scores]
    return [*answered, (Person(municipality, region, gender, age), eligible - len(scores))]


def test_two_cells_give_the_eligible_weighted_mean_of_the_cell_means():
    # Women: 10 eligible, 2 answer (mean 25); men: 10 eligible, 5 answer (mean 10).
    cohort = people("101", "R", "female", "<30", 10, [20, 30]) + people(
        "101", "R", "male", "<30", 10, [10] * 5
    )
    result = adjusted_mean(cohort)
    assert result.mean == pytest.approx((10 * 25 + 10 * 10) / 20)  # 17.5, the plain mean is 100/7
    # Weights 5 (women) and 2 (men): (Σw)² / Σw² = 20² / (2·25 + 5·4).
    assert result.n_effective == pytest.approx(400 / 70)
    assert (result.respondents, result.eligible) == (7, 20)


def test_equal_response_rates_leave_the_mean_and_n_alone():
    cohort = people("101", "R", "female", "<30", 4, [20, 30]) + people("101", "R", "male", "<30", 2, [10])
    result = adjusted_mean(cohort)
    assert result.mean == pytest.approx(20)
    assert result.n_effective == pytest.approx(3)


def test_a_cell_without_respondent_drops_the_age_band_first():
    # Women under 30: 2 eligible, none answers -> spread over the women of the municipality (one,
    # 50+, who also stands for her own cell's 2): weight 2 + 2 = 4; the man under 30 weighs 1.
    cohort = (
        people("101", "R", "female", "<30", 2, [])
        + people("101", "R", "female", "50+", 2, [20])
        + people("101", "R", "male", "<30", 1, [30])
    )
    result = adjusted_mean(cohort)
    assert result.mean == pytest.approx((4 * 20 + 1 * 30) / 5)
    assert result.n_effective == pytest.approx(5**2 / (4**2 + 1**2))


def test_then_gender_then_the_region_not_the_whole_country():
    # Municipality 101: 2 men, no answer, and no answering man in 101 -> the municipality's woman.
    cohort = people("101", "R", "male", "<30", 2, []) + people("101", "R", "female", "<30", 1, [10])
    assert adjusted_mean(cohort).mean == pytest.approx(10)
    # Municipality 102 (no respondent at all, 3 women under 30) -> region R's women under 30,
    # i.e. 103's woman (weight 1 + 3), not 103's man nor region S's respondent.
    cohort = (
        people("102", "R", "female", "<30", 3, [])
        + people("103", "R", "female", "<30", 1, [10])
        + people("103", "R", "male", "<30", 1, [30])
        + people("201", "S", "female", "<30", 1, [40])
    )
    result = adjusted_mean(cohort)
    assert result.mean == pytest.approx((4 * 10 + 30 + 40) / 6)
    assert result.n_effective == pytest.approx(6**2 / (16 + 1 + 1))


def test_a_region_without_respondents_falls_back_to_everyone():
    cohort = people("102", "R", UNKNOWN, UNKNOWN, 2, []) + people("201", "S", "female", "<30", 2, [10, 20])
    result = adjusted_mean(cohort)
    assert result.mean == pytest.approx(15)
    assert result.n_effective == pytest.approx(2)  # two weights of 2


def test_unknown_gender_and_age_are_classes_of_their_own():
    cohort = people("101", "R", UNKNOWN, UNKNOWN, 4, [10]) + people("101", "R", "female", "<30", 1, [30])
    assert adjusted_mean(cohort).mean == pytest.approx((4 * 10 + 30) / 5)


def test_no_respondent_no_mean():
    result = adjusted_mean(people("101", "R", "female", "<30", 3, []))
    assert (result.mean, result.n_effective, result.respondents, result.eligible) == (None, None, 0, 3)


def test_age_bands_at_the_follow_up_year():
    assert age_band(1998, 2027) == "<30"
    assert age_band(1997, 2027) == "30-49"
    assert age_band(1978, 2027) == "30-49"
    assert age_band(1977, 2027) == "50+"
    assert age_band(None, 2027) == UNKNOWN
