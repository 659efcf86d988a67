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
import subprocess
import sys
from datetime import date
from pathlib import Path

import click
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import current_app, g, has_request_context, request, session
from flask.cli import AppGroup
from flask_babel import Babel, format_date, format_datetime, get_translations

from .. import clock
from ..formatting import shown_as_stored_when_unreadable
from ..geography import municipalities
from ..languages import N_
from ..questionnaires import localise

LANGUAGES = {"da": "Dansk", "en": "English"}
DEFAULT_LANGUAGE = "da"
# Keywords the extractor looks for: the usual gettext family, lazy_gettext
# for form labels, and N_ for messages raised by the Flask-free modules.
EXTRACT_KEYWORDS = ["_", "gettext", "ngettext:1,2", "lazy_gettext", "_l", "N_"]

log = logging.getLogger(__name__)
babel = Babel()


def select_language() -> str:
    """The participant's explicit choice (kept in the session), else Danish.

    The browser's Accept-Language is deliberately not used: participants
    are Danish residents whose phones are often set to English, and the
    questionnaire's reference wording is the Danish one.
    """
    if has_request_context():
        chosen = session.get("language")
        if chosen in LANGUAGES:
            return chosen
    return DEFAULT_LANGUAGE


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


def translations_dir() -> Path:
    return Path(current_app.config["TRANSLATIONS_DIR"])


def compile_catalogues(directory: Path, target: Path | None = None) -> list[Path]:
    """Write ``messages.mo`` for every ``messages.po`` that is newer; return those written.

    The ``.mo`` goes beside its ``.po``, or under ``target`` in the same layout.
    """
    written = []
    for po_path in sorted(Path(directory).glob("*/LC_MESSAGES/messages.po")):
        mo_path = po_path.with_suffix(".mo")
        if target is not None:
            mo_path = Path(target) / po_path.relative_to(directory).with_suffix(".mo")
            mo_path.parent.mkdir(parents=True, exist_ok=True)
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with open(po_path, "rb") as po_file:
            catalogue = read_po(po_file, locale=po_path.parent.parent.name)
        temporary = mo_path.with_suffix(".mo.tmp")
        try:
            with open(temporary, "wb") as mo_file:
                write_mo(mo_file, catalogue)
            temporary.replace(mo_path)  # atomic: a worker never reads half a file
        except OSError as error:
            log.warning("Could not compile %s: %s", po_path, error)
            continue
        written.append(mo_path)
    return written


@click.group("translations", cls=AppGroup)
def translations_command():
    """Maintain the Danish and English message catalogues."""


def _pybabel(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], check=True)


@translations_command.command("update")
def update_command():
    """Extract strings from code and templates and merge them into the catalogues."""
    root = Path(current_app.root_path).parent
    directory = translations_dir()
    pot = directory / "messages.pot"
    keywords = [arg for keyword in EXTRACT_KEYWORDS for arg in ("-k", keyword)]
    _pybabel(
        "extract",
        "-F",
        str(root / "babel.cfg"),
        "--no-location",
        "--sort-output",
        "--project",
        "survey_app",
        "--version",
        "0.1",
        "--msgid-bugs-address",
        "",
        *keywords,
        "-o",
        str(pot),
        str(root / "survey_app"),
    )
    for language in LANGUAGES:
        if (directory / language / "LC_MESSAGES" / "messages.po").exists():
            _pybabel(
                "update",
                "-i",
                str(pot),
                "-d",
                str(directory),
                "-l",
                language,
                "--no-fuzzy-matching",
                "--ignore-obsolete",
            )
        else:
            _pybabel("init", "-i", str(pot), "-d", str(directory), "-l", language)
    pot.unlink()
    click.echo(f"Kataloger opdateret i {directory}. Oversæt de nye tekster og kør 'translations compile'.")


@translations_command.command("compile")
def compile_command():
    """Compile the .po catalogues into .mo files (also done at every start)."""
    for path in compile_catalogues(translations_dir()):
        click.echo(f"Skrevet: {path}")


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
    app.cli.add_command(translations_command)
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
    names = {m.code: m.name for m in municipalities()}
    app.add_template_filter(lambda code: names.get(code, code), "municipality_name")

    @app.context_processor
    def language_context():
        return {
            "current_language": current_language(),
            "languages": LANGUAGES,
            "current_path": request.full_path.rstrip("?") if has_request_context() else "/",
        }
