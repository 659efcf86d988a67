"""Languages: Danish by default and complete, English second.

Message catalogues live in ``translations/<lang>/LC_MESSAGES/messages.po``
(in git). The compiled ``.mo`` files are build output: :func:`compile_catalogues`
writes them whenever a ``.po`` is newer, at every start of the app, so a
fresh checkout works after ``pip install -e .`` with no extra step.

``flask --app survey_app translations update`` re-extracts the strings from
the code and templates and merges them into both catalogues.
"""

from __future__ import annotations

import logging
import os
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from flask import g, has_request_context, request, session
from flask_babel import Babel, force_locale, format_date, format_datetime, get_translations, refresh

from .. import clock, places
from ..context import get_db
from ..formatting import shown_as_stored_when_unreadable
from ..languages import DEFAULT_LANGUAGE, LANGUAGES, N_, compile_catalogues
from ..questionnaires import localise

log = logging.getLogger(__name__)
babel = Babel()


# Where the session keeps the language of the link this browser opened (the participant's, or the
# team contact's); the explicit choice of the language switch (``session["language"]``) wins over it.
LINK_LANGUAGE_KEY = "link_language"


def select_language() -> str:
    """The visitor's explicit choice (kept in the session), else on a participant's or a team's pages
    the language of the link (the participant's, or the team contact's), else Danish.

    The browser's Accept-Language is deliberately not used: participants
    are Danish residents whose phones are often set to English, and the
    questionnaire's reference wording is the Danish one.
    """
    if has_request_context():
        chosen = session.get("language")
        if chosen in LANGUAGES:
            return chosen
        if request.blueprint in ("participant", "team"):
            registered = g.get(LINK_LANGUAGE_KEY) or session.get(LINK_LANGUAGE_KEY)
            if registered in LANGUAGES:
                return registered
    return DEFAULT_LANGUAGE


def speak_language_of_link(language: str | None, *, remember: bool) -> None:
    """Show this request (and, with ``remember``, this session's next participant or team pages) in
    the language of the link (the participant's, or the team contact's), unless the visitor chose
    one with the switch.

    A GET of a link must change nothing, so only the POST that starts answering remembers it.
    """
    if language not in LANGUAGES or session.get("language") in LANGUAGES:
        return
    refresh()  # forget a locale or catalogue already looked up for this request
    g.pop("translations", None)
    g.language = g.link_language = language
    if remember and session.get(LINK_LANGUAGE_KEY) != language:
        session[LINK_LANGUAGE_KEY] = language


@contextmanager
def speaking(language: str):
    """Render a part of this request's page in ``language`` (e.g. a participant's printed letter on
    the consultant's page), then go back to the page's language."""
    if language not in LANGUAGES:
        language = DEFAULT_LANGUAGE
    saved = {key: g.pop(key) for key in ("language", "translations") if key in g}
    try:
        with force_locale(language):
            g.language = language
            yield
    finally:
        g.pop("language", None)
        g.pop("translations", None)
        for key, value in saved.items():
            setattr(g, key, value)


def current_language() -> str:
    """The language of this request, chosen once."""
    if not has_request_context():
        return DEFAULT_LANGUAGE
    language = g.get("language")
    if language is None:
        language = g.language = select_language()
    return language


def _request_translations():
    """The catalogue of this request, looked up once.

    Flask-Babel finds the catalogue anew for every string; a chat page
    translates dozens, and this is on the path of every answer.
    """
    translations = g.get("translations")
    if translations is None:
        translations = g.translations = get_translations()
    return translations


# WTForms ships no Danish catalogue, so its own messages would reach a Danish
# page in English. Those our forms can show are translated in ours instead.
WTFORMS_MESSAGES = (
    N_("This field is required."),
    N_("Not a valid choice."),
    N_("Not a valid date value."),
    N_("Invalid Choice: could not coerce."),
    N_("Invalid choice(s): one or more data inputs could not be coerced."),
)


class _FormMessages:
    """WTForms' messages looked up in the app's catalogue of the request."""

    def ugettext(self, message: str) -> str:
        return _request_translations().ugettext(message)

    def ungettext(self, singular: str, plural: str, n: int) -> str:
        return _request_translations().ungettext(singular, plural, n)


_FORM_MESSAGES = _FormMessages()


def _use_our_catalogue_for_forms() -> None:
    # Flask-WTF looks for the request's WTForms catalogue here before loading WTForms' own.
    request.wtforms_translations = _FORM_MESSAGES


def compiled_catalogues(app) -> Path:
    """The folder of up-to-date ``.mo`` files: beside the ``.po`` files when the app may write there
    (a checkout), else in the instance folder (an installed package owned by another user)."""
    source = Path(app.config["TRANSLATIONS_DIR"])
    if os.access(source, os.W_OK):
        compile_catalogues(source)
        return source
    target = Path(app.instance_path) / "translations"
    compile_catalogues(source, target)
    return target


def init_app(app) -> None:
    babel.init_app(
        app,
        default_locale=DEFAULT_LANGUAGE,
        default_timezone="Europe/Copenhagen",
        default_translation_directories=str(compiled_catalogues(app)),
        locale_selector=select_language,
    )
    app.before_request(_use_our_catalogue_for_forms)
    app.jinja_env.install_gettext_callables(
        gettext=lambda message: _request_translations().ugettext(message),
        ngettext=lambda singular, plural, n: _request_translations().ungettext(singular, plural, n),
        newstyle=True,
    )
    app.add_template_filter(lambda texts: localise(texts, current_language()), "tr")
    safe = shown_as_stored_when_unreadable
    app.add_template_filter(
        safe(lambda stored: format_date(clock.local(clock.parse(stored)), "long")), "stored_date"
    )
    app.add_template_filter(
        safe(lambda stored: format_datetime(clock.parse(stored), "d. MMM yyyy HH:mm")), "stored_datetime"
    )
    app.add_template_filter(
        safe(lambda iso: format_date(date.fromisoformat(iso[:10]), "d. MMM yyyy")), "iso_date"
    )
    app.add_template_filter(
        lambda code: places.municipality_name(get_db(), code) or code, "municipality_name"
    )

    @app.context_processor
    def language_context():
        return {
            "current_language": current_language(),
            "languages": LANGUAGES,
            "current_path": request.full_path.rstrip("?") if has_request_context() else "/",
        }
