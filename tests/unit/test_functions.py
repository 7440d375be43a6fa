"""The Excel functions declared once: the declaration drives the formulas the workbook gets, the reading of
a row, the functions' results and the README; a function and a row give what the rules give."""

from __future__ import annotations

import ast
import subprocess
import sys
from datetime import date, datetime
from decimal import Decimal as D
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import ROOT
from xlplugin.rules import default_reglement, evaluate
from xlplugin.workbook import functions as functions_module
from xlplugin.workbook import layout as L
from xlplugin.workbook.functions import FUNCTIONS, INPUTS, Call, Cells, Context, ExpenseLines, case, read_row

CTX = Context.of(default_reglement())


def test_every_function_reads_declared_inputs_and_every_input_is_read():
    used = {name for function in FUNCTIONS.values() for name in function.inputs}
    assert used <= set(INPUTS)
    assert set(INPUTS) == used  # « date_depot »: the tie-breaks and the rule of décret 2018-514, art. 5, II
    for spec in INPUTS.values():
        assert spec.column is None or spec.column in L.DOSSIER_TABLE.by_key, spec.name
        assert spec.help and spec.help[0].isupper()


def test_the_formulas_are_made_from_the_declaration():
    table = L.DOSSIER_TABLE
    assert (
        table.formula("assiette_investissement", 7)
        == '=SUBV_ASSIETTE(A7,Dep_Dossier,Dep_Nature,Dep_Montant,"investissement")'
    )
    assert table.formula("taux", 2) == "=SUBV_TAUX(G2,U2,S2,T2,R2,Q2,H2,I2)"
    for column in table.columns:
        if isinstance(column.formula, Call):
            function = FUNCTIONS[column.formula.function]
            arguments = table.formula(column.key, 2)[len(function.name) + 2 : -1].split(",")
            assert len(arguments) in (len(function.inputs), len(function.inputs) - 1), column.key


def test_a_row_is_read_by_its_imported_and_agent_columns_only():
    read = []
    cells = read_row(lambda key: read.append(key), lambda key: L.DOSSIER_TABLE.by_key[key].group != L.COMPUTED, CTX)
    assert "taux" not in cells and "eligible" not in cells and "assiette" not in cells
    assert {"population", "impact", "cout_total", "date_depot"} <= set(cells)


def _row(**changes: object) -> dict[str, object]:
    row: dict[str, object] = {
        "numero": 7,
        "type_porteur": "Commune",
        "code_porteur": "01005",
        "projet_commun": "Non",
        "axes": "Service en ligne, dématérialisation ou accompagnement des agents aux outils numériques",
        "date_debut": date(2021, 10, 1),
        "date_fin": date(2022, 9, 30),
        "population": 1751,
        "nb_agents": 10,
        "agents_beneficiaires": 5,
        "usagers_beneficiaires": 100,
        "participative": "Non",
        "labo": "Non",
        "cout_total": 10000,
        "sollicite": 10000,
        "autres_financements": None,
        "impact": 2,
        "besoin": 3,
        "derogation": "Non",
    }
    row.update(changes)
    return row


def test_a_row_and_the_functions_of_that_row_agree(make):
    lines = ExpenseLines([7], ["Formation"], [10000], ["01"], default_reglement())
    row = case(Cells(_row(), CTX), CTX, lines)
    file = evaluate(make(appreciation={"impact": 2, "besoin": 3}))  # the same dossier read from a file
    assert (row.eligible, row.score.total, row.granted) == (file.eligible, file.score.total, file.granted)
    rate = FUNCTIONS["SUBV_TAUX"]([1751, 10000, "Non", "Non", 100, 5, 10, "Non"], CTX)
    amount = FUNCTIONS["SUBV_MONTANT"](["Oui", 10000, 0, rate, 10000, None, "Non"], CTX)
    assert (rate, amount) == (row.funding_rate.value, row.granted) == (D("1.00"), D("10000"))


def test_a_bad_cell_that_a_function_does_not_need_does_not_fail_it():
    assert FUNCTIONS["SUBV_MONTANT"](["Non", "beaucoup", 0, "Erreur : population inconnue", "?", None, "x"], CTX) == 0


def test_an_error_shown_by_another_function_is_passed_on_as_it_is():
    upstream = FUNCTIONS["SUBV_ELIGIBLE"].shown(["Commune", None, "Non", None, None, None, "x", None, None, 1], CTX)
    assert upstream.startswith("Erreur : code du porteur")
    amount = FUNCTIONS["SUBV_MONTANT"].shown([upstream, 10000, 0, 1, 10000, None, "Non"], CTX)
    assert amount == upstream  # the cause, not « « Erreur : … » n'est ni Oui ni Non »


def test_a_cell_value_is_read_once_for_every_function_and_a_bad_one_still_fails_each():
    memo: dict = {}
    axis = "Formation et sensibilisation des agents à l'inclusion numérique"
    good = ["Commune", "01004", "Non", None, None, "Mme Martin", axis, date(2021, 3, 1), date(2022, 6, 30), 20000]
    first = FUNCTIONS["SUBV_ELIGIBLE"].shown(good, CTX, memo)
    assert first == "Oui" and ("type_porteur", str, "Commune") in memo
    assert FUNCTIONS["SUBV_MOTIFS"].shown(good, CTX, memo) == FUNCTIONS["SUBV_MOTIFS"].shown(good, CTX) == "Aucun"
    bad = ["Commune", "01004", "peut-être", *good[3:]]
    # a reading is reused only for the same value of the same input: another value is read (and fails) anew
    assert FUNCTIONS["SUBV_ELIGIBLE"].shown(bad, CTX, memo).startswith("Erreur")
    assert ("projet_commun", str, "peut-être") not in memo
    assert FUNCTIONS["SUBV_ELIGIBLE"].shown(good, CTX, memo) == first
    other = ["Association", *good[1:]]  # another value: another dossier
    assert FUNCTIONS["SUBV_MOTIFS"].shown(other, CTX, memo).startswith("PORTEUR_NON_ELIGIBLE")
    assert FUNCTIONS["SUBV_MOTIFS"].shown(good, CTX, memo) == "Aucun"
    # 1 and True are equal keys for a dict, not the same cell: the type is part of the key
    assert FUNCTIONS["SUBV_TAUX"].shown([1751, 10000, True, "Non", 100, 5, 10, "Non"], CTX, memo) == (
        FUNCTIONS["SUBV_TAUX"].shown([1751, 10000, True, "Non", 100, 5, 10, "Non"], CTX)
    )


def test_asking_whether_a_cell_is_given_does_not_read_it():
    cells = Cells({"cout_total": "beaucoup"}, CTX)
    assert "cout_total" in cells and "sollicite" not in cells


def test_the_dossier_of_a_function_reads_only_declared_names_in_its_reading_order():
    # ``_dossier`` reads the given cells into a dict first (in this order, so that the first bad cell is the
    # one reported): a name it looks up but does not list would silently be empty.
    source = Path(functions_module.__file__).read_text(encoding="utf-8")
    tree = next(n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.FunctionDef) and n.name == "_dossier")
    looked_up = {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "get"
        and isinstance(node.args[0], ast.Constant)
    }
    assert looked_up == set(functions_module._PROJECT_INPUTS) | set(functions_module._FUNDING_INPUTS) - {
        "impact",
        "besoin",
    }
    assert {"impact", "besoin"} <= set(functions_module._FUNDING_INPUTS)  # read by the assessment's loop
    assert set(functions_module._PROJECT_INPUTS + functions_module._FUNDING_INPUTS) <= set(INPUTS)


def test_a_formula_made_once_for_every_row_is_the_formula_of_each_row():
    for column in L.DOSSIER_TABLE.columns:
        if column.formula is None:
            continue
        made = L.DOSSIER_TABLE.formula_of_rows(column.key, names={"Dep_Dossier": "Dep_Dossier_2"}, prefix="_x_")
        for row in (2, 10, 1_048_576):
            assert made(row) == L.DOSSIER_TABLE.formula(
                column.key, row, names={"Dep_Dossier": "Dep_Dossier_2"}, prefix="_x_"
            )


def test_the_reference_lists_the_functions_as_declared():
    done = subprocess.run([sys.executable, str(ROOT / "tools" / "functions_doc.py"), "--check"], capture_output=True)
    assert done.returncode == 0, done.stderr.decode()


LAYERS = {  # a package may import only the ones listed (and itself)
    "xlplugin/rules": {"xlplugin.rules", "xlplugin.errors", "xlplugin.shipped", "xlplugin.data", "xlplugin.schemas"},
    "xlplugin/workbook": {
        "xlplugin.rules",
        "xlplugin.workbook",
        "xlplugin.xlsx",
        "xlplugin.errors",
        "xlplugin.shipped",
        "xlplugin.templates",
        "xlplugin.batches",
        "xlplugin.grouping",
    },
    "xlplugin/xlsx": {"xlplugin.xlsx", "xlplugin.errors", "xlplugin.grouping"},
    "xlplugin/intake": {
        "xlplugin.rules",
        "xlplugin.workbook",
        "xlplugin.intake",
        "xlplugin.errors",
        "xlplugin.shipped",
        "xlplugin.templates",
        "xlplugin.schemas",  # the compiled validators of the DS dossier's champs (ds_shape)
        "xlplugin.batches",
        "xlplugin.grouping",
    },
    "xlplugin/documents": {
        "xlplugin.rules",
        "xlplugin.workbook",
        "xlplugin.documents",
        "xlplugin.errors",
        "xlplugin.shipped",
        "xlplugin.templates",
    },
    "xlplugin/ds": {  # documents: a decision is sent only when its act can be established
        "xlplugin.documents",
        "xlplugin.rules",
        "xlplugin.workbook",
        "xlplugin.intake",
        "xlplugin.ds",
        "xlplugin.errors",
        "xlplugin.grouping",
        "xlplugin.shipped",
        "xlplugin.templates",
    },
    "xlplugin/excel": {  # xlsx: xlwings Lite's code is kept in the file's web extension part
        "xlplugin.rules",
        "xlplugin.workbook",
        "xlplugin.xlsx",
        "xlplugin.excel",
        "xlplugin.errors",
        "xlplugin.grouping",
        "xlplugin.shipped",
        "xlplugin.templates",
    },
}


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.split(".")[0] in ("xlplugin", "batch")}


def test_imports_point_one_way():
    for folder, allowed in LAYERS.items():
        for path in (ROOT / folder).rglob("*.py"):
            for module in _imports(path):
                assert any(module == a or module.startswith(a + ".") for a in allowed), f"{path}: {module}"


def test_the_rules_core_loads_no_excel_spreadsheet_cli_or_xml_library():
    code = "import sys, xlplugin.rules; print(sorted({'xlwings', 'openpyxl', 'click', 'lxml'} & set(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_the_eligibility_functions_read_the_deposit_date_when_they_are_given_it():
    """Décret n° 2018-514, art. 5, II: SUBV_ELIGIBLE and SUBV_MOTIFS take the row's « Déposé le » (the workbook's
    formulas pass it); a formula written before, without it, still computes."""
    axis = "Formation et sensibilisation des agents à l'inclusion numérique"
    row = ["Commune", "01004", "Non", None, None, "Mme Martin", axis, date(2021, 10, 1), date(2022, 6, 30), 20000]
    received = datetime(2021, 10, 11, 9, 0)
    assert FUNCTIONS["SUBV_ELIGIBLE"].shown([*row, received], CTX) == "Non"
    assert FUNCTIONS["SUBV_MOTIFS"].shown([*row, received], CTX).startswith("DEBUT_AVANT_DEPOT")
    assert FUNCTIONS["SUBV_ELIGIBLE"].shown(row, CTX) == "Oui"
    assert L.DOSSIER_TABLE.formula("eligible", 2).endswith(f",{L.DOSSIER_TABLE.letters['date_depot']}2)")


def test_the_functions_of_a_row_given_the_same_cells_share_one_evaluation():
    shared: dict = {}
    cells = ["Commune", "01004", "Non", None, None, "Mme Martin", "Formation", date(2021, 3, 1), date(2022, 6, 30), 1]
    FUNCTIONS["SUBV_ELIGIBLE"].shown(cells, CTX, {}, shared)
    FUNCTIONS["SUBV_MOTIFS"].shown(cells, CTX, {}, shared)
    assert len(shared) == 1
    columns = ((7,), ("Formation",), (100,), ("01",))
    for part in ("", "investissement", "exclues"):
        FUNCTIONS["SUBV_ASSIETTE"].shown([7, *columns[:3], part], CTX, {}, shared)
    assert len(shared) == 2  # the assiette and its parts: one evaluation
    FUNCTIONS["SUBV_ASSIETTE_LOCALE"].shown([7, *columns], CTX, {}, shared)  # given the départements too
    FUNCTIONS["SUBV_ELIGIBLE"].shown([*cells[:-1], 2], CTX, {}, shared)  # another assiette: another evaluation
    assert len(shared) == 4


_AXIS = "Service en ligne, dématérialisation ou accompagnement des agents aux outils numériques"
_YES_NO = st.sampled_from(["Oui", "Non", None, "peut-être", True, 1.0])
_CELLS = {
    "numero": st.sampled_from([7, 8, 9, None, "x"]),
    "date_depot": st.sampled_from([None, 44470.5]),
    "type_porteur": st.sampled_from(["Commune", "EPCI à fiscalité propre", "Association", None, 3]),
    "code_porteur": st.sampled_from(["01005", "1004", 1004.0, "200042935", "243100518", None, "zz", "01999"]),
    "projet_commun": _YES_NO,
    "partenaires": st.sampled_from([None, "", "Commune A ; Commune B", "Commune A"]),
    "types_partenaires": st.sampled_from([None, "Commune ; Commune", "Commune", "Inconnu"]),
    "contact": st.sampled_from([None, "", "Mme Martin"]),
    "axes": st.sampled_from([_AXIS, "Autre", f"{_AXIS} ; Autre", None, "x"]),
    "date_debut": st.sampled_from([date(2021, 10, 1), date(2019, 1, 1), None, "hier", 44470.0]),
    "date_fin": st.sampled_from([date(2022, 9, 30), date(2021, 1, 1), None, "demain"]),
    "population": st.sampled_from([1751, 0, 3500, 120_000, None, "x", 3500.0]),
    "nb_agents": st.sampled_from([10, 0, None, -1, "x", 400]),
    "agents_beneficiaires": st.sampled_from([5, 0, None, 50]),
    "usagers_beneficiaires": st.sampled_from([100, 0, None, 5000]),
    "participative": _YES_NO,
    "labo": _YES_NO,
    "cout_total": st.sampled_from([10000, 0, None, 25000.5, -1, "x", 10**9, 60000]),
    "sollicite": st.sampled_from([10000, 0, None, 2500.25, "x", 80000]),
    "autres_financements": st.sampled_from([None, 0, 5000, "x", 9000.5]),
    "impact": st.sampled_from([0, 1, 2, 3, None, 4, "x"]),
    "besoin": st.sampled_from([0, 3, None, -1]),
    "derogation": _YES_NO,
}
_EXPENSES = {  # the « Dépenses » columns behind the workbook's names, as the settle passes them
    "Dep_Dossier": (7, 7, 8, 9, None),
    "Dep_Nature": ("Formation", "Prestation de service", "Dépenses de personnel", "inconnue", None),
    "Dep_Montant": (12000, 800.5, 3000, 10, None),
    "Dep_Departement": ("01 - Ain", "69", None, "01", None),
}


@settings(max_examples=300, deadline=None)
@given(st.fixed_dictionaries(_CELLS), st.data())
def test_a_row_computed_with_shared_evaluations_shows_what_each_function_alone_shows(row, data):
    # The settle of a row passes each function its cells as Excel does, each column seeing the ones computed
    # before it; an agent's value typed over a computed column is passed on as it is.
    from xlplugin.workbook.functions import call_arguments

    cells: dict = dict(row)
    memo: dict = {}
    shared: dict = {}
    for column in L.DOSSIER_TABLE.columns:
        if not isinstance(column.formula, Call):
            continue
        if data.draw(st.integers(0, 9)) == 0:
            cells[column.key] = data.draw(st.sampled_from([0, 1500.5, "Oui", "Non", 0.8, "à apprécier", None]))
            continue
        function = FUNCTIONS[column.formula.function]
        arguments = call_arguments(column.formula, cells.get, lambda name: _EXPENSES[name])
        alone = function.shown(arguments, CTX)
        assert function.shown(arguments, CTX, memo, shared) == alone, column.key
        cells[column.key] = alone


def test_only_functions_given_the_same_inputs_as_another_share_their_evaluation():
    from xlplugin.workbook.functions import sharing_functions

    calls = [c.formula for c in L.DOSSIER_TABLE.columns if isinstance(c.formula, Call)]
    # The assiette and its investment part (the same inputs, « partie » aside), the eligibility and its motifs.
    assert sharing_functions(calls) == {"SUBV_ASSIETTE", "SUBV_ELIGIBLE", "SUBV_MOTIFS"}
    assert sharing_functions([Call("SUBV_TAUX"), Call("SUBV_NOTE")]) == frozenset()
