"""Changing a workbook by patching its package: cell writes, styles, tables, names, grafted sheets.

``Patch(package)`` queues changes; ``save(path)`` writes a new package where every part the patch does not
touch is the original's zip member, copied raw. In a worksheet it writes to, only the written cells (and
``<dimension>``, and a row's ``spans`` hint) change. Everything is checked before anything is written: a
write on a merged cell or inside an array formula, a table that would grow over a filled cell, a name that
is someone else's — each is an exception with a French message naming the cell, table or name. A patch is
saved once: the save consumes the queued writes (an import's 100 000 cells are not held twice), and a patch
saved, or whose save was refused, refuses any further write or save.

Values: ``str`` is always text (never a formula, even when it starts with ``=``), written as an inline
string so the shared-strings part stays untouched; ``int``/``float``/``Decimal`` numbers; ``bool``;
``datetime``/``date``/``time`` as serial numbers with a date style; ``ErrorValue``; ``None`` clears the value
and keeps the style. A formula (text without ``=``) is written with ``value`` as its cached value, so the
workbook shows the right figure at rest; ``fullCalcOnLoad`` is never set.
"""

from __future__ import annotations

import builtins
import datetime as dt
import math
import os
import posixpath
import re
import statistics
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import IO, Any

from lxml import etree

from xlplugin.xlsx import sheetpatch as P
from xlplugin.xlsx import xmlutil as X
from xlplugin.xlsx.charts import chart_parts, follow_table
from xlplugin.xlsx.compare import Comparison
from xlplugin.xlsx.errors import CellError, DefinedNameError, PackageChanged, SheetError, TableError, XlsxError
from xlplugin.xlsx.package import Package, Relationship, SheetEntry, relative_target, rels_part, resolve_target
from xlplugin.xlsx.refs import MAX_COL, MAX_ROW, CellRange, CellSet, cell_ref
from xlplugin.xlsx.sheetpatch import STYLE_ABOVE, STYLE_LEFT, Style, StyleFrom, Write
from xlplugin.xlsx.styles import StyleSheet, StyleSpec
from xlplugin.xlsx.tables import Table, TableEdit
from xlplugin.xlsx.totals import follow_rows, read_subtotal
from xlplugin.xlsx.values import ErrorValue, format_kind, number_text, to_serial
from xlplugin.xlsx.zipio import copy_raw, write_atomically

__all__ = ["STYLE_ABOVE", "STYLE_LEFT", "Patch", "StyleFrom"]

_NAME = re.compile(r"^[^\W\d][\w.\\]*$|^\\[\w.\\]*$")
_CELL_LIKE = re.compile(r"^[A-Za-z]{1,3}[0-9]+$")
_R1C1_LIKE = re.compile(r"^[RrCc]([0-9]*|[RrCc]?[0-9]*)$|^[Rr][0-9]*[Cc][0-9]*$")
# Children of <workbook> that come before <definedNames>, in schema order.
_BEFORE_NAMES = {"fileVersion", "fileSharing", "workbookPr", "AlternateContent", "revisionPtr", "absPath",
                 "workbookProtection", "bookViews", "sheets", "functionGroups", "externalReferences"}  # fmt: skip
TOTALS = {"sum", "average", "count", "countNums", "max", "min", "stdDev", "var"}
COMPRESSION_LEVEL = 6


def _aggregate(function: str, values: list[Any]) -> float | int | ErrorValue:
    """What SUBTOTAL computes for a totals row function over the visible data cells of a column."""
    numbers = [float(v) for v in values if isinstance(v, int | float | Decimal) and not isinstance(v, bool)]
    if function == "count":
        return sum(1 for v in values if v is not None)
    if function == "countNums":
        return len(numbers)
    if function == "sum":
        return math.fsum(numbers)
    if function in ("max", "min"):
        return (max if function == "max" else min)(numbers) if numbers else 0
    if function == "average":
        return math.fsum(numbers) / len(numbers) if numbers else ErrorValue("#DIV/0!")
    if len(numbers) < 2:
        return ErrorValue("#DIV/0!")
    return statistics.stdev(numbers) if function == "stdDev" else statistics.variance(numbers)


def _cell_value(info: Any) -> Any:
    """The value of an existing cell as an aggregate sees it (numbers as float)."""
    if info is None or info.empty:
        return None
    if info.type in ("s", "inlineStr", "str"):
        return info.inline_text if info.inline_text is not None else (info.value or "")
    if info.type == "b":
        return info.value == "1"
    if info.type == "e":
        return ErrorValue(info.value or "")
    try:
        return float(info.value) if info.value is not None else None
    except ValueError:
        return None


def check_name(name: str) -> None:
    """Excel's rules for a defined name; a name that reads as a cell reference is refused."""
    if (
        not name
        or len(name) > 255
        or not _NAME.match(name)
        or _R1C1_LIKE.match(name)
        or (_CELL_LIKE.match(name) and _within_sheet(name))
    ):
        raise DefinedNameError(
            f"« {name} » n'est pas un nom valide pour Excel (lettres, chiffres, _ et . ; pas une référence de cellule)"
        )


def _within_sheet(name: str) -> bool:
    letters = "".join(c for c in name if c.isalpha())
    index = 0
    for char in letters.upper():
        index = index * 26 + ord(char) - 64
    return index <= 16384


# Values ``check_value`` always accepts, told by their type alone (a float or a Decimal may be infinite; a text
# may be too long).
_ALWAYS_WRITABLE = frozenset((type(None), bool, int, dt.date, dt.datetime, dt.time))


class Patch:
    """Changes to a package, applied by ``save``; nothing is written before every change has been checked."""

    def __init__(
        self,
        package: Package,
        *,
        date_format: str = "dd/mm/yyyy",
        datetime_format: str = "dd/mm/yyyy hh:mm",
        time_format: str = "hh:mm",
    ) -> None:
        self.package = package
        self.formats = {"date": date_format, "datetime": datetime_format, "time": time_format}
        self.warnings: list[str] = []
        self._writes: dict[str, dict[tuple[int, int], Write]] = {}
        self._parts: dict[str, tuple[Any, bytes | None]] = {}
        self._new_parts: dict[str, bytes] = {}
        self._removed: builtins.set[str] = set()
        self._styles: StyleSheet | None = None
        self._tables: dict[str, TableEdit] = {}
        self._table_origin: dict[str, Table] = {}
        self._column_formats: dict[tuple[str, int], str] = {}  # (table part, sheet column) → format of a new column
        self._sheet_list: list[SheetEntry] = list(package.sheets)
        self._sheet_by_name: dict[str, SheetEntry] = {}  # worksheets looked up by the name asked (a write each)
        self._new_sheet_parts: builtins.set[str] = set()
        self.written: dict[str, CellSet] = {}  # sheet part → cells written (filled by save)
        self._names_touched: builtins.set[str] = builtins.set()
        self._charts_touched: builtins.set[str] = builtins.set()  # chart parts whose ranges were re-pointed
        self._webextensions: dict[str, builtins.set[str]] = {}  # add-in part → settings this patch set
        self._taskpanes: dict[str, builtins.set[str]] = {}  # task-pane list → dangling panes it dropped
        self._saved_over_source = False
        self._table_parts: dict[str, list[str]] = {}  # sheet part → its table parts (cleared when rels change)
        self._spent = False  # a save consumes the writes: a patch is saved once

    # Parts as the patch sees them ----------------------------------------------------------------

    def part_bytes(self, part: str) -> bytes:
        if part in self._parts:
            root, original = self._parts[part]
            return X.serialize(root, original)
        if part in self._new_parts:
            return self._new_parts[part]
        return self.package.read(part)

    def has_part(self, part: str) -> bool:
        if part in self._removed:
            return False
        return part in self._parts or part in self._new_parts or self.package.has(part)

    def edit(self, part: str) -> Any:
        """The tree of an XML part, kept for writing back at save."""
        if part not in self._parts:
            original = self._new_parts.pop(part) if part in self._new_parts else self.package.read(part)
            self._parts[part] = (X.parse(original, part), original)
        return self._parts[part][0]

    def add_part(self, part: str, data: bytes, content_type: str | None) -> None:
        self._new_parts[part] = data
        if content_type is not None:
            self.set_content_type(part, content_type)

    def _stream(self, part: str) -> IO[bytes]:
        if part in self._new_parts:
            import io

            return io.BytesIO(self._new_parts[part])
        return self.package.stream(part)

    def set_content_type(self, part: str, content_type: str) -> None:
        root = self.edit("[Content_Types].xml")
        key = "/" + part
        for element in root.findall(X.q("Override", X.CONTENT_TYPES)):
            if element.get("PartName", "").lower() == key.lower():
                element.set("ContentType", content_type)
                return
        extension = part.rsplit(".", 1)[-1].lower()
        for element in root.findall(X.q("Default", X.CONTENT_TYPES)):
            if element.get("Extension", "").lower() == extension and element.get("ContentType") == content_type:
                return
        etree.SubElement(root, X.q("Override", X.CONTENT_TYPES), PartName=key, ContentType=content_type)

    def ensure_default(self, extension: str, content_type: str) -> None:
        root = self.edit("[Content_Types].xml")
        for element in root.findall(X.q("Default", X.CONTENT_TYPES)):
            if element.get("Extension", "").lower() == extension.lower():
                return
        element = etree.Element(X.q("Default", X.CONTENT_TYPES), Extension=extension, ContentType=content_type)
        defaults = root.findall(X.q("Default", X.CONTENT_TYPES))
        root.insert(root.index(defaults[-1]) + 1 if defaults else 0, element)

    def rels(self, part: str) -> list[Relationship]:
        """The relationships of a part as they now stand (edited, new or original)."""
        name = rels_part(part)
        if not self.has_part(name):
            return []
        root = self.edit(name) if name in self._parts else X.parse(self.part_bytes(name), name)
        found = []
        for element in root:
            if element.tag != X.q("Relationship", X.PKG_REL):
                continue
            external = element.get("TargetMode") == "External"
            raw = element.get("Target", "")
            found.append(
                Relationship(
                    element.get("Id", ""),
                    element.get("Type", ""),
                    raw if external else resolve_target(part, raw),
                    external,
                )
            )
        return found

    def add_relationship(self, source: str, rel_type: str, target: str) -> str:
        """A new relationship from ``source`` to part ``target``; returns its fresh id."""
        name = rels_part(source)
        if not self.has_part(name):
            self._new_parts[name] = (
                b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
                b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"/>'
            )
        self._table_parts.clear()
        root = self.edit(name)
        taken = {element.get("Id") for element in root}
        number = len(taken) + 1
        while f"rId{number}" in taken:
            number += 1
        rel_id = f"rId{number}"
        target_text = relative_target(source, target) if source else target
        etree.SubElement(root, X.q("Relationship", X.PKG_REL), Id=rel_id, Type=rel_type, Target=target_text)
        return rel_id

    def remove_relationship(self, source: str, rel_type: str, target: str) -> None:
        name = rels_part(source)
        if not self.has_part(name):
            return
        self._table_parts.clear()
        root = self.edit(name)
        for element in list(root):
            raw = element.get("Target", "")
            if element.get("Type") == rel_type and resolve_target(source, raw) == target:
                root.remove(element)

    def remove_part(self, part: str) -> None:
        self._removed.add(part)
        root = self.edit("[Content_Types].xml")
        for element in root.findall(X.q("Override", X.CONTENT_TYPES)):
            if element.get("PartName", "").lstrip("/").lower() == part.lower():
                root.remove(element)

    # Sheets -------------------------------------------------------------------------------------

    @property
    def sheets(self) -> list[SheetEntry]:
        """The sheets, grafted ones included, in tab order."""
        return list(self._sheets)

    @property
    def _sheets(self) -> list[SheetEntry]:
        return self._sheet_list

    @_sheets.setter
    def _sheets(self, sheets: list[SheetEntry]) -> None:
        # Sheets are added (grafted) by giving the whole new list: the lookups made so far are forgotten.
        self._sheet_list = sheets
        self._sheet_by_name = {}

    def worksheet(self, name: str) -> SheetEntry:
        found = self._sheet_by_name.get(name)
        if found is None:
            found = self._sheet_by_name[name] = self._find_worksheet(name)
        return found

    def _find_worksheet(self, name: str) -> SheetEntry:
        for entry in self._sheets:
            if entry.name.casefold() == name.casefold():
                if entry.kind != "worksheet":
                    return self.package.worksheet(entry.name)  # raises the French refusal
                return entry
        known = ", ".join(f"« {entry.name} »" for entry in self._sheets)
        raise SheetError(f"{self.package.path.name} : pas de feuille « {name} » (feuilles : {known})")

    # Styles -------------------------------------------------------------------------------------

    @property
    def styles(self) -> StyleSheet:
        if self._styles is None:
            part = self.package.styles_part
            self._styles = StyleSheet(self.package.read(part) if part else None, part or "xl/styles.xml")
        return self._styles

    def style(
        self,
        *,
        number_format: str | None = None,
        bold: bool | None = None,
        italic: bool | None = None,
        fill_rgb: str | None = None,
        font_rgb: str | None = None,
        wrap: bool | None = None,
        align: str | None = None,
        vertical: str | None = None,
        base: int = 0,
    ) -> int:
        """A cell style index (``cellXfs``): ``base`` with these changes; appended only if no xf is identical."""
        spec = StyleSpec(number_format, bold, italic, font_rgb, fill_rgb, wrap, align, vertical)
        return self.styles.add_xf(spec, base)

    # Cells --------------------------------------------------------------------------------------

    def set(
        self,
        sheet: str,
        row: int,
        col: int,
        value: Any,
        *,
        formula: str | None = None,
        style: Style = None,
    ) -> None:
        """Queue a write of cell (row, col), 1-based. See the module docstring for values and formulas.

        ``style``: a ``cellXfs`` index (from ``style()``), ``STYLE_ABOVE``/``STYLE_LEFT`` (the style of the
        cell above / on the left once written), or None (the cell's own style, or its row's or column's).
        """
        self.set_row(sheet, row, ((col, value, formula, style),))

    def set_row(self, sheet: str, row: int, cells: Iterable[tuple[int, Any, str | None, Style]]) -> None:
        """Queue writes of cells of one row, each ``(col, value, formula, style)`` as ``set`` takes them: the
        sheet looked up and the row's table headers sought once for the row, not for each of its cells."""
        self._check_unspent()
        entry = self.worksheet(sheet)
        # A write on a table's header cell renames its column: only a row that is some table's header asks.
        header = any(self._table_edit(part).table.header_row == row for part in self.table_parts(entry.part))
        queue = self._writes.setdefault(entry.part, {})
        for col, value, formula, style in cells:
            if not (1 <= row <= MAX_ROW and 1 <= col <= MAX_COL):
                P.check_position(row, col, f"feuille « {entry.name} »")
            kind = type(value)
            if not (kind in _ALWAYS_WRITABLE or (kind is str and len(value) <= P.MAX_TEXT // 2)):
                P.check_value(value, self._where(entry, row, col))  # a number maybe not finite, a long text…
            if formula is not None:
                if not isinstance(formula, str) or not formula.strip():
                    raise CellError(f"{self._where(entry, row, col)} : formule vide")
                if formula.startswith("="):
                    raise CellError(
                        f"{self._where(entry, row, col)} : la formule se donne sans « = » initial ({formula!r})"
                    )
            if isinstance(style, int) and style and not 0 <= style < self.styles.xf_count:
                raise CellError(f"{self._where(entry, row, col)} : style {style} inconnu du classeur")
            if header:
                self._rename_header(entry, row, col, value, formula)
            write = Write(value, formula, style)
            existing = queue.get((row, col))
            queue[(row, col)] = existing.merged_with(write) if existing is not None else write

    @staticmethod
    def _where(entry: SheetEntry, row: int, col: int) -> str:
        # named only in a refusal: not made for each of 100 000 cells written
        return f"feuille « {entry.name} », cellule {cell_ref(row, col)}"

    def queued(self, sheet: str) -> Mapping[tuple[int, int], Write]:
        """The writes queued for ``sheet`` so far, by (row, col): a live view, not a copy (a caller checks a cell
        at a time)."""
        return MappingProxyType(self._writes.setdefault(self.worksheet(sheet).part, {}))

    def pending_values(self, sheet: str) -> dict[tuple[int, int], Any]:
        """The values queued for ``sheet`` so far, by (row, col): to overlay on what a ``Reader`` reads."""
        entry = self.worksheet(sheet)
        return {key: write.value for key, write in self._writes.get(entry.part, {}).items() if not write.reserved}

    def set_values(self, sheet: str, row: int, col: int, rows: Sequence[Sequence[Any]], *, style: Style = None) -> None:
        """Queue a block of values (no formulas) whose top-left cell is (row, col)."""
        for i, line in enumerate(rows):
            for j, value in enumerate(line):
                self.set(sheet, row + i, col + j, value, style=style)

    # Tables -------------------------------------------------------------------------------------

    def _table_edit(self, part: str) -> TableEdit:
        if part not in self._tables:
            edit = TableEdit(part, self.part_bytes(part))
            self._tables[part] = edit
            self._table_origin[part] = edit.table
        return self._tables[part]

    def table_parts(self, sheet_part: str) -> list[str]:
        """The table parts of a worksheet part (looked up once per sheet)."""
        if sheet_part not in self._table_parts:
            self._table_parts[sheet_part] = [r.target for r in self.rels(sheet_part) if r.type == X.REL_TABLE]
        return self._table_parts[sheet_part]

    def tables(self, sheet: str) -> list[Table]:
        """The tables of a worksheet as they will be saved."""
        entry = self.worksheet(sheet)
        return [self._table_edit(part).table for part in self.table_parts(entry.part)]

    def find_table(self, name: str) -> tuple[SheetEntry, TableEdit]:
        """A table by name (or display name), in any worksheet."""
        for entry in self._sheets:
            if entry.kind != "worksheet":
                continue
            for part in self.table_parts(entry.part):
                edit = self._table_edit(part)
                table = edit.table
                if name.casefold() in (table.name.casefold(), table.display_name.casefold()):
                    return entry, edit
        raise TableError(f"{self.package.path.name} : pas de tableau nommé « {name} »")

    def follow_table_charts(self, table: str) -> None:
        """Make the charts of the table's sheet whose ranges run down its columns end where its data ends
        (``charts.follow_table``), as Excel does when it resizes a table itself."""
        entry, edit = self.find_table(table)
        origin = self._table_origin[edit.part]
        for chart in chart_parts(self, entry.part):
            if follow_table(self, chart, entry.name, origin, edit.table):
                self._charts_touched.add(chart)

    def all_table_names(self) -> builtins.set[str]:
        names = set()
        for entry in self._sheets:
            if entry.kind == "worksheet":
                for part in self.table_parts(entry.part):
                    table = self._table_edit(part).table
                    names.update({table.name.casefold(), table.display_name.casefold()})
        return names

    def append_table_rows(self, table: str, count: int) -> int:
        """Grow table ``table`` by ``count`` data rows; returns the sheet row of the first new one.

        The new rows come after the last data row, before the totals row, which moves down. They take
        the style of the row above; cells the caller does not write stay empty. At save, the rows the
        table grows into must be empty (else ``TableError`` naming the table and the first cell in the way).
        """
        if count < 1:
            raise TableError(f"tableau « {table} » : nombre de lignes à ajouter invalide ({count})")
        _, edit = self.find_table(table)
        current = edit.table
        first_new = current.last_data_row + 1
        ref = current.ref
        edit.set_ref(CellRange(ref.min_row, ref.min_col, ref.max_row + count, ref.max_col))
        return first_new

    def set_table_rows(self, table: str, count: int) -> int:
        """Make table ``table`` hold exactly ``count`` data rows (at least 1); returns its last data row.

        Growing is ``append_table_rows``. Shrinking leaves the rows below the table as they are (write None
        to clear them); a table with a totals row cannot shrink.
        """
        _, edit = self.find_table(table)
        current = edit.table
        rows = current.last_data_row - current.first_data_row + 1
        if count < 1:
            raise TableError(f"tableau « {current.name} » : un tableau garde au moins une ligne de données")
        if count > rows:
            self.append_table_rows(table, count - rows)
        elif count < rows:
            if current.totals_rows:
                raise TableError(f"tableau « {current.name} » : un tableau avec ligne de total ne se raccourcit pas")
            ref = current.ref
            edit.set_ref(CellRange(ref.min_row, ref.min_col, current.first_data_row + count - 1, ref.max_col))
        return edit.table.last_data_row

    def add_table_column(self, table: str, header: str, number_format: str = "General") -> int:
        """Add a column to the right of table ``table``, headed ``header``; returns its sheet column. Its
        cells take the look of the column on its left, with ``number_format`` (not the left one's dates)."""
        entry, edit = self.find_table(table)
        current = edit.table
        if not isinstance(header, str) or not header.strip():
            raise TableError(f"tableau « {current.name} » : une colonne a besoin d'un en-tête (texte non vide)")
        if header.casefold() in (column.name.casefold() for column in current.columns):
            raise TableError(f"tableau « {current.name} » : il a déjà une colonne « {header} »")
        ref = current.ref
        edit.add_column(header)
        edit.set_ref(CellRange(ref.min_row, ref.min_col, ref.max_row, ref.max_col + 1))
        col = ref.max_col + 1
        self._column_formats[(edit.part, col)] = number_format
        if current.header_rows:
            cells = self._writes.setdefault(entry.part, {})
            cells[(ref.min_row, col)] = Write(header, None, STYLE_LEFT)
        return col

    def _rename_header(self, entry: SheetEntry, row: int, col: int, value: Any, formula: str | None) -> None:
        """A write on a table's header cell renames its column, so that the two stay equal."""
        for part in self.table_parts(entry.part):
            edit = self._table_edit(part)
            table = edit.table
            if table.header_row != row:
                continue
            position = table.column_of(col)
            if position is None:
                continue
            where = f"tableau « {table.name} », en-tête {cell_ref(row, col)}"
            if formula is not None or not isinstance(value, str) or not value.strip():
                raise TableError(f"{where} : l'en-tête d'une colonne de tableau doit être un texte non vide")
            others = [c.name.casefold() for i, c in enumerate(table.columns) if i != position]
            if value.casefold() in others:
                raise TableError(f"{where} : le tableau a déjà une colonne « {value} »")
            edit.rename_column(position, value)

    # Defined names ------------------------------------------------------------------------------

    def defined_names(self) -> list[tuple[str, str, int | None]]:
        """(name, text, local sheet index) of every defined name, as it will be saved."""
        return [(name, text, local) for name, text, local, _comment in self.defined_names_with_comments()]

    def defined_names_with_comments(self) -> list[tuple[str, str, int | None, str]]:
        """(name, text, local sheet index, comment) of every defined name, as it will be saved."""
        part = self.package.workbook_part
        root = self._parts[part][0] if part in self._parts else self.package.workbook_root
        names = root.find(X.q("definedNames"))
        found = []
        for element in names if names is not None else []:
            if element.tag == X.q("definedName"):
                local = element.get("localSheetId")
                found.append(
                    (
                        element.get("name", ""),
                        element.text or "",
                        int(local) if local is not None else None,
                        element.get("comment", ""),
                    )
                )
        return found

    def define_name(
        self,
        name: str,
        text: str,
        *,
        sheet: str | None = None,
        replace: bool = False,
        hidden: bool = False,
        comment: str | None = None,
    ) -> None:
        """Add a defined name, or re-point one the caller owns (``replace=True``); never another's.

        ``text`` is the formula without ``=`` (``'Paramètres'!$B$2``); ``sheet`` makes the name local to
        that sheet; ``comment`` is written on the name (a caller marks its own names so). A name that exists
        (same scope) is refused unless ``replace``; a name equal to a table's is always refused.
        """
        check_name(name)
        if text.startswith("="):
            raise DefinedNameError(f"nom « {name} » : la référence se donne sans « = » initial")
        local = None
        if sheet is not None:
            local = next((i for i, e in enumerate(self._sheets) if e.name.casefold() == sheet.casefold()), None)
            if local is None:
                raise SheetError(f"nom « {name} » : pas de feuille « {sheet} »")
        if name.casefold() in self.all_table_names():
            raise DefinedNameError(f"le nom « {name} » est celui d'un tableau du classeur : choisissez-en un autre")
        root = self.edit(self.package.workbook_part)
        names = root.find(X.q("definedNames"))
        if names is None:
            names = etree.Element(X.q("definedNames"))
            position = 0
            for index, child in enumerate(root):
                if isinstance(child.tag, str) and etree.QName(child).localname in _BEFORE_NAMES:
                    position = index + 1
            root.insert(position, names)
        for element in names:
            if element.tag != X.q("definedName") or element.get("name", "").casefold() != name.casefold():
                continue
            element_local = element.get("localSheetId")
            if (int(element_local) if element_local is not None else None) != local:
                continue
            if not replace:
                raise DefinedNameError(
                    f"le nom « {element.get('name')} » existe déjà dans le classeur (il désigne {element.text}) : "
                    "il n'est pas modifié"
                )
            element.text = text
            if comment is not None:
                element.set("comment", comment)
            self._names_touched.add(name)
            return
        self._names_touched.add(name)
        element = etree.SubElement(names, X.q("definedName"), name=name)
        if comment is not None:
            element.set("comment", comment)
        if local is not None:
            element.set("localSheetId", str(local))
        if hidden:
            element.set("hidden", "1")
        element.text = text

    # Grafting -----------------------------------------------------------------------------------

    def graft(
        self,
        source: str | os.PathLike[str],
        sheets: Sequence[str] | None = None,
        *,
        rename: dict[str, str] | None = None,
        names: Iterable[str] = (),
        position: int | None = None,
    ) -> list[str]:
        """Bring sheets of another workbook (built with openpyxl, say) into this one; see ``graft.py``."""
        from xlplugin.xlsx.graft import graft

        return graft(self, Path(source), sheets, rename=rename or {}, names=list(names), position=position)

    # Planning -----------------------------------------------------------------------------------

    def _growth_regions(self, part: str) -> list[tuple[Table, CellRange]]:
        """The regions a table grows into (which must be empty)."""
        origin, current = self._table_origin[part], self._tables[part].table
        old, new = origin.ref, current.ref
        regions: list[tuple[Table, CellRange]] = []
        if new.max_col > old.max_col:
            regions.append((current, CellRange(old.min_row, old.max_col + 1, old.max_row, new.max_col)))
        if new.max_row > old.max_row:
            regions.append((current, CellRange(old.max_row + 1, new.min_col, new.max_row, new.max_col)))
        return regions

    def _growth(self, part: str) -> Iterator[tuple[tuple[int, int], Write]]:
        """The writes a table's growth implies, one cell at a time (merged into the caller's as they come: not
        a second table of 10 000 rows' cells beside the caller's), each cell once."""
        origin, current = self._table_origin[part], self._tables[part].table
        old, new = origin.ref, current.ref
        new_cols = range(old.max_col + 1, new.max_col + 1)
        grows_down = new.max_row > old.max_row
        if new_cols:
            # One (immutable) write per new column, shared by its cells: a column beside 10 000 rows is 10 000
            # entries, not 10 000 objects more.
            body = {c: Write(reserved=True, style=self._new_column_style(part, c)) for c in new_cols}
            # The old totals row becomes a data row when the table grows down: its new cells look like the row
            # above, as the rows below (yielded there, not twice: a caller's write would keep the first style).
            last = old.max_row - 1 if grows_down and origin.totals_rows else old.max_row
            for r in range(old.min_row, last + 1):
                header = bool(current.header_rows) and r == old.min_row
                for c in new_cols:
                    yield (r, c), Write(reserved=True, style=STYLE_LEFT) if header else body[c]
        if grows_down:
            first = old.max_row if origin.totals_rows else old.max_row + 1
            last = new.max_row - 1 if origin.totals_rows else new.max_row
            below = Write(reserved=True, style=STYLE_ABOVE)
            for r in range(first, last + 1):
                for c in range(new.min_col, new.max_col + 1):
                    yield (r, c), below
            if origin.totals_rows:
                for c in range(old.min_col, old.max_col + 1):
                    yield (new.max_row, c), Write(reserved=True, moved_from=(old.max_row, c))
                for c in new_cols:
                    yield (new.max_row, c), Write(reserved=True, style=STYLE_LEFT)

    def _new_column_style(self, part: str, col: int) -> StyleFrom:
        return StyleFrom(0, -1, number_format=self._column_formats.get((part, col), "General"))

    def _suited(self, style: int, value: Any, preferred: str | None, *, formula: bool) -> int:
        """``style``, or ``style`` with a number format that shows ``value`` as what it is: a date under a date
        format, a number never under one (it would read as a date: a population of 1 751 as 16/10/1904; a
        formula's figure may be a date's serial, so its format is left alone). ``preferred``: the format to
        take then, and where ``style`` shows numbers as General."""
        styles = self.styles
        kind = styles.date_kind(style)
        if isinstance(value, dt.date | dt.time):
            if kind is not None:
                return style
            wanted = "time" if isinstance(value, dt.time) else "datetime" if isinstance(value, dt.datetime) else "date"
            code = preferred if preferred is not None and format_kind(preferred) is not None else self.formats[wanted]
            return styles.add_xf(StyleSpec(number_format=code), base=style)
        if isinstance(value, int | float | Decimal) and not isinstance(value, bool) and not formula:
            usable = preferred if preferred is not None and format_kind(preferred) is None else None
            if kind is not None:
                return styles.add_xf(StyleSpec(number_format=usable or "General"), base=style)
            if usable is not None and styles.number_format(style) == "General" and usable != "General":
                return styles.add_xf(StyleSpec(number_format=usable), base=style)
        return style

    def _plan_sheet(self, entry: SheetEntry) -> tuple[dict[int, dict[int, bytes]], str | None, builtins.set[str]]:
        """Check the writes of a sheet against its content; the new cells' bytes, dimension, formulas removed."""
        # The caller's writes become the sheet's final writes in place (a table's growth merged into them): one
        # Write a cell, not a copy beside them; the save consumes them (``_spent``).
        final = self._writes.setdefault(entry.part, {})
        regions: list[tuple[Table, CellRange]] = []
        moves: list[tuple[Table, Table]] = []
        sheet_tables: list[Table] = []
        growing: list[str] = []
        for part in self.table_parts(entry.part):
            edit = self._table_edit(part)
            sheet_tables.append(edit.table)
            origin = self._table_origin[part]
            if origin.ref != edit.table.ref:
                growing.append(part)
                regions.extend(self._growth_regions(part))
                if origin.totals_rows and edit.table.ref.max_row != origin.ref.max_row:
                    moves.append((origin, edit.table))
        refreshed = self._totals_written(entry, final, moves)  # by the caller's writes alone, growth aside
        for part in growing:
            for key, write in self._growth(part):
                held = final.get(key)
                # a caller's write takes the growth's style; another table's growth (refused below) gives way
                final[key] = write if held is None or held.reserved else write.merged_with(held)
        moves += self._totals_to_refresh(refreshed, final)
        for index, table in enumerate(sheet_tables):
            for other in sheet_tables[index + 1 :]:
                if table.ref.intersects(other.ref):
                    raise TableError(
                        f"feuille « {entry.name} » : le tableau « {table.name} » ({table.ref}) empiéterait sur le "
                        f"tableau « {other.name} » ({other.ref})"
                    )
        wanted: dict[int, builtins.set[int] | None] = {}
        for (r, c), write in final.items():
            wanted.setdefault(r, set()).add(c)  # type: ignore[union-attr]
            if isinstance(write.style, StyleFrom):
                wanted.setdefault(r + write.style.rows, set()).add(c + write.style.cols)  # type: ignore[union-attr]
            if write.moved_from is not None:
                wanted.setdefault(write.moved_from[0], set()).add(write.moved_from[1])  # type: ignore[union-attr]
        for _, region in regions:
            for r in range(region.min_row, region.max_row + 1):
                wanted.setdefault(r, set()).update(range(region.min_col, region.max_col + 1))  # type: ignore[union-attr]
        for origin, current in moves:
            for r in range(current.first_data_row, current.ref.max_row):
                wanted.setdefault(r, set()).update(range(origin.ref.min_col, origin.ref.max_col + 1))  # type: ignore[union-attr]
        with self._stream(entry.part) as stream:
            seen = P.inspect(stream, wanted)
        del wanted  # 2 000 rows' sets of columns: not held while the cells are made
        names = seen.names
        assert names is not None
        self._check_regions(entry, regions, seen, sheet_tables)
        self._check_writes(entry, final, seen)
        cached, totals_formulas = self._totals(entry, moves, final, seen)
        styles = self.styles
        # The styles resolved, by row, kept only as far back as a neighbour is looked up (one row for
        # STYLE_ABOVE): not 124 000 cells' at once. A neighbour not resolved yet is read from the sheet.
        reach = max([0, *(-w.style.rows for w in final.values() if isinstance(w.style, StyleFrom))])
        resolved: dict[int, dict[int, int]] = {}
        cells: dict[int, dict[int, bytes]] = {}
        removed: builtins.set[str] = set()
        date1904 = self.package.date1904
        with_format: dict[tuple[int, str], int] = {}  # (style, number format) → style: a column's cells share it
        suited: dict[tuple[int, type, str | None, bool], int] = {}  # see below
        known = seen.cells

        def like(r: int, c: int, style: StyleFrom) -> int:
            """The style of the neighbour ``style`` names, with its number format if it forces one."""
            row, col = r + style.rows, c + style.cols
            done = resolved.get(row)
            found = done[col] if done is not None and col in done else seen.style_at(row, col)
            forced = style.number_format
            if forced is None:
                return found
            pair = (found, forced)
            if pair not in with_format:
                same = styles.number_format(found) == forced
                with_format[pair] = found if same else styles.add_xf(StyleSpec(number_format=forced), base=found)
            return with_format[pair]

        last_row = 0
        for key in sorted(final):
            r, c = key
            if r != last_row:
                last_row = r
                for gone in [row for row in resolved if row < r - reach]:
                    del resolved[gone]
                resolved[r] = {}
            write = final.pop(key)  # consumed: a cell's write let go once its bytes are made
            info = known.get(key)
            style = write.style
            if write.moved_from is not None:
                source = seen.cells.get(write.moved_from)
                if source is None:
                    continue
                resolved[r][c] = source.style
                kind_value = cached.get(key)
                cells.setdefault(r, {})[c] = P.moved_cell(source, names, r, c, kind_value, totals_formulas.get((r, c)))
                continue
            preferred = None
            if isinstance(style, StyleFrom):
                preferred = style.preferred_format
                style = like(r, c, style)
            elif style is None:
                style = info.style if info is not None else seen.style_at(r, c)
            value = write.value
            if value is not None and not isinstance(value, str):  # a text suits any format
                # What suits depends on the style, the value's type, the format preferred and whether a formula
                # gives it: decided once for each (a column's 2 000 cells share one answer).
                fit = (style, type(value), preferred, write.formula is not None)
                found = suited.get(fit)
                if found is None:
                    found = suited[fit] = self._suited(style, value, preferred, formula=write.formula is not None)
                style = found
            resolved[r][c] = style
            if write.reserved and info is None and not style:
                continue
            cells.setdefault(r, {})[c] = P.cell_bytes(names, r, c, write, info, style, date1904)
            if info is not None and info.has_formula and write.formula is None:
                removed.add(cell_ref(r, c))
        final.clear()  # every write consumed: its table let go too (popping never shrinks a dict)
        self.written[entry.part] = CellSet(cells)
        dimension = None
        if seen.dimension and cells:
            try:
                box = CellRange.parse(seen.dimension.replace("$", ""))
            except ValueError:
                box = None
            if box is not None:
                # The box of the cells given a value, row by row (not a pair for each of 124 000 cells).
                filled_rows, low, high = [], MAX_COL, 0
                for r, row in cells.items():
                    cols = [c for c, data in row.items() if not data.endswith(b"/>")]
                    if cols:
                        filled_rows.append(r)
                        low, high = min(low, *cols), max(high, *cols)
                if filled_rows:
                    box = box.union(CellRange(min(filled_rows), low, max(filled_rows), high))
                dimension = str(box) if str(box) != seen.dimension else None
        return cells, dimension, removed

    def _check_regions(
        self, entry: SheetEntry, regions: list[tuple[Table, CellRange]], seen: P.Inspection, tables: list[Table]
    ) -> None:
        for table, region in regions:
            merges = [m for m in seen.merges if m.intersects(region)]
            for r in range(region.min_row, region.max_row + 1):
                if not merges and r not in seen.row_numbers:
                    continue  # a row the sheet does not have holds no cell (2 000 new rows: 124 000 lookups)
                for c in range(region.min_col, region.max_col + 1):
                    info = seen.cells.get((r, c))
                    blocked = info is not None and not info.empty
                    merge = next((m for m in merges if m.contains(r, c)), None) if merges else None
                    if blocked or merge is not None:
                        what = (
                            f"la cellule fusionnée {merge}"
                            if merge is not None and not blocked
                            else "une cellule remplie"
                        )
                        raise TableError(
                            f"feuille « {entry.name} » : le tableau « {table.name} » ne peut pas s'agrandir : "
                            f"{what} est dans le passage ({cell_ref(r, c)}). Déplacez ce qui est sous le tableau "
                            "(ou à sa droite), puis relancez."
                        )

    def _check_writes(self, entry: SheetEntry, final: dict[tuple[int, int], Write], seen: P.Inspection) -> None:
        names = seen.names
        assert names is not None
        for merge in seen.merges:
            for (r, c), write in final.items():
                if merge.contains(r, c) and (r, c) != (merge.min_row, merge.min_col) and not write.reserved:
                    raise CellError(
                        f"feuille « {entry.name} », cellule {cell_ref(r, c)} : elle fait partie des cellules "
                        f"fusionnées {merge}, où l'on n'écrit que dans {cell_ref(merge.min_row, merge.min_col)}. "
                        "Défusionnez-les ou déplacez-les, puis relancez."
                    )
        written = set(final) if seen.arrays or seen.shared_masters else set()  # 124 000 keys only when asked
        for master, area in seen.arrays.items():
            cells = {
                (r, c) for r in range(area.min_row, area.max_row + 1) for c in range(area.min_col, area.max_col + 1)
            }
            touched = cells & written
            if not touched or cells <= written:
                continue
            if touched == {master} and final[master].formula is not None:
                info = seen.cells.get(master)
                if info is not None and P.formula_text(info.raw, names)[1] == final[master].formula:
                    continue
            first = min(touched)
            raise CellError(
                f"feuille « {entry.name} », cellule {cell_ref(*first)} : elle fait partie de la formule matricielle "
                f"de {cell_ref(*master)} ({area}), qui ne se modifie qu'en entier"
            )
        for index, master in seen.shared_masters.items():
            if master not in final:
                continue
            write = final[master]
            info = seen.cells.get(master)
            same = (
                write.formula is not None and info is not None and P.formula_text(info.raw, names)[1] == write.formula
            )
            left = seen.shared_members.get(index, set()) - written
            if not same and left:
                raise CellError(
                    f"feuille « {entry.name} », cellule {cell_ref(*master)} : sa formule est partagée par d'autres "
                    f"cellules ({cell_ref(*min(left))}…) ; écrivez aussi ces cellules, ou gardez sa formule"
                )

    def _totals_written(
        self, entry: SheetEntry, caller: Mapping[tuple[int, int], Write], moves: list[tuple[Table, Table]]
    ) -> list[tuple[Table, Table]]:
        """Tables whose totals row stays where it is but sums cells the caller writes (see ``_totals_to_refresh``)."""
        moving = {origin.name for origin, _current in moves}
        found = []
        for part in self.table_parts(entry.part):
            origin, current = self._table_origin[part], self._table_edit(part).table
            if not origin.totals_rows or origin.name in moving or current.ref.max_row != origin.ref.max_row:
                continue
            totals, ref = origin.ref.max_row, origin.ref
            if any(origin.first_data_row <= r < totals and ref.min_col <= c <= ref.max_col for r, c in caller):
                found.append((origin, current))
        return found

    @staticmethod
    def _totals_to_refresh(
        tables: list[tuple[Table, Table]], final: dict[tuple[int, int], Write]
    ) -> list[tuple[Table, Table]]:
        """The totals rows of ``tables`` (``_totals_written``) carried onto themselves, their figures recomputed as
        when they move (a viewer that does not recalculate would show the old totals)."""
        for origin, _current in tables:
            totals, ref = origin.ref.max_row, origin.ref
            for c in range(ref.min_col, ref.max_col + 1):
                if (totals, c) not in final:
                    final[(totals, c)] = Write(reserved=True, moved_from=(totals, c))  # carried onto itself
        return tables

    def _totals(
        self,
        entry: SheetEntry,
        moves: list[tuple[Table, Table]],
        final: dict[tuple[int, int], Write],
        seen: P.Inspection,
    ) -> tuple[dict[tuple[int, int], str | None], dict[tuple[int, int], str]]:
        """New cached values of the totals row cells that move down with their table (or whose rows are written),
        and the new formula of those whose literal range must follow the table's rows (``totals``)."""
        cached: dict[tuple[int, int], str | None] = {}
        formulas: dict[tuple[int, int], str] = {}
        names = seen.names
        assert names is not None
        for origin, current in moves:
            totals_row = current.ref.max_row
            for position, column in enumerate(origin.columns):
                col = origin.ref.min_col + position
                source = seen.cells.get((origin.ref.max_row, col))
                if source is None:
                    continue
                if source.formula_type in ("shared", "array"):
                    raise TableError(
                        f"feuille « {entry.name} » : la ligne de total du tableau « {origin.name} » porte en "
                        f"{cell_ref(origin.ref.max_row, col)} une formule partagée ou matricielle que l'outil ne "
                        "déplace pas : remplacez-la par une formule simple, puis relancez"
                    )
                if not source.has_formula:
                    continue
                function, hidden_rows = column.totals_function, False
                formula = P.formula_text(source.raw, names)[1] or ""
                subtotal = read_subtotal(formula)
                if subtotal is not None:
                    function, hidden_rows = subtotal.function, subtotal.hidden_rows
                if subtotal is not None and not subtotal.structured:
                    # A literal range follows the table only when it is the column's data rows, as they were.
                    before = CellRange(origin.first_data_row, col, origin.last_data_row, col)
                    moved = follow_rows(
                        formula, subtotal, before, CellRange(current.first_data_row, col, totals_row - 1, col)
                    )
                    if moved is None:
                        function = None  # another range: its value is the spreadsheet's to recompute
                    elif moved != formula:
                        formulas[(totals_row, col)] = moved
                if function not in TOTALS:
                    self.warnings.append(
                        f"tableau « {origin.name} », colonne « {column.name} » : le total est une formule "
                        "personnalisée ; sa valeur enregistrée n'est pas recalculée (Excel la recalculera)"
                    )
                    continue
                assert function is not None
                values = []
                for r in range(current.first_data_row, totals_row):
                    if not hidden_rows and seen.row_attrs.get(r, {}).get("hidden") in ("1", "true"):
                        continue
                    if (r, col) in final and not final[(r, col)].reserved:
                        value = final[(r, col)].value
                        if isinstance(value, dt.date | dt.time):
                            value = to_serial(value, self.package.date1904)
                        values.append(value)
                    elif (r, col) in final:
                        values.append(None)
                    else:
                        values.append(_cell_value(seen.cells.get((r, col))))
                result = _aggregate(function, values)
                if isinstance(result, ErrorValue):
                    cached[(totals_row, col)] = None
                else:
                    cached[(totals_row, col)] = number_text(result)
        return cached, formulas

    def _calc_chain(self, removed: dict[int, builtins.set[str]]) -> None:
        """Drop calcChain entries of cells that no longer hold a formula (Excel refuses such entries)."""
        chain = self.package.related(self.package.workbook_part, X.REL_CALC_CHAIN)
        if not chain or not any(removed.values()) or not self.package.has(chain[0]):
            return
        part = chain[0]
        root = self.edit(part)
        current = None
        previous_kept = None
        for element in list(root):
            if element.tag != X.q("c"):
                continue
            sheet_index = element.get("i")
            if sheet_index is not None:
                current = int(sheet_index)
            if current is not None and element.get("r") in removed.get(current, set()):
                root.remove(element)
                continue
            if element.get("i") is None and current is not None and previous_kept != current:
                element.set("i", str(current))
            previous_kept = current
        if not len(root.findall(X.q("c"))):
            self.remove_part(part)
            self.remove_relationship(self.package.workbook_part, X.REL_CALC_CHAIN, part)

    # What the patch did -------------------------------------------------------------------------

    @property
    def removed_parts(self) -> builtins.set[str]:
        """Parts the save drops (only a calcChain left without entries)."""
        return builtins.set(self._removed)

    @property
    def charts_touched(self) -> builtins.set[str]:
        """Chart parts whose ranges this patch re-pointed."""
        return builtins.set(self._charts_touched)

    def note_webextension(self, part: str, properties: Iterable[str]) -> None:
        """The add-in settings of ``part`` this patch changes (``webextensions.set_properties``)."""
        self._webextensions.setdefault(part, builtins.set()).update(properties)

    def note_taskpanes(self, part: str, dropped: Iterable[str] = ()) -> None:
        """A task-pane list this patch adds a pane to, and the panes to nothing it dropped (their ids)
        (``webextensions.add_taskpane_addin``)."""
        self._taskpanes.setdefault(part, builtins.set()).update(dropped)

    @property
    def webextensions_touched(self) -> dict[str, builtins.set[str]]:
        return {part: builtins.set(names) for part, names in self._webextensions.items()}

    @property
    def taskpanes_touched(self) -> dict[str, builtins.set[str]]:
        return {part: builtins.set(dropped) for part, dropped in self._taskpanes.items()}

    @property
    def names_touched(self) -> builtins.set[str]:
        """Defined names this patch added or re-pointed."""
        return builtins.set(self._names_touched)

    @property
    def changed(self) -> bool:
        """Whether a save would change anything: a cell queued, a part added, edited or removed, a table
        resized or renamed, a style added, a name or a chart re-pointed (a command with nothing to write then
        writes nothing, not even a backup). Asked before the save: a save consumes the queued writes."""
        if any(self._writes.values()) or self._new_parts or self._removed:
            return True
        if self._names_touched or self._charts_touched or self._column_formats:
            return True
        if self._styles is not None and self._styles.modified:
            return True
        if any(edit.table != self._table_origin[part] for part, edit in self._tables.items()):
            return True
        return any(X.serialize(root, original) != original for root, original in self._parts.values())

    def compare(self, saved: str | os.PathLike[str], *, thorough: bool = True) -> Comparison:
        """Compare the original file with ``saved`` (what ``save`` wrote), allowing exactly this patch."""
        from xlplugin.xlsx.compare import compare_packages

        if self.package.zip.fp is None and self._saved_over_source:
            raise XlsxError("la comparaison demande l'original, remplacé par l'enregistrement : enregistrez ailleurs")
        before: zipfile.ZipFile | Path = self.package.zip if self.package.zip.fp is not None else self.package.path
        return compare_packages(
            before,
            Path(saved),
            written=self.written,
            names=self._names_touched,
            removable=self._removed,
            charts=self._charts_touched,
            webextensions=self._webextensions,
            taskpanes=self._taskpanes,
            thorough=thorough,
        )

    # Saving -------------------------------------------------------------------------------------

    def check_unchanged(self) -> None:
        """Refuse when the file was replaced or modified since it was opened."""
        try:
            now = os.stat(self.package.path)
        except OSError:
            raise PackageChanged(
                f"{self.package.path.name} a disparu depuis son ouverture : rien n'a été écrit"
            ) from None
        before = self.package.stat
        if (now.st_ino, now.st_size, now.st_mtime_ns) != (before.st_ino, before.st_size, before.st_mtime_ns):
            raise PackageChanged(
                f"{self.package.path.name} a été modifié par un autre programme depuis son ouverture : rien n'a été "
                "écrit. Relancez la commande."
            )

    def _check_unspent(self) -> None:
        if self._spent:
            # A program's error, never an agent's: the writes went into the save that consumed them.
            raise XlsxError(
                "ces modifications ont déjà été enregistrées (ou leur enregistrement refusé) : rouvrez le classeur"
            )

    def save(self, target: str | os.PathLike[str] | None = None, *, verify: bool = True) -> Path:
        """Write the patched package to ``target`` (default: over the file opened), atomically; once: the save
        consumes the queued writes (planned sheet by sheet, each cell's write let go once its bytes are made).

        Every check runs first; then the new package is written beside the target, checked (``verify``:
        untouched parts identical, touched sheets identical outside the written cells), flushed to disk
        and renamed over the target. Saving over the file opened closes the package. Returns the path
        written.
        """
        destination = Path(target) if target is not None else self.package.path
        over_source = os.path.realpath(destination) == os.path.realpath(self.package.path)
        if over_source:
            self.check_unchanged()
        self._check_unspent()
        self._spent = True
        self._saved_over_source = over_source
        plans: dict[str, tuple[dict[int, dict[int, bytes]], str | None]] = {}
        removed: dict[int, builtins.set[str]] = {}
        for entry in self._sheets:
            if entry.part in self._writes or any(
                part in self._tables and self._tables[part].table.ref != self._table_origin[part].ref
                for part in self.table_parts(entry.part)
            ):
                cells, dimension, gone = self._plan_sheet(entry)
                plans[entry.part] = (cells, dimension)
                removed[entry.sheet_id] = gone
        self._calc_chain(removed)
        for part, edit in self._tables.items():
            if edit.table != self._table_origin[part] or part in self._parts:
                self._new_parts.pop(part, None)
                self._parts[part] = (edit.root, edit.original)
        if self._styles is not None and self._styles.modified:
            styles_part = self.package.styles_part
            if styles_part is None:
                styles_part = posixpath.join(posixpath.dirname(self.package.workbook_part), "styles.xml")
                self.add_relationship(self.package.workbook_part, X.REL_STYLES, styles_part)
                self.set_content_type(
                    styles_part, "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"
                )
            self._parts[styles_part] = (self._styles.root, self._styles.original)
        replaced = {part: X.serialize(root, original) for part, (root, original) in self._parts.items()}

        def write(handle: IO[bytes]) -> None:
            self._write_package(handle, plans, replaced)
            if verify:
                handle.seek(0)
                self._verify(handle, plans, replaced)

        # Saving over the file opened: it is closed just before the rename (Windows refuses to replace an
        # open file); the package can no longer be read afterwards.
        return write_atomically(destination, write, self.package.close if over_source else None)

    def _write_package(
        self,
        handle: IO[bytes],
        plans: dict[str, tuple[dict[int, dict[int, bytes]], str | None]],
        replaced: dict[str, bytes],
    ) -> None:
        source = self.package.zip
        with zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED, compresslevel=COMPRESSION_LEVEL) as out:
            done = set()
            for info in source.infolist():
                name = info.filename
                if name.endswith("/") or name in self._removed or name in done:
                    continue
                done.add(name)
                if name in plans:
                    self._write_sheet(out, name, info, plans[name])
                elif name in replaced:
                    out.writestr(self._member(name, info), replaced[name])
                else:
                    copy_raw(source, info, out)
            for name, data in list(replaced.items()) + list(self._new_parts.items()):
                if name in done or name in self._removed:
                    continue
                done.add(name)
                if name in plans:
                    self._write_sheet(out, name, None, plans[name])
                else:
                    out.writestr(self._member(name, None), data)

    @staticmethod
    def _member(name: str, like: zipfile.ZipInfo | None) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, like.date_time if like is not None else (1980, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        if like is not None:
            info.external_attr = like.external_attr
            info.create_system = like.create_system
        return info

    def _write_sheet(
        self,
        out: zipfile.ZipFile,
        name: str,
        like: zipfile.ZipInfo | None,
        plan: tuple[dict[int, dict[int, bytes]], str | None],
    ) -> None:
        cells, dimension = plan
        member = self._member(name, like)
        with self._stream(name) as stream, out.open(member, "w") as target:
            for block in P.rewrite(stream, cells, dimension):
                target.write(block)
        cells.clear()  # the new cells' bytes, let go once written: the verification reads them back from the package

    def _verify(
        self,
        handle: IO[bytes],
        plans: dict[str, tuple[dict[int, dict[int, bytes]], str | None]],
        replaced: dict[str, bytes],
    ) -> None:
        from xlplugin.xlsx.compare import verify_patch

        verify_patch(self, handle, set(plans), set(replaced))
