"""The xlwings Lite code a workbook carries: the archive of the tool's code (``bundle``), the ``main.py`` block
that unpacks it, and how it merges with an office's own ``main.py`` and ``requirements.txt`` (``lite``). Run
here in CPython; as Lite runs it, in Pyodide, by tests/acceptance/pyodide."""

from __future__ import annotations

import importlib.util
import io
import json
import os
import subprocess
import sys
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

os.environ.setdefault("XLWINGS_ON_SERVER", "true")
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

from xlplugin.excel import lite
from xlplugin.excel.bundle import LEFT_OUT, build_bundle, modules_needed
from xlplugin.excel.lite import (
    BEGIN,
    END,
    LITE_REQUIRED,
    LITE_XLWINGS,
    LiteError,
    lite_code,
    lite_files,
    lite_formula,
    merge_main,
    merge_requirements,
)
from xlplugin.excel.lite_runtime import import_without
from xlplugin.rules import default_reglement

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def code() -> lite.LiteCode:
    return lite_code(default_reglement())


def test_the_archive_is_the_same_for_the_same_code() -> None:
    first, second = build_bundle("{}"), build_bundle("{}")
    assert first.archive == second.archive and first.digest == second.digest
    assert build_bundle('{"x": 1}').digest != first.digest


def test_the_archive_holds_the_functions_button_rules_and_data_but_no_file_machinery() -> None:
    files = set(build_bundle("{}").files)
    assert {
        "xlplugin/excel/udfs.py",
        "xlplugin/excel/ribbon.py",
        "xlplugin/excel/lite_runtime.py",
        "xlplugin/workbook/functions.py",
        "xlplugin/workbook/allocation.py",
        "xlplugin/rules/scoring.py",  # loaded on first use, by name
        "xlplugin/schemas/compiled_reglement.py",
        "xlplugin/data/__init__.py",
        "xlplugin/data/communes-ain-cog2021.csv",
        "xlplugin/data/LISEZMOI.md",  # the reference data's licence travels with it
        "xlplugin/templates/entetes.json",
        "xlplugin/data/reglement-classeur.json",
    } <= files
    assert not any(name.startswith(tuple(p.replace(".", "/") for p in LEFT_OUT)) for name in files)


def test_the_archive_imports_only_what_requirements_name() -> None:
    modules, libraries = modules_needed()
    assert libraries == {"stdnum", "fastjsonschema", "xlwings", "jsonschema"}  # jsonschema: never in Excel
    assert "xlplugin.excel.lite" not in modules  # the writer of the archive is not in it


def test_main_runs_from_the_archive_and_registers_every_function_and_the_button(
    code: lite.LiteCode, tmp_path: Path
) -> None:
    # Executed as xlwings Lite does (a module « main » made from the text), in a Python whose own copy of the
    # tool comes after the archive's: the functions must come from the archive.
    (tmp_path / "main.py").write_text(code.main, encoding="utf-8")
    probe = f"""
import importlib.util, json, os, sys
os.environ["XLWINGS_ON_SERVER"] = "true"; os.environ["XLWINGS_LICENSE_KEY"] = "noncommercial"
spec = importlib.util.spec_from_loader("main", loader=None)
main = importlib.util.module_from_spec(spec)
exec(compile(open({str(tmp_path / "main.py")!r}, encoding="utf-8").read(), "main.py", "exec"), main.__dict__)
from xlwings.server import custom_functions_meta, custom_scripts_meta
print(json.dumps({{
    "home": sys.modules["xlplugin"].__file__,
    "functions": sorted(f["name"] for f in custom_functions_meta(main)["functions"]),
    "scripts": [s["name"] for s in custom_scripts_meta(main)],
    "taux": main.SUBV_TAUX(1751, 19200.5, "Oui", "Non", 1500, 8, 12, "Non"),
    "reglement": os.environ["GUICHET_REGLEMENT"],
}}))
"""
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=False, cwd="/")
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert "/guichet-numerique-" in found["home"] and not found["home"].startswith(str(ROOT))
    assert found["reglement"].endswith("xlplugin/data/reglement-classeur.json")
    assert found["functions"] == lite.function_names() and len(found["functions"]) == 16
    assert found["scripts"] == ["Recalculer les allocations"]
    assert found["taux"] == 1.0


def test_a_damaged_archive_is_refused_with_a_french_message(code: lite.LiteCode) -> None:
    start = code.main.index('_GUICHET_NUMERIQUE = (\n    "') + len('_GUICHET_NUMERIQUE = (\n    "')
    damaged = code.main[:start] + ("A" if code.main[start] != "A" else "B") + code.main[start + 1 :]
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader("main_abime", loader=None))  # type: ignore[arg-type]
    with pytest.raises(RuntimeError, match="abîmé"):
        exec(compile(damaged, "main.py", "exec"), module.__dict__)


def test_the_embedded_reglement_is_the_one_given(code: lite.LiteCode) -> None:
    import base64

    block = code.main.split("_GUICHET_NUMERIQUE = (\n", 1)[1].split("\n)\n", 1)[0]
    data = base64.b64decode("".join(line.strip().strip('"') for line in block.splitlines()))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        carried = json.loads(archive.read("xlplugin/data/reglement-classeur.json"))
    assert json.dumps(carried, sort_keys=True, ensure_ascii=False, separators=(",", ":")) == (
        default_reglement().fingerprint
    )


def test_requirements_of_a_new_workbook_are_lites_lines_then_the_tools(code: lite.LiteCode) -> None:
    lines = code.requirements.splitlines()
    assert lines[: len(LITE_REQUIRED)] == list(LITE_REQUIRED)
    assert lines[len(LITE_REQUIRED) :] == [
        f"fastjsonschema=={metadata.version('fastjsonschema')}  # guichet-numerique",
        f"python-stdnum=={metadata.version('python-stdnum')}  # guichet-numerique",
    ]


def test_requirements_keep_the_offices_lines_and_set_the_xlwings_line() -> None:
    existing = "xlwings==0.33.15  # required\npython-dotenv==1.0.1  # required\npandas\n# mes notes\nrequests==2.31.0\n"
    text, notes = merge_requirements(existing, ["python-stdnum==2.2  # guichet-numerique"])
    assert text.splitlines() == [
        f"xlwings=={LITE_XLWINGS}  # required",
        "python-dotenv==1.0.1  # required",
        "pandas",
        "# mes notes",
        "requests==2.31.0",
        "python-stdnum==2.2  # guichet-numerique",
    ]
    assert len(notes) == 1 and "0.33.15" in notes[0] and LITE_XLWINGS in notes[0]
    again, notes = merge_requirements(text, ["python-stdnum==2.3  # guichet-numerique"])  # a newer tool
    assert again.splitlines()[-1] == "python-stdnum==2.3  # guichet-numerique" and notes == []
    assert again.count("python-stdnum") == 1


def test_requirements_refuse_an_office_pin_that_contradicts_the_tools() -> None:
    with pytest.raises(LiteError, match=r"python_stdnum==1\.19.*python-stdnum==2\.2"):
        merge_requirements(
            "xlwings==0.33.20  # required\npython_stdnum==1.19\n", ["python-stdnum==2.2  # guichet-numerique"]
        )
    text, _ = merge_requirements("python-stdnum\n", ["python-stdnum==2.2  # guichet-numerique"])
    assert "python-stdnum\n" in text  # unpinned: compatible, kept


def test_the_offices_main_py_is_kept_before_the_block_and_the_block_replaced_on_update() -> None:
    office = "from xlwings import func, script\n\n@func\ndef bonjour(nom):\n    return f'Bonjour {nom}'\n"
    text, registered, kept = merge_main(office, f"{BEGIN}\nx = 1\n{END}\n")
    assert text.startswith(office.rstrip()) and text.endswith(f"{BEGIN}\nx = 1\n{END}\n")
    assert registered == ["bonjour"] and kept == 5
    updated, _, _ = merge_main(text + "\n# une ligne ajoutée après le bloc\n", f"{BEGIN}\nx = 2\n{END}\n")
    assert updated.count(BEGIN) == 1 and "x = 1" not in updated and "x = 2" in updated
    assert "# une ligne ajoutée après le bloc" in updated


def test_the_offices_main_py_cannot_shadow_the_tools_names_or_be_unreadable() -> None:
    with pytest.raises(LiteError, match="SUBV_TAUX"):
        merge_main("def SUBV_TAUX():\n    pass\n", f"{BEGIN}\n{END}\n")
    with pytest.raises(LiteError, match="ligne 1"):
        merge_main("def (:\n", f"{BEGIN}\n{END}\n")
    with pytest.raises(LiteError, match="fin"):
        merge_main(f"x = 1\n{BEGIN}\ny = 2\n", f"{BEGIN}\n{END}\n")


def test_code_beyond_what_excel_keeps_is_refused() -> None:
    huge = "# " + "x" * (lite.SETTINGS_LIMIT + 10) + "\n"
    with pytest.raises(LiteError, match="Ko"):
        lite_code(default_reglement(), existing_main=huge)


def test_a_module_missing_from_python_stands_in_only_for_the_import(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "guichet_probe_importer.py").write_text("import module_absent_probe\nVALUE = 42\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        import_without("guichet_probe_importer", "module_absent_probe")
        module = sys.modules["guichet_probe_importer"]
        assert module.VALUE == 42
        with pytest.raises(ModuleNotFoundError, match="xlwings Lite"):
            module.module_absent_probe.anything  # noqa: B018
        assert "module_absent_probe" not in sys.modules
        with pytest.raises(ModuleNotFoundError):
            importlib.import_module("module_absent_probe")
    finally:
        sys.modules.pop("guichet_probe_importer", None)


def test_the_files_to_paste_are_the_same_texts(code: lite.LiteCode) -> None:
    files = lite_files(default_reglement())
    assert files == {"main.py": code.main, "requirements.txt": code.requirements}


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
