"""The « Journal » sheet: one line for each thing done to the workbook, or for it (a synchronisation, a write
to démarches-simplifiées): date, agent, action, files, detail.

A cell holds at most 32 767 characters. An import of thousands of received files cannot name them all in
its line: the line then says how many files were read and in which folders, and the names go to a list of
their own, a text file beside the workbook that the line names (``files_read``). Any other text too long for
its cell is cut, and says so, rather than stopping a command whose work is done.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from xlplugin.grouping import grouped
from xlplugin.workbook import layout as L
from xlplugin.workbook.book import Book

CELL_LIMIT = 32_767  # characters in a cell (Excel's specifications and limits)
NAMES_IN_CELL = 2_000  # characters of file names a line shows itself; beyond, a count, folders and a list file
FOLDERS_SHOWN = 3
CUT = " … (texte tronqué : trop long pour une cellule)"


def append_journal(book: Book, when: datetime, agent: str, action: str, files: str, detail: str) -> None:
    """One more line in « Journal » (created by ``guichet init``; nothing is written without it)."""
    sheet = book.roles().get(L.JOURNAL)
    if sheet is None:
        return
    values = book.values(sheet)
    width = len(L.JOURNAL_TABLE.columns)
    # The next line follows the table's last written line, whatever stands under the table.
    bound = book.table_last_row(sheet, L.JOURNAL_TABLE.table)
    rows = values if bound is None else values[:bound]
    last = max((i + 1 for i, row in enumerate(rows) if any(v not in (None, "") for v in row[:width])), default=1)
    row = last + 1
    book.resize_table(sheet, L.JOURNAL_TABLE.table, row)
    # The date as text: it reads the same in every runtime, and a journal line is never recomputed.
    line = [when.strftime("%d/%m/%Y %H:%M"), agent, action, files, detail]
    book.write(sheet, row, 1, [[fit(text) for text in line]], like_above=row > 2)


def fit(text: str) -> str:
    """``text`` as a cell can hold it: cut, and said so, beyond 32 767 characters."""
    return text if len(text) <= CELL_LIMIT else text[: CELL_LIMIT - len(CUT)] + CUT


@dataclass(frozen=True)
class FilesRead:
    """What a journal line says of the files an import read: ``text`` for its cell; ``listing``: every file,
    one a line, when they are too many to name in the cell (written beside the workbook, ``list_name``)."""

    text: str
    listing: str | None = None


def files_read(paths: Sequence[Path], list_name: str) -> FilesRead:
    """The files an import read, for its journal line: their names when they fit in a readable cell, else
    their number, their folders and the name of the list file (``list_name``) that holds them all."""
    names = ", ".join(path.name for path in paths)
    if len(names) <= NAMES_IN_CELL:
        return FilesRead(names)
    folders = Counter(str(path.absolute().parent) for path in paths)
    if len(folders) == 1:
        where = f"dans {next(iter(folders))}"
    elif len(folders) <= FOLDERS_SHOWN:
        where = ": " + ", ".join(f"{_count(n)} dans {folder}" for folder, n in folders.items())
    else:
        where = f"dans {len(folders)} dossiers"
    text = fit(f"{_count(len(paths))} {'lu' if len(paths) == 1 else 'lus'} {where} ; liste complète : {list_name}")
    listing = "".join(_line(str(path.absolute())) for path in paths)
    return FilesRead(text, listing)


def _count(number: int) -> str:
    return grouped(number) + (" fichier" if number == 1 else " fichiers")


def _line(text: str) -> str:
    # A file name may hold a newline or a terminal's escape: one name, one line, nothing a terminal obeys.
    return "".join("\ufffd" if ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 else c for c in text) + "\n"
