"""Opening and saving the office's workbook safely: one run at a time, never over someone else's work.

``WorkbookSession`` wraps every read-modify-write of a tracking workbook:

- a workbook open elsewhere is refused: Excel's ``~$suivi.xlsx`` and LibreOffice's ``.~lock.suivi.xlsx#``
  beside it both mean « open »;
- an exclusive lock (filelock) around the whole run: two commands on the same workbook at once queue, one
  after the other, and neither loses the other's dossiers;
- a symbolic link is followed (the linked file is updated); mode, owner and group are kept; a read-only
  workbook is refused; the file changed by someone else since it was opened is refused (``Patch.save``);
- a dated backup of the previous version, written whole or not at all (a full disk leaves no truncated
  backup, and the original as it was), with the workbook's mode;
- nothing is written to the workbook, nor any backup made, before the command's work is done: a step saved
  on the way (the tool's sheets grafted before the import) goes to a private scratch copy beside the
  workbook, removed at the end; a command refused half-way leaves the workbook as it was;
- ``--output`` never overwrites an existing file without ``--force``, and never the workbook being worked
  on, a received file, nor another tracking workbook.

The new version itself is written by ``xlplugin.xlsx`` (a temporary file beside the workbook, checked, then
renamed over it): an interrupted run leaves the original or the complete new file, and its temporary files
are removed (a killed run's, at the next save).
"""

from __future__ import annotations

import hashlib
import os
import shutil
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING

from filelock import FileLock, Timeout

from xlplugin.errors import AgentError
from xlplugin.workbook.outputs import SaveRefused, check_output
from xlplugin.xlsx import PackageChanged, XlsxError
from xlplugin.xlsx.zipio import read_only, real_target, temporary_prefix, write_atomically

if TYPE_CHECKING:
    from xlplugin.workbook.package_book import PackageBook

LOCK_TIMEOUT = 120  # seconds a run waits for another one on the same workbook
COPY_CHUNK = 1024 * 1024


def _same_file(now: os.stat_result, before: os.stat_result) -> bool:
    """The same file, unchanged, as far as the system says: same inode, size and modification time."""
    return (now.st_ino, now.st_size, now.st_mtime_ns) == (before.st_ino, before.st_size, before.st_mtime_ns)


class UnreadableWorkbook(AgentError, ValueError):
    """The file given as the tracking workbook is not a workbook the tool can read."""

    @classmethod
    def of(cls, path: Path, error: Exception) -> UnreadableWorkbook:
        """Why ``path`` cannot be read, named once: the reader's message often starts with the file's name."""
        said = str(error)
        if said.startswith(path.name):
            return cls(str(path) + said[len(path.name) :])  # the path as the agent gave it
        return cls(f"{path} n'est pas un classeur lisible : {said}")


def lock_files(path: Path) -> list[Path]:
    """The files that say a workbook is open: Excel's ``~$name`` and LibreOffice's ``.~lock.name#``."""
    return [path.with_name(f"~${path.name}"), path.with_name(f".~lock.{path.name}#")]


def check_not_open(path: Path) -> None:
    for lock in lock_files(path):
        if lock.exists():
            program = "Excel" if lock.name.startswith("~$") else "LibreOffice"
            raise SaveRefused(
                f"{path.name} est ouvert dans {program} (fichier de verrou {lock.name}) : fermez-le, puis relancez la "
                "commande. Si personne ne l'a ouvert, supprimez ce fichier de verrou."
            )


def backup_path(path: Path, now: datetime) -> Path:
    """A backup name that no earlier backup has taken: ``suivi.sauvegarde-20261126-170023.xlsx``."""
    return dated_path(path, now, "sauvegarde", path.suffix)


def dated_path(path: Path, now: datetime, what: str, suffix: str) -> Path:
    """A file beside ``path`` that no earlier one has taken: ``suivi.{what}-20261126-170023{suffix}``."""
    candidate = path.with_name(f"{path.stem}.{what}-{now:%Y%m%d-%H%M%S}{suffix}")
    counter = 2
    while candidate.exists():
        candidate = path.with_name(f"{path.stem}.{what}-{now:%Y%m%d-%H%M%S}-{counter}{suffix}")
        counter += 1
    return candidate


class WorkbookSession:
    """One command's work on a workbook: lock, open, save (with a backup), unlock."""

    def __init__(self, path: Path, *, output: Path | None = None, force: bool = False) -> None:
        self.path = path
        self.real = real_target(path)
        self.output = output
        self.force = force
        self.backup: Path | None = None
        self.written: Path | None = None
        self._scratch: Path | None = None  # a step saved on the way, not yet the workbook
        self._opened: os.stat_result | None = None  # the workbook as first opened
        self.written_digest: str | None = None  # SHA-256 of what the save put over the workbook
        self._lock = FileLock(self.real.with_name(f".{self.real.name}.guichet-verrou"), thread_local=False)

    def __enter__(self) -> WorkbookSession:
        if not self.real.is_file():
            raise UnreadableWorkbook(f"{self.path} n'existe pas ou n'est pas un fichier")
        check_not_open(self.real)
        if self.output is not None:
            check_output(self.output, force=self.force, protected=[self.path])
        elif read_only(self.real):
            raise SaveRefused(
                f"{self.path} est en lecture seule : il n'a pas été modifié. Ôtez-lui la lecture seule (Propriétés du "
                "fichier), puis relancez"
            )
        try:
            self._lock.acquire(timeout=LOCK_TIMEOUT)
        except Timeout:
            raise SaveRefused(
                f"une autre commande travaille sur {self.path.name} depuis plus de {LOCK_TIMEOUT} s : attendez qu'elle "
                "finisse, puis relancez"
            ) from None
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        # The lock file is removed while still held, then released: a run waiting on it finds it removed
        # (filelock 4 checks the link count after locking) and makes a new one, so only one run holds a
        # lock at a time, and nothing hidden is left behind.
        Path(self._lock.lock_file).unlink(missing_ok=True)
        self._lock.release()
        self._drop_scratch()

    @property
    def target(self) -> Path:
        """The file a save writes: ``--output``, or the workbook itself (the linked file, for a link)."""
        return self.output or self.real

    def open(self) -> PackageBook:
        """The workbook as it is now (with the step staged on the way, or an earlier save of this session)."""
        from xlplugin.workbook.package_book import PackageBook  # the workbook's reader: not for a digest alone

        source = self._scratch or self.written or self.real
        if source == self.real:
            self._opened = os.stat(self.real)
        try:
            return PackageBook.open(source)
        except XlsxError as exc:
            raise UnreadableWorkbook.of(self.path, exc) from None

    def _scratch_path(self) -> Path:
        """The private scratch copy beside the workbook, made empty and readable by its owner only (a save
        keeps that mode). A killed run's is removed by the next save, with that save's own temporary files
        (same prefix, a process that is gone)."""
        if self._scratch is None:
            scratch = self.real.with_name(f"{temporary_prefix(self.real)}{os.getpid()}-brouillon{self.real.suffix}")
            scratch.unlink(missing_ok=True)
            os.close(os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            self._scratch = scratch
        return self._scratch

    def stage(self, book: PackageBook) -> PackageBook:
        """Save ``book`` to the scratch copy, and open that: a step the rest of the work reads (the sheets the
        tool grafts), written nowhere the agent sees until ``save``."""
        scratch = self._scratch_path()
        try:
            book.save(scratch)
        finally:
            book.close()
        return self.open()

    def save(self, book: PackageBook, now: datetime | None = None) -> Path:
        """Save ``book``: to ``--output``, or over the workbook. Over the workbook, the new version is written
        and checked in the scratch copy first; only once it stands complete is the backup made and the
        workbook replaced — a save refused on the way (a cell in the way of a table…) leaves no backup."""
        if self.output is not None:
            try:
                self.written = book.save(self.written or self.output)
            finally:
                book.close()
            self._drop_scratch()
            return self.written
        scratch = self._scratch_path()
        try:
            book.save(scratch)
        finally:
            book.close()
        self._check_unchanged()
        if self.backup is None:
            self.backup = self._backup(now or datetime.now())
        digest = hashlib.sha256()

        def copy(handle: IO[bytes]) -> None:
            with scratch.open("rb") as source:
                while chunk := source.read(COPY_CHUNK):
                    digest.update(chunk)
                    handle.write(chunk)

        self.written = write_atomically(self.real, copy)
        self.written_digest = digest.hexdigest()
        self._opened = os.stat(self.real)
        self._drop_scratch()
        return self.written

    def digest(self) -> str | None:
        """SHA-256 of the workbook as it stands, when nobody changed it since this session opened it (or
        since its save); ``None`` otherwise, or when it was never opened. Taken under the session's lock."""
        if self._opened is None:
            return None
        with self.real.open("rb") as handle:
            if _same_file(os.fstat(handle.fileno()), self._opened):
                return hashlib.file_digest(handle, "sha256").hexdigest()
        return None

    def current_digest(self) -> str:
        """SHA-256 of the workbook as it stands now, opened or not (under the session's lock)."""
        with self.real.open("rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()

    def _check_unchanged(self) -> None:
        """The workbook is replaced only if nobody changed it since this session read it."""
        before = self._opened
        if before is None or not _same_file(os.stat(self.real), before):
            raise PackageChanged(
                f"{self.path.name} a été modifié par un autre programme pendant la commande : rien n'a été écrit. "
                "Relancez la commande."
            )

    def _drop_scratch(self) -> None:
        if self._scratch is not None:
            self._scratch.unlink(missing_ok=True)
            self._scratch = None

    def _backup(self, now: datetime) -> Path:
        """Copy the workbook beside itself, whole or not at all (a full disk leaves no truncated backup), with the
        workbook's mode, owner and group: a workbook only its owner may read has a backup only its owner may read."""
        target = backup_path(self.real, now)
        with self.real.open("rb") as source:
            try:
                write_atomically(
                    target, lambda handle: shutil.copyfileobj(source, handle), like=os.fstat(source.fileno())
                )
            except XlsxError as exc:
                raise SaveRefused(
                    f"la sauvegarde de {self.path.name} n'a pas pu être écrite ({exc}) : le classeur n'a pas été "
                    "modifié. Libérez de la place sur le disque, puis relancez."
                ) from None
        return target
