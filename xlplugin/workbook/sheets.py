"""Finding, in a tracking workbook (the tool's or the office's own), the sheets, columns and names the tool
works with — and only those it may work with.

The tool's own sheets are found by their role (``layout.ROLE_NAME``), whatever they are called; the dossiers
by the header of their number column, in the sheet the tool was given before when several have one (never a
guess); a column is the tool's when its header is the layout's, a synonym of
``templates/entetes.json`` that cannot mean anything else, or a header cell the agent named
``Guichet_Colonne_<key>``; the tool's names are those it marked (``layout.NAME_MARK``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from xlplugin.errors import AgentError
from xlplugin.workbook import layout as L
from xlplugin.workbook.book import Book
from xlplugin.workbook.cells import CellError, as_int, blank, excel_number
from xlplugin.workbook.headers import HEADER_SEARCH_ROWS, find_header_row, map_columns


class WorkbookError(AgentError, ValueError):
    """The workbook lacks what the tool needs, or holds it where the tool may not write; the message says
    what, in French, and what to do."""


@dataclass(frozen=True)
class DossierSheet:
    """Where the dossiers are: the sheet, its header row, the columns found, the rows by dossier number.

    ``duplicates``: numbers present on more than one row (the first row counts, the others are named)."""

    name: str
    header_row: int
    columns: dict[str, int]
    rows: dict[int, int]
    values: list[list[Any]]
    duplicates: dict[int, list[int]] = field(default_factory=dict)
    explicit: dict[str, int] = field(default_factory=dict)  # columns the agent mapped by name
    # Rows whose « N° dossier » is no dossier number but is written as a number (« --5 », « 11000101.5 »): row →
    # what the cell holds. Left aside by every command, and named (``sheet_notes``); never written to.
    unreadable: dict[int, Any] = field(default_factory=dict)

    def cell(self, number: int, key: str) -> Any:
        column = self.columns.get(key)
        if column is None:
            return None
        line = self.values[self.rows[number] - 1]
        return line[column - 1] if column - 1 < len(line) else None

    @property
    def last_used_row(self) -> int:
        """The last row holding anything (a total or a note below the dossiers included)."""
        for index in range(len(self.values) - 1, -1, -1):
            if any(not blank(v) for v in self.values[index]):
                return index + 1
        return 0

    @property
    def last_dossier_row(self) -> int:
        """The last row of a dossier, of its copy or of a mistyped number: an office's « Total » or note below
        them is none (its amount is no dossier's)."""
        copies = (row for rows in self.duplicates.values() for row in rows)
        return max((*self.rows.values(), *self.unreadable, *copies), default=0)


def tool_sheet(book: Book, role: str) -> str | None:
    """The name of the tool's sheet of this role, if the workbook has it."""
    return book.roles().get(role)


def explicit_columns(book: Book, sheet: str) -> dict[str, tuple[int, int]]:
    """Columns an agent mapped by naming their header cell ``Guichet_Colonne_<key>``: key → (row, column)."""
    names = getattr(book, "names", None)
    if names is None:  # the workbook open in Excel: no mapping by name there
        return {}
    from xlplugin.xlsx.refs import sheet_range  # a file's names: the package library is loaded already

    found = {}
    for name, text, _local, _comment in names():
        if not name.startswith(L.COLUMN_NAME_PREFIX):
            continue
        reference = sheet_range(text)
        if reference is None or reference[0] != sheet:
            continue
        cell = reference[1]
        found[name[len(L.COLUMN_NAME_PREFIX) :]] = (cell.min_row, cell.min_col)
    return found


class NoDossierSheet(WorkbookError):
    """No sheet of the workbook (or not the one named) has a dossier-number header."""


class AmbiguousDossierSheet(WorkbookError):
    """Several of the office's sheets have a dossier-number header, and nothing says which holds the dossiers:
    the tool asks rather than guess (``candidates``: their names, in tab order)."""

    def __init__(self, candidates: list[str]) -> None:
        self.candidates = candidates
        shown = ", ".join(f"« {name} »" for name in candidates)
        super().__init__(
            f"plusieurs feuilles ont un en-tête de numéro de dossier : {shown}. L'outil ne choisit pas à votre "
            "place : indiquez une fois celle des dossiers avec l'option --sheet de guichet import ou guichet "
            'allocate (--sheet "NOM DE LA FEUILLE") ; il la retiendra, pour ces commandes et les autres '
            f"(dans Excel : nommez {L.DOSSIER_SHEET_NAME} la cellule d'en-tête du numéro de dossier de cette "
            "feuille). Le classeur n'a pas été modifié."
        )


def remembered_dossier_sheet(book: Book) -> str | None:
    """The office's sheet of the dossiers the tool was given before (``layout.DOSSIER_SHEET_NAME``), if the
    name still points at a sheet of the workbook (a deleted sheet leaves it at « #REF! »)."""
    text = book.marked_name(L.DOSSIER_SHEET_NAME)
    if text is None:
        return None
    sheet = _sheet_of(text)
    return sheet if sheet is not None and sheet in book.sheet_names() else None


def _sheet_of(reference: str) -> str | None:
    """The sheet a reference names (``='Suivi 2021'!$A$1`` → ``Suivi 2021``; None for « #REF! » or a constant).
    Written here rather than taken from ``xlplugin.xlsx.refs``: the button in xlwings Lite reads the name too,
    and the file machinery (lxml) is not there."""
    target, bang, cells = reference.lstrip("=").rpartition("!")
    if not bang or not cells or cells.startswith("#") or target.startswith("#"):
        return None
    target = target.strip()
    if target.startswith("'") and target.endswith("'"):
        target = target[1:-1].replace("''", "'")
    return target or None


def _has_dossier_header(book: Book, sheet: str) -> bool:
    """Whether the sheet's first rows hold a dossier-number header (or the agent named its header cell)."""
    if "numero" in explicit_columns(book, sheet):
        return True
    return find_header_row(book.head(sheet, HEADER_SEARCH_ROWS), L.DOSSIER_TABLE) is not None


def _read_dossier_sheet(book: Book, name: str, *, own: bool) -> DossierSheet | None:
    """The dossiers of sheet ``name``: its header row, columns and rows by number (None: no header)."""
    values = book.values(name)
    explicit = explicit_columns(book, name)
    header_row = find_header_row(values, L.DOSSIER_TABLE)
    if header_row is None and "numero" in explicit:
        header_row = explicit["numero"][0]
    if header_row is None:
        return None
    mapped = {key: col for key, (row, col) in explicit.items() if row == header_row and key in L.DOSSIER_TABLE.by_key}
    columns = map_columns(values[header_row - 1], L.DOSSIER_TABLE, mapped, own=own)
    rows: dict[int, int] = {}
    duplicates: dict[int, list[int]] = {}
    unreadable: dict[int, Any] = {}
    for index in range(header_row, len(values)):
        line = values[index]
        number = line[columns["numero"] - 1] if columns["numero"] - 1 < len(line) else None
        if blank(number):
            continue
        try:
            key = as_int(number, "n° de dossier", required=True)
        except CellError:
            unreadable[index + 1] = number  # a total or a note below the table, or a number mistyped
            continue
        assert key is not None
        if key in rows:
            duplicates.setdefault(key, [rows[key]]).append(index + 1)
            continue
        rows[key] = index + 1
    unreadable = {r: v for r, v in unreadable.items() if _number_like(v)}
    return DossierSheet(name, header_row, columns, rows, values, duplicates, mapped, unreadable)


_NUMBER_LIKE = re.compile(r"[\d\s.,+\-eE]*\d[\d\s.,+\-eE]*")


def _number_like(value: Any) -> bool:
    """A number mistyped (« --5 », « 11000101.5 », 1E+400 as text), not an office's note or total (« Total »,
    « Total 2024 », « Arrêté au 31/12/2023 », a date): digits, signs, points and spaces only."""
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float, Decimal)):
        return True
    return isinstance(value, str) and _NUMBER_LIKE.fullmatch(value.strip()) is not None


def find_dossier_sheet(book: Book, sheet: str | None = None) -> DossierSheet:
    """The sheet of the dossiers, never guessed: ``sheet`` if given; else the tool's « Dossiers »; else the
    office's sheet the tool was given before (``remembered_dossier_sheet``); else the one office sheet with a
    dossier-number header in its first rows — several such sheets are a question to the agent
    (``AmbiguousDossierSheet``), none a ``NoDossierSheet``."""
    names = book.sheet_names()
    if sheet is not None and sheet not in names:
        raise WorkbookError(f"le classeur n'a pas de feuille « {sheet} » (feuilles : {', '.join(names)})")
    roles = book.roles()
    own = {name for role, name in roles.items() if role != L.DOSSIERS}
    ours = roles.get(L.DOSSIERS)
    if sheet is not None:
        found = _read_dossier_sheet(book, sheet, own=sheet == ours)
        if found is None:
            raise NoDossierSheet(
                f"la feuille « {sheet} » n'a pas d'en-tête de numéro de dossier (« N° dossier », « N° DS »…) dans "
                "ses premières lignes : ajoutez-le, ou ajoutez son libellé à templates/entetes.json"
            )
        return found
    for chosen in (ours, remembered_dossier_sheet(book)):
        if chosen is not None and chosen not in own:
            found = _read_dossier_sheet(book, chosen, own=chosen == ours)
            if found is not None:
                return found
    candidates = [name for name in names if name not in own and name != ours and _has_dossier_header(book, name)]
    if len(candidates) > 1:
        raise AmbiguousDossierSheet(candidates)
    found = _read_dossier_sheet(book, candidates[0], own=False) if candidates else None
    if found is None:
        raise NoDossierSheet(
            "aucune feuille n'a d'en-tête de numéro de dossier (« N° dossier », « N° DS »…) dans ses premières "
            "lignes : indiquez la feuille avec --sheet, ou ajoutez l'en-tête à templates/entetes.json"
        )
    return found


def sheet_notes(sheet: DossierSheet) -> list[str]:
    """French notes on the sheet's rows: a dossier on several rows (which row counts), a number that is none
    (the row is left aside)."""
    return [
        f"le dossier {number} figure sur plusieurs lignes de « {sheet.name} » ({', '.join(map(str, rows))}) : seule "
        f"la ligne {rows[0]} compte (la répartition vide le rang et l'alloué des autres) ; supprimez les autres"
        for number, rows in sorted(sheet.duplicates.items())
    ] + [
        f"ligne {row} de « {sheet.name} » : « {_shown(value)} » n'est pas un n° de dossier : la ligne est laissée de "
        "côté (ni répartie, ni mise à jour, ni dans les documents) ; corrigez le numéro — d'ici là, un montant "
        f"qu'elle garde dans « Alloué » {'compte encore' if excel_number(value) else 'ne compte pas'} dans le "
        "total alloué de « Répartition »"
        for row, value in sorted(sheet.unreadable.items())
    ]


def _shown(value: Any) -> str:
    text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
    return text if len(text) <= 40 else text[:39] + "…"
