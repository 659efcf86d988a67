"""The admin's side: users, clusters, message templates, organisation rounds, participants' rights,
the outbox and the audit log."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from . import picker, privacy_pages, rights_pages, round_pages, routes, support_pages  # noqa: E402,F401  (routes register themselves on bp)
