"""The agent's day on office workbooks this tool did not make: ``init --into``, ``import``, ``allocate`` (and
``allocate`` again under another règlement).

On every workbook of the corpus (XlsxWriter features openpyxl drops, openpyxl, LibreOffice, Excel itself,
an .xlsm with VBA and a form button, Office.js add-in parts): the three commands run as an agent runs
them, then the result is compared with the office's original, structurally:

- every part of the original the tool does not extend is byte for byte the same;
- in the office's sheet the tool adopted, everything outside ``<sheetData>`` and ``<dimension>`` is the
  same bytes (sparklines, x14 formats, drawings, protection…), and every cell of the original is the same
  XML: the tool only added cells (its columns, its rows);
- where the tool cannot write without breaking the office's layout (a note under its table, cells merged
  where its headers go), the import is refused, the cell is named, and the file is left as it was;
- the same files imported again change nothing (what was written reads back as it was written), and the
  tool's columns beside an office's date column show numbers as numbers.
"""

from __future__ import annotations

import json
import re
import shutil
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from lxml import etree
from openpyxl.styles.numbers import is_date_format

from batch.cli import main
from tests.acceptance.office.corpus import OfficeBook, build_corpus, table_ending_with_a_date
from tests.conftest import ROOT
from xlplugin.xlsx import Package, Reader

RECEIVED = [str(ROOT / "examples" / "recus"), str(ROOT / "examples" / "dossiers")]
REFUSED = {"note-under-table": "B13", "merged-cells": "H1"}  # the cell the refusal must name
EXTENDED = {"[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml"}
NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


@dataclass
class Day:
    book: OfficeBook
    original: Path
    after_init: Path
    outputs: dict[str, tuple[int, str]]  # command → (exit code, output)


def run_day(book: OfficeBook, keep: Path, other: Path) -> Day:
    original = keep / f"original-{book.path.name}"
    after_init = keep / f"init-{book.path.name}"
    shutil.copy2(book.path, original)
    runner = CliRunner()
    outputs = {}
    for name, args in (
        ("init", ["init", "--into", str(book.path)]),
        ("import", ["import", *RECEIVED, "--workbook", str(book.path)]),
        ("allocate", ["allocate", "--workbook", str(book.path)]),
        ("reimport", ["import", *RECEIVED, "--workbook", str(book.path)]),
        # Then another règlement: « Paramètres », the tool's sheet in the office's workbook, is brought to it.
        ("other-reglement", ["allocate", "--workbook", str(book.path), "--reglement", str(other)]),
    ):
        result = runner.invoke(main, args)
        outputs[name] = (result.exit_code, result.output)
        if name == "init":
            shutil.copy2(book.path, after_init)
    return Day(book, original, after_init, outputs)


@pytest.fixture(scope="module")
def days(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Day]:
    folder = tmp_path_factory.mktemp("bureau")
    keep = folder / "originaux"
    keep.mkdir()
    other = folder / "reglement-plafond-40000.json"
    doc = json.loads((ROOT / "xlplugin" / "data" / "reglement-ain-2021.json").read_text(encoding="utf-8"))
    doc["plafonds"]["par_dossier"] = "40000.00"
    other.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {book.name: run_day(book, keep, other) for book in build_corpus(folder / "corpus")}


def names(days: dict[str, Day], refused: bool) -> list[str]:
    return [name for name in days if (name in REFUSED) == refused]


def sheet_part(path: Path, sheet: str) -> str:
    with Package.open(path) as package:
        return package.worksheet(sheet).part


def table_parts(path: Path) -> set[str]:
    with zipfile.ZipFile(path) as archive:
        return {n for n in archive.namelist() if n.startswith("xl/tables/")}


def outside_cells(xml: bytes) -> bytes:
    """The sheet part without its cells and its dimension: what a patch must leave exactly as it was."""
    xml = re.sub(rb"<(\w+:)?sheetData\b.*?</(\w+:)?sheetData>|<(\w+:)?sheetData\s*/>", b"", xml, flags=re.S)
    return re.sub(rb"<(\w+:)?dimension\b[^>]*/>", b"", xml)


def cells(xml: bytes) -> dict[str, bytes]:
    root = etree.fromstring(xml)
    return {c.get("r"): etree.tostring(c) for c in root.iter(f"{NS}c")}


def totals_rows(before: Path, after: Path, sheet: str) -> dict[int, int]:
    """Where each table's totals row was → where it is now."""
    with Package.open(before) as old, Package.open(after) as new:
        rows_before = {t.name: t.totals_row for t in Reader(old).tables(sheet) if t.totals_row}
        rows_after = {t.name: t.totals_row for t in Reader(new).tables(sheet) if t.totals_row}
    return {row: rows_after[name] for name, row in rows_before.items() if rows_after.get(name)}


def without_value(xml: bytes) -> bytes:
    """A formula cell without its cached value (which the tool recomputes when rows are added)."""
    return re.sub(rb"<v>[^<]*</v>", b"", xml)


def test_the_corpus_is_the_one_of_the_issue(days: dict[str, Day]) -> None:
    expected = {"sparklines", "data-bars", "text-box", "checkboxes", "ignored-errors", "dynamic-arrays"}
    expected |= {"totals-table", "merged-cells", "chart-sheet-first", "far-formatted-cell", "macro-button"}
    expected |= {"web-extension", "openpyxl-made", "note-under-table", "kitchen-sink"}
    assert expected <= set(days)
    assert any(name.startswith("excel-") for name in days)


def test_every_office_workbook_gets_the_whole_day(days: dict[str, Day]) -> None:
    for name in names(days, refused=False):
        for command, (code, output) in days[name].outputs.items():
            assert code == 0, f"{name} : guichet {command} → {output}"


def test_the_parts_the_tool_does_not_extend_are_byte_for_byte_the_same(days: dict[str, Day]) -> None:
    for name in names(days, refused=False):
        day = days[name]
        allowed = EXTENDED | table_parts(day.original) | {sheet_part(day.original, day.book.sheet)}
        with zipfile.ZipFile(day.original) as before, zipfile.ZipFile(day.book.path) as after:
            kept = set(after.namelist())
            for part in before.namelist():
                if "calcChain" in part:
                    continue  # Excel rebuilds it; a patch may drop it
                assert part in kept, f"{name} : {part} a disparu"
                if part not in allowed:
                    assert before.read(part) == after.read(part), f"{name} : {part} a changé"


def test_the_office_sheet_is_the_same_outside_the_cells_the_tool_added(days: dict[str, Day]) -> None:
    for name in names(days, refused=False):
        day = days[name]
        part = sheet_part(day.original, day.book.sheet)
        with zipfile.ZipFile(day.original) as before, zipfile.ZipFile(day.book.path) as after:
            old, new = before.read(part), after.read(part)
        assert outside_cells(old) == outside_cells(new), f"{name} : la feuille {part} a changé hors des cellules"
        old_cells, new_cells = cells(old), cells(new)
        moved = totals_rows(day.original, day.book.path, day.book.sheet)
        changed = []
        for ref, xml in old_cells.items():
            column, row = re.fullmatch(r"([A-Z]+)(\d+)", ref).groups()  # type: ignore[union-attr]
            if int(row) in moved:  # a totals row moves under the new rows, with its formula and its style
                target = f"{column}{moved[int(row)]}"
                expected = without_value(xml).replace(ref.encode(), target.encode())
                if without_value(new_cells.get(target, b"")) != expected:
                    changed.append(ref)
            elif new_cells.get(ref) != xml:
                changed.append(ref)
        assert not changed, f"{name} : cellules de l'office modifiées : {changed[:5]}"


def test_the_dossiers_are_in_the_workbook_with_their_allocation(days: dict[str, Day]) -> None:
    for name in names(days, refused=False):
        # Read as the tool reads (streamed): openpyxl would build the million rows of far-formatted-cell.
        with Package.open(days[name].book.path) as package:
            reader = Reader(package)
            found = []
            for sheet in (entry.name for entry in package.sheets if entry.kind == "worksheet"):
                values = reader.values(sheet)
                found += [
                    (values, number) for number, row in enumerate(values[:20]) if "Alloué" in row and "Éligible" in row
                ]
        assert len(found) == 1, f"{name} : {len(found)} tableaux de dossiers"
        values, header_row = found[0]
        column = {h: i for i, h in enumerate(values[header_row])}
        rows = [r for r in values[header_row + 1 :] if r[column["Éligible"]] in ("Oui", "Non")]
        assert len(rows) == 45, name  # the 5 dossiers of examples/recus and the 40 of examples/dossiers
        allocated = sum(r[column["Alloué"]] or 0 for r in rows)
        assert 0 < allocated <= 297_000, name


def test_a_layout_the_tool_cannot_grow_into_is_refused_naming_the_cell(days: dict[str, Day]) -> None:
    for name in names(days, refused=True):
        day = days[name]
        code, output = day.outputs["import"]
        assert code == 1, output
        assert REFUSED[name] in output and "Traceback" not in output, output
        assert day.book.path.read_bytes() == day.after_init.read_bytes(), f"{name} : le classeur a changé"


def test_importing_the_same_files_again_changes_nothing(days: dict[str, Day]) -> None:
    for name in names(days, refused=False):
        code, output = days[name].outputs["reimport"]
        assert code == 0, f"{name} : {output}"
        assert "0 ajouté(s), 0 mis à jour, 45 inchangé(s)" in output, f"{name} : {output}"


def test_another_reglement_brings_the_tools_parametres_sheet_to_it_in_every_office_workbook(
    days: dict[str, Day],
) -> None:
    # The office's parts stay byte for byte through it too: the test above compares the original with the
    # workbook as this last step leaves it.
    for name in names(days, refused=False):
        code, output = days[name].outputs["other-reglement"]
        assert code == 0, f"{name} : {output}"
        assert "Plafond par dossier : 50\xa0000\xa0€ → 40\xa0000\xa0€" in output, f"{name} : {output}"


def test_the_tools_columns_beside_an_office_date_column_show_numbers_as_numbers(tmp_path: Path) -> None:
    """The office's table ends with a date column: the columns the tool adds on its right take its look (its
    fill), not its date format — a population of 1 751 must not read 16/10/1904."""
    path = table_ending_with_a_date(tmp_path / "suivi.xlsx")
    rows = range(3)  # the office's rows
    runner = CliRunner()
    assert runner.invoke(main, ["init", "--into", str(path)]).exit_code == 0
    first = runner.invoke(main, ["import", *RECEIVED, "--workbook", str(path)])
    assert first.exit_code == 0, first.output
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        suivi = openpyxl.load_workbook(path)["Suivi"]
    column = {cell.value: cell.column for cell in suivi[1]}
    numbers = [
        cell
        for row in suivi.iter_rows(min_row=2, min_col=column["Relancé le"] + 1)
        for cell in row
        if isinstance(cell.value, int | float) and not isinstance(cell.value, bool)
    ]
    assert len(numbers) > 45 * 5, len(numbers)
    assert not [c.coordinate for c in numbers if is_date_format(c.number_format)]
    for row in range(2, len(rows) + 2):  # the office's rows: the new cells of its table look like its own
        population = suivi.cell(row, column["Population"])
        assert population.fill.fgColor.rgb == "FFDDEBF7" and population.number_format == "#,##0"
    populations = [c for c in numbers if c.column == column["Population"]]
    assert populations and {c.number_format for c in populations} == {"#,##0"}
    again = runner.invoke(main, ["import", *RECEIVED, "--workbook", str(path), "--tout-recontroler"])  # whole
    assert "0 ajouté(s), 0 mis à jour, 45 inchangé(s)" in again.output, again.output
