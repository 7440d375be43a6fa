"""Checking an XLSX archive before anything unpacks it: size, compression ratio, and XML without DTD.

A zip bomb is refused from the archive's directory and bounded reads; every XML part is parsed with
defusedxml, which refuses DTDs, entities and external references (XXE, « billion laughs »). openpyxl then
reads only an archive that passed.
"""

from __future__ import annotations

import io
import zipfile

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError
from defusedxml.ElementTree import fromstring as safe_fromstring

from xlplugin.intake.issues import Issue, error

MAX_UNPACKED_BYTES = 200 * 1024 * 1024  # all the parts of an XLSX, unpacked
MAX_PART_RATIO = 200  # unpacked / packed size of one part, beyond which it is a bomb


def check_xlsx(data: bytes) -> Issue | None:
    """Refuse an XLSX that is not a zip, that unpacks into too much, or whose XML carries a DTD or entities."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        return error("XLSX_INVALIDE", "le fichier commence comme un classeur XLSX mais n'est pas une archive valide")
    with archive:
        total = 0
        for info in archive.infolist():
            total += info.file_size
            ratio = info.file_size / max(info.compress_size, 1)
            if total > MAX_UNPACKED_BYTES or (info.file_size > 1024 * 1024 and ratio > MAX_PART_RATIO):
                return error(
                    "ARCHIVE_SUSPECTE",
                    f"la partie « {info.filename} » se décompresse en {info.file_size // (1024 * 1024)} Mo : "
                    "classeur refusé (bombe de décompression ?)",
                )
        if "xl/workbook.xml" not in archive.namelist():
            return error("XLSX_INVALIDE", "archive sans classeur Excel (xl/workbook.xml absent)")
        for info in archive.infolist():
            if not info.filename.endswith((".xml", ".rels")):
                continue
            try:
                with archive.open(info) as part:
                    content = part.read(MAX_UNPACKED_BYTES + 1)
            except (zipfile.BadZipFile, OSError, EOFError, zipfile.LargeZipFile) as exc:
                return error("XLSX_INVALIDE", f"partie « {info.filename} » illisible ({exc})")
            if len(content) > MAX_UNPACKED_BYTES:
                return error("ARCHIVE_SUSPECTE", f"la partie « {info.filename} » est démesurée")
            try:
                safe_fromstring(content, forbid_dtd=True, forbid_entities=True, forbid_external=True)
            except DefusedXmlException as exc:
                return error(
                    "XML_DANGEREUX",
                    f"la partie « {info.filename} » contient une déclaration DTD ou des entités "
                    f"({type(exc).__name__}) : classeur refusé",
                )
            except ParseError as exc:
                return error("XLSX_INVALIDE", f"la partie « {info.filename} » n'est pas du XML valide ({exc})")
    return None


def is_tracking_workbook(data: bytes) -> bool:
    """Whether the archive is a tracking workbook built by this tool (its workbook part names the marker)."""
    from xlplugin.workbook.layout import MARKER

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return MARKER.encode() in archive.read("xl/workbook.xml")
