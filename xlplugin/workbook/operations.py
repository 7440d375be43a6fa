"""What an agent does to a tracking workbook file, each in one safe session (``storage.WorkbookSession``):
complete it with the tool's sheets, import dossiers into it, share the envelope in it. An import and an
allocation go over thousands of rows with the cyclic collector paused (``xlplugin.batches``).

Each opens the workbook under its lock, adds the tool's sheets it lacks (staged in a private scratch copy,
not yet in the workbook), does its work, and saves — over the workbook after a backup, or to ``output``. A
command refused on the way leaves the workbook as it was, and no backup. The command line and the tests call
these; the button in Excel calls ``allocation.allocate_book`` on the workbook open in Excel.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO

from xlplugin.batches import cycle_collector_paused
from xlplugin.rules.dossier import Dossier
from xlplugin.rules.reglement import Reglement
from xlplugin.rules.territory import Territory
from xlplugin.workbook.allocation import BookAllocation, allocate_book
from xlplugin.workbook.functions import Context
from xlplugin.workbook.import_summary import ImportSummary
from xlplugin.workbook.importer import import_dossiers
from xlplugin.workbook.journal import append_journal, files_read
from xlplugin.workbook.package_book import PackageBook
from xlplugin.workbook.parameters import refresh as refresh_parameters
from xlplugin.workbook.recalc import (
    mark_revision,
    runtime,
    settle_dossiers,
    settle_summary,
    unsettled_notes,
)
from xlplugin.workbook.setup import (
    Completion,
    add_missing_sheets,
    cover_expense_rows,
    remember_dossier_sheet,
    settle,
)
from xlplugin.workbook.sheets import find_dossier_sheet
from xlplugin.workbook.storage import WorkbookSession, dated_path
from xlplugin.xlsx.zipio import write_atomically


@dataclass(frozen=True)
class Saved:
    """Where a session wrote: the workbook (or ``--output``), and the backup of the previous version."""

    written: Path
    backup: Path | None
    # SHA-256 of the workbook before and after (``journal_into`` only): a line in the « Journal », which no
    # import reads, leaves what an import of the workbook finds as it was (``ImportMemory.carry``).
    before: str | None = None
    after: str | None = None


def _saved(session: WorkbookSession) -> Saved:
    assert session.written is not None
    return Saved(session.written, session.backup)


def _with_sheets(
    session: WorkbookSession, reglement: Reglement, *, dossier_sheet: bool
) -> tuple[PackageBook, Completion]:
    """The workbook open, with the tool's sheets it lacked added first (staged: the workbook itself is written
    only by the session's save, once the work is done), and « Paramètres » showing the session's règlement."""
    book = session.open()
    added = add_missing_sheets(book, reglement, dossier_sheet=dossier_sheet)
    if added:
        book = session.stage(book)
    added.refreshed = refresh_parameters(book, reglement)
    return book, added


def complete_workbook(path: Path, reglement: Reglement) -> tuple[Completion, Saved | None]:
    """``guichet init --into``: the tool's sheets the office's workbook lacks, and « Paramètres » brought to
    ``reglement``; nothing saved when nothing changed."""
    with WorkbookSession(path) as session:
        book, added = _with_sheets(session, reglement, dossier_sheet=True)
        if not added and not book.changed:
            book.close()
            return added, None
        settle(book, reglement)
        session.save(book)
    return added, _saved(session)


def workbook_runtime(path: Path) -> str:
    """The runtime the workbook's formulas are written for (``functions.LITE`` or ``CLASSIC``)."""
    book = PackageBook.open(path)
    try:
        return runtime(book)
    finally:
        book.close()


def patch_workbook(
    path: Path, change: Callable[[PackageBook], bool], *, output: Path | None = None, force: bool = False
) -> Saved | None:
    """One change of an upper layer to the workbook (``change`` says whether it changed anything), saved as
    every other: under the lock, after a backup; nothing saved when nothing changed."""
    with WorkbookSession(path, output=output, force=force) as session:
        book = session.open()
        if not change(book):
            book.close()
            return None
        session.save(book)
    return _saved(session)


def import_into(
    path: Path,
    dossiers: Sequence[Dossier],
    reglement: Reglement,
    territory: Territory,
    *,
    sheet: str | None = None,
    agent: str = "",
    files: Sequence[Path] = (),
    rejected: Iterable[tuple[str, str]] = (),
    output: Path | None = None,
    force: bool = False,
    now: datetime | None = None,
) -> tuple[ImportSummary, Saved | None]:
    """``guichet import``: upsert the dossiers into the workbook (see ``importer``); ``files``: the files read,
    named by the journal line (or, too many for a cell, in a list beside the workbook that the line names).
    ``None`` for where it was saved: the workbook held everything already, and nothing was written."""
    now = now or datetime.now()
    with WorkbookSession(path, output=output, force=force) as session, cycle_collector_paused():
        book, added = _with_sheets(session, reglement, dossier_sheet=sheet is None)
        listing = dated_path(session.target, now, "import", ".fichiers.txt")
        read = files_read(files, listing.name)
        summary = import_dossiers(
            book,
            dossiers,
            reglement,
            territory,
            sheet=sheet,
            agent=agent,
            files=read.text,
            rejected=rejected,
            now=now,
            staged=bool(added),  # the sheets added are staged, not yet in the workbook
        )
        summary.sheets_added = added.sheets
        summary.notes = added.notes() + summary.notes
        if not summary.changed:
            book.close()  # nothing to write: no save, no backup
            summary.workbook_digest = session.digest() if output is None else None
            return summary, None
        if read.listing is not None:
            text = read.listing.encode("utf-8")

            def write(handle: IO[bytes]) -> None:
                handle.write(text)

            write_atomically(listing, write)
        try:
            session.save(book, now)
        except BaseException:
            if read.listing is not None:
                listing.unlink(missing_ok=True)  # the line that named it was not saved
            raise
        summary.workbook_digest = session.written_digest if output is None else None
    return summary, _saved(session)


def allocate_into(
    path: Path,
    reglement: Reglement,
    agent: str,
    *,
    sheet: str | None = None,
    output: Path | None = None,
    force: bool = False,
    now: datetime | None = None,
) -> tuple[BookAllocation, Saved]:
    """``guichet allocate --workbook``: share the envelope over the workbook's rows and write it there."""
    with WorkbookSession(path, output=output, force=force) as session, cycle_collector_paused():
        book, added = _with_sheets(session, reglement, dossier_sheet=False)
        book.check_unprotected(find_dossier_sheet(book, sheet).name)
        cover_expense_rows(book)  # Excel's functions then read the lines the allocation reads
        result = allocate_book(book, reglement, agent, sheet, now)
        result.notes = added.notes() + result.notes
        # A file: the figures that depend on the allocation (payments, the envelope's), right at rest.
        settled = find_dossier_sheet(book, sheet)
        remember_dossier_sheet(book, settled)
        # Every figure computed again (a cell it reads may have been written by a program that does not
        # compute); only those that changed are rewritten.
        settle_dossiers(book, settled, settled.rows, Context.of(reglement), only_missing=True, copies=True)
        mark_revision(book, settled.name, reglement)
        result.notes += unsettled_notes(settled)
        settle_summary(book, settled, reglement.envelope)
        session.save(book)
    return result, _saved(session)


def journal_into(path: Path, when: datetime, agent: str, action: str, files: str, detail: str) -> Saved:
    """One line in the workbook's « Journal » for what was done elsewhere (a write to démarches-simplifiées,
    a sync), saved as every other change: under the lock, after a backup. Says the workbook's digest before
    and after, both taken under the lock."""
    with WorkbookSession(path) as session:
        book = session.open()
        before = session.digest()
        append_journal(book, when, agent, action, files, detail)
        session.save(book)
    assert session.written is not None
    return Saved(session.written, session.backup, before, session.written_digest)
