"""Writing applicant text into a worksheet so that it stays text.

openpyxl turns a string that starts with ``=`` into a formula; text from an applicant must never become
one. ``put_text`` stores such a string as text (an inline string), whatever it begins with.
"""

from __future__ import annotations

from typing import Any

from openpyxl.cell.cell import Cell, MergedCell


def put_text(cell: Cell | MergedCell, value: Any) -> None:
    """Store ``value`` in ``cell``; a string is always stored as text, never as a formula."""
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
