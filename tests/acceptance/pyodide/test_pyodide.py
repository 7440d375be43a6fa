"""The workbook carries its own functions: xlwings Lite as it runs them, offline.

The tracking workbook is made by ``guichet init`` and filled by ``guichet import`` of the 40 example dossiers;
its ``main.py`` and ``requirements.txt`` are read back from the file, where Excel keeps xlwings Lite's document
settings (the add-in's web extension part), with nothing but the standard library. Then Pyodide — the version
xlwings Lite runs (``PYODIDE_VERSION``, npm ``pyodide`` pinned in package-lock.json) — starts under Node,
loads micropip from its distribution and installs the requirements from a package index on localhost holding
what pip downloaded from PyPI (``make pyodide``: ``lite_packages.py``), each dependency resolved by micropip;
runs ``main.py`` as the module ``main`` as Lite does; and every function and the button are called through
xlwings' Office.js protocol with the payloads Excel sends. Compared with: the same calls in CPython over the
installed package, ``guichet evaluate``, and, for the button, the cells ``guichet allocate --workbook`` writes
in an office's workbook with its own sheets and columns.
"""

from __future__ import annotations

import importlib
import inspect
import json
import shutil
import subprocess
import sys
import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
import xlsxwriter
from openpyxl import load_workbook

from tests.acceptance.pyodide import index_server, lite_packages
from tests.acceptance.pyodide import officejs as oj
from xlplugin.excel.lite import LITE_REQUIRED, LITE_STORE_ID, LITE_XLWINGS, PYODIDE_VERSION, SETTINGS_LIMIT

FUNCTIONS_MODULE = "xlplugin.excel.udfs"
SCRIPTS_MODULE = "xlplugin.excel.ribbon"
SCRIPT = "recalculer_allocations"
BUTTON = "Recalculer les allocations"
EXAMPLES = oj.ROOT / "examples" / "dossiers"
WE = "{http://schemas.microsoft.com/office/webextensions/webextension/2010/11}"
GUICHET = [sys.executable, "-c", "from batch.cli import main; main()"]

pytestmark = pytest.mark.needs("node")  # Pyodide runs under Node


def lite_settings(path: Path) -> dict[str, Any]:
    """The document settings of the workbook's xlwings Lite add-in, read from the file as Excel stores them:
    the web extension part whose store reference is Lite's, each setting a JSON text."""
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.startswith("xl/webextensions/webextension") and name.endswith(".xml"):
                root = ElementTree.fromstring(archive.read(name))
                ids = {ref.get("id", "").lower() for ref in root.iter(f"{WE}reference")}
                if LITE_STORE_ID in ids:
                    return {p.get("name"): json.loads(p.get("value", "")) for p in root.iter(f"{WE}property")}
    raise AssertionError(f"{path.name} has no xlwings Lite part")


def guichet(*args: str) -> str:
    done = subprocess.run([*GUICHET, *args], capture_output=True, text=True, cwd=oj.ROOT, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def prepared() -> None:
    if not (oj.NODE_MODULES / "pyodide" / "pyodide.mjs").exists():
        pytest.fail(f"npm pyodide is not installed in {oj.NODE_MODULES}: run `make pyodide`")
    if not (lite_packages.DIST / "pyodide-lock.json").exists():
        pytest.fail(f"xlwings Lite's packages are not in {lite_packages.CACHE}: run `make pyodide`")


@pytest.fixture(scope="module")
def workbook(tmp_path_factory: pytest.TempPathFactory) -> oj.TrackingWorkbook:
    return oj.tracking_workbook(tmp_path_factory.mktemp("book"), EXAMPLES, importlib.import_module(FUNCTIONS_MODULE))


@pytest.fixture(scope="module")
def settings(workbook: oj.TrackingWorkbook) -> dict[str, Any]:
    return lite_settings(workbook.path)


OFFICE_HEADERS = ["N° dossier", "Collectivité", "Référent", "Observations du bureau"]


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> oj.TrackingWorkbook:
    """An office's own workbook (XlsxWriter): a sheet of instructions, and its « Suivi » table with two columns
    of its own; completed by ``guichet init --into`` and filled by ``guichet import`` (the tool's columns are
    added to the office's table); its formulas computed as Excel would with the functions."""
    folder = tmp_path_factory.mktemp("office")
    path = folder / "suivi-du-bureau.xlsx"
    book = xlsxwriter.Workbook(str(path))
    book.set_properties({"created": datetime(2021, 1, 1)})
    notes = book.add_worksheet("Consignes")
    notes.write_string(0, 0, "Consignes du bureau : relire chaque dossier avant le comité.")
    notes.write_number(2, 1, 42)
    follow = book.add_worksheet("Suivi")
    rows = [[21000101, "Commune de Bâgé-Dommartin", "M. Durand", "Pièce à relancer"]]
    follow.add_table(0, 0, len(rows), len(OFFICE_HEADERS) - 1,
                     {"name": "Suivi", "columns": [{"header": h} for h in OFFICE_HEADERS], "data": rows})  # fmt: skip
    book.close()
    guichet("init", "--into", str(path))
    guichet("lite", "--into", str(path))
    guichet("import", str(EXAMPLES), "--workbook", str(path))
    computed = oj.TrackingWorkbook(path, importlib.import_module(FUNCTIONS_MODULE), dossiers="Suivi")
    computed.compute_all()
    return computed


@pytest.fixture(scope="module")
def pyodide(
    prepared: None, workbook: oj.TrackingWorkbook, settings: dict[str, Any], office: oj.TrackingWorkbook
) -> dict[str, Any]:
    """One Pyodide run for the whole module (Pyodide takes seconds to start, micropip to install)."""
    job = {
        "pyodide_dist": str(lite_packages.DIST),
        "requirements": settings["requirements.txt"],
        "lite": settings["main.py"],
        "calls": [{"module": "main", "payload": call.payload} for call in workbook.calls],
        "scripts": [{"module": "main", "name": SCRIPT, "book": office.book_payload()}],
        "probes": [
            "importlib.util.find_spec('ssl') is None and 'ssl' not in sys.modules",
            "sorted({m.split('.')[0] for m in sys.modules} & {'lxml', 'openpyxl', 'jsonschema', 'numpy', 'pandas'})",
            "sys.modules['xlplugin'].__file__",
        ],
    }
    with index_server.serving(lite_packages.INDEX) as (url, requested):
        answer = oj.run_pyodide({**job, "index_url": url}, [])
    answer["requested"] = requested
    return answer


def normalized(value: Any) -> Any:
    """What crosses the JSON boundary: CPython's results as the Pyodide run reports them."""
    return json.loads(json.dumps(value, default=str))


# -- the workbook carries the code


def test_the_workbook_carries_main_py_and_requirements_txt(settings: dict[str, Any]) -> None:
    main = settings["main.py"]
    assert main.startswith("# >>> guichet-numerique >>>") and main.rstrip().endswith("# <<< guichet-numerique <<<")
    assert "from xlplugin.excel.udfs import" in main and "recalculer_allocations" in main
    lines = settings["requirements.txt"].splitlines()
    assert lines[: len(LITE_REQUIRED)] == list(LITE_REQUIRED)  # Lite's own lines, as Lite writes them
    ours = lines[len(LITE_REQUIRED) :]
    assert ours and all(line.endswith("# guichet-numerique") for line in ours)
    assert not any("guichet-numerique==" in line or "guichet_numerique" in line for line in lines)  # on no index
    assert settings.get("Office.AutoShowTaskpaneWithDocument") is True  # Lite's pane opens with the workbook


def test_the_code_fits_in_the_workbook_settings(workbook: oj.TrackingWorkbook) -> None:
    with zipfile.ZipFile(workbook.path) as archive:
        (part,) = [n for n in archive.namelist() if n.startswith("xl/webextensions/webextension")]
        root = ElementTree.fromstring(archive.read(part))
    size = sum(len(p.get("value", "")) for p in root.iter(f"{WE}property"))
    assert size < SETTINGS_LIMIT
    assert size > 50_000  # the code and data are really there, not a reference to elsewhere


def test_the_index_was_prepared_for_these_requirements(settings: dict[str, Any]) -> None:
    assert lite_packages.STAMP.read_text(encoding="utf-8") == settings["requirements.txt"], "run `make pyodide`"


# -- installed and run as xlwings Lite does


def test_pyodide_is_the_one_xlwings_lite_runs(pyodide: dict[str, Any]) -> None:
    assert pyodide["pyodide"] == PYODIDE_VERSION
    assert pyodide["platform"] == "emscripten"
    assert pyodide["python"].startswith("3.12.")


def test_micropip_installed_every_requirement_and_its_dependencies(
    pyodide: dict[str, Any], settings: dict[str, Any]
) -> None:
    installed = pyodide["installed"]
    assert installed["xlwings"] == LITE_XLWINGS == pyodide["xlwings"]
    for line in lite_packages.requirement_lines(settings["requirements.txt"]):
        name, _, version = line.partition("==")
        assert lite_packages.canonical(name) in installed, line
        assert not version or installed[lite_packages.canonical(name)] == version, line
    assert {"click", "pathspec", "platformdirs"} <= set(installed)  # black's dependencies, resolved by micropip
    assert any(path.startswith("/simple/black") for path in pyodide["requested"])


def test_the_code_runs_from_what_the_workbook_carries(pyodide: dict[str, Any]) -> None:
    assert pyodide["probes"]["sys.modules['xlplugin'].__file__"].startswith("/tmp/guichet-numerique-")
    # python-stdnum imported without ssl, which stays absent for any other code
    assert pyodide["probes"]["importlib.util.find_spec('ssl') is None and 'ssl' not in sys.modules"] is True
    libraries = "sorted({m.split('.')[0] for m in sys.modules} & {'lxml', 'openpyxl', 'jsonschema', 'numpy', 'pandas'})"
    assert pyodide["probes"][libraries] == []
    assert pyodide["extension_modules"] == []


def test_main_registers_every_function_and_the_button(pyodide: dict[str, Any]) -> None:
    from xlwings.server import custom_functions_meta, custom_scripts_meta

    functions = custom_functions_meta(importlib.import_module(FUNCTIONS_MODULE))["functions"]
    registered = pyodide["lite_functions"]["functions"]
    for function in (*functions, *registered):
        function["description"] = inspect.cleandoc(function["description"])
    assert [f["name"] for f in registered] == sorted(f["name"] for f in functions)
    assert len(registered) == 16
    by_name = {f["name"]: f for f in normalized(functions)}
    for function in registered:  # xlwings 0.33 in Lite, the installed xlwings here: same declaration
        assert function["parameters"] == by_name[function["name"]]["parameters"], function["name"]
        assert function["description"] == by_name[function["name"]]["description"]
    assert not any("." in f["name"] for f in registered)  # no namespace: Lite's formulas are =SUBV_…(…)
    scripts = pyodide["lite_scripts"]
    assert [s["name"] for s in scripts] == [BUTTON]
    assert (
        scripts[0]["function_name"] == custom_scripts_meta(importlib.import_module(SCRIPTS_MODULE))[0]["function_name"]
    )


def test_every_function_is_called(workbook: oj.TrackingWorkbook) -> None:
    from xlwings.server import custom_functions_meta

    declared = {f["name"] for f in custom_functions_meta(importlib.import_module(FUNCTIONS_MODULE))["functions"]}
    assert {call.func_name for call in workbook.calls} == declared


def test_every_value_in_lite_is_the_value_in_cpython(workbook: oj.TrackingWorkbook, pyodide: dict[str, Any]) -> None:
    calls = workbook.calls
    assert len(pyodide["calls"]) == len(calls) > 400
    differences = [
        (call.cell, call.func_name, normalized(call.result), got)
        for call, got in zip(calls, pyodide["calls"], strict=True)
        if normalized(call.result) != got
    ]
    assert differences == []


def evaluate_json() -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = json.loads(guichet("evaluate", "--format", "json", str(EXAMPLES)))
    return result


def test_the_functions_in_lite_give_what_guichet_evaluate_gives(
    workbook: oj.TrackingWorkbook, pyodide: dict[str, Any]
) -> None:
    in_lite = {call.cell: got[0][0] for call, got in zip(workbook.calls, pyodide["calls"], strict=True)}
    sheet = workbook.book[oj.DOSSIERS]
    column = {c.value: c.column_letter for c in sheet[1]}

    def cell(key: str, row: int) -> Any:
        return in_lite[f"{oj.DOSSIERS}!{column[key]}{row}"]

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


# -- the button, on an office's workbook


def constants(path: Path) -> dict[tuple[str, str], Any]:
    """Every cell of the workbook that holds a value typed or written, not computed by a formula."""
    book = load_workbook(path)
    found = {}
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is not None and not (isinstance(cell.value, str) and cell.value.startswith("=")):
                    found[(sheet.title, cell.coordinate)] = cell.value
    return found


def comparable(value: Any) -> Any:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float, Decimal)):
        return round(float(value), 6)
    if isinstance(value, (datetime, date)):
        return oj.serial(value)
    return value


def applied(before: dict[tuple[str, str], Any], sheets: list[str], actions: list[dict[str, Any]]) -> dict:
    """The cells after the button's actions, as Office.js applies them (setValues; formats aside)."""
    from openpyxl.utils.cell import get_column_letter

    after = dict(before)
    for action in actions:
        if action["func"] == "setValues":
            sheet = sheets[action["sheet_position"]]
            for i, row in enumerate(action["values"]):
                for j, value in enumerate(row):
                    ref = f"{get_column_letter(action['start_column'] + j + 1)}{action['start_row'] + i + 1}"
                    if value is None or value == "":
                        after.pop((sheet, ref), None)
                    else:
                        after[(sheet, ref)] = value
        else:
            assert action["func"] in ("setNumberFormat", "resizeTable"), action["func"]
    return after


def test_the_button_writes_what_guichet_allocate_writes_and_only_that(
    office: oj.TrackingWorkbook, pyodide: dict[str, Any], tmp_path: Path
) -> None:
    result = pyodide["scripts"][0]
    assert "exception" not in result, result
    before = constants(office.path)
    copy = tmp_path / office.path.name
    shutil.copy(office.path, copy)
    guichet("allocate", "--workbook", str(copy))
    by_cli = constants(copy)
    by_lite = applied(before, office.book.sheetnames, result["actions"])

    journal = "Journal"
    stamp_row = max(int(ref[1:]) for sheet, ref in by_cli if sheet == journal and ref.startswith("A"))

    def stamp(key: tuple[str, str]) -> bool:  # the journal line's date and agent: the minute and the account
        sheet, ref = key
        return sheet == journal and ref in (f"A{stamp_row}", f"B{stamp_row}")

    keys = {k for k in by_cli.keys() | by_lite.keys() | before.keys() if not stamp(k)}
    differences = {
        key: (by_cli.get(key), by_lite.get(key))
        for key in sorted(keys)
        if comparable(by_cli.get(key)) != comparable(by_lite.get(key))
    }
    assert differences == {}
    written = {key for key in keys if comparable(by_lite.get(key)) != comparable(before.get(key))}
    assert len(written) > 100
    assert not any(sheet == "Consignes" for sheet, _ in written)
    follow = office.book["Suivi"]
    own = {c.column_letter for c in follow[1] if c.value in OFFICE_HEADERS}
    assert not any(sheet == "Suivi" and ref.rstrip("0123456789") in own for sheet, ref in written)
    assert any(a["func"] == "resizeTable" for a in result["actions"])  # the allocation's table follows its rows
