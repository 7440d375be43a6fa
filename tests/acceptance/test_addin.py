"""The classic add-in built on Linux: xlwings' ribbon template with our ribbon, its VBA untouched."""

from __future__ import annotations

import zipfile

from click.testing import CliRunner
from defusedxml.ElementTree import fromstring

import xlplugin
from batch.cli import main
from xlplugin.excel.addin import ADDIN_NAME, CUSTOM_UI, template_path

NS = "{http://schemas.microsoft.com/office/2006/01/customui}"


def test_the_built_addin_has_our_ribbon_and_the_untouched_vba(tmp_path):
    result = CliRunner().invoke(main, ["addin", "build", "--output", str(tmp_path)])
    assert result.exit_code == 0, result.output
    built = tmp_path / ADDIN_NAME
    with zipfile.ZipFile(built) as addin, zipfile.ZipFile(template_path()) as original:
        assert addin.namelist() == original.namelist()
        for name in original.namelist():
            if name != CUSTOM_UI:
                assert addin.read(name) == original.read(name), name
        ribbon = fromstring(addin.read(CUSTOM_UI))
        assert "ui/extensibility" in addin.read("_rels/.rels").decode()
    tab = ribbon.find(f"{NS}ribbon/{NS}tabs/{NS}tab")
    assert tab.get("label") == "Subventions"
    button = tab.find(f"{NS}group/{NS}button")
    assert button.get("label") == "Recalculer les allocations"
    assert button.get("onAction") == "RibbonMyAddin.RunMain"  # the VBA macro the template ships


def test_the_addin_name_is_the_module_its_vba_imports():
    # RunMain runs « import <file name without extension>; <name>.main() ».
    assert ADDIN_NAME.removesuffix(".xlam") == xlplugin.__name__
    assert callable(xlplugin.main)


def test_building_twice_gives_the_same_file(tmp_path):
    from xlplugin.excel.addin import build_addin

    first = build_addin(tmp_path / "a").read_bytes()
    second = build_addin(tmp_path / "b").read_bytes()
    assert first == second
