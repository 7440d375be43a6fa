"""What ``guichet documents`` knows of its output folder: the register of the files it wrote there.

A rerun must tell its own files, untouched since it wrote them, from everything else: a PDF signed and saved
under the name the tool gave it, a letter corrected by hand in Word, a copy made by an older version. The
register (``.guichet-documents.json``, in the output folder) records, for each file the tool wrote, its
dossier, its SHA-256 and, for a PDF, the SHA-256 of the Word document it was converted from. A file the
register does not know, or whose content changed since, is never taken for the tool's own. It also records
the rows of the essential data's CSV it last wrote, by dossier, and the CSV's SHA-256: a run restricted to
some dossiers keeps the others' rows (``scdl.publish_scdl``).

An unreadable register is an empty one: every file then counts as unknown, the safe side (nothing is taken
for a draft the tool may replace); ``Register.lost`` says so, for the messages to tell why (nothing changed
in the workbook: the tool cannot tell its own files).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

REGISTER_NAME = ".guichet-documents.json"
REGISTER_VERSION = 1
# The documents' own names: « 21000101-arrete-attributif.docx », « 21000107-lettre-refus.pdf »…
DOCUMENT_NAME = re.compile(r"^(\d+)-(arrete-attributif|lettre-notification|lettre-refus|convention)\.(docx|pdf)$")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_sha256(path: Path) -> str | None:
    """The file's SHA-256, or None when it cannot be read."""
    try:
        return sha256(path.read_bytes())
    except OSError:
        return None


@dataclass(frozen=True, slots=True)
class Entry:
    """A file the tool wrote: its dossier, its SHA-256, and for a PDF the SHA-256 of its Word document."""

    number: int
    sha256: str
    source: str | None = None


@dataclass
class Register:
    """The files the tool wrote in a folder, by name; the rows of the essential data it last wrote there, by
    dossier, and that CSV's SHA-256 (None: no CSV written with a register yet)."""

    files: dict[str, Entry] = field(default_factory=dict)
    scdl_rows: dict[int, dict[str, str]] | None = None
    scdl_sha256: str | None = None
    state: str = "read"  # "read", "missing" (no register in the folder) or "unreadable"

    @classmethod
    def load(cls, folder: Path) -> Register:
        try:
            data = json.loads((folder / REGISTER_NAME).read_text(encoding="utf-8"))
            if data.get("version") != REGISTER_VERSION:
                return cls(state="unreadable")
            files = {
                str(name): Entry(int(e["dossier"]), str(e["sha256"]), e.get("source") and str(e["source"]))
                for name, e in data.get("files", {}).items()
            }
            scdl = data.get("scdl")
            if not isinstance(scdl, dict):
                return cls(files)
            rows = {int(n): {str(k): str(v) for k, v in row.items()} for n, row in scdl["rows"].items()}
            return cls(files, rows, str(scdl["sha256"]))
        except FileNotFoundError:
            return cls(state="missing")
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return cls(state="unreadable")

    def lost(self, folder: Path) -> str | None:
        """Why the tool cannot tell its own files in ``folder`` (French), when its register there is missing or
        unreadable while the folder holds documents; else None."""
        if self.state == "read" or not any(DOCUMENT_NAME.match(p.name) for p in _listing(folder)):
            return None
        how = "manque" if self.state == "missing" else "est illisible"
        return (
            f"le registre de l'outil ({folder / REGISTER_NAME}) {how} : sans lui, l'outil ne peut pas reconnaître "
            "les fichiers qu'il a écrits, même si rien n'a changé dans le classeur"
        )

    def save(self, folder: Path) -> None:
        data: dict[str, object] = {
            "version": REGISTER_VERSION,
            "note": "Registre de guichet documents : les fichiers que l'outil a écrits ici (ne pas modifier).",
            "files": {
                name: {"dossier": e.number, "sha256": e.sha256, **({"source": e.source} if e.source else {})}
                for name, e in sorted(self.files.items())
            },
        }
        if self.scdl_rows is not None:
            data["scdl"] = {
                "sha256": self.scdl_sha256,
                "rows": {str(n): row for n, row in sorted(self.scdl_rows.items())},
            }
        write_atomically(folder / REGISTER_NAME, json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8"))

    def is_own(self, path: Path, content: str | None = None) -> bool:
        """Whether ``path`` is a file the tool wrote and nobody changed since (``content``: its SHA-256, if known)."""
        entry = self.files.get(path.name)
        return entry is not None and entry.sha256 == (content or file_sha256(path))


def _listing(folder: Path) -> list[Path]:
    try:
        return list(folder.iterdir())
    except OSError:
        return []


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` at ``path`` through a temporary file in the same folder: never half a file."""
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        temporary.write_bytes(data)
        os.replace(temporary, path)
    finally:
        with contextlib.suppress(OSError):
            temporary.unlink()


def same_file(a: Path, b: Path) -> bool:
    return path_key(a) == path_key(b)


def path_key(path: Path) -> str:
    """A path as the file system tells files apart (absolute, links resolved; case folded where it is not told)."""
    return os.path.normcase(str(path.expanduser().resolve()))
