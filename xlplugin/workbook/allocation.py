"""Allocating the envelope in a workbook: one implementation for every trigger.

``allocate_book`` reads the rows of « Dossiers » (with the agent's notes) and the lines of « Dépenses »,
judges each row with the rules core's one ``evaluate`` (the row read by the same declaration as the Excel
functions' cells: ``functions.read_row``), shares the envelope with the core's ``allocate_envelope``, then
writes each row's rank, allocation and status, the « Répartition » table, and a line of « Journal ».
``guichet allocate --workbook`` calls it on a file (openpyxl), the ribbon button on the workbook open in
Excel (xlwings).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from xlplugin.errors import AgentError
from xlplugin.rules.allocation import STATUS_LABELS, Allocation, Candidate, Grant, allocate_envelope
from xlplugin.rules.evaluation import Evaluation
from xlplugin.rules.money import format_euros
from xlplugin.rules.reglement import Reglement
from xlplugin.workbook import layout as L
from xlplugin.workbook.book import Book
from xlplugin.workbook.cells import blank, to_cell
from xlplugin.workbook.functions import Context, ExpenseLines, case, read_row
from xlplugin.workbook.headers import find_header_row, map_columns
from xlplugin.workbook.journal import append_journal
from xlplugin.workbook.sheets import DossierSheet, WorkbookError, find_dossier_sheet, sheet_notes

READ_GROUPS = (L.IMPORTED, L.AGENT)  # the columns a row's judgement reads; computed ones are computed again
DUPLICATE_STATUS = "en double"  # the status of a dossier's second row: no rank, nothing allocated


@dataclass
class BookAllocation:
    """What the allocation found and wrote."""

    allocation: Allocation
    names: dict[int, str]
    scores: dict[int, Decimal | None]
    row_errors: dict[int, str] = field(default_factory=dict)  # dossier number → what to correct
    notes: list[str] = field(default_factory=list)  # what the agent should know (a dossier on two rows…)


def expense_lines(book: Book, reglement: Reglement) -> tuple[ExpenseLines, list[str]]:
    """The « Dépenses » lines the workbook's functions read — those the tool's names cover (``Dep_Dossier``…) —
    and a note on lines typed below them: Excel's functions do not see those, so the allocation does not count
    them either (the command line stretches the names first: ``setup.cover_expense_rows``; the button in Excel
    cannot)."""
    sheet = book.roles().get(L.DEPENSES)
    if sheet is None:
        raise WorkbookError(f"le classeur n'a pas de feuille « {L.DEPENSES} » : lancez guichet init --into")
    values = book.values(sheet)
    header_row = find_header_row(values, L.EXPENSE_TABLE, "dossier") or 1
    columns = map_columns(values[header_row - 1], L.EXPENSE_TABLE) if values else {}
    missing = [
        c.header for c in L.EXPENSE_TABLE.columns if c.key in ("dossier", "nature", "montant") and c.key not in columns
    ]
    if missing:
        raise WorkbookError(f"la feuille « {L.DEPENSES} » n'a pas les colonnes : {', '.join(missing)}")
    body = values[header_row:]
    notes = []
    end, below = below_expense_names(book, values)
    if below and end >= header_row:
        body = values[header_row:end]
        notes.append(
            f"« {sheet} », ligne{'s' if len(below) > 1 else ''} {', '.join(map(str, below[:10]))}"
            f"{' …' if len(below) > 10 else ''} : sous les lignes que lisent les fonctions du classeur (jusqu'à "
            f"la ligne {end}), {'elles ne comptent' if len(below) > 1 else 'elle ne compte'} ni dans l'assiette "
            "ni dans la répartition ; lancez guichet allocate --workbook, qui étend les noms des colonnes"
        )

    def column(key: str) -> list[Any]:
        index = columns.get(key)
        return [row[index - 1] if index and index - 1 < len(row) else None for row in body]

    lines = ExpenseLines(column("dossier"), column("nature"), column("montant"), column("departement"), reglement)
    return lines, notes


def below_expense_names(book: Book, values: list[list[Any]]) -> tuple[int, list[int]]:
    """The last row of « Dépenses » (``values``) the tool's names cover (``Dep_Dossier``…), and the rows below it
    that hold something; ``(0, [])`` when the workbook has no such name."""
    named = re.search(r"\$(\d+)$", book.marked_name("Dep_Dossier") or "")
    if named is None:
        return 0, []
    end = int(named.group(1))
    return end, [index + 1 for index in range(end, len(values)) if any(not blank(v) for v in values[index])]


IDENTITY = ("porteur", "siret", "intitule")  # what a document names, beside what the rules judge


@dataclass
class JudgedRow:
    """One dossier row of the workbook, judged by the rules core (``error``: why it could not be)."""

    number: int
    evaluation: Evaluation | None
    error: str | None = None


@dataclass
class JudgedBook:
    """Every dossier row of the workbook, judged, and the envelope shared over them."""

    sheet: DossierSheet
    rows: list[JudgedRow]
    allocation: Allocation
    scores: dict[int, Decimal | None]
    notes: list[str]


def evaluation_of_row(sheet: DossierSheet, number: int, lines: ExpenseLines, ctx: Context) -> Evaluation:
    """A row read as the Excel functions read their cells, judged by the one evaluation of the rules core."""
    cells = read_row(
        lambda key: sheet.cell(number, key), lambda key: L.DOSSIER_TABLE.by_key[key].group in READ_GROUPS, ctx
    )
    identity = {key: sheet.cell(number, key) for key in IDENTITY if key in sheet.columns}
    return case(cells, ctx, lines, identity)


def judge_book(book: Book, reglement: Reglement, sheet: str | None = None) -> JudgedBook:
    """Judge every dossier row of the workbook and share the envelope over them (nothing is written)."""
    dossiers = find_dossier_sheet(book, sheet)
    ctx = Context.of(reglement)  # the rows are judged by the règlement that shares the envelope
    lines, expense_notes = expense_lines(book, reglement)
    rows, candidates, scores, errors = [], [], {}, {}
    for number in dossiers.rows:
        try:
            evaluation = evaluation_of_row(dossiers, number, lines, ctx)
            candidate, scores[number] = evaluation.candidate(), evaluation.score.total
            rows.append(JudgedRow(number, evaluation))
        except AgentError as exc:
            errors[number] = str(exc)
            candidate, scores[number] = Candidate(number, True, None, None), None
            rows.append(JudgedRow(number, None, str(exc)))
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
    return JudgedBook(dossiers, rows, allocation, scores, sheet_notes(dossiers) + expense_notes)


def allocate_book(
    book: Book, reglement: Reglement, agent: str, sheet: str | None = None, now: datetime | None = None
) -> BookAllocation:
    """Allocate the envelope over the workbook's rows and write the result back into the workbook."""
    judged = judge_book(book, reglement, sheet)
    dossiers, allocation = judged.sheet, judged.allocation
    errors = {row.number: row.error for row in judged.rows if row.error is not None}
    names = {n: str(dossiers.cell(n, "porteur") or "") for n in dossiers.rows}
    result = BookAllocation(allocation, names, judged.scores, errors, judged.notes)
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
    keys = ("rang", "alloue", "statut")
    formats = [L.DOSSIER_TABLE.by_key[key].number_format for key in keys]
    first = dossiers.columns["rang"]
    side_by_side = [dossiers.columns[key] for key in keys] == [first, first + 1, first + 2]  # as the tool lays them
    grants = allocation.grants
    # A dossier's other rows (it counts once, on its first) are cleared: an « Alloué » left there from an
    # earlier allocation would count twice in every total of the column, beyond the envelope.
    lines = [(dossiers.rows[g.number], [g.rank, float(g.allocated), STATUS_LABELS[g.status]]) for g in grants]
    lines += [
        (row, [None, None, f"{DUPLICATE_STATUS} (ligne {rows[0]})"])
        for rows in dossiers.duplicates.values()
        for row in rows[1:]
    ]
    for row, values in lines:
        if side_by_side:  # one write for the three cells
            book.write(dossiers.name, row, first, [values], formats=formats)
            continue
        for key, value, fmt in zip(keys, values, formats, strict=True):
            book.write(dossiers.name, row, dossiers.columns[key], [[value]], formats=[fmt])


def _write_allocation_sheet(book: Book, result: BookAllocation) -> None:
    sheet = book.roles().get(L.REPARTITION)
    if sheet is None:
        raise WorkbookError(f"le classeur n'a pas de feuille « {L.REPARTITION} » : lancez guichet init --into")
    table = L.ALLOCATION_TABLE
    first = L.ALLOCATION_FIRST_ROW + 1
    # The rows of the previous allocation are cleared: the table's rows, never what stands under it (a note
    # of the office's). Without the table (deleted by hand), the rows filled from ``first`` down.
    last = book.table_last_row(sheet, table.table)
    if last is None:
        last = first - 1
        for row in book.values(sheet)[first - 1 :]:
            if all(v in (None, "") for v in row[: len(table.columns)]):
                break
            last += 1
    stale = max(0, last - first + 1)
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
    formats = [column.number_format for column in table.columns]
    book.resize_table(sheet, table.table, max(first, first + len(rows) - 1))
    book.follow_table_charts(sheet, table.table)  # « Montant alloué par dossier » follows the table's rows
    book.write(sheet, first, 1, rows + blank_rows, formats=formats, like_above=True)
