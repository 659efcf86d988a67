"""The consultant's side: today's work, the participant registry, sending and QR codes."""

from flask import Blueprint

bp = Blueprint("consultant", __name__, url_prefix="/konsulent")

from . import csv_pages, early_pages, routes, withdrawal_pages  # noqa: E402,F401  (routes register themselves on bp)
