"""Organisation rounds: opening by command and admin page, the team's link and chat, changes,
closing, e-mails and reminders through send-due, and the evaluator's view and CSV."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, timedelta

import pytest
import time_machine

from survey_app import PROJECT_ROOT, clock, links, rounds
from survey_app.audit import SEED
from survey_app.questionnaires import load_file
from tests.helpers import csrf_token

ORG = load_file(PROJECT_ROOT / "questionnaires" / "organisation.toml")
TEAM_LINK = re.compile(r"https://ips\.example\.dk(/team/[\w.-]+)")
# Yes/no answers of a full response; comments are given for two of them.
YES_NO = {"org_1": 1, "org_2": 1, "org_3": 2, "org_4": 2, "org_5": 1, "org_6": 2}
COMMENTS = {"org_2_comment": "Sammen med virksomhedskonsulenterne", "org_other": "Ny leder fra marts"}


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=clock.LOCAL_TZ)


@pytest.fixture(autouse=True)
def _spring_2099():
    """Rounds are opened in spring 2099 (deadlines within two years), unless a test travels itself."""
    with time_machine.travel(at(date(2099, 4, 1)), tick=True):
        yield


@pytest.fixture
def set_team(runner):
    def set_contact(code, email, *extra):
        result = runner.invoke(args=["teams", "set", code, "--email", email, *extra])
        assert result.exit_code == 0, result.output
        return result

    return set_contact


@pytest.fixture
def open_round(runner):
    """Open a round by the real command; returns {municipality code: link path}."""

    def open_(name="Forår 2099", deadline="2099-06-01", *municipalities):
        args = ["rounds", "open", name, "--questionnaire", "organisation", "--deadline", deadline]
        for code in municipalities:
            args += ["--municipality", code]
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
        return {
            line.split("\t")[0]: TEAM_LINK.match(line.split("\t")[2]).group(1)
            for line in result.stdout.splitlines()
        }

    return open_


@pytest.fixture
def koege_link(set_team, open_round):
    set_team("259", "ips@koege.dk", "--name", "IPS-teamet")
    return open_round()["259"]


def start(client, link):
    welcome = client.get(link)
    assert welcome.status_code == 200
    response = client.post(link, data={"csrf_token": csrf_token(welcome.text)})
    assert response.status_code == 303
    return response


def post_answer(client, page_html, item, value=None, *, skip=False, **headers):
    data = {"csrf_token": csrf_token(page_html), "item": item}
    if skip:
        data["skip"] = "1"
    else:
        data["value"] = str(value)
    return client.post("/team/svar", data=data, headers=headers)


def answer_everything(client, link):
    """Answer the whole questionnaire through the chat without JavaScript."""
    start(client, link)
    page = client.get("/team/svar")
    for item in ORG.items:
        assert item.text["da"] in page.text
        if item.id in YES_NO:
            response = post_answer(client, page.text, item.id, YES_NO[item.id])
        elif item.id in COMMENTS:
            response = post_answer(client, page.text, item.id, COMMENTS[item.id])
        else:
            response = post_answer(client, page.text, item.id, skip=True)
        assert response.status_code == 303
        page = client.get(response.location)
    return page


def stored(db, table="round_answer"):
    return list(db.query(f"SELECT * FROM {table}"))


# -- the questionnaire file ----------------------------------------------------


def test_organisation_questionnaire_is_six_yes_no_items_with_comments(app):
    questionnaire = app.extensions["questionnaires"]["organisation"]
    assert questionnaire.total is None and questionnaire.wording == "original"
    ids = [item.id for item in questionnaire.items]
    expected = []
    for number in range(1, 7):
        expected += [f"org_{number}", f"org_{number}_comment"]
    assert ids == [*expected, "org_other"]
    for item in questionnaire.items:
        if item.id.endswith(("_comment", "_other")):
            assert item.type == "text" and not item.required
        else:
            assert item.type == "yesno"
            assert [(o.score, o.label["da"]) for o in item.options] == [(1, "Ja"), (2, "Nej")]


def test_participant_reports_leave_the_organisation_questionnaire_out(app, login):
    client = login("evaluator")
    page = client.get("/evaluering/")
    assert page.status_code == 200
    assert 'value="organisation"' not in page.text and "Organisationsskema" not in page.text


# -- command line ----------------------------------------------------------------


def test_round_lifecycle_by_command(runner, db, set_team, open_round):
    assert "Køge Kommune (259): ips@koege.dk" in set_team("259", "ips@koege.dk").stdout
    set_team("370", "ips@naestved.dk")

    refused = runner.invoke(
        args=[
            "rounds",
            "open",
            "Forår",
            "--deadline",
            "2099-06-01",
            "--municipality",
            "259",
            "--municipality",
            "101",
        ]
    )
    assert refused.exit_code == 1
    assert "Fejl: Disse kommuner har ingen kontakt-e-mail til IPS-teamet" in refused.stderr
    assert "København" in refused.stderr
    allowed = "Fristen skal ligge mellem 2099-04-02 (i morgen) og 2101-04-01."
    for day in ("2020-01-01", "2099-04-01", "2101-04-02", "9999-12-31"):
        refused = runner.invoke(args=["rounds", "open", "Forår", "--deadline", day])
        assert refused.exit_code == 1 and allowed in refused.stderr, day
    with_total = runner.invoke(
        args=["rounds", "open", "Forår", "--deadline", "2099-06-01", "--questionnaire", "csq8"]
    )
    assert with_total.exit_code == 1 and "besvares af deltagere" in with_total.stderr
    assert db.execute("SELECT COUNT(*) FROM round").fetchone()[0] == 0

    paths = open_round("Forår")  # every municipality with a team contact
    assert sorted(paths) == ["259", "370"]
    again = runner.invoke(args=["rounds", "open", "Forår", "--deadline", "2099-06-01"])
    assert again.exit_code == 1 and "Der findes allerede en runde med navnet Forår." in again.stderr

    status = runner.invoke(args=["rounds", "status", "Forår"])
    assert "0 af 2 kommuner har svaret" in status.stdout
    assert re.search(r"^259\tKøge\tikke åbnet\t-\t-$", status.stdout, re.M)

    client = runner.app.test_client()
    start(client, paths["370"])
    status = runner.invoke(args=["rounds", "status", "Forår"]).stdout
    assert re.search(r"^370\tNæstved\tåbnet\t", status, re.M)
    answer_everything(runner.app.test_client(), paths["259"])
    status = runner.invoke(args=["rounds", "status", "Forår"]).stdout
    assert "1 af 2 kommuner har svaret" in status
    assert re.search(r"^259\tKøge\tbesvaret\t\d{4}-\d\d-\d\d \d\d:\d\d\t", status, re.M)

    closed = runner.invoke(args=["rounds", "close", "Forår"])
    assert closed.exit_code == 0 and "Runden Forår er lukket." in closed.stdout
    assert "(lukket)" in runner.invoke(args=["rounds", "status", "Forår"]).stdout
    assert client.get(paths["259"]).status_code == 410
    actions = [row[0] for row in db.execute("SELECT action FROM audit ORDER BY id")]
    assert actions.count("team_contact_set") == 2
    assert "round_opened" in actions and "round_closed" in actions


# -- the team's link ---------------------------------------------------------------


def test_the_link_shows_a_welcome_page_and_changes_nothing(client, db, koege_link):
    page = client.get(koege_link)
    assert page.status_code == 200
    assert "Organisationsskema for IPS-teamet" in page.text
    assert "Køge Kommune · runde Forår 2099" in page.text
    assert "Fristen er 1. jun. 2099" in page.text
    assert 'content="noindex, nofollow"' in page.text and page.headers["Cache-Control"] == "no-store"
    assert db.execute("SELECT opened_at FROM round_team").fetchone()[0] is None
    assert client.get("/team/svar").status_code == 403  # nothing bound to the session by a GET
    assert stored(db) == []


def test_chat_stores_answers_and_reopening_resumes(app, db, koege_link):
    client = app.test_client()
    response = start(client, koege_link)
    assert response.location == "/team/svar#current"
    assert db.execute("SELECT opened_at FROM round_team").fetchone()[0] is not None
    page = client.get("/team/svar")
    assert "Spørgsmål 1 af 6" in page.text and ORG.item("org_1").text["da"] in page.text
    assert 'action="/team/svar"' in page.text and '/svar"' not in page.text.replace("/team/svar", "")
    assert post_answer(client, page.text, "org_1", 1).status_code == 303
    page = client.get("/team/svar")
    # With the script: the update holds the turn and the next question, posting to the team's chat.
    update = post_answer(client, page.text, "org_1_comment", "Næsten altid", **{"X-Requested-With": "fetch"})
    assert update.headers["X-Chat-Turn"] == "1"
    assert "Næsten altid" in update.text and ORG.item("org_2").text["da"] in update.text
    assert 'action="/team/svar"' in update.text
    assert {(r["item_id"], r["score"], r["text"]) for r in stored(db)} == {
        ("org_1", 1, None),
        ("org_1_comment", None, "Næsten altid"),
    }

    # Another phone of the team opens the link later: it resumes at question 3 and, unlike a
    # participant's link, sees the team's answers (they are the team's, not one person's).
    other = app.test_client()
    welcome = other.get(koege_link)
    assert "Velkommen tilbage. Jeres team har svaret på 1 af 6 spørgsmål" in welcome.text
    assert "Fortsæt" in welcome.text
    start(other, koege_link)
    page = other.get("/team/svar")
    assert "Spørgsmål 2 af 6" in page.text and ORG.item("org_2").text["da"] in page.text
    assert "Næsten altid" in page.text and 'href="/team/svar?ret=org_1_comment' in page.text
    assert db.execute("SELECT completed_at FROM round_team").fetchone()[0] is None
    assert stored(db, "round_answer_change") == []


def test_after_completion_the_team_changes_an_answer_and_the_change_is_kept(app, db, koege_link):
    client = app.test_client()
    with time_machine.travel(at(date(2099, 5, 1)), tick=False) as traveller:
        summary = answer_everything(client, koege_link)
        assert "Jeres svar" in summary.text and "Alle spørgsmål er besvaret" in summary.text
        assert COMMENTS["org_other"] in summary.text
        completed_at = db.execute("SELECT completed_at FROM round_team").fetchone()[0]
        assert completed_at == "2099-05-01T08:00:00+00:00"
        assert len(stored(db)) == 13 and stored(db, "round_answer_change") == []

        # The link is not spent: it leads to the summary, where any answer can be changed.
        welcome = client.get(koege_link)
        assert welcome.status_code == 200 and "Se og ret jeres svar" in welcome.text
        assert start(client, koege_link).location == "/team/oversigt"
        change = client.get("/team/svar?ret=org_2")
        assert change.status_code == 200 and "Skift jeres svar" in change.text
        assert ORG.item("org_2").text["da"] in change.text and "option chosen" in change.text
        traveller.move_to(at(date(2099, 5, 20), 14))
        response = post_answer(client, change.text, "org_2", 2)
        assert response.status_code == 303 and response.location.startswith("/team/oversigt?gemt=org_2")
        again = post_answer(client, change.text, "org_2", 2)  # the same answer again: no new change
        assert again.status_code == 303
        comment = post_answer(client, change.text, "org_2_comment", "Kun via virksomhedskonsulenten")
        assert comment.status_code == 303
        assert "Jeres ændring er gemt." in client.get(response.location).text

    answers = {row["item_id"]: row for row in stored(db)}
    assert answers["org_2"]["score"] == 2 and answers["org_2"]["answered_at"] == "2099-05-20T12:00:00+00:00"
    changes = [
        (
            c["item_id"],
            c["old_score"],
            c["old_text"],
            c["new_score"],
            c["new_text"],
            c["changed_by"],
            c["changed_at"],
        )
        for c in stored(db, "round_answer_change")
    ]
    assert changes == [
        ("org_2", 1, None, 2, None, "team", "2099-05-20T12:00:00+00:00"),
        (
            "org_2_comment",
            None,
            COMMENTS["org_2_comment"],
            None,
            "Kun via virksomhedskonsulenten",
            "team",
            "2099-05-20T12:00:00+00:00",
        ),
    ]
    # Completion keeps its first time.
    assert db.execute("SELECT completed_at FROM round_team").fetchone()[0] == completed_at


def test_a_closed_round_answers_410_and_stores_nothing(app, db, koege_link, runner):
    client = app.test_client()
    with time_machine.travel(at(date(2099, 5, 31)), tick=False) as traveller:
        start(client, koege_link)
        page = client.get("/team/svar")
        # Open all of the deadline day (2099-06-01), closed from the day after.
        traveller.move_to(at(date(2099, 6, 1), 23))
        assert client.get(koege_link).status_code == 200
        traveller.move_to(at(date(2099, 6, 2), 0))
        closed = client.get(koege_link)
        assert closed.status_code == 410 and "Runden er lukket" in closed.text
        assert "Runden Forår 2099 for Køge Kommune er lukket" in closed.text
        assert client.post(koege_link, data={"csrf_token": csrf_token(page.text)}).status_code == 410
        assert post_answer(client, page.text, "org_1", 1).status_code == 410
        assert client.get("/team/svar").status_code == 410
    assert stored(db) == []
    # Closed early by an admin: the same.
    client = app.test_client()
    start(client, koege_link)
    page = client.get("/team/svar")
    assert runner.invoke(args=["rounds", "close", "Forår 2099"]).exit_code == 0
    assert client.get(koege_link).status_code == 410
    assert post_answer(client, page.text, "org_1", 1).status_code == 410
    assert stored(db) == []


def test_participant_and_team_tokens_do_not_open_each_other(app, db, koege_link, add_participant, invite):
    add_participant("P-001")
    participant_path = invite("P-001")
    # Same id (1) and the same nonce on both sides: only the salt tells them apart.
    nonce = db.execute("SELECT nonce FROM invitation").fetchone()[0]
    db.execute("UPDATE round_team SET nonce = ?", [nonce])
    db.conn.commit()
    participant_token = participant_path.removeprefix("/s/")
    team_token = rounds.team_token(app.config["SECRET_KEY"], {"id": 1, "nonce": nonce})
    assert team_token != participant_token
    client = app.test_client()
    assert client.get(f"/team/{participant_token}").status_code == 404
    assert client.get(f"/s/{team_token}").status_code == 404
    assert client.get(f"/team/{team_token}").status_code == 200
    assert client.get(f"/s/{participant_token}").status_code == 200
    with pytest.raises(links.BadLink):
        links.read_token(app.config["SECRET_KEY"], participant_token, salt=rounds.SALT)


def test_a_replaced_nonce_unbinds_the_session(app, db, koege_link):
    client = app.test_client()
    start(client, koege_link)
    page = client.get("/team/svar")
    db.execute("UPDATE round_team SET nonce = 'other'")
    db.conn.commit()
    response = post_answer(client, page.text, "org_1", 1)
    assert response.status_code == 403 and "Åbn linket fra e-mailen til jeres team igen" in response.text
    assert stored(db) == []


# -- sending -----------------------------------------------------------------------


def test_link_and_one_reminder_go_out_once_each_through_send_due(app, runner, db, set_team):
    set_team("259", "ips@koege.dk", "--name", "IPS-teamet")
    set_team("370", "ips@naestved.dk")
    opened_on = date(2099, 5, 1)
    deadline = date(2099, 5, 31)
    with time_machine.travel(at(opened_on, 9), tick=False) as traveller:
        result = runner.invoke(args=["rounds", "open", "Maj", "--deadline", deadline.isoformat()])
        assert result.exit_code == 0, result.output
        paths = {
            line.split("\t")[0]: TEAM_LINK.match(line.split("\t")[2]).group(1)
            for line in result.stdout.splitlines()
        }
        for offset in range(35):
            for hour in (7, 13, 19):
                traveller.move_to(at(opened_on + timedelta(days=offset), hour))
                assert runner.invoke(args=["send-due"]).exit_code == 0
                if (offset, hour) == (3, 13):
                    answer_everything(app.test_client(), paths["259"])  # Køge answers early
    sent = list(
        db.query(
            "SELECT message.*, round_team.municipality_code FROM message"
            " JOIN round_team ON round_team.id = message.round_team_id ORDER BY message.id"
        )
    )
    summary = [
        (
            m["municipality_code"],
            m["kind"],
            m["status"],
            clock.local(clock.parse(m["sent_at"])).date().isoformat(),
        )
        for m in sent
    ]
    assert summary == [
        ("259", "round", "sent", "2099-05-01"),
        ("370", "round", "sent", "2099-05-01"),
        ("370", "round_reminder", "sent", "2099-05-24"),  # 7 days before the deadline; Køge had answered
    ]
    first, reminder = sent[0], sent[2]
    assert first["recipient"] == "ips@koege.dk" and first["channel"] == "email"
    assert first["dedupe_key"] == f"round:{first['round_team_id']}"
    assert reminder["dedupe_key"] == f"round-reminder:{reminder['round_team_id']}"
    assert first["body"].startswith("Hej IPS-teamet\n\nIPS-teamet i Køge Kommune")
    assert "»Maj«" in first["body"] and "Fristen er 31. maj 2099." in first["body"]
    assert "https://ips.example.dk" + paths["259"] in first["body"]
    assert "https://ips.example.dk" + paths["370"] in reminder["body"]
    assert reminder["subject"] == "Påmindelse: IPS-organisationsskema for Næstved Kommune"
    outbox = runner.invoke(args=["outbox"]).stdout
    assert "team-370\temail\tround_reminder\tips@naestved.dk" in outbox


def test_nothing_is_sent_for_a_closed_round(runner, db, set_team):
    set_team("259", "ips@koege.dk")
    with time_machine.travel(at(date(2099, 5, 1), 9), tick=False):
        assert runner.invoke(args=["rounds", "open", "Maj", "--deadline", "2099-05-31"]).exit_code == 0
        assert runner.invoke(args=["rounds", "close", "Maj"]).exit_code == 0
        assert runner.invoke(args=["send-due"]).exit_code == 0
    assert [tuple(row) for row in db.execute("SELECT kind, status FROM message")] == [("round", "cancelled")]


# -- admin pages -------------------------------------------------------------------


def test_admin_edits_contacts_opens_follows_and_closes_a_round(app, login, db):
    admin = login("admin", ())
    assert 'href="/admin/runder"' in admin.get("/admin/").text
    page = admin.get("/admin/teams/259")
    saved = admin.post(
        "/admin/teams/259",
        data={"csrf_token": csrf_token(page.text), "email": "ips@koege.dk", "name": "IPS-teamet"},
    )
    assert saved.status_code == 303
    bad = admin.post("/admin/teams/370", data={"csrf_token": csrf_token(page.text), "email": "ikke en mail"})
    assert bad.status_code == 422 and "ikke en mail er ikke en gyldig e-mailadresse." in bad.text
    contacts = admin.get("/admin/teams").text
    assert "ips@koege.dk" in contacts

    form = admin.get("/admin/runder/ny")
    assert form.status_code == 200
    assert 'value="organisation"' in form.text and 'value="csq8"' not in form.text
    data = {
        "csrf_token": csrf_token(form.text),
        "name": "Efterår 2099",
        "questionnaire": "organisation",
        "deadline": "2099-10-01",
        "scope": "chosen",
        "municipalities": ["259", "370"],
    }
    refused = admin.post("/admin/runder/ny", data=data)
    assert refused.status_code == 422
    assert (
        "Disse kommuner har ingen kontakt-e-mail til IPS-teamet, så deres link kan ikke sendes: Næstved."
        in (refused.text)
    )
    for day in ("2020-01-01", "2199-10-01"):
        refused = admin.post("/admin/runder/ny", data={**data, "municipalities": ["259"], "deadline": day})
        assert refused.status_code == 422
        assert "Fristen skal ligge mellem 2099-04-02 (i morgen) og 2101-04-01." in refused.text
    assert db.execute("SELECT COUNT(*) FROM round").fetchone()[0] == 0

    opened = admin.post("/admin/runder/ny", data={**data, "scope": "all", "municipalities": []})
    assert opened.status_code == 303
    round_id = db.execute("SELECT id FROM round").fetchone()[0]
    assert opened.location == f"/admin/runder/{round_id}"
    detail = admin.get(opened.location).text
    assert "Runden er åben for 1 kommune. 1 e-mail med linket" in detail
    assert "Køge" in detail and "ikke åbnet" in detail and "Næstved" not in detail
    link = TEAM_LINK.search(detail).group(1)
    assert db.execute("SELECT kind, recipient FROM message").fetchall() == [("round", "ips@koege.dk")]

    answer_everything(app.test_client(), link)
    detail = admin.get(opened.location).text
    assert "status-completed" in detail and "0 af 1" not in detail and "1 af 1 kommune har svaret." in detail
    listing = admin.get("/admin/runder").text
    assert "Efterår 2099" in listing and "åben" in listing

    closed = admin.post(f"/admin/runder/{round_id}/luk", data={"csrf_token": csrf_token(detail)})
    assert closed.status_code == 303
    assert "Runden Efterår 2099 er lukket." in admin.get(closed.location).text
    assert db.execute("SELECT closed_at FROM round").fetchone()[0] is not None
    assert app.test_client().get(link).status_code == 410
    actions = [
        row[0] for row in db.execute("SELECT action FROM audit WHERE actor = ?", [admin.user["email"]])
    ]
    assert {"team_contact_set", "round_opened", "round_closed"} <= set(actions)


# -- the evaluator's view ------------------------------------------------------------


SJAELLAND = ["259", "269", "336", "320", "306", "329"]  # six municipalities of Region Sjælland
HOVEDSTADEN = ["101"]


def test_evaluator_sees_answers_region_summary_with_suppression_and_csv(app, login, db):
    now = at(date(2026, 5, 1))  # before Region Sjælland and Hovedstaden become Region Østdanmark
    for code in SJAELLAND + HOVEDSTADEN + ["370"]:
        rounds.set_team_contact(db, code, email=f"ips{code}@example.dk", name=None, actor=SEED, now=now)
    round_row, teams = rounds.open_round(
        db,
        name="Maj",
        questionnaire=ORG,
        deadline=date(2026, 5, 31),
        municipality_codes=None,
        actor=SEED,
        now=now,
    )
    for team in teams:
        if team["municipality_code"] == "370":
            continue  # Næstved does not answer
        given = dict(YES_NO)
        if team["municipality_code"] == "329":
            given["org_1"] = 2  # one Nej among six Ja in Region Sjælland
        for item in ORG.items:
            value = given.get(item.id, COMMENTS.get(item.id, "")) if item.id != "org_1_comment" else ""
            if team["municipality_code"] == "259" and item.id == "org_1_comment":
                value = "Rollerne er delt i Køge"
            rounds.store_answer(db, ORG, team["id"], team["nonce"], item, value, changed_by="team", now=now)

    client = login("evaluator")
    assert 'href="/evaluering/organisation"' in client.get("/evaluering/").text
    listing = client.get("/evaluering/organisation")
    assert listing.status_code == 200 and "Maj" in listing.text
    assert re.search(r'<td class="num">8</td><td class="num">7</td>', listing.text)  # progress, plain
    page = client.get(f"/evaluering/organisation/{round_row['id']}")
    assert page.status_code == 200
    # The progress line is plain (the table of answers names each municipality); in the summary by
    # region, Copenhagen's one answer would be the 7 answered minus Region Sjælland's 6: both are "×".
    assert "7 af 8 kommuner har svaret." in page.text
    # Per municipality: Køge answered Ja to question 1, with its comment; Ringsted Nej; Næstved nothing.
    koege = re.search(r"<th scope=\"row\">Køge</th>(.*?)</tr>", page.text, re.S).group(1)
    assert re.findall(r"<td class=\"num\">(Ja|Nej|–)</td>", koege) == ["Ja", "Ja", "Nej", "Nej", "Ja", "Nej"]
    assert "Rollerne er delt i Køge" in koege and COMMENTS["org_other"] in koege
    ringsted = re.search(r"<th scope=\"row\">Ringsted</th>(.*?)</tr>", page.text, re.S).group(1)
    assert re.findall(r"<td class=\"num\">(Ja|Nej|–)</td>", ringsted)[0] == "Nej"
    naestved = re.search(r"<th scope=\"row\">Næstved</th>(.*?)</tr>", page.text, re.S).group(1)
    assert re.findall(r"<td class=\"num\">(Ja|Nej|–)</td>", naestved) == ["–"] * 6

    def region_row(name):
        row = re.search(rf"<th scope=\"row\">{name}</th>(.*?)</tr>", page.text, re.S).group(1)
        return re.findall(r"<td class=\"num\">([^<]*)</td>", row)

    # Region Sjælland: 7 municipalities, 6 answered; question 1: 5 Ja, 1 Nej (hidden as <5). Ja and
    # the answered are "×": with the total they would give Region Hovedstaden's counts away.
    assert region_row("Region Sjælland")[:4] == ["7", "×", "×", "&lt;5"]
    # Question 2: all six Ja, no Nej (0 is hidden too).
    assert region_row("Region Sjælland")[4:6] == ["×", "&lt;5"]
    # Region Hovedstaden: a single municipality, every count hidden.
    assert region_row("Region Hovedstaden") == ["1"] + ["&lt;5"] * 13
    assert region_row("Alle")[:4] == ["8", "×", "×", "&lt;5"]

    download = client.get(f"/evaluering/organisation/{round_row['id']}/svar.csv")
    assert download.status_code == 200
    assert download.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="organisation_runde' in download.headers["Content-Disposition"]
    raw = download.data.decode("utf-8")
    assert raw.startswith("\ufeff")
    table = list(csv.reader(io.StringIO(raw.removeprefix("\ufeff"))))
    header = table[0]
    assert header[:8] == [
        "kommunekode",
        "kommune",
        "region",
        "runde",
        "status",
        "aabnet",
        "besvaret",
        "senest_aendret",
    ]
    assert header[8:] == [item.id for item in ORG.items]
    rows = {row[0]: dict(zip(header, row, strict=True)) for row in table[1:]}
    assert len(rows) == 8
    assert rows["259"]["org_1"] == "1" and rows["259"]["org_3"] == "2"
    assert rows["259"]["org_1_comment"] == "Rollerne er delt i Køge"
    assert rows["259"]["region"] == "Region Sjælland" and rows["259"]["status"] == "besvaret"
    assert rows["329"]["org_1"] == "2"
    assert rows["370"]["status"] == "ikke åbnet" and rows["370"]["org_1"] == ""
    audit = db.execute("SELECT action, target, detail FROM audit WHERE action = 'export'").fetchall()
    assert len(audit) == 1 and audit[0][1] == f"round:{round_row['id']}" and '"format": "csv"' in audit[0][2]


def test_a_short_round_gets_its_reminder_the_day_after_the_link(runner, db, set_team):
    set_team("259", "ips@koege.dk")
    opened_on = date(2099, 5, 1)
    with time_machine.travel(at(opened_on, 9), tick=False) as traveller:
        assert runner.invoke(args=["rounds", "open", "Kort", "--deadline", "2099-05-04"]).exit_code == 0
        for offset in range(5):
            for hour in (9, 15):
                traveller.move_to(at(opened_on + timedelta(days=offset), hour))
                assert runner.invoke(args=["send-due"]).exit_code == 0
    sent = [
        (kind, clock.local(clock.parse(sent_at)).date().isoformat())
        for kind, sent_at in db.execute("SELECT kind, sent_at FROM message ORDER BY id")
    ]
    assert sent == [("round", "2099-05-01"), ("round_reminder", "2099-05-02")]
