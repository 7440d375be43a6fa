"""« Paramètres » follows the règlement the tool applies: the workbook's formulas read its named cells
(« Répartition » shows ``=Enveloppe``), so Excel, once it recalculates, and the command agree."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from batch.cli import main
from tests.acceptance.workbook_engine import compute
from tests.conftest import EXAMPLES, ROOT
from xlplugin.workbook import layout as L

SHIPPED = ROOT / "xlplugin" / "data" / "reglement-ain-2021.json"


def run(*args: Any):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    path = tmp_path / "suivi.xlsx"
    assert run("init", path).exit_code == 0
    assert run("import", EXAMPLES, "--workbook", path).exit_code == 0
    return path


def topped_up(tmp_path: Path) -> Path:
    """The shipped règlement with the envelope topped up and another cap per dossier: the same rows."""
    doc = json.loads(SHIPPED.read_text(encoding="utf-8"))
    doc["enveloppe"]["montant"] = "350000.00"
    doc["plafonds"]["par_dossier"] = "40000.00"
    path = tmp_path / "reglement-complete.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def parameter(path: Path, label: str) -> Any:
    sheet = load_workbook(path)[L.PARAMETRES]
    return next(row[1] for row in sheet.iter_rows(min_row=5, values_only=True) if row[0] == label)


def test_an_allocation_under_another_reglement_brings_the_sheet_and_excels_envelope_to_it(workbook, tmp_path):
    other = topped_up(tmp_path)
    result = run("allocate", "--workbook", workbook, "--reglement", other)
    assert result.exit_code == 0, result.output
    assert "suit maintenant le règlement" in result.output
    assert "Enveloppe : 297\xa0000\xa0€ → 350\xa0000\xa0€" in result.output
    assert "Plafond par dossier : 50\xa0000\xa0€ → 40\xa0000\xa0€" in result.output
    assert parameter(workbook, "Enveloppe") == 350_000 and parameter(workbook, "Plafond par dossier") == 40_000
    assert parameter(workbook, "Taux maximum") == 1  # what did not change is left as it was
    sheet = load_workbook(workbook)[L.PARAMETRES]
    assert sheet["B5"].number_format == L.MONEY  # its format kept
    guide = [c.value for c in load_workbook(workbook)[L.GUIDE]["A"] if str(c.value).startswith("Enveloppe : ")]
    assert guide == ["Enveloppe : 350\xa0000\xa0€ — taux maximum 100\xa0% — plafond par dossier 40\xa0000\xa0€."]
    # Excel, recalculating, reads the envelope the command applied: the figure at rest and the formula agree.
    computed = compute(workbook)
    saved = load_workbook(workbook, data_only=True)[L.REPARTITION]
    summary = {r[0].value: r[1].value for r in saved.iter_rows(max_col=2)}
    assert computed[("RÉPARTITION", "B3")] == summary["Enveloppe"] == 350_000
    assert computed[("RÉPARTITION", "B5")] == summary["Reste"] == 350_000 - summary["Total alloué"]

    again = run("allocate", "--workbook", workbook, "--reglement", other)
    assert again.exit_code == 0 and "suit maintenant" not in again.output  # already there: nothing said
    back = run("allocate", "--workbook", workbook)  # the shipped règlement again
    assert "Enveloppe : 350\xa0000\xa0€ → 297\xa0000\xa0€" in back.output
    assert parameter(workbook, "Enveloppe") == 297_000


def test_an_import_under_another_reglement_brings_the_sheet_to_it_even_with_nothing_new(workbook, tmp_path):
    other = topped_up(tmp_path)
    result = run("import", EXAMPLES, "--workbook", workbook, "--reglement", other)
    assert result.exit_code == 0, result.output
    assert "Enveloppe : 297\xa0000\xa0€ → 350\xa0000\xa0€" in result.output
    assert parameter(workbook, "Enveloppe") == 350_000
    assert compute(workbook)[("RÉPARTITION", "B3")] == 350_000


def test_the_lite_code_and_the_sheet_move_to_a_reglement_together(workbook, tmp_path):
    other = topped_up(tmp_path)
    result = run("lite", "--into", workbook, "--reglement", other)
    assert result.exit_code == 0, result.output
    assert "Code xlwings Lite du classeur mis à jour" in result.output
    assert "Enveloppe : 297\xa0000\xa0€ → 350\xa0000\xa0€" in result.output
    assert parameter(workbook, "Enveloppe") == 350_000
    again = run("lite", "--into", workbook, "--reglement", other)
    assert "rien n'est modifié" in again.output and "suit maintenant" not in again.output


def test_a_sheet_without_the_reglements_rows_is_said_and_its_rebuilding_follows_the_advice(workbook, tmp_path):
    # A sheet whose rows are not the règlement's (another criterion, or a workbook of an older version): the
    # rows found are brought up to date, the others named, with what to do — which is then done.
    wb = load_workbook(workbook)
    sheet = wb[L.PARAMETRES]
    criterion = next(row[0] for row in sheet.iter_rows(min_row=5) if str(row[0].value).startswith("Critère"))
    label = criterion.value
    criterion.value = "Critère : ancien critère (points)"
    wb.save(workbook)
    other = topped_up(tmp_path)
    result = run("allocate", "--workbook", workbook, "--reglement", other)
    assert result.exit_code == 0, result.output
    assert "Enveloppe : 297\xa0000\xa0€ → 350\xa0000\xa0€" in result.output
    assert f"il lui manque : {label}" in result.output
    assert "elle a en trop : Critère : ancien critère (points)" in result.output
    assert "supprimez-la dans Excel, puis lancez guichet init --into sur ce classeur" in result.output

    # What Excel does when the sheet is deleted: the sheet goes, its names point nowhere.
    wb = load_workbook(workbook)
    del wb[L.PARAMETRES]
    for name in list(wb.defined_names):
        if "Param" in str(wb.defined_names[name].attr_text):
            wb.defined_names[name].attr_text = "#REF!"
    wb.save(workbook)
    rebuilt = run("init", "--into", workbook, "--reglement", other)
    assert rebuilt.exit_code == 0, rebuilt.output
    assert f"Feuilles ajoutées à {workbook} : {L.PARAMETRES}" in rebuilt.output
    assert f"guichet lite --into {workbook} --reglement {other}" in rebuilt.output  # the Lite code: the same one
    again = run("allocate", "--workbook", workbook, "--reglement", other)
    assert again.exit_code == 0 and "il lui manque" not in again.output and "suit maintenant" not in again.output
    assert parameter(workbook, "Enveloppe") == 350_000 and parameter(workbook, label) is not None
    names = load_workbook(workbook).defined_names
    assert names["Enveloppe"].attr_text == "'Paramètres'!$B$5"
    assert compute(workbook)[("RÉPARTITION", "B3")] == 350_000
