"""Pages shared by every visitor: the front page, the language switch, robots.txt."""

from flask import Blueprint, Response, abort, redirect, render_template, request, session

from .i18n import LANGUAGES
from .security import local_path

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    return render_template("index.html")


@bp.post("/sprog")
def set_language():
    """Remember the chosen language in the session, then go back where the visitor was."""
    language = request.form.get("language")
    if language not in LANGUAGES:
        abort(400)
    session["language"] = language
    # Only a path on this site: the switch cannot be used to send people elsewhere.
    return redirect(local_path(request.form.get("next")) or "/", code=303)


@bp.get("/robots.txt")
def robots():
    return Response("User-agent: *\nDisallow: /\n", mimetype="text/plain")
