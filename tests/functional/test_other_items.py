"""Yes/no and free-text items through the same chat (the organisation questionnaire will need them)."""

import shutil
from pathlib import Path

import pytest

from survey_app import PROJECT_ROOT, create_app
from tests.helpers import csrf_token

FEEDBACK = (Path(__file__).resolve().parent.parent / "data" / "feedback.toml").read_text(encoding="utf-8")


@pytest.fixture
def app(tmp_path):
    shipped = tmp_path / "questionnaires"
    shipped.mkdir()
    shutil.copy(PROJECT_ROOT / "questionnaires" / "csq8.toml", shipped)
    (shipped / "feedback.toml").write_text(FEEDBACK, encoding="utf-8")
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


@pytest.fixture
def start(app, runner):
    def begin(code):
        assert (
            runner.invoke(
                args=[
                    "participants",
                    "add",
                    code,
                    "--municipality",
                    "370",
                    "--baseline",
                    "2025-01-01",
                    "--consent",
                ]
            ).exit_code
            == 0
        )
        result = runner.invoke(args=["invite", code, "--questionnaire", "feedback"])
        link = result.stdout.split("\t")[1].strip().removeprefix("https://ips.example.dk")
        client = app.test_client()
        welcome = client.get(link)
        client.post(link, data={"csrf_token": csrf_token(welcome.text)})
        return client, csrf_token(welcome.text)

    return begin


def post(client, token, item, fetch=False, **fields):
    headers = {"X-Requested-With": "fetch"} if fetch else {}
    return client.post("/svar", data={"csrf_token": token, "item": item, **fields}, headers=headers)


def test_yes_no_then_free_text(start, db):
    client, token = start("P-1")
    page = client.get("/svar")
    assert ">Ja</button>" in page.text and ">Nej</button>" in page.text
    assert "textarea" not in page.text
    post(client, token, "employer_contact", value="1")
    page = client.get("/svar")
    assert '<textarea id="answer-comment" name="value"' in page.text
    assert "Spring spørgsmålet over" in page.text  # free text is optional
    assert '<span class="answer">Ja</span>' in page.text
    post(client, token, "comment", value="  Min konsulent <script>alert(1)</script> hjalp mig  ")
    rows = {row["item_id"]: (row["score"], row["text"]) for row in db.query("SELECT * FROM answer")}
    assert rows == {
        "employer_contact": (1, None),
        "comment": (None, "Min konsulent <script>alert(1)</script> hjalp mig"),
    }
    invitation = next(db.query("SELECT completed_at, total_score FROM invitation"))
    assert invitation["completed_at"] and invitation["total_score"] is None  # no total declared


def test_free_text_is_escaped_when_shown(start):
    client, token = start("P-1")
    post(client, token, "comment", value="<b>fed</b>")  # answered before the yes/no item
    page = client.get("/svar")
    assert "&lt;b&gt;fed&lt;/b&gt;" in page.text and "<b>fed</b>" not in page.text
    assert "Har du selv haft kontakt med en arbejdsgiver?" in page.text  # still the first question to answer


def test_skipping_the_optional_text(start, db):
    client, token = start("P-1")
    post(client, token, "employer_contact", value="2")
    response = post(client, token, "comment", skip="1")
    assert response.status_code == 303
    assert next(db.query("SELECT score, text FROM answer WHERE item_id = 'comment'")) == {
        "score": None,
        "text": None,
    }
    assert next(db.query("SELECT completed_at FROM invitation"))["completed_at"]


def test_text_answers_are_never_shared_between_participants(start):
    texts = {}
    for code, words in [("P-1", "første tekst"), ("P-2", "anden tekst")]:
        client, token = start(code)
        post(client, token, "comment", value=words)  # answer the text first
        client.get("/svar?ret=comment")
        update = post(client, token, "comment", fetch=True, value=words + " rettet")
        texts[code] = update.text
    assert "første tekst rettet" in texts["P-1"] and "anden tekst" not in texts["P-1"]
    assert "anden tekst rettet" in texts["P-2"] and "første tekst" not in texts["P-2"]


def test_too_long_text_is_refused(start, db):
    client, token = start("P-1")
    response = post(client, token, "comment", value="x" * 2001)
    assert response.status_code == 400
    assert db["answer"].count == 0
