"""The admin's side: users, clusters, message templates, the outbox and the audit log."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from . import routes  # noqa: E402,F401  (routes register themselves on bp)
