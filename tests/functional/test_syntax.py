"""Syntax beside the data (issue 16 item 2): ``export --syntax r|sps|do`` writes the R script, the
SPSS syntax and the Stata do-file, and the R script (under Rscript) and the SPSS syntax (under GNU
PSPP) reproduce ``report --by region --format json --no-suppress`` from the participant-level
export of the region cohort (tests/worlds/region_cohort.py: four regions, partial answers, a
region of one answer without an SD, a withdrawn and a not-yet-due participant who must not count).

Locally these tests skip when Rscript or pspp is missing; in CI (``CI=true``) they fail instead,
like the browser tests without Chromium. Stata cannot run here: its do-file is checked for the
export's columns.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess

import pytest
import time_machine

from tests.worlds import region_cohort

COLUMNS_USED = ("eligible", "region", "completed", "partial", "total")


def need(program: str, package: str) -> str:
    path = shutil.which(program)
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail(
                f"{program} is missing, and the syntax tests must run in CI (apt-get install {package})"
            )
        pytest.skip(f"{program} is not installed (apt-get install {package}); syntax test skipped locally")
    return path


@pytest.fixture
def cohort(app, db, runner):
    region_cohort.build(app, db)
    with time_machine.travel(region_cohort.TODAY, tick=False):
        result = runner.invoke(args=["report", "--by", "region", "--format", "json", "--no-suppress"])
    assert result.exit_code == 0, result.output
    return {row["group"]: row for row in json.loads(result.output)}


def export(runner, fmt, path):
    with time_machine.travel(region_cohort.TODAY, tick=False):
        result = runner.invoke(args=["export", "--level", "participant", "--format", fmt, "--out", str(path)])
    assert result.exit_code == 0, result.output
    return path


def write_syntax(runner, kind, path):
    result = runner.invoke(args=["export", "--syntax", kind, "--out", str(path)])
    assert result.exit_code == 0, result.output
    assert f"skrevet til {path}" in result.output
    return path.read_text(encoding="utf-8")


def number(text: str) -> float | None:
    text = text.strip()
    return None if text in ("NA", ".", "") else float(text)


def expected(report):
    """The report's figures in the scripts' column order."""
    return {
        group: (
            row["eligible"],
            row["completed"],
            row["response_rate"],
            row["response_rate_2"],
            row["csq_n"],
            row["csq_mean"],
            row["csq_sd"],
        )
        for group, row in report.items()
    }


def assert_close(printed, report, tolerance):
    assert list(printed) == list(report)  # the same groups in the same order, Total last
    for group, values in printed.items():
        wanted = report[group]
        assert values[0] == wanted[0] and values[1] == wanted[1] and values[4] == wanted[4], group
        for got, want in zip(values[2:4] + values[5:], wanted[2:4] + wanted[5:], strict=True):
            if want is None:
                assert got is None, group
            else:
                assert got == pytest.approx(want, abs=tolerance, rel=0), group


def test_the_report_has_what_the_scripts_must_reproduce(cohort):
    # The cohort covers each case: an SD that cannot be computed, partial answers, a rounding rate.
    assert list(cohort) == [
        "Region Nordjylland",
        "Region Sjælland",
        "Region Syddanmark",
        "Region Østdanmark",
        "Total",
    ]
    assert cohort["Region Nordjylland"]["csq_sd"] is None
    assert cohort["Total"]["eligible"] == 29 and cohort["Total"]["partial"] == 3


@pytest.mark.parametrize("fmt", ["csv", "sav", "dta"])
def test_r_script_reproduces_the_region_report(runner, cohort, tmp_path, fmt):
    rscript = need("Rscript", "r-base-core r-cran-haven")
    script = tmp_path / "tabel3.R"
    write_syntax(runner, "r", script)
    data = export(runner, fmt, tmp_path / f"deltagere.{fmt}")
    result = subprocess.run([rscript, str(script), str(data)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Tabel 3: svarprocent og CSQ-8 pr. region"
    assert lines[1].split("\t") == ["region", "eligible", "completed", "RR1", "RR2", "csq_n", "mean", "sd"]
    printed = {}
    for line in lines[2:]:
        group, eligible, completed, rr1, rr2, csq_n, mean, sd = line.split("\t")
        printed[group] = (
            int(eligible),
            int(completed),
            number(rr1),
            number(rr2),
            int(csq_n),
            number(mean),
            number(sd),
        )
    assert_close(printed, expected(cohort), 1e-9)


def uncomment_csv_reader(syntax: str) -> str:
    """What the syntax's step 2 tells an SPSS user to do for a CSV file."""
    lines, inside = [], False
    for line in syntax.splitlines():
        if line == "GET FILE=eksport.":
            line = "* " + line
        elif line.startswith("* GET DATA"):
            inside = True
        if inside:
            assert line.startswith("* ")
            inside = not line.endswith(" total F2.")
            line = line[2:]
        lines.append(line)
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("fmt", ["sav", "csv"])
def test_spss_syntax_reproduces_the_region_report_in_pspp(runner, cohort, tmp_path, fmt):
    pspp = need("pspp", "pspp")
    syntax = write_syntax(runner, "sps", tmp_path / "tabel3.sps")
    assert "FILE HANDLE eksport /NAME='deltagere.sav'." in syntax
    data = export(runner, fmt, tmp_path / f"deltagere.{fmt}")
    syntax = syntax.replace("'deltagere.sav'", f"'{data}'")
    if fmt == "csv":
        syntax = uncomment_csv_reader(syntax)
    (tmp_path / "run.sps").write_text(syntax, encoding="utf-8")
    result = subprocess.run(
        [pspp, "-O", "format=csv", str(tmp_path / "run.sps")], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "error" not in result.stdout.lower()
    table = result.stdout[result.stdout.index("Table: Data List") :].splitlines()[1:]
    rows = list(csv.reader(io.StringIO("\n".join(line for line in table if line.strip()))))
    assert rows[0] == ["gruppe", "eligible_n", "completed_n", "rr1", "rr2", "csq_n", "csq_mean", "csq_sd"]
    printed = {}
    for group, eligible, completed, rr1, rr2, csq_n, mean, sd in rows[1:]:
        # F18.10: every rate, mean and SD printed with ten decimals.
        for value in (rr1, rr2, mean, sd):
            assert value.strip() == "." or re.fullmatch(r"\d*\.\d{10}", value.strip()), value
        printed[group] = (
            int(eligible),
            int(completed),
            number(rr1),
            number(rr2),
            int(csq_n),
            number(mean),
            number(sd),
        )
    assert_close(printed, expected(cohort), 0.5e-10 + 1e-15)


def test_stata_do_file_uses_only_columns_of_the_export(runner, cohort, tmp_path):
    do_file = write_syntax(runner, "do", tmp_path / "tabel3.do")
    header = (
        export(runner, "csv", tmp_path / "deltagere.csv").read_bytes().decode("utf-8-sig").splitlines()[0]
    )
    columns = header.split(",")
    assert 'local eksport "deltagere.dta"' in do_file.splitlines()
    code = "\n".join(line for line in do_file.splitlines() if not line.startswith("*"))
    code = re.sub(r'"[^"]*"', "", code)  # string literals: the file name, "Total", the title
    for column in COLUMNS_USED:
        assert column in columns
        assert re.search(rf"\b{column}\b", code), column
    # Every other name is Stata's, or a variable the do-file makes itself.
    made = set(re.findall(r"\b(?:generate|local) (\w+)", code)) | set(re.findall(r"\b(\w+)=", code))
    stata = {
        "local",
        "use",
        "clear",
        "keep",
        "if",
        "generate",
        "missing",
        "expand",
        "replace",
        "collapse",
        "count",
        "sum",
        "mean",
        "sd",
        "by",
        "format",
        "display",
        "list",
        "noobs",
        "clean",
        "kopi",
    }
    names = set(re.findall(r"(?<![%.\w])[a-z_][a-z0-9_]*\b", code))
    assert names - stata - made <= set(columns), names - stata - made
    assert names - stata - made == set(COLUMNS_USED)


def test_syntax_and_format_are_not_both_allowed(runner, tmp_path):
    out = tmp_path / "x.R"
    result = runner.invoke(args=["export", "--syntax", "r", "--format", "csv", "--out", str(out)])
    assert result.exit_code != 0
    assert "Brug enten --format eller --syntax" in result.output
    assert not out.exists()
    result = runner.invoke(args=["export", "--out", str(out)])
    assert result.exit_code != 0
    assert "Angiv --format" in result.output


def test_the_dashboard_offers_the_three_scripts_as_downloads(login, app, db):
    from survey_app.exports.syntax import syntax_text

    evaluator = login("evaluator", ())
    page = evaluator.get("/evaluering/").text
    for kind, name in (("r", "tabel3.R"), ("sps", "tabel3.sps"), ("do", "tabel3.do")):
        assert f'href="/evaluering/eksport/syntaks/{kind}"' in page
        response = evaluator.get(f"/evaluering/eksport/syntaks/{kind}")
        assert response.status_code == 200
        assert response.headers["Content-Disposition"] == f'attachment; filename="{name}"'
        assert response.get_data(as_text=True) == syntax_text(kind)
    assert evaluator.get("/evaluering/eksport/syntaks/sas").status_code == 404
    # Other roles do not see that the page exists (as every evaluator page).
    assert login("consultant", ("259",)).get("/evaluering/eksport/syntaks/r").status_code == 404
