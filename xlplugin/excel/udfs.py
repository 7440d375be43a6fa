"""The Excel functions of the grant office (xlwings user-defined functions), made from their declaration.

Every function of ``xlplugin.workbook.functions.FUNCTIONS`` becomes here a Python function with the
declared signature, French help for each argument, and the xlwings decorator; the functions marked
``column`` also get a ``_COLONNE`` version that takes whole columns and returns one result per row (for
sheets outside an Excel table, which cannot hold a spilled result). A wrong cell gives a French message
starting with « Erreur : », never a traceback.

One module, every runtime: classic xlwings (Windows add-in, « UDF Modules » = ``xlplugin.excel.udfs``),
xlwings Lite and xlwings Server (Office.js custom functions). Every name starts with ``SUBV_`` so that none
collides with an Excel function in French or in English (``TAUX`` is the French name of ``RATE``).

The Excel session holds its règlement here, in one place: the Ain call's, or the file named by the
``GUICHET_REGLEMENT`` environment variable, read once per session.
"""

from __future__ import annotations

import functools
import inspect
import os
from collections.abc import Callable, Sequence
from typing import Any

import xlwings as xw

from xlplugin.rules.reglement import Reglement, load_reglement
from xlplugin.workbook.cells import as_column
from xlplugin.workbook.functions import COLUMN_SUFFIX, ERROR_PREFIX, FUNCTIONS, INPUTS, Context, Function, Memo

__all__ = ["CATALOGUE", "session_reglement"]


@functools.cache
def session_reglement() -> Reglement:
    """The règlement of this Excel session (read once; change ``GUICHET_REGLEMENT`` and restart Excel)."""
    return load_reglement(os.environ.get("GUICHET_REGLEMENT") or None)


def _context() -> Context:
    return Context.of(session_reglement())


def _cell(function: Function) -> Callable[..., Any]:
    """``function`` over single cells: a number or a text, or « Erreur : … »."""

    def call(*cells: Any) -> Any:
        return function.shown(cells, _context())

    return call


def _column(function: Function) -> Callable[..., Any]:
    """``function`` over whole columns: each per-row input is a column (a single cell is repeated), shared
    inputs (the « Dépenses » columns, a literal) are passed whole to every row. One context for the call,
    and each cell value read once for every row (« Oui », « Commune »…)."""
    shared = [INPUTS[name].shared for name in function.inputs]

    def call(*arguments: Any) -> list[list[Any]]:
        columns = [None if is_shared else as_column(value) for value, is_shared in zip(arguments, shared, strict=False)]
        heights = {len(c) for c in columns if c is not None}
        height = max(heights, default=1)
        if heights - {1, height}:
            sizes = " et ".join(map(str, sorted(heights)))
            return [[f"{ERROR_PREFIX}les colonnes n'ont pas la même hauteur ({sizes} lignes)"]]
        ctx, memo = _context(), Memo()
        rows = []
        for i in range(height):
            row = [
                value if column is None else (column[i] if len(column) > 1 else column[0])
                for value, column in zip(arguments, columns, strict=False)
            ]
            rows.append([function.shown(row, ctx, memo)])
        return rows

    return call


def _excel_function(name: str, doc: str, inputs: Sequence[str], body: Callable[..., Any], plural: bool) -> Any:
    """A Python function named ``name`` with one parameter per input, documented, decorated for xlwings."""
    parameters = []
    for input_name in inputs:
        spec = INPUTS[input_name]
        label = spec.plural[0] if plural and spec.plural else spec.name
        default = None if spec.optional else inspect.Parameter.empty
        parameters.append(inspect.Parameter(label, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=default))

    signature = inspect.Signature(parameters)

    def excel_function(*args: Any, **kwargs: Any) -> Any:
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        return body(*bound.args)

    excel_function.__name__ = excel_function.__qualname__ = name
    excel_function.__doc__ = doc
    excel_function.__signature__ = signature  # type: ignore[attr-defined]  # what xlwings and the wizard read
    decorated: Any = excel_function
    for input_name, parameter in reversed(list(zip(inputs, parameters, strict=True))):
        spec = INPUTS[input_name]
        help_text = spec.plural[1] if plural and spec.plural else spec.help
        # « raw »: xlwings hands the cells as Excel sent them, and ``cells`` converts them. Converting each
        # value through xlwings costs 30 times more (it retries an import of pyodide for every value).
        decorated = xw.arg(parameter.name, "raw", doc=help_text)(decorated)
    return xw.func(decorated)


def _catalogue() -> dict[str, Any]:
    made: dict[str, Any] = {}
    for function in FUNCTIONS.values():
        cell = _cell(function)
        made[function.name] = _excel_function(function.name, function.doc, function.inputs, cell, plural=False)
        if function.column:
            name = function.name + COLUMN_SUFFIX
            doc = f"{function.name} sur des colonnes entières : une ligne de résultat par ligne (résultat « déversé »)."
            made[name] = _excel_function(name, doc, function.inputs, _column(function), plural=True)
    return made


CATALOGUE: dict[str, Any] = _catalogue()
globals().update(CATALOGUE)  # every runtime finds the functions as members of this module
__all__ += list(CATALOGUE)
