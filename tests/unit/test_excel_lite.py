"""``guichet lite`` draft: the main.py and requirements.txt pasted into xlwings Lite, and the pure-Python
function path they rely on (checked in CPython here; in Pyodide by tests/acceptance/pyodide)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from importlib import metadata

os.environ.setdefault("XLWINGS_ON_SERVER", "true")
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

from xlwings.server import custom_functions_meta, custom_scripts_meta

from xlplugin.excel import ribbon, udfs
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


def test_the_function_path_needs_no_compiled_extension() -> None:
    # What Lite imports must install from pure-Python wheels: the functions and the button are imported here
    # with every extension module outside the standard library refused (lxml, numpy, markupsafe, xlwings' own
    # Rust reader…); the libraries that use one when present (openpyxl, xlwings) must do without.
    probe = (
        "import importlib.machinery, os, sys, sysconfig\n"
        "os.environ['XLWINGS_ON_SERVER'] = 'true'; os.environ['XLWINGS_LICENSE_KEY'] = 'noncommercial'\n"
        "std = sysconfig.get_paths()['stdlib']\n"
        "class Refuse:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        spec = importlib.machinery.PathFinder.find_spec(name, path)\n"
        "        origin = getattr(spec, 'origin', None) or ''\n"
        "        if origin.endswith(('.so', '.pyd')) and not origin.startswith(std):\n"
        "            raise ImportError(f'compiled: {name}')\n"
        "        return None\n"
        "sys.meta_path.insert(0, Refuse())\n"
        "import xlplugin.excel.udfs, xlplugin.excel.ribbon\n"
        "print(xlplugin.excel.udfs.SUBV_TAUX(1751, 19200.5, 'Oui', 'Non', 1500, 8, 12, 'Non'))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "1.0"


def test_formulas_are_stored_as_excel_stores_office_js_functions() -> None:
    assert lite_formula("=SUBV_TAUX(G2,U2)") == "=_xldudf_SUBV_TAUX(G2,U2)"
    assert (
        lite_formula('=SUBV_ASSIETTE(A2,Dep_Dossier,Dep_Nature,Dep_Montant,"SUBV_X(")+SUBV_NOTE(X2)')
        == '=_xldudf_SUBV_ASSIETTE(A2,Dep_Dossier,Dep_Nature,Dep_Montant,"SUBV_X(")+_xldudf_SUBV_NOTE(X2)'
    )
    assert lite_formula("=_xldudf_SUBV_TAUX(G2)") == "=_xldudf_SUBV_TAUX(G2)"  # already stored so
    assert lite_formula("=SUM(A1:A3)") == "=SUM(A1:A3)"
