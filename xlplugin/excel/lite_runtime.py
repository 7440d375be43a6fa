"""What the workbook's ``main.py`` does inside xlwings Lite once it has unpacked the tool's code: point the
functions at the règlement the workbook carries, and let python-stdnum load where Pyodide lacks ``ssl``.

This module runs in Pyodide (Python in WebAssembly, inside Excel) before the functions are imported; it is
part of the archive the workbook carries (``bundle``), never of the command line.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import types
from pathlib import Path
from typing import Any

REGLEMENT_VARIABLE = "GUICHET_REGLEMENT"


class _Unavailable(types.ModuleType):
    """Stands for a standard module this Python does not have, for a library that imports it at its top but
    uses it only in a function the tool never calls. Using it says what is missing."""

    def __getattr__(self, attribute: str) -> Any:
        raise ModuleNotFoundError(
            f"le module {self.__name__} n'existe pas dans ce Python (xlwings Lite) : {self.__name__}.{attribute} "
            "n'est pas disponible",
            name=self.__name__,
        )


def import_without(module: str, missing: str) -> None:
    """Import ``module`` while ``missing``, absent from this Python, stands for a module of that name that
    fails only when used; afterwards ``import missing`` fails again as usual everywhere else."""
    if importlib.util.find_spec(missing) is not None:
        importlib.import_module(module)
        return
    placeholder = _Unavailable(missing)
    sys.modules[missing] = placeholder
    try:
        importlib.import_module(module)
    finally:
        if sys.modules.get(missing) is placeholder:
            del sys.modules[missing]


def prepare(home: str | os.PathLike[str]) -> None:
    """Ready the unpacked code in ``home`` for the functions and the button."""
    # The workbook is judged by the règlement it was written under, whatever the add-in's settings say.
    os.environ[REGLEMENT_VARIABLE] = str(Path(home) / "xlplugin" / "data" / "reglement-classeur.json")
    # python-stdnum imports ssl at its top for the online checks of a few numbers (never a SIRET); Pyodide
    # 0.27 ships ssl as a separate package, which xlwings Lite does not load.
    import_without("stdnum.util", "ssl")
