"""What a table's totals row formula totals, read before the tool carries it down as the table grows.

Excel writes a totals cell as ``SUBTOTAL(109,Dossiers[Montant])``: a structured reference, which covers the
column's data rows however many the table has. Other writers (openpyxl, an agent typing it) may write the
same rows as a literal range, ``SUBTOTAL(109,D4:D8)``, which does not grow with the table: its cached value,
recomputed over every row of the grown table, would then say another thing than its formula. Such a range,
when it is exactly the column's data rows, is moved to the grown table's rows (what a structured reference
does); any other range is left as it is, with its value, for the spreadsheet to recompute.

SUBTOTAL's function codes (Excel's documentation): 1 to 11 count the rows hidden by hand, 101 to 111 leave
them out; the last two digits name the function.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from xlplugin.xlsx.refs import CellRange

# SUBTOTAL's codes, by the totals functions a table column declares (``totalsRowFunction``).
SUBTOTAL_FUNCTIONS = {1: "average", 2: "countNums", 3: "count", 4: "max", 5: "min", 7: "stdDev", 9: "sum", 10: "var"}

_SUBTOTAL = re.compile(r"^\s*SUBTOTAL\(\s*([0-9]{1,3})\s*,\s*([^,()]+?)\s*\)\s*$", re.IGNORECASE)
_RANGE = re.compile(r"^(\$?)([A-Za-z]{1,3})(\$?)([0-9]+):(\$?)([A-Za-z]{1,3})(\$?)([0-9]+)$")


@dataclass(frozen=True)
class Subtotal:
    """A totals cell's ``SUBTOTAL(code, argument)``."""

    function: str | None  # the totals function of its code (None: one a table does not declare, PRODUCT…)
    hidden_rows: bool  # rows hidden by hand count (codes 1 to 11)
    argument: str

    @property
    def structured(self) -> bool:
        """The argument is a structured reference (``Dossiers[Montant]``, ``[Montant]``): it follows its table."""
        return "[" in self.argument


def read_subtotal(formula: str) -> Subtotal | None:
    """The SUBTOTAL a totals cell's formula (without « = ») is, or None for any other formula."""
    match = _SUBTOTAL.match(formula)
    if match is None:
        return None
    code = int(match.group(1))
    if not (1 <= code <= 11 or 101 <= code <= 111):
        return None
    return Subtotal(SUBTOTAL_FUNCTIONS.get(code % 100), code <= 11, match.group(2))


def follow_rows(formula: str, subtotal: Subtotal, before: CellRange, after: CellRange) -> str | None:
    """``formula`` with its literal range moved from the rows ``before`` (a column's data rows as they were) to
    ``after`` (as they are now), its ``$`` kept; None when the range is not exactly ``before``."""
    match = _RANGE.match(subtotal.argument.strip())
    if match is None:
        return None
    try:
        found = CellRange.parse(f"{match.group(2)}{match.group(4)}:{match.group(6)}{match.group(8)}")
    except ValueError:
        return None
    if found != before:
        return None
    first_col, last_col = match.group(2).upper(), match.group(6).upper()
    moved = (
        f"{match.group(1)}{first_col}{match.group(3)}{after.min_row}:"
        f"{match.group(5)}{last_col}{match.group(7)}{after.max_row}"
    )
    return formula.replace(subtotal.argument, moved, 1)
