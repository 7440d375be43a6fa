"""Issue 10: each loss, corruption and crash of the openpyxl round trip, and the patcher keeping it right.

Every case pairs a check with two tests: the patcher (a save that writes cells into the very sheet that
holds the feature) passes the check, and the same check fails on what openpyxl's ``load_workbook`` +
``save`` (or the former importer's openpyxl steps) makes of the same workbook — proof that the check can
fail. Workbooks are built by other writers (tests/acceptance/office/corpus.py).
"""

from __future__ import annotations

import tracemalloc
import warnings
import zipfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from tests.acceptance.office import corpus
from xlplugin.xlsx import CellError, CellRange, Package, Patch, Reader, SheetError, TableError


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("issue10")


def built(folder: Path, builder: Callable[[Path], corpus.OfficeBook]) -> corpus.OfficeBook:
    book = builder(folder)
    return book


def patched(book: corpus.OfficeBook, target: Path, change: Callable[[Patch], None] | None = None) -> Path:
    """The workbook after a patch that writes into its office sheet (by default a few cells below the rows)."""
    with Package.open(book.path) as package:
        patch = Patch(package)
        if change is None:
            patch.set(book.sheet, 20, 1, "Écrit par le patch")
            patch.set(book.sheet, 20, 3, Decimal("12.50"), formula="C2+C3")
        else:
            change(patch)
        patch.save(target)
        comparison = patch.compare(target)
    assert comparison.ok, comparison.problems
    return target


def openpyxl_round_trip(book: corpus.OfficeBook, target: Path) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        workbook = openpyxl.load_workbook(book.path)
        workbook[book.sheet]["A20"] = "Écrit par openpyxl"
        workbook.save(target)
    return target


def part(path: Path, name: str) -> bytes:
    with zipfile.ZipFile(path) as archive:
        return archive.read(name)


def parts(path: Path) -> set[str]:
    with zipfile.ZipFile(path) as archive:
        return set(archive.namelist())


def sheet_xml(path: Path) -> bytes:
    with Package.open(path) as package:
        return package.read(package.worksheet("Suivi").part)


# Losses ---------------------------------------------------------------------------------------------


def has_sparklines(path: Path) -> None:
    xml = sheet_xml(path)
    assert b"<x14:sparklineGroups" in xml and xml.count(b"<x14:sparkline>") == 10


def has_data_bars_2010(path: Path) -> None:
    xml = sheet_xml(path)
    assert b"<x14:conditionalFormattings>" in xml and b"<x14:dataBar" in xml and b"negativeFillColor" in xml


def has_text_box(path: Path) -> None:
    drawings = [name for name in parts(path) if name.startswith("xl/drawings/drawing")]
    assert any("vérifier les devis".encode() in part(path, name) for name in drawings)


def has_checkboxes(path: Path) -> None:
    assert "xl/featurePropertyBag/featurePropertyBag.xml" in parts(path)
    assert b"xfpb:xfComplement" in part(path, "xl/styles.xml")


def has_ignored_errors(path: Path) -> None:
    assert b'<ignoredError sqref="G2:G11" numberStoredAsText="1"/>' in sheet_xml(path)


def has_dynamic_arrays(path: Path) -> None:
    xml = sheet_xml(path)
    assert "xl/metadata.xml" in parts(path)
    assert xml.count(b'cm="1"') == 2 and b"_xlfn.UNIQUE(E2:E11)" in xml


def has_office_js_parts(path: Path) -> None:
    assert {"xl/webextensions/webextension1.xml", "xl/webextensions/taskpanes.xml", "customXml/item1.xml"} <= parts(
        path
    )
    assert b"webextensiontaskpanes" in part(path, "_rels/.rels")
    assert part(path, "xl/webextensions/webextension1.xml") == corpus.WEB_EXTENSION.encode()


LOSSES = [
    (corpus.sparklines, has_sparklines),
    (corpus.data_bars, has_data_bars_2010),
    (corpus.text_box, has_text_box),
    (corpus.checkboxes, has_checkboxes),
    (corpus.ignored_errors, has_ignored_errors),
    (corpus.dynamic_arrays, has_dynamic_arrays),
    (corpus.web_extension, has_office_js_parts),
]
IDS = [builder.__name__ for builder, _ in LOSSES]


@pytest.mark.parametrize(("builder", "check"), LOSSES, ids=IDS)
def test_patch_keeps_feature(
    folder: Path, builder: Callable[[Path], corpus.OfficeBook], check: Callable[[Path], None]
) -> None:
    """Sparklines, 2010 data bars, a text box, checkboxes, ignored errors, dynamic arrays and Office.js
    parts survive a patch that writes into the sheet that holds them."""
    book = built(folder, builder)
    check(book.path)  # the feature is there to begin with
    check(patched(book, folder / f"patched-{book.path.name}"))


@pytest.mark.parametrize(("builder", "check"), LOSSES, ids=IDS)
def test_openpyxl_round_trip_loses_feature(
    folder: Path, builder: Callable[[Path], corpus.OfficeBook], check: Callable[[Path], None]
) -> None:
    """openpyxl 3.1 drops these silently (exit 0): the same check fails on its output."""
    book = built(folder, builder)
    with pytest.raises(AssertionError):
        check(openpyxl_round_trip(book, folder / f"openpyxl-{book.path.name}"))


# At rest -------------------------------------------------------------------------------------------


def formula_at_rest(path: Path, original: Path, sheet: str) -> None:
    """The formula cell carries its cached value, and the calculation settings are the workbook's own
    (no ``fullCalcOnLoad`` forced on an Excel-saved workbook)."""
    with Package.open(path) as package, Package.open(original) as before:
        assert package.calc_pr == before.calc_pr
        cell = next(c for c in Reader(package).iter_cells(sheet) if c.row == 20 and c.col == 3)
    assert cell.formula == "C2+C3" and cell.value == 12.5


def test_patch_writes_formulas_with_their_values(folder: Path) -> None:
    book = corpus.excel_saved(folder)[0]
    with Package.open(book.path) as package:
        assert "fullCalcOnLoad" not in package.calc_pr
    formula_at_rest(patched(book, folder / "rest-patched.xlsm"), book.path, book.sheet)


def test_openpyxl_saves_formulas_without_values(folder: Path) -> None:
    """openpyxl writes ``<f>`` without ``<v>`` and sets ``fullCalcOnLoad``: LibreOffice, previews and
    pandas then show nothing (or #NOM?) in computed columns."""
    book = corpus.excel_saved(folder)[0]
    target = folder / "rest-openpyxl.xlsm"
    workbook = openpyxl.load_workbook(book.path, keep_vba=True)
    workbook[book.sheet]["C20"] = "=C2+C3"
    workbook.save(target)
    with pytest.raises(AssertionError):
        formula_at_rest(target, book.path, book.sheet)


# Corruptions ---------------------------------------------------------------------------------------


def totals_row_right(path: Path) -> None:
    """The table's last row is still its totals row, below the new dossiers, with the right total."""
    with Package.open(path) as package:
        reader = Reader(package)
        table = next(t for t in reader.tables("Suivi") if t.name == "Dossiers")
        values = reader.values("Suivi")
    totals = values[table.ref.max_row - 1]
    assert totals[0] == "Total"
    assert totals[2] == pytest.approx(sum(r[2] for r in corpus.ROWS) + 750 + 250)
    dossiers = [row[0] for row in values[table.first_data_row - 1 : table.last_data_row]]
    assert dossiers[-2:] == ["2021-900", "2021-901"]


def test_rows_go_before_the_totals_row(folder: Path) -> None:
    book = corpus.totals_table(folder)

    def append(patch: Patch) -> None:
        first = patch.append_table_rows("Dossiers", 2)
        for offset, (number, amount) in enumerate((("2021-900", 750), ("2021-901", 250))):
            patch.set("Suivi", first + offset, 1, number)
            patch.set("Suivi", first + offset, 3, amount)

    totals_row_right(patched(book, folder / "totals-patched.xlsx", append))


def test_former_openpyxl_import_turned_last_dossier_into_totals(folder: Path) -> None:
    """Before: rows were written below everything and the table's ref grown over them
    (``OpenpyxlBook.resize_table``) — the last new dossier became the totals row."""
    book = corpus.totals_table(folder)
    target = folder / "totals-openpyxl.xlsx"
    workbook = openpyxl.load_workbook(book.path)
    sheet = workbook["Suivi"]
    for number, amount in (("2021-900", 750), ("2021-901", 250)):
        sheet.append([number, None, amount])
    table = sheet.tables["Dossiers"]
    table.ref = f"A1:E{sheet.max_row}"
    workbook.save(target)
    with pytest.raises(AssertionError):
        totals_row_right(target)


def headers_match(path: Path) -> None:
    """Each table column's name is its header cell's text (else Excel « repairs » the table away)."""
    with Package.open(path) as package:
        reader = Reader(package)
        table = next(t for t in reader.tables("Suivi") if t.name == "Dossiers")
        header = reader.values("Suivi")[table.ref.min_row - 1]
    width = table.ref.max_col - table.ref.min_col + 1
    assert len(table.columns) == width
    assert [c.name for c in table.columns] == header[table.ref.min_col - 1 : table.ref.max_col]


def test_header_writes_keep_table_columns_right(folder: Path) -> None:
    book = corpus.data_bars(folder)

    def change(patch: Patch) -> None:
        patch.set("Suivi", 1, 2, "Collectivité porteuse")
        patch.add_table_column("Dossiers", "Observation")

    target = patched(book, folder / "headers-patched.xlsx", change)
    headers_match(target)
    with Package.open(target) as package:
        assert [c.name for c in Reader(package).tables("Suivi")[0].columns][-1] == "Observation"


def test_openpyxl_leaves_table_columns_behind_header_cells(folder: Path) -> None:
    """Before: header cells renamed and a column added through openpyxl; tableColumns kept their old
    names and count."""
    book = corpus.data_bars(folder)
    target = folder / "headers-openpyxl.xlsx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        workbook = openpyxl.load_workbook(book.path)
    sheet = workbook["Suivi"]
    sheet["B1"] = "Collectivité porteuse"
    sheet["F1"] = "Observation"
    sheet.tables["Dossiers"].ref = "A1:F11"
    workbook.save(target)
    with pytest.raises(AssertionError):
        headers_match(target)


def note_outside_table(path: Path) -> None:
    with Package.open(path) as package:
        reader = Reader(package)
        table = reader.tables("Suivi")[0]
        values = reader.values("Suivi")
    assert not table.ref.contains(13, 2), f"the « Total » note is inside the table {table.ref}"
    assert values[12][1:3] == ["Total", pytest.approx(sum(r[2] for r in corpus.ROWS))]


def test_blank_row_and_note_stay_out_of_the_table(folder: Path) -> None:
    book = corpus.note_under_table(folder)

    def one_row(patch: Patch) -> None:
        row = patch.append_table_rows("Dossiers", 1)
        patch.set("Suivi", row, 1, "2021-900")

    note_outside_table(patched(book, folder / "note-patched.xlsx", one_row))
    with Package.open(book.path) as package:
        patch = Patch(package)
        patch.append_table_rows("Dossiers", 2)
        with pytest.raises(TableError, match=r"« Dossiers ».*\(B13\)"):
            patch.save(folder / "note-refused.xlsx")
    assert not (folder / "note-refused.xlsx").exists()


def test_former_openpyxl_import_swallowed_the_note(folder: Path) -> None:
    """Before: the new row went below everything (row 14) and the table grew to it, swallowing the blank
    row and the agent's « Total » line."""
    book = corpus.note_under_table(folder)
    target = folder / "note-openpyxl.xlsx"
    workbook = openpyxl.load_workbook(book.path)
    sheet = workbook["Suivi"]
    sheet.append(["2021-900"])
    sheet.tables["Dossiers"].ref = f"A1:E{sheet.max_row}"
    workbook.save(target)
    with pytest.raises(AssertionError):
        note_outside_table(target)


# Crashes -------------------------------------------------------------------------------------------


def test_merged_cell_in_the_way_is_a_clear_refusal(folder: Path) -> None:
    book = corpus.merged_cells(folder)
    with Package.open(book.path) as package:
        patch = Patch(package)
        patch.set("Suivi", 2, 8, "avis")  # H2, inside G1:I3
        with pytest.raises(CellError, match=r"cellule H2 .*fusionnées G1:I3.* G1"):
            patch.save(folder / "merged-refused.xlsx")
        patch = Patch(package)
        patch.set("Suivi", 1, 7, "Observations")  # G1 holds the merged range's value: fine
        patch.save(folder / "merged-ok.xlsx")
    with Package.open(folder / "merged-ok.xlsx") as package:
        assert Reader(package).values("Suivi")[0][6] == "Observations"


def test_openpyxl_crashes_on_a_merged_cell(folder: Path) -> None:
    """Before: ``AttributeError: 'MergedCell' object attribute 'value' is read-only``."""
    book = corpus.merged_cells(folder)
    sheet = openpyxl.load_workbook(book.path)["Suivi"]
    with pytest.raises(AttributeError, match="MergedCell"):
        sheet["H2"] = "avis"


def test_chart_sheet_before_the_data_sheet(folder: Path) -> None:
    book = corpus.chart_sheet_first(folder)
    with Package.open(book.path) as package:
        assert [s.kind for s in package.sheets] == ["chartsheet", "worksheet"]
        with pytest.raises(SheetError, match="« Graphique » est une feuille graphique"):
            Reader(package).values("Graphique")
    target = patched(book, folder / "chart-first-patched.xlsx")
    with Package.open(target) as package:
        assert Reader(package).values("Suivi")[19][0] == "Écrit par le patch"
        assert [s.name for s in package.sheets] == ["Graphique", "Suivi"]


def test_openpyxl_active_sheet_is_a_chart_sheet(folder: Path) -> None:
    """Before: the first (active) sheet was taken for the data and is a Chartsheet without cells."""
    book = corpus.chart_sheet_first(folder)
    active = openpyxl.load_workbook(book.path).active
    with pytest.raises(AttributeError):
        active.cell(1, 1)  # type: ignore[union-attr]


def test_formatted_empty_cell_at_the_last_row(folder: Path) -> None:
    """A formatted empty A1048576: values stop at the last cell holding something; memory stays small;
    a patch keeps the far cell as it was."""
    book = corpus.far_formatted_cell(folder)
    tracemalloc.start()
    with Package.open(book.path) as package:
        values = Reader(package).values("Suivi")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert len(values) == 11 and len(values[0]) == 5
    assert peak < 5_000_000, f"peak {peak} bytes"
    target = patched(book, folder / "far-patched.xlsx")
    assert b'<row r="1048576"' in sheet_xml(target)


def test_openpyxl_sees_a_million_rows(folder: Path) -> None:
    """Before: openpyxl's ``max_row`` is 1 048 576 here, and the tool read every row up to it (85 s,
    3.8 GB, ``MemoryError``) — not run here, its size is the proof."""
    book = corpus.far_formatted_cell(folder)
    assert openpyxl.load_workbook(book.path)["Suivi"].max_row == 1_048_576


def test_refusals_leave_no_file_and_name_the_place(folder: Path) -> None:
    book = corpus.dynamic_arrays(folder)
    with Package.open(book.path) as package:
        patch = Patch(package)
        patch.set("Suivi", 3, 8, "x")  # H3: inside the spilled range of H2's dynamic array
        with pytest.raises(CellError, match=r"H3 .* matricielle de H2"):
            patch.save(folder / "array-refused.xlsx")
    assert not (folder / "array-refused.xlsx").exists()
    assert CellRange.parse("H2:H3").contains(3, 8)
    assert get_column_letter(8) == "H"
