"""Sheet names inside formula text: finding and renaming them (``'Répartition'!B2`` → ``'Répartition (2)'!B2``).

Text between double quotes is a string literal and is left alone; a sheet name is either quoted
(``'Mon onglet'!A1``, a quote doubled inside) or bare (``Feuil1!A1``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

_TOKENS = re.compile(r"\"(?:[^\"]|\"\")*\"|'((?:[^']|'')+)'!|(?<![\w.'\]])([^\W\d][\w.]*)!")
_BARE_OK = re.compile(r"^[^\W\d][\w.]*$")
_CELL_LIKE = re.compile(r"^[A-Za-z]{1,3}[0-9]+$|^[RrCc][0-9]*$|^[Rr][0-9]*[Cc][0-9]*$")


def quote_sheet(name: str) -> str:
    """A sheet name as a formula writes it: bare when it can be, else between single quotes."""
    if _BARE_OK.match(name) and not _CELL_LIKE.match(name):
        return name
    return "'" + name.replace("'", "''") + "'"


def rename_sheets(formula: str, renames: Mapping[str, str]) -> str:
    """``formula`` with references to sheets renamed (names compared without case, as Excel does)."""
    if not renames:
        return formula
    folded = {old.casefold(): new for old, new in renames.items()}

    def replace(match: re.Match[str]) -> str:
        if match.group(0).startswith('"'):
            return match.group(0)
        name = match.group(1).replace("''", "'") if match.group(1) is not None else match.group(2)
        new = folded.get(name.casefold())
        return match.group(0) if new is None else quote_sheet(new) + "!"

    return _TOKENS.sub(replace, formula)
