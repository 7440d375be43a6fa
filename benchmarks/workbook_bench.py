"""Benchmark of the tracking workbook, as the commands work on it (issue 10, point 5).

Two workbooks, each taken through the agent's day exactly as the commands do it (lock, backup, patch, save):

- a new tracking workbook (``guichet init``, runtime « lite »): import N dossiers, allocate the envelope over
  its N rows, import the same N again (nothing changes);
- an office workbook made by another writer (XlsxWriter: a sheet « Suivi » holding a table of 10 000 rows of
  the office's own columns, number formats, a conditional format, a data validation, and one formatted empty
  cell at XFD1048576): ``guichet init --into``, then the same import, allocation and re-import.

Each step runs twice on a fresh copy of its input file: once timed (``time.perf_counter``, nothing traced;
the process's resident peak is read too, on Linux), once under ``tracemalloc`` for the peak of Python's
allocations (tracing slows the code down several times, and does not see what C libraries such as lxml
allocate: hence the resident peak). The reference is a bare openpyxl ``load_workbook`` + ``save`` of the
same workbook as the steps leave it, measured in the same run in the same way.

    make bench        # or: python benchmarks/workbook_bench.py [--count N] [--office-rows N] [--json FILE]

No assertion: the numbers are printed (and written to ``--json``), to be read.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import ctypes.util
import datetime as dt
import gc
import json
import re
import shutil
import sys
import tempfile
import time
import tracemalloc
import warnings
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import openpyxl
import xlsxwriter

from xlplugin.rules import default_reglement, default_territory, read_dossier
from xlplugin.rules.dossier import Dossier
from xlplugin.rules.reglement import Reglement
from xlplugin.workbook.operations import allocate_into, complete_workbook, import_into
from xlplugin.workbook.setup import create_workbook

ROOT = Path(__file__).resolve().parent.parent
AGENT = "bench"
WORKBOOK = "suivi.xlsx"  # the file every step works on, in its own folder (its backup is written beside it)
FAR_CELL = "XFD1048576"  # the office's formatted empty cell: the last cell of a sheet
MIB = 2**20
RSS_PEAK = Path("/proc/self/status")
RSS_RESET = Path("/proc/self/clear_refs")  # writing "5" resets the resident peak (Linux ≥ 4.0)


def dossiers(count: int, reglement: Reglement) -> list[Dossier]:
    """The example dossiers, repeated under distinct numbers."""
    examples = [
        read_dossier(json.loads(p.read_text(encoding="utf-8")), reglement)
        for p in sorted((ROOT / "examples" / "dossiers").glob("*.json"))
    ]
    return [replace(examples[i % len(examples)], number=50_000_000 + i) for i in range(count)]


def office_workbook(path: Path, rows: int) -> Path:
    """An office's workbook written by XlsxWriter: its own table of ``rows`` dossiers in « Suivi », formatted."""
    book = xlsxwriter.Workbook(str(path))
    book.set_properties({"created": dt.datetime(2024, 1, 1)})
    sheet = book.add_worksheet("Suivi")
    money = book.add_format({"num_format": "#,##0.00 €"})
    date = book.add_format({"num_format": "dd/mm/yyyy"})
    wrap = book.add_format({"text_wrap": True})
    states = ("reçu", "instruit", "relancé", "complet")
    data = [
        [
            40_000_000 + i,
            f"Commune {i % 600}",
            1_000 + (i * 37) % 90_000 + 0.5,
            dt.datetime(2023, 1, 1) + dt.timedelta(days=i % 365),
            states[i % len(states)],
            f"Agent {i % 12}",
            f"Pièce manquante : devis n° {i}" if i % 7 == 0 else None,
            dt.datetime(2023, 6, 1) + dt.timedelta(days=i % 90) if i % 5 == 0 else None,
        ]
        for i in range(rows)
    ]
    columns = [
        {"header": "N° dossier"},
        {"header": "Collectivité"},
        {"header": "Montant demandé", "format": money},
        {"header": "Déposé le", "format": date},
        {"header": "État du dossier"},
        {"header": "Instructeur"},
        {"header": "Observations", "format": wrap},
        {"header": "Relancé le", "format": date},
    ]
    last = max(rows, 1)
    options: dict[str, Any] = {"name": "SuiviBureau", "columns": columns, "style": "Table Style Medium 2"}
    if data:
        options["data"] = data
    sheet.add_table(0, 0, last, len(columns) - 1, options)
    sheet.set_column(0, 0, 12)
    sheet.set_column(1, 1, 24)
    sheet.set_column(2, 5, 15)
    sheet.set_column(6, 6, 40)
    sheet.set_column(7, 7, 12)
    sheet.freeze_panes(1, 0)
    sheet.data_validation(1, 4, last, 4, {"validate": "list", "source": list(states)})
    red = book.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006"})
    sheet.conditional_format(1, 2, last, 2, {"type": "cell", "criteria": ">", "value": 50_000, "format": red})
    # Formatted, and empty: memory must not grow with the range it stretches the sheet to.
    sheet.write_blank(FAR_CELL, None, book.add_format({"bg_color": "#FFFF00"}))
    book.close()
    return path


def openpyxl_round_trip(path: Path) -> None:
    """What the tool used to do at the least, and the issue's reference: openpyxl loads, then saves."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = openpyxl.load_workbook(path)
        book.save(path)


def rss_reset() -> bool:
    """Start a new resident peak from here (Linux): the C heap freed by earlier steps is given back first
    (glibc), so that the peak is this step's, not the largest so far."""
    libc = ctypes.util.find_library("c")
    if libc is not None:
        with contextlib.suppress(AttributeError, OSError):  # not glibc
            ctypes.CDLL(libc).malloc_trim(0)
    try:
        RSS_RESET.write_text("5")
    except OSError:
        return False
    return True


def rss_peak() -> float:
    found = re.search(r"VmHWM:\s+(\d+) kB", RSS_PEAK.read_text())
    return int(found.group(1)) * 1024 / MIB if found else float("nan")


@dataclass
class Measure:
    label: str
    seconds: float
    peak: float  # MiB, Python's allocations (tracemalloc)
    rss: float | None  # MiB, the process's resident peak during the timed run (Linux)
    reference: bool = False
    result: str = ""


class Day:
    """The steps of one workbook, each from the file the previous step left."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.folder.mkdir()
        self.state: Path | None = None  # the workbook as the last step left it
        self.measures: list[Measure] = []

    def run(self, label: str, action: Callable[[Path], Any], *, reference: bool = False) -> Any:
        """Run ``action`` on a fresh copy of the current workbook: timed, then traced. The timed run's file
        becomes the current workbook (unless this is the reference, which changes nothing)."""
        timed = self._fresh("chrono")
        gc.collect()
        watched = rss_reset()
        start = time.perf_counter()
        result = action(timed)
        seconds = time.perf_counter() - start
        rss = rss_peak() if watched else None
        traced = self._fresh("memoire")
        gc.collect()
        tracemalloc.start()
        action(traced)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        if not reference:
            state = self.folder / f"etape-{len(self.measures) + 1}.xlsx"
            shutil.copyfile(timed, state)
            self.state = state
        text = result.text() if hasattr(result, "text") else ""
        self.measures.append(Measure(label, seconds, peak / MIB, rss, reference, text))
        print(f"{label} : {decimal(seconds, 2)} s, {decimal(peak / MIB, 1)} Mo", file=sys.stderr, flush=True)
        shutil.rmtree(timed.parent)
        shutil.rmtree(traced.parent)
        return result

    def _fresh(self, name: str) -> Path:
        """An empty folder holding a copy of the current workbook (none before the first step)."""
        folder = self.folder / name
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir()
        target = folder / WORKBOOK
        if self.state is not None:
            shutil.copyfile(self.state, target)
        return target

    def reference(self) -> Measure:
        return next(m for m in self.measures if m.reference)


def new_workbook_day(folder: Path, batch: list[Dossier], reglement: Reglement) -> Day:
    territory, count = default_territory(), spaced(len(batch))
    day = Day(folder)
    day.run("création du classeur (guichet init)", lambda p: create_workbook(p, reglement, "lite"))
    day_steps(day, batch, reglement, territory, count)
    day.run(f"aller-retour openpyxl du classeur final ({count} lignes)", openpyxl_round_trip, reference=True)
    return day


def office_day(folder: Path, batch: list[Dossier], reglement: Reglement, office: Path, rows: int) -> Day:
    territory, count = default_territory(), spaced(len(batch))
    day = Day(folder)
    day.state = office
    day.run("ajout des feuilles de l'outil (guichet init --into)", lambda p: complete_workbook(p, reglement))
    day_steps(day, batch, reglement, territory, count)
    total = spaced(rows + len(batch))
    day.run(f"aller-retour openpyxl du classeur final ({total} lignes)", openpyxl_round_trip, reference=True)
    return day


def day_steps(day: Day, batch: list[Dossier], reglement: Reglement, territory: Any, count: str) -> None:
    def importing(path: Path) -> Any:
        return import_into(path, batch, reglement, territory, agent=AGENT)[0]

    def allocating(path: Path) -> Any:
        return allocate_into(path, reglement, AGENT)[0]

    day.run(f"import de {count} dossiers (guichet import)", importing)
    day.run("répartition de l'enveloppe (guichet allocate --workbook)", allocating)
    day.run(f"second import des mêmes {count} dossiers (rien ne change)", importing)


def spaced(number: int) -> str:
    return f"{number:,}".replace(",", "\u202f")


def decimal(number: float, digits: int) -> str:
    return f"{number:.{digits}f}".replace(".", ",")


def table(title: str, day: Day) -> list[str]:
    reference = day.reference()
    lines = [
        f"### {title}",
        "",
        "| Étape | Temps (s) | Mémoire max (Mo) | RSS max (Mo) | Temps / openpyxl | Mémoire / openpyxl |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for m in day.measures:
        rss = decimal(m.rss, 0) if m.rss is not None else "–"
        time_ratio = "1" if m.reference else f"{decimal(m.seconds / reference.seconds, 2)} ×"
        memory_ratio = "1" if m.reference else f"{decimal(m.peak / reference.peak, 2)} ×"
        lines.append(
            f"| {m.label} | {decimal(m.seconds, 2)} | {decimal(m.peak, 1)} | {rss} | {time_ratio} | {memory_ratio} |"
        )
    lines += [""] + [f"- {m.label} : {m.result}" for m in day.measures if m.result] + [""]
    return lines


def as_json(day: Day) -> list[dict[str, Any]]:
    reference = day.reference()
    return [
        {
            "step": m.label,
            "seconds": round(m.seconds, 4),
            "tracemalloc_peak_mib": round(m.peak, 2),
            "rss_peak_mib": None if m.rss is None else round(m.rss, 1),
            "time_ratio_to_openpyxl": None if m.reference else round(m.seconds / reference.seconds, 3),
            "memory_ratio_to_openpyxl": None if m.reference else round(m.peak / reference.peak, 3),
            "reference": m.reference,
            "result": m.result,
        }
        for m in day.measures
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=2_000, help="dossiers imported (default 2000)")
    parser.add_argument("--office-rows", type=int, default=10_000, help="rows of the office's table (default 10000)")
    parser.add_argument("--json", type=Path, help="also write the numbers to this file")
    args = parser.parse_args()
    reglement = default_reglement()
    batch = dossiers(args.count, reglement)
    with tempfile.TemporaryDirectory(prefix="workbook-bench-") as name:
        folder = Path(name)
        office = office_workbook(folder / "bureau.xlsx", args.office_rows)
        new_day = new_workbook_day(folder / "neuf", batch, reglement)
        office_size = office.stat().st_size / MIB
        days = [
            (f"Classeur neuf, {spaced(args.count)} dossiers", new_day),
            (
                f"Classeur du bureau (XlsxWriter, {spaced(args.office_rows)} lignes, {decimal(office_size, 1)} Mo, "
                f"une cellule vide mise en forme en {FAR_CELL}), {spaced(args.count)} dossiers",
                office_day(folder / "bureau", batch, reglement, office, args.office_rows),
            ),
        ]
        lines = [
            f"Python {sys.version.split()[0]}, openpyxl {openpyxl.__version__}. Temps : une exécution sans traçage ; "
            "mémoire max : pic de tracemalloc (allocations Python) dans une seconde exécution ; RSS max : pic de "
            "mémoire résidente du processus pendant l'exécution chronométrée (Linux). Rapports : à l'aller-retour "
            "openpyxl (load_workbook + save) du classeur final, mesuré de la même façon.",
            "",
        ]
        for title, day in days:
            lines += table(title, day)
    print("\n".join(lines))
    if args.json:
        numbers = {
            "python": sys.version.split()[0],
            "openpyxl": openpyxl.__version__,
            "count": args.count,
            "office_rows": args.office_rows,
            "new_workbook": as_json(new_day),
            "office_workbook": as_json(days[1][1]),
        }
        args.json.write_text(json.dumps(numbers, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
