"""Stylesheets and scripts are addressed by their content, so a phone keeps them until they change."""

import hashlib
import re

from survey_app import PROJECT_ROOT
from tests.helpers import register_participant

STATIC = PROJECT_ROOT / "survey_app" / "static"


def digest(name: str) -> str:
    return hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:12]


def test_static_addresses_carry_the_files_hash_and_are_kept_for_a_year(client):
    page = client.get("/login").text
    address = re.search(r'href="(/static/staff\.css[^"]*)"', page).group(1)
    assert address == f"/static/staff.css?v={digest('staff.css')}"
    response = client.get(address)
    assert response.status_code == 200
    cache = response.headers["Cache-Control"]
    assert "max-age=31536000" in cache and "immutable" in cache and "no-cache" not in cache


def test_the_participants_chat_script_is_versioned_too(app, client, runner):
    register_participant(runner, "STAT-1", "259", "2025-05-01")
    link = runner.invoke(args=["invite", "STAT-1"]).stdout.strip().split("\t")[1]
    page = client.get(link).text
    assert f'src="/static/chat.js?v={digest("chat.js")}"' in page


def test_an_old_or_missing_hash_is_not_kept(client):
    for address in ("/static/staff.css", "/static/staff.css?v=000000000000"):
        response = client.get(address)
        assert response.status_code == 200
        assert "immutable" not in response.headers.get("Cache-Control", "")


def test_other_spellings_of_a_files_path_are_not_kept_and_not_remembered(app, client):
    """``x/../app.css`` is the same file: served as before (revalidated), and the process does not
    remember a hash for each spelling, or a stranger could fill its memory with requests."""
    address = f"/static/app.css?v={digest('app.css')}"
    assert "immutable" in client.get(address).headers["Cache-Control"]
    versions = app.extensions["survey_app.static_versions"]
    known = len(versions)
    for n in range(50):
        response = client.get(f"/static/d{n}/../app.css?v={digest('app.css')}")
        assert response.status_code == 200
        assert "immutable" not in response.headers.get("Cache-Control", "")
    assert len(versions) == known
    assert "immutable" in client.get(address).headers["Cache-Control"]
