"""HTTP headers that keep participants' links and answers private.

- No third-party requests and no inline code (Content-Security-Policy), except the
  stylesheet inlined in the link's own page (``INLINE_STYLESHEET``), allowed by its hash.
- The link token never leaks through the Referer header: ``no-referrer``.
  (So Flask-WTF's check that an HTTPS form post's Referer names our own
  host is switched off, ``WTF_CSRF_SSL_STRICT = False``: every POST still
  needs its CSRF token, and the session cookie is ``SameSite=Lax``.)
- Over HTTPS (an ``https://`` ``BASE_URL``), browsers are told to use
  nothing else for a year (HSTS).
- Pages with answers are never cached by the browser or a proxy, and
  neither is any download (exports, CSV files): a file of participants'
  rows must not stay in a browser's or a proxy's cache.
- Nothing here is meant for search engines.
"""

import base64
import hashlib
from pathlib import Path

from markupsafe import Markup

# The link's page carries the stylesheet inline, so that question 1 shows after one round trip on
# a slow phone network (bench/first_question.py). Only this exact text may be an inline style.
INLINE_STYLESHEET = Markup((Path(__file__).parent.parent / "static" / "app.css").read_text(encoding="utf-8"))
INLINE_STYLESHEET_HASH = (
    "sha256-" + base64.b64encode(hashlib.sha256(INLINE_STYLESHEET.encode()).digest()).decode()
)

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        f"style-src 'self' '{INLINE_STYLESHEET_HASH}'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)


SECURITY_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("Referrer-Policy", "no-referrer"),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("X-Robots-Tag", "noindex, nofollow"),
)


HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")


def add_security_headers(response):
    """Added to every response (no view sets these itself; appending is cheaper than checking)."""
    if "Content-Security-Policy" in response.headers:  # a response with its own policy (a chart's file)
        response.headers.extend(SECURITY_HEADERS[1:])
    else:
        response.headers.extend(SECURITY_HEADERS)
    download = response.headers.get("Content-Disposition", "").startswith("attachment")
    if download or response.mimetype == "text/html":
        response.headers["Cache-Control"] = "no-store"
    return response


def add_security_headers_https(response):
    response = add_security_headers(response)
    response.headers.add(*HSTS)
    return response


def init_app(app) -> None:
    https = app.config["BASE_URL"].startswith("https://")
    app.after_request(add_security_headers_https if https else add_security_headers)


def local_path(target: str | None) -> str | None:
    """``target`` if it is a path on this site, else None: redirects never lead elsewhere.

    Refused: anything with a scheme or host; ``//host`` (protocol-relative);
    a backslash, which browsers read as a slash (``/\\host``); and anything
    not printable, as a tab or newline is dropped by URL parsers and turns
    ``/<tab>/host`` into ``//host``.
    """
    if (
        target
        and target.isprintable()
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
    ):
        return target
    return None
