"""A small interface over a workbook, so that one implementation serves every trigger.

The allocation of the envelope (``guichet allocate --workbook``, the button of the classic add-in, the
script of xlwings Lite) reads and writes the workbook through ``Book``: ``package_book.PackageBook`` for a
file, which patches the package (every part, and every cell, the tool does not write stays as it was: see
``xlplugin.xlsx``), ``XlwingsBook`` here for the workbook open in Excel (this module stays free of any
compiled library: it runs in xlwings Lite). Rows and columns are 1-based, as in Excel.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from xlplugin.workbook import layout as L


class Book(Protocol):
    def sheet_names(self) -> list[str]: ...

    def values(self, sheet: str) -> list[list[Any]]:
        """The sheet's values from A1 to its last used cell, as rows of equal length."""
        ...

    def head(self, sheet: str, rows: int) -> list[list[Any]]:
        """The values of the sheet's first ``rows`` rows (where a header is looked for), without reading the rest."""
        ...

    def marked_name(self, role: str) -> str | None:
        """The text (without « = ») of the tool's workbook name of this role, if the workbook has it."""
        ...

    def write(
        self,
        sheet: str,
        row: int,
        column: int,
        values: list[list[Any]],
        *,
        formats: Sequence[str | None] | None = None,
        like_above: bool = False,
    ) -> None:
        """Write a block of values whose top-left cell is (row, column); text stays text, never a formula.

        A cell that exists keeps its style; a new one takes the style of the cell above when ``like_above``
        (a row added under others), else the number format of its column in ``formats``."""
        ...

    def resize_table(self, sheet: str, table: str, last_row: int) -> None:
        """Make the Excel table ``table`` of ``sheet`` end at ``last_row`` (its last data row), if it exists."""
        ...

    def table_last_row(self, sheet: str, table: str) -> int | None:
        """The last data row of the Excel table ``table`` of ``sheet``; None when the sheet has no such table."""
        ...

    def follow_table_charts(self, sheet: str, table: str) -> None:
        """Make the charts of ``sheet`` over the columns of its table ``table`` end where the table ends."""
        ...

    def roles(self) -> dict[str, str]:
        """The tool's sheets by role (« Répartition » → the sheet's name in this workbook)."""
        ...


class XlwingsBook:
    """The workbook open in Excel (classic add-in: ``xw.Book.caller()``; xlwings Lite: the script's book)."""

    def __init__(self, book: Any) -> None:
        self.book = book

    def sheet_names(self) -> list[str]:
        return [sheet.name for sheet in self.book.sheets]

    def roles(self) -> dict[str, str]:
        """By the role names (sheet-local ``Guichet_Role``), else the layout's sheet names."""
        found = {}
        for name in self.book.names:
            if name.name.endswith(L.ROLE_NAME) and "!" in name.name:
                found[str(name.refers_to).lstrip("=").strip('"')] = name.name.split("!", 1)[0].strip("'")
        names = self.sheet_names()
        return found or {role: role for role in L.SHEET_ROLES if role in names}

    def head(self, sheet: str, rows: int) -> list[list[Any]]:
        return self.values(sheet)[:rows]  # Excel holds the sheet already

    def marked_name(self, role: str) -> str | None:
        for name in self.book.names:
            if name.name == role:  # a workbook name: a sheet's own is written « Feuille!Nom »
                return str(name.refers_to).lstrip("=")
        return None

    def values(self, sheet: str) -> list[list[Any]]:
        target = self.book.sheets[sheet]
        try:
            used = target.used_range
        except NotImplementedError:
            # xlwings 0.33 (the one xlwings Lite installs) has no used range for the book Office.js sends; that
            # book's values start at A1.
            sent = target.api["values"]
            height, width = len(sent), max((len(row) for row in sent), default=0)
            used = target.range((1, 1), (max(height, 1), max(width, 1)))
        if _sent_by_office_js(used):
            values = [[_office_js_value(v) for v in row] for row in used.raw_value] or [[]]
        else:
            values = used.options(ndim=2).value or [[]]
        # The used range may start after A1: pad so that indexes are the sheet's own.
        top, left = used.row, used.column
        width = left - 1 + max((len(r) for r in values), default=0)
        padded = [[None] * width for _ in range(top - 1)]
        padded += [[None] * (left - 1) + list(r) + [None] * (width - left + 1 - len(r)) for r in values]
        return padded

    def write(
        self,
        sheet: str,
        row: int,
        column: int,
        values: list[list[Any]],
        *,
        formats: Sequence[str | None] | None = None,
        like_above: bool = False,
    ) -> None:
        if not values:
            return
        # A text starting with « = » is written with a leading apostrophe, Excel's mark for text.
        safe = [
            [f"'{v}" if isinstance(v, str) and v.startswith(("=", "+", "-", "@")) else v for v in line]
            for line in values
        ]
        target = self.book.sheets[sheet]
        target.range((row, column)).value = safe
        for j, fmt in enumerate(formats or ()):
            if fmt:
                target.range((row, column + j), (row + len(values) - 1, column + j)).number_format = fmt

    def table_last_row(self, sheet: str, table: str) -> int | None:
        ws = self.book.sheets[sheet]
        if table not in [t.name for t in ws.tables]:
            return None
        excel_table = ws.tables[table]
        return int(excel_table.range[0, 0].row + excel_table.range.rows.count - 1)

    def follow_table_charts(self, sheet: str, table: str) -> None:
        # Excel itself makes a chart over a table's columns follow the table when it resizes it.
        return None

    def resize_table(self, sheet: str, table: str, last_row: int) -> None:
        ws = self.book.sheets[sheet]
        names = [t.name for t in ws.tables]
        if table in names:
            excel_table = ws.tables[table]
            first = excel_table.range[0, 0]
            last_column = first.column + excel_table.range.columns.count - 1
            # Corners as (row, column): xlwings' remote engine (Lite, Server) takes no Range as a corner.
            excel_table.resize(ws.range((first.row, first.column), (max(last_row, first.row + 1), last_column)))


# xlwings' pattern of a date sent as text (xlwings.pro._xlremote.datetime_pattern).
_ISO_DATETIME = re.compile(
    r"^(-?(?:[1-9][0-9]*)?[0-9]{4})-(1[0-2]|0[1-9])-(3[01]|0[1-9]|[12][0-9])T(2[0-3]|[01][0-9]):([0-5][0-9]):"
    r"([0-5][0-9])(\.[0-9]+)?(Z|[+-](?:2[0-3]|[01][0-9]):[0-5][0-9])?$"
)
# What Excel shows for an error; Office.js sends it as this text (xlwings reads it as an empty cell).
EXCEL_ERRORS = frozenset(("#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!", "#DATA!"))


def _sent_by_office_js(used: Any) -> bool:
    """Whether the range's values are those Office.js sent as JSON (xlwings Lite, xlwings Server), not COM's."""
    return type(used.impl).__module__.endswith("_xlremote")


def _office_js_value(value: Any) -> Any:
    """A value as the client sends it (Excel: a date as its serial number; an empty cell as "", an error as its
    text), read as xlwings reads it, but for a text shaped like an ISO date and time with an offset: xlwings
    takes it for a date, and fails on it (« 2021-09-14T10:42:17+02:00 », as a pasted export of
    démarches-simplifiées holds), which stopped the button whatever the row. It stays the text it is."""
    if value == "" or (isinstance(value, str) and value in EXCEL_ERRORS):
        return None
    if isinstance(value, str) and value.endswith("Z") and _ISO_DATETIME.match(value):
        return datetime.fromisoformat(value[:-1])  # a date sent as UTC text (Google Sheets), as xlwings reads it
    return value
