"""Putting the tool's sheets and names into a workbook: a new one (``guichet init``), or the office's own
(``guichet init --into``, and ``guichet import`` when a sheet is missing).

The sheets are built apart with openpyxl (``template``), then grafted into the workbook's package: nothing of
the office's is rewritten. Each sheet carries its role (``layout.ROLE_NAME``); each name the tool defines
carries its mark (``layout.NAME_MARK``). A sheet or a name the office already has keeps it: the tool's takes
another (« Répartition (2) », « Enveloppe_2 ») and says so.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from xlplugin.rules.reglement import Reglement
from xlplugin.workbook import layout as L
from xlplugin.workbook.allocation import below_expense_names
from xlplugin.workbook.functions import CLASSIC, EXPENSE_FIRST_ROW, LITE
from xlplugin.workbook.package_book import PackageBook
from xlplugin.workbook.recalc import settle_summary, tool_names
from xlplugin.workbook.sheets import AmbiguousDossierSheet, DossierSheet, NoDossierSheet, find_dossier_sheet
from xlplugin.xlsx.refs import column_letter

MACRO_ENABLED = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"


def quoted(sheet: str) -> str:
    return "'" + sheet.replace("'", "''") + "'"


def runtime_of(path: Path) -> str:
    """An .xlsm is for the classic add-in (its functions live in the workbook's VBA); anything else for
    xlwings Lite."""
    return CLASSIC if path.suffix.lower() == ".xlsm" else LITE


def create_workbook(
    path: Path, reglement: Reglement, runtime: str, finish: Callable[[PackageBook], None] | None = None
) -> None:
    """A new tracking workbook at ``path`` (which must not exist), right at rest, for ``runtime``;
    ``finish`` adds what an upper layer puts in every new workbook (xlwings Lite's code)."""
    from xlplugin.workbook.template import build_sheets  # openpyxl: only to build sheets

    scratch = build_sheets(reglement, L.SHEET_ROLES)
    handle, name = tempfile.mkstemp(prefix=f".{path.stem}-modele-", suffix=".xlsx", dir=path.parent)
    os.close(handle)
    built = Path(name)
    try:
        scratch.save(built)
        book = PackageBook.open(built)
        try:
            adopt(book, {role: role for role in scratch.roles}, scratch.names, runtime)
            root = book.patch.edit(book.package.workbook_part)
            calc = root.find("{http://schemas.openxmlformats.org/spreadsheetml/2006/main}calcPr")
            if calc is not None and "fullCalcOnLoad" in calc.attrib:
                del calc.attrib["fullCalcOnLoad"]  # its own new workbook: right at rest, no recalculation needed
            if runtime == CLASSIC:
                book.patch.set_content_type(book.package.workbook_part, MACRO_ENABLED)
            settle(book, reglement)
            if finish is not None:
                finish(book)
            # The calculation settings and the content type change: a new workbook of the tool's, nothing to keep.
            book.save(path, verify=False)
        finally:
            book.close()
    finally:
        built.unlink(missing_ok=True)


def missing_roles(book: PackageBook, *, dossier_sheet: bool) -> list[str]:
    """The tool's sheets the workbook lacks; « Dossiers » only when no sheet holds the dossiers."""
    roles = book.roles()
    missing = [role for role in L.SHEET_ROLES if role not in roles and role != L.DOSSIERS]
    if dossier_sheet and L.DOSSIERS not in roles:
        try:
            find_dossier_sheet(book)
        except AmbiguousDossierSheet:
            pass  # the office's dossiers are there, in a sheet the agent will name
        except NoDossierSheet:
            missing.insert(1, L.DOSSIERS)
    return missing


@dataclass
class Completion:
    """What ``add_missing_sheets`` added: the sheets (by their names in the workbook), and the tool's names
    that took another spelling because the office already had one (role → name used); ``refreshed``: what
    bringing « Paramètres » to the session's règlement did (``parameters.refresh``)."""

    sheets: list[str] = field(default_factory=list)
    renamed: dict[str, str] = field(default_factory=dict)
    refreshed: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.sheets)

    def notes(self) -> list[str]:
        """What the agent is told: the office's names the tool left alone, and the ones it used instead."""
        return [
            f"le nom « {role} » est déjà celui du bureau : il est laissé tel quel, l'outil utilise « {name} »"
            for role, name in self.renamed.items()
        ] + self.refreshed


def add_missing_sheets(book: PackageBook, reglement: Reglement, *, dossier_sheet: bool = True) -> Completion:
    """Graft the tool's sheets the workbook lacks, with their roles and names: their names in the workbook
    (another name when the office already has a sheet of that name), and the tool's names that had to take
    another spelling. The caller saves."""
    roles = missing_roles(book, dossier_sheet=dossier_sheet)
    if not roles:
        return Completion()
    from xlplugin.workbook.template import build_sheets  # openpyxl: only to build sheets

    scratch = build_sheets(reglement, roles)
    handle, name = tempfile.mkstemp(prefix=".guichet-feuilles-", suffix=".xlsx")
    os.close(handle)
    built = Path(name)
    try:
        scratch.save(built)
        taken = {sheet.casefold() for sheet in (e.name for e in book.patch.sheets)}
        rename = {role: free_sheet_name(role, taken) for role in scratch.roles}
        grafted = book.patch.graft(built, scratch.roles, rename=rename)
    finally:
        built.unlink(missing_ok=True)
    renamed = adopt(book, dict(zip(scratch.roles, grafted, strict=True)), scratch.names, None)
    return Completion(grafted, renamed)


def free_sheet_name(wanted: str, taken: set[str]) -> str:
    """``wanted``, or « wanted (2) »… when a sheet (compared without case) already has it."""
    name, counter = wanted, 2
    while name.casefold() in taken:
        name = f"{wanted} ({counter})"
        counter += 1
    taken.add(name.casefold())
    return name


def adopt(book: PackageBook, sheets: dict[str, str], parameters: dict[str, str], runtime: str | None) -> dict[str, str]:
    """Mark the tool's new ``sheets`` (role → name) and define its names: the workbook's marker, the named
    cells of « Paramètres » (``parameters``: name → cell), the runtime (when given, or when never set).
    Returns the names that took another spelling (role → name used)."""
    for role, sheet in sheets.items():
        book.patch.define_name(L.ROLE_NAME, f'"{role}"', sheet=sheet, hidden=True, replace=True)
    used = {L.MARKER: define_tool_name(book, L.MARKER, '"guichet-numerique"')}
    if L.PARAMETRES in sheets:
        for name, cell in parameters.items():
            used[name] = define_tool_name(book, name, f"{quoted(sheets[L.PARAMETRES])}!{cell}")
    if runtime is not None or not any(name == L.RUNTIME_NAME for name, *_ in book.names()):
        used[L.RUNTIME_NAME] = define_tool_name(book, L.RUNTIME_NAME, f'"{runtime or LITE}"')
    if L.DEPENSES in sheets and "Dep_Dossier" not in tool_names(book):
        used |= set_expense_names(book, 1 + L.EXPENSE_MARGIN)
    return {role: name for role, name in used.items() if name != role}


def define_tool_name(book: PackageBook, role: str, text: str) -> str:
    """Define (or re-point) the tool's name of this role; an office's name of the same spelling is left as
    it is and the tool's gets another (``Enveloppe_2``). Returns the name used."""
    owned = tool_names(book).get(role)
    if owned is not None:
        if any(name == owned and local is None and current == text for name, current, local, _ in book.names()):
            return owned  # already there: a name left as it is is not a change
        book.patch.define_name(owned, text, replace=True, comment=f"{L.NAME_MARK}:{role}")
        return owned
    taken = {name.casefold() for name, _text, local, _comment in book.names() if local is None}
    taken |= book.patch.all_table_names()
    name, counter = role, 2
    while name.casefold() in taken:
        name = f"{role}_{counter}"
        counter += 1
    book.patch.define_name(name, text, comment=f"{L.NAME_MARK}:{role}")
    return name


def set_expense_names(book: PackageBook, last: int) -> dict[str, str]:
    """The names of the « Dépenses » columns (``Dep_Montant``…) that the functions of « Dossiers » read,
    covering rows ``EXPENSE_FIRST_ROW`` (2) to ``last``; returns them (role → name used)."""
    sheet = book.roles().get(L.DEPENSES)
    if sheet is None:
        return {}
    letters = L.EXPENSE_TABLE.letters
    first = EXPENSE_FIRST_ROW
    return {
        name: define_tool_name(book, name, f"{quoted(sheet)}!${letters[key]}${first}:${letters[key]}${last}")
        for name, key in L.EXPENSE_NAMES.items()
    }


def cover_expense_rows(book: PackageBook) -> None:
    """Stretch the names of the « Dépenses » columns over lines typed below the rows they cover: Excel's
    functions read the names, the figures at rest and the allocation read the sheet — a line under the names
    counted in the allocation and at rest, not in Excel. Names that already cover every line are left as they
    are (and an office that dropped them gets them back from the next import, not here)."""
    sheet = book.roles().get(L.DEPENSES)
    if sheet is None:
        return
    _end, below = below_expense_names(book, book.values(sheet))
    if below:
        set_expense_names(book, below[-1] + L.EXPENSE_MARGIN)


def settle(book: PackageBook, reglement: Reglement, dossier_sheet: str | None = None) -> None:
    """Write the figures of the tool's summary (the envelope's), right at rest."""
    try:
        dossiers = find_dossier_sheet(book, dossier_sheet)
    except (NoDossierSheet, AmbiguousDossierSheet):
        return  # no figure to write yet: the import will ask which sheet
    settle_summary(book, dossiers, reglement.envelope)


def remember_dossier_sheet(book: PackageBook, dossiers: DossierSheet) -> None:
    """Point the tool's name ``layout.DOSSIER_SHEET_NAME`` at the dossier-number header of the office's sheet
    the tool works on, so that later runs follow it rather than ask again; the tool's own « Dossiers » needs
    no such mark."""
    if book.roles().get(L.DOSSIERS) == dossiers.name:
        return
    text = f"{quoted(dossiers.name)}!${column_letter(dossiers.columns['numero'])}${dossiers.header_row}"
    if book.marked_name(L.DOSSIER_SHEET_NAME) != text:
        define_tool_name(book, L.DOSSIER_SHEET_NAME, text)
