"""The commands: ``comite`` on dossier files or on the workbook, ``documents`` on the workbook's decided rows."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from batch.cli import main
from batch.commands.documents import comite, documents
from tests.acceptance.documents.conftest import EXAMPLES, has_libreoffice, office_decisions
from tests.acceptance.documents.test_workbook_source import decided_workbook
from xlplugin.rules import Allocation

DEMO = EXAMPLES.parent / "parametres-documents-demo.json"


def test_comite_writes_the_list_from_dossier_files(tmp_path: Path) -> None:
    files = [str(p) for p in sorted(EXAMPLES.glob("*.json"))]
    result = CliRunner().invoke(comite, [*files, "--sortie", str(tmp_path), "--date-comite", "22/11/2021"])
    assert result.exit_code == 0, result.output
    sheet = load_workbook(tmp_path / "etat-recapitulatif.xlsx")["État récapitulatif"]
    assert sheet["A1"].value.endswith("du 22 novembre 2021")
    assert (tmp_path / "etat-recapitulatif.pdf").is_file() == has_libreoffice()
    if not has_libreoffice():
        assert "LibreOffice n'est pas installé" in result.output


def test_comite_refuses_a_bad_date_and_a_bad_dossier(tmp_path: Path) -> None:
    example = str(next(EXAMPLES.glob("*.json")))
    result = CliRunner().invoke(comite, [example, "--sortie", str(tmp_path), "--date-comite", "2021-11-22"])
    assert result.exit_code == 2 and "écrivez la date JJ/MM/AAAA" in result.output
    bad = tmp_path / "bad.json"
    bad.write_text('{"numero": 5}', encoding="utf-8")
    result = CliRunner().invoke(comite, [str(bad), "--sortie", str(tmp_path)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "bad.json, dossier 5" in result.output and "« porteur »" in result.output


def test_comite_needs_one_source(tmp_path: Path) -> None:
    result = CliRunner().invoke(comite, ["--sortie", str(tmp_path)])
    assert result.exit_code == 2 and "donnez soit --workbook, soit des fichiers" in result.output


def test_documents_from_the_workbook_names_the_rows_to_correct_and_writes_the_others(
    allocation: Allocation, tmp_path: Path
) -> None:
    decisions = list(office_decisions(allocation).values())[:4]
    workbook = decided_workbook(tmp_path, decisions)
    book = load_workbook(workbook)
    sheet = book["Dossiers"]
    header = {cell.value: cell.column for cell in sheet[1]}
    row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 1).value == decisions[0].number)
    sheet.cell(row, header["Décision"], "ajournée")
    book.save(workbook)
    output = tmp_path / "sortie"
    result = CliRunner().invoke(
        main,
        ["documents", "--workbook", str(workbook), "--sortie", str(output), "--sans-pdf", "--parametres", str(DEMO)],
    )
    assert result.exit_code == 1, result.output
    assert f"Dossier {decisions[0].number}, Décision : « ajournée »" in result.stderr
    assert "pour 3 dossier(s)" in result.stdout
    written = {p.name for p in output.iterdir()}
    assert any(str(decisions[1].number) in name for name in written)
    assert not any(str(decisions[0].number) in name for name in written)


def test_documents_on_a_file_that_is_not_a_workbook_says_so(tmp_path: Path) -> None:
    workbook = tmp_path / "suivi.xlsx"
    workbook.write_bytes(b"")
    result = CliRunner().invoke(main, ["documents", "--workbook", str(workbook), "--sortie", str(tmp_path / "sortie")])
    assert result.exit_code == 1 and "n'est pas un classeur Excel" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "sortie").exists()


def test_comite_from_the_workbook(allocation: Allocation, tmp_path: Path) -> None:
    workbook = decided_workbook(tmp_path, [])
    result = CliRunner().invoke(
        main, ["comite", "--workbook", str(workbook), "--sortie", str(tmp_path / "comite"), "--sans-pdf"]
    )
    assert result.exit_code == 0, result.output
    sheet = load_workbook(tmp_path / "comite" / "etat-recapitulatif.xlsx")["État récapitulatif"]
    text = " ".join(str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None)
    assert str(next(g.number for g in allocation.grants if g.rank == 1)) in text


def test_comite_from_the_workbook_leaves_out_a_row_it_cannot_judge_and_lists_the_others(
    allocation: Allocation, tmp_path: Path
) -> None:
    """An office's own row (a number, nothing the rules can judge) never stops the committee's list."""
    workbook = decided_workbook(tmp_path, [])
    book = load_workbook(workbook)
    sheet = book["Dossiers"]
    sheet.cell(sheet.max_row + 1, 1, 99000001)
    book.save(workbook)
    result = CliRunner().invoke(
        main, ["comite", "--workbook", str(workbook), "--sortie", str(tmp_path / "comite"), "--sans-pdf"]
    )
    assert result.exit_code == 1, result.output
    assert "Dossier 99000001" in result.output and "absents de l'état) : dossiers 99000001" in result.output
    listed = load_workbook(tmp_path / "comite" / "etat-recapitulatif.xlsx")["État récapitulatif"]
    text = " ".join(str(c) for row in listed.iter_rows(values_only=True) for c in row if c is not None)
    assert "99000001" not in text
    assert all(str(g.number) in text for g in allocation.grants)


@pytest.mark.parametrize("command", [documents, comite])
def test_every_option_has_a_french_help(command: click.Command) -> None:
    assert command.help
    for param in command.params:
        if isinstance(param, click.Option):
            assert param.help, f"{command.name} {param.opts}"


def test_documents_remind_what_only_the_office_can_give(allocation: Allocation, tmp_path: Path) -> None:
    decisions = [d for d in office_decisions(allocation).values() if d.decision == "accordée"][:1]
    workbook = decided_workbook(tmp_path, decisions)
    shipped = (EXAMPLES.parent.parent / "templates" / "documents" / "parametres-documents.json").read_text("utf-8")
    settings = tmp_path / "parametres.json"
    settings.write_text(shipped.replace('"nom": "",', '"nom": "Camille Exemple",', 1), encoding="utf-8")
    output = tmp_path / "sortie"
    result = CliRunner().invoke(
        main,
        [
            "documents",
            "--workbook",
            str(workbook),
            "--sortie",
            str(output),
            "--sans-pdf",
            "--parametres",
            str(settings),
        ],
    )
    assert result.exit_code == 0, result.output
    unaddressed = "lettres sans adresse postale du bénéficiaire (colonne « Adresse du bénéficiaire ») : dossier(s)"
    assert f"{unaddressed} {decisions[0].number}" in result.stderr
    assert "imputation budgétaire absente" in result.stderr and "comptable assignataire absent" in result.stderr
    undated = "arrêtés sans « Vu l'avis du comité de programmation » (colonne « Date du comité » vide) : dossier(s)"
    assert undated not in result.stderr
    # The committee's date cleared (a reader of the guide found no page that asks for it): the arrêté loses its
    # « Vu l'avis du comité » line, and the agent is told so.
    book = load_workbook(workbook)
    sheet = book["Dossiers"]
    header = {cell.value: cell.column for cell in sheet[1]}
    row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 1).value == decisions[0].number)
    sheet.cell(row, header["Date du comité"]).value = None
    book.save(workbook)
    args = ["documents", "--workbook", str(workbook), "--sortie", str(tmp_path / "sortie-2"), "--sans-pdf"]
    result = CliRunner().invoke(main, [*args, "--parametres", str(settings)])
    assert result.exit_code == 0, result.output
    assert f"{undated} {decisions[0].number}" in result.stderr


def test_the_first_documents_without_settings_says_how_to_get_a_copy_to_fill_in_and_it_works(
    allocation: Allocation, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A tester's first « guichet documents » was told to fill in templates/documents/parametres-documents.json, a
    # path absent from the agent's folder (inside site-packages once installed). It now says how to get a copy.
    decisions = [d for d in office_decisions(allocation).values() if d.decision == "accordée"][:1]
    workbook = decided_workbook(tmp_path, decisions)
    monkeypatch.chdir(tmp_path)
    first = CliRunner().invoke(main, ["documents", "--workbook", str(workbook), "--sortie", "documents", "--sans-pdf"])
    assert first.exit_code == 1 and "Signataire inconnu" in first.stderr
    assert "templates/documents" not in first.stderr
    assert "guichet documents --modele-parametres parametres-documents.json" in first.stderr
    assert "--parametres parametres-documents.json" in first.stderr
    assert not Path("documents").exists()

    copied = CliRunner().invoke(main, ["documents", "--modele-parametres", "parametres-documents.json"])
    assert copied.exit_code == 0, copied.output
    assert "signataire.nom" in copied.stdout and "--parametres parametres-documents.json" in copied.stdout
    shipped = (EXAMPLES.parent.parent / "templates" / "documents" / "parametres-documents.json").read_text("utf-8")
    settings = Path("parametres-documents.json")
    assert settings.read_text("utf-8") == shipped
    again = CliRunner().invoke(main, ["documents", "--modele-parametres", "parametres-documents.json"])
    assert again.exit_code == 1 and "existe déjà" in again.stderr  # the office's filled-in copy is never replaced
    assert settings.read_text("utf-8") == shipped

    settings.write_text(shipped.replace('"nom": "",', '"nom": "Camille Exemple",', 1), encoding="utf-8")
    args = ["--workbook", str(workbook), "--sortie", "documents", "--sans-pdf", "--parametres", str(settings)]
    done = CliRunner().invoke(main, ["documents", *args])
    assert done.exit_code == 0, done.output
    assert any(str(decisions[0].number) in p.name for p in Path("documents").iterdir())
    # What the office still lacks is named in its own copy, not in the shipped file.
    assert "imputation.texte dans parametres-documents.json" in done.stderr


@pytest.mark.parametrize("typed", ["01/01/0001", "31/12/2100"])
def test_a_committee_date_out_of_the_possible_years_is_refused(tmp_path: Path, typed: str) -> None:
    workbook = decided_workbook(tmp_path, [])
    result = CliRunner().invoke(
        main, ["comite", "--workbook", str(workbook), "--sortie", str(tmp_path / "c"), "--date-comite", typed]
    )
    assert result.exit_code == 2 and "une date du 01/01/1900 au 31/12/2099" in result.output, result.output
