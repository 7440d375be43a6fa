"""What Excel sends to Python through xlwings' Office.js protocol (xlwings Lite and xlwings Server), built from
a tracking workbook, and the means to run it in CPython and in Pyodide under Node.

- A custom function call is the payload of xlwings' Office.js client (``base()`` in
  ``custom-functions-code.js`` of xlwings-server): ``client``, ``func_name``, ``args`` (every argument a
  matrix, dates as serial numbers), ``caller_address`` (``[book]Sheet!A1``), ``session_id``,
  ``culture_info_name``, ``date_format``, ``version``, ``runtime``.
- A script's book is what ``getBookData()`` of the same client sends: ``client``, ``version``,
  ``book`` {name, active_sheet_index, selection}, ``names`` [{name, sheet_index, address, …}],
  ``sheets`` [{name, values, pictures, tables}] with Excel's computed values, ``""`` for an empty cell and
  ISO 8601 text for a date cell (``convertDateValues``).

The calls are read from the workbook's own formulas (``=SUBV_…(G2,…,Dep_Dossier,…)``): every computed cell
of « Dossiers » gives one call whose arguments are the cells it names, computed first when they are
formulas themselves; the ``_COLONNE`` functions get the same arguments as whole columns.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

os.environ.setdefault("XLWINGS_ON_SERVER", "true")
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")  # PolyForm Noncommercial: a public office

import xlwings as xw
from openpyxl import load_workbook
from openpyxl.utils.cell import get_column_letter, range_boundaries
from xlwings.server import custom_functions_call, custom_scripts_call

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
NODE_MODULES = HERE / "node_modules"
DRIVER = HERE / "driver.py"
RUNNER = HERE / "run.mjs"

BOOK_NAME = "suivi.xlsx"
DOSSIERS = "Dossiers"
EPOCH = datetime(1899, 12, 30)
CELL = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+)$")


def serial(value: datetime | date) -> float:
    """An Excel date serial number, as a custom function receives a date cell."""
    moment = value if isinstance(value, datetime) else datetime(value.year, value.month, value.day)
    return (moment - EPOCH).total_seconds() / 86400


def function_payload(func_name: str, args: list[list[list[Any]]], caller: str) -> dict[str, Any]:
    return {
        "client": "Office.js",
        "func_name": func_name,
        "args": args,
        "caller_address": f"[{BOOK_NAME}]{caller}",
        "session_id": "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
        "culture_info_name": "fr-FR",
        "date_format": "dd/MM/yyyy",
        "version": xw.__version__,
        "runtime": "1.4",
    }


def split_arguments(text: str) -> list[str]:
    """The top-level arguments of a call, commas inside "…" left alone."""
    parts, current, quoted = [], "", False
    for char in text:
        if char == '"':
            quoted = not quoted
        if char == "," and not quoted:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    parts.append(current.strip())
    return parts


@dataclass
class Call:
    """One custom function call: the cell whose formula makes it, and the payload Excel sends."""

    cell: str
    func_name: str
    payload: dict[str, Any]
    result: Any = None  # what CPython returned through the same protocol


@dataclass
class TrackingWorkbook:
    """A tracking workbook read as Excel would see it, its formulas computed by a function module."""

    path: Path
    module: ModuleType
    values: dict[tuple[str, str], Any] = field(default_factory=dict)  # (sheet, "A1") → computed value
    calls: list[Call] = field(default_factory=list)
    dossiers: str = DOSSIERS  # the sheet of the dossiers' rows

    def __post_init__(self) -> None:
        self.book = load_workbook(self.path)
        self.names = {
            name: destinations[0]
            for name, defined in self.book.defined_names.items()
            if len(destinations := list(defined.destinations)) == 1
        }
        sheet = self.book[self.dossiers]
        last = max((c.row for c in sheet["A"] if c.value is not None), default=1)
        self.rows = range(2, last + 1)

    # -- reading cells -------------------------------------------------------------------------------

    def cell_value(self, sheet: str, ref: str) -> Any:
        """A cell's value as Excel holds it: its formula's result when it has one."""
        key = (sheet, ref)
        if key not in self.values:
            raw = self.book[sheet][ref].value
            if isinstance(raw, str) and raw.startswith("="):
                self.values[key] = self._compute(sheet, ref, raw)
            else:
                self.values[key] = raw
        return self.values[key]

    def argument(self, sheet: str, text: str, row: int | None = None) -> list[list[Any]]:
        """An argument as Office.js passes it: a matrix; a date as a serial number, an empty cell as null
        alone and as "" in a range. ``row`` set: a cell of this sheet becomes its whole column."""
        if text.startswith('"'):
            return [[text.strip('"')]]
        if CELL.match(text) and row is None:
            value = self.cell_value(sheet, text.replace("$", ""))
            return [[self._plain(value, empty=None)]]
        if CELL.match(text):
            letter = CELL.match(text).group(1)  # type: ignore[union-attr]
            return self._range(sheet, f"{letter}{self.rows.start}:{letter}{self.rows.stop - 1}")
        if text in self.names:
            target_sheet, ref = self.names[text]
            return self._range(target_sheet, ref.replace("$", ""))
        return [[float(text)]]

    def _range(self, sheet: str, ref: str) -> list[list[Any]]:
        min_col, min_row, max_col, max_row = range_boundaries(ref)
        return [
            [
                self._plain(self.cell_value(sheet, f"{get_column_letter(c)}{r}"), empty="")
                for c in range(min_col, max_col + 1)
            ]
            for r in range(min_row, max_row + 1)
        ]

    @staticmethod
    def _plain(value: Any, empty: Any) -> Any:
        if value is None or value == "":
            return empty
        if isinstance(value, (datetime, date)):
            return serial(value)
        if isinstance(value, bool):
            return value
        if isinstance(value, int):
            return float(value)  # Excel numbers are doubles
        return value

    # -- computing formulas --------------------------------------------------------------------------

    def _compute(self, sheet: str, ref: str, formula: str) -> Any:
        name, _, inner = called(formula).partition("(")
        args = [self.argument(sheet, text) for text in split_arguments(inner.rstrip(")"))]
        payload = function_payload(name, args, f"{sheet}!{ref}")
        result = asyncio.run(custom_functions_call(payload, self.module))
        self.calls.append(Call(f"{sheet}!{ref}", name, payload, result))
        return result[0][0]

    def compute_all(self) -> None:
        """Every formula of « Dossiers », then the functions no formula uses and the column versions."""
        sheet = self.book[self.dossiers]
        headers = {c.value: c.column_letter for c in sheet[1]}
        for row in self.rows:
            for cell in sheet[row]:
                if isinstance(cell.value, str) and called(cell.value).startswith("SUBV_"):
                    self.cell_value(self.dossiers, cell.coordinate)
        first = self.rows.start
        for row in self.rows:
            for name, header in (
                ("SUBV_POPULATION", "Code INSEE ou SIREN"),
                ("SUBV_TRANCHE", "Population"),
                ("SUBV_SIRET", "SIRET"),
            ):
                ref = f"{headers[header]}{row}"
                payload = function_payload(name, [self.argument(self.dossiers, ref)], f"{self.dossiers}!Z{row}")
                self.calls.append(Call(f"{self.dossiers}!{ref}", name, payload))
        for name in ("SUBV_TAUX", "SUBV_MONTANT", "SUBV_NOTE", "SUBV_ASSIETTE", "SUBV_ELIGIBLE"):
            formula = sheet[f"{self._column_of(name)}{first}"].value
            inner = called(formula).partition("(")[2].rstrip(")")
            args = [self.argument(self.dossiers, text, row=first) for text in split_arguments(inner)]
            column = f"{name}_COLONNE"
            payload = function_payload(column, args, f"{self.dossiers}!BA{first}")
            self.calls.append(Call(f"{self.dossiers}!BA{first}", column, payload))
        pending = [call for call in self.calls if call.result is None]
        for call, result in zip(pending, cpython_calls(pending, self.module), strict=True):
            call.result = result

    def _column_of(self, func_name: str) -> str:
        for cell in self.book[self.dossiers][self.rows.start]:
            if (
                isinstance(cell.value, str)
                and cell.value.startswith("=")
                and called(cell.value).startswith(f"{func_name}(")
            ):
                return str(cell.column_letter)
        raise LookupError(func_name)

    # -- the script's book ---------------------------------------------------------------------------

    def book_payload(self) -> dict[str, Any]:
        """The workbook as ``getBookData()`` sends it, with the computed values of the formulas."""
        sheets = []
        for ws in self.book.worksheets:
            values = [
                [self._book_value(ws.title, f"{get_column_letter(c)}{r}") for c in range(1, ws.max_column + 1)]
                for r in range(1, ws.max_row + 1)
            ]
            tables = [
                {
                    "name": table.name,
                    "range_address": table.ref.replace("$", ""),
                    "header_row_range_address": None,
                    "data_body_range_address": None,
                    "total_row_range_address": None,
                    "show_headers": True,
                    "show_totals": False,
                    "table_style": table.tableStyleInfo.name if table.tableStyleInfo else None,
                    "show_autofilter": True,
                }
                for table in ws.tables.values()
            ]
            sheets.append({"name": ws.title, "values": values or [[""]], "pictures": [], "tables": tables})
        names = [
            {
                "name": name,
                "sheet_index": self.book.sheetnames.index(sheet),
                "address": ref.replace("$", ""),
                "scope_sheet_name": None,
                "scope_sheet_index": None,
                "book_scope": True,
            }
            for name, (sheet, ref) in self.names.items()
        ]
        return {
            "client": "Office.js",
            "version": xw.__version__,
            "book": {"name": BOOK_NAME, "active_sheet_index": 0, "selection": "A1"},
            "names": names,
            "sheets": sheets,
        }

    def _book_value(self, sheet: str, ref: str) -> Any:
        raw = self.book[sheet][ref].value
        value = self.values.get((sheet, ref), raw) if isinstance(raw, str) and raw.startswith("=") else raw
        if value is None or (isinstance(value, str) and value.startswith("=")):
            return ""
        if isinstance(value, (datetime, date)):
            moment = value if isinstance(value, datetime) else datetime(value.year, value.month, value.day)
            return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")
        return value


def cpython_calls(calls: list[Call], module: ModuleType) -> list[Any]:
    """The results of ``calls`` through xlwings' protocol in this interpreter."""

    async def run() -> list[Any]:
        return [await custom_functions_call(call.payload, module) for call in calls]

    return asyncio.run(run())


def cpython_script(module: ModuleType, name: str, book: dict[str, Any]) -> dict[str, Any]:
    """The book (with its ``actions``) a script returns, as xlwings Lite hands it back to Office.js."""
    xl_book = xw.Book(json=json.loads(json.dumps(book)))
    asyncio.run(custom_scripts_call(module, name, typehint_to_value={xw.Book: xl_book}))
    return dict(xl_book.json())


def node() -> str | None:
    return shutil.which("node")


def run_pyodide(job: dict[str, Any], wheel_dirs: list[Path], driver: Path = DRIVER) -> dict[str, Any]:
    """Run ``driver``'s ``main(job)`` in Pyodide under Node with the wheels of ``wheel_dirs``."""
    with tempfile.TemporaryDirectory() as folder:
        job_file = Path(folder) / "job.json"
        job_file.write_text(json.dumps(job), encoding="utf-8")
        command = [str(node()), str(RUNNER), str(driver), str(job_file), *map(str, wheel_dirs)]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"Pyodide run failed ({done.returncode}):\n{done.stderr[-6000:]}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def build_project_wheel(target: Path) -> Path:
    """A wheel of this worktree, built offline (``pip wheel --no-deps --no-build-isolation``)."""
    import sys

    target.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--disable-pip-version-check", "--no-deps",
         "--no-build-isolation", "--no-index", "-w", str(target), str(ROOT)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    (wheel,) = target.glob("guichet_numerique-*.whl")
    return wheel


def tracking_workbook(directory: Path, dossiers: Path, module: ModuleType) -> TrackingWorkbook:
    """The tracking workbook made by ``guichet init`` then ``guichet import`` of ``dossiers``, computed."""
    import sys

    path = directory / BOOK_NAME
    guichet = [sys.executable, "-c", "from batch.cli import main; main()"]
    for args in (["init", str(path)], ["import", str(dossiers), "--workbook", str(path)]):
        subprocess.run([*guichet, *args], check=True, capture_output=True, text=True, cwd=ROOT)
    workbook = TrackingWorkbook(path, module)
    workbook.compute_all()
    return workbook


def called(formula: str) -> str:
    """A formula without its « = » and the prefix xlwings Lite's functions are stored with (« _xldudf_ »):
    the call as Office.js makes it."""
    return formula[1:].removeprefix("_xldudf_")


def same(a: Any, b: Any, close: Callable[[float, float], bool] = lambda x, y: x == y) -> bool:
    """Equal values, floats compared by ``close``, containers element by element."""
    if isinstance(a, float) and isinstance(b, (int, float)) and not isinstance(b, bool):
        return close(a, float(b))
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y, close) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k], close) for k in a)
    return bool(a == b)


def json_plain(value: Any) -> Any:
    """A value as it crosses the JSON boundary of the Pyodide run."""
    return json.loads(json.dumps(value, default=str))
