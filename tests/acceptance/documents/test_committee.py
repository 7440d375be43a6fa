"""The committee's « état récapitulatif »: sections, amounts and totals from the rules, as XLSX and PDF."""

from __future__ import annotations

import subprocess
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.acceptance.documents.conftest import needs_libreoffice, needs_poppler
from xlplugin.documents import CommitteeList, committee_list, write_committee_pdf, write_committee_xlsx
from xlplugin.documents.committee import percent_format
from xlplugin.rules import Allocation, Evaluation, Reglement

D = Decimal


@pytest.fixture(scope="module")
def committee(evaluations: list[Evaluation], allocation: Allocation, reglement_ain: Reglement) -> CommitteeList:
    return committee_list(evaluations, allocation, reglement_ain)


@pytest.fixture(scope="module")
def workbook_path(committee: CommitteeList, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_committee_xlsx(committee, tmp_path_factory.mktemp("comite") / "etat.xlsx", date(2021, 11, 22))


def test_sections_follow_the_allocation(committee: CommitteeList, allocation: Allocation) -> None:
    assert [line.rank for line in committee.funded] == list(range(1, 21))
    assert [line.rank for line in committee.waiting] == list(range(21, 30))
    assert {line.number for line in committee.not_ranked} == {21000130, 21000131, 21000132}
    assert len(committee.ineligible) == 8
    for line in committee.funded:
        assert line.allocated == allocation.grant(line.number).allocated
    assert committee.funded[-1].status == "financé partiellement"


def test_totals_and_the_envelope_remainder(
    committee: CommitteeList, allocation: Allocation, reglement_ain: Reglement
) -> None:
    assert committee.envelope == reglement_ain.envelope == D("297000")
    assert committee.allocated_total == allocation.total == D("297000")
    assert committee.remainder == allocation.left == 0
    assert committee.proposed_total == D("311425")  # the partial dossier: 45 500 € by the rules, 31 075 € allocated
    waiting = sum((line.proposed or D("0") for line in committee.waiting), D("0"))
    assert committee.waiting_total == waiting + (D("45500") - D("31075"))


def test_ineligible_dossiers_show_their_motifs(committee: CommitteeList, evaluations: list[Evaluation]) -> None:
    reasons = {e.number: e.reasons for e in evaluations}
    for line in committee.ineligible:
        assert all(r.message in line.note for r in reasons[line.number])
        assert line.allocated == 0


def test_the_workbook_holds_the_list_with_french_formats(workbook_path: Path, committee: CommitteeList) -> None:
    sheet = load_workbook(workbook_path)["État récapitulatif"]
    cells = {(row, col): sheet.cell(row, col) for row in range(1, sheet.max_row + 1) for col in range(1, 14)}
    assert sheet["A1"].value == "État récapitulatif des dossiers – comité de programmation du 22 novembre 2021"
    assert sheet["A4"].value == "Enveloppe départementale" and D(str(sheet["D4"].value)) == D("297000")
    assert sheet["D7"].value == 0  # reste de l'enveloppe
    header = next(row for (row, col), cell in cells.items() if col == 1 and cell.value == "Rang")
    assert [sheet.cell(header, c).value for c in range(1, 14)][9:11] == ["Montant des règles", "Montant alloué"]
    first = header + 2  # the section title, then rank 1
    assert sheet.cell(first, 1).value == 1 and sheet.cell(first, 2).value == committee.funded[0].number
    assert D(str(sheet.cell(first, 11).value)) == committee.funded[0].allocated
    assert sheet.cell(first, 11).number_format == '[$-40C]#,##0" €"'
    assert sheet.cell(first, 8).number_format == "[$-40C]0 %"
    total_row = next(
        row for (row, col), cell in cells.items() if col == 1 and cell.value == "Total des dossiers proposés"
    )
    assert D(str(sheet.cell(total_row, 11).value)) == committee.allocated_total
    assert sheet.page_setup.orientation == "landscape" and sheet.print_title_rows == f"${header}:${header}"


def test_an_amount_with_cents_shows_them(workbook_path: Path, committee: CommitteeList) -> None:
    """21000101's assiette is 19 200,50 € (as its arrêté says): the list showed « 19 201 € »."""
    line = next(line for line in committee.funded if line.number == 21000101)
    assert line.eligible_cost == D("19200.50")
    sheet = load_workbook(workbook_path)["État récapitulatif"]
    row = next(r for r in range(1, sheet.max_row + 1) if sheet.cell(r, 2).value == 21000101)
    assert D(str(sheet.cell(row, 7).value)) == D("19200.50")
    assert sheet.cell(row, 7).number_format == '[$-40C]#,##0.00" €"'
    assert sheet.cell(row, 10).number_format == sheet.cell(row, 11).number_format == '[$-40C]#,##0" €"'
    assert percent_format(D("0.8333")) == "[$-40C]0.00 %" and percent_format(D("0.9")) == "[$-40C]0 %"


@needs_libreoffice
@needs_poppler
def test_the_pdf_of_the_list(workbook_path: Path, tmp_path: Path) -> None:
    pdf = write_committee_pdf(workbook_path, tmp_path)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "État récapitulatif des dossiers" in text
    assert "297 000 €" in text.replace("\u00a0", " ").replace("\u202f", " ")
    assert "19 200,50 €" in text.replace("\u00a0", " ").replace("\u202f", " ")  # 21000101's assiette, to the cent
    assert "19 201 €" not in text.replace("\u00a0", " ").replace("\u202f", " ")
    assert "Liste d'attente (9)" in text and "Dossiers inéligibles (8)" in text
