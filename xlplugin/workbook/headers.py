"""Finding the columns of a tracking table by their headers, in our workbook or in the office's own.

Each column of the layout is recognised by its header in the template, or by one of the synonyms of
``templates/entetes.json`` (« N° DS », « Numéro de dossier »…), compared without case, accents or
repeated spaces. The header row is the first of the sheet's first rows that holds the dossier number.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from xlplugin.rules.labels import normalize_label
from xlplugin.shipped import read_shipped
from xlplugin.workbook.layout import LEGACY_HEADERS, TableLayout

SYNONYMS_FILE = "entetes.json"
HEADER_SEARCH_ROWS = 10


@cache
def synonyms() -> dict[str, tuple[str, ...]]:
    text = read_shipped("xlplugin.templates", SYNONYMS_FILE)
    return {key: tuple(values) for key, values in json.loads(text)["colonnes"].items()}


def header_keys(table: TableLayout, own: bool = False) -> dict[str, str]:
    """{normalized header: column key} for every header or synonym of the table's columns; ``own``: the
    tool's own sheet, where the older generic headers (``LEGACY_HEADERS``) are the tool's too."""
    known: dict[str, str] = {}
    for column in table.columns:
        legacy = LEGACY_HEADERS.get(column.key, ()) if own else ()
        for header in (*legacy, *synonyms().get(column.key, ()), column.header):
            known[normalize_label(header)] = column.key
    return known


def map_columns(
    header: Sequence[Any], table: TableLayout, explicit: Mapping[str, int] | None = None, *, own: bool = False
) -> dict[str, int]:
    """{column key: 1-based column index} of the headers recognised in ``header`` (first match wins);
    ``explicit`` columns (mapped by the agent) come first, and their cells are no other column's; ``own``:
    the sheet is the tool's (see ``header_keys``)."""
    known = header_keys(table, own)
    found: dict[str, int] = dict(explicit or {})
    taken = set(found.values())
    for index, value in enumerate(header, start=1):
        if value is None or index in taken:
            continue
        key = known.get(normalize_label(str(value)))
        if key is not None and key not in found:
            found[key] = index
    return found


def find_header_row(rows: Sequence[Sequence[Any]], table: TableLayout, key: str = "numero") -> int | None:
    """The 1-based row, among the first ones, whose headers include the column ``key``."""
    for number, row in enumerate(rows[:HEADER_SEARCH_ROWS], start=1):
        if key in map_columns(row, table):
            return number
    return None
