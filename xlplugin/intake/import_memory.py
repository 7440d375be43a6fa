"""What the imports into a workbook found, kept so that importing the same files again into the same workbook
costs the reading of the files, not their whole checking and the workbook's (``guichet import``). The command
line recalls (the workbook's digest taken under its lock, ``WorkbookSession``) and records; the import itself
(``workbook.operations.import_into``) gives the workbook's digest as it left it, taken under the same lock.

An import leaves a record, named by the SHA-256 of the workbook as the import left it (a copy of the file finds
it too; a change by anyone — an agent in Excel, another program — does not; the one change carried over is the
tool's own « Journal » line for a synchronisation or a write to démarches-simplifiées, ``carry``). The record
holds what the import was given: each file's path and the SHA-256 of the very bytes the checks read, the
règlement (its content), the sheet asked for, and the tool itself (the digest of its code and shipped data:
another version checks afresh). An import given all of that again, byte for byte, finds in the record what a
whole run would find — nothing to write, the same dossiers unchanged, the same rejections and notes — says so,
and writes nothing.
Anything else, down to one byte of one file, and the import runs whole.

What an import that wrote records is what it made true: importing the same files again changes nothing (the
importer's promise, held by a test that compares the record with a whole run on the same files). An import
whose received expense lines differ from the workbook's records nothing: it writes a journal line each time.

The records live in the user's cache folder (``platformdirs``, or ``GUICHET_CACHE_DIR``): losing them costs
one whole import; a damaged or unknown one is ignored. The newest ``KEEP`` are kept. They hold what the
terminal would show (dossier numbers, file names, why a file was rejected), nothing the files hold besides.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import stat
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from xlplugin.intake.safety import MAX_FILE_BYTES, READ_CHUNK
from xlplugin.rules.reglement import Reglement
from xlplugin.workbook.import_summary import ImportSummary

FORMAT = 1  # the records' layout: a record of another layout is ignored
KEEP = 64  # records kept: each names one state of a workbook; the oldest go first
CACHE_VARIABLE = "GUICHET_CACHE_DIR"
# The packages whose files decide what an import finds: the checks, the rules, the workbook's code, the
# shipped data, schemas and form, and the command line that assembles the rejections.
TOOL_PACKAGES = ("xlplugin", "xlplugin.schemas", "xlplugin.templates", "batch")


def cache_folder() -> Path:
    """Where the records go: ``GUICHET_CACHE_DIR``, else the user's cache folder for the tool."""
    chosen = os.environ.get(CACHE_VARIABLE)
    if chosen:
        return Path(chosen) / "imports"
    import platformdirs  # only the command line needs it

    return Path(platformdirs.user_cache_dir("guichet-numerique", appauthor=False)) / "imports"


@functools.lru_cache(maxsize=1)
def tool_digest() -> str:
    """The digest of the tool's code and shipped data, as installed (the compiled bytecode aside)."""
    digest = hashlib.sha256(f"{FORMAT} {sys.version_info[0]}.{sys.version_info[1]}".encode())
    for package in TOOL_PACKAGES:
        for name, item in sorted(_files(resources.files(package), "")):
            digest.update(f"{package}:{name}\0".encode() + item.read_bytes() + b"\0")
    return digest.hexdigest()


def _files(folder: Traversable, prefix: str) -> list[tuple[str, Traversable]]:
    found = []
    for item in folder.iterdir():
        if item.name == "__pycache__":
            continue
        if item.is_dir():
            found += _files(item, f"{prefix}{item.name}/")
        elif not item.name.endswith((".pyc", ".pyo")):
            found.append((prefix + item.name, item))
    return found


def file_digest(path: Path) -> str | None:
    """SHA-256 of a received file, read as the checks read it; ``None`` when it cannot be read, is not a regular
    file (a pipe, a device: never waited on, never read without end) or is beyond the size the checks accept —
    such a file is never recalled: the import reports it each time."""
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError:
        return None
    with os.fdopen(descriptor, "rb", buffering=0) as handle:
        try:
            info = os.fstat(descriptor)
            if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_FILE_BYTES:
                return None
            digest, size = hashlib.sha256(), 0
            while chunk := handle.read(READ_CHUNK):
                size += len(chunk)
                if size > MAX_FILE_BYTES:  # grew while being read
                    return None
                digest.update(chunk)
        except OSError:
            return None
    return digest.hexdigest()


@dataclass(frozen=True)
class Occasion:
    """What an import was given besides the workbook: the files (path, SHA-256), the règlement, the sheet."""

    files: tuple[tuple[str, str], ...]
    reglement: str
    sheet: str | None

    @classmethod
    def of(cls, files: Sequence[tuple[Path, str | None]], reglement: Reglement, sheet: str | None) -> Occasion | None:
        """``None`` when a file has no digest (it could not be read: the import reports it each time)."""
        if any(digest is None for _path, digest in files):
            return None
        return cls(
            tuple((str(path), digest) for path, digest in files if digest is not None),
            _digest(reglement),
            sheet,
        )

    def record(self) -> dict[str, Any]:
        return {**_header(self.reglement, self.sheet), "files": [list(pair) for pair in self.files]}


def _header(reglement: str, sheet: str | None) -> dict[str, Any]:
    """What a record must say, besides its files, to stand for an import: its layout, the tool, the règlement
    (digest of its content), the sheet asked for."""
    return {"format": FORMAT, "tool": tool_digest(), "reglement": reglement, "sheet": sheet}


class ImportMemory:
    """The records of one folder (see the module's docstring)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _record_path(self, workbook_digest: str) -> Path:
        return self.folder / f"{workbook_digest}.json"

    def recall(
        self, workbook_digest: str, paths: Sequence[Path], reglement: Reglement, sheet: str | None
    ) -> ImportSummary | None:
        """What the import found when it was given these files (by content) and left the workbook of SHA-256
        ``workbook_digest``; ``None`` when anything differs or no record says. Reads the files (their digests)
        only when a record of this workbook is there and names the same paths."""
        try:
            record = json.loads(self._record_path(workbook_digest).read_bytes())
        except (OSError, ValueError):
            return None
        try:
            header = _header(_digest(reglement), sheet)
            if any(record.get(key) != value for key, value in header.items()):
                return None
            recorded_files = record["files"]
            if [pair[0] for pair in recorded_files] != [str(path) for path in paths]:
                return None
            for path, (_name, digest) in zip(paths, recorded_files, strict=True):
                if file_digest(path) != digest:
                    return None
            summary = _summary(record["summary"])
        except (KeyError, TypeError, ValueError, IndexError, AttributeError):
            return None  # a record of another making: ignored, the import runs whole
        with contextlib.suppress(OSError):  # pruned meanwhile by another run: what it said still holds
            os.utime(self._record_path(workbook_digest))  # recently used: kept longer
        return summary

    def remember(self, workbook_digest: str, occasion: Occasion, summary: ImportSummary) -> None:
        """Record that importing ``occasion`` into the workbook of ``workbook_digest`` finds ``summary``
        (nothing to write). A record that cannot be written is no failure: the next import runs whole."""
        record = occasion.record()
        record["summary"] = {
            "sheet": summary.sheet,
            "unchanged": summary.unchanged,
            "rejected": [list(pair) for pair in summary.rejected],
            "notes": summary.notes,
        }
        self._write(workbook_digest, json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))

    def carry(self, before: str | None, after: str | None) -> None:
        """What imports found in the workbook of digest ``before`` holds for ``after``, the same workbook with one
        more line in its « Journal » (a synchronisation, a write to démarches-simplifiées): no import reads that
        sheet, so the weekly ``ds sync --workbook`` (its line, then the import) still recalls. Only the tool's
        own journal line is carried over; any other change, by anyone, is not. Nothing to carry, or a record
        that cannot be written: no failure, the next import runs whole."""
        if not before or not after or before == after:
            return
        try:
            text = self._record_path(before).read_bytes()
        except OSError:
            return
        self._write(after, text)

    def _write(self, workbook_digest: str, text: bytes) -> None:
        """The record of ``workbook_digest``, whole or not at all (a record half written is never read)."""
        target = self._record_path(workbook_digest)
        partial = target.with_name(f".{target.name}.{os.getpid()}")
        try:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            partial.write_bytes(text)
            partial.replace(target)
            self._prune()
        except OSError:
            partial.unlink(missing_ok=True)

    def _prune(self) -> None:
        records = sorted(self.folder.glob("*.json"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
        for stale in records[KEEP:]:
            stale.unlink(missing_ok=True)


def _digest(reglement: Reglement) -> str:
    return hashlib.sha256(reglement.fingerprint.encode()).hexdigest()


def _summary(data: dict[str, Any]) -> ImportSummary:
    """A recorded summary, checked for its types (a record is read as untrusted input)."""
    sheet, unchanged, rejected, notes = data["sheet"], data["unchanged"], data["rejected"], data["notes"]
    if not isinstance(sheet, str) or not all(isinstance(n, int) for n in unchanged):
        raise ValueError("record")
    if not all(isinstance(w, str) and isinstance(y, str) for w, y in rejected) or not all(
        isinstance(n, str) for n in notes
    ):
        raise ValueError("record")
    return ImportSummary(
        sheet=sheet,
        unchanged=list(unchanged),
        rejected=[(what, why) for what, why in rejected],
        notes=list(notes),
        duplicates=list(notes),
        changed=False,
    )
