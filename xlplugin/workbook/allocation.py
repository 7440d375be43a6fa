"""Allocating the envelope in a workbook: one implementation for every trigger.

``allocate_book`` reads the rows of « Dossiers » (with the agent's notes) and the lines of « Dépenses »,
judges each row with the rules core's one ``evaluate`` (the row read by the same declaration as the Excel
functions' cells: ``functions.read_row``), shares the envelope with the core's ``allocate_envelope``, then
writes each row's rank, allocation and status, the « Répartition » table, and a line of « Journal ».
``guichet allocate --workbook`` calls it on a file (openpyxl), the ribbon button on the workbook open in
Excel (xlwings).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from xlplugin.errors import AgentError
from xlplugin.rules.allocation import STATUS_LABELS, Allocation, Candidate, Grant, allocate_envelope
from xlplugin.rules.money import format_euros
from xlplugin.rules.reglement import Reglement
from xlplugin.workbook import layout as L
from xlplugin.workbook.book import Book
from xlplugin.workbook.cells import CellError, as_int, blank
from xlplugin.workbook.functions import Context, ExpenseLines, case, read_row
from xlplugin.workbook.headers import find_header_row, map_columns
from xlplugin.workbook.rows import to_cell

READ_GROUPS = (L.IMPORTED, L.AGENT)  # the columns a row's judgement reads; computed ones are computed again


class WorkbookError(AgentError, ValueError):
    """The workbook lacks what the allocation needs; the message says what, in French."""


@dataclass
class BookAllocation:
    """What the allocation found and wrote."""

    allocation: Allocation
    names: dict[int, str]
    scores: dict[int, Decimal | None]
    row_errors: dict[int, str] = field(default_factory=dict)  # dossier number → what to correct


@dataclass(frozen=True)
class DossierSheet:
    """Where the dossiers are: the sheet, its header row, the columns found, the rows by dossier number."""

    name: str
    header_row: int
    columns: dict[str, int]
    rows: dict[int, int]
    values: list[list[Any]]

    def cell(self, number: int, key: str) -> Any:
        column = self.columns.get(key)
        if column is None:
            return None
        line = self.values[self.rows[number] - 1]
        return line[column - 1] if column - 1 < len(line) else None


def find_dossier_sheet(book: Book, sheet: str | None = None) -> DossierSheet:
    """The sheet of the dossiers: ``sheet`` if given, else « Dossiers », else the first sheet whose header
    holds a dossier number column."""
    names = book.sheet_names()
    if sheet is not None and sheet not in names:
        raise WorkbookError(f"le classeur n'a pas de feuille « {sheet} » (feuilles : {', '.join(names)})")
    own = {L.DEPENSES, L.PARAMETRES, L.REPARTITION, L.JOURNAL, L.GUIDE, L.XLWINGS_CONF}
    candidates = (
        [sheet]
        if sheet
        else ([L.DOSSIERS] if L.DOSSIERS in names else []) + [n for n in names if n not in own and n != L.DOSSIERS]
    )
    for name in candidates:
        values = book.values(name)
        header_row = find_header_row(values, L.DOSSIER_TABLE)
        if header_row is None:
            continue
        columns = map_columns(values[header_row - 1], L.DOSSIER_TABLE)
        rows: dict[int, int] = {}
        for index in range(header_row, len(values)):
            number = values[index][columns["numero"] - 1] if columns["numero"] - 1 < len(values[index]) else None
            if blank(number):
                continue
            try:
                key = as_int(number, "n° de dossier", required=True)
            except CellError:
                continue  # a total or a note below the table
            assert key is not None
            rows[key] = index + 1
        return DossierSheet(name, header_row, columns, rows, values)
    where = f"la feuille « {sheet} »" if sheet else "aucune feuille"
    raise WorkbookError(
        f"{where} n'a d'en-tête de numéro de dossier (« N° dossier », « N° DS »…) dans ses "
        "premières lignes : indiquez la feuille avec --sheet, ou ajoutez l'en-tête à templates/entetes.json"
    )


def expense_lines(book: Book, reglement: Reglement) -> ExpenseLines:
    if L.DEPENSES not in book.sheet_names():
        raise WorkbookError(f"le classeur n'a pas de feuille « {L.DEPENSES} » : lancez guichet init --into")
    values = book.values(L.DEPENSES)
    header_row = find_header_row(values, L.EXPENSE_TABLE, "dossier") or 1
    columns = map_columns(values[header_row - 1], L.EXPENSE_TABLE) if values else {}
    missing = [
        c.header for c in L.EXPENSE_TABLE.columns if c.key in ("dossier", "nature", "montant") and c.key not in columns
    ]
    if missing:
        raise WorkbookError(f"la feuille « {L.DEPENSES} » n'a pas les colonnes : {', '.join(missing)}")
    body = values[header_row:]

    def column(key: str) -> list[Any]:
        index = columns.get(key)
        return [row[index - 1] if index and index - 1 < len(row) else None for row in body]

    return ExpenseLines(column("dossier"), column("nature"), column("montant"), column("departement"), reglement)


def candidate_of_row(
    sheet: DossierSheet, number: int, lines: ExpenseLines, ctx: Context
) -> tuple[Candidate, Decimal | None]:
    """What the allocation needs of a row: the row read as the Excel functions read their cells, judged by
    the one evaluation of the rules core."""
    cells = read_row(
        lambda key: sheet.cell(number, key), lambda key: L.DOSSIER_TABLE.by_key[key].group in READ_GROUPS, ctx
    )
    evaluation = case(cells, ctx, lines)
    return evaluation.candidate(), evaluation.score.total


def allocate_book(
    book: Book, reglement: Reglement, agent: str, sheet: str | None = None, now: datetime | None = None
) -> BookAllocation:
    """Allocate the envelope over the workbook's rows and write the result back into the workbook."""
    dossiers = find_dossier_sheet(book, sheet)
    candidates = []
    scores: dict[int, Decimal | None] = {}
    errors: dict[int, str] = {}
    ctx = Context.of(reglement)  # the rows are judged by the règlement that shares the envelope
    lines = expense_lines(book, reglement)
    for number in dossiers.rows:
        try:
            candidate, scores[number] = candidate_of_row(dossiers, number, lines, ctx)
        except AgentError as exc:
            errors[number] = str(exc)
            candidate, scores[number] = Candidate(number, True, None, None), None
        candidates.append(candidate)
    allocation = allocate_envelope(candidates, reglement)
    if errors:  # a row that cannot be read waits, and says why
        allocation = Allocation(
            allocation.envelope,
            tuple(
                Grant(g.number, g.rank, g.amount, g.allocated, g.status, f"ligne à corriger : {errors[g.number]}")
                if g.number in errors
                else g
                for g in allocation.grants
            ),
        )
    names = {n: str(dossiers.cell(n, "porteur") or "") for n in dossiers.rows}
    result = BookAllocation(allocation, names, scores, errors)
    _write_rows(book, dossiers, allocation)
    _write_allocation_sheet(book, result)
    append_journal(
        book,
        now or datetime.now(),
        agent,
        "Répartition",
        "",
        f"alloué {format_euros(allocation.total)}, reste {format_euros(allocation.left)} ; "
        + ", ".join(
            f"{sum(1 for g in allocation.grants if g.status == s)} {label}" for s, label in STATUS_LABELS.items()
        ),
    )
    return result


def _write_rows(book: Book, dossiers: DossierSheet, allocation: Allocation) -> None:
    for key in ("rang", "alloue", "statut"):
        if key not in dossiers.columns:
            raise WorkbookError(
                f"la feuille « {dossiers.name} » n'a pas de colonne « {L.DOSSIER_TABLE.by_key[key].header} » : "
                "lancez guichet import (qui ajoute les colonnes manquantes) ou ajoutez-la"
            )
    for grant in allocation.grants:
        row = dossiers.rows[grant.number]
        values = {"rang": grant.rank, "alloue": float(grant.allocated), "statut": STATUS_LABELS[grant.status]}
        for key, value in values.items():
            book.write(dossiers.name, row, dossiers.columns[key], [[value]])


def _write_allocation_sheet(book: Book, result: BookAllocation) -> None:
    if L.REPARTITION not in book.sheet_names():
        raise WorkbookError(f"le classeur n'a pas de feuille « {L.REPARTITION} » : lancez guichet init --into")
    table = L.ALLOCATION_TABLE
    first = L.ALLOCATION_FIRST_ROW + 1
    previous = book.values(L.REPARTITION)
    stale = max(0, len(previous) - first + 1)
    rows = [
        [
            g.rank,
            g.number,
            result.names.get(g.number, ""),
            to_cell(result.scores.get(g.number)),
            to_cell(g.amount),
            float(g.allocated),
            STATUS_LABELS[g.status],
            g.note,
        ]
        for g in result.allocation.grants
    ]
    blank_rows = [[None] * len(table.columns) for _ in range(max(0, stale - len(rows)))]
    book.write(L.REPARTITION, first, 1, rows + blank_rows)
    for index, column in enumerate(table.columns, start=1):
        if column.number_format and rows:
            book.number_format(L.REPARTITION, first, index, len(rows), column.number_format)
    book.resize_table(L.REPARTITION, table.table, max(first, first + len(rows) - 1), len(table.columns))


def append_journal(book: Book, when: datetime, agent: str, action: str, files: str, detail: str) -> None:
    """One more line in « Journal » (created by ``guichet init``; nothing is written without it)."""
    if L.JOURNAL not in book.sheet_names():
        return
    values = book.values(L.JOURNAL)
    last = max((i + 1 for i, row in enumerate(values) if any(v not in (None, "") for v in row)), default=1)
    row = last + 1
    # The date as text: it reads the same in every runtime, and a journal line is never recomputed.
    book.write(L.JOURNAL, row, 1, [[when.strftime("%d/%m/%Y %H:%M"), agent, action, files, detail]])
    book.resize_table(L.JOURNAL, L.JOURNAL_TABLE.table, row, len(L.JOURNAL_TABLE.columns))
