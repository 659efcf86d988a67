"""The participants and invite commands, as a person at a terminal uses them."""

import re

import pytest

from survey_app import links

URL_LINE = re.compile(r"^(?P<code>[^\t]+)\t(?P<url>https://ips\.example\.dk/s/[A-Za-z0-9._-]+)$")


def run(runner, *args):
    return runner.invoke(args=list(args))


def participants(db):
    return list(
        db.query("SELECT code, municipality_code, baseline_date, phone, email FROM participant ORDER BY id")
    )


def test_add_normalises_and_stores(runner, db):
    result = run(
        runner,
        "participants",
        "add",
        "KOGE-17",
        "--municipality",
        "0259",
        "--baseline",
        "01-03-2025",
        "--phone",
        "20 12 34 56",
        "--email",
        "anna@example.dk",
        "--consent",
    )
    assert result.exit_code == 0, result.output
    assert "KOGE-17 oprettet i Køge Kommune" in result.stdout
    assert participants(db) == [
        {
            "code": "KOGE-17",
            "municipality_code": "259",
            "baseline_date": "2025-03-01",
            "phone": "+4520123456",
            "email": "anna@example.dk",
        }
    ]


@pytest.mark.parametrize(
    "args, message",
    [
        (["010190-1234"], "ligner et CPR-nummer"),
        (["0101901234"], "ligner et CPR-nummer"),
        (["010190.1234"], "ligner et CPR-nummer"),
        (["KOGE-01-01-90-1234"], "ligner et CPR-nummer"),
        (["P-1", "--phone", "12345"], "ikke et dansk telefonnummer"),
        (["P-1", "--email", "nope"], "ikke en gyldig e-mailadresse"),
    ],
)
def test_add_refuses_bad_input_and_writes_nothing(runner, db, args, message):
    result = run(
        runner,
        "participants",
        "add",
        *args[:1],
        "--municipality",
        "259",
        "--baseline",
        "2025-03-01",
        "--consent",
        *args[1:],
    )
    assert result.exit_code == 1
    assert result.stderr.startswith("Fejl: ")
    assert message in result.stderr
    assert participants(db) == []


def test_add_refuses_unknown_municipality_and_bad_date(runner, db):
    unknown = run(
        runner, "participants", "add", "P-1", "--municipality", "999", "--baseline", "2025-03-01", "--consent"
    )
    assert "999 er ikke en dansk kommunekode" in unknown.stderr
    bad_date = run(
        runner, "participants", "add", "P-1", "--municipality", "259", "--baseline", "2025-02-30", "--consent"
    )
    assert "2025-02-30 er ikke en dato" in bad_date.stderr
    assert participants(db) == []


def test_code_unique_per_municipality_only(runner, db):
    assert (
        run(
            runner,
            "participants",
            "add",
            "P-1",
            "--municipality",
            "259",
            "--baseline",
            "2025-03-01",
            "--consent",
        ).exit_code
        == 0
    )
    again = run(
        runner, "participants", "add", "P-1", "--municipality", "259", "--baseline", "2025-04-01", "--consent"
    )
    assert again.exit_code == 1 and "findes allerede" in again.stderr
    elsewhere = run(
        runner, "participants", "add", "P-1", "--municipality", "370", "--baseline", "2025-04-01", "--consent"
    )
    assert elsewhere.exit_code == 0
    assert [(p["code"], p["municipality_code"]) for p in participants(db)] == [("P-1", "259"), ("P-1", "370")]
    ambiguous = run(runner, "invite", "P-1")
    assert ambiguous.exit_code == 1 and "--municipality" in ambiguous.stderr
    assert run(runner, "invite", "P-1", "--municipality", "370").exit_code == 0


def test_invite_prints_code_tab_url_per_participant(app, runner, add_participant, db):
    for code in ["A-1", "A-2", "A-3"]:
        add_participant(code)
    result = run(runner, "invite", "A-1", "A-2", "A-3")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert [URL_LINE.match(line)["code"] for line in lines] == ["A-1", "A-2", "A-3"]
    for line in lines:
        token = URL_LINE.match(line)["url"].rsplit("/", 1)[1]
        invitation_id, nonce = links.read_token(app.config["SECRET_KEY"], token)
        row = next(
            db.query(
                "SELECT invitation.*, participant.code FROM invitation JOIN participant"
                " ON participant.id = participant_id WHERE invitation.id = ?",
                [invitation_id],
            )
        )
        assert row["nonce"] == nonce and row["code"] == line.split("\t")[0]
        assert row["questionnaire_id"] == "csq8"


def test_invite_twice_gives_the_same_link_and_one_invitation(runner, add_participant, db):
    add_participant("A-1")
    first = run(runner, "invite", "A-1")
    second = run(runner, "invite", "A-1")
    assert first.stdout == second.stdout
    assert "allerede et gyldigt link" in second.stderr
    assert db["invitation"].count == 1


def test_invite_with_an_unknown_code_creates_nothing(runner, add_participant, db):
    add_participant("A-1")
    result = run(runner, "invite", "A-1", "NOPE")
    assert result.exit_code == 1
    assert "Ingen deltager har koden NOPE" in result.stderr
    assert db["invitation"].count == 0


def test_invite_unknown_questionnaire(runner, add_participant):
    add_participant("A-1")
    result = run(runner, "invite", "A-1", "--questionnaire", "nope")
    assert result.exit_code == 1 and "Ukendt spørgeskema 'nope'" in result.stderr


def test_withdrawn_participant_gets_no_link(runner, add_participant, db):
    add_participant("A-1")
    assert run(runner, "participants", "withdraw", "A-1").exit_code == 0
    result = run(runner, "invite", "A-1")
    assert result.exit_code == 1 and "er udtrådt" in result.stderr
    assert db["invitation"].count == 0


def test_init_db_is_idempotent(runner):
    result = run(runner, "init-db")
    assert result.exit_code == 0 and "allerede opdateret" in result.stdout
