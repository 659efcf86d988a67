"""Checks a person would make by looking at a page: accessibility, layout, touch targets."""

from urllib.parse import urlsplit

from axe_playwright_python.sync_playwright import Axe

from tests.helpers import app_code, totp_state

_axe = Axe()


def settle(page) -> None:
    """Wait until arrival animations have finished, so colours are measured as people see them."""
    page.evaluate("() => Promise.all(document.getAnimations().map(a => a.finished))")


def assert_accessible(page, what: str) -> None:
    settle(page)
    results = _axe.run(page)
    assert results.violations_count == 0, f"axe-core on {what}:\n{results.generate_report()}"


def assert_no_sideways_scroll(page, what: str) -> None:
    """The page fits the width of the screen (the check staff pages get at phone size)."""
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{what}: horizontal scroll of {overflow}px"


def assert_fits_phone(page, what: str) -> None:
    """No horizontal scroll, and every button or link is at least 44 px tall and wide."""
    assert_no_sideways_scroll(page, what)
    small = page.evaluate(
        """() => [...document.querySelectorAll('button, a[href], textarea')]
              .filter(el => el.offsetParent !== null)
              .map(el => { const r = el.getBoundingClientRect();
                           return {text: el.textContent.trim(), w: r.width, h: r.height}; })
              .filter(r => r.w < 44 || r.h < 44)"""
    )
    assert not small, f"{what}: touch targets under 44px: {small}"


def submit_login(page, app, email: str) -> None:
    """Press "Log ind" on the filled-in login page, then type the code from the user's app when asked
    (at a first login: set the app up from the page's secret, and go on past the recovery codes)."""
    with page.expect_navigation():
        page.get_by_role("button", name="Log ind", exact=True).click()
    if urlsplit(page.url).path != "/login/kode":
        return
    secret, last_step = totp_state(app, email)
    enrolling = page.get_by_role("button", name="Bekræft og log ind").count() > 0
    page.get_by_label("Kode", exact=True).fill(app_code(secret, last_step))
    with page.expect_navigation():
        page.get_by_role("button", name="Bekræft og log ind" if enrolling else "Log ind", exact=True).click()
    if enrolling:
        with page.expect_navigation():
            page.get_by_role("link", name="Jeg har gemt koderne: fortsæt").click()
