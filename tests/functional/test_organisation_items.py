"""A question added to the organisation questionnaire needs no Python change: with a seventh yes/no
question in a copy of ``organisation.toml`` it is asked in the team's chat, shown on the evaluator's
round page and in its CSV, and is a report grouping (``report --by org-item-7``)."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from datetime import date, datetime

import pytest
import time_machine

from survey_app import PROJECT_ROOT, clock, create_app
from tests.helpers import csrf_token, register_participant

SEVENTH = "Har IPS-teamet en fast aftale om supervision med en IPS-kyndig?"
SEVENTH_ITEMS = f'''
[[items]]
id = "org_7"
type = "yesno"
text = {{ da = "{SEVENTH}", en = "Does the IPS team have a standing agreement on supervision?" }}

[[items]]
id = "org_7_comment"
type = "text"
required = false
text = {{ da = "Kommentar til spørgsmålet om supervision (frivillig)", en = "Comment on supervision (optional)" }}
'''
TEAM_LINK = re.compile(r"https://ips\.example\.dk(/team/[\w.-]+)")
# Køge's team answers Ja to the new question, Næstved's Nej; both Ja to the other six.
ANSWERS = {"259": 1, "370": 2}


@pytest.fixture(autouse=True)
def _spring_2099():
    with time_machine.travel(datetime(2099, 4, 1, 10, tzinfo=clock.LOCAL_TZ), tick=True):
        yield


@pytest.fixture
def app(tmp_path):
    shipped = tmp_path / "questionnaires"
    shutil.copytree(PROJECT_ROOT / "questionnaires", shipped)
    organisation = (shipped / "organisation.toml").read_text(encoding="utf-8")
    before_other = organisation.index('[[items]]\nid = "org_other"')
    (shipped / "organisation.toml").write_text(
        organisation[:before_other] + SEVENTH_ITEMS.lstrip() + "\n" + organisation[before_other:],
        encoding="utf-8",
    )
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


def invoke(runner, *args) -> str:
    result = runner.invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def answer_the_round(app, link: str, seventh: int) -> list[str]:
    """Answer every question through the chat without JavaScript; returns the questions asked."""
    client = app.test_client()
    welcome = client.get(link)
    client.post(link, data={"csrf_token": csrf_token(welcome.text)})
    page = client.get("/team/svar").text
    asked = []
    while match := re.search(r'name="item" value="([\w]+)"', page):
        item = match.group(1)
        asked.append(item)
        data = {"csrf_token": csrf_token(page), "item": item}
        if item.endswith("comment") or item == "org_other":
            data["skip"] = "1"
        else:
            data["value"] = str(seventh if item == "org_7" else 1)
        response = client.post("/team/svar", data=data)
        assert response.status_code == 303, response.text
        page = client.get(response.location).text
        if len(asked) > 20:
            break
    assert "Alle" in page or "Tak" in page, page
    return asked


def test_a_seventh_question_is_asked_shown_exported_and_reported(app, runner, login):
    for code in ANSWERS:
        invoke(runner, "teams", "set", code, "--email", f"ips{code}@example.dk")
    opened = invoke(
        runner, "rounds", "open", "Forår 2099", "--questionnaire", "organisation", "--deadline", "2099-06-01"
    )
    links = {
        line.split("\t")[0]: TEAM_LINK.search(line).group(1) for line in opened.splitlines() if "\t" in line
    }
    for code, seventh in ANSWERS.items():
        asked = answer_the_round(app, links[code], seventh)
        assert asked.index("org_7") == asked.index("org_6_comment") + 1  # in the questionnaire's order
        assert "org_7_comment" in asked

    evaluator = login("evaluator")
    page = evaluator.get("/evaluering/organisation/1").text
    assert SEVENTH in page
    koege = re.search(r'<th scope="row">Køge</th>(.*?)</tr>', page, re.S).group(1)
    assert re.findall(r'<td class="num">(Ja|Nej|–)</td>', koege) == ["Ja"] * 7
    naestved = re.search(r'<th scope="row">Næstved</th>(.*?)</tr>', page, re.S).group(1)
    assert re.findall(r'<td class="num">(Ja|Nej|–)</td>', naestved) == ["Ja"] * 6 + ["Nej"]

    exported = evaluator.get("/evaluering/organisation/1/svar.csv")
    rows = list(csv.DictReader(io.StringIO(exported.data.decode("utf-8-sig"))))
    assert {row["kommune"]: row["org_7"] for row in rows} == {"Køge": "1", "Næstved": "2"}
    assert all(row["org_6"] == "1" for row in rows)

    # Two participants in Køge, one in Næstved, all past their follow-up date.
    for code, municipality in [("K-1", "259"), ("K-2", "259"), ("N-1", "370")]:
        register_participant(runner, code, municipality, date(2098, 3, 1).isoformat())
    report = json.loads(invoke(runner, "report", "--by", "org-item-7", "--format", "json", "--no-suppress"))
    eligible = {row["group"]: row["eligible"] for row in report}
    assert eligible == {"Ja": 2, "Nej": 1, "Total": 3}
    # The other questions stay groupings too, and there is no eighth.
    sixth = json.loads(invoke(runner, "report", "--by", "org-item-6", "--format", "json", "--no-suppress"))
    assert {row["group"]: row["eligible"] for row in sixth} == {"Ja": 3, "Total": 3}
    wrong = runner.invoke(args=["report", "--by", "org-item-8"])
    assert wrong.exit_code == 1 and "org-item-7" in wrong.output and "org-item-8" in wrong.output

    associations = evaluator.get("/evaluering/sammenhaenge").text
    assert SEVENTH in associations
