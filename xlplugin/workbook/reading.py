"""Reading a tracking workbook for what comes after the allocation: the annotations and decisions sent to
démarches-simplifiées, the decision documents.

``read_tracking`` judges every dossier row exactly as ``guichet allocate --workbook`` does (the same
``judge_book``: the rows read as the Excel functions read their cells, the one evaluation of the rules
core, the envelope shared by the rules), and gives with each row the cells the agent typed after the
committee (« Décision », « Date de décision »…). It writes nothing: the file is only read, and may be open
in Excel meanwhile.

When the workbook's « Alloué » column no longer says what the rules give (a note changed since the last
allocation), a note says so, and the documents refuse the acts of the dossiers concerned (an act would state an
amount the committee never saw): the agent reruns the allocation and checks it. Nothing is sent to
démarches-simplifiées then, nor while a dossier number is on two rows or mistyped, or a decision stands on a row
without a number (``Tracking.blocking``): each would send one dossier's figures or decision for another's, and a
write there cannot be undone.
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
from xlplugin.workbook.cells import AmbiguousNumber, blank, number_text
from xlplugin.workbook.package_book import PackageBook
from xlplugin.workbook.sheets import DossierSheet
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
    ds_version: str | None = None  # « Version reçue de démarches-simplifiées »: what the row was imported from


@dataclass
class Tracking:
    """What a tracking workbook says of its dossiers, judged by the rules."""

    path: Path
    sheet: str
    rows: list[TrackedRow]
    allocation: Allocation
    notes: list[str] = field(default_factory=list)  # what the agent should know (stale allocation…)
    # What forbids any write to démarches-simplifiées until the workbook is corrected (``blocking``): a write
    # there cannot be undone, and each of these would send one dossier's figures or decision for another.
    blocking: list[str] = field(default_factory=list)
    stale_note: str | None = None  # the note, among ``notes``, that « Alloué » is no longer the rules' (for
    # démarches-simplifiées it is among ``blocking``; the documents refuse the acts of those dossiers)
    stale: dict[int, Decimal | None] = field(default_factory=dict)  # those dossiers: what « Alloué » says
    versioned: bool = True  # the sheet has « Version reçue de démarches-simplifiées » (a workbook of before has not)

    def by_number(self) -> dict[int, TrackedRow]:
        return {row.number: row for row in self.rows}


def read_tracking(path: Path, reglement: Reglement, sheet: str | None = None) -> Tracking:
    """Read and judge the tracking workbook ``path`` (see the module docstring)."""
    try:
        book = PackageBook.open(path)
    except (OSError, XlsxError) as exc:
        raise UnreadableWorkbook.of(path, exc) from None
    try:
        judged = judge_book(book, reglement, sheet)
        return _tracking(path, judged)
    finally:
        book.close()


def _tracking(path: Path, judged: JudgedBook) -> Tracking:
    dossiers = judged.sheet
    grants = {g.number: g for g in judged.allocation.grants}
    rows = []
    stale: dict[int, Decimal | None] = {}
    for judged_row in judged.rows:
        number = judged_row.number
        cells = {
            L.DOSSIER_TABLE.by_key[key].header: dossiers.cell(number, key)
            for key in DECISION_KEYS
            if key in dossiers.columns
        }
        version = dossiers.cell(number, "version_ds") if "version_ds" in dossiers.columns else None
        version = None if blank(version) else str(version).strip()
        rows.append(
            TrackedRow(
                number,
                dossiers.rows[number],
                judged_row.evaluation,
                grants[number],
                cells,
                judged_row.error,
                version,
            )
        )
        typed = _amount(dossiers.cell(number, "alloue")) if "alloue" in dossiers.columns else None
        if "alloue" in dossiers.columns and typed != grants[number].allocated:
            stale[number] = typed
    notes = list(judged.notes)
    stale_note = None
    if stale:
        shown = ", ".join(map(str, list(stale)[:10])) + (" …" if len(stale) > 10 else "")
        stale_note = (
            f"la colonne « Alloué » de « {dossiers.name} » n'est plus à jour pour {len(stale)} dossier(s) ({shown}) : "
            "les montants que donnent les règles ont changé depuis la répartition ; relancez-la pour les voir "
            "dans le classeur"
        )
        notes.append(stale_note)
    return Tracking(
        path,
        dossiers.name,
        rows,
        judged.allocation,
        notes,
        _blocking(dossiers, list(stale)),
        stale_note,
        stale,
        "version_ds" in dossiers.columns,
    )


def _blocking(dossiers: DossierSheet, stale: list[int]) -> list[str]:
    """Why nothing may be sent to démarches-simplifiées from this workbook as it is (see ``Tracking``)."""
    name = dossiers.name
    found = [
        f"le dossier {number} figure sur plusieurs lignes de « {name} » ({', '.join(map(str, rows))}) : gardez-en une "
        "seule (une ligne au numéro mal tapé prendrait la place d'un autre dossier)"
        for number, rows in sorted(dossiers.duplicates.items())
    ]
    found += [
        f"ligne {row} de « {name} » : « {value} » n'est pas un n° de dossier"
        for row, value in sorted(dossiers.unreadable.items())
    ]
    decision = dossiers.columns.get("decision")
    if decision is not None:  # a decision typed on a row whose number was cleared or is no number
        dossier_rows = set(dossiers.rows.values()) | {r for rows in dossiers.duplicates.values() for r in rows}
        for index in range(dossiers.header_row, len(dossiers.values)):
            line = dossiers.values[index]
            typed = line[decision - 1] if decision - 1 < len(line) else None
            if index + 1 not in dossier_rows and index + 1 not in dossiers.unreadable and not blank(typed):
                found.append(f"ligne {index + 1} de « {name} » : une décision (« {typed} ») sans n° de dossier")
    if stale:
        shown = ", ".join(map(str, stale[:10])) + (" …" if len(stale) > 10 else "")
        found.append(
            f"la colonne « Alloué » de « {name} » ne dit plus ce que donnent les règles pour {len(stale)} dossier(s) "
            f"({shown}) : les montants et les rangs envoyés ne seraient pas ceux du classeur ; relancez la répartition "
            "(guichet allocate --workbook), vérifiez-la"
        )
    return found


def _amount(value: Any) -> Decimal | None:
    """What « Alloué » says: the tool writes a number; an amount typed as text (« 15 360 € ») is read as the
    documents read one (``cells.number_text``)."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(number_text(str(value)))
    except (InvalidOperation, AmbiguousNumber):
        return None
