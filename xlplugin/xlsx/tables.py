"""Excel tables (``xl/tables/tableN.xml``): what a table covers, and the few edits a patch makes to one.

A table's ``ref`` spans its header row (``headerRowCount``, 1 unless 0), its data rows and its totals row
(``totalsRowCount``, 0 or 1). Its ``autoFilter`` spans header and data rows, never the totals row. Each
``tableColumn`` has an ``id`` unique in the table and a ``name`` that must equal the header cell's text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from lxml import etree

from xlplugin.xlsx import xmlutil as X
from xlplugin.xlsx.refs import CellRange

_XSTRING_ESCAPE = re.compile(r"_x[0-9A-Fa-f]{4}_")


_XSTRING_NEEDS = re.compile(r"[\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9A-Fa-f]{4}_")  # what the escape changes


# What no XML 1.0 document, hence no XLSX part, can hold even escaped as a character reference.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def escape_xstring(text: str) -> str:
    """Text as OOXML's ST_Xstring stores it: control characters as ``_xHHHH_``, a literal ``_xHHHH_`` kept."""
    if (text.isprintable() and "_x" not in text) or _XSTRING_NEEDS.search(text) is None:
        return text  # the usual text: nothing to escape (printable: no control character nor U+FFFE/U+FFFF)
    text = _XSTRING_ESCAPE.sub(lambda m: "_x005F" + m.group(0), text)
    return "".join(
        f"_x{ord(char):04X}_" if (ord(char) < 32 and char not in "\t\n") or char in "\ufffe\uffff" else char
        for char in text
    )


def unescape_xstring(text: str) -> str:
    """The reverse of ``escape_xstring``: ``_x000D_`` → carriage return."""
    if "_x" not in text:
        return text
    return _XSTRING_ESCAPE.sub(lambda m: chr(int(m.group(0)[2:6], 16)), text)


@dataclass(frozen=True)
class TableColumn:
    id: int
    name: str
    totals_function: str | None = None
    totals_label: str | None = None
    calculated_formula: str | None = None


@dataclass(frozen=True)
class Table:
    """A table of a worksheet, as its part describes it."""

    part: str
    id: int
    name: str
    display_name: str
    ref: CellRange
    header_rows: int
    totals_rows: int
    columns: tuple[TableColumn, ...]
    autofilter_ref: str | None

    @property
    def header_row(self) -> int | None:
        return self.ref.min_row if self.header_rows else None

    @property
    def first_data_row(self) -> int:
        return self.ref.min_row + self.header_rows

    @property
    def last_data_row(self) -> int:
        return self.ref.max_row - self.totals_rows

    @property
    def totals_row(self) -> int | None:
        return self.ref.max_row if self.totals_rows else None

    def column_of(self, col: int) -> int | None:
        """The position (0-based) in ``columns`` of sheet column ``col``, if the table covers it."""
        position = col - self.ref.min_col
        return position if 0 <= position < len(self.columns) else None


def read_table(root: Any, part: str) -> Table:
    columns = []
    holder = root.find(X.q("tableColumns"))
    for element in holder if holder is not None else []:
        if element.tag != X.q("tableColumn"):
            continue
        formula = element.find(X.q("calculatedColumnFormula"))
        columns.append(
            TableColumn(
                id=int(element.get("id", "0")),
                name=unescape_xstring(element.get("name", "")),
                totals_function=element.get("totalsRowFunction"),
                totals_label=element.get("totalsRowLabel"),
                calculated_formula=formula.text if formula is not None else None,
            )
        )
    autofilter = root.find(X.q("autoFilter"))
    return Table(
        part=part,
        id=int(root.get("id", "0")),
        name=root.get("name", root.get("displayName", "")),
        display_name=root.get("displayName", root.get("name", "")),
        ref=CellRange.parse(root.get("ref", "A1")),
        header_rows=int(root.get("headerRowCount", "1")),
        totals_rows=int(root.get("totalsRowCount", "0")),
        columns=tuple(columns),
        autofilter_ref=autofilter.get("ref") if autofilter is not None else None,
    )


class TableEdit:
    """A table part open for the edits a patch makes: grow, add a column, rename a column."""

    def __init__(self, part: str, data: bytes) -> None:
        self.part = part
        self.original = data
        self.root = X.parse(data, part)
        self._table: Table | None = None

    @property
    def table(self) -> Table:
        """The table as it now stands (read again after each edit)."""
        if self._table is None:
            self._table = read_table(self.root, self.part)
        return self._table

    def set_ref(self, ref: CellRange) -> None:
        """Make the table cover ``ref``: its autoFilter and sort state follow (totals row left out)."""
        self.root.set("ref", str(ref))
        self._table = None
        table = self.table
        data_end = table.last_data_row
        autofilter = self.root.find(X.q("autoFilter"))
        if autofilter is not None:
            autofilter.set("ref", str(CellRange(ref.min_row, ref.min_col, data_end, ref.max_col)))
        sort = self.root.find(X.q("sortState"))
        if sort is None and autofilter is not None:
            sort = autofilter.find(X.q("sortState"))
        if sort is not None and sort.get("ref"):
            old = CellRange.parse(sort.get("ref"))
            sort.set("ref", str(CellRange(old.min_row, old.min_col, data_end, old.max_col)))

    def set_totals_rows(self, count: int) -> None:
        self.root.set("totalsRowCount", str(count))
        self._table = None

    def add_column(self, name: str) -> int:
        """Append a ``tableColumn`` (a fresh id); the caller widens ``ref``. Returns the new id."""
        self._table = None
        holder = self.root.find(X.q("tableColumns"))
        existing = [int(c.get("id", "0")) for c in holder if c.tag == X.q("tableColumn")]
        new_id = max(existing, default=0) + 1
        element = etree.SubElement(holder, X.q("tableColumn"))
        element.set("id", str(new_id))
        element.set("name", escape_xstring(name))
        holder.set("count", str(len(existing) + 1))
        # In a pretty-printed part, indent the new column as its siblings are.
        siblings = [c for c in holder if c.tag == X.q("tableColumn")]
        if len(siblings) > 1:
            previous = siblings[-2]
            element.tail = previous.tail
            previous.tail = siblings[-3].tail if len(siblings) > 2 else holder.text
        return new_id

    def rename_column(self, position: int, name: str) -> None:
        holder = self.root.find(X.q("tableColumns"))
        columns = [c for c in holder if c.tag == X.q("tableColumn")]
        columns[position].set("name", escape_xstring(name))
        self._table = None

    def to_bytes(self) -> bytes:
        return X.serialize(self.root, self.original)
