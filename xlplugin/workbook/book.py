"""A small interface over a workbook, so that one implementation serves every trigger.

The allocation of the envelope (``guichet allocate --workbook``, the ribbon button in classic Excel, the
script of xlwings Server) reads and writes the workbook through ``Book``: an openpyxl adapter for files,
an xlwings adapter for the workbook open in Excel. Rows and columns are 1-based, as in Excel.
"""

from __future__ import annotations

from typing import Any, Protocol

from openpyxl.workbook import Workbook

from xlplugin.workbook.rows import put_text


class Book(Protocol):
    def sheet_names(self) -> list[str]: ...

    def values(self, sheet: str) -> list[list[Any]]:
        """The sheet's values from A1 to its last used cell, as rows of equal length."""
        ...

    def write(self, sheet: str, row: int, column: int, values: list[list[Any]]) -> None:
        """Write a block of values whose top-left cell is (row, column); text stays text."""
        ...

    def resize_table(self, sheet: str, table: str, last_row: int, last_column: int) -> None:
        """Make the Excel table ``table`` end at (last_row, last_column), if the sheet has it."""
        ...

    def number_format(self, sheet: str, row: int, column: int, rows: int, fmt: str) -> None:
        """Give ``rows`` cells of a column, from (row, column) down, the number format ``fmt``."""
        ...


class OpenpyxlBook:
    """A workbook file loaded with openpyxl."""

    def __init__(self, workbook: Workbook) -> None:
        self.workbook = workbook

    def sheet_names(self) -> list[str]:
        return list(self.workbook.sheetnames)

    def values(self, sheet: str) -> list[list[Any]]:
        ws = self.workbook[sheet]
        width = ws.max_column
        return [list(row) + [None] * (width - len(row)) for row in ws.iter_rows(values_only=True)]

    def write(self, sheet: str, row: int, column: int, values: list[list[Any]]) -> None:
        ws = self.workbook[sheet]
        for i, line in enumerate(values):
            for j, value in enumerate(line):
                put_text(ws.cell(row + i, column + j), value)

    def resize_table(self, sheet: str, table: str, last_row: int, last_column: int) -> None:
        from openpyxl.utils import get_column_letter

        ws = self.workbook[sheet]
        if table in ws.tables:
            first = ws.tables[table].ref.split(":")[0]
            ws.tables[table].ref = f"{first}:{get_column_letter(last_column)}{last_row}"

    def number_format(self, sheet: str, row: int, column: int, rows: int, fmt: str) -> None:
        ws = self.workbook[sheet]
        for index in range(row, row + rows):
            ws.cell(index, column).number_format = fmt


class XlwingsBook:
    """The workbook open in Excel (classic add-in: ``xw.Book.caller()``; xlwings Server: the script's book)."""

    def __init__(self, book: Any) -> None:
        self.book = book

    def sheet_names(self) -> list[str]:
        return [sheet.name for sheet in self.book.sheets]

    def values(self, sheet: str) -> list[list[Any]]:
        used = self.book.sheets[sheet].used_range
        values = used.options(ndim=2).value or [[]]
        # The used range may start after A1: pad so that indexes are the sheet's own.
        top, left = used.row, used.column
        width = left - 1 + max((len(r) for r in values), default=0)
        padded = [[None] * width for _ in range(top - 1)]
        padded += [[None] * (left - 1) + list(r) + [None] * (width - left + 1 - len(r)) for r in values]
        return padded

    def write(self, sheet: str, row: int, column: int, values: list[list[Any]]) -> None:
        if not values:
            return
        # A text starting with « = » is written with a leading apostrophe, Excel's mark for text.
        safe = [
            [f"'{v}" if isinstance(v, str) and v.startswith(("=", "+", "-", "@")) else v for v in line]
            for line in values
        ]
        self.book.sheets[sheet].range((row, column)).value = safe

    def resize_table(self, sheet: str, table: str, last_row: int, last_column: int) -> None:
        ws = self.book.sheets[sheet]
        names = [t.name for t in ws.tables]
        if table in names:
            excel_table = ws.tables[table]
            first = excel_table.range[0, 0]
            # Corners as (row, column): xlwings' remote engine (Lite, Server) takes no Range as a corner.
            excel_table.resize(ws.range((first.row, first.column), (last_row, last_column)))

    def number_format(self, sheet: str, row: int, column: int, rows: int, fmt: str) -> None:
        if rows > 0:
            self.book.sheets[sheet].range((row, column), (row + rows - 1, column)).number_format = fmt
