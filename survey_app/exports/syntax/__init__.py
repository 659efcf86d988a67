"""Syntax beside the data: an R script, an SPSS syntax file and a Stata do-file that read the
participant-level export and print Tabel 3 (eligible, completed, RR1, RR2, CSQ-8 N, mean and SD
per region at baseline and in total), with the region report's definitions.

The scripts are package data files beside this module; ``export --syntax`` writes one out.
"""

from __future__ import annotations

from importlib import resources

# --syntax value: the shipped file.
SYNTAXES = {"r": "tabel3.R", "sps": "tabel3.sps", "do": "tabel3.do"}


def syntax_text(kind: str) -> str:
    """The script for ``kind`` (r, sps or do), as shipped."""
    return resources.files(__name__).joinpath(SYNTAXES[kind]).read_text(encoding="utf-8")
