"""The workbook's style sheet (``styles.xml``), read for number formats and extended append-only.

A cell's ``s`` attribute is an index into ``cellXfs``; each xf points to a number format, a font, a fill
and a border. Nothing here ever changes or removes an existing entry: new fonts, fills, borders, number
formats, xfs and dxfs are appended (an identical existing entry is reused), so every index the workbook
already uses keeps its meaning.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from lxml import etree

from xlplugin.xlsx import xmlutil as X
from xlplugin.xlsx.values import BUILTIN_FORMATS, builtin_kind, format_kind

# Children of <styleSheet>, in the order the schema requires.
_ORDER = ["numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs", "cellStyles", "dxfs", "tableStyles",
          "colors", "extLst"]  # fmt: skip
_FONT_ORDER = ["b", "i", "strike", "condense", "extend", "outline", "shadow", "u", "vertAlign", "sz", "color", "name",
               "family", "charset", "scheme"]  # fmt: skip
_MINIMAL = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
    b'<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b'<fonts count="1"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    b'<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/>'
    b'</fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    b'<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    b'<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
    b'<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
)


def element_key(element: Any) -> tuple[Any, ...]:
    """A comparable form of an element: tag, attributes and children, whitespace ignored."""
    text = (element.text or "").strip()
    return (
        element.tag,
        tuple(sorted(element.attrib.items())),
        text,
        tuple(element_key(child) for child in element if isinstance(child.tag, str)),
    )


def rgb(value: str) -> str:
    """``"1F4E79"`` or ``"#1F4E79"`` → ``"FF1F4E79"`` (alpha first, as the XML wants)."""
    clean = value.lstrip("#").upper()
    if len(clean) == 6:
        clean = "FF" + clean
    if len(clean) != 8 or any(c not in "0123456789ABCDEF" for c in clean):
        raise ValueError(f"couleur invalide : « {value} » (attendu : RRVVBB en hexadécimal)")
    return clean


@dataclass(frozen=True)
class StyleSpec:
    """What ``Patch.style`` asks for; None keeps what the base style has."""

    number_format: str | None = None
    bold: bool | None = None
    italic: bool | None = None
    font_rgb: str | None = None
    fill_rgb: str | None = None
    wrap: bool | None = None
    align: str | None = None
    vertical: str | None = None


class StyleSheet:
    """``styles.xml`` as a tree, with the lookups a reader needs and append-only additions."""

    def __init__(self, data: bytes | None, part: str = "xl/styles.xml") -> None:
        self.original = data
        self.created = data is None
        self.root = X.parse(data if data is not None else _MINIMAL, part)
        self.modified = self.created
        self._xf_cache: dict[tuple[int, StyleSpec], int] = {}
        self._kinds: dict[int, str | None] = {}
        self._lists: dict[str, list[Any]] = {}
        self._codes = {int(e.get("numFmtId", "0")): e.get("formatCode", "") for e in self._list("numFmts")}

    # Reading ---------------------------------------------------------------------------------------

    def _container(self, name: str, create: bool = False) -> Any:
        found = self.root.find(X.q(name))
        if found is None and create:
            found = etree.Element(X.q(name))
            found.set("count", "0")
            position = _ORDER.index(name)
            index = 0
            for index, child in enumerate(self.root):  # noqa: B007 - the position after the loop is wanted
                if isinstance(child.tag, str) and etree.QName(child).localname in _ORDER[position + 1 :]:
                    break
            else:
                index = len(self.root)
            self.root.insert(index, found)
        return found

    def _list(self, name: str) -> list[Any]:
        if name not in self._lists:
            container = self._container(name)
            self._lists[name] = [] if container is None else [c for c in container if isinstance(c.tag, str)]
        return self._lists[name]

    @property
    def xf_count(self) -> int:
        return len(self._list("cellXfs"))

    def xf(self, index: int) -> Any | None:
        xfs = self._list("cellXfs")
        return xfs[index] if 0 <= index < len(xfs) else None

    def number_format(self, index: int) -> str:
        """The number format code of cell style ``index`` (``General`` when unknown)."""
        xf = self.xf(index)
        number_format_id = int(xf.get("numFmtId", "0")) if xf is not None else 0
        code: str = self._codes.get(number_format_id, BUILTIN_FORMATS.get(number_format_id, "General"))
        return code

    def date_kind(self, index: int) -> str | None:
        """``date``, ``datetime`` or ``time`` when cell style ``index`` shows a date or a time."""
        if index not in self._kinds:
            xf = self.xf(index)
            number_format_id = int(xf.get("numFmtId", "0")) if xf is not None else 0
            code = self._codes.get(number_format_id)
            self._kinds[index] = format_kind(code) if code is not None else builtin_kind(number_format_id)
        return self._kinds[index]

    # Adding ----------------------------------------------------------------------------------------

    def _append(self, name: str, element: Any, reuse: bool = True) -> int:
        """The index of an identical entry of list ``name``, or of ``element`` appended to it."""
        container = self._container(name, create=True)
        items = [c for c in container if isinstance(c.tag, str)]
        if reuse:
            key = element_key(element)
            for index, item in enumerate(items):
                if element_key(item) == key:
                    return index
        container.append(element)
        container.set("count", str(len(items) + 1))
        self.modified = True
        self._kinds.clear()
        self._lists.pop(name, None)
        return len(items)

    def number_format_id(self, code: str) -> int:
        """The id of a number format code, appended to ``numFmts`` when neither built in nor present."""
        for number_format_id, builtin in BUILTIN_FORMATS.items():
            if builtin == code:
                return number_format_id
        for number_format_id, existing in self._codes.items():
            if existing == code:
                return number_format_id
        new_id = max([163, *self._codes]) + 1
        element = etree.Element(X.q("numFmt"), numFmtId=str(new_id), formatCode=code)
        self._append("numFmts", element, reuse=False)
        self._codes[new_id] = code
        return new_id

    def add_xf(self, spec: StyleSpec, base: int = 0) -> int:
        """A cell style index: ``base`` with the changes of ``spec``; an identical existing xf is reused."""
        key = (base, spec)
        if key in self._xf_cache:
            return self._xf_cache[key]
        base_xf = self.xf(base)
        xf = copy.deepcopy(base_xf) if base_xf is not None else etree.Element(X.q("xf"))
        for name in ("numFmtId", "fontId", "fillId", "borderId", "xfId"):
            xf.set(name, xf.get(name, "0"))
        if spec.number_format is not None:
            xf.set("numFmtId", str(self.number_format_id(spec.number_format)))
            xf.set("applyNumberFormat", "1")
        if spec.bold is not None or spec.italic is not None or spec.font_rgb is not None:
            xf.set("fontId", str(self._font(int(xf.get("fontId", "0")), spec)))
            xf.set("applyFont", "1")
        if spec.fill_rgb is not None:
            fill = etree.Element(X.q("fill"))
            pattern = etree.SubElement(fill, X.q("patternFill"), patternType="solid")
            etree.SubElement(pattern, X.q("fgColor"), rgb=rgb(spec.fill_rgb))
            etree.SubElement(pattern, X.q("bgColor"), indexed="64")
            xf.set("fillId", str(self._append("fills", fill)))
            xf.set("applyFill", "1")
        if spec.wrap is not None or spec.align is not None or spec.vertical is not None:
            alignment = xf.find(X.q("alignment"))
            if alignment is None:
                alignment = etree.Element(X.q("alignment"))
                xf.insert(0, alignment)
            for attribute, value in (
                ("wrapText", None if spec.wrap is None else ("1" if spec.wrap else "0")),
                ("horizontal", spec.align),
                ("vertical", spec.vertical),
            ):
                if value is not None:
                    alignment.set(attribute, value)
            xf.set("applyAlignment", "1")
        index = self._append("cellXfs", xf)
        self._xf_cache[key] = index
        return index

    def _font(self, base: int, spec: StyleSpec) -> int:
        fonts = self._list("fonts")
        font = copy.deepcopy(fonts[base]) if 0 <= base < len(fonts) else etree.Element(X.q("font"))
        for name, wanted in (("b", spec.bold), ("i", spec.italic)):
            if wanted is None:
                continue
            for existing in font.findall(X.q(name)):
                font.remove(existing)
            if wanted:
                font.append(etree.Element(X.q(name)))
        if spec.font_rgb is not None:
            for existing in font.findall(X.q("color")):
                font.remove(existing)
            font.append(etree.Element(X.q("color"), rgb=rgb(spec.font_rgb)))
        children = sorted(font, key=lambda c: _FONT_ORDER.index(etree.QName(c).localname)
                          if isinstance(c.tag, str) and etree.QName(c).localname in _FONT_ORDER else 99)  # fmt: skip
        for child in children:
            font.append(child)
        return self._append("fonts", font)

    def import_xf(self, other: StyleSheet, index: int) -> int:
        """The index here of a cell style of another style sheet (fonts, fills, borders, formats appended)."""
        source = other.xf(index)
        if source is None:
            return 0
        xf = copy.deepcopy(source)
        xf.set("numFmtId", str(self.number_format_id(other.number_format(index))))
        for attribute, name in (("fontId", "fonts"), ("fillId", "fills"), ("borderId", "borders")):
            items = other._list(name)
            position = int(source.get(attribute, "0"))
            if 0 <= position < len(items):
                xf.set(attribute, str(self._append(name, copy.deepcopy(items[position]))))
        xf.set("xfId", "0")  # the named cell style of the other workbook is not brought along
        return self._append("cellXfs", xf)

    def import_dxf(self, other: StyleSheet, index: int) -> int:
        """The index here of a differential style (conditional formats, tables) of another style sheet."""
        items = other._list("dxfs")
        element = copy.deepcopy(items[index])
        number_format = element.find(X.q("numFmt"))
        if number_format is not None:
            number_format.set("numFmtId", str(self.number_format_id(number_format.get("formatCode", "General"))))
        return self._append("dxfs", element)

    def to_bytes(self) -> bytes:
        return X.serialize(self.root, self.original)
