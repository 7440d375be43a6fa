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
import re
from collections.abc import Iterator
from decimal import Decimal
from html import unescape
from typing import Any, NamedTuple

from lxml import etree

from xlplugin.xlsx import sheetxml as S
from xlplugin.xlsx import xmlutil as X
from xlplugin.xlsx.errors import PackageError
from xlplugin.xlsx.package import Package
from xlplugin.xlsx.refs import CellRange, cell_ref, column_index, parse_cell
from xlplugin.xlsx.styles import StyleSheet
from xlplugin.xlsx.tables import Table, read_table, unescape_xstring
from xlplugin.xlsx.values import ErrorValue, from_serial, is_date_serial, parse_number

_C, _ROW, _V, _F, _IS, _T, _R, _RPH = (X.q(n) for n in ("c", "row", "v", "f", "is", "t", "r", "rPh"))
_MERGE_TAG = re.compile(rb"<(?:[\w.-]+:)?mergeCell(?=[\s/>])[^>]*>")
_PROTECTION_TAG = re.compile(rb"<(?:[\w.-]+:)?sheetProtection(?=[\s/>])[^>]*>")
_ATTR_R = re.compile(rb"""(?:^|\s)r\s*=\s*["']\$?([A-Za-z]{1,3})\$?[0-9]+["']""")
_ATTR_T = re.compile(rb"""(?:^|\s)t\s*=\s*["'](\w+)["']""")
_ATTR_S = re.compile(rb"""(?:^|\s)s\s*=\s*["'](\d+)["']""")


def _text(raw: bytes) -> str:
    text = raw.decode("utf-8")
    return unescape(text) if "&" in text else text


class _Patterns:
    """The regular expressions that read cells, for the prefix a sheet gives its main namespace."""

    def __init__(self, names: S.Names) -> None:
        self.names = names
        p = re.escape(names.prefix)
        # A cell; its reference, style and type captured when written first and in this order (as writers
        # put them); group 4: its other attributes, group 5: its content.
        self.cell = re.compile(
            rb"<" + p + rb"c(?=[\s/>])"
            rb'(?:\s+r="([A-Z]{1,3})[0-9]+")?(?:\s+s="([0-9]+)")?(?:\s+t="(\w+)")?'
            rb"([^>]*?)(?:/>|>(.*?)</" + p + rb"c\s*>)",
            re.DOTALL,
        )
        self.plain_value = re.compile(rb"<" + p + rb"v>([^<]*)</" + p + rb"v>")
        self.plain_formula = re.compile(rb"<" + p + rb"f>([^<]*)</" + p + rb"f><" + p + rb"v>([^<]*)</" + p + rb"v>")
        self.formula = re.compile(rb"<" + p + rb"f(?=[\s/>])([^>]*?)(?:/>|>(.*?)</" + p + rb"f\s*>)", re.DOTALL)
        self.value = re.compile(rb"<" + p + rb"v(?:\s[^>]*)?>([^<]*)</" + p + rb"v\s*>")
        self.empty_value = re.compile(rb"<" + p + rb"v(?:\s[^>]*)?/>|<" + p + rb"v(?:\s[^>]*)?></" + p + rb"v\s*>")
        self.inline = re.compile(rb"<" + p + rb"is(?:\s[^>]*)?>(.*?)</" + p + rb"is\s*>", re.DOTALL)
        self.text = re.compile(rb"<" + p + rb"t(?:\s[^>]*)?>([^<]*)</" + p + rb"t\s*>")
        self.phonetic = re.compile(rb"<" + p + rb"rPh(?=[\s>]).*?</" + p + rb"rPh\s*>", re.DOTALL)


class Cell(NamedTuple):
    """A cell that holds a value or a formula; ``value`` is the cached value of a formula. (A named tuple: a
    sheet has many cells, and a tuple is made several times faster than a frozen dataclass.)"""

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


class _Unreadable(ValueError):
    """A cell's stored text that its type cannot hold; ``at`` names the cell."""

    def at(self, row: int, col: int) -> _Unreadable:
        return _Unreadable(f"la cellule {cell_ref(row, col)} contient {self}")


_EXPECTED = {
    "s": "le numéro d'une chaîne partagée est attendu",
    "d": "une date ISO est attendue",
}


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
        return self._convert(v.text, kind, style)

    def iter_cells(self, sheet: str, *, min_row: int = 1, max_row: int | None = None) -> Iterator[Cell]:
        """The cells of ``sheet`` that hold a value or a formula, row by row, left to right.

        The sheet is cut into rows by the streaming scanner; a row's cells are read with regular
        expressions (a row holding comments or CDATA is parsed by lxml instead).
        """
        entry = self.package.worksheet(sheet)
        with self.package.stream(entry.part) as stream:
            patterns: _Patterns | None = None
            for piece in S.scan(stream):
                if isinstance(piece, S.Head):
                    patterns = _Patterns(piece.names)
                    continue
                if not isinstance(piece, S.Row) or piece.number < min_row:
                    continue
                if max_row is not None and piece.number > max_row:
                    break
                assert patterns is not None
                try:
                    if b"<!" in piece.data:
                        yield from self._row_by_lxml(piece, patterns.names)
                    else:
                        yield from self._row_by_regex(piece, patterns)
                except _Unreadable as exc:
                    raise PackageError(
                        f"feuille « {sheet} », {exc} : le classeur est endommagé (un programme l'a mal écrit) ; "
                        "ouvrez-le dans Excel, qui le répare, enregistrez-le, puis relancez"
                    ) from None

    def _row_by_regex(self, row: S.Row, p: _Patterns) -> Iterator[Cell]:
        col = 0
        known = S.COLUMN_NUMBERS
        try:
            for match in p.cell.finditer(row.data, row.tag_end):
                letters, style_text, kind_text, attrs, body = match.groups()
                if letters is not None:
                    col = known.get(letters) or S.column_number(letters)
                else:
                    ref = _ATTR_R.search(attrs)
                    col = column_index(ref.group(1).decode()) if ref else col + 1
                if not body:
                    continue
                if b"=" in attrs:  # attributes in another order: each looked for in the whole tag
                    whole = match.group(0)[: match.start(5) - match.start(0)]
                    kind_match, style_match = _ATTR_T.search(whole), _ATTR_S.search(whole)
                    kind = kind_match.group(1).decode() if kind_match else "n"
                    style = int(style_match.group(1)) if style_match else 0
                else:
                    kind = kind_text.decode() if kind_text is not None else "n"
                    style = int(style_text) if style_text is not None else 0
                value: Any
                plain = p.plain_value.fullmatch(body)
                if plain is not None:  # the usual cell: a value and nothing else
                    yield Cell(row.number, col, self._v(plain.group(1), kind, style), None, None, style)
                    continue
                plain = p.plain_formula.fullmatch(body)
                if plain is not None:  # the usual formula: its text and its cached value, nothing else
                    value = self._v(plain.group(2), kind, style)
                    yield Cell(row.number, col, value, _text(plain.group(1)), "normal", style)
                    continue
                formula_match = p.formula.search(body)
                value_match = p.value.search(body)
                inline = p.inline.search(body) if value_match is None else None
                if formula_match is None and value_match is None and inline is None:
                    continue
                if inline is not None:
                    text = p.phonetic.sub(b"", inline.group(1))
                    value = unescape_xstring("".join(_text(t) for t in p.text.findall(text)))
                elif value_match is not None:
                    value = self._v(value_match.group(1), kind, style)
                else:
                    value = "" if kind == "str" and p.empty_value.search(body) else None
                formula = formula_type = None
                if formula_match is not None:
                    f_attrs = formula_match.group(1)
                    type_match = _ATTR_T.search(f_attrs)
                    formula_type = type_match.group(1).decode() if type_match else "normal"
                    formula = _text(formula_match.group(2) or b"")
                yield Cell(row.number, col, value, formula, formula_type, style)
        except _Unreadable as exc:  # the cell being read names itself
            raise exc.at(row.number, col) from None

    def _row_by_lxml(self, row: S.Row, names: S.Names) -> Iterator[Cell]:
        declarations = "".join(f' {k}="{v}"' for k, v in names.declarations.items())
        wrapper = f"<wrapper{declarations}>".encode() + row.data + b"</wrapper>"
        root = etree.fromstring(wrapper, X.parser())
        col = 0
        for element in root.iter(_C):
            r = element.get("r")
            col = parse_cell(r)[1] if r else col + 1
            formula = element.find(_F)
            if formula is None and element.find(_V) is None and element.find(_IS) is None:
                continue
            style = int(element.get("s", "0") or 0)
            try:
                value = self._value(element, element.get("t", "n"), style)
            except _Unreadable as exc:
                raise exc.at(row.number, col) from None
            yield Cell(
                row.number,
                col,
                value,
                None if formula is None else (formula.text or ""),
                None if formula is None else formula.get("t", "normal"),
                style,
            )

    def _v(self, text: bytes, kind: str, style: int) -> Any:
        """The value of a ``<v>``'s text; an empty ``<v></v>`` is no cached value (a text formula's: "")."""
        return self._convert(_text(text), kind, style) if text else ("" if kind == "str" else None)

    def _convert(self, text: str, kind: str, style: int) -> Any:
        """The value of a ``<v>`` text in a cell of type ``kind`` and style ``style`` (``_Unreadable``: a text no
        program that writes workbooks puts there — « abc » as a number — a damaged file)."""
        try:
            if kind == "s":
                index = int(text)
                if index < 0:  # Python would read the last string
                    raise IndexError(index)
                return self.shared_strings[index]
            if kind == "str":
                return unescape_xstring(text)
            if kind == "b":
                return text.strip() in ("1", "true")
            if kind == "e":
                return ErrorValue(text)
            if kind == "d":
                return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
            number = parse_number(text, self.decimals)
        except (ValueError, ArithmeticError, IndexError):
            shown = text if len(text) <= 40 else text[:39] + "…"
            raise _Unreadable(f"« {shown} » là où {_EXPECTED.get(kind, 'un nombre est attendu')}") from None
        if self.dates and style:
            date_kind = self.styles.date_kind(style)
            # A number no date can show (1E+20 typed in a date column) stays that number, as in Excel.
            if date_kind is not None and is_date_serial(float(number), self.package.date1904):
                return from_serial(float(number), date_kind, self.package.date1904)
        return number

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
            for piece in S.scan(stream):
                if isinstance(piece, S.Tail):
                    for match in _MERGE_TAG.finditer(piece.data):
                        ref = S.attributes(match.group(0)).get("ref")
                        if ref:
                            found.append(CellRange.parse(ref))
        return found

    def protected(self, sheet: str) -> bool:
        """Whether the sheet is protected (Excel's « Protéger la feuille »: ``<sheetProtection sheet="1">``)."""
        entry = self.package.worksheet(sheet)
        with self.package.stream(entry.part) as stream:  # most sheets do not name it: no need to cut them in rows
            mentioned, overlap = False, b""
            while not mentioned and (chunk := stream.read(S.CHUNK)):
                mentioned, overlap = b"sheetProtection" in overlap + chunk, chunk[-16:]
        if not mentioned:
            return False
        with self.package.stream(entry.part) as stream:
            for piece in S.scan(stream):
                if isinstance(piece, S.Tail):
                    for match in _PROTECTION_TAG.finditer(piece.data):
                        if S.attributes(match.group(0)).get("sheet") in ("1", "true"):
                            return True
        return False

    def tables(self, sheet: str) -> list[Table]:
        """The Excel tables of a worksheet."""
        entry = self.package.worksheet(sheet)
        return [read_table(self.package.tree(part), part) for part in self.package.related(entry.part, X.REL_TABLE)]


def number_or_decimal(value: Any) -> Decimal | None:
    """A cell value as Decimal when it is a number (built from its text form), else None."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    return value if isinstance(value, Decimal) else Decimal(repr(value) if isinstance(value, float) else value)
