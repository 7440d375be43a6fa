"""Reading packages and sheets: part layout, relationships, sheet kinds, values, merges, tables; refusals."""

from __future__ import annotations

import datetime as dt
import io
import tracemalloc
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
import xlsxwriter

from tests.acceptance.xlsx import workbooks as W
from xlplugin.xlsx import CellRange, ErrorValue, Package, PackageError, Patch, Reader, SheetError


def test_values_of_every_kind(tmp_path: Path) -> None:
    path = tmp_path / "kinds.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Suivi")
    sheet.write_string("A1", "texte")
    sheet.write_rich_string("B1", "riche ", book.add_format({"bold": True}), "gras")
    sheet.write_number("C1", 3)
    sheet.write_number("D1", 2.25)
    sheet.write_boolean("E1", False)
    sheet.write_formula("F1", "=1/0", None, "#DIV/0!")
    sheet.write_formula("G1", '="a"&"b"', None, "ab")
    sheet.write_datetime("H1", dt.datetime(2021, 12, 31), book.add_format({"num_format": "dd/mm/yyyy"}))
    sheet.write_datetime("I1", dt.datetime(2021, 12, 31, 18, 30), book.add_format({"num_format": "dd/mm/yyyy hh:mm"}))
    sheet.write_datetime("J1", dt.datetime(1899, 12, 31, 7, 45), book.add_format({"num_format": "hh:mm"}))
    sheet.write_number("K1", 44561, book.add_format({"num_format": '#,##0 "€"'}))
    sheet.write_string("A3", "après un vide")
    book.close()
    with Package.open(path) as package:
        reader = Reader(package)
        rows = reader.values("Suivi")
        raw = Reader(package, dates=False, decimals=True).values("Suivi")
        cells = list(reader.iter_cells("Suivi"))
    assert rows[0] == [
        "texte",
        "riche gras",
        3,
        2.25,
        False,
        ErrorValue("#DIV/0!"),
        "ab",
        dt.date(2021, 12, 31),
        dt.datetime(2021, 12, 31, 18, 30),
        dt.time(7, 45),
        44561,
    ]
    assert rows[1] == [None] * 11 and rows[2][0] == "après un vide"
    assert raw[0][7] == Decimal("44561") and raw[0][3] == Decimal("2.25")
    assert isinstance(rows[0][5], ErrorValue) and rows[0][5] == "#DIV/0!"
    assert [(c.ref, c.formula) for c in cells if c.formula] == [("F1", "1/0"), ("G1", '"a"&"b"')]


def test_1904_dates(tmp_path: Path) -> None:
    path = tmp_path / "1904.xlsx"
    book = xlsxwriter.Workbook(str(path), {"date_1904": True})
    book.add_worksheet("Suivi").write_datetime(
        "A1", dt.datetime(2021, 3, 4), book.add_format({"num_format": "dd/mm/yyyy"})
    )
    book.close()
    with Package.open(path) as package:
        assert package.date1904 and Reader(package).values("Suivi") == [[dt.date(2021, 3, 4)]]
        patch = Patch(package)
        patch.set("Suivi", 2, 1, dt.date(2022, 1, 1))
        patch.save(tmp_path / "b.xlsx")
    with Package.open(tmp_path / "b.xlsx") as package:
        assert Reader(package).values("Suivi")[1] == [dt.date(2022, 1, 1)]


@pytest.mark.parametrize("date1904", [False, True])
def test_a_number_no_date_can_show_in_a_date_cell_is_read_as_that_number(tmp_path: Path, date1904: bool) -> None:
    # Typed in a date column, 1E+20 is shown ##### by Excel and stays a number: read as a date it overflowed
    # (a traceback instead of the allocation, found by typing it in « Date de l'avance »).
    path = tmp_path / "dates.xlsx"
    book = xlsxwriter.Workbook(str(path), {"date_1904": date1904})
    day = book.add_format({"num_format": "dd/mm/yyyy"})
    last = 2957003 if date1904 else 2958465  # 31/12/9999
    sheet = book.add_worksheet("Suivi")
    for col, number in enumerate([1e20, -1e300, -3, last + 1, last, 0]):
        sheet.write_number(0, col, number, day)
    book.close()
    with Package.open(path) as package:
        values = Reader(package).values("Suivi")[0]
    assert values[:4] == [1e20, -1e300, -3, last + 1]
    assert values[4] == dt.date(9999, 12, 31)
    assert values[5] == (dt.date(1904, 1, 1) if date1904 else dt.date(1899, 12, 31))


@pytest.mark.parametrize(
    ("cell", "said"),
    [
        ('<c r="C2"><v>abc</v></c>', "la cellule C2 contient « abc » là où un nombre est attendu"),
        ('<c r="C2" t="d"><v>hier</v></c>', "la cellule C2 contient « hier » là où une date ISO est attendue"),
        ('<c r="C2" t="s"><v>99</v></c>', "la cellule C2 contient « 99 » là où le numéro d'une chaîne partagée"),
        ('<c r="C2" t="s"><v>-1</v></c>', "la cellule C2 contient « -1 » là où le numéro d'une chaîne partagée"),
        ('<c r="C2"><!-- lxml --><v>x1</v></c>', "la cellule C2 contient « x1 » là où un nombre est attendu"),
    ],
)
def test_a_value_no_writer_stores_is_a_damaged_workbook_named_with_its_cell(
    tmp_path: Path, cell: str, said: str
) -> None:
    # Not something an agent types: a program that wrote the file badly. Said, with the cell, not a traceback.
    sheet = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="{W.MAIN}"><sheetData>'
        f'<row r="2"><c r="A2"><v>1</v></c>{cell}</row></sheetData></worksheet>'
    )
    path = W.with_sheet(tmp_path, "abimee.xlsx", sheet)
    with Package.open(path) as package, pytest.raises(PackageError) as caught:
        Reader(package).values("Suivi")
    assert f"feuille « Suivi », {said}" in str(caught.value) and "endommagé" in str(caught.value)


def test_merges_tables_and_sheet_kinds(tmp_path: Path) -> None:
    path = tmp_path / "layout.xlsx"
    book = xlsxwriter.Workbook(str(path))
    chart = book.add_chart({"type": "line"})
    chart.add_series({"values": "=Suivi!$B$5:$B$6"})
    book.add_chartsheet("Graphique").set_chart(chart)
    sheet = book.add_worksheet("Suivi")
    hidden = book.add_worksheet("Caché")
    hidden.hide()
    sheet.merge_range("A1:C2", "titre")
    sheet.add_table(
        "A4:B7",
        {
            "name": "T_Suivi",
            "total_row": True,
            "columns": [{"header": "x", "total_string": "Total"}, {"header": "y", "total_function": "sum"}],
        },
    )
    book.define_name("Suivi!Zone", "=Suivi!$A$1")
    book.close()
    with Package.open(path) as package:
        assert [(s.name, s.kind, s.state, s.index) for s in package.sheets] == [
            ("Graphique", "chartsheet", "visible", 0),
            ("Suivi", "worksheet", "visible", 1),
            ("Caché", "worksheet", "hidden", 2),
        ]
        assert [(n.name, n.local_sheet_id) for n in package.defined_names] == [("Zone", 1)]
        reader = Reader(package)
        assert reader.merged_ranges("Suivi") == [CellRange.parse("A1:C2")]
        (table,) = reader.tables("Suivi")
        assert (
            table.name,
            str(table.ref),
            table.header_row,
            table.first_data_row,
            table.last_data_row,
            table.totals_row,
        ) == ("T_Suivi", "A4:B7", 4, 5, 6, 7)
        assert [(c.name, c.totals_function, c.totals_label) for c in table.columns] == [
            ("x", None, "Total"),
            ("y", "sum", None),
        ]
        with pytest.raises(SheetError, match=r"« Nulle part ».*« Graphique », « Suivi », « Caché »"):
            reader.values("Nulle part")
        with pytest.raises(SheetError, match="feuille graphique"):
            Patch(package).set("Graphique", 1, 1, "x")


def test_parts_found_by_relationships_not_by_name(tmp_path: Path) -> None:
    """A package laid out by another writer: workbook under ``book/``, absolute targets, odd names."""
    main = W.MAIN
    types = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    package_rels = 'xmlns="http://schemas.openxmlformats.org/package/2006/relationships"'
    files = {
        "[Content_Types].xml": (
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/book/Classeur.xml" ContentType="{types}.sheet.main+xml"/>'
            f'<Override PartName="/book/feuilles/f1.xml" ContentType="{types}.worksheet+xml"/>'
            f'<Override PartName="/book/chaines.xml" ContentType="{types}.sharedStrings+xml"/></Types>'
        ),
        "_rels/.rels": (
            f'<?xml version="1.0"?><Relationships {package_rels}>'
            f'<Relationship Id="R1" Type="{rel}/officeDocument" Target="/book/Classeur.xml"/></Relationships>'
        ),
        "book/_rels/Classeur.xml.rels": (
            f'<?xml version="1.0"?><Relationships {package_rels}>'
            f'<Relationship Id="R1" Type="{rel}/worksheet" Target="/book/feuilles/f1.xml"/>'
            f'<Relationship Id="R2" Type="{rel}/sharedStrings" Target="chaines.xml"/></Relationships>'
        ),
        "book/Classeur.xml": (
            f'<?xml version="1.0"?><workbook xmlns="{main}" xmlns:r="{W.REL}">'
            '<sheets><sheet name="Données" sheetId="7" r:id="R1"/></sheets></workbook>'
        ),
        "book/feuilles/f1.xml": (
            f'<?xml version="1.0"?><worksheet xmlns="{main}">'
            '<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>'
        ),
        "book/chaines.xml": f'<?xml version="1.0"?><sst xmlns="{main}"><si><t>bonjour</t></si></sst>',
    }
    path = tmp_path / "odd.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    with Package.open(path) as package:
        assert package.workbook_part == "book/Classeur.xml" and package.sheets[0].part == "book/feuilles/f1.xml"
        assert Reader(package).values("Données") == [["bonjour"]]
        patch = Patch(package)
        patch.set("Données", 2, 1, 1.5)
        patch.set("Données", 2, 2, "x", style=patch.style(bold=True))  # no styles part: one is created
        patch.save(tmp_path / "b.xlsx")
    with Package.open(tmp_path / "b.xlsx") as package:
        assert Reader(package).values("Données") == [["bonjour", None], [1.5, "x"]]
        assert package.styles_part == "book/styles.xml"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not a zip at all", "n'est pas un classeur Excel"),
        (b"", "n'est pas un classeur Excel"),
    ],
)
def test_what_is_not_a_workbook(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "x.xlsx"
    path.write_bytes(content)
    with pytest.raises(PackageError, match=message):
        Package.open(path)


def test_strict_open_xml_and_dtd_are_refused(tmp_path: Path) -> None:
    source = W.simple(tmp_path / "a.xlsx")
    rels = (
        zipfile.ZipFile(source)
        .read("_rels/.rels")
        .replace(
            b"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument",
            b"http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument",
        )
    )
    strict = W.replace_parts(source, tmp_path / "strict.xlsx", {"_rels/.rels": rels})
    with pytest.raises(PackageError, match="Strict Open XML"):
        Package.open(strict)
    workbook = zipfile.ZipFile(source).read("xl/workbook.xml").split(b"?>", 1)[1]
    with_dtd = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]>' + workbook
    dtd = W.replace_parts(source, tmp_path / "dtd.xlsx", {"xl/workbook.xml": with_dtd})
    with pytest.raises(PackageError, match="DTD"):
        Package.open(dtd)
    with pytest.raises(PackageError, match="introuvable"):
        Package.open(tmp_path / "absent.xlsx")


def test_xlsm_keeps_its_content_type_and_vba(tmp_path: Path) -> None:
    from tests.acceptance.office.corpus import macro_button

    book = macro_button(tmp_path)
    with Package.open(book.path) as package:
        assert package.is_macro_enabled()
        patch = Patch(package)
        patch.set("Suivi", 30, 1, "x")
        patch.save(tmp_path / "b.xlsm")
    with zipfile.ZipFile(book.path) as a, zipfile.ZipFile(tmp_path / "b.xlsm") as b:
        assert a.read("xl/vbaProject.bin") == b.read("xl/vbaProject.bin")
        assert a.read("[Content_Types].xml") == b.read("[Content_Types].xml")


def test_memory_follows_content_not_formatting(tmp_path: Path) -> None:
    """40 000 formatted empty cells and a handful of values: reading keeps only the values."""
    path = tmp_path / "formatted.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Suivi")
    yellow = book.add_format({"bg_color": "#FFFF00"})
    for row in range(2000):
        for col in range(20):
            sheet.write_blank(row + 10, col, None, yellow)
    sheet.write("A1", "seule valeur")
    book.close()
    with Package.open(path) as package:
        tracemalloc.start()
        rows = Reader(package).values("Suivi")
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert rows == [["seule valeur"]]
    assert peak < 3_000_000


def test_reading_a_stream_in_small_chunks_gives_the_same_pieces() -> None:
    from xlplugin.xlsx import sheetxml

    data = W.PRETTY.encode()
    for chunk in (1, 7, 64, 4096):
        pieces = list(sheetxml.scan(io.BytesIO(data), chunk))
        assert b"".join(p.data for p in pieces) == data
        assert [p.number for p in pieces if isinstance(p, sheetxml.Row)] == [1, 2]
