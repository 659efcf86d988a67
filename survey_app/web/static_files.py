"""Static files (stylesheets, scripts) kept by the browser until they change.

Every ``url_for("static", ...)`` gets ``?v=`` and the first 12 hex digits of the file's SHA-256.
A request carrying the file's current hash is answered with a year's ``max-age`` and
``immutable``, so a participant's phone asks for ``app.css`` or ``chat.js`` once, not again on
every answer (without JavaScript each answer is a page load, and on 3G a revalidation costs a
round trip before the page can be drawn). A changed file has a new hash, hence a new address; a
request without the hash, or with an old one, is served as before (revalidated every time), and so
is another spelling of a file's path (``x/../app.css``): only a file's own name is hashed
and remembered, never one per spelling a stranger can send.
"""

from __future__ import annotations

import hashlib
import posixpath
from pathlib import Path

from flask import request

YEAR = 365 * 24 * 3600


def init_app(app) -> None:
    folder = Path(app.static_folder)
    hashes: dict[str, str | None] = app.extensions.setdefault("survey_app.static_versions", {})

    def version(filename: str) -> str | None:
        # Hashed once per process; a deployment restarts the app with its new files.
        if filename not in hashes:
            path = (folder / filename).resolve()
            inside = path.is_relative_to(folder.resolve()) and path.is_file()
            hashes[filename] = hashlib.sha256(path.read_bytes()).hexdigest()[:12] if inside else None
        return hashes[filename]

    @app.url_defaults
    def add_version(endpoint, values):
        if (
            endpoint == "static"
            and "v" not in values
            and "filename" in values
            and (digest := version(values["filename"]))
        ):
            values["v"] = digest

    @app.after_request
    def cache_versioned(response):
        if request.endpoint == "static" and response.status_code == 200:
            filename = (request.view_args or {}).get("filename", "")
            canonical = filename == posixpath.normpath(filename)
            if canonical and request.args.get("v") and request.args.get("v") == version(filename):
                response.cache_control.no_cache = None
                response.cache_control.public = True
                response.cache_control.max_age = YEAR
                response.cache_control.immutable = True
        return response
