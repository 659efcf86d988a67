"""Headers and page rules that protect participants' links and answers."""

import pytest

from tests.helpers import csrf_token


def test_participant_pages_are_private_and_self_contained(client, add_participant, invite):
    add_participant("P-1")
    link = invite("P-1")
    response = client.get(link)
    headers = response.headers
    assert headers["Cache-Control"] == "no-store"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Robots-Tag"].startswith("noindex")
    # No third-party requests: every src/href is a path on this site (or inline data).
    for attribute in ("src=", "href="):
        for part in response.text.split(attribute)[1:]:
            target = part[1:].split('"', 1)[0]
            assert target.startswith("/") and not target.startswith("//") or target.startswith("data:"), (
                target
            )
    client.post(link, data={"csrf_token": csrf_token(response.text)})
    chat = client.get("/svar")
    assert chat.headers["Cache-Control"] == "no-store"
    assert "/s/" not in chat.text, "the token must not be repeated on later pages"


def test_session_cookie_flags(client, add_participant, invite):
    add_participant("P-1")
    link = invite("P-1")
    welcome = client.get(link)
    started = client.post(link, data={"csrf_token": csrf_token(welcome.text)})
    cookie = started.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" in cookie  # BASE_URL is https in the tests


def test_robots_txt_disallows_everything(client):
    assert client.get("/robots.txt").text == "User-agent: *\nDisallow: /\n"


def test_question_page_weight_is_small(client, add_participant, invite):
    """Phone first: a question page with its CSS and script stays under 30 KB."""
    add_participant("P-1")
    link = invite("P-1")
    welcome = client.get(link)
    client.post(link, data={"csrf_token": csrf_token(welcome.text)})
    page = client.get("/svar")
    assets = [client.get(path) for path in ("/static/app.css", "/static/chat.js")]
    assert all(asset.status_code == 200 and asset.data for asset in assets)
    total = len(page.data) + sum(len(asset.data) for asset in assets)
    assert 'src="/static/chat.js?v=' in page.text and 'href="/static/app.css?v=' in page.text
    assert total <= 30 * 1024, f"question page weighs {total} bytes"


def test_https_form_posts_work_without_a_referer_and_plain_http_gets_no_hsts(app, add_participant, invite):
    """With no-referrer, browsers send no Referer: a post over HTTPS must still go through on its token."""
    add_participant("P-1")
    link = invite("P-1")
    client = app.test_client()
    page = client.get(link, base_url="https://ips.example.dk")
    response = client.post(
        link, base_url="https://ips.example.dk", data={"csrf_token": csrf_token(page.text)}
    )
    assert response.status_code in (302, 303), response.status_code
    assert client.get("/svar", base_url="https://ips.example.dk").status_code == 200
    # ... and without the token it is refused.
    refused = app.test_client().post(link, base_url="https://ips.example.dk", data={})
    assert refused.status_code == 400


def test_no_hsts_over_plain_http(tmp_path):
    from survey_app import create_app

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "k" * 32,
            "DATABASE": str(tmp_path / "s.db"),
            "BASE_URL": "http://127.0.0.1:5000",
        }
    )
    assert "Strict-Transport-Security" not in app.test_client().get("/").headers


def test_no_page_needs_inline_script_or_style():
    """The CSP allows scripts and styles from files only; a template or chart with inline code would break."""
    import re
    from pathlib import Path

    from survey_app import PROJECT_ROOT

    inline = re.compile(
        r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=|\son[a-z]+=|javascript:", re.IGNORECASE
    )
    sources = list((PROJECT_ROOT / "survey_app" / "templates").rglob("*.html"))
    sources.append(PROJECT_ROOT / "survey_app" / "charts.py")
    assert len(sources) > 30
    # The one exception: the link's page inlines the stylesheet, allowed by its hash in the CSP.
    allowed = "<style>{{ inline_stylesheet }}</style>"
    texts = {
        Path(path).relative_to(PROJECT_ROOT).as_posix(): Path(path).read_text("utf-8") for path in sources
    }
    assert [name for name, text in texts.items() if allowed in text] == [
        "survey_app/templates/participant/welcome.html"
    ]
    found = [
        f"{name}: {match.group(0)}"
        for name, text in texts.items()
        for match in inline.finditer(text.replace(allowed, ""))
    ]
    assert found == []


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/konsulent/deltagere?q=KØ", "/konsulent/deltagere?q=KØ"),
        ("/svar", "/svar"),
        ("//evil.example/", None),
        ("/\\evil.example", None),
        ("/\t/evil.example", None),
        ("/\n/evil.example", None),
        ("https://evil.example/", None),
        ("javascript:alert(1)", None),
        ("evil.example", None),
        ("", None),
        (None, None),
    ],
)
def test_redirect_targets_stay_on_this_site(target, expected):
    from survey_app.web.security import local_path

    assert local_path(target) == expected


def test_the_language_switch_does_not_redirect_elsewhere(client):
    token = csrf_token(client.get("/").text)
    for target in ("/\\evil.example", "//evil.example", "/\t/evil.example"):
        response = client.post("/sprog", data={"csrf_token": token, "language": "en", "next": target})
        assert response.status_code == 303 and response.headers["Location"] == "/", target
