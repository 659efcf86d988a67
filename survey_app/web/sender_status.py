"""When ``send-due`` last ran and what it did, in words, for the consultant's home and the outbox.

Pages show it with ``{% include "_sender_status.html" %}``; the include calls :func:`sender_status`
(a template global), so no view has to pass anything. A warning is shown when the last run ended
more than an hour ago (``jobs.STALE_AFTER``) or there never was one: then invitations and reminders
are not going out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from babel.lists import format_list
from flask_babel import format_date, get_locale, gettext, ngettext

from .. import clock, jobs
from ..context import get_db

# How each kind of message is counted, singular and plural msgids.
_KIND_TEXTS = {
    "invitation": ("%(num)d invitation", "%(num)d invitations"),
    "reminder": ("%(num)d reminder", "%(num)d reminders"),
    "prenotice": ("%(num)d pre-notice", "%(num)d pre-notices"),
    "round": ("%(num)d round e-mail to a team", "%(num)d round e-mails to teams"),
    "round_reminder": ("%(num)d reminder to a team", "%(num)d reminders to teams"),
}


@dataclass(frozen=True)
class SenderStatus:
    text: str  # "Last run today at 10:15: 3 invitations and 1 reminder sent."
    warning: str | None  # set when it has not run for an hour, or never


def _when(moment) -> str:
    local = clock.local(moment)
    time = local.strftime("%H:%M")
    today = clock.today()
    if local.date() == today:
        return gettext("today at %(time)s", time=time)
    if local.date() == today - timedelta(days=1):
        return gettext("yesterday at %(time)s", time=time)
    return gettext("on %(date)s at %(time)s", date=format_date(local.date(), "long"), time=time)


def _listed(counts: dict) -> str:
    parts = [ngettext(*_KIND_TEXTS[kind], counts[kind]) for kind in _KIND_TEXTS if counts.get(kind)]
    return format_list(parts, locale=get_locale())


def _what(run: jobs.LastRun, detailed: bool) -> str:
    if run.error:
        if detailed:
            return gettext("it stopped with an error: %(error)s", error=run.error)
        return gettext("it stopped with an error (the administrator can see it in the outbox)")
    counts = run.counts
    parts = []
    if counts.get("sent"):
        parts.append(gettext("%(messages)s sent", messages=_listed(counts["sent"])))
    if counts.get("waiting"):
        parts.append(
            ngettext(
                "%(num)d SMS waits for the SMS window",
                "%(num)d SMS wait for the SMS window",
                counts["waiting"],
            )
        )
    if counts.get("failed_total"):
        parts.append(
            ngettext(
                "%(num)d message could not be delivered",
                "%(num)d messages could not be delivered",
                counts["failed_total"],
            )
        )
    return "; ".join(parts) if parts else gettext("nothing was due")


def sender_status(detailed: bool = False) -> SenderStatus:
    """The last finished run of send-due in words; ``detailed`` adds an error's text (admins)."""
    run = jobs.last_run(get_db(), jobs.SEND_DUE, clock.now())
    if run is None:
        return SenderStatus(
            text=gettext("It has not run yet."),
            warning=gettext(
                "No invitations or reminders go out until it runs. The app runs it by itself when"
                " started with flask run; on a server the timer runs it (README, 'Sending on a schedule')."
            ),
        )
    text = gettext("Last run %(when)s: %(what)s.", when=_when(run.finished_at), what=_what(run, detailed))
    warning = None
    if run.stale:
        warning = gettext(
            "It has not run for more than an hour: invitations and reminders wait until it runs again."
            " Check that the app or the timer runs (README, 'Sending on a schedule')."
        )
    return SenderStatus(text=text, warning=warning)


def init_app(app) -> None:
    app.add_template_global(sender_status)
