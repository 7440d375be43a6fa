"""Benchmark of the xlsx patcher against openpyxl (run apart from the tests: ``python benchmarks/xlsx_bench.py``).

Cases: 2 000 rows × 40 columns (text, numbers, dates, formulas with cached values) appended to the table
of (a) a fresh workbook and (b) an office workbook of 10 000 rows × 40 columns; each against openpyxl's
bare ``load_workbook`` + ``save`` of the same file, and against openpyxl doing the same writes. Reading
10 000 × 40 values: the streamed reader, openpyxl (read-only), python-calamine when installed.

Time is the median of several runs; memory (tracemalloc peak) is measured in separate runs, since tracing
slows the code down several times.
"""

from __future__ import annotations

import datetime as dt
import gc
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
import warnings
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import openpyxl
import xlsxwriter

from xlplugin.xlsx import Package, Patch, Reader

COLUMNS = 40
NEW_ROWS = 2000
OFFICE_ROWS = 10_000
RUNS = 3


def cell(r: int, c: int) -> object:
    if c == 0:
        return f"2021-{r:05d}"
    if c % 3 == 1:
        return r * 1.5 + c
    return dt.datetime(2021, 1, 1) if c % 3 == 2 else f"texte {r}-{c}"


def build(path: Path, rows: int) -> Path:
    """An office workbook: one table of ``rows`` × 40 columns, number formats, a conditional format."""
    book = xlsxwriter.Workbook(str(path), {"constant_memory": False})
    sheet = book.add_worksheet("Dossiers")
    money = book.add_format({"num_format": "#,##0.00"})
    date = book.add_format({"num_format": "dd/mm/yyyy"})
    headers = [f"Colonne {c + 1}" for c in range(COLUMNS)]
    data = [[cell(r, c) for c in range(COLUMNS)] for r in range(rows)]  # fmt: skip
    columns = [
        {"header": h, "format": money if i % 3 == 1 else (date if i % 3 == 2 else None)} for i, h in enumerate(headers)
    ]
    options: dict[str, object] = {"name": "Dossiers", "columns": columns}
    if data:
        options["data"] = data
    sheet.add_table(0, 0, max(rows, 1), COLUMNS - 1, options)
    sheet.conditional_format(1, 1, max(rows, 1), 1, {"type": "data_bar", "data_bar_2010": True})
    sheet.freeze_panes(1, 0)
    book.close()
    return path


def row_values(r: int) -> list[tuple[object, str | None]]:
    values: list[tuple[object, str | None]] = []
    for c in range(COLUMNS):
        if c == 0:
            values.append((f"2022-{r:05d}", None))
        elif c % 10 == 9:
            values.append((Decimal(r) * 2, "B{row}*2"))
        elif c % 3 == 1:
            values.append((Decimal(f"{r}.25"), None))
        elif c % 3 == 2:
            values.append((dt.date(2022, 1, 1) + dt.timedelta(days=r % 300), None))
        else:
            values.append((f"=texte {r}" if c == 3 else f"valeur {r}-{c}", None))
    return values


def patch_rows(path: Path, target: Path, verify: bool = True) -> None:
    with Package.open(path) as package:
        patch = Patch(package)
        first = patch.append_table_rows("Dossiers", NEW_ROWS)
        for i in range(NEW_ROWS):
            row = first + i
            for c, (value, formula) in enumerate(row_values(i)):
                patch.set("Dossiers", row, c + 1, value, formula=formula.format(row=row) if formula else None)
        patch.save(target, verify=verify)


def openpyxl_round_trip(path: Path, target: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = openpyxl.load_workbook(path)
    book.save(target)


def openpyxl_rows(path: Path, target: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = openpyxl.load_workbook(path)
    sheet = book["Dossiers"]
    first = sheet.max_row + 1
    for i in range(NEW_ROWS):
        for c, (value, formula) in enumerate(row_values(i)):
            sheet.cell(first + i, c + 1).value = f"={formula.format(row=first + i)}" if formula else value
    sheet.tables["Dossiers"].ref = f"A1:{openpyxl.utils.get_column_letter(COLUMNS)}{first + NEW_ROWS - 1}"
    book.save(target)


def read_patcher(path: Path, _: Path) -> None:
    with Package.open(path) as package:
        Reader(package).values("Dossiers")


def read_openpyxl(path: Path, _: Path) -> None:
    book = openpyxl.load_workbook(path, read_only=True)
    list(book["Dossiers"].iter_rows(values_only=True))
    book.close()


def read_calamine(path: Path, _: Path) -> None:
    from python_calamine import CalamineWorkbook

    CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Dossiers").to_python()


def measure(action: Callable[[Path, Path], None], source: Path, folder: Path) -> tuple[float, float]:
    """(median seconds, peak MiB): time and memory in separate runs."""
    times = []
    for run in range(RUNS):
        target = folder / f"out-{run}.xlsx"
        gc.collect()
        start = time.perf_counter()
        action(source, target)
        times.append(time.perf_counter() - start)
    gc.collect()
    tracemalloc.start()
    action(source, folder / "out-memory.xlsx")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return statistics.median(times), peak / 2**20


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="xlsx-bench-"))
    try:
        fresh = build(folder / "fresh.xlsx", 0)
        office = build(folder / "office.xlsx", OFFICE_ROWS)
        cases: list[tuple[str, Callable[[Path, Path], None], Path]] = [
            ("fresh: patch 2 000 × 40 (verify)", patch_rows, fresh),
            ("fresh: patch 2 000 × 40 (no verify)", lambda s, t: patch_rows(s, t, verify=False), fresh),
            ("fresh: openpyxl load + write + save", openpyxl_rows, fresh),
            ("fresh: openpyxl load + save (bare)", openpyxl_round_trip, fresh),
            ("office 10 000: patch 2 000 × 40 (verify)", patch_rows, office),
            ("office 10 000: patch 2 000 × 40 (no verify)", lambda s, t: patch_rows(s, t, verify=False), office),
            ("office 10 000: openpyxl load + write + save", openpyxl_rows, office),
            ("office 10 000: openpyxl load + save (bare)", openpyxl_round_trip, office),
            ("read 10 000 × 40: Reader.values", read_patcher, office),
            ("read 10 000 × 40: openpyxl read-only", read_openpyxl, office),
        ]
        try:
            import python_calamine  # noqa: F401

            cases.append(("read 10 000 × 40: python-calamine", read_calamine, office))
        except ImportError:
            pass
        print(f"office workbook: {office.stat().st_size / 2**20:.1f} MiB; Python {sys.version.split()[0]}")
        print("| case | time (median of 3) | peak memory (tracemalloc) |")
        print("|---|---|---|")
        for name, action, source in cases:
            seconds, mebibytes = measure(action, source, folder)
            print(f"| {name} | {seconds:.2f} s | {mebibytes:.0f} MiB |", flush=True)
    finally:
        shutil.rmtree(folder)


if __name__ == "__main__":
    main()
