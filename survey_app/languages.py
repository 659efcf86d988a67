"""The languages the product speaks, and translatable text in code that must not import Flask.

Danish is the default and complete; English second. Message catalogues live in
``translations/<lang>/LC_MESSAGES/messages.po`` (in git); the compiled ``.mo`` files are build
output: :func:`compile_catalogues` writes them whenever a ``.po`` is newer, at every start of the
app, so a fresh checkout works after ``pip install -e .`` with no extra step.

Pure and domain modules raise :class:`UserError` with an English message id marked by :func:`N_`;
the edge (a view or a command) translates it with the request's or the command's locale. Babel's
extractor is told about ``N_`` (:data:`EXTRACT_KEYWORDS`), so these strings land in the catalogues
like any other.
"""

from __future__ import annotations

import logging
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LANGUAGES = {"da": "Dansk", "en": "English"}
DEFAULT_LANGUAGE = "da"
# Keywords the extractor looks for: the usual gettext family, lazy_gettext
# for form labels, and N_ for messages raised by the Flask-free modules.
EXTRACT_KEYWORDS = ["_", "gettext", "ngettext:1,2", "lazy_gettext", "_l", "N_"]

log = logging.getLogger(__name__)


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it."""
    return message


class UserError(ValueError):
    """Something a person did wrong, explained in their language.

    ``message`` is a msgid with ``%(name)s`` placeholders filled from
    ``params`` after translation.
    """

    def __init__(self, message: str, **params):
        super().__init__(message % params if params else message)
        self.message = message
        self.params = params

    def translate(self, gettext) -> str:
        """The message in the current locale, using a gettext function."""
        return gettext(self.message, **self.params)


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
