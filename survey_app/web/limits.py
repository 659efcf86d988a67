"""Rate limits on the doors a stranger can knock on: links and the login.

A link's token cannot be guessed (see ``links.py``), and a staff account
pauses after repeated failures (``accounts.authenticate``); these limits
add a cap on how many *refused* requests one address may make, so guessing
stays slow, while a valid request is never refused, whatever the count:
many people share one address (a mobile operator's, a town hall's).

- Links (participant, team, opt-out, set-password, first admin) share one
  budget per address, ``LINK_RATE_LIMIT``; only refused links count, and
  a valid link opens even when the budget is spent.
- ``POST /login`` and ``POST /login/kode``: one budget, ``LOGIN_RATE_LIMIT``
  per address; only refused passwords and codes count, and a correct one
  gets through even when the budget is spent.

Over the limit a refused request gets 429 with a Danish page and
``Retry-After`` instead of its usual answer (so it tells a guesser nothing
more), and still counts. To know that a request is valid it is answered
first: over the limit, a view runs as usual and only a refusal becomes 429.
Counters live in memory by default, per process: with several gunicorn
workers the cap is that many times higher. ``RATELIMIT_STORAGE_URI`` (e.g.
``redis://localhost:6379``) shares them between workers and machines; it
needs the ``redis`` package (the ``redis`` extra), and without it the app
refuses to start with a message saying so (:func:`check_storage`).
Behind a reverse proxy, set ``PROXY_COUNT`` so the address is the
visitor's, not the proxy's (``__init__.py``).

Limits are off in tests unless a test sets ``RATELIMIT_ENABLED``.
"""

from __future__ import annotations

import functools
import importlib.util

from flask import Flask, make_response
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address
from werkzeug.exceptions import HTTPException

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


# The steps of a staff login: the password, then the code (or enrolling the app).
LOGIN_ENDPOINTS = ("auth.login", "auth.login_code")


def _refused(response) -> bool:
    return response.status_code >= 400


def _valid_requests_pass(limiter: Limiter, limited, view):
    """``limited`` (``view`` under a limit counting refusals only), letting valid requests through.

    Flask-Limiter checks the budget before the view runs. When it is spent,
    the view is run anyway: a valid answer is returned (and, not refused,
    not counted); a refusal is replaced by the 429, which counts.
    """

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        try:
            return limited(*args, **kwargs)
        except RateLimitExceeded as over:
            try:
                response = make_response(view(*args, **kwargs))
            except HTTPException:
                raise over from None
            if _refused(response):
                raise over from None
            limiter.context.view_rate_limit = None  # no Retry-After on a page that opened
            return response

    return wrapped


# Storage schemes of the ``limits`` library that talk to Redis through the ``redis`` package.
REDIS_SCHEMES = ("redis", "rediss", "redis+unix", "redis+sentinel", "redis+cluster")


def check_storage(uri: str) -> None:
    """Refuse a Redis ``RATELIMIT_STORAGE_URI`` when the ``redis`` package is not installed.

    Flask-Limiter would stop the start too, but with a message that names
    neither the setting nor the fix. The address itself is not repeated: it
    may hold Redis's password.
    """
    scheme = str(uri).partition("://")[0].lower()
    if scheme in REDIS_SCHEMES and importlib.util.find_spec("redis") is None:
        raise RuntimeError(
            f"RATELIMIT_STORAGE_URI is a {scheme}:// address, but the Python package redis is not"
            " installed, so the rate-limit counters cannot reach Redis. Install the app with its"
            " redis extra (pip install '/opt/survey-app/src[redis]', docs/production.md) or"
            " pip install redis into its venv; on a single machine RATELIMIT_STORAGE_URI=memory://"
            " needs neither."
        )


def init_app(app: Flask) -> None:
    """Wrap the link and login views of ``app`` (call after the blueprints are registered).

    Each app has its own :class:`Limiter`: its settings and counters are
    the app's, not shared with another app in the same process.
    """
    if app.config.get("RATELIMIT_ENABLED") is None:
        app.config["RATELIMIT_ENABLED"] = not app.config.get("TESTING")
    if app.config["RATELIMIT_ENABLED"]:
        check_storage(app.config["RATELIMIT_STORAGE_URI"])
    limiter = Limiter(key_func=get_remote_address, default_limits=[], app=app)
    app.extensions["survey_app.limiter"] = limiter
    # One budget for every kind of link, so trying five kinds does not buy five times the guesses.
    links = limiter.shared_limit(app.config["LINK_RATE_LIMIT"], scope="links", deduct_when=_refused)
    # The password and the code after it share one budget too: a refused code counts as a failed login.
    login = limiter.shared_limit(
        app.config["LOGIN_RATE_LIMIT"], scope="login", methods=["POST"], deduct_when=_refused
    )
    for endpoint, limit in [
        *((endpoint, links) for endpoint in LINK_ENDPOINTS),
        *((endpoint, login) for endpoint in LOGIN_ENDPOINTS),
    ]:
        view = app.view_functions[endpoint]
        app.view_functions[endpoint] = _valid_requests_pass(limiter, limit(view), view)
