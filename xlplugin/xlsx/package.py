"""An OOXML spreadsheet package (.xlsx, .xlsm, .xltx…) opened for reading: parts, relationships, sheets.

Vocabulary (ECMA-376 part 2, Open Packaging Conventions): a *part* is a member of the zip, named without
the leading slash (``xl/workbook.xml``); *relationships* (``…/_rels/<name>.rels``) link a part to others by
id (``rId3``) and type; *content types* say what each part is. Nothing here assumes part names: the
workbook part is found from the package relationships, and each sheet from the workbook's relationships.
Parts are read lazily from the zip; nothing is unpacked to disk.

A package is bounded before anything is unpacked, from the sizes its zip directory declares (``zipfile`` never
unpacks more than a part declares): all its parts together at most ``MAX_UNPACKED_BYTES``, and no part of over
``RATIO_FROM_BYTES`` unpacking more than ``MAX_PART_RATIO`` times its packed size. Real sheets unpack 10 to 30
times (a sheet of three million identical formulas, 29 times); a zip bomb, about a thousand times.
"""

from __future__ import annotations

import os
import posixpath
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any
from urllib.parse import unquote

from xlplugin.grouping import grouped
from xlplugin.xlsx import xmlutil as X
from xlplugin.xlsx.errors import PackageError, SheetError

MAX_TREE_PART = 256 * 1024 * 1024  # a part parsed whole (never a worksheet) may not unpack beyond this
MAX_UNPACKED_BYTES = 512 * 1024 * 1024  # every part of a workbook, unpacked
MAX_PART_RATIO = 200  # unpacked / packed size of one part, beyond which it is a zip bomb
RATIO_FROM_BYTES = 1024 * 1024  # parts smaller than this are not judged by their ratio


@dataclass(frozen=True)
class Relationship:
    """One relationship of a part: ``target`` is a part name, or a URL when ``external``."""

    id: str
    type: str
    target: str
    external: bool = False


@dataclass(frozen=True)
class SheetEntry:
    """A sheet of the workbook, in tab order (``index`` from 0, as ``localSheetId`` counts)."""

    name: str
    sheet_id: int
    rel_id: str
    part: str
    kind: str  # worksheet | chartsheet | dialog | macro
    state: str  # visible | hidden | veryHidden
    index: int


@dataclass(frozen=True)
class DefinedName:
    """A defined name: ``local_sheet_id`` is the index of the sheet it belongs to, None for the workbook."""

    name: str
    text: str
    local_sheet_id: int | None = None
    hidden: bool = False
    comment: str = ""  # what its author wrote of it (the tool marks its own names there)


def rels_part(part: str) -> str:
    """``xl/workbook.xml`` → ``xl/_rels/workbook.xml.rels``; the package itself (``""``) → ``_rels/.rels``."""
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", f"{name}.rels")


def resolve_target(source: str, target: str) -> str:
    """A relationship target as a part name: relative to the source part's folder, or absolute (``/xl/…``)."""
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target))


def relative_target(source: str, part: str) -> str:
    """The relative target by which ``source`` reaches ``part``."""
    return posixpath.relpath(part, posixpath.dirname(source) or ".")


def check_sizes(path: Path, members: Iterable[zipfile.ZipInfo]) -> None:
    """Refuse a package that would unpack into too much, or one of whose parts is a zip bomb (module docstring)."""
    megabyte = 1024 * 1024
    total = 0
    for info in members:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_FROM_BYTES and ratio > MAX_PART_RATIO:
            raise PackageError(
                f"{path.name} : la partie « {info.filename} » se décompresserait en "
                f"{grouped(info.file_size / megabyte)} Mo pour {grouped(info.compress_size / megabyte)} Mo dans "
                f"l'archive ({grouped(ratio)} fois plus, au-delà de {MAX_PART_RATIO} fois) : classeur refusé sans "
                "être lu (bombe de décompression ?). S'il vient du bureau, ouvrez-le dans Excel et enregistrez-le "
                "à nouveau."
            )
        total += info.file_size
    if total > MAX_UNPACKED_BYTES:
        raise PackageError(
            f"{path.name} se décompresserait en {grouped(total / megabyte)} Mo, au-delà de la limite de "
            f"{grouped(MAX_UNPACKED_BYTES / megabyte)} Mo : classeur refusé sans être lu (bombe de décompression, "
            "ou classeur à alléger : archivez les anciennes feuilles dans un autre classeur)"
        )


class Package:
    """A spreadsheet package open for reading. Use ``Package.open(path)``, preferably in a ``with``."""

    def __init__(
        self, path: Path, archive: zipfile.ZipFile, stat: os.stat_result, handle: IO[bytes] | None = None
    ) -> None:
        self.path = path
        self.zip = archive
        self._handle = handle
        self.stat = stat
        self._members = {info.filename: info for info in archive.infolist() if not info.filename.endswith("/")}
        check_sizes(path, self._members.values())
        self._folded = {name.lower(): name for name in self._members}
        self._rels: dict[str, list[Relationship]] = {}
        self._load_content_types()
        self._load_workbook()

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> Package:
        target = Path(path)
        try:
            handle = open(target, "rb")  # noqa: SIM115 - kept open for lazy reads, closed by close()
        except FileNotFoundError:
            raise PackageError(f"{target.name} : fichier introuvable") from None
        except OSError as exc:
            raise PackageError(f"{target.name} : fichier illisible ({exc.strerror or exc})") from None
        try:
            stat = os.fstat(handle.fileno())
            archive = zipfile.ZipFile(handle)
        except (zipfile.BadZipFile, OSError, EOFError):
            handle.close()
            # zipfile's reason is English and says nothing an agent can act on.
            raise PackageError(
                f"{target.name} n'est pas un classeur Excel au format .xlsx ou .xlsm : ce n'est pas une archive "
                "lisible (fichier abîmé ou incomplet, ou un autre format renommé en .xlsx) ; ouvrez-le dans Excel et "
                "enregistrez-le au format .xlsx, ou reprenez la dernière sauvegarde"
            ) from None
        try:
            return cls(target, archive, stat, handle)
        except Exception:
            archive.close()
            handle.close()
            raise

    def close(self) -> None:
        """Release the file (closing twice is harmless)."""
        handle = self.zip.fp
        self.zip.close()
        if handle is not None:
            handle.close()
        if self._handle is not None:
            self._handle.close()

    def __enter__(self) -> Package:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    # Parts -----------------------------------------------------------------------------------------

    @property
    def parts(self) -> list[str]:
        """The parts in the order of the zip."""
        return list(self._members)

    def member(self, part: str) -> zipfile.ZipInfo | None:
        """The zip entry of a part; part names are case-insensitive (OPC), and may be percent-encoded."""
        name = self._folded.get(part.lower()) or self._folded.get(unquote(part).lower())
        return self._members[name] if name else None

    def has(self, part: str) -> bool:
        return self.member(part) is not None

    def _info(self, part: str) -> zipfile.ZipInfo:
        info = self.member(part)
        if info is None:
            raise PackageError(f"{self.path.name} : la partie « {part} » manque dans le classeur")
        return info

    def read(self, part: str) -> bytes:
        """A whole part, unpacked (meant for small parts: never more than MAX_TREE_PART)."""
        info = self._info(part)
        if info.file_size > MAX_TREE_PART:
            raise PackageError(f"{self.path.name} : la partie « {part} » est démesurée ({info.file_size} octets)")
        try:
            return self.zip.read(info)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            raise PackageError(f"{self.path.name} : la partie « {part} » est illisible ({exc})") from None

    def stream(self, part: str) -> IO[bytes]:
        """A part as a stream, unpacked as it is read (for worksheets of any size)."""
        return self.zip.open(self._info(part))

    def tree(self, part: str) -> Any:
        """The root element of a small XML part."""
        return X.parse(self.read(part), part)

    # Content types and relationships ----------------------------------------------------------------

    def _load_content_types(self) -> None:
        if not self.has("[Content_Types].xml"):
            raise PackageError(f"{self.path.name} n'est pas un classeur Excel ([Content_Types].xml manque)")
        root = self.tree("[Content_Types].xml")
        self.defaults: dict[str, str] = {}
        self.overrides: dict[str, str] = {}
        for element in root:
            if element.tag == X.q("Default", X.CONTENT_TYPES):
                self.defaults[element.get("Extension", "").lower()] = element.get("ContentType", "")
            elif element.tag == X.q("Override", X.CONTENT_TYPES):
                self.overrides[element.get("PartName", "").lstrip("/").lower()] = element.get("ContentType", "")

    def content_type(self, part: str) -> str | None:
        found = self.overrides.get(part.lower())
        if found is not None:
            return found
        return self.defaults.get(posixpath.splitext(part)[1].lstrip(".").lower())

    def rels(self, part: str) -> list[Relationship]:
        """The relationships of a part (``""`` for the package's own), in document order."""
        if part in self._rels:
            return self._rels[part]
        name = rels_part(part)
        found: list[Relationship] = []
        if self.has(name):
            for element in self.tree(name):
                if element.tag != X.q("Relationship", X.PKG_REL):
                    continue
                external = element.get("TargetMode") == "External"
                raw = element.get("Target", "")
                target = raw if external else resolve_target(part, raw)
                found.append(Relationship(element.get("Id", ""), element.get("Type", ""), target, external))
        self._rels[part] = found
        return found

    def related(self, part: str, rel_type: str) -> list[str]:
        """The internal parts ``part`` points to with relationships of ``rel_type``."""
        return [r.target for r in self.rels(part) if r.type == rel_type and not r.external]

    def rel_target(self, part: str, rel_id: str) -> Relationship:
        for relationship in self.rels(part):
            if relationship.id == rel_id:
                return relationship
        raise PackageError(f"{self.path.name} : la relation {rel_id} de « {part} » manque")

    # The workbook -----------------------------------------------------------------------------------

    def _load_workbook(self) -> None:
        documents = self.related("", X.REL_OFFICE_DOCUMENT)
        if not documents:
            strict = [r for r in self.rels("") if r.type.endswith("/officeDocument")]
            if strict:
                raise PackageError(
                    f"{self.path.name} est enregistré au format « Strict Open XML », que l'outil ne lit pas : "
                    "enregistrez-le au format « Classeur Excel (.xlsx) » ordinaire"
                )
            raise PackageError(f"{self.path.name} n'est pas un classeur Excel (aucune partie classeur)")
        self.workbook_part = documents[0]
        self.workbook_root = self.tree(self.workbook_part)
        if self.workbook_root.tag == X.q("workbook", X.STRICT_MAIN):
            raise PackageError(
                f"{self.path.name} est enregistré au format « Strict Open XML », que l'outil ne lit pas : "
                "enregistrez-le au format « Classeur Excel (.xlsx) » ordinaire"
            )
        if self.workbook_root.tag != X.q("workbook"):
            raise PackageError(
                f"{self.path.name} n'est pas un classeur Excel (sa partie principale n'est pas un classeur)"
            )
        self.sheets: list[SheetEntry] = []
        sheets = self.workbook_root.find(X.q("sheets"))
        for index, element in enumerate(sheets if sheets is not None else []):
            rel_id = element.get(X.q("id", X.DOC_REL), "")
            relationship = self.rel_target(self.workbook_part, rel_id)
            self.sheets.append(
                SheetEntry(
                    name=element.get("name", ""),
                    sheet_id=int(element.get("sheetId", "0")),
                    rel_id=rel_id,
                    part=relationship.target,
                    kind=X.SHEET_KINDS.get(relationship.type, "other"),
                    state=element.get("state", "visible"),
                    index=index,
                )
            )
        self.defined_names: list[DefinedName] = []
        names = self.workbook_root.find(X.q("definedNames"))
        for element in names if names is not None else []:
            if element.tag != X.q("definedName"):
                continue
            local = element.get("localSheetId")
            self.defined_names.append(
                DefinedName(
                    name=element.get("name", ""),
                    text=element.text or "",
                    local_sheet_id=int(local) if local is not None else None,
                    hidden=element.get("hidden") in ("1", "true"),
                    comment=element.get("comment", ""),
                )
            )
        calc = self.workbook_root.find(X.q("calcPr"))
        self.calc_pr: dict[str, str] = dict(calc.attrib) if calc is not None else {}
        properties = self.workbook_root.find(X.q("workbookPr"))
        self.date1904 = properties is not None and properties.get("date1904") in ("1", "true")
        strings = self.related(self.workbook_part, X.REL_SHARED_STRINGS)
        self.shared_strings_part: str | None = strings[0] if strings and self.has(strings[0]) else None
        styles = self.related(self.workbook_part, X.REL_STYLES)
        self.styles_part: str | None = styles[0] if styles and self.has(styles[0]) else None

    def sheet(self, name: str) -> SheetEntry:
        """A sheet by name (case-insensitive, as Excel compares them)."""
        for entry in self.sheets:
            if entry.name.casefold() == name.casefold():
                return entry
        known = ", ".join(f"« {entry.name} »" for entry in self.sheets)
        raise SheetError(f"{self.path.name} : pas de feuille « {name} » (feuilles : {known})")

    def worksheet(self, name: str) -> SheetEntry:
        """A sheet that holds cells; a chart sheet or a dialog sheet is refused by name."""
        entry = self.sheet(name)
        if entry.kind != "worksheet":
            kind = {"chartsheet": "une feuille graphique", "dialog": "une feuille de dialogue"}.get(
                entry.kind, "une feuille de macros"
            )
            raise SheetError(f"{self.path.name} : la feuille « {entry.name} » est {kind}, sans cellules")
        return entry

    def iter_worksheets(self) -> Iterator[SheetEntry]:
        return (entry for entry in self.sheets if entry.kind == "worksheet")

    def is_macro_enabled(self) -> bool:
        return "macroEnabled" in (self.content_type(self.workbook_part) or "")
