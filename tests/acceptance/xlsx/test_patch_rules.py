"""The rules of ``Patch``: how values, formulas, styles, tables and names are written, and what is refused."""

from __future__ import annotations

import datetime as dt
import os
import stat
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from tests.acceptance.xlsx import workbooks as W
from tests.acceptance.xlsx.helpers import scratch_workbook
from xlplugin.xlsx import (
    STYLE_ABOVE,
    CellError,
    DefinedNameError,
    ErrorValue,
    GraftError,
    Package,
    PackageChanged,
    Patch,
    Reader,
    SaveError,
    StyleFrom,
    TableError,
    XlsxError,
    compare_packages,
)


def save(
    source: Path, target: Path, *changes: tuple[str, int, int, object] | tuple[str, int, int, object, str]
) -> Path:
    with Package.open(source) as package:
        patch = Patch(package)
        for change in changes:
            sheet, row, col, value, *formula = change
            patch.set(sheet, row, col, value, formula=formula[0] if formula else None)
        patch.save(target)
        assert patch.compare(target).ok
    return target


def values(path: Path, sheet: str = "Suivi", **options: bool) -> list[list[object]]:
    with Package.open(path) as package:
        return Reader(package, **options).values(sheet)


def sheet_bytes(path: Path, part: str = "xl/worksheets/sheet1.xml") -> bytes:
    with zipfile.ZipFile(path) as archive:
        return archive.read(part)


# Values ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["=SUM(A1:A9)", "+33 4 74 32 30 00", "-5 €", "@moi", "=1+1"])
def test_text_that_looks_like_a_formula_stays_text(tmp_path: Path, text: str) -> None:
    out = save(W.simple(tmp_path / "a.xlsx"), tmp_path / "b.xlsx", ("Suivi", 2, 4, text))
    assert values(out)[1][3] == text
    assert b"<f>" not in sheet_bytes(out).split(b'r="D2"')[1].split(b"</c>")[0]
    cell = openpyxl.load_workbook(out)["Suivi"]["D2"]
    assert cell.value == text and cell.data_type == "s"


def test_shared_strings_part_is_never_rewritten(tmp_path: Path) -> None:
    source = W.simple(tmp_path / "a.xlsx")
    out = save(source, tmp_path / "b.xlsx", ("Suivi", 2, 1, "nouveau nom"), ("Suivi", 30, 1, "ligne neuve"))
    with zipfile.ZipFile(source) as a, zipfile.ZipFile(out) as b:
        assert a.read("xl/sharedStrings.xml") == b.read("xl/sharedStrings.xml")
    assert values(out)[1][0] == "nouveau nom" and values(out)[29][0] == "ligne neuve"


@pytest.mark.parametrize(
    ("value", "xml", "read"),
    [
        (Decimal("19200.50"), b"<v>19200.5</v>", 19200.5),
        (Decimal("0.1"), b"<v>0.1</v>", 0.1),
        (12, b"<v>12</v>", 12),
        (2.5, b"<v>2.5</v>", 2.5),
        (10**15, b"<v>1000000000000000</v>", 10**15),
        (True, b't="b"><v>1</v>', True),
        (ErrorValue("#N/A"), b't="e"><v>#N/A</v>', ErrorValue("#N/A")),
    ],
)
def test_values_are_written_as_their_type(tmp_path: Path, value: object, xml: bytes, read: object) -> None:
    out = save(W.simple(tmp_path / "a.xlsx"), tmp_path / "b.xlsx", ("Suivi", 3, 5, value))
    assert xml in sheet_bytes(out)
    assert values(out)[2][4] == read


def test_decimals_read_back_exactly(tmp_path: Path) -> None:
    out = save(W.simple(tmp_path / "a.xlsx"), tmp_path / "b.xlsx", ("Suivi", 3, 5, Decimal("1234567.89")))
    assert values(out, decimals=True)[2][4] == Decimal("1234567.89")


@pytest.mark.parametrize(
    "text", ["  espaces  ", "ligne 1\nligne 2", "tab\there", "x_x0041_y", "ctrl\x01\x1f", "« accents » ü €"]
)
def test_any_text_round_trips(tmp_path: Path, text: str) -> None:
    out = save(W.simple(tmp_path / "a.xlsx"), tmp_path / "b.xlsx", ("Suivi", 2, 4, text))
    assert values(out)[1][3] == text
    if ("_x" not in text and text.isprintable()) or "\n" in text or "\t" in text:
        # openpyxl does not decode OOXML's _xHHHH_ escapes (Excel and this reader do)
        assert openpyxl.load_workbook(out)["Suivi"]["D2"].value == text


def test_dates_get_a_date_style_unless_they_have_one(tmp_path: Path) -> None:
    out = save(
        W.simple(tmp_path / "a.xlsx"),
        tmp_path / "b.xlsx",
        ("Suivi", 2, 3, dt.date(2021, 12, 31)),
        ("Suivi", 3, 3, dt.datetime(2021, 6, 1, 14, 30)),
        ("Suivi", 4, 3, dt.time(8, 15)),
    )
    rows = values(out)
    assert rows[1][2] == dt.date(2021, 12, 31)
    assert rows[2][2] == dt.datetime(2021, 6, 1, 14, 30)
    assert rows[3][2] == dt.time(8, 15)
    sheet = openpyxl.load_workbook(out)["Suivi"]
    assert sheet["C2"].number_format == "dd/mm/yyyy" and sheet["C3"].number_format == "dd/mm/yyyy hh:mm"
    again = save(out, tmp_path / "c.xlsx", ("Suivi", 2, 3, dt.date(2022, 1, 2)))
    assert values(again)[1][2] == dt.date(2022, 1, 2)
    with Package.open(out) as before, Package.open(again) as after:
        assert Reader(before).styles.xf_count == Reader(after).styles.xf_count  # no new style for a date cell


def test_none_clears_the_value_and_keeps_the_style(tmp_path: Path) -> None:
    out = save(W.simple(tmp_path / "a.xlsx"), tmp_path / "b.xlsx", ("Suivi", 2, 2, None))
    assert values(out)[1][1] is None
    assert b'<c r="B2" s="1"/>' in sheet_bytes(out)


@pytest.mark.parametrize(
    ("row", "col", "value", "formula", "message"),
    [
        (0, 1, "x", None, "hors de la feuille"),
        (1, 16385, "x", None, "hors de la feuille"),
        (2, 2, ["liste"], None, "type list"),
        (2, 2, float("nan"), None, "non fini"),
        (2, 2, "x" * 32768, None, "32767"),
        (2, 2, 1, "=A1", "sans « = »"),
        (2, 2, 1, "  ", "formule vide"),
    ],
)
def test_bad_writes_are_refused_with_the_cell_named(
    tmp_path: Path, row: int, col: int, value: object, formula: str | None, message: str
) -> None:
    with Package.open(W.simple(tmp_path / "a.xlsx")) as package, pytest.raises(CellError, match=message):
        Patch(package).set("Suivi", row, col, value, formula=formula)


# Formulas -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        (42, b"<f>A1*2</f><v>42</v>"),
        ("Oui", b't="str"><f>A1*2</f><v>Oui</v>'),
        (False, b't="b"><f>A1*2</f><v>0</v>'),
        (None, b"<f>A1*2</f></c>"),
    ],
)
def test_formula_with_its_cached_value(tmp_path: Path, value: object, fragment: bytes) -> None:
    out = save(W.simple(tmp_path / "a.xlsx"), tmp_path / "b.xlsx", ("Suivi", 2, 5, value, "A1*2"))
    assert fragment in sheet_bytes(out)


def test_overwriting_a_formula_drops_its_calc_chain_entry(tmp_path: Path) -> None:
    chain: dict[str, bytes | None] = {"xl/calcChain.xml": W.CALC_CHAIN.encode()}
    base = W.with_sheet(tmp_path, "chain.xlsx", W.SHARED, chain)
    rels = (
        zipfile.ZipFile(base)
        .read("xl/_rels/workbook.xml.rels")
        .replace(
            b"</Relationships>",
            b'<Relationship Id="rId99" '
            b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/calcChain" '
            b'Target="calcChain.xml"/></Relationships>',
        )
    )
    types = (
        zipfile.ZipFile(base)
        .read("[Content_Types].xml")
        .replace(
            b"</Types>",
            b'<Override PartName="/xl/calcChain.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            b'spreadsheetml.calcChain+xml"/></Types>',
        )
    )
    source = W.replace_parts(
        base, tmp_path / "chain2.xlsx", {"xl/_rels/workbook.xml.rels": rels, "[Content_Types].xml": types}
    )
    out = save(source, tmp_path / "b.xlsx", ("Suivi", 2, 2, 5), ("Suivi", 3, 2, 4), ("Suivi", 4, 2, 6))
    with zipfile.ZipFile(out) as archive:
        assert "xl/calcChain.xml" not in archive.namelist()  # every entry gone: the part goes too
        assert b"calcChain" not in archive.read("xl/_rels/workbook.xml.rels")
        assert b"calcChain" not in archive.read("[Content_Types].xml")
    partial = save(
        source,
        tmp_path / "c.xlsx",
        ("Suivi", 2, 2, "A2*2 (valeur)"),
        ("Suivi", 3, 2, 4, "A3*2"),
        ("Suivi", 4, 2, 6, "A4*2"),
    )
    chain_xml = zipfile.ZipFile(partial).read("xl/calcChain.xml")
    assert b'r="B2"' not in chain_xml and b'<c r="B3" i="1"/>' in chain_xml and b'<c r="B4"/>' in chain_xml


def test_shared_formula_master_keeps_its_group_when_its_formula_is_unchanged(tmp_path: Path) -> None:
    source = W.with_sheet(tmp_path, "shared.xlsx", W.SHARED)
    out = save(source, tmp_path / "b.xlsx", ("Suivi", 2, 2, 20, "A2*2"))
    xml = sheet_bytes(out)
    assert b'<f t="shared" ref="B2:B4" si="0">A2*2</f><v>20</v>' in xml
    assert xml.count(b'<f t="shared" si="0"/>') == 2
    assert openpyxl.load_workbook(out)["Suivi"]["B3"].value == "=A3*2"


def test_shared_formula_master_cannot_change_alone(tmp_path: Path) -> None:
    source = W.with_sheet(tmp_path, "shared.xlsx", W.SHARED)
    with Package.open(source) as package:
        patch = Patch(package)
        patch.set("Suivi", 2, 2, 3, formula="A2*3")
        with pytest.raises(CellError, match=r"B2 : sa formule est partagée .*B3"):
            patch.save(tmp_path / "b.xlsx")
    out = save(source, tmp_path / "c.xlsx", *[("Suivi", r, 2, r * 3, f"A{r}*3") for r in (2, 3, 4)])
    assert [row[1] for row in values(out)[1:]] == [6, 9, 12]
    dependent = save(source, tmp_path / "d.xlsx", ("Suivi", 3, 2, 40, "A3*20"))
    assert b'<c r="B3"><f>A3*20</f><v>40</v></c>' in sheet_bytes(dependent)


def test_part_of_a_legacy_array_formula_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "array.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Suivi")
    sheet.write_column("A1", [1, 2, 3])
    sheet.write_array_formula("B1:B3", "{=A1:A3*2}", None, 2)
    book.close()
    with Package.open(path) as package:
        patch = Patch(package)
        patch.set("Suivi", 2, 2, 9)
        with pytest.raises(CellError, match=r"B2 .* matricielle de B1 \(B1:B3\)"):
            patch.save(tmp_path / "b.xlsx")
    save(path, tmp_path / "c.xlsx", ("Suivi", 1, 2, 1), ("Suivi", 2, 2, 2), ("Suivi", 3, 2, 3))


@pytest.mark.parametrize("kind", ['"array"', "'array'", '"&#97;rray"'])
def test_an_array_formula_s_master_alone_is_refused_however_its_type_is_written(tmp_path: Path, kind: str) -> None:
    # Found by a review: a row whose cells are located without being read must still note an array's master.
    quote = kind[0]
    xml = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="{W.MAIN}">'
        '<dimension ref="A1:B2"/><sheetData>'
        f'<row r="1"><c r="A1"><v>1</v></c><c r="B1"><f t={kind} ref={quote}B1:B2{quote}>A1:A2*2</f><v>2</v></c></row>'
        '<row r="2"><c r="A2"><v>2</v></c><c r="B2"><v>4</v></c></row></sheetData></worksheet>'
    )
    source = W.with_sheet(tmp_path, "array.xlsx", xml)
    with Package.open(source) as package:
        patch = Patch(package)
        patch.set("Suivi", 1, 2, 9)
        with pytest.raises(CellError, match=r"B1 .* matricielle de B1 \(B1:B2\)"):
            patch.save(tmp_path / "b.xlsx")


# Layout of the sheet ---------------------------------------------------------------------------------


def test_rows_and_cells_are_inserted_in_order_and_dimension_grows(tmp_path: Path) -> None:
    out = save(
        W.simple(tmp_path / "a.xlsx"),
        tmp_path / "b.xlsx",
        ("Suivi", 1, 26, "Z1"),
        ("Suivi", 9, 1, "A9"),
        ("Suivi", 100, 3, "C100"),
        ("Suivi", 4, 3, "C4"),
    )
    xml = sheet_bytes(out)
    assert b'<dimension ref="A1:Z100"/>' in xml
    rows = [int(x) for x in __import__("re").findall(rb'<row r="(\d+)"', xml)]
    assert rows == sorted(rows) and {9, 100} <= set(rows)
    assert xml.index(b'r="B4"') < xml.index(b'r="C4"')
    assert b'<row r="1" spans="1:26"' in xml


def test_namespace_prefix_is_kept(tmp_path: Path) -> None:
    source = W.with_sheet(tmp_path, "prefixed.xlsx", W.PREFIXED)
    out = save(source, tmp_path / "b.xlsx", ("Suivi", 2, 1, "deux"), ("Suivi", 3, 2, 4.5))
    xml = sheet_bytes(out)
    assert b'<x:row r="2"><x:c r="A2" t="inlineStr"><x:is><x:t>deux</x:t></x:is></x:c></x:row>' in xml
    assert b'<x:c r="B3"><x:v>4.5</x:v></x:c>' in xml
    assert values(out) == [["Nom", None], ["deux", None], [3, 4.5]]


def test_rows_and_cells_without_numbers(tmp_path: Path) -> None:
    source = W.with_sheet(tmp_path, "implicit.xlsx", W.IMPLICIT)
    assert values(source) == [["a", 1], ["b", 2]]
    out = save(source, tmp_path / "b.xlsx", ("Suivi", 1, 3, "c1"), ("Suivi", 2, 1, "B"))
    assert values(out) == [["a", 1, "c1"], ["B", 2, None]]


def test_empty_sheet_data_receives_rows(tmp_path: Path) -> None:
    source = W.with_sheet(tmp_path, "empty.xlsx", W.EMPTY)
    out = save(source, tmp_path / "b.xlsx", ("Suivi", 2, 2, "x"))
    assert values(out) == [[None, None], [None, "x"]]
    assert b"<sheetData><row" in sheet_bytes(out) and b"<pageMargins" in sheet_bytes(out)


def test_indented_sheet_keeps_its_layout(tmp_path: Path) -> None:
    source = W.with_sheet(tmp_path, "pretty.xlsx", W.PRETTY)
    out = save(source, tmp_path / "b.xlsx", ("Suivi", 1, 2, "deux"))
    assert b'      <c r="A1" t="inlineStr"><is><t>un</t></is></c><c r="B2"' not in sheet_bytes(out)
    assert b"<!-- written by a tool that indents -->" in sheet_bytes(out)
    assert values(out)[0] == ["un", "deux", 3]
    with Package.open(source) as package:
        patch = Patch(package)
        patch.set("Suivi", 5, 2, "x")
        with pytest.raises(CellError, match="B5"):
            patch.save(tmp_path / "c.xlsx")


# Styles ----------------------------------------------------------------------------------------------


def test_styles_are_appended_and_reused(tmp_path: Path) -> None:
    source = W.simple(tmp_path / "a.xlsx")
    with Package.open(source) as package:
        patch = Patch(package)
        before = patch.styles.xf_count
        pink = patch.style(fill_rgb="FFC7CE", font_rgb="9C0006", bold=True)
        assert patch.style(fill_rgb="#ffc7ce", font_rgb="9C0006", bold=True) == pink
        euros = patch.style(number_format='#,##0.00 "€"', base=pink)
        wrapped = patch.style(wrap=True, align="center", vertical="top")
        assert patch.style() == 0  # an existing identical xf is reused
        patch.set("Suivi", 2, 1, "rose", style=pink)
        patch.set("Suivi", 2, 2, Decimal("10.5"), style=euros)
        patch.set("Suivi", 2, 3, "long texte", style=wrapped)
        patch.save(tmp_path / "b.xlsx")
        assert patch.styles.xf_count == before + 3
    sheet = openpyxl.load_workbook(tmp_path / "b.xlsx")["Suivi"]
    assert (
        sheet["A2"].font.b and sheet["A2"].fill.fgColor.rgb == "FFFFC7CE" and sheet["A2"].font.color.rgb == "FF9C0006"
    )
    assert sheet["B2"].number_format == '#,##0.00 "€"' and sheet["B2"].fill.fgColor.rgb == "FFFFC7CE"
    assert sheet["C2"].alignment.wrap_text and sheet["C2"].alignment.horizontal == "center"
    assert sheet["B3"].number_format == "#,##0.00" and sheet["B3"].font.b  # untouched cells keep theirs


def test_existing_style_is_kept_unless_one_is_given(tmp_path: Path) -> None:
    out = save(W.simple(tmp_path / "a.xlsx"), tmp_path / "b.xlsx", ("Suivi", 3, 2, 99))
    assert b'<c r="B3" s="1"><v>99</v></c>' in sheet_bytes(out)


def test_style_above(tmp_path: Path) -> None:
    with Package.open(W.simple(tmp_path / "a.xlsx")) as package:
        patch = Patch(package)
        for row in (7, 8, 9):
            patch.set("Suivi", row, 2, row, style=STYLE_ABOVE)
        patch.save(tmp_path / "b.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "b.xlsx")["Suivi"]
    # B6 holds the money style; B7 (the SUM, unstyled) takes it from above, and B8, B9 from B7
    assert [sheet.cell(r, 2).number_format for r in (6, 7, 8, 9)] == ["#,##0.00"] * 4
    assert sheet["B7"].value == 7 and sheet["B1"].number_format == "General"


def test_a_number_never_takes_a_date_format_from_its_neighbour(tmp_path: Path) -> None:
    """Under a date, a number would read as a date (1 751 as 16/10/1904): it gets the format asked for,
    else General; a date under a number format gets a date's; a suitable format is kept."""
    path = tmp_path / "a.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Suivi")
    sheet.write("A1", dt.date(2023, 6, 1), book.add_format({"num_format": "dd/mm/yyyy", "bold": True}))
    sheet.write("B1", 12.5, book.add_format({"num_format": "0.0"}))
    book.close()
    with Package.open(path) as package:
        patch = Patch(package)
        patch.set("Suivi", 2, 1, 1751, style=StyleFrom(-1, 0, preferred_format="#,##0"))
        patch.set("Suivi", 3, 1, 42, style=STYLE_ABOVE)  # above: A2, now #,##0 — it suits a number
        patch.set("Suivi", 4, 1, 7, style=StyleFrom(-1, 0, preferred_format="#,##0"))
        patch.set("Suivi", 2, 2, 3, style=StyleFrom(-1, 0, preferred_format="#,##0"))  # 0.0 suits: kept
        patch.set("Suivi", 3, 2, dt.date(2024, 1, 2), style=STYLE_ABOVE)
        patch.set("Suivi", 4, 2, dt.date(2024, 1, 2), style=StyleFrom(-2, 0, preferred_format="d mmmm yyyy"))
        patch.save(tmp_path / "b.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "b.xlsx")["Suivi"]
    assert [sheet.cell(r, 1).number_format for r in (2, 3, 4)] == ["#,##0"] * 3
    assert sheet["A2"].font.b and sheet["A2"].value == 1751  # the look of the cell above, not its dates
    assert [sheet.cell(r, 2).number_format for r in (2, 3, 4)] == ["0.0", "dd/mm/yyyy", "d mmmm yyyy"]


def test_a_new_table_column_takes_its_own_number_format(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Suivi")
    date = book.add_format({"num_format": "dd/mm/yyyy", "bg_color": "#DDEBF7"})
    columns = [{"header": "Nom"}, {"header": "Relancé le", "format": date}]
    sheet.add_table(0, 0, 2, 1, {"name": "Suivi_T", "columns": columns, "data": [["a", dt.date(2023, 1, 2)]] * 2})
    book.close()
    with Package.open(path) as package:
        patch = Patch(package)
        patch.add_table_column("Suivi_T", "Population", "#,##0")
        patch.add_table_column("Suivi_T", "Avis")
        first = patch.append_table_rows("Suivi_T", 1)
        patch.set("Suivi", first, 3, 1751, style=STYLE_ABOVE)
        patch.save(tmp_path / "b.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "b.xlsx")["Suivi"]
    assert [sheet.cell(r, 3).number_format for r in (2, 3, 4)] == ["#,##0"] * 3
    assert [sheet.cell(r, 4).number_format for r in (2, 3)] == ["General"] * 2
    assert sheet["C2"].fill.fgColor.rgb == "FFDDEBF7" and sheet["C1"].value == "Population"


# Tables ----------------------------------------------------------------------------------------------


def table_book(path: Path, totals: bool = True, below: str | None = None) -> Path:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Suivi")
    money = book.add_format({"num_format": "#,##0.00"})
    columns: list[dict[str, object]] = [
        {"header": "Nom", "total_string": "Total"},
        {"header": "Montant", "total_function": "sum", "format": money},
        {"header": "Note", "total_function": "average"},
        {"header": "Nb", "total_function": "count"},
    ]
    sheet.add_table(
        0,
        0,
        3 + (1 if totals else 0),
        3,
        {
            "name": "Suivi_T",
            "columns": columns,
            "total_row": totals,
            "data": [["a", 10, 1, "x"], ["b", 20, 3, "y"], ["c", 30, 5, "z"]],
        },
    )
    if below:
        sheet.write(below, "gêne")
    book.close()
    return path


def test_rows_appended_to_a_totals_table(tmp_path: Path) -> None:
    with Package.open(table_book(tmp_path / "t.xlsx")) as package:
        patch = Patch(package)
        first = patch.append_table_rows("Suivi_T", 2)
        assert first == 5
        patch.set("Suivi", 5, 1, "d")
        patch.set("Suivi", 5, 2, 40)
        patch.set("Suivi", 5, 3, 7)
        second = patch.append_table_rows("suivi_t", 1)  # names compared without case
        assert second == 7
        patch.set("Suivi", 6, 1, "e")
        patch.set("Suivi", 6, 2, Decimal("0.5"))
        patch.set("Suivi", 7, 1, "f")
        patch.save(tmp_path / "b.xlsx")
        assert patch.compare(tmp_path / "b.xlsx").ok
    with Package.open(tmp_path / "b.xlsx") as package:
        reader = Reader(package)
        table = reader.tables("Suivi")[0]
        rows = reader.values("Suivi")
    assert str(table.ref) == "A1:D8" and table.autofilter_ref == "A1:D7" and table.totals_rows == 1
    assert rows[7] == ["Total", 100.5, 4, 3]  # sum, average of 1, 3, 5, 7 and count of D
    assert [r[0] for r in rows[1:7]] == ["a", "b", "c", "d", "e", "f"]
    assert openpyxl.load_workbook(tmp_path / "b.xlsx")["Suivi"]["B6"].number_format == "#,##0.00"


def test_a_totals_table_growing_a_column_and_rows_gives_the_old_totals_row_the_look_of_the_row_above(
    tmp_path: Path,
) -> None:
    """The old totals row becomes a data row: its cell in the new column, written without a style, looks like the
    cell above — not like the new column's other cells (which take their left neighbour's look), whatever order
    the table's growth is planned in."""
    with Package.open(table_book(tmp_path / "t.xlsx")) as package:
        patch = Patch(package)
        col = patch.add_table_column("Suivi_T", "Nouvelle", "0.00")
        first = patch.append_table_rows("Suivi_T", 1)
        assert (col, first) == (5, 5)
        patch.set("Suivi", 4, col, 7, style=patch.style(number_format="0%", bold=True))
        patch.set("Suivi", 5, col, 42)  # the old totals row, in the new column
        patch.set("Suivi", 3, col, 3)  # a data row of before, in the new column
        patch.save(tmp_path / "b.xlsx")
        assert patch.compare(tmp_path / "b.xlsx").ok
    sheet = openpyxl.load_workbook(tmp_path / "b.xlsx")["Suivi"]
    assert (sheet["E5"].number_format, sheet["E5"].font.b) == ("0%", True)
    assert sheet["E3"].number_format == "0.00" and not sheet["E3"].font.b


def test_a_totals_row_that_stays_is_recomputed_when_its_column_is_written(tmp_path: Path) -> None:
    """No row added, a summed cell changed: the totals row's saved figures follow (a viewer that does not
    recalculate shows them), its formulas and labels unchanged."""
    with Package.open(table_book(tmp_path / "t.xlsx")) as package:
        patch = Patch(package)
        patch.set("Suivi", 3, 2, 25)  # b: 20 → 25
        patch.set("Suivi", 4, 3, 9)  # c: note 5 → 9
        patch.save(tmp_path / "b.xlsx")
        assert patch.compare(tmp_path / "b.xlsx").ok
    with Package.open(tmp_path / "b.xlsx") as package:
        rows = Reader(package).values("Suivi")
    assert rows[4] == ["Total", 65, 13 / 3, 3]
    formulas = openpyxl.load_workbook(tmp_path / "b.xlsx")["Suivi"]
    assert str(formulas["B5"].value).startswith("=SUBTOTAL(109")


def test_table_growth_into_a_filled_cell_is_refused(tmp_path: Path) -> None:
    with Package.open(table_book(tmp_path / "t.xlsx", totals=False, below="C6")) as package:
        patch = Patch(package)
        patch.append_table_rows("Suivi_T", 1)
        patch.save(tmp_path / "ok.xlsx")  # row 5 is free
        patch = Patch(package)
        patch.append_table_rows("Suivi_T", 2)
        with pytest.raises(TableError, match=r"« Suivi_T » .*\(C6\)"):
            patch.save(tmp_path / "refused.xlsx")
        patch = Patch(package)
        patch.add_table_column("Suivi_T", "Avis")
        patch.save(tmp_path / "column.xlsx")
    with Package.open(tmp_path / "column.xlsx") as package:
        table = Reader(package).tables("Suivi")[0]
        assert [c.name for c in table.columns] == ["Nom", "Montant", "Note", "Nb", "Avis"] and table.columns[-1].id == 5
        assert Reader(package).values("Suivi")[0][4] == "Avis"


@pytest.mark.parametrize(("header", "message"), [("Note", "déjà une colonne"), ("", "texte non vide")])
def test_bad_table_columns_are_refused(tmp_path: Path, header: str, message: str) -> None:
    with Package.open(table_book(tmp_path / "t.xlsx")) as package, pytest.raises(TableError, match=message):
        Patch(package).add_table_column("Suivi_T", header)


def test_header_cells_must_be_distinct_texts(tmp_path: Path) -> None:
    with Package.open(table_book(tmp_path / "t.xlsx")) as package:
        patch = Patch(package)
        with pytest.raises(TableError, match="déjà une colonne « Note »"):
            patch.set("Suivi", 1, 2, "Note")
        with pytest.raises(TableError, match="texte non vide"):
            patch.set("Suivi", 1, 2, 2021)
        with pytest.raises(TableError, match="pas de tableau"):
            patch.append_table_rows("Inconnu", 1)


# Names -----------------------------------------------------------------------------------------------


def test_defined_names_belong_to_whoever_made_them(tmp_path: Path) -> None:
    path = tmp_path / "names.xlsx"
    book = xlsxwriter.Workbook(str(path))
    book.add_worksheet("Suivi").write("A1", 150000)
    book.add_worksheet("Autre")
    book.define_name("Enveloppe", "=Suivi!$A$1")
    book.define_name("Autre!Local", "=Autre!$A$1")
    book.close()
    with Package.open(path) as package:
        patch = Patch(package)
        with pytest.raises(DefinedNameError, match=r"« Enveloppe » existe déjà .*Suivi!\$A\$1"):
            patch.define_name("Enveloppe", "'Paramètres'!$B$2")
        patch.define_name("Local", "Suivi!$A$1")  # workbook scope: not the sheet's own « Local »
        patch.define_name("Guichet_Enveloppe", "Suivi!$A$1", hidden=True)
        patch.define_name("Guichet_Enveloppe", "Suivi!$A$2", replace=True)
        patch.define_name("Prive", "Autre!$A$1", sheet="Autre")
        for bad in ("A1", "R1C1", "1abc", "", "a b", "XFD1"):
            with pytest.raises(DefinedNameError):
                patch.define_name(bad, "Suivi!$A$1")
        patch.save(tmp_path / "b.xlsx")
        assert patch.compare(tmp_path / "b.xlsx").ok
        assert patch.names_touched == {"Local", "Guichet_Enveloppe", "Prive"}
    names = openpyxl.load_workbook(tmp_path / "b.xlsx").defined_names
    assert names["Enveloppe"].attr_text == "Suivi!$A$1"
    assert names["Guichet_Enveloppe"].attr_text == "Suivi!$A$2"


def test_a_name_may_not_be_a_table_name(tmp_path: Path) -> None:
    with Package.open(table_book(tmp_path / "t.xlsx")) as package, pytest.raises(DefinedNameError, match="tableau"):
        Patch(package).define_name("Suivi_T", "Suivi!$A$1")


# Grafting --------------------------------------------------------------------------------------------


def test_graft_merges_styles_and_keeps_the_active_sheet(tmp_path: Path) -> None:
    source = W.simple(tmp_path / "a.xlsx")
    scratch = scratch_workbook(tmp_path / "scratch.xlsx")
    with Package.open(source) as package:
        patch = Patch(package)
        names = patch.graft(
            scratch, rename={"Répartition": "Répartition (outil)"}, names=["Total_Reparti_Outil"], position=0
        )
        assert names == ["Répartition (outil)"]
        with pytest.raises(GraftError, match="déjà une feuille"):
            patch.graft(scratch, rename={"Répartition": "suivi"})
        with pytest.raises(GraftError, match="déjà un tableau ou un nom « Classement_Outil »"):
            patch.graft(scratch, rename={"Répartition": "Autre"})
        patch.save(tmp_path / "b.xlsx")
        assert patch.compare(tmp_path / "b.xlsx").ok
    book = openpyxl.load_workbook(tmp_path / "b.xlsx")
    assert book.sheetnames == ["Répartition (outil)", "Suivi"]
    assert book.active.title == "Suivi"  # type: ignore[union-attr]
    grafted = book["Répartition (outil)"]
    assert grafted["A1"].font.b and grafted["A1"].fill.fgColor.rgb.endswith("1F4E79")
    assert grafted["C2"].number_format == '#,##0 "€"'
    assert grafted["C8"].value == "=SUM('Répartition (outil)'!C2:C6)"
    assert book.defined_names["Total_Reparti_Outil"].attr_text == "'Répartition (outil)'!$C$8"
    assert grafted.print_title_rows == "$1:$1"
    assert "Classement_Outil" in grafted.tables and len(grafted._charts) == 1  # type: ignore[attr-defined]
    with zipfile.ZipFile(tmp_path / "b.xlsx") as archive:
        chart = next(n for n in archive.namelist() if n.startswith("xl/charts/"))
        assert "'Répartition (outil)'!$C$2:$C$6".encode() in archive.read(chart)
        assert b"tabSelected" not in archive.read("xl/worksheets/sheet2.xml")


# Saving ----------------------------------------------------------------------------------------------


def test_untouched_parts_are_copied_raw(tmp_path: Path) -> None:
    source = W.simple(tmp_path / "a.xlsx")
    out = save(source, tmp_path / "b.xlsx", ("Suivi", 2, 1, "x"))
    with zipfile.ZipFile(source) as a, zipfile.ZipFile(out) as b:
        for info in a.infolist():
            if info.filename == "xl/worksheets/sheet1.xml":
                continue
            other = b.getinfo(info.filename)
            assert (other.CRC, other.compress_size, other.compress_type) == (
                info.CRC,
                info.compress_size,
                info.compress_type,
            )
        assert [i.filename for i in a.infolist()] == [i.filename for i in b.infolist()]


def test_a_file_changed_since_opening_is_not_overwritten(tmp_path: Path) -> None:
    source = W.simple(tmp_path / "a.xlsx")
    with Package.open(source) as package:
        patch = Patch(package)
        patch.set("Suivi", 2, 1, "x")
        W.simple(source, rows=6)  # another program saves the file meanwhile
        with pytest.raises(PackageChanged, match="modifié par un autre programme"):
            patch.save()
    assert values(source)[6][0] == "n6"


def test_mode_and_symbolic_link_are_respected(tmp_path: Path) -> None:
    real = W.simple(tmp_path / "real.xlsx")
    os.chmod(real, 0o664)
    link = tmp_path / "lien.xlsx"
    link.symlink_to(real)
    with Package.open(link) as package:
        patch = Patch(package)
        patch.set("Suivi", 2, 1, "par le lien")
        patch.save()
    assert link.is_symlink() and values(real)[1][0] == "par le lien"
    assert stat.S_IMODE(os.stat(real).st_mode) == 0o664


def test_a_read_only_workbook_is_refused(tmp_path: Path) -> None:
    source = W.simple(tmp_path / "a.xlsx")
    os.chmod(source, 0o444)
    with Package.open(source) as package:
        patch = Patch(package)
        patch.set("Suivi", 2, 1, "x")
        with pytest.raises(SaveError, match="lecture seule"):
            patch.save()


# The comparison is not vacuous -------------------------------------------------------------------------


def test_compare_sees_what_a_patch_should_not_do(tmp_path: Path) -> None:
    source = W.simple(tmp_path / "a.xlsx")
    out = save(source, tmp_path / "b.xlsx", ("Suivi", 2, 1, "x"))
    sheet = sheet_bytes(out)
    cases = {
        "cellule": ("xl/worksheets/sheet1.xml", sheet.replace(b"<v>21</v>", b"<v>22</v>")),
        "fin": ("xl/worksheets/sheet1.xml", sheet.replace(b"<pageMargins", b'<pageMargins foo="1"')),
        "ligne": ("xl/worksheets/sheet1.xml", sheet.replace(b'<row r="4"', b'<row r="4" hidden="1"')),
        "partie": ("docProps/app.xml", b"<Properties/>"),
        "style": (
            "xl/styles.xml",
            zipfile.ZipFile(out).read("xl/styles.xml").replace(b'numFmtId="164"', b'numFmtId="165"', 1),
        ),
    }
    for label, (name, data) in cases.items():
        broken = W.replace_parts(out, tmp_path / f"broken-{label}.xlsx", {name: data})
        result = compare_packages(source, broken, written={"xl/worksheets/sheet1.xml": {(2, 1)}}, thorough=True)
        assert not result.ok, label
    assert compare_packages(source, out, written={"xl/worksheets/sheet1.xml": {(2, 1)}}, thorough=True).ok
    assert not compare_packages(source, out).ok  # the written cell itself counts unless declared


def test_a_table_without_totals_can_shrink(tmp_path: Path) -> None:
    with Package.open(table_book(tmp_path / "t.xlsx", totals=False)) as package:
        patch = Patch(package)
        assert patch.set_table_rows("Suivi_T", 2) == 3
        patch.set("Suivi", 4, 1, None)
        assert patch.pending_values("Suivi") == {(4, 1): None}
        patch.save(tmp_path / "b.xlsx")
        assert patch.compare(tmp_path / "b.xlsx").ok
    with Package.open(tmp_path / "b.xlsx") as package:
        table = Reader(package).tables("Suivi")[0]
        assert str(table.ref) == "A1:D3" and table.autofilter_ref == "A1:D3"
    with Package.open(table_book(tmp_path / "totals.xlsx")) as package:
        patch = Patch(package)
        assert patch.set_table_rows("Suivi_T", 5) == 6
        with pytest.raises(TableError, match="ne se raccourcit pas"):
            patch.set_table_rows("Suivi_T", 1)


def test_saving_over_the_opened_file_releases_it_first(tmp_path: Path) -> None:
    """Windows cannot replace an open file: the package is closed just before the rename."""
    source = W.simple(tmp_path / "a.xlsx")
    package = Package.open(source)
    patch = Patch(package)
    patch.set("Suivi", 2, 1, "remplacé")
    patch.save()
    assert package.zip.fp is None and package._handle is not None and package._handle.closed
    with pytest.raises(XlsxError, match="demande l'original"):
        patch.compare(source)
    package.close()
    assert values(source)[1][0] == "remplacé"


def test_reading_through_a_patch_changes_nothing(tmp_path: Path) -> None:
    source = table_book(tmp_path / "t.xlsx")
    with Package.open(source) as package:
        patch = Patch(package)
        assert patch.defined_names() == [] and [t.name for t in patch.tables("Suivi")] == ["Suivi_T"]
        assert patch.pending_values("Suivi") == {} and patch.all_table_names() == {"suivi_t"}
        patch.save(tmp_path / "b.xlsx")
        comparison = patch.compare(tmp_path / "b.xlsx")
    assert comparison.ok and comparison.changed == [] and len(comparison.identical) == len(package.parts)


def test_a_patch_is_saved_once(tmp_path: Path) -> None:
    """A save consumes the queued writes (each cell's write is let go once its bytes are made: an import's
    100 000 cells are not held twice): saving the same patch again, or writing through it, is refused, never a
    package silently missing the writes; the first save holds them all, with the growth of its table."""
    with Package.open(table_book(tmp_path / "t.xlsx", totals=False)) as package:
        patch = Patch(package)
        first = patch.append_table_rows("Suivi_T", 2)
        patch.set("Suivi", first, 1, "d")
        patch.set("Suivi", first + 1, 2, 50)
        patch.save(tmp_path / "b.xlsx")
        assert patch.compare(tmp_path / "b.xlsx").ok
        with pytest.raises(XlsxError, match="déjà été enregistrées"):
            patch.save(tmp_path / "c.xlsx")
        with pytest.raises(XlsxError, match="déjà été enregistrées"):
            patch.set("Suivi", 2, 1, "x")
    with Package.open(table_book(tmp_path / "u.xlsx", totals=False, below="A6")) as package:
        refused = Patch(package)
        refused.append_table_rows("Suivi_T", 2)
        refused.set("Suivi", 5, 1, "e")
        with pytest.raises(TableError):
            refused.save(tmp_path / "refused.xlsx")
        with pytest.raises(XlsxError, match="déjà été enregistrées"):  # not a package missing what was consumed
            refused.save(tmp_path / "again.xlsx")
    assert not (tmp_path / "c.xlsx").exists() and not (tmp_path / "again.xlsx").exists()
    with Package.open(tmp_path / "b.xlsx") as package:
        reader = Reader(package)
        rows = reader.values("Suivi")
        assert str(reader.tables("Suivi")[0].ref) == f"A1:D{first + 1}"
    assert rows[first - 1][0] == "d" and rows[first][1] == 50 and rows[first - 2][0] == "c"
