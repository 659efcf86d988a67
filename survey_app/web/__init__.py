"""Everything that needs a request: the blueprints by audience and the helpers they share."""

from flask import request
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
# Pages that take a file: their own size limit instead of MAX_CONTENT_LENGTH.
UPLOAD_ENDPOINTS = {"consultant.upload", "evaluator.fidelity_import", "admin.import_team_contacts"}


def init_app(app) -> None:
    """Languages, CSRF, headers, error pages, login, the blueprints and the rate limits."""
    from . import (
        auth,
        error_pages,
        home,
        i18n,
        labelling,
        limits,
        security,
        sender_status,
        static_files,
        support_contact,
    )
    from .admin import bp as admin_bp
    from .consultant import bp as consultant_bp
    from .evaluator import bp as evaluator_bp
    from .participant import bp as participant_bp
    from .team import bp as team_bp

    i18n.init_app(app)
    labelling.init_app(app)

    @app.before_request
    def allow_uploads():
        # Before the CSRF check, which reads the form and with it the body.
        if request.endpoint in UPLOAD_ENDPOINTS:
            request.max_content_length = app.config["MAX_UPLOAD_LENGTH"]

    csrf.init_app(app)
    security.init_app(app)
    static_files.init_app(app)
    error_pages.init_app(app)
    support_contact.init_app(app)
    auth.init_app(app)
    for blueprint in (home.bp, participant_bp, team_bp, consultant_bp, evaluator_bp, admin_bp):
        app.register_blueprint(blueprint)
    limits.init_app(app)
    sender_status.init_app(app)
