"""Loading dossiers into the tracking workbook, the tool's or the office's own, without taking what is not
the tool's.

Dossiers are upserted by number: a new dossier gets a row (its imported values, the agent's notes it may
carry, the formulas of the computed columns with their values) and its expense lines; a known dossier gets
its imported columns updated (but a population the agent typed where none is known, ``_population_write``),
and nothing else: the agent's columns, any column an agent added, the expense
lines an agent may have corrected, stay as they are. Importing the same files twice changes nothing. When the
received expense lines of a known dossier (label and amount) differ from the workbook's, the summary names
the dossier so that an agent checks them: they are not taken over. A known dossier with no line yet (a row
the office typed in by hand) gets its received lines.

In the office's own workbook, the tool writes only into its columns (``sheets``: its headers, synonyms that
cannot mean anything else, or columns the agent mapped), adds the columns it lacks at the right of
everything (inside the office's table when the table ends there), and adds rows inside the office's table
(before its totals row) or, without a table, below everything the sheet holds. The workbook is patched
(``PackageBook``): every other cell and part stays as it was.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from xlplugin.grouping import grouped
from xlplugin.rules.dossier import Dossier
from xlplugin.rules.labels import normalize_label
from xlplugin.rules.reglement import Reglement
from xlplugin.rules.territory import Territory
from xlplugin.workbook import layout as L
from xlplugin.workbook.cells import blank, same, to_cell
from xlplugin.workbook.functions import Context
from xlplugin.workbook.import_summary import ImportSummary
from xlplugin.workbook.journal import append_journal
from xlplugin.workbook.package_book import PackageBook
from xlplugin.workbook.recalc import mark_revision, settle_dossiers, settle_summary
from xlplugin.workbook.rows import dossier_values, expense_values
from xlplugin.workbook.setup import cover_expense_rows, remember_dossier_sheet, set_expense_names
from xlplugin.workbook.sheets import DossierSheet, WorkbookError, find_dossier_sheet, sheet_notes
from xlplugin.xlsx import Table
from xlplugin.xlsx.sheetpatch import MAX_TEXT, text_length

IMPORTED_KEYS = tuple(c.key for c in L.DOSSIER_TABLE.columns if c.group == L.IMPORTED)
# Imported columns a known dossier's row keeps as they are: its number (the key that found it), and its
# population where neither the received file nor the reference gives one — the agent's (« population inconnue :
# renseignez la population »), which a re-import used to erase: see ``_population_write``.
_KEPT = frozenset({"numero", "population"})
# The columns that say whose population it is: when one of them changes, a kept population is no longer this
# structure's.
_POPULATION_OF = frozenset(
    {"siret", "code_porteur", "type_porteur", "projet_commun", "partenaires", "types_partenaires"}
)
# Columns of the agent's after the committee that the received dossier can fill while they are blank, and only
# then: the beneficiary's postal address (the establishment of the depositor's SIRET), which the letters need.
FILLED_IF_BLANK = ("adresse",)
WRITTEN_KEYS = tuple(c.key for c in L.DOSSIER_TABLE.columns if c.group in (L.IMPORTED, L.AGENT)) + FILLED_IF_BLANK


ExpenseKey = tuple[str, int]  # (label, amount in cents)


def _expense_key(label: Any, amount: Any) -> ExpenseKey | None:
    """A line as compared between the workbook and a received file; ``None`` when its amount is not a number
    (an agent's note in the column), so that such a line is never taken for a difference by itself."""
    if isinstance(amount, bool) or not isinstance(amount, (int, float, Decimal)):
        return None
    return (str(label or "").strip(), round(float(amount) * 100))


def _received_keys(lines: list[dict[str, Any]]) -> list[ExpenseKey | None]:
    return [_expense_key(line["libelle"], line["montant"]) for line in lines]


class _Expenses:
    """The « Dépenses » sheet (the tool's own): its table, its lines by dossier, where new lines go."""

    def __init__(self, book: PackageBook) -> None:
        sheet = book.roles().get(L.DEPENSES)
        if sheet is None:
            raise WorkbookError(f"le classeur n'a pas de feuille « {L.DEPENSES} » : lancez guichet init --into")
        self.book, self.sheet = book, sheet
        self.table = next((t for t in book.tables(sheet) if t.display_name == L.EXPENSE_TABLE.table), None)
        values = book.values(sheet)
        keys = [c.key for c in L.EXPENSE_TABLE.columns]
        label, amount = keys.index("libelle"), keys.index("montant")
        self.known: dict[Any, list[ExpenseKey | None]] = {}
        for line in values[1:]:
            if line and not blank(line[0]):
                self.known.setdefault(line[0], []).append(
                    _expense_key(
                        line[label] if label < len(line) else None, line[amount] if amount < len(line) else None
                    )
                )
        self.pending: list[list[Any]] = []
        self.empty_first = self.table is not None and _empty_data_rows(values, self.table)

    def add(self, number: int, lines: list[dict[str, Any]]) -> None:
        keys = [c.key for c in L.EXPENSE_TABLE.columns]
        self.pending += [[line.get(key) for key in keys] for line in lines]
        self.known[number] = _received_keys(lines)

    def write(self) -> int:
        """Write the new lines at the end of the table (below every line, numbered or not); the last row."""
        values = self.book.values(self.sheet)
        if not self.pending:
            return len(values)
        formats = [c.number_format for c in L.EXPENSE_TABLE.columns]
        first = _new_rows(self.book, self.table, len(self.pending), self.empty_first, len(values))
        self.book.write(self.sheet, first, 1, [[to_cell(v) for v in line] for line in self.pending], formats=formats)
        return first + len(self.pending) - 1


def _empty_data_rows(values: list[list[Any]], table: Table) -> bool:
    """The table holds only its empty first row (a table cannot be empty: a new one has one blank row)."""
    if table.last_data_row != table.first_data_row:
        return False
    line = values[table.first_data_row - 1] if table.first_data_row - 1 < len(values) else []
    return all(blank(v) for v in line[table.ref.min_col - 1 : table.ref.max_col])


def _new_rows(book: PackageBook, table: Table | None, count: int, reuse_empty: bool, below: int) -> int:
    """Where ``count`` new rows go: inside ``table`` (its empty first row reused, then grown before its totals
    row), else below everything the sheet holds (``below``: its last used row)."""
    if table is None:
        return below + 1
    first = table.first_data_row if reuse_empty else table.last_data_row + 1
    extra = count - 1 if reuse_empty else count
    if extra > 0:
        book.append_table_rows(table, extra)
    return first


def _add_missing_columns(book: PackageBook, found: DossierSheet, columns: dict[str, int]) -> list[str]:
    """Add, right of everything the sheet holds, the columns the tool needs; returns their headers. Inside
    the table of the header row when that table ends there."""
    added = []
    width = max((len(row) for row in found.values), default=0)
    next_column = max([width, *columns.values()]) + 1
    table = book.table_at(found.name, found.header_row, columns.get("numero", 1))
    for column in L.DOSSIER_TABLE.columns:
        if column.key in columns:
            continue
        if table is not None and table.ref.max_col + 1 == next_column:
            book.patch.add_table_column(table.display_name, column.header, column.number_format or "General")
            table = book.table_at(found.name, found.header_row, next_column)
        else:
            style = book.patch.style(bold=True, font_rgb="FFFFFF", fill_rgb=L.GROUP_COLOURS[column.group], wrap=True)
            book.patch.set(found.name, found.header_row, next_column, column.header, style=style)
        columns[column.key] = next_column
        added.append(column.header)
        next_column += 1
    return added


def _count(value: Any) -> str:
    """A population as the agent reads it: « 1 800 »."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and float(value).is_integer():
        return grouped(int(value))
    return str(value)


def _population_write(held: Any, fresh: Any, changed: list[str]) -> bool:
    """Whether the import writes a known dossier's « Population » (``held``: the cell, ``fresh``: what the file or
    the reference gives, ``None`` when neither does). A figure given is written, as every imported column is (a
    declared population corrected in a new version, a partner's SIRET corrected). Where none is given, the cell
    is the agent's and stays — unless the dossier names another structure (the population typed was another's)."""
    if same(held, fresh):
        return False
    return fresh is not None or any(key in _POPULATION_OF for key in changed)


def _too_long(values: dict[str, Any], lines: list[dict[str, Any]]) -> str | None:
    """Why a dossier cannot be written, when one of its texts (a list of partners joined, say) is longer than a
    cell holds; the intake refuses each long text by itself, this catches what the rows join."""
    cells = [
        (L.DOSSIER_TABLE.by_key[key].header, value) for key, value in values.items() if key in L.DOSSIER_TABLE.by_key
    ]
    cells += [
        (f"{L.DEPENSES} › {column.header}", line.get(column.key))
        for line in lines
        for column in L.EXPENSE_TABLE.columns
    ]
    for header, value in cells:
        if isinstance(value, str) and len(value) > MAX_TEXT // 2 and text_length(value) > MAX_TEXT:
            return (
                f"la colonne « {header} » recevrait un texte de {text_length(value)} caractères, plus qu'une cellule "
                f"n'en tient ({MAX_TEXT}) : le dossier n'est pas importé, les autres le sont"
            )
    return None


def _header_shown(found: DossierSheet, columns: dict[str, int], column: L.Column) -> str:
    """A column written, as the agent knows it: the sheet's own header, and the tool's when they differ
    (« Collectivité (= Porteur) »), so that an office sees which of its columns the import wrote."""
    header = found.values[found.header_row - 1] if found.header_row - 1 < len(found.values) else []
    index = columns[column.key] - 1
    text = str(header[index]).strip() if index < len(header) and header[index] is not None else ""
    if not text or normalize_label(text) == normalize_label(column.header):
        return column.header
    return f"{text} (= {column.header})"


def import_dossiers(
    book: PackageBook,
    dossiers: Sequence[Dossier],
    reglement: Reglement,
    territory: Territory,
    *,
    sheet: str | None = None,
    agent: str = "",
    files: str = "",
    rejected: Iterable[tuple[str, str]] = (),
    now: datetime | None = None,
    staged: bool = False,
) -> ImportSummary:
    """Upsert ``dossiers`` into the workbook; see the module's docstring. ``files``: what the journal line
    says of the files read (``journal.files_read``); ``staged``: the caller changed the workbook already
    (added sheets). The caller saves, unless ``summary.changed`` is false: then the workbook already held
    everything, and not even a journal line is added."""
    summary = ImportSummary(rejected=list(rejected))
    found = find_dossier_sheet(book, sheet)
    book.check_unprotected(found.name)
    summary.sheet = found.name
    remember_dossier_sheet(book, found)
    summary.duplicates = sheet_notes(found)
    summary.notes += summary.duplicates
    columns = dict(found.columns)
    # Nothing to import (every file refused): the office's sheet gets no column of the tool's for it.
    summary.columns_added = _add_missing_columns(book, found, columns) if dossiers else []
    expenses = _Expenses(book)
    formats = {c.key: c.number_format for c in L.DOSSIER_TABLE.columns}
    written: set[str] = set()
    new: list[tuple[Dossier, dict[str, Any]]] = []
    for dossier in dossiers:
        values = dossier_values(dossier, reglement, territory)
        received_lines = expense_values(dossier, reglement)
        overflow = _too_long(values, received_lines)
        if overflow is not None:  # this dossier alone is set aside: the others are imported
            summary.rejected.append((f"dossier {dossier.number}", overflow))
            continue
        existing = found.rows.get(dossier.number)
        if existing is None and dossier.number in summary.added:  # given twice to this import: once is enough
            summary.unchanged.append(dossier.number)
            continue
        if existing is None:
            new.append((dossier, values))
            expenses.add(dossier.number, received_lines)
            summary.added.append(dossier.number)
            continue
        # The number found the row: a number the office typed as text (« '21000105 ») is left as it is.
        changed = [
            k
            for k in IMPORTED_KEYS
            if k in columns and k not in _KEPT and not same(found.cell(dossier.number, k), values.get(k))
        ]
        changed += [
            k
            for k in FILLED_IF_BLANK
            if k in columns and not blank(values.get(k)) and blank(found.cell(dossier.number, k))
        ]
        if "population" in columns:
            held, fresh = found.cell(dossier.number, "population"), values.get("population")
            if _population_write(held, fresh, changed):
                changed.append("population")
                # The agent may have typed it: said, never silently gone.
                if not blank(held) and fresh is not None:
                    summary.notes.append(
                        f"dossier {dossier.number} : « Population » {_count(held)} remplacée par {_count(fresh)}, "
                        "celle du dossier reçu ou du référentiel (une population saisie n'est gardée que là où ni "
                        "l'un ni l'autre n'en donne)"
                    )
                elif not blank(held):
                    summary.notes.append(
                        f"dossier {dossier.number} : « Population » {_count(held)} effacée : le dossier reçu nomme "
                        "une autre structure, dont la population est inconnue ; saisissez la sienne"
                    )
        known_lines = expenses.known.get(dossier.number, [])
        # A dossier the office typed in by hand has no line yet: there is nothing an agent corrected.
        lines_added = not known_lines and bool(received_lines)
        if lines_added:
            expenses.add(dossier.number, received_lines)
        elif Counter(known_lines) != Counter(_received_keys(received_lines)):  # the same lines, in any order
            summary.expenses_differ.append(dossier.number)
        for key in changed:
            book.write(found.name, existing, columns[key], [[to_cell(values[key])]], formats=[formats[key]])
            written.add(key)
        (summary.updated if changed or lines_added else summary.unchanged).append(dossier.number)
    if new:
        table = book.table_at(found.name, found.header_row, columns["numero"])
        reuse = table is not None and _empty_data_rows(found.values, table)
        first = _new_rows(book, table, len(new), reuse, found.last_used_row)
        keys = [k for k in WRITTEN_KEYS if k in columns]
        for offset, (_dossier, values) in enumerate(new):
            row = first + offset
            cells = []
            for key in keys:
                if key in values and not blank(values[key]):  # an empty list leaves the cell empty, not ""
                    fresh = key in summary.columns_added or (table is None and offset == 0)
                    like_above = not fresh and row > found.header_row + 1
                    cells.append((columns[key], to_cell(values[key]), formats[key], like_above))
                    written.add(key)
            book.write_row(found.name, row, cells)
    last_expense = expenses.write()
    set_expense_names(book, last_expense + L.EXPENSE_MARGIN)
    cover_expense_rows(book)  # and a line an agent typed further down
    # The computed columns, with their values, on every row: a cell an agent typed over is the agent's.
    settled = find_dossier_sheet(book, found.name)
    ctx = Context(reglement, territory)
    computed = settle_dossiers(book, settled, settled.rows, ctx, only_missing=True, copies=True)
    mark_revision(book, settled.name, reglement)
    settle_summary(book, settled, reglement.envelope)
    summary.columns_written = [
        _header_shown(found, columns, c) for c in L.DOSSIER_TABLE.columns if c.key in written
    ] + computed
    # Received lines that differ from the workbook's are worth a line even when nothing else changes: the
    # agent has something to check.
    summary.changed = staged or book.changed or bool(summary.expenses_differ)
    if summary.changed:
        append_journal(book, now or datetime.now(), agent, "Import", files, summary.text())
    return summary
