"""Translatable messages for modules that must not import Flask.

Pure modules (scoring, tokens, validation) raise :class:`UserError` with an
English message id marked by :func:`N_`; the edge (a view or a command)
translates it with the request's or the command's locale. Babel's extractor
is told about ``N_`` (see ``survey_app/i18n.py``), so these strings land in
the catalogues like any other.
"""


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
