"""The IPS team's side: a round's signed link and the organisation questionnaire as a chat."""

from flask import Blueprint

bp = Blueprint("team", __name__, url_prefix="/team")


from . import routes  # noqa: E402,F401  (routes register themselves on bp)
