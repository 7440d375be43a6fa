"""The tracking workbook: built by ``guichet init``, filled with the example dossiers, its formulas
computed without Excel (the ``formulas`` engine with our functions registered) and compared, cell by cell,
with what ``guichet evaluate`` says of each dossier."""

from __future__ import annotations

import inspect
import json
import re
import subprocess
from decimal import Decimal

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from batch.cli import main
from tests.acceptance.workbook_engine import compute, tracking_workbook, udf_functions
from tests.conftest import EXAMPLES
from xlplugin.rules import default_reglement, evaluate, read_dossier
from xlplugin.workbook import layout as L


@pytest.fixture(scope="module")
def dossiers():  # type: ignore[no-untyped-def]
    reglement = default_reglement()
    return [read_dossier(json.loads(p.read_text(encoding="utf-8")), reglement) for p in sorted(EXAMPLES.glob("*.json"))]


@pytest.fixture(scope="module")
def filled(tmp_path_factory, dossiers):  # type: ignore[no-untyped-def]
    return tracking_workbook(tmp_path_factory.mktemp("suivi") / "suivi.xlsx", dossiers)


@pytest.fixture(scope="module")
def computed(filled):  # type: ignore[no-untyped-def]
    return compute(filled)


def cell(computed, key: str, row: int):  # type: ignore[no-untyped-def]
    return computed[(L.DOSSIERS.upper(), f"{L.DOSSIER_TABLE.letters[key]}{row}")]


def test_every_computed_cell_equals_what_guichet_evaluate_says(computed, dossiers):
    reglement = default_reglement()
    for row, dossier in enumerate(dossiers, start=2):
        ev = evaluate(dossier, reglement)
        assert cell(computed, "numero", row) == dossier.number
        assert cell(computed, "eligible", row) == ("Oui" if ev.eligible else "Non"), dossier.number
        motifs = cell(computed, "motifs", row)
        if not ev.reasons:
            assert motifs == "Aucun", dossier.number
        else:
            assert [line.split(" : ", 1)[0] for line in motifs.splitlines()] == [r.code for r in ev.reasons]
            assert [line.split(" : ", 1)[1] for line in motifs.splitlines()] == [r.message for r in ev.reasons]
        assert Decimal(repr(cell(computed, "assiette", row))) == ev.cost.total
        assert Decimal(repr(cell(computed, "assiette_investissement", row))) == ev.cost.investment
        note = cell(computed, "note", row)
        if ev.score.total is None:
            assert note == "à apprécier"
        else:
            assert Decimal(repr(note)) == ev.score.total, dossier.number
        taux = cell(computed, "taux", row)
        montant = cell(computed, "montant", row)
        if ev.eligible and ev.rate is not None:
            assert Decimal(repr(taux)) == ev.rate.value
            assert Decimal(repr(montant)) == ev.granted, dossier.number
        elif not ev.eligible:
            assert montant == 0
        else:  # population unknown: a message, never an invented rate
            assert taux.startswith("Erreur : population inconnue")
            assert montant.startswith("Erreur :")


def test_every_function_of_the_workbook_exists_with_a_compatible_number_of_arguments(filled):
    functions = udf_functions()
    builtins = {
        "SUM",
        "SUMPRODUCT",
        "ISNUMBER",
        "COUNTIF",
        "MAX",
        "IF",
        "N",
        "INT",
        "MID",
        "ROUND",
        "ROUNDDOWN",
        "AND",
        "OR",
    }
    workbook = load_workbook(filled)
    seen = set()
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for c in row:
                if not (isinstance(c.value, str) and c.value.startswith("=")):
                    continue
                for stored, args in _calls(c.value):
                    name = stored.removeprefix("_xldudf_")  # how xlwings Lite's functions are stored
                    seen.add(name)
                    if name in builtins:
                        continue
                    assert name in functions, f"{sheet.title}!{c.coordinate} : {name} inconnue"
                    parameters = inspect.signature(functions[name]).parameters.values()
                    required = sum(1 for p in parameters if p.default is inspect.Parameter.empty)
                    assert required <= args <= len(parameters), f"{sheet.title}!{c.coordinate} : {name}/{args}"
    assert {"SUBV_ELIGIBLE", "SUBV_NOTE", "SUBV_TAUX", "SUBV_MONTANT", "SUBV_ASSIETTE"} <= seen


def _calls(formula: str) -> list[tuple[str, int]]:
    """(function name, number of arguments) of each call in a formula (strings and nesting handled)."""
    text = re.sub(r'"[^"]*"', '""', formula)
    calls = []
    for match in re.finditer(r"([A-Za-z_][A-Za-z0-9_.]*)\(", text):
        depth, count, position = 0, 1, match.end()
        if text[position] == ")":
            count = 0
        for char in text[position:]:
            if char == "(":
                depth += 1
            elif char == ")":
                if depth == 0:
                    break
                depth -= 1
            elif char == "," and depth == 0:
                count += 1
        calls.append((match.group(1).removeprefix("_XLUDF."), count))
    return calls


def test_guichet_init_writes_the_workbook_an_agent_understands(tmp_path):
    path = tmp_path / "suivi.xlsx"
    result = CliRunner().invoke(main, ["init", str(path)])
    assert result.exit_code == 0, result.output
    workbook = load_workbook(path)
    assert workbook.sheetnames == [
        L.GUIDE,
        L.DOSSIERS,
        L.DEPENSES,
        L.PARAMETRES,
        L.REPARTITION,
        L.JOURNAL,
        L.XLWINGS_CONF,
    ]
    dossiers = workbook[L.DOSSIERS]
    assert [c.value for c in dossiers[1]] == [c.header for c in L.DOSSIER_TABLE.columns]
    assert "TableDossiers" in dossiers.tables
    assert dossiers.freeze_panes == "B2"
    assert dossiers.page_setup.orientation == "landscape"
    assert any('"0,1,2,3"' in v.formula1 for v in dossiers.data_validations.dataValidation)
    assert workbook[L.XLWINGS_CONF]["B1"].value == "xlplugin.excel.udfs"
    assert {"Enveloppe", "Dep_Montant", "Plafond_par_dossier"} <= set(workbook.defined_names)
    parameters = workbook[L.PARAMETRES]
    assert parameters.protection.sheet
    assert any("CHOIX LOCAL" in str(c.value) for c in parameters["C"])
    sourced = {row[0].value: str(row[2].value) for row in parameters.iter_rows() if row[0].value}
    assert "L1111-10" not in sourced["Plafond par dossier"] and "50 000" in sourced["Plafond par dossier"]
    assert "L1111-10" in sourced["Participation minimale du maître d'ouvrage"]
    assert "50 000" not in sourced["Participation minimale du maître d'ouvrage"]
    assert workbook[L.REPARTITION]._charts  # the chart of the allocation


def test_the_drop_down_lists_cover_every_row_and_excel_shows_their_messages(tmp_path):
    # Found by a user trial: the lists stopped at row 2 001, Excel showed neither their prompt nor their error
    # (openpyxl's defaults), and « Fondement de la dérogation L1111-10 » had none: the codes guichet documents
    # accepts had to be found in its settings file.
    from xlplugin.documents.settings import default_document_settings

    path = tmp_path / "suivi.xlsx"
    assert CliRunner().invoke(main, ["init", str(path)]).exit_code == 0
    workbook = load_workbook(path)
    by_column = {}
    for sheet in (L.DOSSIERS, L.DEPENSES):
        for validation in workbook[sheet].data_validations.dataValidation:
            assert validation.showErrorMessage and validation.showInputMessage, validation.sqref
            for cells in str(validation.sqref).split():
                first, last = cells.split(":")
                assert first.endswith("2") and last.endswith("1048576"), cells  # below the header, to the end
                by_column[(sheet, first.rstrip("0123456789"))] = validation
    grounds = by_column[(L.DOSSIERS, L.DOSSIER_TABLE.letters["derogation_fondement"])]
    offered = grounds.formula1.strip('"').split(",")
    settings = default_document_settings()
    assert offered == [g.code for g in settings.derogation_grounds]
    assert all(settings.derogation_ground(code) is not None for code in offered)  # what documents accepts
    assert grounds.errorStyle == "warning"  # an office's own settings may list others
    decisions = by_column[(L.DOSSIERS, L.DOSSIER_TABLE.letters["decision"])]
    assert decisions.errorStyle in (None, "stop")


def test_guichet_init_never_replaces_a_file(tmp_path):
    path = tmp_path / "suivi.xlsx"
    path.write_bytes(b"the office's work")
    result = CliRunner().invoke(main, ["init", str(path)])
    assert result.exit_code == 1
    assert "existe déjà" in result.stderr
    assert path.read_bytes() == b"the office's work"


def test_applicant_text_that_looks_like_a_formula_stays_text(tmp_path, dossiers):
    from dataclasses import replace

    hostile = replace(dossiers[0], project=replace(dossiers[0].project, title='=HYPERLINK("http://x.invalid")'))
    path = tracking_workbook(tmp_path / "suivi.xlsx", [hostile])
    title = load_workbook(path)[L.DOSSIERS][f"{L.DOSSIER_TABLE.letters['intitule']}2"]
    assert title.value == '=HYPERLINK("http://x.invalid")'
    assert title.data_type == "s"


@pytest.mark.needs("soffice")
def test_libreoffice_opens_the_workbook_without_repair(filled, tmp_path):
    done = subprocess.run(
        ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(filled)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "suivi.pdf").stat().st_size > 10_000
