"""Small workbooks for the rule tests, made with XlsxWriter or written by hand at zip level.

Hand-written sheet XML covers what XlsxWriter never writes but Excel and other writers do: shared
formulas, a calcChain, a namespace prefix (``<x:worksheet>``), rows and cells without ``r``, relationship
targets given as absolute paths, a package whose workbook is not under ``xl/``.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import xlsxwriter

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def simple(path: Path, rows: int = 5) -> Path:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Suivi")
    money = book.add_format({"num_format": "#,##0.00", "bold": True})
    sheet.write_row(0, 0, ["Nom", "Montant", "Date"])
    for row in range(1, rows + 1):
        sheet.write_string(row, 0, f"n{row}")
        sheet.write_number(row, 1, row * 10.5, money)
    sheet.write_formula(rows + 1, 1, f"=SUM(B2:B{rows + 1})", None, sum(r * 10.5 for r in range(1, rows + 1)))
    book.close()
    return path


def replace_parts(source: Path, target: Path, replacements: dict[str, bytes | None]) -> Path:
    """A copy of ``source`` with some parts replaced, added (new names) or removed (None)."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            if info.filename in replacements:
                data = replacements[info.filename]
                if data is not None:
                    new.writestr(info, data)
            else:
                new.writestr(info, old.read(info))
        for name, data in replacements.items():
            if name not in old.namelist() and data is not None:
                new.writestr(name, data)
    return target


def with_sheet(folder: Path, name: str, sheet_xml: str, extra: dict[str, bytes | None] | None = None) -> Path:
    """An XlsxWriter workbook whose first sheet is ``sheet_xml`` (written by hand)."""
    base = simple(folder / f"base-{name}")
    replacements: dict[str, bytes | None] = {"xl/worksheets/sheet1.xml": sheet_xml.encode()}
    replacements.update(extra or {})
    return replace_parts(base, folder / name, replacements)


SHARED = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="{MAIN}" xmlns:r="{REL}"><dimension ref="A1:B4"/><sheetData>
<row r="1"><c r="A1"><v>1</v></c><c r="B1" t="inlineStr"><is><t>double</t></is></c></row>
<row r="2"><c r="A2"><v>1</v></c><c r="B2"><f t="shared" ref="B2:B4" si="0">A2*2</f><v>2</v></c></row>
<row r="3"><c r="A3"><v>2</v></c><c r="B3"><f t="shared" si="0"/><v>4</v></c></row>
<row r="4"><c r="A4"><v>3</v></c><c r="B4"><f t="shared" si="0"/><v>6</v></c></row>
</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>"""

CALC_CHAIN = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<calcChain xmlns="{MAIN}"><c r="B2" i="1"/><c r="B3"/><c r="B4"/></calcChain>"""

PREFIXED = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<x:worksheet xmlns:x="{MAIN}" xmlns:r="{REL}"><x:sheetData>
<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>Nom</x:t></x:is></x:c></x:row>
<x:row r="3"><x:c r="A3"><x:v>3</x:v></x:c></x:row>
</x:sheetData></x:worksheet>"""

IMPLICIT = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="{MAIN}"><sheetData>
<row><c t="inlineStr"><is><t>a</t></is></c><c><v>1</v></c></row>
<row><c t="inlineStr"><is><t>b</t></is></c><c><v>2</v></c></row>
</sheetData></worksheet>"""

EMPTY = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="{MAIN}"><dimension ref="A1"/><sheetData/>\
<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>"""

PRETTY = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="{MAIN}">
  <!-- written by a tool that indents -->
  <dimension ref="A1:C2"/>
  <sheetData>
    <row r="1" spans="1:3">
      <c r="A1" t="inlineStr"><is><t>un</t></is></c>
      <c r="C1"><v>3</v></c>
    </row>
    <row r="2" spans="1:3"><c r="B2"><v>2</v></c></row>
  </sheetData>
  <mergeCells count="1"><mergeCell ref="A5:B5"/></mergeCells>
</worksheet>"""
