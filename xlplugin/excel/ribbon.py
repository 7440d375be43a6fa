"""The button « Recalculer les allocations », in both Excel runtimes.

Classic xlwings: the add-in built by ``guichet addin build`` (``xlplugin.xlam``) runs
``import xlplugin; xlplugin.main()`` when the button is clicked, which calls ``recalculer`` on the
workbook that called it. xlwings Lite: the same code runs as the script ``recalculer_allocations``, on the
book Office.js sends. Both share the implementation of ``guichet allocate --workbook``
(``xlplugin.workbook.allocation``): the three triggers write the same numbers.
"""

import getpass
import sys
from typing import Any

import xlwings as xw

from xlplugin.excel.udfs import session_reglement
from xlplugin.workbook.allocation import BookAllocation, allocate_book
from xlplugin.workbook.book import XlwingsBook


def recalculer(book: Any) -> BookAllocation:
    """Allocate the envelope over the workbook open in Excel and write the result into it."""
    return allocate_book(XlwingsBook(book), session_reglement(), agent=_agent())


def _agent() -> str:
    """Who recalculated, for the Journal: the session's user, or « xlwings Lite » where Excel does not tell
    Python who the user is (Pyodide's user name is always « web_user »)."""
    if sys.platform == "emscripten":
        return "xlwings Lite"
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name (a service account)
        return "agent inconnu"


def main() -> None:
    """The classic add-in's button: the workbook that called it."""
    recalculer(xw.Book.caller())


# No « from __future__ import annotations » in this module: xlwings (0.33, as in xlwings Lite) hands a script
# its book by comparing each parameter's annotation with the class xw.Book itself, never a string.
@xw.script(name="Recalculer les allocations")
def recalculer_allocations(book: xw.Book) -> None:
    """xlwings Lite: the script behind the button « Recalculer les allocations »."""
    recalculer(book)
