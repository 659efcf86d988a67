"""The evaluator's side: response rates and results, never contact details."""

from flask import Blueprint

bp = Blueprint("evaluator", __name__, url_prefix="/evaluering")

from . import fidelity_pages, organisation_pages, routes  # noqa: E402,F401  (routes register themselves on bp)
