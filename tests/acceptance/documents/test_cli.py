"""The draft commands: ``comite`` on dossier files, ``documents`` saying plainly the workbook is not wired."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from batch.commands.documents import comite, documents
from tests.acceptance.documents.conftest import EXAMPLES, has_libreoffice


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
    assert result.exit_code == 1 and "Dossier 5 inutilisable" in result.output and "Traceback" not in result.output


def test_comite_needs_one_source(tmp_path: Path) -> None:
    result = CliRunner().invoke(comite, ["--sortie", str(tmp_path)])
    assert result.exit_code == 2 and "donnez soit --workbook, soit des fichiers" in result.output


def test_documents_says_the_workbook_reader_is_not_wired(tmp_path: Path) -> None:
    workbook = tmp_path / "suivi.xlsx"
    workbook.write_bytes(b"")
    result = CliRunner().invoke(documents, ["--workbook", str(workbook), "--sortie", str(tmp_path / "sortie")])
    assert result.exit_code == 1
    assert "La lecture des décisions dans le classeur de suivi n'est pas encore branchée" in result.output
    assert not (tmp_path / "sortie").exists()


@pytest.mark.parametrize("command", [documents, comite])
def test_every_option_has_a_french_help(command: click.Command) -> None:
    assert command.help
    for param in command.params:
        if isinstance(param, click.Option):
            assert param.help, f"{command.name} {param.opts}"
