"""Danish is complete; English exists; every string in code and templates is in the catalogues."""

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from survey_app import PROJECT_ROOT
from survey_app.languages import EXTRACT_KEYWORDS, LANGUAGES
from tests.helpers import csrf_token


def _keywords():
    keywords = {}
    for spec in EXTRACT_KEYWORDS:
        name, _, args = spec.partition(":")
        keywords[name] = tuple(int(a) for a in args.split(",")) if args else None
    return keywords


@pytest.fixture(scope="module")
def source_messages():
    with open(PROJECT_ROOT / "babel.cfg", encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        PROJECT_ROOT / "survey_app", method_map, options_map, keywords=_keywords()
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    assert len(found) > 40
    return found


def _catalogue(language):
    with open(PROJECT_ROOT / "translations" / language / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle, locale=language)


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_catalogue_has_every_string_of_the_code(source_messages, language):
    catalogue = _catalogue(language)
    missing = sorted(m for m in source_messages if m not in catalogue)
    assert not missing, f"run `flask --app survey_app translations update`; missing in {language}: {missing}"


def test_danish_is_complete_and_not_fuzzy(source_messages):
    catalogue = _catalogue("da")
    for message in catalogue:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), f"untranslated: {message.id!r}"
        assert not message.fuzzy, f"fuzzy: {message.id!r}"


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_placeholders_match(language):
    problems = [(m.id, [str(e) for e in errors]) for m, errors in _catalogue(language).check() if errors]
    assert not problems


def test_compiled_catalogues_are_loaded(client):
    page = client.get("/")
    assert "Har du fået et link på sms eller e-mail?" in page.text
    assert '<html lang="da">' in page.text


def test_language_switch_is_remembered_and_translates_questionnaire(client, add_participant, invite):
    add_participant("P-1")
    link = invite("P-1")
    welcome = client.get(link)
    switched = client.post(
        "/sprog", data={"csrf_token": csrf_token(welcome.text), "language": "en", "next": link}
    )
    assert switched.status_code == 303 and switched.location == link
    english = client.get(link)
    assert '<html lang="en">' in english.text
    assert "What do you think of your IPS support?" in english.text
    assert "8 questions, about 2 minutes." in english.text
    client.post(link, data={"csrf_token": csrf_token(english.text)})
    chat = client.get("/svar")
    assert "Question 1 of 8" in chat.text
    assert "How would you rate the quality of the support you have received?" in chat.text
    assert "Excellent" in chat.text and "Fremragende" not in chat.text
    assert 'value="da" lang="da">Dansk</button>' in chat.text


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"])
def test_language_switch_never_redirects_off_site(client, target):
    page = client.get("/")
    response = client.post(
        "/sprog", data={"csrf_token": csrf_token(page.text), "language": "en", "next": target}
    )
    assert response.location == "/"


def test_unknown_language_is_refused(client):
    page = client.get("/")
    response = client.post("/sprog", data={"csrf_token": csrf_token(page.text), "language": "xx"})
    assert response.status_code == 400
    assert '<html lang="da">' in client.get("/").text


def test_catalogues_are_compiled_into_the_instance_folder_when_the_package_is_read_only(
    tmp_path, monkeypatch
):
    """An installed package belongs to root; the service compiles its catalogues where it may write."""
    import os
    import secrets
    import shutil

    from survey_app import DATA_ROOT, create_app
    from survey_app.web import i18n as i18n_module

    source = tmp_path / "share" / "translations"
    shutil.copytree(DATA_ROOT / "translations", source, ignore=shutil.ignore_patterns("*.mo"))
    read_only = str(source)
    real_access = os.access
    monkeypatch.setattr(
        i18n_module.os,
        "access",
        lambda path, mode: False if str(path) == read_only else real_access(path, mode),
    )
    monkeypatch.setenv("SURVEY_APP_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("SURVEY_APP_TRANSLATIONS_DIR", read_only)
    monkeypatch.setenv("SURVEY_APP_BASE_URL", "https://ips.example.dk")
    monkeypatch.setenv("SURVEY_APP_SECRET_KEY", secrets.token_urlsafe(32))
    app = create_app()
    assert not list(source.rglob("*.mo"))
    assert (tmp_path / "instance" / "translations" / "da" / "LC_MESSAGES" / "messages.mo").is_file()
    page = app.test_client().get("/login")
    assert 'lang="da"' in page.text and "Adgangskode" in page.text
