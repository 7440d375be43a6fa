"""Office add-ins (web extensions) a workbook carries, and the settings they keep in it.

An Office.js add-in keeps its document settings in the workbook (``Office.context.document.settings``): Excel
saves them as the ``<we:property name=… value=…/>`` elements of the add-in's part
(``xl/webextensions/webextensionN.xml``), each value being the setting's JSON text. A task-pane add-in is
listed in ``xl/webextensions/taskpanes.xml``, which the package's relationships point to (type
``…/webextensiontaskpanes``), and which points to each add-in's part. Vocabulary and element names are those of
[MS-OWEXML] (Office Web Extensibility Extensions to Office Open XML).

Here: reading the add-ins of a package, changing some settings of one of them (the other settings, its
reference, bindings and snapshot stay as they are), and adding a task-pane add-in. ``compare`` accepts exactly
these changes (``compare_webextension``, ``compare_taskpanes``).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lxml import etree

from xlplugin.xlsx import xmlutil as X

if TYPE_CHECKING:
    from xlplugin.xlsx.patch import Patch

WE = "http://schemas.microsoft.com/office/webextensions/webextension/2010/11"
WETP = "http://schemas.microsoft.com/office/webextensions/taskpanes/2010/11"
REL_WEBEXTENSION = "http://schemas.microsoft.com/office/2011/relationships/webextension"
REL_TASKPANES = "http://schemas.microsoft.com/office/2011/relationships/webextensiontaskpanes"
CT_WEBEXTENSION = "application/vnd.ms-office.webextension+xml"
CT_TASKPANES = "application/vnd.ms-office.webextensiontaskpanes+xml"
TASKPANES_PART = "xl/webextensions/taskpanes.xml"
# The setting that makes Office open the add-in's task pane with the document (with visibility="1").
AUTO_SHOW = "Office.AutoShowTaskpaneWithDocument"

_DECLARATION = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'


@dataclass(frozen=True)
class WebExtension:
    """An add-in of the workbook: its part, the store ids it is known by, and its settings (name → JSON text)."""

    part: str
    store_ids: tuple[str, ...]
    properties: Mapping[str, str]

    def is_store_addin(self, store_id: str) -> bool:
        return store_id.lower() in (known.lower() for known in self.store_ids)


def _part_names(patch: Patch) -> list[str]:
    """Every web extension part, whether a task pane or a sheet (content add-in) refers to it."""
    root = X.parse(patch.part_bytes("[Content_Types].xml"), "[Content_Types].xml")
    parts = [
        element.get("PartName", "").lstrip("/")
        for element in root.findall(X.q("Override", X.CONTENT_TYPES))
        if element.get("ContentType") == CT_WEBEXTENSION
    ]
    return sorted(part for part in parts if patch.has_part(part))


def web_extensions(patch: Patch) -> list[WebExtension]:
    """The add-ins of the workbook as the patch now has them."""
    found = []
    for part in _part_names(patch):
        root = X.parse(patch.part_bytes(part), part)
        ids = tuple(element.get("id", "") for element in root.iter(etree.QName(WE, "reference").text))
        properties = {
            element.get("name", ""): element.get("value", "") for element in root.iter(etree.QName(WE, "property").text)
        }
        found.append(WebExtension(part, ids, properties))
    return found


def set_properties(patch: Patch, part: str, values: Mapping[str, str]) -> None:
    """Set the settings ``values`` (name → JSON text) of the add-in in ``part``; its other settings, and
    everything else of the part, stay as they are."""
    root = patch.edit(part)
    holder = root.find(etree.QName(WE, "properties").text)
    if holder is None:
        holder = etree.Element(etree.QName(WE, "properties").text)
        reference = root.find(etree.QName(WE, "alternateReferences").text)
        if reference is None:
            reference = root.find(etree.QName(WE, "reference").text)
        root.insert(root.index(reference) + 1 if reference is not None else 0, holder)
    existing = {element.get("name"): element for element in holder.findall(etree.QName(WE, "property").text)}
    for name, value in values.items():
        if name in existing:
            existing[name].set("value", value)
        else:
            etree.SubElement(holder, etree.QName(WE, "property").text, name=name, value=value)
    patch.note_webextension(part, values.keys())


def _free_part(patch: Patch, pattern: str) -> str:
    number = 1
    while patch.has_part(pattern.format(number)):
        number += 1
    return pattern.format(number)


def add_taskpane_addin(
    patch: Patch,
    store_id: str,
    *,
    store: str,
    properties: Mapping[str, str],
    visible: bool,
    width: int = 438,
) -> str:
    """A task-pane add-in of the Office store (``store_id``, e.g. ``wa200008175``) with its settings; returns
    its part. ``visible``: the task pane opens with the workbook (with the ``AUTO_SHOW`` setting)."""
    part = _free_part(patch, "xl/webextensions/webextension{}.xml")
    root = etree.Element(etree.QName(WE, "webextension").text, nsmap={"we": WE})
    root.set("id", "{" + str(uuid.uuid4()).upper() + "}")
    etree.SubElement(root, etree.QName(WE, "reference").text, id=store_id, version="1.0.0.0", store=store,
                     storeType="OMEX")  # fmt: skip
    alternates = etree.SubElement(root, etree.QName(WE, "alternateReferences").text)
    etree.SubElement(alternates, etree.QName(WE, "reference").text, id=store_id.upper(), version="1.0.0.0",
                     store=store_id.upper(), storeType="OMEX")  # fmt: skip
    holder = etree.SubElement(root, etree.QName(WE, "properties").text)
    settings = dict(properties)
    if visible:
        settings[AUTO_SHOW] = "true"
    for name, value in settings.items():
        etree.SubElement(holder, etree.QName(WE, "property").text, name=name, value=value)
    etree.SubElement(root, etree.QName(WE, "bindings").text)
    etree.SubElement(root, etree.QName(WE, "snapshot").text, nsmap={"r": X.DOC_REL})  # empty, as Excel writes it
    patch.add_part(part, _DECLARATION + etree.tostring(root, encoding="UTF-8"), CT_WEBEXTENSION)

    panes = _taskpanes_part(patch)
    rel_id = patch.add_relationship(panes, REL_WEBEXTENSION, part)
    panes_root = patch.edit(panes)
    row = len(panes_root) + 1
    pane = etree.SubElement(
        panes_root,
        etree.QName(WETP, "taskpane").text,
        dockstate="right",
        visibility="1" if visible else "0",
        width=str(width),
        row=str(row),
    )
    reference = etree.SubElement(pane, etree.QName(WETP, "webextensionref").text, nsmap={"r": X.DOC_REL})
    reference.set(etree.QName(X.DOC_REL, "id").text, rel_id)
    patch.note_taskpanes(panes)
    return part


def _taskpanes_part(patch: Patch) -> str:
    """The package's task-pane list, made (with its relationship) when the workbook has none."""
    for rel in patch.rels(""):
        if rel.type == REL_TASKPANES and not rel.external:
            return rel.target
    part = (
        TASKPANES_PART if not patch.has_part(TASKPANES_PART) else _free_part(patch, "xl/webextensions/taskpanes{}.xml")
    )
    root = etree.Element(etree.QName(WETP, "taskpanes").text, nsmap={"wetp": WETP})
    patch.add_part(part, _DECLARATION + etree.tostring(root, encoding="UTF-8"), CT_TASKPANES)
    patch.add_relationship("", REL_TASKPANES, part)
    return part


# -- what compare accepts


def _canonical(element: Any) -> bytes:
    return etree.tostring(element, method="c14n")


def compare_webextension(name: str, before: Any, after: Any, properties: set[str]) -> list[str]:
    """Only the settings named in ``properties`` may have changed or appeared in an add-in's part."""

    def without(root: Any) -> tuple[bytes, dict[str, str]]:
        copy = etree.fromstring(etree.tostring(root))
        kept: dict[str, str] = {}
        for element in list(copy.iter(etree.QName(WE, "property").text)):
            key = element.get("name", "")
            parent = element.getparent()
            if key in properties and parent is not None:
                parent.remove(element)
            else:
                kept[key] = element.get("value", "")
        holder = copy.find(etree.QName(WE, "properties").text)
        if holder is not None and len(holder) == 0 and not (holder.text or "").strip():
            copy.remove(holder)  # a settings list the patch made for its own settings
        return _canonical(copy), kept

    old, old_kept = without(before)
    new, new_kept = without(after)
    if old_kept != new_kept:
        lost = sorted(set(old_kept.items()) ^ set(new_kept.items()))
        return [f"« {name} » : des réglages du complément ont changé ({', '.join(k for k, _ in lost)})"]
    if old != new:
        return [f"« {name} » : le complément a changé au-delà de ses réglages {', '.join(sorted(properties))}"]
    return []


def compare_taskpanes(name: str, before: Any, after: Any) -> list[str]:
    """The task panes of ``before`` stay, in order and unchanged; new ones may follow."""
    old = [_canonical(element) for element in before]
    new = [_canonical(element) for element in after]
    if new[: len(old)] != old or _canonical(etree.Element(before.tag, before.attrib)) != _canonical(
        etree.Element(after.tag, after.attrib)
    ):
        return [f"« {name} » : les volets des compléments ont changé au-delà de l'ajout d'un volet"]
    return []
