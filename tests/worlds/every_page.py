"""The HTML check's world: the region cohort, participants at every step of the chat, and two rounds.

Built on the region cohort's ``TODAY`` (1 September 2027, frozen by the caller)
in an app that also has the short ``feedback`` questionnaire (a yes/no and a
free-text item, tests/data/feedback.toml):

- the region cohort (tests/worlds/region_cohort.py), for the evaluator's pages;
- Køge: KOGE-NEW (invited, link not opened), KOGE-PART (to answer three
  questions), KOGE-OUT (to be withdrawn by the consultant), KOGE-OLD (invited
  on 1 June 2027: the link has expired);
- Køge: KOGE-SOON (course start 1 August 2027: its follow-up is months away, so sending its link
  asks for the early-send confirmation);
- Næstved: NAES-DONE (to answer everything), NAES-TEXT (invited to the
  feedback questionnaire), NAES-WAIT (not invited yet);
- Køge's team with an open round (Efterår 2027, id 1), Næstved's with a
  closed one (Sommer 2027, id 2);
- KOGE-NEW's opt-out link.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

import time_machine

from survey_app import context
from tests.helpers import command, register_participant, set_two_teams
from tests.worlds import region_cohort

JOURNEY = {
    "KOGE-NEW": "259",  # invited, link not opened
    "KOGE-PART": "259",  # answered three questions
    "KOGE-OUT": "259",  # withdrawn by the consultant
    "KOGE-OLD": "259",  # link expired
    "NAES-DONE": "370",  # answered everything
    "NAES-TEXT": "370",  # the short questionnaire with a free-text question
    "NAES-WAIT": "370",  # not invited yet
}


def link_path(line: str, column: int) -> str:
    return urlsplit(line.strip().split("\t")[column]).path


@dataclass
class World:
    participant_ids: dict[str, int]
    links: dict[str, str]
    team_links: dict[str, str]
    opt_out: str


def build(app, runner, db) -> World:
    """A cohort for the reports, the journey's participants, and two organisation rounds."""
    ids = region_cohort.build(app, db)
    for code, municipality in JOURNEY.items():
        # KOGE-OLD's follow-up (2 May 2027) is before its link is made, so that link is not kept
        # alive to follow-up + LINK_VALID_DAYS and has expired by TODAY.
        register_participant(runner, code, municipality, "2026-11-01" if code == "KOGE-OLD" else "2027-02-01")
    register_participant(runner, "KOGE-SOON", "259", "2027-08-01")
    links = {}
    with time_machine.travel(datetime(2027, 6, 1, 10, tzinfo=region_cohort.TODAY.tzinfo), tick=False):
        links["KOGE-OLD"] = link_path(command(runner, "invite", "KOGE-OLD").stdout, 1)
    for code in ("KOGE-NEW", "KOGE-PART", "KOGE-OUT", "NAES-DONE"):
        links[code] = link_path(command(runner, "invite", code).stdout, 1)
    invited = command(runner, "invite", "NAES-TEXT", "--questionnaire", "feedback")
    links["NAES-TEXT"] = link_path(invited.stdout, 1)
    ids |= {row["code"]: row["id"] for row in db.query("SELECT id, code FROM participant")}

    # Køge's team has an open round (id 1); Næstved's round (id 2) is closed.
    set_two_teams(runner)
    team_links = {}
    for name, code in [("Efterår 2027", "259"), ("Sommer 2027", "370")]:
        opened = command(runner, "rounds", "open", name, "--deadline", "2027-10-15", "--municipality", code)
        team_links[code] = link_path(opened.stdout, 2)
    command(runner, "rounds", "close", "Sommer 2027")

    with app.test_request_context():
        opt_out = urlsplit(context.opt_out_link({"id": ids["KOGE-NEW"]})).path
    return World(ids, links, team_links, opt_out)
