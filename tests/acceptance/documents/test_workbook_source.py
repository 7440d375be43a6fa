"""The office's decision columns read from one workbook row, and the workbook reader: the records it gives are
those the dossier files give (the same rules, the same allocation)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from batch.cli import main
from tests.acceptance.documents.conftest import EXAMPLES, office_decisions
from xlplugin.documents import DecisionError, OfficeDecision, Payment
from xlplugin.documents.record import DecisionRecord
from xlplugin.documents.workbook_source import (
    PROPOSED_COLUMNS,
    decision_from_cells,
    read_evaluations,
    read_records,
)
from xlplugin.rules import Allocation, default_reglement
from xlplugin.workbook import layout as L


def test_an_undecided_row_gives_no_decision() -> None:
    assert decision_from_cells(1, {}) is None
    assert decision_from_cells(1, {"Décision": "  "}) is None


def test_a_granted_row_with_payments_as_excel_gives_them() -> None:
    row = {
        "Décision": "Accordée",
        "Date de décision": datetime(2021, 11, 29),
        "N° d'arrêté": 2021101.0,
        "Date du comité": "22/11/2021",
        "Montant accordé": None,
        "N° EJ Chorus": "2103456789",
        "Avance": 5760.0,
        "Date de l'avance": date(2021, 12, 10),
        "Acompte 1": "4 000,50 €",
        "Date de l'acompte 1": "02/05/2022",
        "Acompte 2": None,
        "Solde": 0,
    }
    decision = decision_from_cells(21000101, row)
    assert decision is not None
    assert decision.decided_on == date(2021, 11, 29) and decision.committee_on == date(2021, 11, 22)
    assert decision.order_number == "2021101" and decision.chorus_commitment == "2103456789"
    assert decision.amount is None
    assert decision.payments == (
        Payment("avance", Decimal("5760"), date(2021, 12, 10)),
        Payment("acompte", Decimal("4000.50"), date(2022, 5, 2)),
    )


def test_a_float_amount_keeps_its_cents() -> None:
    decision = decision_from_cells(1, {"Décision": "accordée", "Date de décision": "29/11/2021", "Avance": 1234.56})
    assert decision is not None and decision.payments[0].amount == Decimal("1234.56")


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        ({"Décision": "ajournée"}, "Dossier 7, Décision : « ajournée » : choisissez « accordée » ou « refusée »"),
        ({"Décision": "refusée"}, "Dossier 7, Date de décision : date manquante"),
        ({"Décision": "refusée", "Date de décision": "2021-11-29"}, "« 2021-11-29 » n'est pas une date ; écrivez-la"),
        ({"Décision": "accordée", "Date de décision": "29/11/2021", "Avance": "beaucoup"}, "Avance : « beaucoup »"),
        (
            {"Décision": "accordée", "Date de décision": "29/11/2021", "Solde": -5.0},
            "Solde : « -5.0 » : un montant positif",
        ),
        ({"Décision": "accordée", "Date de décision": "29/11/2021", "Montant accordé": 10.123}, "au centime près"),
    ],
)
def test_a_bad_cell_is_named(cells: dict[str, object], message: str) -> None:
    with pytest.raises(DecisionError) as caught:
        decision_from_cells(7, cells)
    assert message in str(caught.value)


def test_proposed_columns_have_french_headers_and_the_amount_left_is_computed() -> None:
    headers = [c.header for c in PROPOSED_COLUMNS]
    assert len(headers) == len(set(headers))
    assert {"Décision", "Date de décision", "N° d'arrêté", "N° EJ Chorus", "Reste à payer"} <= set(headers)
    computed = {c.header for c in PROPOSED_COLUMNS if c.kind == "calcul"}
    assert computed == {"Reste à payer", "Trop-perçu", "Contrôle des versements"}


def decided_workbook(folder: Path, decisions: list[OfficeDecision]) -> Path:
    """The examples imported, allocated, and the conftest's decisions typed in the decision columns."""
    workbook = folder / "suivi.xlsx"
    for args in (
        ["init", workbook],
        ["import", EXAMPLES, "--workbook", workbook],
        ["allocate", "--workbook", workbook],
    ):
        result = CliRunner().invoke(main, [str(a) for a in args])
        assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(workbook)
    sheet = book[L.DOSSIERS]
    header = {cell.value: cell.column for cell in sheet[1]}
    rows = {sheet.cell(r, 1).value: r for r in range(2, sheet.max_row + 1)}
    for decision in decisions:
        row = rows[decision.number]
        sheet.cell(row, header["Décision"], decision.decision)
        sheet.cell(row, header["Date de décision"], datetime.combine(decision.decided_on, datetime.min.time()))
        sheet.cell(row, header["Date du comité"], datetime(2021, 11, 22))
        sheet.cell(row, header["N° d'arrêté"], decision.order_number or None)
        sheet.cell(row, header["Motif du refus"], decision.refusal_motif or None)
        sheet.cell(row, header["Fondement de la dérogation L1111-10"], decision.derogation_ground or None)
        sheet.cell(row, header["Décision de dérogation L1111-10"], decision.derogation_reference or None)
    book.save(workbook)
    return workbook


def test_the_workbook_gives_the_records_the_files_give(
    records: list[DecisionRecord], allocation: Allocation, tmp_path: Path
) -> None:
    workbook = decided_workbook(tmp_path, list(office_decisions(allocation).values()))
    found = read_records(workbook, default_reglement())
    assert not found.problems
    by_number = {r.number: r for r in found.records}
    assert set(by_number) == {r.number for r in records}
    for expected in records:
        got = by_number[expected.number]
        assert (got.decision, got.amount, got.eligible_cost, got.rate, got.allocated, got.rank) == (
            expected.decision,
            expected.amount,
            expected.eligible_cost,
            expected.rate,
            expected.allocated,
            expected.rank,
        ), expected.number
        assert got.beneficiary_name == expected.beneficiary_name and got.project_title == expected.project_title
        assert got.beneficiary_siret == expected.beneficiary_siret
        assert [m.code for m in got.motifs] == [m.code for m in expected.motifs]


def test_a_bad_decision_row_is_named_and_the_others_are_read(allocation: Allocation, tmp_path: Path) -> None:
    decisions = list(office_decisions(allocation).values())[:3]
    workbook = decided_workbook(tmp_path, decisions)
    book = openpyxl.load_workbook(workbook)
    sheet = book[L.DOSSIERS]
    header = {cell.value: cell.column for cell in sheet[1]}
    rows = {sheet.cell(r, 1).value: r for r in range(2, sheet.max_row + 1)}
    bad, closed = decisions[0].number, decisions[1].number
    sheet.cell(rows[bad], header["Date de décision"], "le 29 novembre")
    sheet.cell(rows[closed], header["Décision"], "classée sans suite")  # no document of its own
    book.save(workbook)
    found = read_records(workbook, default_reglement())
    assert [p for p in found.problems if f"Dossier {bad}, Date de décision" in p and "JJ/MM/AAAA" in p]
    assert {r.number for r in found.records} == {d.number for d in decisions} - {bad, closed}
    assert len(found.problems) == 1


def test_the_committee_list_from_the_workbook_is_the_one_from_the_files(
    records: list[DecisionRecord], allocation: Allocation, tmp_path: Path
) -> None:
    workbook = decided_workbook(tmp_path, [])
    evaluations, from_workbook, notes = read_evaluations(workbook, default_reglement())
    assert not notes
    assert len(evaluations) == 40
    assert from_workbook.grants == allocation.grants
