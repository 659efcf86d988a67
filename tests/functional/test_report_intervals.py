"""Confidence intervals, RR2 and the median in the region report, against the hand-computed
figures of tests/worlds/region_cohort.py (see test_reporting.py's docstring), hidden with the
figures they belong to, and rates with one decimal the Danish way in the table and the CSV."""

from __future__ import annotations

import csv
import io
import json
import math
import re
import statistics

import pytest
import time_machine

from tests.worlds import region_cohort
from tests.worlds.region_cohort import OESTDANMARK_TOTALS, SJAELLAND_TOTALS, SYDDANMARK_TOTALS, TODAY

Z = statistics.NormalDist().inv_cdf(0.975)
# t(0.975; df) from the printed table, enough for two decimals of these intervals.
T_TABLE = {4: 2.776445105, 5: 2.570581836, 17: 2.109815578}


@pytest.fixture
def cohort_db(app, db):
    with time_machine.travel(TODAY, tick=False):
        region_cohort.build(app, db)
        yield db


def report_json(runner, *args) -> list[dict]:
    result = runner.invoke(args=["report", "--format", "json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def wilson(x: int, n: int) -> tuple[float, float]:
    p = x / n
    centre = (p + Z**2 / (2 * n)) / (1 + Z**2 / n)
    half = Z / (1 + Z**2 / n) * math.sqrt(p * (1 - p) / n + Z**2 / (4 * n**2))
    return centre - half, centre + half


def t_interval(scores: list[int]) -> tuple[float, float]:
    half = T_TABLE[len(scores) - 1] * statistics.stdev(scores) / math.sqrt(len(scores))
    return statistics.mean(scores) - half, statistics.mean(scores) + half


def test_intervals_rr2_and_median_match_the_formulas(runner, cohort_db):
    rows = {row["group"]: row for row in report_json(runner, "--by", "region", "--no-suppress")}
    everyone = [27] + SJAELLAND_TOTALS + SYDDANMARK_TOTALS + OESTDANMARK_TOTALS
    cases = {
        # group: (completed, partial, eligible, totals)
        "Region Sjælland": (6, 1, 9, SJAELLAND_TOTALS),
        "Region Syddanmark": (6, 2, 12, SYDDANMARK_TOTALS),
        "Region Østdanmark": (5, 0, 6, OESTDANMARK_TOTALS),
        "Total": (18, 3, 29, everyone),
    }
    for group, (completed, partial, eligible, totals) in cases.items():
        row = rows[group]
        assert (row["rr_ci_low"], row["rr_ci_high"]) == pytest.approx(wilson(completed, eligible), abs=1e-12)
        assert (row["csq_ci_low"], row["csq_ci_high"]) == pytest.approx(t_interval(totals), abs=1e-8)
        assert row["response_rate_2"] == pytest.approx((completed + partial) / eligible, abs=1e-12)
        assert row["csq_median"] == statistics.median(totals)
    # Sjælland by hand: 28.5 ± 2.5706 × √5.9 / √6 = 28.5 ± 2.549; Wilson 6/9 = 0.354 … 0.879.
    zealand = rows["Region Sjælland"]
    assert (round(zealand["csq_ci_low"], 2), round(zealand["csq_ci_high"], 2)) == (25.95, 31.05)
    assert (round(zealand["rr_ci_low"], 3), round(zealand["rr_ci_high"], 3)) == (0.354, 0.879)
    # One complete response: a mean but no interval (Tabel 3's "NA" for the SD).
    north = rows["Region Nordjylland"]
    assert north["csq_mean"] == 27 and north["csq_ci_low"] is None and north["csq_ci_high"] is None


def test_an_interval_is_hidden_whenever_its_figure_is(runner, cohort_db):
    rows = report_json(runner, "--by", "region")
    pairs = {
        "response_rate": ("rr_ci_low", "rr_ci_high"),
        "csq_sd": ("csq_ci_low", "csq_ci_high"),
        "csq_mean": ("csq_ci_low", "csq_ci_high"),
    }
    seen_hidden = 0
    for row in rows:
        for figure, interval in pairs.items():
            if row[figure] is None and figure in row["hidden"]:
                seen_hidden += 1
                for key in interval:
                    assert row[key] is None and key in row["hidden"], (row["group"], key)
        for key in ("rr_ci_low", "rr_ci_high", "csq_ci_low", "csq_ci_high", "response_rate_2", "csq_median"):
            if key in row["hidden"]:
                assert row[key] is None, (row["group"], key)
    assert seen_hidden >= 2  # Nordjylland and Sjælland hide their rates
    zealand = next(row for row in rows if row["group"] == "Region Sjælland")
    assert zealand["response_rate"] is None and zealand["hidden"]["rr_ci_low"] == "–"
    assert zealand["response_rate_2"] is None
    # The total is shown, so are its intervals.
    total = rows[-1]
    assert total["rr_ci_low"] == pytest.approx(wilson(18, 29)[0], abs=1e-12)
    assert total["csq_ci_high"] is not None and "csq_ci_high" not in total["hidden"]


def test_the_table_and_the_csv_show_rates_with_one_decimal_and_intervals_the_danish_way(runner, cohort_db):
    # Total: 18 of 29 = 62,07 %, Wilson 44,0–77,3 %; mean 482/18 = 26,78 ± t(17) × SD / √18.
    low, high = wilson(18, 29)
    everyone = [27] + SJAELLAND_TOTALS + SYDDANMARK_TOTALS + OESTDANMARK_TOTALS
    mean_low, mean_high = t_interval(everyone)
    rate_text = f"{low * 100:.1f}–{high * 100:.1f}\u00a0%".replace(".", ",")
    mean_text = f"{mean_low:.2f}–{mean_high:.2f}".replace(".", ",")
    assert rate_text == "44,0–77,3\u00a0%"
    table = runner.invoke(args=["report", "--by", "region"]).output.splitlines()
    assert table[0].split()[6:12] == ["Svarprocent", "KI", "N", "Gns.", "KI", "SD"]
    total = next(line for line in table if line.startswith("Total"))
    assert total.split("  ")[-1].strip() == "3,99"
    assert "62,1\u00a0%" in total and rate_text in total and mean_text in total
    north = next(line for line in table if line.startswith("Region Nordjylland"))
    assert "%" not in north and "," not in north  # every rate, mean and interval hidden
    csv_text = runner.invoke(args=["report", "--by", "region", "--format", "csv"]).output
    header, *body = list(csv.reader(io.StringIO(csv_text)))
    assert header[-7:] == [
        "csq_ci_low",
        "csq_ci_high",
        "rr_ci_low",
        "rr_ci_high",
        "response_rate_2",
        "csq_median",
        "suppressed",
    ]
    cells = dict(zip(header, body[-1], strict=True))
    assert cells["response_rate"] == "62,1\u00a0%"
    assert (cells["rr_ci_low"], cells["rr_ci_high"]) == ("44,0\u00a0%", "77,3\u00a0%")
    assert (cells["csq_ci_low"], cells["csq_ci_high"]) == tuple(mean_text.split("–"))
    assert cells["csq_mean"] == "26,78" and cells["csq_median"] == "27,5"
    assert cells["response_rate_2"] == "–"  # the total's partial count (3) is hidden
    zealand = dict(zip(header, body[1], strict=True))
    assert zealand["rr_ci_low"] == zealand["csq_ci_high"] == "–"
    unsuppressed = runner.invoke(args=["report", "--by", "region", "--format", "csv", "--no-suppress"]).output
    header, *body = list(csv.reader(io.StringIO(unsuppressed)))
    assert dict(zip(header, body[-1], strict=True))["response_rate_2"] == "72,4\u00a0%"  # 21 / 29


def test_the_printable_report_shows_the_intervals_and_one_decimal_rates(app, db, login):
    from tests.functional.test_evaluator_pages import cells

    with time_machine.travel(TODAY, tick=False):
        region_cohort.build(app, db)
        client = login("evaluator", ())
        page = client.get("/evaluering/kommune/461").text  # Odense
    assert "95-procents konfidensinterval" in page and ">KI<" in page
    assert cells(page, "Hele landet") == [
        "29",
        "18",
        "62,1\xa0%",
        "44,0–77,3\xa0%",
        "18",
        "26,78",
        "24,79–28,76",
        "3,99",
    ]
    odense = cells(page, "Odense")
    # Hidden with its figure: where the rate (or the SD) is hidden, its interval shows the mark.
    if odense[2] in ("–", "×", "<5"):
        assert odense[3] in ("–", "×", "<5")
    if odense[7] in ("–", "×", "<5"):
        assert odense[6] in ("–", "×", "<5")
    breakdown = page.split('id="months-title"', 1)[1]
    rates = re.findall(r"\d+(?:,\d+)?\xa0%", breakdown)
    assert all(re.fullmatch(r"\d+,\d\xa0%", rate) for rate in rates)  # this cohort hides most of them
    with app.test_request_context("/evaluering/"):
        # The pages' rate filter (the breakdown and the chart used none before): one decimal.
        assert app.jinja_env.filters["percent_cell"](0.62) == "62,0\xa0%"
