"""Benchmark of the Excel functions: recomputing 1 000 dossier rows, per cell and by whole columns, as
plain Python calls and through xlwings' Office.js protocol (``custom_functions_call``, as Office.js calls).

    make bench-udf      # or: XLWINGS_ON_SERVER=true XLWINGS_LICENSE_KEY=noncommercial python benchmarks/udf_bench.py
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

os.environ.setdefault("XLWINGS_ON_SERVER", "true")
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

import xlwings as xw
from xlwings.server import custom_functions_call

from xlplugin.excel import udfs

ROWS = 1_000
SERVICE = "Service en ligne, dématérialisation ou accompagnement des agents aux outils numériques"


def rows(seed: int = 2021) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [
        {
            "numero": 40_000_000 + i,
            "population": rng.choice([131, 1751, 3500, 12000, 60000]),
            "cout": rng.randrange(1_000_00, 200_000_00) / 100,
            "participative": rng.choice(["Oui", "Non"]),
            "labo": rng.choice(["Oui", "Non"]),
            "usagers": rng.randrange(0, 20000),
            "agents_benef": rng.randrange(0, 40),
            "agents": rng.randrange(1, 400),
            "commun": rng.choice(["Oui", "Non"]),
            "impact": rng.randrange(0, 4),
            "besoin": rng.randrange(0, 4),
        }
        for i in range(ROWS)
    ]


def rate_args(r: dict[str, Any]) -> list[Any]:
    return [
        r["population"],
        r["cout"],
        r["participative"],
        r["labo"],
        r["usagers"],
        r["agents_benef"],
        r["agents"],
        r["commun"],
    ]


def note_args(r: dict[str, Any]) -> list[Any]:
    return [
        r["impact"],
        r["besoin"],
        r["cout"],
        r["cout"] / 2,
        r["agents_benef"],
        r["agents"],
        r["usagers"],
        r["population"],
        r["commun"],
    ]


def payload(name: str, args: list[Any]) -> dict[str, Any]:
    return {
        "func_name": name,
        "args": [a if isinstance(a, list) else [[a]] for a in args],
        "version": xw.__version__,
        "client": "Office.js",
        "caller_address": "Dossiers!AH2",
        "runtime": "1.4",
        "culture_info_name": "fr-FR",
        "date_format": "dd/MM/yyyy",
    }


def server(calls: list[tuple[str, list[Any]]]) -> list[Any]:
    """Calls in one event loop, one after the other, as the server answers Excel's requests."""

    async def run() -> list[Any]:
        return [await custom_functions_call(payload(name, args), udfs) for name, args in calls]

    return asyncio.run(run())


def best_of(function: Callable[[], Any], runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    data = rows()
    columns_rate = [[[v] for v in column] for column in zip(*(rate_args(r) for r in data), strict=True)]
    columns_note = [[[v] for v in column] for column in zip(*(note_args(r) for r in data), strict=True)]
    measures = [
        ("SUBV_TAUX, 1 000 appels (une cellule chacun), Python", lambda: [udfs.SUBV_TAUX(*rate_args(r)) for r in data]),
        (
            "SUBV_TAUX, 1 000 appels, protocole Office.js (CPython)",
            lambda: server([("SUBV_TAUX", rate_args(r)) for r in data]),
        ),
        ("SUBV_TAUX_COLONNE, 1 appel sur 1 000 lignes, Python", lambda: udfs.SUBV_TAUX_COLONNE(*columns_rate)),
        (
            "SUBV_TAUX_COLONNE, 1 appel, protocole Office.js (CPython)",
            lambda: server([("SUBV_TAUX_COLONNE", columns_rate)]),
        ),
        ("SUBV_NOTE, 1 000 appels, Python", lambda: [udfs.SUBV_NOTE(*note_args(r)) for r in data]),
        (
            "SUBV_NOTE, 1 000 appels, protocole Office.js (CPython)",
            lambda: server([("SUBV_NOTE", note_args(r)) for r in data]),
        ),
        (
            "SUBV_NOTE_COLONNE, 1 appel, protocole Office.js (CPython)",
            lambda: server([("SUBV_NOTE_COLONNE", columns_note)]),
        ),
    ]
    print(f"| Mesure ({ROWS} lignes) | durée (médiane de 5) |")
    print("|---|---|")
    for label, function in measures:
        print(f"| {label} | {best_of(function) * 1000:.0f} ms |")


if __name__ == "__main__":
    main()
