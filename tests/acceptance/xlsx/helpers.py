"""Shared steps of the xlsx acceptance tests: a scratch workbook to graft, LibreOffice conversions."""

from __future__ import annotations

import csv
import shutil
import subprocess
from pathlib import Path
from typing import cast

import openpyxl
from openpyxl.chart import BarChart, Reference
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Font, PatternFill
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

SOFFICE = shutil.which("soffice")


def scratch_workbook(path: Path, sheet: str = "Répartition", table: str = "Classement_Outil") -> Path:
    """The kind of sheet the tool builds with openpyxl: a table, a chart, a conditional format, a name."""
    book = openpyxl.Workbook()
    ws = cast(Worksheet, book.active)
    ws.title = sheet
    ws.append(["Rang", "Dossier", "Montant alloué"])
    for rank in range(1, 6):
        ws.append([rank, f"2021-{rank:03d}", rank * 1500])
    ws["A1"].font = Font(bold=True, color="FFFFFF")
    ws["A1"].fill = PatternFill("solid", fgColor="1F4E79")
    for row in range(2, 7):
        ws.cell(row, 3).number_format = '#,##0 "€"'
    ws.add_table(Table(displayName=table, ref="A1:C6", tableStyleInfo=TableStyleInfo(name="TableStyleMedium2")))
    ws.conditional_formatting.add(
        "C2:C6",
        CellIsRule(  # type: ignore[no-untyped-call]
            operator="greaterThan", formula=["5000"], fill=PatternFill("solid", bgColor="FFC7CE")
        ),
    )
    chart = BarChart()
    chart.add_data(Reference(ws, min_col=3, min_row=1, max_row=6), titles_from_data=True)
    ws.add_chart(chart, "E2")
    ws["B8"] = "Total"
    ws["C8"] = f"=SUM('{sheet}'!C2:C6)"
    book.defined_names["Total_Reparti_Outil"] = DefinedName("Total_Reparti_Outil", attr_text=f"'{sheet}'!$C$8")
    ws.print_title_rows = "1:1"
    book.save(path)
    return path


def libreoffice_csv(files: list[Path], folder: Path) -> dict[Path, dict[str, list[list[str]]]]:
    """Every sheet of each file as LibreOffice reads it (one ``soffice`` run for all files)."""
    assert SOFFICE is not None
    folder.mkdir(parents=True, exist_ok=True)
    profile = folder / "profile"
    filter_options = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"
    for start in range(0, len(files), 25):  # one soffice run per batch: long runs stop early
        subprocess.run(
            [
                SOFFICE,
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--convert-to",
                filter_options,
                "--outdir",
                str(folder),
                *map(str, files[start : start + 25]),
            ],
            check=True,
            capture_output=True,
            timeout=600,
        )
    result: dict[Path, dict[str, list[list[str]]]] = {}
    for file in files:
        sheets = {}
        for produced in folder.glob(f"{file.stem}-*.csv"):
            with produced.open(encoding="utf-8", newline="") as handle:
                sheets[produced.stem[len(file.stem) + 1 :]] = list(csv.reader(handle))
        result[file] = sheets
    return result
