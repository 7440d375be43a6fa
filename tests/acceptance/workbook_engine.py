"""Computing a workbook's formulas without Excel: the ``formulas`` engine with our functions registered.

Excel passes a function plain values; ``formulas`` passes numpy arrays (a cell is a 1×1 array, an empty
cell schedula's EMPTY). ``excel_args`` turns them into what Excel would pass, so that the functions run
exactly as they do in Excel.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import formulas
import numpy as np
import schedula as sh
from formulas.functions import wrap_func

from xlplugin.excel import udfs


def _plain(value: Any) -> Any:
    if value is sh.EMPTY:
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


def excel_args(args: tuple[Any, ...]) -> list[Any]:
    converted = []
    for arg in args:
        if isinstance(arg, np.ndarray):
            rows = [[_plain(v) for v in row] for row in arg.tolist()] if arg.ndim == 2 else [[_plain(v) for v in arg]]
            converted.append(rows[0][0] if len(rows) == 1 and len(rows[0]) == 1 else rows)
        else:
            converted.append(_plain(arg))
    return converted


def udf_functions() -> dict[str, Any]:
    """Every SUBV_ function of the UDF module, by Excel name."""
    return {name: f for name, f in inspect.getmembers(udfs) if name.startswith("SUBV_") and callable(f)}


def register() -> None:
    table = formulas.get_functions()
    for name, function in udf_functions().items():

        def call(*args: Any, _f: Any = function) -> Any:
            result = _f(*excel_args(args))
            return np.asarray(result, object) if isinstance(result, list) else result

        wrapped = wrap_func(call)
        table[name] = wrapped
        table[f"_XLUDF.{name}"] = wrapped  # how Excel stores a function it did not know when saving
        table[f"_XLDUDF_{name}"] = wrapped  # how Excel stores an Office.js custom function (xlwings Lite)


def compute(path: Path) -> dict[tuple[str, str], Any]:
    """Every computed cell of the workbook: {(sheet, "AB2"): value}."""
    register()
    model = formulas.ExcelModel().loads(str(path)).finish()
    solution = model.calculate()
    values: dict[tuple[str, str], Any] = {}
    for key, result in solution.items():
        text = str(key)
        if "!" not in text or ":" in text.split("!")[1]:
            continue
        sheet, cell = text.rsplit("!", 1)
        sheet = sheet.split("]", 1)[1].strip("'")
        value = getattr(result, "value", result)
        if isinstance(value, np.ndarray):
            value = _plain(value.ravel()[0]) if value.size else None
        values[(sheet.upper(), cell.upper())] = value
    return values


def tracking_workbook(path: Path, dossiers: list[Any], runtime: str = "lite") -> Path:
    """A tracking workbook made as ``guichet init`` and ``guichet import`` make it, filled with ``dossiers``."""
    from xlplugin.rules import default_reglement, default_territory
    from xlplugin.workbook.operations import import_into
    from xlplugin.workbook.setup import create_workbook

    create_workbook(path, default_reglement(), runtime)
    import_into(path, dossiers, default_reglement(), default_territory())
    return path
