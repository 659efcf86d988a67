"""Where the app's data files are: questionnaires and message catalogues.

In a checkout (and an editable install) they are the top-level folders
``questionnaires/`` and ``translations/`` beside the package. A wheel
installs them as data files under ``<prefix>/share/survey-app/`` (see
``[options.data_files]`` in ``setup.cfg``), where ``<prefix>`` is the venv.

This module imports no Flask.
"""

from __future__ import annotations

import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTALLED_DATA = Path(sys.prefix) / "share" / "survey-app"


def data_root() -> Path:
    """The folder holding ``questionnaires/`` and ``translations/``."""
    if (PROJECT_ROOT / "questionnaires").is_dir():
        return PROJECT_ROOT
    return INSTALLED_DATA


DATA_ROOT = data_root()
