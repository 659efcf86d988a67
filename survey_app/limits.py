"""Rate limits on the doors a stranger can knock on: links and the login.

A link's token cannot be guessed (see ``links.py``), and a staff account is
locked after repeated failures (``accounts.authenticate``); these limits add
a cap on how fast one address may try, so guessing stays slow and a flood
of bad requests cannot crowd out participants.

- Links (participant, team, opt-out, set-password, first admin) share one
  budget per address, ``LINK_RATE_LIMIT``, and only *refused* links count:
  a municipality's participants opening their own links at once, even
  behind one mobile operator's address, are never held up.
- ``POST /login``: ``LOGIN_RATE_LIMIT`` per address, every attempt counts.

Over the limit a visitor gets 429 with a Danish page and ``Retry-After``.
Counters live in memory by default, per process: with several gunicorn
workers the cap is that many times higher. ``RATELIMIT_STORAGE_URI`` (e.g.
``redis://localhost:6379``) shares them between workers and machines.
Behind a reverse proxy, set ``PROXY_COUNT`` so the address is the
visitor's, not the proxy's (``__init__.py``).

Limits are off in tests unless a test sets ``RATELIMIT_ENABLED``.
"""

from __future__ import annotations

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

# Every view that opens a link by its token.
LINK_ENDPOINTS = (
    "participant.welcome",
    "participant.start",
    "participant.opt_out",
    "team.welcome",
    "team.start",
    "auth.set_password",
    "auth.first_admin",
)


def _refused(response) -> bool:
    return response.status_code >= 400


def init_app(app: Flask) -> None:
    """Wrap the link and login views of ``app`` (call after the blueprints are registered).

    Each app has its own :class:`Limiter`: its settings and counters are
    the app's, not shared with another app in the same process.
    """
    if app.config.get("RATELIMIT_ENABLED") is None:
        app.config["RATELIMIT_ENABLED"] = not app.config.get("TESTING")
    limiter = Limiter(key_func=get_remote_address, default_limits=[], app=app)
    app.extensions["survey_app.limiter"] = limiter
    # One budget for every kind of link, so trying five kinds does not buy five times the guesses.
    links = limiter.shared_limit(app.config["LINK_RATE_LIMIT"], scope="links", deduct_when=_refused)
    for endpoint in LINK_ENDPOINTS:
        app.view_functions[endpoint] = links(app.view_functions[endpoint])
    login = limiter.limit(app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
    app.view_functions["auth.login"] = login(app.view_functions["auth.login"])
