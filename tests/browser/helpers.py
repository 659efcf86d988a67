"""Checks a person would make by looking at a page: accessibility, layout, touch targets."""

from axe_playwright_python.sync_playwright import Axe

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
