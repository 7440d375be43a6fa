"""Excel functions through xlwings' Office.js protocol (xlwings Lite), in CPython and in Pyodide.

Measures, as declared today and with every argument declared ``convert="raw"``:
- one call of SUBV_TAUX_COLONNE on 1 000 rows (the 40 example dossiers repeated);
- 1 000 calls of SUBV_TAUX, one cell each;
and shows where the time goes in CPython (cProfile of the declared column call: the failed
``from pyodide.ffi import JsNull`` that xlwings retries for every value outside Pyodide). Then checks that the raw
declaration gives the same result for every call of the example workbook (485 calls, every function).

In Pyodide, as xlwings Lite runs them: ``main.py`` and ``requirements.txt`` read from the workbook, the
requirements installed by micropip (timed), then the same calls through the module ``main``.

Run from the repository root, after ``make pyodide`` (npm pyodide and Lite's packages): ``make bench``, or
``.venv/bin/python benchmarks/office_js_bench.py``. Without node, only CPython is measured.
"""

from __future__ import annotations

import asyncio
import cProfile
import importlib.util
import io
import os
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# xlwings' Office.js decorators and protocol: set before xlwings is imported (PolyForm Noncommercial licence).
os.environ.setdefault("XLWINGS_ON_SERVER", "true")
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

from xlwings.server import custom_functions_call  # noqa: E402

from tests.acceptance.pyodide import index_server, lite_packages  # noqa: E402
from tests.acceptance.pyodide import officejs as oj  # noqa: E402
from tests.acceptance.pyodide.test_pyodide import lite_settings  # noqa: E402

FUNCTIONS_MODULE = "xlplugin.excel.udfs"
ROWS = 1_000
REPEAT = 5


def load_driver() -> Any:
    spec = importlib.util.spec_from_file_location("pyodide_driver", oj.DRIVER)
    assert spec and spec.loader
    driver = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(driver)
    return driver


def payloads(workbook: oj.TrackingWorkbook) -> tuple[dict[str, Any], dict[str, Any]]:
    """SUBV_TAUX_COLONNE on 1 000 rows, and SUBV_TAUX on one row."""
    first = workbook.rows.start
    formula = workbook.book[oj.DOSSIERS][f"{workbook._column_of('SUBV_TAUX')}{first}"].value
    texts = oj.split_arguments(formula[1:].partition("(")[2].rstrip(")"))
    columns = [workbook.argument(oj.DOSSIERS, text, row=first) for text in texts]
    tiled = [(column * (ROWS // len(column) + 1))[:ROWS] for column in columns]
    column_call = oj.function_payload("SUBV_TAUX_COLONNE", tiled, f"{oj.DOSSIERS}!BA2")
    cell_call = oj.function_payload("SUBV_TAUX", [workbook.argument(oj.DOSSIERS, t) for t in texts], "Dossiers!AH2")
    return column_call, cell_call


def timed(function: Any, repeat: int = REPEAT) -> float:
    times = []
    for _ in range(repeat):
        begin = time.perf_counter()
        function()
        times.append(time.perf_counter() - begin)
    return statistics.median(times)


def cpython(module: Any, column_call: dict[str, Any], cell_call: dict[str, Any]) -> tuple[float, float]:
    async def cells() -> None:
        for _ in range(ROWS):
            await custom_functions_call(cell_call, module)

    column = timed(lambda: asyncio.run(custom_functions_call(column_call, module)))
    single = timed(lambda: asyncio.run(cells()))
    return column, single


def profile(module: Any, column_call: dict[str, Any]) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    asyncio.run(custom_functions_call(column_call, module))
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(6)
    lines = [line for line in out.getvalue().splitlines() if line.strip()]
    return "\n".join(lines[:14])


def main() -> None:
    driver = load_driver()
    declared = importlib.import_module(FUNCTIONS_MODULE)
    raw = driver.raw_variant(declared)
    with tempfile.TemporaryDirectory() as folder:
        print("Classeur des 40 dossiers d'exemple (guichet init, guichet import, toutes les formules)…", flush=True)
        workbook = oj.tracking_workbook(Path(folder), ROOT / "examples" / "dossiers", declared)
        column_call, cell_call = payloads(workbook)

        print(f"\nCPython {sys.version.split()[0]}, médiane de {REPEAT}")
        results = {}
        for label, module in (("déclarées", declared), ("convert='raw'", raw)):
            results[label] = cpython(module, column_call, cell_call)
            column, single = results[label]
            print(f"  {label:14} SUBV_TAUX_COLONNE 1 000 lignes : {column * 1000:7.1f} ms ; "
                  f"SUBV_TAUX 1 000 appels : {single * 1000:7.1f} ms")  # fmt: skip
        # Outside Pyodide, xlwings retries `from pyodide.ffi import JsNull` for every argument (js_to_none), and
        # for every value when it converts them: a failed import walks sys.path each time. Marking the module
        # absent makes each retry fail at once; only ever in CPython, never in Pyodide.
        sys.modules["pyodide"] = None  # type: ignore[assignment]
        column, single = cpython(raw, column_call, cell_call)
        del sys.modules["pyodide"]
        print(f"  {'raw + pyodide':14} SUBV_TAUX_COLONNE 1 000 lignes : {column * 1000:7.1f} ms ; "
              f"SUBV_TAUX 1 000 appels : {single * 1000:7.1f} ms   (sys.modules['pyodide'] = None)")  # fmt: skip
        print("\nOù passe le temps (CPython, SUBV_TAUX_COLONNE déclarée, 1 000 lignes) :")
        print(profile(declared, column_call))

        differences = [
            call.cell
            for call, got in zip(workbook.calls, oj.cpython_calls(workbook.calls, raw), strict=True)
            if not oj.same(call.result, got)
        ]
        print(f"\nRésultats identiques avec convert='raw' ({len(workbook.calls)} appels, CPython) : "
              f"{'oui' if not differences else 'NON ' + ', '.join(differences[:10])}")  # fmt: skip

        if oj.node() is None or not (lite_packages.DIST / "pyodide-lock.json").exists():
            print("\nPyodide : non mesuré (node ou les paquets d'xlwings Lite manquent : make pyodide)")
            return
        settings = lite_settings(workbook.path)
        job = {
            "pyodide_dist": str(lite_packages.DIST),
            "requirements": settings["requirements.txt"],
            "lite": settings["main.py"],
            "calls": [{"module": "main", "payload": call.payload} for call in workbook.calls],
            "timings": {"column": [column_call, REPEAT, "main"], "cells": [cell_call, ROWS, "main"]},
        }
        with index_server.serving(lite_packages.INDEX) as (url, _requested):
            started = time.perf_counter()
            answer = oj.run_pyodide({**job, "index_url": url}, [])
            whole = time.perf_counter() - started
        t = answer["timings"]
        print(f"\nxlwings Lite : Pyodide {answer['pyodide']} (Python {answer['python']}) sous Node, xlwings "
              f"{answer['xlwings']}, main.py et requirements.txt lus dans le classeur")  # fmt: skip
        print(f"  installation de requirements.txt par micropip (index local) : {answer['install_seconds']:5.2f} s")
        print(f"  chargement de main.py (archive du code décompressée, vérifiée) : {answer['main_seconds']:5.2f} s")
        print(f"  démarrage de Node et de Pyodide à la fin des appels : {whole:5.2f} s en tout")
        print(f"  SUBV_TAUX_COLONNE 1 000 lignes : {t['column'] / REPEAT * 1000:7.1f} ms ; "
              f"SUBV_TAUX 1 000 appels : {t['cells'] * 1000:7.1f} ms")  # fmt: skip
        pairs = zip(workbook.calls, answer["calls"], strict=True)
        same = all(oj.same(oj.json_plain(call.result), got) for call, got in pairs)
        print(f"Résultats identiques à CPython ({len(workbook.calls)} appels, xlwings Lite) : "
              f"{'oui' if same else 'NON'}")  # fmt: skip


if __name__ == "__main__":
    main()
