"""HTTP headers that keep participants' links and answers private.

- No third-party requests and no inline code (Content-Security-Policy).
- The link token never leaks to another site through the Referer header
  (``same-origin`` rather than ``no-referrer``: Flask-WTF checks the Referer
  of HTTPS form posts against our own host).
- Pages with answers are never cached by the browser or a proxy.
- Nothing here is meant for search engines.
"""

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)


SECURITY_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("Referrer-Policy", "same-origin"),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("X-Robots-Tag", "noindex, nofollow"),
)


def add_security_headers(response):
    """Added to every response (no view sets these itself; appending is cheaper than checking)."""
    response.headers.extend(SECURITY_HEADERS)
    if response.mimetype == "text/html":
        response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app) -> None:
    app.after_request(add_security_headers)
