"""Loading dossiers into the tracking workbook, ours or the office's own, without touching the agents' work.

Dossiers are upserted by number: a new dossier gets a row (its imported values, the agent's notes it may
carry, the formulas of the computed columns) and its expense lines; a known dossier gets its imported
columns updated, and nothing else: the agent's columns, any column an agent added, the expense lines an
agent may have corrected, stay as they are. Importing the same files twice changes nothing. When the
received expense lines of a known dossier (label and amount) differ from the workbook's, the summary
names the dossier so that an agent checks them: they are not taken over. A known dossier with no line
yet (a row the office typed in by hand) gets its received lines.

In the office's own workbook, columns are found by their header (``headers``); the columns the tool
needs and the sheet lacks are added at the right of its header; missing sheets are added
(``ensure_sheets``, also ``guichet init --into``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.workbook import Workbook
from openpyxl.worksheet.table import TableColumn
from openpyxl.worksheet.worksheet import Worksheet

from xlplugin.rules.dossier import Dossier
from xlplugin.rules.reglement import Reglement
from xlplugin.rules.territory import Territory
from xlplugin.workbook import layout as L
from xlplugin.workbook.allocation import append_journal, find_dossier_sheet
from xlplugin.workbook.book import OpenpyxlBook
from xlplugin.workbook.rows import dossier_values, expense_values, last_row, set_expense_names, to_cell, write_row
from xlplugin.workbook.template import add_missing_sheets

IMPORTED_KEYS = tuple(c.key for c in L.DOSSIER_TABLE.columns if c.group == L.IMPORTED)
COMPUTED_KEYS = tuple(c.key for c in L.DOSSIER_TABLE.columns if c.group == L.COMPUTED)


@dataclass
class ImportSummary:
    added: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (file, or file and dossier; why)
    columns_added: list[str] = field(default_factory=list)
    sheets_added: list[str] = field(default_factory=list)
    expenses_differ: list[int] = field(default_factory=list)  # known dossiers whose received lines differ

    def text(self) -> str:
        text = (
            f"{len(self.added)} ajouté(s), {len(self.updated)} mis à jour, {len(self.unchanged)} inchangé(s), "
            f"{len(self.rejected)} rejeté(s)"
        )
        if self.expenses_differ:
            text += f", {len(self.expenses_differ)} aux dépenses reçues différentes (non reprises)"
        return text


def _same(old: Any, new: Any) -> bool:
    """Whether a cell already holds ``new`` (as openpyxl reads back what was written)."""
    new = to_cell(new)
    if old in (None, "") and new in (None, ""):
        return True
    # openpyxl reads a date back as a datetime; a date written in this session is still a date.
    old, new = (datetime(v.year, v.month, v.day) if type(v) is date else v for v in (old, new))
    if isinstance(old, (int, float)) and isinstance(new, (int, float)) and not isinstance(old, bool):
        return abs(float(old) - float(new)) < 1e-9
    return bool(old == new)


ExpenseKey = tuple[str, int]  # (label, amount in cents)


def _expense_key(label: Any, amount: Any) -> ExpenseKey | None:
    """A line as compared between the workbook and a received file; ``None`` when its amount is not a number
    (an agent's note in the column), so that such a line is never taken for a difference by itself."""
    if isinstance(amount, bool) or not isinstance(amount, (int, float, Decimal)):
        return None
    return (str(label or "").strip(), round(float(amount) * 100))


def _workbook_expenses(sheet: Worksheet, last: int) -> dict[Any, list[ExpenseKey | None]]:
    """The lines of « Dépenses » by dossier number, as ``_expense_key`` compares them."""
    keys = [c.key for c in L.EXPENSE_TABLE.columns]
    label, amount = keys.index("libelle"), keys.index("montant")
    lines: dict[Any, list[ExpenseKey | None]] = {}
    for values in sheet.iter_rows(min_row=2, max_row=last, max_col=len(keys), values_only=True):
        if values[0] not in (None, ""):
            lines.setdefault(values[0], []).append(_expense_key(values[label], values[amount]))
    return lines


def _received_keys(lines: list[dict[str, Any]]) -> list[ExpenseKey | None]:
    return [_expense_key(line["libelle"], line["montant"]) for line in lines]


def _add_missing_columns(sheet: Worksheet, header_row: int, columns: dict[str, int]) -> list[str]:
    """Add, right of everything the sheet holds, the columns the tool needs; returns their headers."""
    added = []
    # Right of the last column holding anything on any row: notes typed beyond the header are kept.
    next_column = max((c.column for row in sheet.iter_rows() for c in row if c.value not in (None, "")), default=0) + 1
    table = next((t for t in sheet.tables.values() if range_boundaries(t.ref)[1] == header_row), None)
    for column in L.DOSSIER_TABLE.columns:
        if column.key in columns:
            continue
        cell = sheet.cell(header_row, next_column, column.header)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor=L.GROUP_COLOURS[column.group])
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        sheet.column_dimensions[get_column_letter(next_column)].width = column.width
        columns[column.key] = next_column
        added.append(column.header)
        if table is not None:
            table.tableColumns.append(TableColumn(id=len(table.tableColumns) + 1, name=column.header))
        next_column += 1
    return added


def _resize_table(sheet: Worksheet, header_row: int, last: int) -> None:
    """Make the Excel table whose header is ``header_row`` cover its columns and rows down to ``last``."""
    for table in sheet.tables.values():
        min_col, min_row, _max_col, _max_row = range_boundaries(table.ref)
        if min_col is None or min_row != header_row:
            continue
        last_column = get_column_letter(min_col + max(len(table.tableColumns), 1) - 1)
        table.ref = f"{get_column_letter(min_col)}{min_row}:{last_column}{max(last, header_row + 1)}"
        if table.autoFilter is not None:
            table.autoFilter.ref = table.ref


def _last_used_row(sheet: Worksheet) -> int:
    for row in range(sheet.max_row, 0, -1):
        if any(cell.value not in (None, "") for cell in sheet[row]):
            return row
    return 0


def import_dossiers(
    workbook: Workbook,
    dossiers: Sequence[Dossier],
    reglement: Reglement,
    territory: Territory,
    *,
    sheet: str | None = None,
    agent: str = "",
    files: Iterable[str] = (),
    rejected: Iterable[tuple[str, str]] = (),
    now: datetime | None = None,
) -> ImportSummary:
    """Upsert ``dossiers`` into the workbook (loaded with openpyxl); see the module's docstring."""
    summary = ImportSummary(rejected=list(rejected))
    summary.sheets_added = add_missing_sheets(workbook, reglement, dossier_sheet=sheet is None)
    book = OpenpyxlBook(workbook)
    found = find_dossier_sheet(book, sheet)
    ws = workbook[found.name]
    columns = dict(found.columns)
    summary.columns_added = _add_missing_columns(ws, found.header_row, columns)
    rows = dict(found.rows)
    # New rows go below everything the sheet holds: a total or a note under the office's table is kept.
    row = max([found.header_row, *rows.values(), _last_used_row(ws)])
    expenses = workbook[L.DEPENSES]
    expense_row = last_row(expenses)
    known_expenses = _workbook_expenses(expenses, expense_row)

    def add_lines(number: int, lines: list[dict[str, Any]]) -> None:
        nonlocal expense_row
        for line in lines:
            expense_row += 1
            write_row(expenses, L.EXPENSE_TABLE, expense_row, line)
        known_expenses[number] = _received_keys(lines)

    for dossier in dossiers:
        values = dossier_values(dossier, reglement, territory)
        received_lines = expense_values(dossier, reglement)
        existing = rows.get(dossier.number)
        if existing is None:
            row += 1
            rows[dossier.number] = row
            write_row(ws, L.DOSSIER_TABLE, row, values, columns=columns)
            add_lines(dossier.number, received_lines)
            summary.added.append(dossier.number)
            continue
        changed = [k for k in IMPORTED_KEYS if not _same(ws.cell(existing, columns[k]).value, values.get(k))]
        empty_formulas = [k for k in COMPUTED_KEYS if ws.cell(existing, columns[k]).value in (None, "")]
        known_lines = known_expenses.get(dossier.number, [])
        # A dossier the office typed in by hand has no line yet: there is nothing an agent corrected.
        lines_added = not known_lines and bool(received_lines)
        if lines_added:
            add_lines(dossier.number, received_lines)
        elif Counter(known_lines) != Counter(_received_keys(received_lines)):  # the same lines, in any order
            summary.expenses_differ.append(dossier.number)
        if changed:
            write_row(ws, L.DOSSIER_TABLE, existing, values, columns=columns, keys=changed)
        (summary.updated if changed or lines_added else summary.unchanged).append(dossier.number)
        if empty_formulas:  # a computed cell an agent left empty gets its formula; one they replaced is kept
            write_row(ws, L.DOSSIER_TABLE, existing, values, columns=columns, keys=empty_formulas)
    _resize_table(ws, found.header_row, row)
    _resize_table(expenses, 1, expense_row)
    set_expense_names(workbook, expense_row + L.EXPENSE_MARGIN)
    append_journal(book, now or datetime.now(), agent, "Import", ", ".join(files), summary.text())
    return summary
