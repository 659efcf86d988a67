"""The evaluator's side: response rates and results, never contact details."""

from flask import Blueprint

bp = Blueprint("evaluator", __name__, url_prefix="/evaluering")


@bp.app_template_global()
def fidelity_band(value):
    """The band of an IPS-25 score among this installation's bands (``FIDELITY_DIR``)."""
    from ... import context, fidelity

    return fidelity.band_for(value, context.fidelity_bands())


from . import fidelity_pages, figures, funnel_pages, organisation_pages, routes  # noqa: E402,F401  (routes register themselves on bp)
