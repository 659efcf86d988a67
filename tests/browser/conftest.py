"""Browser tests: Playwright driving Debian's Chromium against the app on 127.0.0.1.

Locally they skip when Chromium is missing; in CI (``CI=true``) a missing
browser is a failure, never a skip. Screenshots of every step are written
to ``test-output/screenshots/<test>/`` (or ``$SURVEY_APP_TEST_OUTPUT``).
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from survey_app import PROJECT_ROOT, create_app
from tests.helpers import register_participant

from .helpers import settle

PHONE = {"width": 390, "height": 844}
CHROMIUM_FLAGS = [
    "--no-sandbox",  # tests run as root
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


def _chromium() -> str | None:
    return os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser():
    executable = _chromium()
    if executable is None:
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is missing, and browser tests must run in CI (apt-get install chromium)")
        pytest.skip("Chromium is not installed (apt-get install chromium); browser tests skipped locally")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


class LiveServer:
    """The real app served by Werkzeug on a free port of 127.0.0.1, in a thread."""

    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        app.config["BASE_URL"] = self.url
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join(timeout=5)


@pytest.fixture
def live_app_config(tmp_path):
    """Configuration of the app under test; a test may add to it before using ``live_app``."""
    return {
        "TESTING": True,
        "SECRET_KEY": secrets.token_urlsafe(32),
        "DATABASE": str(tmp_path / "survey.db"),
        "QUESTIONNAIRE_OVERRIDES_DIR": str(tmp_path / "questionnaires"),
    }


@pytest.fixture
def live_app(live_app_config):
    with LiveServer(create_app(live_app_config)) as server:
        yield server


@pytest.fixture
def issue_link(live_app):
    """Register a participant and return the absolute link printed by ``invite``."""
    runner = live_app.app.test_cli_runner()

    def issue(code="P-001", questionnaire="csq8"):
        register_participant(runner, code)
        invited = runner.invoke(args=["invite", code, "--questionnaire", questionnaire])
        assert invited.exit_code == 0, invited.output
        return invited.stdout.strip().split("\t")[1]

    return issue


@pytest.fixture
def screenshots(request):
    """``shoot(page, "name")`` saves a numbered full-page screenshot of this test."""
    base = Path(os.environ.get("SURVEY_APP_TEST_OUTPUT", PROJECT_ROOT / "test-output")) / "screenshots"
    folder = base / re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    counter = iter(range(1, 1000))

    def shoot(page, name: str) -> Path:
        settle(page)
        path = folder / f"{next(counter):02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return shoot


@pytest.fixture
def phone(browser):
    """A phone-sized page with JavaScript on."""
    context = browser.new_context(viewport=PHONE, device_scale_factor=1, is_mobile=True, has_touch=True)
    yield context.new_page()
    context.close()


@pytest.fixture
def phone_without_js(browser):
    context = browser.new_context(viewport=PHONE, java_script_enabled=False, is_mobile=True, has_touch=True)
    yield context.new_page()
    context.close()
