"""Small helpers for tests: reading pages as a browser would, running commands, registering participants."""

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


def command(runner, *args: str):
    """Run one of the app's commands, which must succeed; returns Click's result."""
    result = runner.invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result


def set_two_teams(runner) -> None:
    """Køge's IPS team (named "IPS-teamet", ips@koege.dk) and Næstved's (ips@naestved.dk)."""
    command(runner, "teams", "set", "259", "--email", "ips@koege.dk", "--name", "IPS-teamet")
    command(runner, "teams", "set", "370", "--email", "ips@naestved.dk")
