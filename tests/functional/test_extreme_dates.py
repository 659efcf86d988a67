"""Dates no form lets through, written straight into the database, take no page or command down.

The checks on input (test_date_bounds.py) keep new nonsense out, but a
database may hold it anyway: rows from before the checks, a restore, a
hand-made fix. A course start in 9999 has no follow-up date (year 10000
does not exist), a text such as ``31-12-9999`` is no date to SQLite, an
expiry at 9999-12-31 23:59 UTC is in year 10000 in Danish time. Every page
of every role and every command must still answer, without a 500 and
without a traceback.

The world is the attack tests' (Køge and Næstved, links, a round, a
fidelity review, a session per role), with its dates then made extreme
(``with_extreme_dates`` in tests/worlds/every_role.py).
"""

from __future__ import annotations

import json
import re
import traceback

import pytest
import time_machine

from survey_app import PROJECT_ROOT, reporting
from survey_app.questionnaires import load_file
from tests.functional import test_attack as attack
from tests.worlds import every_role
from tests.worlds.every_role import EXTREME_BASELINES

ORGANISATION = PROJECT_ROOT / "questionnaires" / "organisation.toml"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    # Built on a fixed day, inside the SMS window: what is due, expired or open depends on it.
    with time_machine.travel("2026-11-25 10:00 +01:00", tick=True):
        world = every_role.with_extreme_dates(tmp_path_factory.mktemp("extreme"))
        yield world
    world.close()


@pytest.fixture
def w(world):
    """The world, its clock running on from the day it was built (a signed session from the future is void)."""
    world.restore()
    yield world
    world.restore()


def participant_ids(w) -> dict[str, int]:
    return dict(w.db.execute("SELECT code, id FROM participant").fetchall())


def get_paths(w) -> list[tuple[str, str]]:
    """(role, path) for every GET route that role may use, and each participant's own pages."""
    paths = []
    rules = sorted(w.app.url_map.iter_rules(), key=lambda rule: (rule.endpoint, rule.rule))
    for rule in rules:
        if rule.endpoint not in attack.EXPECTED or "GET" not in rule.methods or rule.endpoint == "static":
            continue
        for role in attack.ROLES:
            if attack.expected_outcome(rule.endpoint, "GET", role) == attack.OK:
                paths.append((role, attack.path_for(w, rule)))
    for participant_id in participant_ids(w).values():
        for suffix in ("", "/ret", "/qr", "/qr?brev=1"):
            paths.append(("consultant_a", f"/konsulent/deltagere/{participant_id}{suffix}"))
    # The evaluator's views in each grouping, period and basis.
    for query in (
        "?by=cluster",
        "?by=municipality",
        "?by=period",
        "?region_basis=current",
        "?start=2000-01-01&end=2030-12-31",
    ):
        paths.append(("evaluator", "/evaluering/" + query))
    return paths


def test_every_page_of_every_role_answers(w):
    failures = []
    for role, path in get_paths(w):
        try:
            response = w.client(role).get(path)
        except Exception:  # noqa: BLE001  (testing mode re-raises: report every crash at once)
            failures.append(f"{role} GET {path}: {traceback.format_exc(limit=-3)}")
            continue
        if response.status_code >= 500:
            failures.append(f"{role} GET {path}: {response.status_code}")
    assert failures == [], "\n".join(failures)


COMMANDS = [
    ["send-due", "--dry-run"],
    ["outbox"],
    ["outbox", "--format", "json"],
    ["purge-contacts", "--dry-run"],
    ["rounds", "status", "Forår"],
    ["teams", "list"],
    ["users", "list"],
    ["invite", "KOGE-X9999"],
    ["invite", "KOGE-XTEXT"],
    ["invite", "KOGE-A1", "KOGE-B2"],
    ["participants", "withdraw", "KOGE-X0001"],
    ["participants", "add", "KOGE-NY", "--municipality", "259", "--baseline", "2026-01-01", "--consent"],
    ["send-due"],
]


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_every_command_answers(w, args):
    result = w.runner.invoke(args=args)
    assert result.exception is None or isinstance(result.exception, SystemExit), "".join(
        traceback.format_exception(result.exception)
    )
    assert "Traceback" not in result.output


@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
@pytest.mark.parametrize(
    "by",
    reporting.GROUPINGS + reporting.service_groupings(reporting.organisation_items(load_file(ORGANISATION))),
)
def test_every_report_answers(w, by, fmt):
    result = w.runner.invoke(args=["report", "--by", by, "--format", fmt])
    assert result.exception is None or isinstance(result.exception, SystemExit), "".join(
        traceback.format_exception(result.exception)
    )
    if fmt == "json" and result.exit_code == 0:
        json.loads(result.stdout)


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "sav", "dta"])
def test_every_export_answers(w, fmt, tmp_path):
    result = w.runner.invoke(args=["export", "--format", fmt, "--out", str(tmp_path / f"data.{fmt}")])
    assert result.exception is None or isinstance(result.exception, SystemExit), "".join(
        traceback.format_exception(result.exception)
    )
    assert result.exit_code == 0, result.output


def test_the_consultant_sees_the_stored_dates_and_no_follow_up_where_there_is_none(w):
    """Content, not just a status: an impossible course start is shown as stored, with no due date."""
    client = w.client("consultant_a")
    ids = participant_ids(w)
    listing = client.get("/konsulent/deltagere").text
    assert all(code in listing for code in [*EXTREME_BASELINES, "KOGE-A1", "KOGE-B2"])
    text = client.get(f"/konsulent/deltagere/{ids['KOGE-XTEXT']}").text
    assert "<dd>31-12-9999</dd>" in text  # the course start as stored
    assert "<dd>–</dd>" in text  # no follow-up date
    assert "Ikke forfalden endnu" in text
    # The edit form leaves the unreadable course start for the consultant to type anew.
    edit = client.get(f"/konsulent/deltagere/{ids['KOGE-XTEXT']}/ret").text
    baseline_input = re.search(r'<input[^>]*id="baseline"[^>]*>', edit).group(0)
    assert 'value=""' in baseline_input or "value=" not in baseline_input, baseline_input
    # The link that expires at the very end of 9999 (UTC) names that day.
    welcome = w.client("anonymous").get(w.links["KOGE-A1"])
    assert welcome.status_code == 200 and "9999" in welcome.text


def test_send_due_invites_no_one_whose_course_start_gives_no_follow_up(w):
    result = w.runner.invoke(args=["send-due"])
    assert result.exception is None or isinstance(result.exception, SystemExit)
    invited = {
        row[0]
        for row in w.db.execute(
            "SELECT code FROM participant JOIN invitation ON invitation.participant_id = participant.id"
        )
    }
    assert not invited & {"KOGE-X9999", "KOGE-XTEXT", "KOGE-XEMPTY"}
    assert "KOGE-X0001" in invited  # year 1 + 26 weeks is long past: due, like any other
