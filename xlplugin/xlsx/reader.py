"""Reading a worksheet's cells by streaming its XML: memory follows the cells that hold something.

``Reader(package).values("Feuil1")`` gives the values from A1 to the last cell that holds a value or a
formula, as rows of equal length; ``iter_cells`` gives the non-empty cells one by one (sparse form). A
cell that only carries a style is skipped without being kept, so a formatted empty cell at A1048576 costs
nothing. Values: text (shared or inline strings, formula text results), numbers (int when integral, or
``Decimal`` with ``decimals=True``), booleans, ``ErrorValue`` for errors, dates and times when the cell's
number format is one (``dates=True``); a formula cell's value is its cached value.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from lxml import etree

from xlplugin.xlsx import xmlutil as X
from xlplugin.xlsx.package import Package
from xlplugin.xlsx.refs import CellRange, cell_ref, parse_cell
from xlplugin.xlsx.styles import StyleSheet
from xlplugin.xlsx.tables import Table, read_table, unescape_xstring
from xlplugin.xlsx.values import ErrorValue, from_serial, parse_number

_C, _ROW, _V, _F, _IS, _T, _R, _RPH = (X.q(n) for n in ("c", "row", "v", "f", "is", "t", "r", "rPh"))
_MERGE = X.q("mergeCell")


@dataclass(frozen=True, slots=True)
class Cell:
    """A cell that holds a value or a formula; ``value`` is the cached value of a formula."""

    row: int
    col: int
    value: Any
    formula: str | None = None  # text without "="; "" for a cell sharing another cell's formula
    formula_type: str | None = None  # normal | shared | array | dataTable
    style: int = 0

    @property
    def ref(self) -> str:
        return cell_ref(self.row, self.col)


def rich_text(element: Any) -> str:
    """The text of a ``<si>`` or ``<is>``: its ``<t>`` or runs' ``<t>``, phonetic runs left out."""
    parts = []
    for child in element:
        if child.tag == _T:
            parts.append(child.text or "")
        elif child.tag == _R:
            for grandchild in child:
                if grandchild.tag == _T:
                    parts.append(grandchild.text or "")
    return unescape_xstring("".join(parts))


def _iterparse(source: Any, tags: tuple[str, ...], events: tuple[str, ...] = ("end",)) -> Any:
    return etree.iterparse(
        source, events=events, tag=tags, resolve_entities=False, no_network=True, huge_tree=True, load_dtd=False
    )


class Reader:
    """Cell values of a package's worksheets, read on demand (shared strings and styles loaded once)."""

    def __init__(self, package: Package, *, dates: bool = True, decimals: bool = False) -> None:
        self.package = package
        self.dates = dates
        self.decimals = decimals
        self._strings: list[str] | None = None
        self._styles: StyleSheet | None = None

    @property
    def shared_strings(self) -> list[str]:
        if self._strings is None:
            strings: list[str] = []
            part = self.package.shared_strings_part
            if part is not None:
                with self.package.stream(part) as stream:
                    for _, element in _iterparse(stream, (X.q("si"),)):
                        strings.append(rich_text(element))
                        element.clear()
            self._strings = strings
        return self._strings

    @property
    def styles(self) -> StyleSheet:
        if self._styles is None:
            part = self.package.styles_part
            self._styles = StyleSheet(self.package.read(part) if part else None, part or "xl/styles.xml")
        return self._styles

    def _value(self, element: Any, kind: str, style: int) -> Any:
        if kind == "inlineStr":
            holder = element.find(_IS)
            return rich_text(holder) if holder is not None else None
        v = element.find(_V)
        if v is None or v.text is None:
            return "" if kind == "str" and v is not None else None
        text = v.text
        if kind == "s":
            return self.shared_strings[int(text)]
        if kind == "str":
            return unescape_xstring(text)
        if kind == "b":
            return text.strip() in ("1", "true")
        if kind == "e":
            return ErrorValue(text)
        if kind == "d":
            return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        number = parse_number(text, self.decimals)
        if self.dates and style:
            date_kind = self.styles.date_kind(style)
            if date_kind is not None:
                return from_serial(float(number), date_kind, self.package.date1904)
        return number

    def iter_cells(self, sheet: str, *, min_row: int = 1, max_row: int | None = None) -> Iterator[Cell]:
        """The cells of ``sheet`` that hold a value or a formula, row by row, left to right."""
        entry = self.package.worksheet(sheet)
        row_number = 0
        col_number = 0
        with self.package.stream(entry.part) as stream:
            context = _iterparse(stream, (_ROW, _C), ("start", "end"))
            for event, element in context:
                if element.tag == _ROW:
                    if event == "start":
                        r = element.get("r")
                        row_number = int(r) if r else row_number + 1
                        col_number = 0
                        if max_row is not None and row_number > max_row:
                            break
                    else:
                        element.clear()
                        parent = element.getparent()
                        while element.getprevious() is not None and parent is not None:
                            del parent[0]
                    continue
                if event == "start":
                    continue
                r = element.get("r")
                if r:
                    row, col_number = parse_cell(r)
                else:
                    row, col_number = row_number, col_number + 1
                if row < min_row:
                    element.clear()
                    continue
                formula = element.find(_F)
                has_value = formula is not None or element.find(_V) is not None or element.find(_IS) is not None
                if has_value:
                    style = int(element.get("s", "0") or 0)
                    yield Cell(
                        row,
                        col_number,
                        self._value(element, element.get("t", "n"), style),
                        None if formula is None else (formula.text or ""),
                        None if formula is None else formula.get("t", "normal"),
                        style,
                    )
                element.clear()

    def values(self, sheet: str) -> list[list[Any]]:
        """Values from A1 to the last cell holding something, as rows of equal length (None where empty)."""
        rows: dict[int, dict[int, Any]] = {}
        width = 0
        for cell in self.iter_cells(sheet):
            if cell.value is None and cell.formula is None:
                continue
            rows.setdefault(cell.row, {})[cell.col] = cell.value
            width = max(width, cell.col)
        height = max(rows, default=0)
        grid = [[None] * width for _ in range(height)]
        for row, cells in rows.items():
            line = grid[row - 1]
            for col, value in cells.items():
                line[col - 1] = value
        return grid

    def merged_ranges(self, sheet: str) -> list[CellRange]:
        entry = self.package.worksheet(sheet)
        found = []
        with self.package.stream(entry.part) as stream:
            for _, element in _iterparse(stream, (_MERGE, _C)):
                if element.tag == _MERGE and element.get("ref"):
                    found.append(CellRange.parse(element.get("ref")))
                element.clear()
        return found

    def tables(self, sheet: str) -> list[Table]:
        """The Excel tables of a worksheet."""
        entry = self.package.worksheet(sheet)
        return [read_table(self.package.tree(part), part) for part in self.package.related(entry.part, X.REL_TABLE)]


def number_or_decimal(value: Any) -> Decimal | None:
    """A cell value as Decimal when it is a number (built from its text form), else None."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    return value if isinstance(value, Decimal) else Decimal(repr(value) if isinstance(value, float) else value)
