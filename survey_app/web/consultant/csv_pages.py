"""The consultant's lists as CSV files for Excel: the participant list (with its filters) and the
lists of the overview page.

Only the consultant's own municipalities, and nothing about answers or scores. No contact
details either: a downloaded file is copied, mailed and forgotten in a Downloads folder, and
the phone numbers and e-mail addresses are in the case system already (privacy by default).
Semicolons, UTF-8 with BOM and CRLF, as the other CSV files of the product; every cell passes
through ``safe_csv``, so a code such as ``=1+1`` is shown, never run.
"""

from __future__ import annotations

import io

from flask import Response
from flask_babel import gettext as _

from ... import clock, invitations, safe_csv
from ...context import get_db
from ...db import transaction
from ..auth import log_action, role_required
from . import bp
from .routes import _rows, filtered_rows, home_lists, status_label


def _columns() -> list[str]:
    return [
        _("Code"),
        _("Municipality"),
        _("Course start"),
        _("Follow-up date"),
        _("Status"),
        _("Link works until and including"),
        _("Send by"),
    ]


def _status_text(row: dict) -> str:
    if row["sms_waiting_until"]:
        time = clock.local(clock.parse(row["sms_waiting_until"])).strftime("%H:%M")
        return _("Waiting for the SMS window (sent at %(time)s)", time=time)
    return status_label(row["status"])


def _cells(row: dict) -> list:
    works_until = invitations.last_valid_day(row["expires_at"]) if row["expires_at"] else None
    return [
        row["code"],
        row["municipality_name"],
        row["baseline_date"],
        row["due_date"],
        _status_text(row),
        works_until,
        _("SMS") if row["channel"] == "sms" else _("E-mail"),
    ]


def _csv_response(header: list[str], rows: list[list], name: str) -> Response:
    buffer = io.StringIO()
    buffer.write(safe_csv.BOM)
    writer = safe_csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    db = get_db()
    with transaction(db):
        log_action("participants_exported", detail={"rows": len(rows), "file": name}, db=db)
    return Response(
        buffer.getvalue(),
        mimetype=safe_csv.MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.get("/deltagere.csv")
@role_required("consultant")
def participants_csv():
    """The participant list as shown (same status and code filters), one participant a line."""
    rows, _status, _search = filtered_rows()
    name = f"deltagere-{clock.today().isoformat()}.csv"
    return _csv_response(_columns(), [_cells(row) for row in rows], name)


@bp.get("/oversigt.csv")
@role_required("consultant")
def home_csv():
    """The overview's lists (overdue, due within a week, waiting for the SMS window, not delivered,
    opened but not finished), one line per participant and list, the list named first."""
    names = {
        "overdue": _("Overdue"),
        "due_soon": _("Due within a week"),
        "waiting": _("Waiting for the SMS window"),
        "failed": _("Messages that could not be delivered"),
        "stalled": _("Opened but not finished"),
    }
    lines = [[names[key], *_cells(row)] for key, rows in home_lists(_rows()).items() for row in rows]
    name = f"oversigt-{clock.today().isoformat()}.csv"
    return _csv_response([_("List"), *_columns()], lines, name)
