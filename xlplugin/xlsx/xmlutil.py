"""XML plumbing shared by the package modules: namespaces, a safe parser, serialising a part back.

Small parts (workbook, styles, tables, relationships, content types) are edited as lxml trees and written
back with their own XML declaration; worksheets are never parsed whole (see ``sheetxml``).
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

from xlplugin.xlsx.errors import PackageError

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STRICT_MAIN = "http://purl.oclc.org/ooxml/spreadsheetml/main"
DOC_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CONTENT_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
CHART = "http://schemas.openxmlformats.org/drawingml/2006/chart"

REL_OFFICE_DOCUMENT = f"{DOC_REL}/officeDocument"
REL_WORKSHEET = f"{DOC_REL}/worksheet"
REL_CHARTSHEET = f"{DOC_REL}/chartsheet"
REL_DIALOGSHEET = f"{DOC_REL}/dialogsheet"
REL_MACROSHEET = "http://schemas.microsoft.com/office/2006/relationships/xlMacrosheet"
REL_INTL_MACROSHEET = "http://schemas.microsoft.com/office/2006/relationships/xlIntlMacrosheet"
REL_SHARED_STRINGS = f"{DOC_REL}/sharedStrings"
REL_STYLES = f"{DOC_REL}/styles"
REL_TABLE = f"{DOC_REL}/table"
REL_CALC_CHAIN = f"{DOC_REL}/calcChain"
REL_THEME = f"{DOC_REL}/theme"

SHEET_KINDS = {
    REL_WORKSHEET: "worksheet",
    REL_CHARTSHEET: "chartsheet",
    REL_DIALOGSHEET: "dialog",
    REL_MACROSHEET: "macro",
    REL_INTL_MACROSHEET: "macro",
}

CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_TABLE = "application/vnd.openxmlformats-officedocument.spreadsheetml.table+xml"
CT_RELS = "application/vnd.openxmlformats-package.relationships+xml"
CT_XML = "application/xml"

_DECLARATION = re.compile(rb"^\s*<\?xml[^>]*\?>\s*")


def q(tag: str, ns: str = MAIN) -> str:
    """Clark notation: ``q("sheet")`` → ``{…/main}sheet``."""
    return f"{{{ns}}}{tag}"


def parser() -> etree.XMLParser:
    """No DTD, no entities, no network: a workbook's XML is data, never instructions to the parser."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)


def parse(data: bytes, part: str) -> Any:
    """The root element of a part; a DTD or malformed XML is a ``PackageError`` naming the part."""
    try:
        root = etree.fromstring(data, parser())
    except etree.XMLSyntaxError as exc:
        raise PackageError(f"la partie « {part} » n'est pas du XML valide ({exc})") from None
    info: Any = root.getroottree().docinfo
    if info.doctype or info.internalDTD is not None:
        raise PackageError(f"la partie « {part} » contient une déclaration DTD : classeur refusé")
    return root


def serialize(root: Any, original: bytes | None) -> bytes:
    """The part's XML with the same declaration (and spacing after it) as the original had."""
    body = etree.tostring(root, encoding="UTF-8", xml_declaration=False)
    head = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
    if original is not None:
        match = _DECLARATION.match(original)
        if match is None:
            head = b""
        elif b"utf-8" in match.group(0).lower() or b"encoding" not in match.group(0):
            head = match.group(0)
    return head + body
