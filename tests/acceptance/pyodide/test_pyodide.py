"""The Excel functions and the ribbon script in WebAssembly, as xlwings Lite runs them.

Pyodide runs under Node, offline: npm ``pyodide`` from this folder's node_modules (``npm ci``), the pure-Python
wheels that pip downloaded into ``.cache/wheels`` (``make pyodide``), and a wheel of this worktree built
here. The tracking workbook is made by ``guichet init`` and ``guichet import`` of the 40 example dossiers;
every formula of « Dossiers », the functions no formula uses and the ``_COLONNE`` functions are called
through xlwings' Office.js protocol with the payloads Excel sends, in CPython and in Pyodide: every value
must be the same, and the same as ``guichet evaluate``.
"""

from __future__ import annotations

import importlib
import inspect
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.acceptance.pyodide import officejs as oj

# The modules under test.
FUNCTIONS_MODULE = "xlplugin.excel.udfs"
SCRIPTS_MODULE = "xlplugin.excel.ribbon"
SCRIPT = "recalculer_allocations"
BUTTON = "Recalculer les allocations"
EXAMPLES = oj.ROOT / "examples" / "dossiers"
PYTHON = "3.14"  # Pyodide 314.x

pytestmark = pytest.mark.skipif(oj.node() is None, reason="node est absent : Pyodide s'exécute sous Node")


@pytest.fixture(scope="module")
def wheel_dirs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    if not (oj.NODE_MODULES / "pyodide" / "pyodide.mjs").exists():
        pytest.fail(f"npm pyodide is not installed in {oj.NODE_MODULES}: run `make pyodide`")
    if not list(oj.WHEEL_CACHE.glob("xlwings-*.whl")):
        pytest.fail(f"no wheel in {oj.WHEEL_CACHE}: run `make pyodide`")
    project = oj.build_project_wheel(tmp_path_factory.mktemp("wheel"))
    return [oj.WHEEL_CACHE, project.parent]


@pytest.fixture(scope="module")
def workbook(tmp_path_factory: pytest.TempPathFactory) -> oj.TrackingWorkbook:
    return oj.tracking_workbook(tmp_path_factory.mktemp("book"), EXAMPLES, importlib.import_module(FUNCTIONS_MODULE))


def without_tables(book: dict[str, Any]) -> dict[str, Any]:
    return {**book, "sheets": [{**sheet, "tables": []} for sheet in book["sheets"]]}


@pytest.fixture(scope="module")
def lite_main() -> str:
    from xlplugin.excel.lite import lite_files

    return lite_files(functions_module=FUNCTIONS_MODULE, scripts_module=SCRIPTS_MODULE)["main.py"]


@pytest.fixture(scope="module")
def pyodide(workbook: oj.TrackingWorkbook, wheel_dirs: list[Path], lite_main: str) -> dict[str, Any]:
    """One Pyodide run for the whole module: Pyodide takes seconds to start."""
    book = workbook.book_payload()
    job = {
        "lite": lite_main,
        "calls": [{"module": FUNCTIONS_MODULE, "payload": call.payload} for call in workbook.calls]
        + [{"module": "main", "payload": call.payload} for call in workbook.calls[:20]],
        "scripts": [
            {"module": SCRIPTS_MODULE, "name": SCRIPT, "book": without_tables(book)},
            {"module": SCRIPTS_MODULE, "name": SCRIPT, "book": book},
            {"module": "main", "name": SCRIPT, "book": without_tables(book)},
        ],
    }
    return oj.run_pyodide(job, wheel_dirs)


def normalized(value: Any) -> Any:
    """What crosses the JSON boundary: CPython's results as the Pyodide run reports them."""
    return json.loads(json.dumps(value, default=str))


def test_pyodide_runs_the_real_xlwings_on_its_own_python(pyodide: dict[str, Any]) -> None:
    assert pyodide["platform"] == "emscripten"
    assert pyodide["python"].startswith(PYTHON)
    assert pyodide["xlwings"] == importlib.import_module("xlwings").__version__


def test_the_function_path_imports_no_compiled_module(pyodide: dict[str, Any]) -> None:
    # Only pure-Python wheels are unpacked: a compiled dependency would not even import. None may sneak
    # in through Pyodide's own packages either.
    assert pyodide["extension_modules"] == []


def test_every_function_is_called(workbook: oj.TrackingWorkbook) -> None:
    from xlwings.server import custom_functions_meta

    declared = {f["name"] for f in custom_functions_meta(importlib.import_module(FUNCTIONS_MODULE))["functions"]}
    assert {call.func_name for call in workbook.calls} == declared
    assert len(declared) == 16


def test_every_value_in_pyodide_is_the_value_in_cpython(workbook: oj.TrackingWorkbook, pyodide: dict) -> None:
    calls = workbook.calls
    assert len(pyodide["calls"]) == len(calls) + 20
    differences = [
        (call.cell, call.func_name, normalized(call.result), got)
        for call, got in zip(calls, pyodide["calls"], strict=False)
        if normalized(call.result) != got
    ]
    assert differences == []


def evaluate_json() -> list[dict[str, Any]]:
    command = [sys.executable, "-c", "from batch.cli import main; main()", "evaluate", "--format", "json"]
    done = subprocess.run([*command, str(EXAMPLES)], capture_output=True, text=True, check=True, cwd=oj.ROOT)
    result: list[dict[str, Any]] = json.loads(done.stdout)
    return result


def test_the_functions_in_pyodide_give_what_guichet_evaluate_gives(
    workbook: oj.TrackingWorkbook, pyodide: dict[str, Any]
) -> None:
    in_pyodide = {call.cell: got[0][0] for call, got in zip(workbook.calls, pyodide["calls"], strict=False)}
    sheet = workbook.book[oj.DOSSIERS]
    column = {c.value: c.column_letter for c in sheet[1]}

    def cell(key: str, row: int) -> Any:
        return in_pyodide[f"{oj.DOSSIERS}!{column[key]}{row}"]

    rows = {sheet[f"A{row}"].value: row for row in workbook.rows}
    expected = evaluate_json()
    assert sorted(rows) == sorted(d["numero"] for d in expected) and len(expected) == 40
    for dossier in expected:
        row = rows[dossier["numero"]]
        where = (dossier["numero"], row)
        assert cell("Éligible", row) == ("Oui" if dossier["eligible"] else "Non"), where
        assert Decimal(str(cell("Assiette éligible", row))) == Decimal(dossier["assiette"]), where
        for header, key in (("Note /100", "score"), ("Taux de subvention", "taux"), ("Montant proposé", "montant")):
            value = cell(header, row)
            if key == "taux" and not dossier["eligible"]:
                continue  # guichet evaluate gives no rate to an ineligible dossier; SUBV_TAUX still computes it
            if dossier[key] is None:
                assert isinstance(value, str), (where, header, value)  # « à apprécier », or a message
            else:
                assert Decimal(str(value)) == Decimal(dossier[key]), (where, header, value)


def without_journal_stamp(book: dict[str, Any], journal_position: int) -> dict[str, Any]:
    """The actions, the journal line's date and agent left out: the minute may turn between the two runs, and
    the agent is the account's name (getpass), ``web_user`` in Pyodide."""
    actions = []
    for action in book["actions"]:
        if action["sheet_position"] == journal_position and action["func"] == "setValues":
            action = {**action, "values": [row[2:] for row in action["values"]]}
        actions.append(action)
    return {**book, "actions": actions}


def test_the_ribbon_script_writes_the_same_actions_in_pyodide(
    workbook: oj.TrackingWorkbook, pyodide: dict[str, Any]
) -> None:
    module = importlib.import_module(SCRIPTS_MODULE)
    expected = normalized(oj.cpython_script(module, SCRIPT, without_tables(workbook.book_payload())))
    got = pyodide["scripts"][0]
    journal = workbook.book.sheetnames.index("Journal")
    assert without_journal_stamp(got, journal) == without_journal_stamp(expected, journal)
    assert len(got["actions"]) > 100
    written = {v for a in got["actions"] if a["func"] == "setValues" for row in a["values"] for v in row}
    assert {"financé", "attente", "inéligible"} <= written


def test_the_ribbon_script_on_the_book_as_office_js_sends_it(pyodide: dict[str, Any]) -> None:
    assert "exception" not in pyodide["scripts"][1], pyodide["scripts"][1]
    assert any(a["func"] == "resizeTable" for a in pyodide["scripts"][1]["actions"])


def test_lite_main_registers_every_function_and_the_button(
    workbook: oj.TrackingWorkbook, pyodide: dict[str, Any]
) -> None:
    from xlwings.server import custom_functions_meta, custom_scripts_meta

    functions = custom_functions_meta(importlib.import_module(FUNCTIONS_MODULE))["functions"]
    # Python 3.13+ strips the indentation of docstrings (the functions' descriptions): compare them cleaned.
    for function in (*functions, *pyodide["lite_functions"]["functions"]):
        function["description"] = inspect.cleandoc(function["description"])
    assert normalized(functions) == pyodide["lite_functions"]["functions"]
    assert [f["name"] for f in pyodide["lite_functions"]["functions"]] == sorted(f["name"] for f in functions)
    assert not any("." in f["name"] for f in functions)  # no namespace: Lite's formulas are =SUBV_…(…)
    scripts = pyodide["lite_scripts"]
    assert normalized(custom_scripts_meta(importlib.import_module(SCRIPTS_MODULE))) == scripts
    assert [s["name"] for s in scripts] == [BUTTON]
    through_main = pyodide["calls"][len(workbook.calls) :]
    assert through_main == [normalized(call.result) for call in workbook.calls[:20]]
    assert pyodide["scripts"][2] == pyodide["scripts"][0]
