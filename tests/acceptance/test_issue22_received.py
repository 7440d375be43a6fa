"""Issue 22, the received files: what `validate` passed and `import` then broke.

- an export whose « Déposé le » is not a date (a serial of 1E10 or -1E10, ``#N/A``) was valid, and the import
  emptied the deposit date the workbook held: that dossier is now invalid, named with its cell, and the
  workbook keeps its date;
- one text longer than a cell holds (32 767 characters) stopped the whole import (41 valid, 0 stored): that
  dossier alone is set aside, named with its field, by `validate` as by `import`.
"""

from __future__ import annotations

import json
import re
import shutil
import warnings
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner, Result

from batch.cli import main
from tests.conftest import EXAMPLES

EXPORT = Path(__file__).parent / "received" / "valid" / "export-instructeur.xlsx"
EXPORT_NUMBERS = [11000101, 11000102, 11000103, 11000104, 11000105]


def run(*args: Any) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def report(*paths: Path) -> dict[int, dict[str, Any]]:
    """The verdict of every dossier of ``paths``, by number (``guichet validate --format json``)."""
    result = run("validate", "--format", "json", *paths)
    assert "Traceback" not in result.output
    return {d["numero"]: d for f in json.loads(result.stdout)["fichiers"] for d in f["dossiers"]}


def sheet_values(path: Path, sheet: str) -> list[tuple[Any, ...]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return [tuple(row) for row in openpyxl.load_workbook(path)[sheet].iter_rows(values_only=True)]


# -- 3. a deposit date that is not a date


def export_with_deposit(target: Path, cell: str) -> Path:
    """The example export, dossier 11000101's « Déposé le » (cell H2) replaced by ``cell`` (its XML)."""
    with zipfile.ZipFile(EXPORT) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as copy:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                style = re.search(rb'<c r="H2" s="(\d+)"', data)
                assert style is not None
                replaced = cell.replace("STYLE", style.group(1).decode()).encode()
                data, count = re.subn(rb'<c r="H2"[^>]*>.*?</c>', replaced, data, count=1)
                assert count == 1
            copy.writestr(info, data)
    return target


BROKEN_DEPOSITS = {
    "serial-1E10": '<c r="H2" s="STYLE"><v>1E10</v></c>',
    "serial-minus-1E10": '<c r="H2" s="STYLE"><v>-1E10</v></c>',
    "error-NA": '<c r="H2" s="STYLE" t="e"><v>#N/A</v></c>',
    "text": '<c r="H2" t="inlineStr"><is><t>la semaine dernière</t></is></c>',
}


@pytest.mark.parametrize("name", BROKEN_DEPOSITS)
def test_an_export_whose_deposit_date_is_broken_sets_that_dossier_aside(tmp_path: Path, name: str) -> None:
    path = export_with_deposit(tmp_path / f"export-{name}.xlsx", BROKEN_DEPOSITS[name])
    result = run("validate", path)
    assert result.exit_code == 1 and "warn" not in result.stderr.lower(), result.output  # no English of openpyxl
    verdicts = report(path)
    assert sorted(verdicts) == EXPORT_NUMBERS
    broken = verdicts[11000101]
    assert not broken["valide"]
    (problem,) = broken["erreurs"]
    assert problem["champ"] == "Déposé le" and problem["pointeur"] == "Dossiers!H2"
    assert problem["code"] == "VALEUR_INVALIDE" and "date de dépôt" in problem["message"]
    assert all(verdicts[n]["valide"] for n in EXPORT_NUMBERS[1:])


def test_the_import_keeps_the_deposit_date_the_workbook_holds(tmp_path: Path) -> None:
    workbook = tmp_path / "suivi.xlsx"
    assert run("init", workbook).exit_code == 0
    assert run("import", EXPORT, "--workbook", workbook).exit_code == 0
    before = sheet_values(workbook, "Dossiers")
    header = before[0]
    number, deposit = header.index("N° dossier"), header.index("Déposé le")
    held = next(row[deposit] for row in before if row[number] == 11000101)
    assert held is not None
    broken = export_with_deposit(tmp_path / "export.xlsx", BROKEN_DEPOSITS["serial-1E10"])
    result = run("import", broken, "--workbook", workbook)
    assert result.exit_code == 1 and "dossier 11000101" in result.output and "date de dépôt" in result.output
    after = sheet_values(workbook, "Dossiers")
    assert next(row[deposit] for row in after if row[number] == 11000101) == held


# -- 11. a text longer than a cell


def with_title(source: Path, target: Path, title: str) -> Path:
    document = json.loads(source.read_text(encoding="utf-8"))
    document["projet"]["intitule"] = title
    target.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return target


@pytest.mark.parametrize(
    "title",
    ["x" * 32_768, "🚀" * 16_384],  # the second: 16 384 characters, 32 768 as a cell counts them (UTF-16)
    ids=["32768-characters", "16384-emoji"],
)
def test_validate_names_a_text_longer_than_a_cell(tmp_path: Path, title: str) -> None:
    path = with_title(EXAMPLES / "dossier-21000101.json", tmp_path / "dossier-21000101.json", title)
    verdict = report(path)[21000101]
    assert not verdict["valide"]
    (problem,) = verdict["erreurs"]
    assert problem["code"] == "TEXTE_TROP_LONG" and problem["pointeur"].endswith("/projet/intitule")
    assert "32\u202f768 caractères" in problem["message"] and "32\u202f767" in problem["message"]


def test_a_text_at_the_limit_is_valid(tmp_path: Path) -> None:
    path = with_title(EXAMPLES / "dossier-21000101.json", tmp_path / "dossier-21000101.json", "x" * 32_767)
    assert report(path)[21000101]["valide"]


def test_one_long_text_sets_its_dossier_aside_and_the_others_are_imported(tmp_path: Path) -> None:
    received = tmp_path / "recus"
    shutil.copytree(EXAMPLES, received)
    with_title(EXAMPLES / "dossier-21000103.json", received / "dossier-21000103.json", "x" * 40_000)
    workbook = tmp_path / "suivi.xlsx"
    assert run("init", workbook).exit_code == 0
    result = run("import", received, "--workbook", workbook)
    assert result.exit_code == 1, result.output
    assert "39 ajouté(s)" in result.output and "1 rejeté(s)" in result.output
    assert "dossier 21000103" in result.output and "40\u202f000 caractères" in result.output
    numbers = {row[0] for row in sheet_values(workbook, "Dossiers")[1:] if row[0]}
    assert len(numbers) == 39 and 21000103 not in numbers


def test_partners_joined_beyond_a_cell_set_their_dossier_aside(tmp_path: Path) -> None:
    """Each partner's name is short, but the workbook writes them joined in one cell: 1 200 names are more than a
    cell holds. The import sets that dossier aside, names the column, and imports the others."""
    document = json.loads((EXAMPLES / "dossier-21000128.json").read_text(encoding="utf-8"))
    partner = document["partenaires"][0]
    document["partenaires"] = [dict(partner, nom=f"Commune associée numéro {i:04d}") for i in range(1200)]
    received = tmp_path / "recus"
    received.mkdir()
    (received / "dossier-21000128.json").write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    shutil.copy(EXAMPLES / "dossier-21000101.json", received)
    workbook = tmp_path / "suivi.xlsx"
    assert run("init", workbook).exit_code == 0
    result = run("import", received, "--workbook", workbook)
    assert result.exit_code == 1, result.output
    assert "1 ajouté(s)" in result.output and "dossier 21000128" in result.output
    assert "« Structures associées »" in result.output and "Traceback" not in result.output
    assert {row[0] for row in sheet_values(workbook, "Dossiers")[1:] if row[0]} == {21000101}
