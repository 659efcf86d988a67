"""The participant's side: a signed link, a welcome page, and the chat-style form."""

from flask import Blueprint

bp = Blueprint("participant", __name__)

from . import notices, routes  # noqa: E402,F401  (routes register themselves on bp)
