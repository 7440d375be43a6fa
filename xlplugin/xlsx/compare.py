"""Structural comparison of two packages: is everything the patch did not mean to change unchanged?

``compare_packages(before, after, written=…)`` checks part by part: a part the patch did not touch must be
identical (same CRC and size, or the same bytes with ``thorough``); a worksheet listed in ``written`` must
be identical, byte for byte, outside the cells written, ``<dimension>`` and rows' ``spans``; the parts a
patch extends (content types, relationships, workbook, styles, tables, calcChain) may only gain entries or
change the few attributes a patch changes. ``Patch.save`` runs it on the new file before it replaces the
old one, so "nothing lost" is checked, not assumed. Problems are described in French.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from lxml import etree

from xlplugin.xlsx import sheetxml as S
from xlplugin.xlsx import xmlutil as X
from xlplugin.xlsx.charts import compare_charts
from xlplugin.xlsx.errors import SaveError
from xlplugin.xlsx.package import resolve_target
from xlplugin.xlsx.refs import CellSet
from xlplugin.xlsx.styles import element_key
from xlplugin.xlsx.webextensions import WE, WETP, compare_taskpanes, compare_webextension

if TYPE_CHECKING:
    from xlplugin.xlsx.patch import Patch

WORKSHEET_TYPE = X.CT_WORKSHEET


@dataclass
class Comparison:
    """What differs between two packages, and whether each difference is one a patch may make."""

    identical: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _zip(source: str | Path | IO[bytes] | zipfile.ZipFile) -> zipfile.ZipFile:
    if isinstance(source, zipfile.ZipFile):
        return source
    return zipfile.ZipFile(source)


def _content_types(archive: zipfile.ZipFile) -> dict[str, str]:
    root = X.parse(archive.read("[Content_Types].xml"), "[Content_Types].xml")
    found = {}
    for element in root:
        if element.tag == X.q("Override", X.CONTENT_TYPES):
            found[element.get("PartName", "").lstrip("/").lower()] = element.get("ContentType", "")
        elif element.tag == X.q("Default", X.CONTENT_TYPES):
            found["*." + element.get("Extension", "").lower()] = element.get("ContentType", "")
    return found


def compare_packages(
    before: str | Path | IO[bytes] | zipfile.ZipFile,
    after: str | Path | IO[bytes] | zipfile.ZipFile,
    *,
    written: Mapping[str, Iterable[tuple[int, int]]] | None = None,
    names: Iterable[str] = (),
    removable: Iterable[str] = (),
    charts: Iterable[str] = (),
    webextensions: Mapping[str, Iterable[str]] | None = None,
    taskpanes: Mapping[str, Iterable[str]] | None = None,
    thorough: bool = False,
) -> Comparison:
    """Compare two packages. ``written``: worksheet part → cells (row, col) the patch wrote; ``names``:
    defined names it may add or change; ``removable``: parts it may drop (calcChain); ``charts``: chart
    parts whose series' ranges it re-pointed (nothing else of them may change); ``webextensions``: add-in
    part → the settings it may change; ``taskpanes``: task-pane list → the dangling panes it may drop (and it may
    add panes)."""
    old, new = _zip(before), _zip(after)
    # Each row's columns (the patch's own ``CellSet`` as it is): a row compared looks its columns up once.
    cells = {part: CellSet.of(found) for part, found in (written or {}).items()}
    result = Comparison()
    old_infos = {i.filename: i for i in old.infolist() if not i.filename.endswith("/")}
    new_infos = {i.filename: i for i in new.infolist() if not i.filename.endswith("/")}
    types = _content_types(old)
    allowed_removals = {part.lower() for part in removable}
    for name, info in old_infos.items():
        other = new_infos.get(name)
        if other is None:
            result.removed.append(name)
            if name.lower() not in allowed_removals:
                result.problems.append(f"la partie « {name} » a disparu")
            continue
        same = info.CRC == other.CRC and info.file_size == other.file_size
        if same and thorough:
            same = old.read(name) == new.read(name)
        if same:
            result.identical.append(name)
            continue
        result.changed.append(name)
        result.problems.extend(
            _explain(
                name,
                old,
                new,
                cells,
                types,
                set(names),
                allowed_removals,
                set(charts),
                {part: set(found) for part, found in (webextensions or {}).items()},
                {part: set(found) for part, found in (taskpanes or {}).items()},
            )
        )
    result.added = [name for name in new_infos if name not in old_infos]
    for name in result.added:
        if name.endswith((".xml", ".rels", ".vml")):
            try:
                X.parse(new.read(name), name)
            except Exception as exc:
                result.problems.append(f"la nouvelle partie « {name} » est illisible ({exc})")
    return result


def _explain(
    name: str,
    old: zipfile.ZipFile,
    new: zipfile.ZipFile,
    cells: dict[str, CellSet],
    types: dict[str, str],
    names: set[str],
    removable: set[str],
    charts: set[str],
    webextensions: dict[str, set[str]],
    taskpanes: dict[str, set[str]],
) -> list[str]:
    """Why a changed part is acceptable (empty list) or what was lost or altered."""
    if name in cells:
        with old.open(name) as before, new.open(name) as after:
            return compare_sheet(before, after, cells[name], name)
    if name == "[Content_Types].xml":
        return _superset(name, _content_types(old), _content_types(new), removable)
    if name.endswith(".rels"):
        return _superset(name, _relationships(old, name), _relationships(new, name), removable)
    content_type = types.get(name.lower(), "")
    before = X.parse(old.read(name), name)
    after = X.parse(new.read(name), name)
    if before.tag == X.q("workbook"):
        return _compare_workbook(name, before, after, names)
    if before.tag == X.q("styleSheet"):
        return _compare_styles(name, before, after)
    if before.tag == X.q("table"):
        return _compare_table(name, before, after)
    if before.tag == X.q("calcChain"):
        return _compare_calc_chain(name, before, after)
    if name in charts and before.tag == X.q("chartSpace", X.CHART):
        return compare_charts(name, before, after)
    if name in webextensions and before.tag == etree.QName(WE, "webextension").text:
        return compare_webextension(name, before, after, webextensions[name])
    if name in taskpanes and before.tag == etree.QName(WETP, "taskpanes").text:
        return compare_taskpanes(name, before, after, taskpanes[name])
    return [f"la partie « {name} » ({content_type or 'type inconnu'}) a changé alors que rien ne devait la modifier"]


def _relationships(archive: zipfile.ZipFile, name: str) -> dict[str, str]:
    root = X.parse(archive.read(name), name)
    source = name.replace("_rels/", "").removesuffix(".rels")
    if source.endswith("/"):
        source = ""
    found = {}
    for element in root:
        target = element.get("Target", "")
        if element.get("TargetMode") != "External":
            target = resolve_target(source, target).lower()
        found[element.get("Id", "")] = f"{element.get('Type')} → {target}"
    return found


def _superset(name: str, before: dict[str, str], after: dict[str, str], removable: set[str]) -> list[str]:
    problems = []
    for key, value in before.items():
        if after.get(key) == value:
            continue
        if any(value.endswith("→ " + part) for part in removable) or key in removable:
            continue
        problems.append(f"« {name} » : l'entrée {key} ({value}) a disparu ou changé")
    return problems


def _children(root: Any, tag: str) -> list[Any]:
    holder = root.find(X.q(tag))
    return [] if holder is None else [c for c in holder if isinstance(c.tag, str)]


def _compare_workbook(name: str, before: Any, after: Any, names: set[str]) -> list[str]:
    problems = []
    old_sheets = [dict(e.attrib) for e in _children(before, "sheets")]
    new_sheets = [dict(e.attrib) for e in _children(after, "sheets")]
    remaining = iter(new_sheets)
    for sheet in old_sheets:
        if not any(candidate == sheet for candidate in remaining):
            problems.append(f"« {name} » : la feuille « {sheet.get('name')} » a disparu, changé ou changé de place")
    old_order = [s.get("name") for s in old_sheets]
    new_order = [s.get("name") for s in new_sheets]

    def scoped(root: Any, order: list[str | None]) -> dict[tuple[str, str | None], str]:
        found = {}
        for element in _children(root, "definedNames"):
            local = element.get("localSheetId")
            scope = order[int(local)] if local is not None and int(local) < len(order) else None
            found[(element.get("name", "").casefold(), scope)] = element.text or ""
        return found

    old_names, new_names = scoped(before, old_order), scoped(after, new_order)
    allowed = {n.casefold() for n in names}
    for key, text in old_names.items():
        if new_names.get(key) != text and key[0] not in allowed:
            problems.append(f"« {name} » : le nom « {key[0]} » a disparu ou désigne autre chose")
    ignored = {X.q("sheets"), X.q("definedNames"), X.q("bookViews")}
    old_rest = [element_key(c) for c in before if isinstance(c.tag, str) and c.tag not in ignored]
    new_rest = [element_key(c) for c in after if isinstance(c.tag, str) and c.tag not in ignored]
    if old_rest != new_rest:
        problems.append(f"« {name} » : un réglage du classeur a changé (hors feuilles et noms)")
    return problems


def _compare_styles(name: str, before: Any, after: Any) -> list[str]:
    problems = []
    old_children = [c for c in before if isinstance(c.tag, str)]
    new_by_tag = {c.tag: c for c in after if isinstance(c.tag, str)}
    for child in old_children:
        other = new_by_tag.get(child.tag)
        if other is None:
            problems.append(f"« {name} » : l'élément {child.tag} a disparu")
            continue
        old_items = [element_key(c) for c in child if isinstance(c.tag, str)]
        new_items = [element_key(c) for c in other if isinstance(c.tag, str)]
        if child.tag == X.q("extLst") or not old_items:
            if element_key(child) != element_key(other) and old_items:
                problems.append(f"« {name} » : l'élément {child.tag} a changé")
            continue
        if new_items[: len(old_items)] != old_items:
            problems.append(
                f"« {name} » : des styles existants de {child.tag} ont changé (seuls des ajouts sont permis)"
            )
    return problems


def _compare_table(name: str, before: Any, after: Any) -> list[str]:
    def strip(root: Any) -> tuple[Any, ...]:
        attrs = {k: v for k, v in root.attrib.items() if k not in ("ref", "totalsRowCount")}
        children = []
        for child in root:
            if not isinstance(child.tag, str):
                continue
            if child.tag == X.q("autoFilter"):
                kept = [element_key(c) for c in child if c.tag != X.q("sortState")]
                children.append(("autoFilter", tuple(kept)))
            elif child.tag == X.q("sortState"):
                children.append(("sortState", tuple(element_key(c) for c in child)))
            elif child.tag == X.q("tableColumns"):
                children.append(("tableColumns", tuple((c.get("id"), c.get("totalsRowFunction")) for c in child)))
            else:
                children.append(element_key(child))
        return tuple(sorted(attrs.items())), tuple(children)

    old_attrs, old_children = strip(before)
    new_attrs, new_children = strip(after)
    problems = []
    if old_attrs != new_attrs:
        problems.append(f"« {name} » : les réglages du tableau ont changé")
    for old_child, new_child in zip(old_children, new_children, strict=False):
        if old_child[0] == "tableColumns":
            if new_child[1][: len(old_child[1])] != old_child[1]:
                problems.append(f"« {name} » : des colonnes du tableau ont disparu ou changé")
        elif old_child != new_child:
            problems.append(f"« {name} » : un élément du tableau a changé")
    if len(old_children) != len(new_children):
        problems.append(f"« {name} » : des éléments du tableau ont disparu ou ont été ajoutés")
    return problems


def _compare_calc_chain(name: str, before: Any, after: Any) -> list[str]:
    def entries(root: Any) -> list[tuple[int, str]]:
        found, current = [], 0
        for element in root:
            if element.tag == X.q("c"):
                current = int(element.get("i", current))
                found.append((current, element.get("r", "")))
        return found

    old = entries(before)
    if not set(entries(after)) <= set(old):
        return [f"« {name} » : la chaîne de calcul a gagné des cellules"]
    return []


class _Side:
    """One version of a sheet, row by row; gaps and tail kept aside."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.pieces = S.scan(stream)
        head = next(self.pieces)
        assert isinstance(head, S.Head)
        self.head = head
        self.gaps: list[bytes] = []
        self.tail = b""

    def rows(self) -> Iterator[S.Row]:
        for piece in self.pieces:
            if isinstance(piece, S.Row):
                yield piece
            elif isinstance(piece, S.Tail):
                self.tail = piece.data
            else:
                self.gaps.append(piece.data)


def _without(tag: bytes, *attributes: str) -> bytes:
    for attribute in attributes:
        tag = S.set_attr(tag, attribute, None)
    return tag


def _no_dimension(head: S.Head) -> bytes:
    match = S.find_markup(head.names.dimension, head.data, 0)
    return head.data if match is None else head.data[: match.start(2)] + head.data[match.end(2) :]


def compare_sheet(before: IO[bytes], after: IO[bytes], written: CellSet, name: str) -> list[str]:
    """Problems between two versions of a worksheet part, the cells in ``written`` and ``<dimension>`` aside.

    Both versions are streamed side by side (rows are in ascending order), so memory stays small.
    """
    problems: list[str] = []
    old, new = _Side(before), _Side(after)
    names = old.head.names
    old_head, new_head = _no_dimension(old.head), _no_dimension(new.head)
    if old.head.empty_sheet_data and not new.head.empty_sheet_data:
        new_head = new_head[: new_head.rfind(b"<" + names.tag("sheetData"))]  # <sheetData/> now holds rows
    if old_head != new_head:
        problems.append(f"« {name} » : le début de la feuille (vues, colonnes…) a changé")
    old_rows, new_rows = old.rows(), new.rows()
    a, b = next(old_rows, None), next(new_rows, None)
    while a is not None or b is not None:
        if b is None or (a is not None and a.number < b.number):
            problems.extend(_compare_row(a, None, written, names, name))
            a = next(old_rows, None)
        elif a is None or b.number < a.number:
            problems.extend(_compare_row(None, b, written, names, name))
            b = next(new_rows, None)
        else:
            problems.extend(_compare_row(a, b, written, names, name))
            a, b = next(old_rows, None), next(new_rows, None)
        if len(problems) > 50:
            break
    old_tail, new_tail = old.tail, new.tail
    if old.head.empty_sheet_data:
        # <sheetData/> may have become <sheetData>…</sheetData>: compare what follows it
        start = names.start_tag.match(old_tail)
        old_tail = old_tail[start.end() :] if start else old_tail
        close = new_tail.find(b"</" + names.tag("sheetData"))
        if close >= 0:
            new_tail = new_tail[new_tail.find(b">", close) + 1 :]
        else:
            start = names.start_tag.match(new_tail)
            new_tail = new_tail[start.end() :] if start else new_tail
    if old_tail != new_tail:
        problems.append(
            f"« {name} » : la fin de la feuille (fusions, mises en forme conditionnelles, extLst…) a changé"
        )
    if b"".join(old.gaps).strip() != b"".join(new.gaps).strip():
        problems.append(f"« {name} » : le contenu entre les lignes a changé")
    return problems


def _compare_row(old: S.Row | None, new: S.Row | None, written: CellSet, names: S.Names, part: str) -> list[str]:
    number = (old or new).number  # type: ignore[union-attr]
    if old is not None and new is not None and old.data == new.data:
        return []
    if new is None:
        return [f"« {part} » : la ligne {number} a disparu"]
    if old is not None and _same_but_written(old, new, written, names):
        return []
    done = written.row(number)
    if old is None:
        index = new.index(names)
        columns = index.columns if index is not None else [c.col for c in new.cells(names)]
        extra = [col for col in columns if col not in done]
        return [f"« {part} » : une ligne {number} est apparue avec des cellules non écrites"] if extra else []
    new_cells = {c.col: c for c in new.cells(names)}
    problems = []
    old_tag = _without(old.data[: old.tag_end], "spans", "r")
    new_tag = _without(new.data[: new.tag_end], "spans", "r")
    if old.self_closing and not new.self_closing:
        old_tag = old_tag[:-2].rstrip() + b">"
    if old_tag != new_tag:
        problems.append(f"« {part} » : les réglages de la ligne {number} ont changé")
    old_cells = {c.col: c for c in old.cells(names)}
    for col, cell in old_cells.items():
        if col in done:
            continue
        other = new_cells.get(col)
        if other is None:
            problems.append(f"« {part} » : la cellule {S.cell_name(number, col)} a disparu")
            continue
        old_bytes = old.data[cell.start : cell.end]
        new_bytes = new.data[other.start : other.end]
        if not cell.has_ref:
            new_bytes = (
                _without(new_bytes[: other.tag_end - other.start], "r") + new_bytes[other.tag_end - other.start :]
            )
        if old_bytes != new_bytes:
            problems.append(f"« {part} » : la cellule {S.cell_name(number, col)} a changé sans avoir été écrite")
    for col in new_cells:
        if col not in old_cells and col not in done:
            problems.append(f"« {part} » : une cellule {S.cell_name(number, col)} est apparue sans avoir été écrite")
    return problems


def _same_but_written(old: S.Row, new: S.Row, written: CellSet, names: S.Names) -> bool:
    """Whether the two rows are the same bytes once the cells written are taken out of both (the row's
    ``spans`` and ``r`` aside), when both rows can be indexed; False means « look cell by cell »."""
    if old.self_closing or new.self_closing:
        return False
    old_body, new_body = _unwritten(old, written, names), _unwritten(new, written, names)
    if old_body is None or new_body is None or old_body != new_body:
        return False
    return _without(old.data[: old.tag_end], "spans", "r") == _without(new.data[: new.tag_end], "spans", "r")


def _unwritten(row: S.Row, written: CellSet, names: S.Names) -> bytes | None:
    """The row's bytes after its start tag, without the cells written (a run of written cells goes whole,
    with the blanks between them)."""
    index = row.index(names)
    if index is None:
        return None
    data, columns = row.data, index.columns
    done = written.row(row.number)
    pieces, position = [], row.tag_end
    place = 0
    while place < len(columns):
        if columns[place] not in done:
            place += 1
            continue
        start = index.start(place, position)
        last = place
        while last + 1 < len(columns) and columns[last + 1] in done:
            last += 1
        pieces.append(data[position:start])
        position = row.cell_end(names, start if last == place else index.start(last, start))
        place = last + 1
    pieces.append(data[position:])
    return b"".join(pieces)


def verify_patch(patch: Patch, handle: IO[bytes], sheets: set[str], replaced: set[str]) -> None:
    """Refuse (``SaveError``) a freshly written package that differs from the original beyond the patch."""
    data = handle.read() if not hasattr(handle, "fileno") else None
    archive = zipfile.ZipFile(io.BytesIO(data) if data is not None else handle)
    try:
        result = compare_packages(
            patch.package.zip,
            archive,
            written={part: patch.written.get(part, CellSet()) for part in sheets},
            names=patch.names_touched,
            removable=patch.removed_parts,
            charts=patch.charts_touched,
            webextensions=patch.webextensions_touched,
            taskpanes=patch.taskpanes_touched,
        )
    except Exception as exc:
        raise SaveError(
            f"{patch.package.path.name} : le contrôle du classeur écrit a échoué ({exc}) ; rien n'a été remplacé"
        ) from None
    if not result.ok:
        detail = " ; ".join(result.problems[:5])
        raise SaveError(
            f"{patch.package.path.name} : le classeur écrit différerait de l'original au-delà des modifications "
            f"voulues ({detail}) ; rien n'a été remplacé"
        )
