"""``guichet lite`` draft: the main.py and requirements.txt pasted into xlwings Lite, and the pure-Python
function path they rely on (checked in CPython here; in Pyodide by tests/acceptance/pyodide)."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from importlib import metadata

os.environ.setdefault("XLWINGS_ON_SERVER", "true")
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

from xlwings.server import custom_functions_meta, custom_scripts_meta

from xlplugin import ribbon, udfs
from xlplugin.excel.lite import lite_files, lite_formula


def run_as_lite(text: str) -> object:
    """main.py executed as xlwings Lite does: a module named ``main`` made from the text."""
    spec = importlib.util.spec_from_loader("main", loader=None)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    exec(compile(text, "main.py", "exec"), module.__dict__)
    return module


def test_main_py_registers_every_function_and_the_button() -> None:
    main = run_as_lite(lite_files()["main.py"])
    assert custom_functions_meta(main) == custom_functions_meta(udfs)
    assert [s["name"] for s in custom_scripts_meta(main)] == ["Recalculer les allocations"]
    assert custom_scripts_meta(main) == custom_scripts_meta(ribbon)


def test_main_py_only_imports_from_the_package() -> None:
    text = lite_files()["main.py"]
    code = [line for line in text.splitlines() if line and not line.startswith((" ", '"', ")"))]
    code = [line for line in code if not line.startswith(("Écrit", "installé", "et recopiez"))]
    assert all(line.startswith("from xlplugin.") for line in code), code
    assert "SUBV_TAUX_COLONNE," in text and "recalculer_allocations," in text


def test_requirements_pin_what_the_tests_ran() -> None:
    lines = lite_files()["requirements.txt"].splitlines()
    assert f"xlwings=={metadata.version('xlwings')}" in lines
    assert f"guichet-numerique=={metadata.version('guichet-numerique')}" in lines
    assert any(line.startswith("tzdata") for line in lines)  # Pyodide has no time zone database
    assert lines[0].startswith("# ")


def test_a_wheel_url_can_stand_for_the_package() -> None:
    url = "https://subventions.ain.gouv.fr/lite/guichet_numerique-0.1.0-py3-none-any.whl"
    lines = lite_files(package=url)["requirements.txt"].splitlines()
    assert url in lines and not any(line.startswith("guichet-numerique==") for line in lines)


def test_the_function_path_loads_no_compiled_extension() -> None:
    # What Lite imports must install from pure-Python wheels: no extension module outside the standard
    # library, except two that xlwings tries to import and does without in Pyodide: numpy, and its own
    # Rust reader (xlwings.xlwingslib, in the platform wheels only; the py3-none-any wheel has none).
    probe = (
        "import json, os, sys, sysconfig\n"
        "os.environ['XLWINGS_ON_SERVER'] = 'true'; os.environ['XLWINGS_LICENSE_KEY'] = 'noncommercial'\n"
        "import xlplugin.udfs, xlplugin.ribbon\n"
        "std = sysconfig.get_paths()['stdlib']\n"
        "print(json.dumps(sorted(n for n, m in list(sys.modules.items())\n"
        "    if (f := getattr(m, '__file__', None) or '').endswith(('.so', '.pyd')) and not f.startswith(std))))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    compiled = {name for name in json.loads(done.stdout) if not name.startswith("numpy")}
    assert compiled <= {"xlwings.xlwingslib"}, compiled


def test_formulas_are_stored_as_excel_stores_office_js_functions() -> None:
    assert lite_formula("=SUBV_TAUX(G2,U2)") == "=_xldudf_SUBV_TAUX(G2,U2)"
    assert (
        lite_formula('=SUBV_ASSIETTE(A2,Dep_Dossier,Dep_Nature,Dep_Montant,"SUBV_X(")+SUBV_NOTE(X2)')
        == '=_xldudf_SUBV_ASSIETTE(A2,Dep_Dossier,Dep_Nature,Dep_Montant,"SUBV_X(")+_xldudf_SUBV_NOTE(X2)'
    )
    assert lite_formula("=_xldudf_SUBV_TAUX(G2)") == "=_xldudf_SUBV_TAUX(G2)"  # already stored so
    assert lite_formula("=SUM(A1:A3)") == "=SUM(A1:A3)"
