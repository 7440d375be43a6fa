"""Patching office workbooks made by other writers: nothing the patch did not write may change.

On every workbook of the corpus (XlsxWriter features, openpyxl, LibreOffice, Excel itself, Office.js
add-in parts): write values, a formula with its cached value, a text starting with « = », overwrite an
existing cell, append rows to the office's table and add a column to it, graft a new sheet built with
openpyxl, add a defined name. Then: every untouched part is byte-identical, the touched sheet is identical
outside the cells written, openpyxl reopens the file and reads what was written, and LibreOffice (when
installed) shows the written values, cached formula results included.
"""

from __future__ import annotations

import datetime as dt
import io
import warnings
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from tests.acceptance.office.corpus import BUILDERS, EXCEL_SAVED, OfficeBook, build_corpus
from tests.acceptance.xlsx.helpers import libreoffice_csv, scratch_workbook
from tests.conftest import missing_program, skip_or_fail
from xlplugin.xlsx import CellRange, Package, Patch, Reader
from xlplugin.xlsx.compare import Comparison
from xlplugin.xlsx.formulas import quote_sheet

NAMES = [build.__name__.replace("_", "-") for build in BUILDERS] + EXCEL_SAVED + ["libreoffice"]
TEXT = "Écrit par le patch"
FORMULA_LIKE = "=SOMME(A1:A2) reste un texte"


@dataclass
class Patched:
    book: OfficeBook
    output: Path
    base: int
    first_new_row: int | None
    new_column: int | None
    overwritten: tuple[int, int] | None
    comparison: Comparison
    sheet_part: str
    changed_allowed: set[str]


def patch_book(book: OfficeBook, scratch: Path, folder: Path) -> Patched:
    output = folder / f"patched-{book.path.name}"
    with Package.open(book.path) as package:
        reader = Reader(package)
        values = reader.values(book.sheet)
        tables = reader.tables(book.sheet)
        base = max([len(values)] + [t.ref.max_row for t in tables]) + 3
        patch = Patch(package)
        patch.set(book.sheet, base, 1, TEXT)
        patch.set(book.sheet, base, 2, Decimal("1234.56"))
        patch.set(book.sheet, base, 3, FORMULA_LIKE)
        patch.set(book.sheet, base, 4, Decimal("2469.12"), formula=f"B{base}*2")
        patch.set(book.sheet, base, 5, dt.date(2021, 6, 30))
        patch.set(book.sheet, base, 6, True)
        overwritten = next(
            (
                (c.row, c.col)
                for c in reader.iter_cells(book.sheet)
                if c.row > 1 and isinstance(c.value, str) and c.formula is None
            ),
            None,
        )
        if overwritten is not None:
            patch.set(book.sheet, *overwritten, "Valeur remplacée")
        first_new_row = new_column = None
        if book.table is not None:
            table = next(t for t in tables if t.name == book.table)
            first_new_row = patch.append_table_rows(book.table, book.room)
            patch.set(book.sheet, first_new_row, table.ref.min_col, "2021-900")
            patch.set(book.sheet, first_new_row, table.ref.min_col + 1, "Nouvelle commune")
            patch.set(book.sheet, first_new_row, table.ref.min_col + 2, Decimal("750"))
            if book.room > 1:
                patch.set(book.sheet, first_new_row + 1, table.ref.min_col, "2021-901")
            new_column = patch.add_table_column(book.table, "Avis du bureau")
            patch.set(book.sheet, table.first_data_row, new_column, "favorable")
        patch.graft(scratch, names=["Total_Reparti_Outil"])
        patch.set("Répartition", 8, 3, 22500, formula="SUM('Répartition'!C2:C6)")
        patch.define_name("Guichet_Cellule", f"{quote_sheet(book.sheet)}!$B${base}")
        patch.save(output)
        comparison = patch.compare(output)
        sheet_part = package.worksheet(book.sheet).part
        allowed = {sheet_part, package.workbook_part, "[Content_Types].xml", "xl/_rels/workbook.xml.rels"}
        allowed |= {package.styles_part or ""} | {t.part for t in tables} | patch.removed_parts
        allowed |= {p for p in package.parts if "calcChain" in p}
    return Patched(book, output, base, first_new_row, new_column, overwritten, comparison, sheet_part, allowed)


@pytest.fixture(scope="module")
def patched(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Patched]:
    folder = tmp_path_factory.mktemp("office")
    scratch = scratch_workbook(folder / "scratch.xlsx")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {book.name: patch_book(book, scratch, folder) for book in build_corpus(folder / "corpus")}


def _get(patched: dict[str, Patched], name: str) -> Patched:
    if name not in patched:
        skip_or_fail(f"{name} : classeur absent du corpus ({missing_program('soffice') or 'non construit'})")
    return patched[name]


@pytest.mark.parametrize("name", NAMES)
def test_nothing_changes_but_what_was_written(patched: dict[str, Patched], name: str) -> None:
    result = _get(patched, name)
    assert result.comparison.ok, result.comparison.problems
    unexpected = set(result.comparison.changed) - result.changed_allowed
    assert not unexpected, f"parts changed that the patch does not touch: {unexpected}"
    assert not result.comparison.removed or set(result.comparison.removed) <= result.changed_allowed
    assert result.comparison.identical, "every other part is byte-identical"
    assert "xl/worksheets/sheet1.xml" not in result.comparison.added


@pytest.mark.parametrize("name", NAMES)
def test_openpyxl_reads_what_was_written(patched: dict[str, Patched], name: str) -> None:
    result = _get(patched, name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # A file object: openpyxl refuses the .xlam extension by name, not by content.
        book = openpyxl.load_workbook(io.BytesIO(result.output.read_bytes()), keep_vba=True)
    sheet = book[result.book.sheet]
    base = result.base
    assert sheet.cell(base, 1).value == TEXT
    assert sheet.cell(base, 2).value == 1234.56
    assert sheet.cell(base, 3).value == FORMULA_LIKE and sheet.cell(base, 3).data_type == "s"
    assert sheet.cell(base, 4).value == f"=B{base}*2"
    assert sheet.cell(base, 5).value == dt.datetime(2021, 6, 30)
    assert sheet.cell(base, 6).value is True
    if result.overwritten:
        assert sheet.cell(*result.overwritten).value == "Valeur remplacée"
    assert "Guichet_Cellule" in book.defined_names and "Total_Reparti_Outil" in book.defined_names
    assert book["Répartition"]["C8"].value == "=SUM('Répartition'!C2:C6)"
    if result.book.table is not None:
        table = sheet.tables[result.book.table]
        assert result.new_column is not None and result.first_new_row is not None
        ref = CellRange.parse(table.ref)
        assert ref.max_col == result.new_column and ref.max_row >= result.first_new_row
        assert [c.name for c in table.tableColumns][-1] == "Avis du bureau"
        assert sheet.cell(result.first_new_row, 2).value == "Nouvelle commune"


@pytest.fixture(scope="module")
def libreoffice(
    patched: dict[str, Patched], tmp_path_factory: pytest.TempPathFactory
) -> dict[Path, dict[str, list[list[str]]]]:
    reason = missing_program("soffice")
    if reason is not None:
        skip_or_fail(reason)
    files = [result.output for result in patched.values()]
    return libreoffice_csv(files, tmp_path_factory.mktemp("libreoffice"))


@pytest.mark.parametrize("name", NAMES)
def test_libreoffice_shows_written_values(
    patched: dict[str, Patched], libreoffice: dict[Path, dict[str, list[list[str]]]], name: str
) -> None:
    result = _get(patched, name)
    sheets = libreoffice[result.output]
    assert result.book.sheet in sheets, f"LibreOffice did not read the sheet: {sorted(sheets)}"
    row = sheets[result.book.sheet][result.base - 1]
    assert row[:4] == [TEXT, "1234.56", FORMULA_LIKE, "2469.12"], row
    assert "Répartition" in sheets
    assert sheets["Répartition"][7][:3] == ["", "Total", "22500"]
