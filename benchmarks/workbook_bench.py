"""Benchmark of the workbook: import 2 000 dossiers into a new tracking workbook, then allocate the
envelope over its 2 000 rows, each as ``guichet import`` and ``guichet allocate --workbook`` do it
(load, work, safe save).

    make bench        # or: python benchmarks/workbook_bench.py [--count N]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import tracemalloc
from dataclasses import replace
from pathlib import Path

from openpyxl import load_workbook

from xlplugin.rules import default_reglement, default_territory, read_dossier
from xlplugin.workbook.allocation import allocate_book
from xlplugin.workbook.book import OpenpyxlBook
from xlplugin.workbook.importer import import_dossiers
from xlplugin.workbook.storage import save_workbook
from xlplugin.workbook.template import add_missing_sheets, build_workbook, save_atomically

ROOT = Path(__file__).resolve().parent.parent


def dossiers(count: int) -> list:  # type: ignore[type-arg]
    reglement = default_reglement()
    examples = [
        read_dossier(json.loads(p.read_text(encoding="utf-8")), reglement)
        for p in sorted((ROOT / "examples" / "dossiers").glob("*.json"))
    ]
    return [replace(examples[i % len(examples)], number=50_000_000 + i) for i in range(count)]


def timed(label: str, function) -> None:  # type: ignore[no-untyped-def]
    tracemalloc.start()
    start = time.perf_counter()
    function()
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"| {label} | {elapsed:.1f} s | {peak / 1024 / 1024:.0f} Mo |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=2_000)
    args = parser.parse_args()
    reglement, territory = default_reglement(), default_territory()
    batch = dossiers(args.count)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "suivi.xlsx"
        save_atomically(build_workbook(reglement), path)

        def run_import() -> None:
            workbook = load_workbook(path)
            import_dossiers(workbook, batch, reglement, territory, agent="bench")
            save_workbook(workbook, path)

        def run_allocate() -> None:
            workbook = load_workbook(path)
            add_missing_sheets(workbook, reglement, dossier_sheet=False)
            allocate_book(OpenpyxlBook(workbook), reglement, "bench")
            save_workbook(workbook, path)

        print(f"| Mesure ({args.count} dossiers) | durée | mémoire (pic Python) |")
        print("|---|---|---|")
        timed(f"import de {args.count} dossiers dans un classeur neuf", run_import)
        timed(f"répartition sur {args.count} lignes (guichet allocate --workbook)", run_allocate)
        timed(f"second import des mêmes {args.count} dossiers (rien ne change)", run_import)


if __name__ == "__main__":
    main()
