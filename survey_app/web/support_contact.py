"""The support contact on participants' and teams' pages (``templates/_support_contact.html``).

A view that knows the participant's municipality calls :func:`remember_municipality`;
the include then shows that municipality's contact, else the installation's. Error
pages use whatever the request got to know before it failed.
"""

from __future__ import annotations

import logging

from flask import g

from .. import context, support

log = logging.getLogger("survey_app.errors")


def remember_municipality(code: str | None) -> None:
    """The municipality whose support contact this request's page shows."""
    g.support_municipality = code


def contact_for_page() -> support.SupportContact:
    code = g.get("support_municipality")
    try:
        return context.support_contact(code)
    except Exception:  # an error page must still render, e.g. when the database failed
        log.exception("the support contact of municipality %s could not be read", code)
        return context.support_contact(None)


def init_app(app) -> None:
    app.add_template_global(contact_for_page, "support_contact")
