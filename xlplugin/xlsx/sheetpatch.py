"""Rewriting one worksheet: the cells written change, every other byte of the part is copied.

Two streamed passes over the sheet part. ``inspect`` reads what the writes need to know of the existing
sheet — the cells written and their neighbours (styles, formulas), merged ranges, array and shared formulas —
so that every refusal happens before anything is written. ``rewrite`` then copies the part piece by piece,
replacing the written cells, inserting new cells and rows in order, and updating ``<dimension>`` and a
row's ``spans``. Untouched rows are copied as bytes; in a touched row, untouched cells are too.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from html import unescape
from typing import IO, Any

from xlplugin.xlsx import sheetxml as S
from xlplugin.xlsx.errors import CellError
from xlplugin.xlsx.refs import MAX_COL, MAX_ROW, CellRange, cell_ref, column_letter
from xlplugin.xlsx.tables import escape_xstring
from xlplugin.xlsx.values import ErrorValue, number_text, to_serial

MAX_TEXT = 32_767  # characters in a cell, as Excel counts them (UTF-16 units: a character beyond U+FFFF counts two)


def text_length(text: str) -> int:
    """A text's length as a cell counts it (see ``MAX_TEXT``)."""
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


@dataclass(frozen=True)
class StyleFrom:
    """Take the (resolved) style of a neighbouring cell: ``STYLE_ABOVE``, ``STYLE_LEFT``.

    ``number_format``: the neighbour's look with this number format instead of its own (a new column takes
    the fill and borders of the one on its left, not its dates). ``preferred_format``: the format to use only
    where the neighbour's does not suit the value written — General, or a date's format for a number.
    """

    rows: int
    cols: int
    number_format: str | None = None
    preferred_format: str | None = None


STYLE_ABOVE = StyleFrom(-1, 0)
STYLE_LEFT = StyleFrom(0, -1)
Style = int | StyleFrom | None


@dataclass(slots=True, frozen=True)
class Write:
    """What goes into one cell. ``reserved``: made by a table's growth, yields to a caller's write. Never
    changed once made (one may stand for many cells)."""

    value: Any = None
    formula: str | None = None
    style: Style = None
    reserved: bool = False
    moved_from: tuple[int, int] | None = None  # (row, col) of a cell carried here as it is (totals row)
    cached: str | None = None  # a new <v> for a moved formula cell (totals recomputed)

    def merged_with(self, later: Write) -> Write:
        """``later`` written over this one: a reserved write only lends its style."""
        if later.reserved and not self.reserved:
            return self
        if self.reserved and not later.reserved:
            if later.style is not None and later.moved_from is None and later.cached is None:
                return later  # already the merge: no copy of it for each of 100 000 cells
            return Write(later.value, later.formula, later.style if later.style is not None else self.style)
        return later


def check_value(value: Any, where: str) -> None:
    if value is None or isinstance(value, bool | int | float | Decimal | dt.date | dt.time | ErrorValue):
        if isinstance(value, float | Decimal) and not (value == value and abs(value) != float("inf")):
            raise CellError(f"{where} : nombre non fini ({value}), impossible à écrire dans une cellule")
        return
    if isinstance(value, str):
        if len(value) > MAX_TEXT // 2 and text_length(value) > MAX_TEXT:
            raise CellError(
                f"{where} : texte de {text_length(value)} caractères, une cellule en contient au plus {MAX_TEXT}"
            )
        return
    raise CellError(f"{where} : valeur de type {type(value).__name__} impossible à écrire dans une cellule")


def check_position(row: int, col: int, where: str) -> None:
    if not (1 <= row <= MAX_ROW and 1 <= col <= MAX_COL):
        raise CellError(f"{where} : ligne {row}, colonne {col} hors de la feuille")


@dataclass
class Inspection:
    """What pass 1 learned of a sheet."""

    names: S.Names | None = None
    dimension: str | None = None
    column_styles: list[tuple[int, int, int]] = field(default_factory=list)
    row_attrs: dict[int, dict[str, str]] = field(default_factory=dict)
    cells: dict[tuple[int, int], S.CellInfo] = field(default_factory=dict)
    merges: list[CellRange] = field(default_factory=list)
    arrays: dict[tuple[int, int], CellRange] = field(default_factory=dict)  # master → range
    shared_masters: dict[str, tuple[int, int]] = field(default_factory=dict)  # si → master
    shared_members: dict[str, set[tuple[int, int]]] = field(default_factory=dict)  # si → dependents
    row_numbers: set[int] = field(default_factory=set)

    def record(self, cell: S.Cell, info: S.CellInfo, *, wanted: bool) -> None:
        """A cell read: kept if ``wanted``; a multi-cell formula's master or member noted whatever it is."""
        if wanted:
            self.cells[(cell.row, cell.col)] = info
        if info.formula_type == "array" and info.formula_ref:
            self.arrays[(cell.row, cell.col)] = CellRange.parse(info.formula_ref)
        elif info.formula_type == "shared" and info.shared_index is not None:
            if info.formula_ref:
                self.shared_masters[info.shared_index] = (cell.row, cell.col)
            else:
                self.shared_members.setdefault(info.shared_index, set()).add((cell.row, cell.col))

    def style_at(self, row: int, col: int) -> int:
        """The style a cell shows: its own, else its row's (custom format), else its column's."""
        info = self.cells.get((row, col))
        if info is not None:
            return info.style
        attrs = self.row_attrs.get(row, {})
        if attrs.get("customFormat") in ("1", "true") and attrs.get("s"):
            return int(attrs["s"])
        for first, last, style in self.column_styles:
            if first <= col <= last:
                return style
        return 0


# A formula shared by cells or over an array, its type however quoted or spelt (a character reference).
_MULTI_CELL = re.compile(rb"""\st\s*=\s*["'](?:shared|array)["']|&#""")
_COL = re.compile(rb"<(?:[\w.-]+:)?col(?=[\s/>])[^>]*>")
_MERGE = re.compile(rb"<(?:[\w.-]+:)?mergeCell(?=[\s/>])[^>]*>")


def inspect(stream: IO[bytes], wanted: dict[int, set[int] | None]) -> Inspection:
    """Read the cells of ``wanted`` (row → columns, None for the whole row), merges and multi-cell formulas."""
    found = Inspection()
    for piece in S.scan(stream):
        if isinstance(piece, S.Head):
            found.names = piece.names
            dimension = S.find_markup(piece.names.dimension, piece.data, 0)
            if dimension is not None:
                found.dimension = S.attributes(dimension.group(2)).get("ref")
            for match in _COL.finditer(piece.data):
                attrs = S.attributes(match.group(0))
                if attrs.get("style"):
                    found.column_styles.append((int(attrs["min"]), int(attrs["max"]), int(attrs["style"])))
        elif isinstance(piece, S.Row):
            names = found.names
            assert names is not None
            found.row_numbers.add(piece.number)
            columns = wanted.get(piece.number, set())
            if piece.number in wanted:
                found.row_attrs[piece.number] = piece.attrs
            # A row that may hold a multi-cell formula is read whole (its masters and members are all needed).
            special = _MULTI_CELL.search(piece.data) is not None
            if not columns and columns is not None and not special:
                continue
            index = piece.index(names) if columns is not None and not special else None
            if index is not None:  # only the wanted cells read
                assert columns is not None
                after = 0
                for position, col in enumerate(index.columns):
                    if col in columns:
                        cell = piece.cell_at(names, index.start(position, after), col)
                        found.record(cell, S.cell_info(cell, piece.data, names), wanted=True)
                        after = cell.end
                continue
            for cell in piece.cells(names):
                if columns is None or cell.col in columns or special:
                    info = S.cell_info(cell, piece.data, names)
                    found.record(cell, info, wanted=columns is None or cell.col in columns)
        elif isinstance(piece, S.Tail):
            for match in _MERGE.finditer(piece.data):
                ref = S.attributes(match.group(0)).get("ref")
                if ref:
                    found.merges.append(CellRange.parse(ref))
    return found


def formula_text(raw: bytes, names: S.Names) -> tuple[bytes | None, str | None]:
    """The ``<f>`` element of a cell's bytes and its text."""
    prefix = re.escape(names.prefix)
    pattern = re.compile(rb"<" + prefix + rb"f(?=[\s/>])[^>]*?(?:/>|>(.*?)</" + prefix + rb"f\s*>)", re.DOTALL)
    match = pattern.search(raw)
    if match is None:
        return None, None
    return match.group(0), unescape((match.group(1) or b"").decode("utf-8"))


def _escape(text: str) -> bytes:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").encode("utf-8")


def _text_element(names: S.Names, text: str) -> bytes:
    escaped = _escape(escape_xstring(text))
    parts = names.parts
    opening = parts.t_preserve if text != text.strip() or "\n" in text or "\t" in text else parts.t_open
    return opening + escaped + parts.t_close


_PLAIN_ATTRIBUTES = frozenset(("r", "s", "t"))


def cell_bytes(
    names: S.Names,
    row: int,
    col: int,
    write: Write,
    info: S.CellInfo | None,
    style: int,
    date1904: bool,
) -> bytes:
    """The ``<c>`` element a write produces (its other attributes, such as ``ph``, kept)."""
    ref = f"{column_letter(col)}{row}"
    if info is None or (not info.has_formula and info.attrs_names <= _PLAIN_ATTRIBUTES):
        # A new cell, or one holding a value and no attribute to keep: made afresh (the common case, kept fast).
        return _new_cell(names, ref, write.value, style, date1904, write.formula)
    c, f, v, is_ = names.tag("c"), names.tag("f"), names.tag("v"), names.tag("is")
    tag_match = names.start_tag.match(info.raw)
    assert tag_match is not None
    tag = info.raw[: tag_match.end()]
    if tag.endswith(b"/>"):
        tag = tag[:-2].rstrip() + b">"
    tag = S.set_attr(tag, "r", ref)
    keep_s = style or "s" in info.attrs_names
    tag = S.set_attr(tag, "s", str(style) if keep_s else None)
    value = write.value
    body = b""
    kept_formula = None
    if write.formula is not None:
        if info.has_formula and (info.formula_type != "shared" or info.formula_ref):
            element, existing = formula_text(info.raw, names)
            if existing == write.formula and element is not None:
                kept_formula = element  # same formula: its element (array, shared master, flags) kept as it was
        body = kept_formula or (b"<" + f + b">" + _escape(write.formula) + b"</" + f + b">")
    tag = S.set_attr(tag, "vm", None)
    if kept_formula is None:
        tag = S.set_attr(tag, "cm", None)
    kind: str | None = None
    text = ""
    if value is None:
        kind = None
    elif isinstance(value, ErrorValue):
        kind, text = "e", str(value)
    elif isinstance(value, bool):
        kind, text = "b", "1" if value else "0"
    elif isinstance(value, str):
        if write.formula is not None:
            kind, text = "str", escape_xstring(value)
        else:
            kind = "inlineStr"
            body += b"<" + is_ + b">" + _text_element(names, value) + b"</" + is_ + b">"
    elif isinstance(value, dt.date | dt.time):
        kind, text = "n", number_text(to_serial(value, date1904))
    else:
        kind, text = "n", number_text(value)
    if kind is not None and kind != "inlineStr":
        body += b"<" + v + b">" + _escape(text) + b"</" + v + b">"
    tag = S.set_attr(tag, "t", None if kind in (None, "n") else kind)
    if not body:
        return tag[:-1].rstrip() + b"/>"
    return tag + body + b"</" + c + b">"


_STYLE_ATTRIBUTES: dict[int, bytes] = {}  # a style's attribute, ``" s="12"``: a workbook uses a few dozen


def _new_cell(names: S.Names, ref: str, value: Any, style: int, date1904: bool, formula: str | None = None) -> bytes:
    """A cell that did not exist: built directly (the common case, kept fast: an import makes 124 000 of them). A
    formula's text value is an ``xstring`` in ``<v>`` (``t="str"``); a plain text is an inline string."""
    parts = names.parts
    style_attr = _STYLE_ATTRIBUTES.get(style)
    if style_attr is None:
        style_attr = _STYLE_ATTRIBUTES[style] = b'" s="%d"' % style if style else b'"'
    head = parts.c_r + ref.encode() + style_attr
    body = b"" if formula is None else parts.f_open + _escape(formula) + parts.f_close
    kind = type(value)
    if kind is int:  # a number's text holds nothing XML escapes
        return head + b">" + body + parts.v_open + str(value).encode() + parts.v_close_c
    if kind is float or kind is Decimal:
        return head + b">" + body + parts.v_open + number_text(value).encode() + parts.v_close_c
    if value is None:
        return head + (b">" + body + parts.c_close if body else b"/>")
    if isinstance(value, str) and not isinstance(value, ErrorValue):
        if formula is None:
            return head + parts.inline_open + _text_element(names, value) + parts.inline_close
        kind_attr, text = b' t="str"', escape_xstring(value)
    elif isinstance(value, bool):
        kind_attr, text = b' t="b"', "1" if value else "0"
    elif isinstance(value, ErrorValue):
        kind_attr, text = b' t="e"', str(value)
    else:
        serial = to_serial(value, date1904) if isinstance(value, dt.date | dt.time) else value
        return head + b">" + body + parts.v_open + number_text(serial).encode() + parts.v_close_c
    return head + kind_attr + b">" + body + parts.v_open + _escape(text) + parts.v_close_c


def moved_cell(
    info: S.CellInfo, names: S.Names, row: int, col: int, cached: str | None, formula: str | None = None
) -> bytes:
    """An existing cell carried to another place as it is; a formula's cached value, and its text (``formula``,
    a totals row's range that follows its table), may be replaced."""
    tag_match = names.start_tag.match(info.raw)
    assert tag_match is not None
    tag = S.set_attr(info.raw[: tag_match.end()], "r", cell_ref(row, col))
    rest = info.raw[tag_match.end() :]
    if formula is not None:
        element, _text = formula_text(rest, names)
        if element is not None:
            start = element[: element.index(b">") + 1]
            if not start.endswith(b"/>"):
                f = names.tag("f")
                rest = rest.replace(element, start + _escape(formula) + b"</" + f + b">", 1)
    if cached is not None:
        v = names.tag("v")
        pattern = re.compile(rb"<" + re.escape(v) + rb"(?:\s[^>]*)?(?:/>|>[^<]*</" + re.escape(v) + rb"\s*>)")
        new_v = b"<" + v + b">" + _escape(cached) + b"</" + v + b">"
        if tag.endswith(b"/>"):
            tag, rest = tag[:-2].rstrip() + b">", new_v + b"</" + names.tag("c") + b">"
        elif pattern.search(rest):
            rest = pattern.sub(lambda _: new_v, rest, count=1)
        else:
            close = rest.rfind(b"</")
            rest = rest[:close] + new_v + rest[close:]
        tag = S.set_attr(tag, "t", None)
    return tag + rest


def _spans(attrs: dict[str, str], cols: list[int]) -> str | None:
    """A row's new ``spans`` when written columns fall outside it (None: keep it)."""
    spans = attrs.get("spans")
    if not spans or not cols:
        return None
    bounds = []
    for part in spans.split():
        first, _, last = part.partition(":")
        if first.isdigit() and last.isdigit():
            bounds.append((int(first), int(last)))
    if all(any(a <= col <= b for a, b in bounds) for col in cols):
        return None
    low = min(cols + [a for a, _ in bounds])
    high = max(cols + [b for _, b in bounds])
    return f"{low}:{high}"


def rewrite(stream: IO[bytes], cells: dict[int, dict[int, bytes]], dimension: str | None) -> Iterator[bytes]:
    """The sheet part with ``cells`` (row → column → new ``<c>`` bytes) in place; everything else copied."""
    pending = sorted(cells)
    index = 0
    names: S.Names | None = None

    def new_row(number: int) -> bytes:
        assert names is not None
        row_tag = names.tag("row")
        body = b"".join(cells[number][col] for col in sorted(cells[number]))
        return b"<" + row_tag + b' r="' + str(number).encode() + b'">' + body + b"</" + row_tag + b">"

    for piece in S.scan(stream):
        if isinstance(piece, S.Head):
            names = piece.names
            data = piece.data
            if dimension is not None:
                match = S.find_markup(names.dimension, data, 0)
                if match is not None:
                    new = S.set_attr(match.group(2), "ref", dimension)
                    data = data[: match.start(2)] + new + data[match.end(2) :]
            yield data
        elif isinstance(piece, S.Row):
            assert names is not None
            while index < len(pending) and pending[index] < piece.number:
                yield new_row(pending[index])
                index += 1
            if index < len(pending) and pending[index] == piece.number:
                yield splice_row(piece, cells[piece.number], names)
                index += 1
            elif not piece.explicit:
                yield S.set_attr(piece.data[: piece.tag_end], "r", str(piece.number)) + piece.data[piece.tag_end :]
            else:
                yield piece.data
        elif isinstance(piece, S.Tail):
            assert names is not None
            data = piece.data
            if index < len(pending):
                remaining = pending[index:]
                index = len(pending)
                empty = names.start_tag.match(data) if data.startswith(b"<" + names.tag("sheetData")) else None
                if empty is not None and empty.group(2) == b"/":
                    # <sheetData/> becomes <sheetData>rows</sheetData>
                    sheet_data = names.tag("sheetData")
                    yield b"<" + sheet_data + b">"
                    data = b"</" + sheet_data + b">" + data[empty.end() :]
                # One row at a time: 2 000 new rows joined first would hold all their bytes twice.
                for number in remaining:
                    yield new_row(number)
            yield data
        else:
            yield piece.data


def splice_row(row: S.Row, new_cells: dict[int, bytes], names: S.Names) -> bytes:
    """A row with some cells replaced or inserted, the others copied as they were."""
    tag = row.data[: row.tag_end]
    spans = _spans(row.attrs, list(new_cells))
    if spans:
        tag = S.set_attr(tag, "spans", spans)
    if not row.explicit:
        tag = S.set_attr(tag, "r", str(row.number))
    if row.self_closing:
        tag = tag[:-2].rstrip() + b">"
        body = b"".join(new_cells[col] for col in sorted(new_cells))
        return tag + body + b"</" + names.tag("row") + b">"
    waiting = sorted(new_cells)
    index = row.index(names)
    if index is not None:
        return _splice_indexed(row, tag, new_cells, waiting, index, names)
    out = [tag]
    position = row.tag_end
    at = 0
    for cell in row.cells(names):
        out.append(row.data[position : cell.start])
        while at < len(waiting) and waiting[at] < cell.col:
            out.append(new_cells[waiting[at]])
            at += 1
        if at < len(waiting) and waiting[at] == cell.col:
            out.append(new_cells[cell.col])
            at += 1
        elif not cell.has_ref:
            raw = row.data[cell.start : cell.end]
            tag_match = names.start_tag.match(raw)
            assert tag_match is not None
            out.append(S.set_attr(raw[: tag_match.end()], "r", cell_ref(row.number, cell.col)) + raw[tag_match.end() :])
        else:
            out.append(row.data[cell.start : cell.end])
        position = cell.end
    out.extend(new_cells[col] for col in waiting[at:])
    out.append(row.data[position:])
    return b"".join(out)


def _splice_indexed(
    row: S.Row, tag: bytes, new_cells: dict[int, bytes], waiting: list[int], index: S.RowIndex, names: S.Names
) -> bytes:
    """``splice_row`` for a row whose cells all name their reference first: the bytes between the cells
    written are copied in one piece each, only the cells replaced are read (for where they end)."""
    data = row.data
    out = [tag]
    position = row.tag_end  # copied up to here
    at = 0
    columns = index.columns
    for place, col in enumerate(columns):
        if at == len(waiting):
            break
        if waiting[at] > col:
            continue
        start = index.start(place, position)
        out.append(data[position:start])
        position = start
        while at < len(waiting) and waiting[at] < col:
            out.append(new_cells[waiting[at]])
            at += 1
        if at < len(waiting) and waiting[at] == col:
            out.append(new_cells[col])
            position = row.cell_end(names, start)
            at += 1
    if at < len(waiting):  # after the last cell
        last = index.start(len(columns) - 1) if columns else -1
        end = row.cell_end(names, last) if columns and position <= last else position
        out.append(data[position:end])
        out.extend(new_cells[col] for col in waiting[at:])
        position = end
    out.append(data[position:])
    return b"".join(out)
