"""Grafting sheets of another workbook into a patched package (the tool's own sheets, built with openpyxl).

The source workbook is built and saved apart (a scratch file); its sheets are transplanted with every part
they reach through relationships (tables, drawings, charts, images, comments…), under fresh part names
and ids. Styles are merged (fonts, fills, borders, number formats, cell xfs and dxfs appended to the
target's style sheet, ``s=``/``style=``/``dxfId=`` remapped); shared strings become inline strings, so the
target's shared-strings part stays untouched; a sheet renamed on the way is renamed in the copied
formulas, charts and names. The target workbook gains ``<sheet>`` entries (unique ``sheetId``), content
types and relationships; names local to a grafted sheet follow it, and the source's workbook-level names
listed by the caller are added (refused if the target already has them).
"""

from __future__ import annotations

import copy
import posixpath
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lxml import etree

from xlplugin.xlsx import xmlutil as X
from xlplugin.xlsx.errors import GraftError, XlsxError
from xlplugin.xlsx.formulas import rename_sheets
from xlplugin.xlsx.package import Package, SheetEntry, relative_target, rels_part
from xlplugin.xlsx.styles import StyleSheet

if TYPE_CHECKING:
    from xlplugin.xlsx.patch import Patch

_INVALID_SHEET = re.compile(r"[\[\]:*?/\\]")
_WORKBOOK_LEVEL = {X.REL_SHARED_STRINGS, X.REL_STYLES, X.REL_THEME, X.REL_CALC_CHAIN}
_DXF_ATTRS = ("dxfId", "headerRowDxfId", "dataDxfId", "totalsRowDxfId", "headerRowBorderDxfId",
              "tableBorderDxfId", "totalsRowBorderDxfId")  # fmt: skip
_DRAWING_MAIN = "http://schemas.openxmlformats.org/drawingml/2006/main"


def check_sheet_name(name: str) -> None:
    if not name or len(name) > 31 or _INVALID_SHEET.search(name) or name.startswith("'") or name.endswith("'"):
        raise GraftError(
            f"« {name} » n'est pas un nom de feuille possible (31 caractères au plus, sans [ ] : * ? / \\ ni "
            "apostrophe au début ou à la fin)"
        )


def fresh_name(part: str, taken: set[str]) -> str:
    """A part name like ``part`` (same folder and extension, another number) that no part has."""
    folder, name = posixpath.split(part)
    match = re.match(r"^(.*?)(\d*)(\.[^.]*)?$", name)
    assert match is not None
    stem, _, extension = match.group(1), match.group(2), match.group(3) or ""
    number = 1
    while True:
        candidate = posixpath.join(folder, f"{stem}{number}{extension}")
        if candidate.lower() not in taken:
            taken.add(candidate.lower())
            return candidate
        number += 1


class _Graft:
    def __init__(self, patch: Patch, source: Package) -> None:
        self.patch = patch
        self.source = source
        self.source_styles = StyleSheet(source.read(source.styles_part) if source.styles_part else None)
        self.xf_map: dict[int, int] = {}
        self.dxf_map: dict[int, int] = {}
        self.strings: list[Any] | None = None
        self.taken = {p.lower() for p in patch.package.parts} | {p.lower() for p in patch._new_parts}
        self.mapping: dict[str, str] = {}
        self.renames: dict[str, str] = {}

    def xf(self, index: int) -> int:
        if index not in self.xf_map:
            self.xf_map[index] = self.patch.styles.import_xf(self.source_styles, index)
        return self.xf_map[index]

    def dxf(self, index: int) -> int:
        if index not in self.dxf_map:
            self.dxf_map[index] = self.patch.styles.import_dxf(self.source_styles, index)
        return self.dxf_map[index]

    def shared_strings(self) -> list[Any]:
        if self.strings is None:
            part = self.source.shared_strings_part
            root = self.source.tree(part) if part else None
            self.strings = [] if root is None else [si for si in root if si.tag == X.q("si")]
        return self.strings

    def collect(self, start: str) -> list[str]:
        """``start`` and every part it reaches by relationships, workbook-level parts excepted."""
        order: list[str] = []
        queue = [start]
        while queue:
            part = queue.pop(0)
            if part in self.mapping or not self.source.has(part):
                continue
            self.mapping[part] = fresh_name(part, self.taken)
            order.append(part)
            for relationship in self.source.rels(part):
                if not relationship.external and relationship.type not in _WORKBOOK_LEVEL:
                    queue.append(relationship.target)
        return order

    def transform(self, part: str, data: bytes, table_ids: list[int]) -> bytes:
        content_type = self.source.content_type(part) or ""
        if content_type == X.CT_WORKSHEET:
            return self.sheet(part, data)
        if content_type == X.CT_TABLE:
            return self.table(part, data, table_ids)
        if content_type.endswith("drawingml.chart+xml") and self.renames:
            root = X.parse(data, part)
            for formula in root.iter(X.q("f", X.CHART)):
                formula.text = rename_sheets(formula.text or "", self.renames)
            return X.serialize(root, data)
        return data

    def sheet(self, part: str, data: bytes) -> bytes:
        root = X.parse(data, part)
        for element in root.iter(X.q("c"), X.q("row")):
            if element.get("s") is not None:
                element.set("s", str(self.xf(int(element.get("s", "0")))))
        for element in root.iter(X.q("col")):
            if element.get("style") is not None:
                element.set("style", str(self.xf(int(element.get("style", "0")))))
        for element in root.iter():
            if isinstance(element.tag, str) and element.get("dxfId") is not None:
                element.set("dxfId", str(self.dxf(int(element.get("dxfId", "0")))))
        for view in root.iter(X.q("sheetView")):
            if "tabSelected" in view.attrib:
                del view.attrib["tabSelected"]
        strings = None
        for cell in root.iter(X.q("c")):
            if cell.get("t") == "s":
                strings = strings if strings is not None else self.shared_strings()
                value = cell.find(X.q("v"))
                holder = etree.Element(X.q("is"))
                if value is not None and value.text is not None:
                    for child in strings[int(value.text)]:
                        holder.append(copy.deepcopy(child))
                    cell.remove(value)
                cell.insert(0 if cell.find(X.q("f")) is None else 1, holder)
                cell.set("t", "inlineStr")
        if self.renames:
            for tag in ("f", "formula", "formula1", "formula2"):
                for element in root.iter(X.q(tag)):
                    if element.text:
                        element.text = rename_sheets(element.text, self.renames)
        return X.serialize(root, data)

    def table(self, part: str, data: bytes, table_ids: list[int]) -> bytes:
        root = X.parse(data, part)
        taken = self.patch.all_table_names() | {n.casefold() for n, _, _ in self.patch.defined_names()}
        for attribute in ("name", "displayName"):
            value = root.get(attribute)
            if value is not None and value.casefold() in taken:
                raise GraftError(
                    f"le classeur a déjà un tableau ou un nom « {value} » : la feuille ne peut pas être ajoutée "
                    "telle quelle (choisissez un autre nom de tableau)"
                )
        table_ids.append(max(table_ids) + 1)
        root.set("id", str(table_ids[-1]))
        for element in root.iter():
            if not isinstance(element.tag, str):
                continue
            for attribute in _DXF_ATTRS:
                if element.get(attribute) is not None:
                    element.set(attribute, str(self.dxf(int(element.get(attribute, "0")))))
        return X.serialize(root, data)

    def rels(self, part: str) -> bytes | None:
        name = rels_part(part)
        if not self.source.has(name):
            return None
        data = self.source.read(name)
        root = X.parse(data, name)
        for element in root:
            if element.get("TargetMode") == "External":
                continue
            target = next((r.target for r in self.source.rels(part) if r.id == element.get("Id")), None)
            if target in self.mapping:
                element.set("Target", relative_target(self.mapping[part], self.mapping[target]))
        return X.serialize(root, data)


def _table_ids(patch: Patch) -> list[int]:
    ids = [0]
    for entry in patch.sheets:
        if entry.kind == "worksheet":
            for relationship in patch.rels(entry.part):
                if relationship.type == X.REL_TABLE:
                    ids.append(patch._table_edit(relationship.target).table.id)
    return ids


def graft(
    patch: Patch,
    source_path: Path,
    sheets: Sequence[str] | None,
    *,
    rename: dict[str, str],
    names: list[str],
    position: int | None,
) -> list[str]:
    """Graft sheets of ``source_path`` into ``patch``; returns their names in the target, in order."""
    try:
        source = Package.open(source_path)
    except XlsxError as exc:
        raise GraftError(f"feuilles à ajouter illisibles : {exc}") from None
    with source:
        chosen = [source.sheet(name) for name in sheets] if sheets is not None else list(source.sheets)
        existing = {entry.name.casefold() for entry in patch.sheets}
        worker = _Graft(patch, source)
        targets = []
        for entry in chosen:
            name = rename.get(entry.name, entry.name)
            check_sheet_name(name)
            if name.casefold() in existing:
                raise GraftError(f"le classeur a déjà une feuille « {name} » : elle n'est pas remplacée")
            existing.add(name.casefold())
            targets.append(name)
            if name != entry.name:
                worker.renames[entry.name] = name
        table_ids = _table_ids(patch)
        copied: list[str] = []
        for entry in chosen:
            copied.extend(worker.collect(entry.part))
        for part in copied:
            new = worker.mapping[part]
            data = worker.transform(part, source.read(part), table_ids)
            override = source.overrides.get(part.lower())
            extension = posixpath.splitext(part)[1].lstrip(".").lower()
            if override is not None:
                patch.add_part(new, data, override)
            else:
                patch.add_part(new, data, None)
                default = source.defaults.get(extension)
                if default is not None:
                    if patch.package.defaults.get(extension, default) == default:
                        patch.ensure_default(extension, default)
                    else:
                        patch.set_content_type(new, default)
            rels = worker.rels(part)
            if rels is not None:
                patch.add_part(rels_part(new), rels, None)
        _register_sheets(patch, source, chosen, targets, worker, position)
        _copy_names(patch, source, chosen, targets, worker, names)
    return targets


def _register_sheets(
    patch: Patch,
    source: Package,
    chosen: list[SheetEntry],
    targets: list[str],
    worker: _Graft,
    position: int | None,
) -> None:
    workbook = patch.edit(patch.package.workbook_part)
    holder = workbook.find(X.q("sheets"))
    if holder is None:
        raise GraftError("le classeur n'a pas de liste de feuilles")
    sheets = list(patch._sheets)
    at = len(sheets) if position is None else max(0, min(position, len(sheets)))
    sheet_ids = [entry.sheet_id for entry in sheets]
    for offset, (entry, name) in enumerate(zip(chosen, targets, strict=True)):
        index = at + offset
        part = worker.mapping[entry.part]
        rel_type = next(r.type for r in source.rels(source.workbook_part) if r.id == entry.rel_id and not r.external)
        rel_id = patch.add_relationship(patch.package.workbook_part, rel_type, part)
        sheet_id = max(sheet_ids, default=0) + 1
        sheet_ids.append(sheet_id)
        element = etree.Element(X.q("sheet"), name=name, sheetId=str(sheet_id))
        if entry.state != "visible":
            element.set("state", entry.state)
        element.set(X.q("id", X.DOC_REL), rel_id)
        existing = [child for child in holder if child.tag == X.q("sheet")]
        if index < len(existing):
            existing[index].addprevious(element)
        else:
            holder.append(element)
        _shift_indexes(workbook, index)
        sheets.insert(index, SheetEntry(name, sheet_id, rel_id, part, entry.kind, entry.state, index))
        patch._new_sheet_parts.add(part)
    patch._sheets = [SheetEntry(e.name, e.sheet_id, e.rel_id, e.part, e.kind, e.state, i) for i, e in enumerate(sheets)]


def _shift_indexes(workbook: Any, inserted: int) -> None:
    """A sheet inserted at ``inserted``: sheet indexes at or after it move one place (names, views)."""
    names = workbook.find(X.q("definedNames"))
    for element in names if names is not None else []:
        local = element.get("localSheetId")
        if local is not None and int(local) >= inserted:
            element.set("localSheetId", str(int(local) + 1))
    views = workbook.find(X.q("bookViews"))
    for view in views if views is not None else []:
        # activeTab defaults to 0: the active sheet stays the same one when a sheet comes before it
        active = int(view.get("activeTab", "0"))
        if active >= inserted:
            view.set("activeTab", str(active + 1))
        first = view.get("firstSheet")
        if first is not None and int(first) > inserted:
            view.set("firstSheet", str(int(first) + 1))


def _copy_names(
    patch: Patch,
    source: Package,
    chosen: list[SheetEntry],
    targets: list[str],
    worker: _Graft,
    names: list[str],
) -> None:
    local_index = {entry.index: name for entry, name in zip(chosen, targets, strict=True)}
    wanted = {name.casefold() for name in names}
    found = set()
    for defined in source.defined_names:
        text = rename_sheets(defined.text, worker.renames)
        if defined.local_sheet_id is not None:
            sheet = local_index.get(defined.local_sheet_id)
            if sheet is None:
                continue
            patch.define_name(defined.name, text, sheet=sheet, hidden=defined.hidden)
        elif defined.name.casefold() in wanted:
            found.add(defined.name.casefold())
            patch.define_name(defined.name, text, hidden=defined.hidden)
    missing = wanted - found
    if missing:
        raise GraftError(f"noms absents du classeur source : {', '.join(sorted(missing))}")
