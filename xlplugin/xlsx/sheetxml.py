"""Splitting a worksheet part into byte pieces, streamed: what comes before the cells, rows, what follows.

A worksheet is rewritten without parsing it into a tree: its bytes are cut at ``<row>`` boundaries inside
``<sheetData>``, each row at ``<c>`` boundaries when (and only when) it is written to. Every piece that is
not written is copied exactly as it was, so the sheet's other elements (views, columns, conditional
formats, ``extLst`` with sparklines, ``mc:AlternateContent``…) cannot change. Comments and CDATA sections
are skipped where markup is searched. The main namespace may carry a prefix (``<x:row>``); it is read from
the root element.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html import unescape
from typing import IO

from xlplugin.xlsx import xmlutil as X
from xlplugin.xlsx.errors import PackageError
from xlplugin.xlsx.refs import column_index

CHUNK = 1 << 20
_ATTR = re.compile(rb"""([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_SKIP = rb"(<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>)"
_ROOT = re.compile(rb"<(?![?!])([^\s/>]+)((?:\s+[^\s=/>]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)\s*(/?)>")
_REF_LETTERS = re.compile(rb"^\$?([A-Za-z]{1,3})\$?([0-9]+)$")
_HAS_R = re.compile(rb"""(?:^|\s)r\s*=""")
_R_ATTR = re.compile(rb"""(?:^|\s)r\s*=\s*["']\$?([A-Za-z]{1,3})\$?[0-9]+["']""")


def attributes(tag: bytes) -> dict[str, str]:
    """The attributes of a start tag, unescaped, by their qualified name as written (``x14ac:dyDescent``)."""
    found = {}
    for match in _ATTR.finditer(tag):
        raw = match.group(2) if match.group(2) is not None else match.group(3)
        found[match.group(1).decode()] = unescape(raw.decode("utf-8"))
    return found


def escape_attr(value: str) -> bytes:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;").encode("utf-8")


def set_attr(tag: bytes, name: str, value: str | None) -> bytes:
    """A start tag with one attribute set (added before the tag's end), changed, or removed (``None``)."""
    pattern = re.compile(rb"(\s+)" + re.escape(name.encode()) + rb"""\s*=\s*(?:"[^"]*"|'[^']*')""")
    if value is None:
        return pattern.sub(b"", tag, count=1)
    new = name.encode() + b'="' + escape_attr(value) + b'"'
    if pattern.search(tag):
        return pattern.sub(lambda m: m.group(1) + new, tag, count=1)
    end = len(tag) - (2 if tag.endswith(b"/>") else 1)
    while end > 0 and tag[end - 1 : end].isspace():
        end -= 1
    return tag[:end] + b" " + new + tag[end:]


@dataclass
class Names:
    """The byte patterns of a worksheet, for the prefix its main namespace uses."""

    prefix: bytes
    declarations: dict[str, str]  # xmlns declarations of the root element

    def __post_init__(self) -> None:
        self._tags: dict[str, bytes] = {}
        p = re.escape(self.prefix)
        flags = re.DOTALL
        self.sheet_data = re.compile(_SKIP + rb"|(<" + p + rb"sheetData(?=[\s/>]))", flags)
        self.row_or_end = re.compile(_SKIP + rb"|(<" + p + rb"row(?=[\s/>])|</" + p + rb"sheetData\s*>)", flags)
        self.row_end = re.compile(_SKIP + rb"|(</" + p + rb"row\s*>)", flags)
        self.row_or_end_literals = (b"<" + self.prefix + b"row", b"</" + self.prefix + b"sheetData")
        self.row_end_literals = (b"</" + self.prefix + b"row",)
        self.cell_start = re.compile(_SKIP + rb"|(<" + p + rb"c(?=[\s/>]))", flags)
        self.cell_end = re.compile(_SKIP + rb"|(</" + p + rb"c\s*>)", flags)
        self.cell_close = b"</" + self.prefix + b"c>"
        # Where no comment, CDATA or processing instruction can hide one (the usual row): a cell's start tag,
        # and a whole cell — its attributes, then « /> » or its content up to the first </c> (a cell holds no cell)
        self.cell_tag = re.compile(rb"<" + p + rb"c((?:\s+[^\s=/>]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)\s*(/?)>", flags)
        self.cell_whole = re.compile(
            rb"<" + p + rb"c((?:\s+r\s*=\s*\"\$?([A-Za-z]{1,3})\$?[0-9]+\")?"  # r first, as writers put it
            rb"(?:\s+[^\s=/>]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)\s*(?:(/)>|>.*?</" + p + rb"c\s*>)",
            flags,
        )
        # A row's cells located without reading them: every cell start, and the starts that name their
        # reference first (``<c r="B5"``, as writers put it); when both counts agree, these are all the cells.
        self.cell_open = re.compile(rb"<" + p + rb"c[\s/>]")
        self.cell_ref_first = re.compile(rb"<" + p + rb'c r="([A-Z]{1,3}[0-9]+)"')
        self.start_tag = re.compile(rb"<[^\s/>]+((?:\s+[^\s=/>]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)\s*(/?)>")
        self.dimension = re.compile(_SKIP + rb"|(<" + p + rb"dimension(?=[\s/>])[^>]*>)", flags)
        self.f_tag = re.compile(rb"<" + p + rb"f(?=[\s/>])([^>]*)>")
        self.v_text = re.compile(rb"<" + p + rb"v\s*>([^<]*)</" + p + rb"v\s*>")
        self.has_v = re.compile(rb"<" + p + rb"v(?=[\s/>])")
        self.has_is = re.compile(rb"<" + p + rb"is(?=[\s/>])")
        self.t_text = re.compile(rb"<" + p + rb"t(?:\s[^>]*)?>([^<]*)</" + p + rb"t\s*>")

    @functools.cached_property
    def parts(self) -> Parts:
        return Parts(self.prefix)

    def tag(self, local: str) -> bytes:
        found = self._tags.get(local)
        if found is None:
            found = self._tags[local] = self.prefix + local.encode()
        return found


class Parts:
    """The byte pieces new cells are made of, for a sheet's prefix (built once: a sheet may get many cells)."""

    def __init__(self, prefix: bytes) -> None:
        c, f, v, is_ = (prefix + name for name in (b"c", b"f", b"v", b"is"))
        self.c_r = b"<" + c + b' r="'
        self.c_close = b"</" + c + b">"
        self.f_open, self.f_close = b"<" + f + b">", b"</" + f + b">"
        self.v_open, self.v_close_c = b"<" + v + b">", b"</" + v + b"></" + c + b">"
        self.inline_open = b' t="inlineStr"><' + is_ + b">"
        self.inline_close = b"</" + is_ + b"></" + c + b">"
        t = prefix + b"t"
        self.t_open, self.t_preserve, self.t_close = (
            b"<" + t + b">",
            b"<" + t + b' xml:space="preserve">',
            b"</" + t + b">",
        )


def find_markup(
    pattern: re.Pattern[bytes], data: bytes, start: int, end: int | None = None, literals: tuple[bytes, ...] = ()
) -> re.Match[bytes] | None:
    """The first match of ``pattern``'s second group from ``start``, skipping comments, CDATA and PIs.

    ``literals``: the texts every match of the second group starts with (``<row``, ``</sheetData``): they are
    looked for first, and the pattern tried only there, as long as no comment, CDATA or PI comes before (the
    usual sheet has none: a row is then found without trying the pattern at every « < » of the cells)."""
    position = start
    limit = len(data) if end is None else end
    if literals:
        while True:
            at = -1
            for literal in literals:  # the nearest one; each next literal is looked for only before it
                found = data.find(literal, position, limit if at == -1 else at)
                if found != -1:
                    at = found
            if at == -1:
                return None  # a match starts with a literal: none here (one in a comment is skipped anyway)
            if data.find(b"<!", start, at) != -1 or data.find(b"<?", start, at) != -1:
                break  # something to skip comes first: the general search below
            match = pattern.match(data, at, limit)
            if match is not None and match.group(2) is not None:
                return match
            position = at + 1  # « <rowBreaks », say: not the markup looked for
    while True:
        match = pattern.search(data, position, limit)
        if match is None or match.group(2) is not None:
            return match
        position = match.end()


@dataclass(slots=True)
class Cell:
    """A ``<c>`` element inside a row's bytes: ``start``/``end`` are offsets in the row's bytes."""

    row: int
    col: int
    start: int
    end: int
    raw_attrs: bytes
    tag_end: int  # offset just after the start tag
    self_closing: bool
    _attrs: dict[str, str] | None = field(default=None, repr=False)
    _has_ref: bool | None = field(default=None, repr=False)

    @property
    def attrs(self) -> dict[str, str]:
        if self._attrs is None:
            self._attrs = attributes(self.raw_attrs)
        return self._attrs

    @property
    def has_ref(self) -> bool:
        """Whether the cell names its reference (``r="B5"``); cheaper than reading every attribute."""
        if self._has_ref is None:
            self._has_ref = "r" in self._attrs if self._attrs is not None else _HAS_R.search(self.raw_attrs) is not None
        return self._has_ref

    def inner(self, data: bytes, names: Names) -> bytes:
        if self.self_closing:
            return b""
        match = find_markup(names.cell_end, data, self.tag_end, self.end)
        return data[self.tag_end : match.start(2) if match else self.end]


@dataclass
class Row:
    """A ``<row>`` element: its number (explicit or implied), its bytes, and its cells once split."""

    number: int
    data: bytes
    attrs: dict[str, str]
    tag_end: int
    self_closing: bool
    explicit: bool = True
    _cells: list[Cell] | None = field(default=None, repr=False)

    def cells(self, names: Names) -> list[Cell]:
        """The row's cells, in document order (computed once)."""
        if self._cells is not None:
            return self._cells
        cells: list[Cell] = []
        if not self.self_closing and b"<!" not in self.data and b"<?" not in self.data:
            plain = self._plain_cells(names)
            if plain is not None:
                self._cells = plain
                return plain
        if not self.self_closing:
            position = self.tag_end
            column = 0
            while True:
                match = find_markup(names.cell_start, self.data, position)
                if match is None:
                    break
                start = match.start(2)
                tag = names.start_tag.match(self.data, start)
                if tag is None:
                    raise PackageError(f"cellule mal formée à la ligne {self.number}")
                closing = tag.group(2) == b"/"
                if closing:
                    end = tag.end()
                elif self.data.startswith(names.cell_close, tag.end()) or (
                    (close_at := self.data.find(names.cell_close, tag.end())) != -1
                    and self.data.find(b"<!", tag.end(), close_at) == -1
                ):
                    # the usual case: the first </c> after the start tag closes it (no comment or CDATA inside)
                    end = self.data.find(names.cell_close, tag.end()) + len(names.cell_close)
                else:
                    close = find_markup(names.cell_end, self.data, tag.end())
                    if close is None:
                        raise PackageError(f"cellule non fermée à la ligne {self.number}")
                    end = close.end(2)
                letters = _R_ATTR.search(tag.group(1))
                column = column_number(letters.group(1)) if letters else column + 1
                cells.append(Cell(self.number, column, start, end, tag.group(1), tag.end(), closing))
                position = end
        self._cells = cells
        return cells

    def index(self, names: Names) -> RowIndex | None:
        """The row's cells located without reading them, when every cell names its reference first
        (``<c r="B5"``, once each) and the row holds no comment, CDATA nor processing instruction; None
        otherwise (``cells`` reads the row then). Writing or comparing a few cells of a long row needs only
        this, and ``cell_at`` for those cells."""
        if self.self_closing:
            return RowIndex(self, names, [], [])
        data = self.data
        if b"<!" in data or b"<?" in data:
            return None
        refs = names.cell_ref_first.findall(data, self.tag_end)
        if len(refs) != len(names.cell_open.findall(data, self.tag_end)) or len(set(refs)) != len(refs):
            return None
        known = COLUMN_NUMBERS
        columns = [known.get(letters := ref.rstrip(b"0123456789")) or column_number(letters) for ref in refs]
        return RowIndex(self, names, columns, refs)

    def cell_at(self, names: Names, start: int, column: int) -> Cell:
        """The cell starting at ``start`` (an offset ``index`` gave), in column ``column``."""
        match = names.cell_whole.match(self.data, start)
        if match is None:
            raise PackageError(f"cellule mal formée à la ligne {self.number}")
        end = match.end()
        closing = match.group(3) is not None
        tag_end = end if closing else self.data.index(b">", match.end(1)) + 1
        return Cell(self.number, column, start, end, match.group(1), tag_end, closing, None, True)

    def cell_end(self, names: Names, start: int) -> int:
        """Where the cell starting at ``start`` (an offset ``index`` gave) ends."""
        match = names.cell_whole.match(self.data, start)
        if match is None:
            raise PackageError(f"cellule mal formée à la ligne {self.number}")
        return match.end()

    def _plain_cells(self, names: Names) -> list[Cell] | None:
        """``cells`` for a row holding no comment, CDATA nor processing instruction: one pattern finds each
        whole cell. None when it does not find every start tag (a cell it cannot read): the general reader
        then decides."""
        cells: list[Cell] = []
        number, column = self.number, 0
        for match in names.cell_whole.finditer(self.data, self.tag_end):
            raw, first, slash = match.groups()
            has_ref = None
            if first is not None:
                column = COLUMN_NUMBERS.get(first) or column_number(first)
                has_ref = True
            else:
                letters = _R_ATTR.search(raw)
                column = column_number(letters.group(1)) if letters else column + 1
            closing = slash is not None
            start, end = match.span()
            tag_end = end if closing else self.data.index(b">", match.end(1)) + 1
            cells.append(Cell(number, column, start, end, raw, tag_end, closing, None, has_ref))
        if len(cells) != len(names.cell_tag.findall(self.data, self.tag_end)):
            return None
        return cells


# Column numbers by a reference's letters, as found: a sheet names the same columns on every row (hot loops
# look here first, then call ``column_number``).
COLUMN_NUMBERS: dict[bytes, int] = {}


def column_number(letters: bytes) -> int:
    """``column_index`` of a reference's letters (``b"AB"`` → 28), remembered in ``COLUMN_NUMBERS``."""
    index = COLUMN_NUMBERS.get(letters)
    if index is None:
        index = COLUMN_NUMBERS[letters] = column_index(letters.decode())
    return index


@dataclass(slots=True)
class RowIndex:
    """A row's cells located by the references they name first: their columns in document order, and where
    each starts, looked up only when asked (a few cells of a long row are written or compared)."""

    row: Row
    names: Names
    columns: list[int]
    refs: list[bytes]  # each cell's reference, as written (``B5``)

    def start(self, position: int, after: int = 0) -> int:
        """The offset, in the row's bytes, of the ``position``-th cell; ``after``: an offset it does not start
        before (the end of the cell before it, say: cells visited in order are found in one pass)."""
        row = self.row
        return row.data.index(self.names.parts.c_r + self.refs[position] + b'"', max(after, row.tag_end))


@dataclass
class Head:
    """Everything before the first row, ``<sheetData>`` start tag included (or before ``<sheetData/>``)."""

    data: bytes
    names: Names
    empty_sheet_data: bool  # the sheet holds ``<sheetData/>``: the tail starts with it


@dataclass
class Gap:
    """Bytes between rows (whitespace, comments)."""

    data: bytes


@dataclass
class Tail:
    """From ``</sheetData>`` (or ``<sheetData/>``) to the end of the part."""

    data: bytes


Piece = Head | Row | Gap | Tail


class _Buffer:
    """Bytes read ahead from a stream; offsets given to callers are relative to ``pos``, the unread start."""

    def __init__(self, stream: IO[bytes], chunk: int) -> None:
        self.stream = stream
        self.chunk = chunk
        self.data = b""
        self.pos = 0
        self.eof = False

    def more(self) -> bool:
        if self.eof:
            return False
        block = self.stream.read(self.chunk)
        if not block:
            self.eof = True
            return False
        if self.pos > self.chunk:
            self.data = self.data[self.pos :]
            self.pos = 0
        self.data += block
        return True

    def search(
        self, pattern: re.Pattern[bytes], rel: int = 0, literals: tuple[bytes, ...] = ()
    ) -> tuple[int, int, bytes]:
        """(start, end, text) of the next match of the pattern's markup group, relative to ``pos``."""
        while True:
            match = find_markup(pattern, self.data, self.pos + rel, None, literals)
            # A match needs a few bytes after it, lest it be the prefix of a longer token cut by the chunk.
            if match is not None and (match.end() + 16 <= len(self.data) or self.eof):
                return match.start(2) - self.pos, match.end(2) - self.pos, match.group(2)
            if not self.more():
                if match is not None:
                    return match.start(2) - self.pos, match.end(2) - self.pos, match.group(2)
                raise PackageError("feuille tronquée ou mal formée (balise attendue introuvable)")

    def tag_at(self, pattern: re.Pattern[bytes], rel: int) -> tuple[int, bytes, bool]:
        """(end relative to ``pos``, attributes bytes, self-closing) of the start tag at ``pos + rel``."""
        while True:
            match = pattern.match(self.data, self.pos + rel)
            if match is not None:
                return match.end() - self.pos, match.group(1), match.group(2) == b"/"
            if not self.more():
                raise PackageError("feuille tronquée ou mal formée (balise incomplète)")

    def take(self, rel_end: int) -> bytes:
        piece = self.data[self.pos : self.pos + rel_end]
        self.pos += rel_end
        return piece

    def rest(self) -> bytes:
        while self.more():
            pass
        return self.take(len(self.data) - self.pos)


def root_names(head: bytes) -> Names | None:
    """The prefix of the main namespace, from the root start tag in ``head`` (None: tag not complete)."""
    position = 0
    while True:
        skip = re.compile(_SKIP, re.DOTALL).match(head, position)
        if skip:
            position = skip.end()
            continue
        while position < len(head) and head[position : position + 1].isspace():
            position += 1
        break
    match = _ROOT.search(head, position)
    if match is None:
        return None
    qname = match.group(1).decode()
    declarations = {}
    for key, value in attributes(match.group(2)).items():
        if key == "xmlns" or key.startswith("xmlns:"):
            declarations[key] = value
    prefix, _, local = qname.rpartition(":")
    namespace = declarations.get(f"xmlns:{prefix}" if prefix else "xmlns")
    if local != "worksheet" or namespace != X.MAIN:
        raise PackageError(f"la partie n'est pas une feuille de calcul ordinaire (élément racine « {qname} »)")
    return Names((prefix + ":").encode() if prefix else b"", declarations)


def scan(stream: IO[bytes], chunk: int = CHUNK) -> Iterator[Piece]:
    """The pieces of a worksheet part, in order; their bytes joined are exactly the part."""
    buffer = _Buffer(stream, chunk)
    names = None
    while names is None:
        names = root_names(buffer.data)
        if names is None and not buffer.more():
            raise PackageError("feuille vide ou mal formée (élément racine introuvable)")
    start, _, _ = buffer.search(names.sheet_data)
    tag_end, _, closing = buffer.tag_at(names.start_tag, start)
    if closing:
        yield Head(buffer.take(start), names, True)
        yield Tail(buffer.rest())
        return
    yield Head(buffer.take(tag_end), names, False)
    number = 0
    while True:
        start, _, text = buffer.search(names.row_or_end, 0, names.row_or_end_literals)
        if start > 0:
            yield Gap(buffer.take(start))
        if text.startswith(b"</"):
            yield Tail(buffer.rest())
            return
        tag_end, raw_attrs, closing = buffer.tag_at(names.start_tag, 0)
        attrs = attributes(raw_attrs)
        end = tag_end if closing else buffer.search(names.row_end, tag_end, names.row_end_literals)[1]
        explicit = "r" in attrs
        number = int(attrs["r"]) if explicit else number + 1
        yield Row(number, buffer.take(end), attrs, tag_end, closing, explicit)


def cell_info(cell: Cell, data: bytes, names: Names) -> CellInfo:
    """What a patch needs to know of an existing cell, read from its bytes without a parser."""
    inner = cell.inner(data, names)
    formula = names.f_tag.search(inner)
    f_attrs = attributes(formula.group(1)) if formula else {}
    value_match = names.v_text.search(inner)
    text = None
    if names.has_is.search(inner):
        text = "".join(unescape(t.decode("utf-8")) for t in names.t_text.findall(inner))
    return CellInfo(
        style=int(cell.attrs.get("s", "0") or 0),
        type=cell.attrs.get("t", "n"),
        has_formula=formula is not None,
        formula_type=f_attrs.get("t", "normal") if formula is not None else None,
        formula_ref=f_attrs.get("ref"),
        shared_index=f_attrs.get("si"),
        value=unescape(value_match.group(1).decode("utf-8")) if value_match else None,
        inline_text=text,
        has_value=value_match is not None or names.has_v.search(inner) is not None or text is not None,
        raw=data[cell.start : cell.end],
        attrs_names=frozenset(cell.attrs),
    )


@dataclass(frozen=True)
class CellInfo:
    """An existing cell as a patch sees it."""

    style: int
    type: str
    has_formula: bool
    formula_type: str | None
    formula_ref: str | None
    shared_index: str | None
    value: str | None  # the text of <v>
    inline_text: str | None
    has_value: bool
    raw: bytes
    attrs_names: frozenset[str] = frozenset()

    @property
    def empty(self) -> bool:
        """No value and no formula: at most a style."""
        return not self.has_value and not self.has_formula


def cell_name(row: int, col: int) -> str:
    from xlplugin.xlsx.refs import cell_ref

    return cell_ref(row, col)
