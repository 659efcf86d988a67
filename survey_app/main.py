"""Pages shared by every visitor: the front page, the language switch, robots.txt."""

from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, redirect, render_template, request, session

from .i18n import LANGUAGES

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
    return redirect(_local_path(request.form.get("next")), code=303)


def _local_path(target: str | None) -> str:
    """Only paths on this site, so the switch cannot be used to send people elsewhere."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


@bp.get("/robots.txt")
def robots():
    return Response("User-agent: *\nDisallow: /\n", mimetype="text/plain")
