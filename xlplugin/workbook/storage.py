"""Opening and saving the office's workbook safely: one run at a time, never over someone else's work.

``WorkbookSession`` wraps every read-modify-write of a tracking workbook:

- a workbook open elsewhere is refused: Excel's ``~$suivi.xlsx`` and LibreOffice's ``.~lock.suivi.xlsx#``
  beside it both mean « open »;
- an exclusive lock (filelock) around the whole run: two commands on the same workbook at once queue, one
  after the other, and neither loses the other's dossiers;
- a symbolic link is followed (the linked file is updated); mode, owner and group are kept; a read-only
  workbook is refused; the file changed by someone else since it was opened is refused (``Patch.save``);
- a dated backup of the previous version, written whole or not at all (a full disk leaves no truncated
  backup, and the original as it was);
- ``--output`` never overwrites an existing file without ``--force``, and never the workbook being worked
  on, a received file, nor another tracking workbook.

The new version itself is written by ``xlplugin.xlsx`` (a temporary file beside the workbook, checked, then
renamed over it): an interrupted run leaves the original or the complete new file, and its temporary files
are removed (a killed run's, at the next save).
"""

from __future__ import annotations

import os
import shutil
from datetime import datetime
from pathlib import Path
from types import TracebackType

from filelock import FileLock, Timeout

from xlplugin.errors import AgentError
from xlplugin.workbook.outputs import SaveRefused, check_output
from xlplugin.workbook.package_book import PackageBook
from xlplugin.xlsx import XlsxError
from xlplugin.xlsx.zipio import real_target, write_atomically

LOCK_TIMEOUT = 120  # seconds a run waits for another one on the same workbook


class UnreadableWorkbook(AgentError, ValueError):
    """The file given as the tracking workbook is not a workbook the tool can read."""


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
        self._lock = FileLock(self.real.with_name(f".{self.real.name}.guichet-verrou"), thread_local=False)

    def __enter__(self) -> WorkbookSession:
        if not self.real.is_file():
            raise UnreadableWorkbook(f"{self.path} n'existe pas ou n'est pas un fichier")
        check_not_open(self.real)
        if self.output is not None:
            check_output(self.output, force=self.force, protected=[self.path])
        elif not os.access(self.real, os.W_OK):
            raise SaveRefused(f"{self.path} est en lecture seule : il n'a pas été modifié")
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

    @property
    def target(self) -> Path:
        """The file a save writes: ``--output``, or the workbook itself (the linked file, for a link)."""
        return self.written or self.output or self.real

    def open(self) -> PackageBook:
        """The workbook as it is now on disk (the result of an earlier save of this session, if any)."""
        source = self.written or self.real
        try:
            return PackageBook.open(source)
        except XlsxError as exc:
            raise UnreadableWorkbook(f"{self.path} n'est pas un classeur lisible : {exc}") from None

    def save(self, book: PackageBook, now: datetime | None = None) -> Path:
        """Save ``book``: over the workbook (after a backup of the version first opened), or to ``--output``."""
        if self.output is None and self.backup is None:
            self.backup = self._backup(now or datetime.now())
        target = self.target
        try:
            self.written = book.save(target)
        finally:
            book.close()
        return self.written

    def _backup(self, now: datetime) -> Path:
        """Copy the workbook beside itself, whole or not at all (a full disk leaves no truncated backup)."""
        target = backup_path(self.real, now)
        with self.real.open("rb") as source:
            try:
                write_atomically(target, lambda handle: shutil.copyfileobj(source, handle))
            except XlsxError as exc:
                raise SaveRefused(
                    f"la sauvegarde de {self.path.name} n'a pas pu être écrite ({exc}) : le classeur n'a pas été "
                    "modifié. Libérez de la place sur le disque, puis relancez."
                ) from None
        return target
