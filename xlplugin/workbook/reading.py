"""Reading a tracking workbook for what comes after the allocation: the annotations and decisions sent to
démarches-simplifiées, the decision documents.

``read_tracking`` judges every dossier row exactly as ``guichet allocate --workbook`` does (the same
``judge_book``: the rows read as the Excel functions read their cells, the one evaluation of the rules
core, the envelope shared by the rules), and gives with each row the cells the agent typed after the
committee (« Décision », « Date de décision »…). It writes nothing: the file is only read, and may be open
in Excel meanwhile.

When the workbook's « Alloué » column no longer says what the rules give (a note changed since the last
allocation), a note says so: the figures sent or printed are the rules', the agent reruns the allocation
to see them in the workbook.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from xlplugin.rules.allocation import Allocation, Grant
from xlplugin.rules.evaluation import Evaluation
from xlplugin.rules.reglement import Reglement
from xlplugin.workbook import layout as L
from xlplugin.workbook.allocation import JudgedBook, judge_book
from xlplugin.workbook.package_book import PackageBook
from xlplugin.workbook.storage import UnreadableWorkbook
from xlplugin.xlsx import XlsxError

DECISION_KEYS = tuple(c.key for c in L.DOSSIER_TABLE.columns if c.group == L.DECISION)


@dataclass
class TrackedRow:
    """One dossier of the workbook: its row, its judgement, its grant, the cells typed after the committee
    (by header: « Décision », « Montant accordé »…)."""

    number: int
    row: int
    evaluation: Evaluation | None
    grant: Grant
    decision_cells: Mapping[str, Any]
    error: str | None = None


@dataclass
class Tracking:
    """What a tracking workbook says of its dossiers, judged by the rules."""

    path: Path
    sheet: str
    rows: list[TrackedRow]
    allocation: Allocation
    notes: list[str] = field(default_factory=list)  # what the agent should know (stale allocation…)

    def by_number(self) -> dict[int, TrackedRow]:
        return {row.number: row for row in self.rows}


def read_tracking(path: Path, reglement: Reglement, sheet: str | None = None) -> Tracking:
    """Read and judge the tracking workbook ``path`` (see the module docstring)."""
    try:
        book = PackageBook.open(path)
    except (OSError, XlsxError) as exc:
        raise UnreadableWorkbook(f"{path} n'est pas un classeur lisible : {exc}") from None
    try:
        judged = judge_book(book, reglement, sheet)
        return _tracking(path, judged)
    finally:
        book.close()


def _tracking(path: Path, judged: JudgedBook) -> Tracking:
    dossiers = judged.sheet
    grants = {g.number: g for g in judged.allocation.grants}
    rows = []
    stale = []
    for judged_row in judged.rows:
        number = judged_row.number
        cells = {
            L.DOSSIER_TABLE.by_key[key].header: dossiers.cell(number, key)
            for key in DECISION_KEYS
            if key in dossiers.columns
        }
        rows.append(
            TrackedRow(number, dossiers.rows[number], judged_row.evaluation, grants[number], cells, judged_row.error)
        )
        if "alloue" in dossiers.columns and _amount(dossiers.cell(number, "alloue")) != grants[number].allocated:
            stale.append(number)
    notes = list(judged.notes)
    if stale:
        shown = ", ".join(map(str, stale[:10])) + (" …" if len(stale) > 10 else "")
        notes.append(
            f"la colonne « Alloué » de « {dossiers.name} » n'est plus à jour pour {len(stale)} dossier(s) ({shown}) : "
            "les montants retenus ici sont ceux que donnent les règles ; relancez la répartition pour les voir "
            "dans le classeur"
        )
    return Tracking(path, dossiers.name, rows, judged.allocation, notes)


def _amount(value: Any) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))
    except InvalidOperation:
        return None
