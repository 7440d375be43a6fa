"""Patching workbooks Excel itself saved, from a folder given by ``GUICHET_EXCEL_CORPUS`` (collected only then:
these files are not the project's to ship, and CI has no copy of them).

XlsxWriter's repository keeps about 1 000 files saved by Excel (``xlsxwriter/test/comparison/xlsx_files/``,
BSD licence); they are not copied into this project. To run over them::

    git clone --depth 1 https://github.com/jmcnamara/XlsxWriter /tmp/XlsxWriter
    export GUICHET_EXCEL_CORPUS=/tmp/XlsxWriter/xlsxwriter/test/comparison/xlsx_files
    .venv/bin/pytest tests/acceptance/xlsx/test_excel_corpus.py

Each file: cells written below everything (a value, a formula with its cached value, a text starting with
« = », a date), a row appended to its first table and a column added, a sheet grafted, a name added; then
the structural comparison must hold and openpyxl must reopen the result.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import warnings
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from tests.acceptance.xlsx.helpers import scratch_workbook
from xlplugin.xlsx import Package, Patch, Reader
from xlplugin.xlsx.formulas import quote_sheet

FOLDER = os.environ.get("GUICHET_EXCEL_CORPUS")
FILES = sorted(p for p in Path(FOLDER).rglob("*") if p.suffix.lower() in (".xlsx", ".xlsm")) if FOLDER else []


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return scratch_workbook(
        tmp_path_factory.mktemp("scratch") / "scratch.xlsx", sheet="Ajout outil", table="T_Ajout_Outil"
    )


@pytest.mark.skipif(not FILES, reason="GUICHET_EXCEL_CORPUS n'indique pas de dossier de classeurs Excel")
@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_excel_saved_workbook(path: Path, scratch: Path, tmp_path: Path) -> None:
    output = tmp_path / f"patched{path.suffix}"
    with Package.open(path) as package:
        worksheets = list(package.iter_worksheets())
        if not worksheets:
            pytest.skip("no worksheet")
        sheet = worksheets[0].name
        reader = Reader(package)
        tables = reader.tables(sheet)
        base = (
            max(
                [len(reader.values(sheet))]
                + [t.ref.max_row for t in tables]
                + [m.max_row for m in reader.merged_ranges(sheet)]
            )
            + 3
        )
        patch = Patch(package)
        patch.set(sheet, base, 1, "Écrit par le patch")
        patch.set(sheet, base, 2, Decimal("12.5"))
        patch.set(sheet, base, 3, "=texte, pas une formule")
        patch.set(sheet, base, 4, 25, formula=f"B{base}*2")
        patch.set(sheet, base, 5, dt.date(2021, 3, 4))
        if tables:
            first = patch.append_table_rows(tables[0].name, 1)
            patch.set(sheet, first, tables[0].ref.min_col, "ajout")
            patch.add_table_column(tables[0].name, "Colonne ajoutée")
        patch.graft(scratch, names=["Total_Reparti_Outil"])
        patch.define_name("Nom_Ajoute_Patch", f"{quote_sheet(sheet)}!$B${base}")
        patch.save(output)
        comparison = patch.compare(output)
    assert comparison.ok, comparison.problems
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = openpyxl.load_workbook(io.BytesIO(output.read_bytes()))
    assert book[sheet].cell(base, 1).value == "Écrit par le patch"
    assert book[sheet].cell(base, 3).value == "=texte, pas une formule"
