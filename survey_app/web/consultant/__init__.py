"""The consultant's side: today's work, the participant registry, sending and QR codes."""

from flask import Blueprint

bp = Blueprint("consultant", __name__, url_prefix="/konsulent")

from . import routes  # noqa: E402,F401  (routes register themselves on bp)
