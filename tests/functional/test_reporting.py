"""The region report (Tabel 3 with response rates) on a cohort worked out by hand.

Today is 1 September 2027 in these tests, so the follow-up date (baseline +
26 weeks = 182 days) has passed for baselines up to 3 March 2027. Region
Sjælland became part of Region Østdanmark on 1 January 2027: Køge
participants who started in 2026 belong to Region Sjælland by their
baseline date, those who started in 2027 to Region Østdanmark.

The cohort is built by tests/worlds/region_cohort.py, whose docstring has its
table by region at baseline (totals of complete CSQ-8 responses).

By hand:
- Sjælland: mean 171/6 = 28.5; squared deviations 2.25 + 0.25 + 12.25 +
  12.25 + 2.25 + 0.25 = 29.5, SD = sqrt(29.5/5) = sqrt(5.9); median 28.5;
  RR1 = 6/9, RR2 = 7/9.
- Syddanmark: mean 174/6 = 29; squared deviations 9+4+1+0+1+25 = 40, SD = sqrt(8).
- Østdanmark: mean 110/5 = 22; squared deviations 4+4+0+16+16 = 40, SD = sqrt(10).
- Total: n = 18, sum 27 + 171 + 174 + 110 = 482, sum of squares 729 + 4903
  + 5086 + 2460 = 13178; mean 482/18; variance (18 * 13178 - 482^2) /
  (18 * 17) = 4880/306.
"""

from __future__ import annotations

import json
import math
import statistics
from datetime import UTC, datetime

import pytest
import time_machine

from survey_app import reporting
from tests.cohort import Person, build
from tests.worlds import region_cohort
from tests.worlds.region_cohort import (
    KOEGE,
    OESTDANMARK_TOTALS,
    SJAELLAND_TOTALS,
    SYDDANMARK_TOTALS,
    TODAY,
)


@pytest.fixture
def frozen():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def cohort_db(app, db, frozen):
    region_cohort.build(app, db)
    return db


def report_json(runner, *args) -> list[dict]:
    result = runner.invoke(args=["report", "--format", "json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_region_report_without_suppression_matches_the_hand_computed_figures(runner, cohort_db):
    rows = report_json(runner, "--by", "region", "--no-suppress")
    assert [row["group"] for row in rows] == [
        "Region Nordjylland",
        "Region Sjælland",
        "Region Syddanmark",
        "Region Østdanmark",
        "Total",
    ]
    by_group = {row["group"]: row for row in rows}
    counts = {
        group: [row[key] for key in ("eligible", "invited", "opened", "partial", "completed", "csq_n")]
        for group, row in by_group.items()
    }
    assert counts == {
        "Region Nordjylland": [2, 2, 1, 0, 1, 1],
        "Region Sjælland": [9, 8, 7, 1, 6, 6],
        "Region Syddanmark": [12, 10, 9, 2, 6, 6],
        "Region Østdanmark": [6, 6, 5, 0, 5, 5],
        "Total": [29, 26, 22, 3, 18, 18],
    }
    expected = {
        "Region Nordjylland": (1 / 2, 27.0, None),
        "Region Sjælland": (6 / 9, 28.5, math.sqrt(5.9)),
        "Region Syddanmark": (6 / 12, 29.0, math.sqrt(8)),
        "Region Østdanmark": (5 / 6, 22.0, math.sqrt(10)),
        "Total": (18 / 29, 482 / 18, math.sqrt(4880 / 306)),
    }
    for group, (rate, mean, sd) in expected.items():
        row = by_group[group]
        assert row["response_rate"] == pytest.approx(rate, abs=1e-12)
        assert row["csq_mean"] == pytest.approx(mean, abs=1e-12)
        if sd is None:
            assert row["csq_sd"] is None
        else:
            assert row["csq_sd"] == pytest.approx(sd, abs=1e-12)
        assert row["suppressed"] is False
    assert set(rows[0]) == {
        "group",
        "eligible",
        "invited",
        "opened",
        "partial",
        "completed",
        "response_rate",
        "csq_n",
        "csq_mean",
        "csq_sd",
        "csq_ci_low",
        "csq_ci_high",
        "rr_ci_low",
        "rr_ci_high",
        "response_rate_2",
        "csq_median",
        "suppressed",
        "hidden",
        # issue 16 item 6: the adjusted mean (null outside the total's row).
        "csq_mean_adjusted",
        "csq_n_effective",
    }


def test_an_independent_computation_agrees_to_1e_9(runner, cohort_db):
    """The same figures from the raw lists with Python's statistics module."""
    rows = {row["group"]: row for row in report_json(runner, "--by", "region", "--no-suppress")}
    everyone = [27] + SJAELLAND_TOTALS + SYDDANMARK_TOTALS + OESTDANMARK_TOTALS
    for group, totals in [
        ("Region Sjælland", SJAELLAND_TOTALS),
        ("Region Syddanmark", SYDDANMARK_TOTALS),
        ("Region Østdanmark", OESTDANMARK_TOTALS),
        ("Total", everyone),
    ]:
        assert abs(rows[group]["csq_mean"] - statistics.mean(totals)) < 1e-9
        assert abs(rows[group]["csq_sd"] - statistics.stdev(totals)) < 1e-9


def test_small_cells_are_hidden_and_cells_that_would_reveal_them_are_marked_apart(runner, cohort_db):
    rows = {row["group"]: row for row in report_json(runner, "--by", "region")}
    truth = {row["group"]: row for row in report_json(runner, "--by", "region", "--no-suppress")}
    # Nordjylland: every count is below 5, so every count says "<5".
    north = rows["Region Nordjylland"]
    assert all(
        north[key] is None for key in ("eligible", "invited", "opened", "partial", "completed", "csq_n")
    )
    assert set(north["hidden"].values()) <= {"<5", "–"} and north["suppressed"] is True
    # Sjælland: 9 eligible of whom 6 completed, so 3 did not: completed is hidden to protect the 3,
    # marked "×" (it is 6), never "<5"; the partial count (1) is "<5".
    zealand = rows["Region Sjælland"]
    assert zealand["hidden"]["completed"] == "×" and zealand["hidden"]["partial"] == "<5"
    assert zealand["response_rate"] is None
    # Every "<5" is true and every "×" is at least 5.
    for group, row in rows.items():
        for key, mark in row["hidden"].items():
            if key in ("eligible", "invited", "opened", "partial", "completed", "csq_n"):
                assert (truth[group][key] < 5) == (mark == "<5"), (group, key)
    total = rows["Total"]
    assert total["partial"] is None  # 3
    assert [total[k] for k in ("eligible", "invited", "opened", "completed", "csq_n")] == [29, 26, 22, 18, 18]
    assert total["csq_mean"] == pytest.approx(482 / 18)


def test_regions_as_of_today_merge_zealand_into_east_denmark(runner, cohort_db):
    rows = {row["group"]: row for row in report_json(runner, "--by", "region", "--region-basis", "current")}
    assert list(rows) == ["Region Nordjylland", "Region Syddanmark", "Region Østdanmark", "Total"]
    east = rows["Region Østdanmark"]
    # Østdanmark is the two clusters together, and the rest ("Uden for klynger") holds Nordjylland's
    # small counts: shown, 14 invited would give "Uden for klynger" away as 26 − 14.
    assert east["hidden"]["invited"] == "×" and east["hidden"]["opened"] == "×"
    assert east["partial"] is None  # 1
    truth = {
        row["group"]: row
        for row in report_json(runner, "--by", "region", "--region-basis", "current", "--no-suppress")
    }["Region Østdanmark"]
    assert [truth[k] for k in ("eligible", "invited", "opened", "completed", "csq_n")] == [15, 14, 12, 11, 11]
    assert truth["csq_mean"] == pytest.approx(statistics.mean(SJAELLAND_TOTALS + OESTDANMARK_TOTALS))


def test_regions_as_of_a_date_before_the_merger(app, db):
    """Before 2027, "current" and "baseline" agree: there is no Østdanmark yet."""
    with time_machine.travel(datetime(2026, 11, 1, 10, tzinfo=UTC), tick=False):
        build(
            db, app.extensions["questionnaires"]["csq8"], [Person("A", KOEGE, "2026-03-01", "completed", 30)]
        )
        runner = app.test_cli_runner()
        for basis in ("baseline", "current"):
            rows = report_json(runner, "--by", "region", "--region-basis", basis, "--no-suppress")
            assert [row["group"] for row in rows] == ["Region Sjælland", "Total"]


def test_clusters_periods_and_municipalities(runner, cohort_db):
    clusters = {row["group"]: row for row in report_json(runner, "--by", "cluster", "--no-suppress")}
    # Køge is in Sjælland Øst (S1-S3, S7, K1-K6), Næstved in Sjælland Syd (S4-S6, S8, S9).
    assert list(clusters) == ["Sjælland Syd", "Sjælland Øst", "Uden for klynger", "Total"]
    assert clusters["Sjælland Øst"]["eligible"] == 10
    assert clusters["Sjælland Øst"]["completed"] == 8
    assert clusters["Sjælland Syd"]["eligible"] == 5
    assert clusters["Uden for klynger"]["eligible"] == 14  # Odense 12 + Aalborg 2
    periods = {
        row["group"]: row["eligible"] for row in report_json(runner, "--by", "period", "--no-suppress")
    }
    assert periods == {"2026K1": 12, "2026K2": 6, "2026K3": 5, "2027K1": 6, "Total": 29}
    municipalities = report_json(runner, "--by", "municipality", "--no-suppress")
    assert [row["group"] for row in municipalities] == ["Aalborg", "Køge", "Næstved", "Odense", "Total"]


def test_baseline_filter_and_questionnaire(runner, cohort_db):
    rows = report_json(
        runner, "--by", "region", "--from", "2026-03-01", "--to", "2026-12-31", "--no-suppress"
    )
    assert {row["group"]: row["eligible"] for row in rows} == {
        "Region Nordjylland": 2,
        "Region Sjælland": 9,
        "Region Syddanmark": 6,  # O7-O12
        "Total": 17,
    }
    result = runner.invoke(args=["report", "--by", "region", "--questionnaire", "nope"])
    assert result.exit_code == 1 and "Ukendt spørgeskema" in result.output
    result = runner.invoke(args=["report", "--by", "region", "--from", "1/3/2026", "--no-suppress"])
    assert result.exit_code == 1 and "--from skal være en dato" in result.output
    # With disclosure control only whole periods: a day-level range is refused, a period works.
    result = runner.invoke(args=["report", "--by", "region", "--from", "2026-03-01"])
    assert result.exit_code == 1 and "kun bruges med --no-suppress" in result.output
    result = runner.invoke(args=["report", "--by", "region", "--period", "2026-03"])
    assert result.exit_code == 1 and "--period skal være" in result.output
    # A well-formed period that no view offers (no course starts in it have reached follow-up)
    # is refused, not shown as zeros with another period's marks.
    for period in ("2030", "2035K4", "1999H1"):
        result = runner.invoke(args=["report", "--by", "region", "--period", period])
        assert result.exit_code == 1 and f"Perioden {period} kan ikke vælges" in result.output, period
        assert "2026K1" in result.output
    rows = report_json(runner, "--by", "region", "--period", "2026", "--no-suppress")
    assert rows[-1]["group"] == "Total" and rows[-1]["eligible"] == 23
    # With disclosure control 2026's 23 may be hidden ("×", never "<5"): 2027 has only 6.
    total = report_json(runner, "--by", "region", "--period", "2026")[-1]
    assert total["eligible"] == 23 or total["hidden"]["eligible"] == "×"


def test_no_suppress_is_written_to_the_audit_log(runner, cohort_db):
    report_json(runner, "--by", "region")
    assert (
        cohort_db.execute("SELECT COUNT(*) FROM audit WHERE action = 'report_unsuppressed'").fetchone()[0]
        == 0
    )
    report_json(runner, "--by", "cluster", "--no-suppress")
    entry = cohort_db.execute(
        "SELECT actor, detail FROM audit WHERE action = 'report_unsuppressed'"
    ).fetchone()
    assert entry[0] == "cli" and json.loads(entry[1])["by"] == "cluster"


def test_table_and_csv_formats(runner, cohort_db):
    table = runner.invoke(args=["report", "--by", "region"]).output
    lines = table.splitlines()
    assert lines[0].split()[:3] == ["Gruppe", "Berettigede", "Inviteret"]
    zealand = next(line for line in lines if line.startswith("Region Sjælland"))
    assert "×" in zealand and "<5" in zealand
    assert any(line.startswith("Dansk RCT, IPS-gruppe (reference)") and "24,30" in line for line in lines)
    assert "<5: færre end 5 deltagere. ×: skjult" in table
    csv_text = runner.invoke(args=["report", "--by", "region", "--format", "csv"]).output
    header, *body = csv_text.splitlines()
    assert header.split(",")[:3] == ["group", "eligible", "invited"]
    assert body[-1].startswith("Total,29,26,22,<5,18,")
    north = body[0].split(",")
    assert north[0] == "Region Nordjylland" and north[1:6] == ["<5"] * 5 and north[-1] == "True"
    assert "×" in next(line for line in body if line.startswith("Region Sjælland"))


def test_the_report_function_gives_item_distributions(app, cohort_db):
    query = reporting.Query(questionnaire_id="csq8", as_of=TODAY.date())
    result = reporting.report(cohort_db, query, "region", items=True, suppress=False)
    east = next(group for group in result.groups if group.group == "Region Østdanmark")
    # item_scores() fills items from the first: total 20 = 4+4+4+2+1+1+1+... (8 items)
    assert sum(east.items["csq_1"].values()) == 5
    assert sum(score * n for item in east.items.values() for score, n in item.items()) == sum(
        OESTDANMARK_TOTALS
    )
