"""Logs never hold a link's token.

A token in a participant's, team's, opt-out or set-password link is the only
key to that person's answers or account. Whoever reads a log (an operator, a
log shipper, a support ticket with a pasted log) must not be able to use it,
so every path that carries one is written as ``/s/***``:

- the development server's request lines (logger ``werkzeug``);
- our own messages, e.g. the console sender that shows outgoing texts;
- Flask's error log, tracebacks included (an exception's text may quote a token);
- gunicorn's access and error logs, through :class:`GunicornLogger`
  (``logger_class = "survey_app.logs.GunicornLogger"`` in ``deploy/gunicorn.conf.py``).

The reverse proxy in front must do the same for its own log (``deploy/nginx.conf``).
Commands an operator runs on purpose (``invite``, ``users link``, ``outbox``)
still print links: that is their job, and their output is not a log.
"""

from __future__ import annotations

import logging
import re

MASK = "***"

# A path segment after a prefix that takes a token; /team/svar and /team/oversigt carry none.
_TOKEN_PATH = re.compile(
    r"(/(?:s|afmeld|adgangskode|opsaetning)/|/team/(?!(?:svar|oversigt)(?![^/?#\s\"'<>]))"
    r")[^/?#\s\"'<>]+"
)

# Loggers that may see a request path or a message with a link in it.
LOGGER_NAMES = (
    "werkzeug",
    "survey_app",
    "survey_app.delivery",
    "survey_app.errors",
    "survey_app.sender",
    "gunicorn.access",
    "gunicorn.error",
)


def mask(text: str) -> str:
    """``text`` with every link token replaced by ``***``."""
    return _TOKEN_PATH.sub(lambda match: match.group(1) + MASK, text)


class TokenFilter(logging.Filter):
    """Rewrites a record's message (and traceback) with tokens masked; drops nothing."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask(message)
        if masked != message:
            record.msg, record.args = masked, ()
        if record.exc_info:
            record.exc_text = mask(self._formatter.formatException(record.exc_info))
            record.exc_info = None
        if record.stack_info:
            record.stack_info = mask(record.stack_info)
        return True


_filter = TokenFilter()


def mask_tokens_in_logs() -> None:
    """Attach the filter to every logger that may see a token (idempotent)."""
    for name in LOGGER_NAMES:
        logger = logging.getLogger(name)
        if _filter not in logger.filters:
            logger.addFilter(_filter)


try:  # gunicorn is a production dependency, not needed to import the app.
    from gunicorn.glogging import Logger as _GunicornBaseLogger
except ImportError:  # pragma: no cover - without gunicorn there is nothing to configure
    _GunicornBaseLogger = None


if _GunicornBaseLogger is not None:

    class GunicornLogger(_GunicornBaseLogger):
        """gunicorn's logger with link tokens masked in the access and error logs."""

        def setup(self, cfg) -> None:
            super().setup(cfg)
            self.error_log.addFilter(_filter)
            self.access_log.addFilter(_filter)
