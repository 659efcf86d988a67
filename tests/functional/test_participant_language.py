"""The participant's language: offered from the installation's catalogues, refused when unknown.

The consultant's "Sprog" field, the CSV import and ``participants add`` take the same languages
(``languages.LANGUAGES``, the catalogues in ``translations/``); a bad value is a Danish error and
writes nothing.
"""

from __future__ import annotations

import io
import re

from survey_app import PROJECT_ROOT
from survey_app.languages import LANGUAGES
from tests.helpers import csrf_token

REFUSED = "Sproget skal være et af: da (Dansk), en (English)."


def participant_count(db) -> int:
    return db.execute("SELECT COUNT(*) FROM participant").fetchone()[0]


def test_the_languages_offered_are_those_with_a_catalogue():
    catalogues = {
        path.parent.parent.name for path in (PROJECT_ROOT / "translations").glob("*/LC_MESSAGES/messages.po")
    }
    assert set(LANGUAGES) == catalogues == {"da", "en"}


def test_the_form_offers_exactly_the_installations_languages_with_a_hint(login):
    page = login().get("/konsulent/deltagere/ny")
    select = re.search(r'<select[^>]* id="language" name="language">(.*?)</select>', page.text, re.S)
    assert select, page.text
    assert re.findall(r'<option[^>]*value="(\w+)">([^<]*)</option>', select.group(1)) == [
        ("da", "Dansk"),
        ("en", "English"),
    ]
    assert 'aria-describedby="language-hint"' in page.text
    assert "Sproget i de sms'er og e-mails, deltageren får, og i spørgeskemaet." in page.text


def test_the_form_stores_english_and_refuses_an_unknown_language(login, db):
    client = login()
    page = client.get("/konsulent/deltagere/ny")
    form = {
        "csrf_token": csrf_token(page.text),
        "code": "EN-1",
        "municipality": "259",
        "baseline": "2026-06-01",
        "phone": "20123456",
        "channel": "sms",
        "consent": "y",
    }
    refused = client.post("/konsulent/deltagere/ny", data=form | {"language": "fr"})
    assert refused.status_code == 422
    assert "Vælg en af mulighederne på listen." in refused.text  # the field offers only the list
    assert participant_count(db) == 0
    saved = client.post("/konsulent/deltagere/ny", data=form | {"language": "en"})
    assert saved.status_code == 303
    assert db.execute("SELECT code, language FROM participant").fetchall() == [("EN-1", "en")]
    # The consultant sees the language on the participant's page.
    shown = client.get(saved.location).text
    assert '<dt>Sprog i beskeder og spørgeskema</dt><dd lang="en">English</dd>' in shown


def test_the_command_refuses_an_unknown_language_in_danish(runner, db):
    result = runner.invoke(
        args=["participants", "add", "P-9", "--municipality", "259", "--baseline", "2026-06-01", "--consent",
              "--language", "de"]
    )  # fmt: skip
    assert result.exit_code == 1
    assert f"Fejl: {REFUSED}" in result.stderr
    assert participant_count(db) == 0
    english = runner.invoke(
        args=["participants", "add", "P-9", "--municipality", "259", "--baseline", "2026-06-01", "--consent",
              "--language", "EN"]
    )  # fmt: skip
    assert english.exit_code == 0, english.output
    assert db.execute("SELECT language FROM participant").fetchone()[0] == "en"


def test_the_import_refuses_an_unknown_language_and_imports_nothing(login, db):
    client = login()
    page = client.get("/konsulent/import")
    assert "Kolonnen language bestemmer sproget" in page.text
    assert "da (Dansk), en (English) (dansk, hvis den er tom)" in page.text
    data = (
        b"code;municipality;baseline_date;phone;language;consent\n"
        b"A-1;259;2026-06-01;20123456;engelsk;ja\n"
        b"A-2;259;2026-06-01;20123457;fr;ja\n"
    )
    refused = client.post(
        "/konsulent/import",
        data={"csrf_token": csrf_token(page.text), "file": (io.BytesIO(data), "deltagere.csv")},
    )
    assert refused.status_code == 422
    assert "Linje 3" in refused.text and REFUSED in refused.text
    assert participant_count(db) == 0
    fixed = data.replace(b";fr;", b";en;")
    done = client.post(
        "/konsulent/import",
        data={
            "csrf_token": csrf_token(client.get("/konsulent/import").text),
            "file": (io.BytesIO(fixed), "d.csv"),
        },
    )
    assert done.status_code == 200, done.text
    assert db.execute("SELECT code, language FROM participant ORDER BY code").fetchall() == [
        ("A-1", "en"),
        ("A-2", "en"),
    ]
