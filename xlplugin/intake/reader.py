"""Choosing the reader by the file's content (the extension is only a hint for scanning folders).

- a zip archive → the XLSX export;
- JSON → a DS node, ``{"data": {"dossier"}}``, a ``getDemarche`` page, or the project's own dossier(s);
- text whose header has « ID » and « État du dossier » → the CSV export.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xlplugin.intake import ds_json, safety
from xlplugin.intake.form import Form
from xlplugin.intake.issues import Issue, error, warning
from xlplugin.intake.mapping import RawDossier

PROJECT = "dossier du projet"
DS_JSON = "JSON démarches-simplifiées"
DS_XLSX = "export XLSX"
DS_CSV = "export CSV"


@dataclass(slots=True)
class ReadFile:
    """What a file holds before mapping: DS dossiers (raw), or the project's own dossier documents."""

    path: Path
    kind: str | None = None
    raw: list[RawDossier] = field(default_factory=list)
    documents: list[tuple[str, Any]] = field(default_factory=list)  # (pointer, project dossier JSON)
    issues: list[Issue] = field(default_factory=list)
    digest: str | None = None  # SHA-256 of the bytes read, when asked (``intake.import_memory``)


def read_file(path: Path, form: Form, max_bytes: int = safety.MAX_FILE_BYTES, *, digest: bool = False) -> ReadFile:
    """Read one received file, whatever its kind; problems become issues, never exceptions. ``digest``: keep
    the SHA-256 of the very bytes read (what was judged), for the import's memory."""
    result = ReadFile(path)
    data = safety.read_bounded(path, max_bytes)
    if isinstance(data, Issue):
        result.issues.append(data)
        return result
    if digest:
        result.digest = hashlib.sha256(data).hexdigest()
    if safety.is_zip(data):
        # Imported here: exports are rare beside API JSON, and their modules (openpyxl) are slow to import.
        from xlplugin.intake import ds_export, xlsx_safety

        result.kind = DS_XLSX
        problem = xlsx_safety.check_xlsx(data)
        if problem is not None:
            result.issues.append(problem)
            return result
        if xlsx_safety.is_tracking_workbook(data):
            result.issues.append(
                error(
                    "FORMAT_INCONNU", "c'est un classeur de suivi du bureau, pas un fichier reçu : rangez-le ailleurs"
                )
            )
            return result
        try:
            result.raw = ds_export.read_xlsx(data, form)
        except ds_export.ExportError as exc:
            result.issues.append(exc.issue)
        return result
    stripped = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped[:1] in (b"{", b"["):
        return _read_json(result, data)
    from xlplugin.intake import ds_export

    text, _encoding = safety.decode_export_text(data)
    if ds_export.looks_like_csv_export(text):
        result.kind = DS_CSV
        try:
            result.raw = ds_export.read_csv(text, form)
        except ds_export.ExportError as exc:
            result.issues.append(exc.issue)
        return result
    result.issues.append(
        error(
            "FORMAT_INCONNU", "contenu non reconnu : ni JSON, ni classeur XLSX, ni export CSV de démarches-simplifiées"
        )
    )
    return result


def _read_json(result: ReadFile, data: bytes) -> ReadFile:
    text = safety.decode_utf8(data)
    if isinstance(text, Issue):
        result.issues.append(text)
        return result
    parsed = safety.parse_json(text)
    if isinstance(parsed, Issue):
        result.issues.append(parsed)
        return result
    document, duplicates = parsed
    if duplicates:
        keys = ", ".join(f"« {key} »" for key in dict.fromkeys(duplicates))
        result.issues.append(
            warning(
                "CLE_EN_DOUBLE",
                f"une même clé est écrite deux fois dans un objet JSON ({keys}) : seule la dernière valeur est lue ; "
                "vérifiez le fichier ou téléchargez-le à nouveau",
            )
        )
    nodes = ds_json.find_nodes(document)
    if isinstance(nodes, Issue):
        result.kind = DS_JSON
        result.issues.append(nodes)
    elif nodes is not None:
        result.kind = DS_JSON
        result.raw = [ds_json.read_node(node, pointer) for pointer, node in nodes]
    elif isinstance(document, dict) and "numero" in document:
        result.kind = PROJECT
        result.documents = [("", document)]
    elif isinstance(document, list) and document and all(isinstance(d, dict) for d in document):
        if all(d.get("__typename") == "Dossier" for d in document):
            result.kind = DS_JSON
            result.raw = [ds_json.read_node(node, f"/{i}") for i, node in enumerate(document)]
        else:
            result.kind = PROJECT
            result.documents = [(f"/{i}", d) for i, d in enumerate(document)]
    else:
        result.issues.append(
            error(
                "FORMAT_INCONNU",
                "JSON qui n'est ni un dossier de démarches-simplifiées, ni une page de dossiers, "
                "ni un dossier du projet",
            )
        )
    return result
