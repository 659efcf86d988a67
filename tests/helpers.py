"""Small helpers for tests: reading pages as a browser would, registering participants."""

import re

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = CSRF_FIELD.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


def register_participant(runner, code="P-001", municipality="259", baseline="2025-05-01", *extra) -> str:
    """Register a participant through the real command (with consent); returns the code."""
    result = runner.invoke(
        args=[
            "participants",
            "add",
            code,
            "--municipality",
            municipality,
            "--baseline",
            baseline,
            "--consent",
            *extra,
        ]
    )
    assert result.exit_code == 0, result.output
    return code
