"""Office workbooks made by other writers than this tool, built on the spot (deterministic, no network).

Each builder writes one workbook into a folder and says which sheet holds the office's rows and which
Excel table (if any) they live in. Writers: XlsxWriter (features openpyxl drops: sparklines, 2010 data
bars, text boxes, checkboxes, ignored errors, dynamic arrays, images, a chart sheet first…), openpyxl,
LibreOffice (an .ods converted by ``soffice``, when installed), Excel itself (the Excel-saved workbooks
that the xlwings wheel ships, BSD licence), and zip-level additions for what Office.js add-ins leave in a
workbook (web extension and custom XML parts).
"""

from __future__ import annotations

import datetime as dt
import io
import shutil
import struct
import subprocess
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import xlsxwriter
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from xlplugin.xlsx.package import Package


@dataclass(frozen=True)
class OfficeBook:
    """A workbook of the corpus: where its rows are, and who wrote it."""

    name: str
    path: Path
    sheet: str
    table: str | None
    writer: str
    room: int = 2  # rows free under the table


HEADERS = ["N° dossier", "Collectivité", "Montant", "Déposé le", "Statut"]
ROWS: list[tuple[str, str, float, dt.date, str]] = [
    (f"2021-{i:03d}", f"Commune {i}", 1000 * i + 0.5, dt.date(2021, 3, i), "reçu" if i % 2 else "instruit")
    for i in range(1, 11)
]


def png_bytes() -> bytes:
    """A 4×4 red PNG, made here (no image file in the repository)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * 4 for _ in range(4))
    header = struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def _rows(
    book: Workbook, sheet: Worksheet, first_row: int = 0, table: str | None = "Dossiers", totals: bool = False
) -> None:
    """The office's rows, in an Excel table (optionally with a totals row) or as plain cells."""
    date = book.add_format({"num_format": "dd/mm/yyyy"})
    money = book.add_format({"num_format": "#,##0.00"})
    if table is None:
        sheet.write_row(first_row, 0, HEADERS)
        for i, row in enumerate(ROWS, start=first_row + 1):
            sheet.write_string(i, 0, row[0])
            sheet.write_string(i, 1, row[1])
            sheet.write_number(i, 2, row[2], money)
            sheet.write_datetime(i, 3, dt.datetime.combine(row[3], dt.time()), date)
            sheet.write_string(i, 4, row[4])
        return
    columns: list[dict[str, object]] = [{"header": h} for h in HEADERS]
    columns[2]["format"] = money
    columns[3]["format"] = date
    if totals:
        columns[0]["total_string"] = "Total"
        columns[2]["total_function"] = "sum"
        columns[3]["total_function"] = "max"
    data = [[r[0], r[1], r[2], dt.datetime.combine(r[3], dt.time()), r[4]] for r in ROWS]
    last = first_row + len(ROWS) + (1 if totals else 0)
    sheet.add_table(
        first_row, 0, last, len(HEADERS) - 1, {"name": table, "columns": columns, "data": data, "total_row": totals}
    )


def _xlsxwriter(path: Path, build: Callable[[Workbook], None]) -> None:
    book = xlsxwriter.Workbook(str(path), {"default_date_format": "dd/mm/yyyy"})
    book.set_properties({"created": dt.datetime(2021, 1, 1)})  # same bytes on every run
    build(book)
    book.close()


def sparklines(folder: Path) -> OfficeBook:
    path = folder / "sparklines.xlsx"

    def build(book: Workbook) -> None:
        sheet = book.add_worksheet("Suivi")
        _rows(book, sheet, table=None)
        for row in range(1, 11):
            sheet.add_sparkline(row, 6, {"range": f"Suivi!C{row + 1}:C{row + 1}", "type": "column"})

    _xlsxwriter(path, build)
    return OfficeBook("sparklines", path, "Suivi", None, "xlsxwriter")


def data_bars(folder: Path) -> OfficeBook:
    path = folder / "data-bars-2010.xlsx"

    def build(book: Workbook) -> None:
        sheet = book.add_worksheet("Suivi")
        _rows(book, sheet)
        sheet.conditional_format("C2:C11", {"type": "data_bar", "data_bar_2010": True, "bar_negative_color": "#FF0000"})
        red = book.add_format({"bg_color": "#FFC7CE"})
        sheet.conditional_format("C2:C11", {"type": "cell", "criteria": ">", "value": 5000, "format": red})

    _xlsxwriter(path, build)
    return OfficeBook("data-bars", path, "Suivi", "Dossiers", "xlsxwriter")


def text_box(folder: Path) -> OfficeBook:
    path = folder / "text-box.xlsx"

    def build(book: Workbook) -> None:
        sheet = book.add_worksheet("Suivi")
        _rows(book, sheet)
        sheet.insert_textbox("H2", "Note du bureau : vérifier les devis avant le 30 juin", {"width": 300, "height": 80})

    _xlsxwriter(path, build)
    return OfficeBook("text-box", path, "Suivi", "Dossiers", "xlsxwriter")


def checkboxes(folder: Path) -> OfficeBook:
    path = folder / "checkboxes.xlsx"

    def build(book: Workbook) -> None:
        sheet = book.add_worksheet("Suivi")
        _rows(book, sheet, table=None)
        sheet.write("G1", "Complet")
        for row in range(1, 11):
            sheet.insert_checkbox(row, 6, row % 3 == 0)

    _xlsxwriter(path, build)
    return OfficeBook("checkboxes", path, "Suivi", None, "xlsxwriter")


def ignored_errors(folder: Path) -> OfficeBook:
    path = folder / "ignored-errors.xlsx"

    def build(book: Workbook) -> None:
        sheet = book.add_worksheet("Suivi")
        _rows(book, sheet, table=None)
        sheet.write("G1", "Code INSEE")
        for row in range(1, 11):
            sheet.write_string(row, 6, f"{1000 + row:05d}")
        sheet.ignore_errors({"number_stored_as_text": "G2:G11"})

    _xlsxwriter(path, build)
    return OfficeBook("ignored-errors", path, "Suivi", None, "xlsxwriter")


def dynamic_arrays(folder: Path) -> OfficeBook:
    path = folder / "dynamic-arrays.xlsx"

    def build(book: Workbook) -> None:
        sheet = book.add_worksheet("Suivi")
        _rows(book, sheet, table=None)
        sheet.write("H1", "Statuts")
        sheet.write_dynamic_array_formula("H2:H3", "=_xlfn.UNIQUE(E2:E11)", None, "reçu")
        sheet.write("I1", "Gros dossiers")
        sheet.write_dynamic_array_formula("I2:I6", "=_xlfn._xlws.FILTER(B2:B11,C2:C11>5000)", None, "Commune 6")

    _xlsxwriter(path, build)
    return OfficeBook("dynamic-arrays", path, "Suivi", None, "xlsxwriter")


def totals_table(folder: Path) -> OfficeBook:
    path = folder / "totals-table.xlsx"

    def build(book: Workbook) -> None:
        sheet = book.add_worksheet("Suivi")
        _rows(book, sheet, totals=True)

    _xlsxwriter(path, build)
    return OfficeBook("totals-table", path, "Suivi", "Dossiers", "xlsxwriter")


def note_under_table(folder: Path) -> OfficeBook:
    """A table, one blank row, then an agent's « Total » line (a formula over the table's column)."""
    path = folder / "note-under-table.xlsx"

    def build(book: Workbook) -> None:
        sheet = book.add_worksheet("Suivi")
        _rows(book, sheet)
        bold = book.add_format({"bold": True})
        sheet.write("B13", "Total", bold)
        sheet.write_formula("C13", "=SUM(Dossiers[Montant])", bold, sum(r[2] for r in ROWS))

    _xlsxwriter(path, build)
    return OfficeBook("note-under-table", path, "Suivi", "Dossiers", "xlsxwriter", room=1)


def merged_cells(folder: Path) -> OfficeBook:
    path = folder / "merged-cells.xlsx"

    def build(book: Workbook) -> None:
        sheet = book.add_worksheet("Suivi")
        _rows(book, sheet, table=None)
        title = book.add_format({"bold": True, "align": "center"})
        sheet.merge_range("G1:I3", "Observations de la commission", title)

    _xlsxwriter(path, build)
    return OfficeBook("merged-cells", path, "Suivi", None, "xlsxwriter")


def chart_sheet_first(folder: Path) -> OfficeBook:
    path = folder / "chart-sheet-first.xlsx"

    def build(book: Workbook) -> None:
        chartsheet = book.add_chartsheet("Graphique")
        sheet = book.add_worksheet("Suivi")
        _rows(book, sheet)
        chart = book.add_chart({"type": "column"})
        chart.add_series({"name": "Montant", "categories": "=Suivi!$B$2:$B$11", "values": "=Suivi!$C$2:$C$11"})
        chartsheet.set_chart(chart)
        chartsheet.activate()

    _xlsxwriter(path, build)
    return OfficeBook("chart-sheet-first", path, "Suivi", "Dossiers", "xlsxwriter")


def far_formatted_cell(folder: Path) -> OfficeBook:
    """A few rows, and a formatted empty cell at A1048576 (a whole column formatted by hand, say)."""
    path = folder / "far-formatted-cell.xlsx"

    def build(book: Workbook) -> None:
        sheet = book.add_worksheet("Suivi")
        _rows(book, sheet, table=None)
        sheet.write_blank("A1048576", None, book.add_format({"bg_color": "#FFFF00"}))

    _xlsxwriter(path, build)
    return OfficeBook("far-formatted-cell", path, "Suivi", None, "xlsxwriter")


def kitchen_sink(folder: Path) -> OfficeBook:
    """Many features at once, in the sheet that is patched and around it."""
    path = folder / "kitchen-sink.xlsx"

    def build(book: Workbook) -> None:
        chartsheet = book.add_chartsheet("Graphique")
        sheet = book.add_worksheet("Suivi")
        other = book.add_worksheet("Notes")
        _rows(book, sheet, first_row=2, totals=True)
        sheet.merge_range("A1:E1", "Suivi des dossiers — bureau des subventions", book.add_format({"bold": True}))
        sheet.freeze_panes(3, 0)
        sheet.set_column("A:A", 14)
        sheet.set_column("B:B", 22)
        sheet.set_row(1, 8)
        sheet.data_validation("E4:E13", {"validate": "list", "source": ["reçu", "instruit", "rejeté"]})
        sheet.conditional_format("C4:C13", {"type": "data_bar", "data_bar_2010": True})
        sheet.conditional_format("C4:C13", {"type": "3_color_scale"})
        for row in range(3, 13):
            sheet.add_sparkline(row, 7, {"range": f"Suivi!C{row + 1}:C{row + 1}"})
        sheet.insert_textbox("J2", "Ne pas modifier la colonne Statut")
        sheet.insert_image("J8", "logo.png", {"image_data": io.BytesIO(png_bytes())})
        sheet.write_comment("B4", "Dossier complet reçu par courrier")
        sheet.write_url("J20", "https://www.ain.gouv.fr/", string="Préfecture de l'Ain")
        for row in range(3, 13):
            sheet.insert_checkbox(row, 8, row % 2 == 0)
        sheet.write_dynamic_array_formula("L4:L5", "=_xlfn.UNIQUE(E4:E13)", None, "reçu")
        sheet.write_string("M4", "01004")
        sheet.ignore_errors({"number_stored_as_text": "M4:M13"})
        sheet.set_landscape()
        sheet.set_paper(9)
        sheet.repeat_rows(2)
        chart = book.add_chart({"type": "bar"})
        chart.add_series({"values": "=Suivi!$C$4:$C$13"})
        sheet.insert_chart("J24", chart)
        chart2 = book.add_chart({"type": "pie"})
        chart2.add_series({"values": "=Suivi!$C$4:$C$13"})
        chartsheet.set_chart(chart2)
        other.write("A1", "Bloc-notes de l'agent")
        other.hide()
        book.define_name("Seuil_Local", "=Notes!$A$1")
        book.define_name("Suivi!Zone_Impression", "=Suivi!$A$1:$E$14")
        sheet.activate()

    _xlsxwriter(path, build)
    return OfficeBook("kitchen-sink", path, "Suivi", "Dossiers", "xlsxwriter")


def xlwings_vba_project() -> bytes:
    """A real ``vbaProject.bin`` saved by Excel: the one inside the xlwings wheel's quickstart.xlsm (BSD)."""
    import xlwings

    source = Path(xlwings.__file__).parent / "quickstart.xlsm"
    with zipfile.ZipFile(source) as archive:
        return archive.read("xl/vbaProject.bin")


def macro_button(folder: Path) -> OfficeBook:
    """An .xlsm with a VBA project and a form button calling a macro."""
    path = folder / "macro-button.xlsm"

    def build(book: Workbook) -> None:
        sheet = book.add_worksheet("Suivi")
        _rows(book, sheet)
        book.set_vba_name("ThisWorkbook")
        sheet.set_vba_name("Sheet1")
        book.add_vba_project(io.BytesIO(xlwings_vba_project()), is_stream=True)
        sheet.insert_button("H2", {"macro": "SampleCall", "caption": "Lancer la macro", "width": 140})

    _xlsxwriter(path, build)
    return OfficeBook("macro-button", path, "Suivi", "Dossiers", "xlsxwriter")


WE = "http://schemas.microsoft.com/office/webextensions"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC = "http://schemas.openxmlformats.org/officeDocument/2006"
WEB_EXTENSION = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<we:webextension xmlns:we="{WE}/webextension/2010/11" id="{{8D3F1B7E-0A6C-4E2B-9E35-5C2E1F0A4B11}}">\
<we:reference id="wa000000000" version="1.0.0.0" store="fr-FR" storeType="OMEX"/><we:alternateReferences/>\
<we:properties><we:property name="main.py"
 value="&quot;from xlwings import func\\n\\n@func\\ndef hello(name):\\n    return f'Bonjour {{name}}'\\n&quot;"/>\
<we:property name="requirements.txt" value="&quot;xlwings&quot;"/></we:properties><we:bindings/>\
<we:snapshot xmlns:r="{DOC}/relationships"/></we:webextension>"""
TASK_PANES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<wetp:taskpanes xmlns:wetp="{WE}/taskpanes/2010/11">\
<wetp:taskpane dockstate="right" visibility="1" width="438" row="1">\
<wetp:webextensionref xmlns:r="{DOC}/relationships" r:id="rId1"/></wetp:taskpane></wetp:taskpanes>"""
TASK_PANES_RELS = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="{PKG}"><Relationship Id="rId1"
 Type="http://schemas.microsoft.com/office/2011/relationships/webextension"
 Target="webextension1.xml"/></Relationships>"""
CUSTOM_ITEM = f"""<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<b:Sources xmlns:b="{DOC}/bibliography" SelectedStyle="\\APA.XSL" StyleName="APA"/>"""
CUSTOM_PROPS = f"""<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<ds:datastoreItem ds:itemID="{{6C1B6E1A-6A3E-4C55-9A5D-7F1E2B3C4D5E}}" xmlns:ds="{DOC}/customXml">\
<ds:schemaRefs><ds:schemaRef ds:uri="{DOC}/bibliography"/></ds:schemaRefs></ds:datastoreItem>"""
CUSTOM_RELS = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="{PKG}"><Relationship Id="rId1" Type="{DOC}/relationships/customXmlProps"
 Target="itemProps1.xml"/></Relationships>"""


def web_extension(folder: Path) -> OfficeBook:
    """What an Office.js add-in (xlwings Lite among them) leaves: a task pane, its web extension with the
    add-in's document settings, and a custom XML part. Written at zip level, as Excel would lay them out
    (the store id is illustrative)."""
    base = folder / "web-extension-base.xlsx"
    path = folder / "web-extension.xlsx"

    def build(book: Workbook) -> None:
        sheet = book.add_worksheet("Suivi")
        _rows(book, sheet)

    _xlsxwriter(base, build)
    with zipfile.ZipFile(base) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "[Content_Types].xml":
                data = data.replace(
                    b"</Types>",
                    b'<Override PartName="/xl/webextensions/taskpanes.xml" '
                    b'ContentType="application/vnd.ms-office.webextensiontaskpanes+xml"/>'
                    b'<Override PartName="/xl/webextensions/webextension1.xml" '
                    b'ContentType="application/vnd.ms-office.webextension+xml"/>'
                    b'<Override PartName="/customXml/itemProps1.xml" '
                    b'ContentType="application/vnd.openxmlformats-officedocument.customXmlProperties+xml"/></Types>',
                )
            elif info.filename == "_rels/.rels":
                data = data.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rId100" Type="http://schemas.microsoft.com/office/2011/relationships/'
                    b'webextensiontaskpanes" Target="xl/webextensions/taskpanes.xml"/></Relationships>',
                )
            elif info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rId100" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                    b'relationships/customXml" Target="../customXml/item1.xml"/></Relationships>',
                )
            target.writestr(info, data)
        for name, text in (
            ("xl/webextensions/taskpanes.xml", TASK_PANES),
            ("xl/webextensions/_rels/taskpanes.xml.rels", TASK_PANES_RELS),
            ("xl/webextensions/webextension1.xml", WEB_EXTENSION),
            ("customXml/item1.xml", CUSTOM_ITEM),
            ("customXml/itemProps1.xml", CUSTOM_PROPS),
            ("customXml/_rels/item1.xml.rels", CUSTOM_RELS),
        ):
            target.writestr(zipfile.ZipInfo(name, (2021, 1, 1, 0, 0, 0)), text.encode())
    base.unlink()
    return OfficeBook("web-extension", path, "Suivi", "Dossiers", "xlsxwriter + zip")


def openpyxl_made(folder: Path) -> OfficeBook:
    path = folder / "openpyxl.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Suivi"
    sheet.append(HEADERS)
    for row in ROWS:
        sheet.append(row)
    from openpyxl.worksheet.table import Table

    sheet.add_table(Table(displayName="Dossiers", ref=f"A1:E{len(ROWS) + 1}"))
    book.save(path)
    return OfficeBook("openpyxl-made", path, "Suivi", "Dossiers", "openpyxl")


def excel_saved(folder: Path) -> list[OfficeBook]:
    """Workbooks Excel itself saved: those shipped in the xlwings wheel (Microsoft Excel 16, BSD licence)."""
    import xlwings

    root = Path(xlwings.__file__).parent
    books = []
    for relative in ("quickstart.xlsm", "quickstart_standalone.xlsm"):
        target = folder / f"excel-{relative.replace('_', '-')}"
        shutil.copyfile(root / relative, target)
        with Package.open(target) as package:
            sheet = next(package.iter_worksheets()).name
        books.append(OfficeBook(f"excel-{relative}", target, sheet, None, "Microsoft Excel"))
    return books


ODS_NS = "urn:oasis:names:tc:opendocument:xmlns"
ODS_CONTENT = f"""<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="{ODS_NS}:office:1.0" xmlns:table="{ODS_NS}:table:1.0"
 xmlns:text="{ODS_NS}:text:1.0" xmlns:of="{ODS_NS}:of:1.2" office:version="1.2">
<office:body><office:spreadsheet>
<table:table table:name="Suivi">
<table:table-row><table:table-cell office:value-type="string"><text:p>N° dossier</text:p></table:table-cell>
<table:table-cell office:value-type="string"><text:p>Collectivité</text:p></table:table-cell>
<table:table-cell office:value-type="string"><text:p>Montant</text:p></table:table-cell></table:table-row>
{{rows}}
<table:table-row><table:table-cell table:number-columns-spanned="2" office:value-type="string">
<text:p>Total (cellules fusionnées)</text:p></table:table-cell><table:covered-table-cell/>
<table:table-cell table:formula="of:=SUM([.C2:.C11])" office:value-type="float" office:value="{{total}}">
<text:p>{{total}}</text:p></table:table-cell></table:table-row>
</table:table>
<table:table table:name="Annexe"><table:table-row><table:table-cell office:value-type="string">
<text:p>Pièces reçues</text:p></table:table-cell></table:table-row></table:table>
</office:spreadsheet></office:body></office:document-content>"""
ODS_MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">
<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>
<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>"""


def libreoffice(folder: Path) -> OfficeBook | None:
    """An .ods written here, converted to .xlsx by LibreOffice (None when ``soffice`` is absent)."""
    soffice = shutil.which("soffice")
    if soffice is None:
        return None
    ods = folder / "libreoffice.ods"
    rows = "\n".join(
        f'<table:table-row><table:table-cell office:value-type="string"><text:p>{r[0]}</text:p></table:table-cell>'
        f'<table:table-cell office:value-type="string"><text:p>{r[1]}</text:p></table:table-cell>'
        f'<table:table-cell office:value-type="float" office:value="{r[2]}">'
        f"<text:p>{r[2]}</text:p></table:table-cell>"
        "</table:table-row>"
        for r in ROWS
    )
    with zipfile.ZipFile(ods, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        archive.writestr(
            "content.xml", ODS_CONTENT.format(rows=rows, total=sum(r[2] for r in ROWS)), zipfile.ZIP_DEFLATED
        )
        archive.writestr("META-INF/manifest.xml", ODS_MANIFEST, zipfile.ZIP_DEFLATED)
    profile = folder / "lo-profile"
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(folder),
            str(ods),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return OfficeBook("libreoffice", folder / "libreoffice.xlsx", "Suivi", None, "LibreOffice")


BUILDERS: list[Callable[[Path], OfficeBook]] = [
    sparklines,
    data_bars,
    text_box,
    checkboxes,
    ignored_errors,
    dynamic_arrays,
    totals_table,
    note_under_table,
    merged_cells,
    chart_sheet_first,
    far_formatted_cell,
    kitchen_sink,
    macro_button,
    web_extension,
    openpyxl_made,
]


EXCEL_SAVED = ["excel-quickstart.xlsm", "excel-quickstart_standalone.xlsm"]


def build_corpus(folder: Path) -> list[OfficeBook]:
    """Every workbook of the corpus, written into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    books = [build(folder) for build in BUILDERS]
    books.extend(excel_saved(folder))
    converted = libreoffice(folder)
    if converted is not None:
        books.append(converted)
    return books


def table_ending_with_a_date(path: Path) -> Path:
    """An office's table made by XlsxWriter (sheet « Suivi », table « SuiviBureau »), three rows, whose last
    column is a filled date column: what the tool's columns added on its right must not take for their format."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Suivi")
    date = book.add_format({"num_format": "dd/mm/yyyy", "bg_color": "#DDEBF7"})
    rows = [[40_000_000 + i, f"Commune {i}", dt.datetime(2023, 6, 1 + i)] for i in range(3)]
    headers = [{"header": "N° dossier"}, {"header": "Collectivité"}, {"header": "Relancé le", "format": date}]
    sheet.add_table(0, 0, len(rows), 2, {"name": "SuiviBureau", "columns": headers, "data": rows})
    book.close()
    return path
