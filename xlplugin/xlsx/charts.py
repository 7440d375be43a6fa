"""Charts that follow a table: the ranges of a sheet's charts that run down a table's columns end where the
table's data ends, as Excel makes them do when it grows or shrinks the table itself.

Only the series' range formulas (``<c:f>``) change, and the cached figures of a range that changed are
dropped (they belong to the old range; Excel and LibreOffice read the cells again). ``compare_charts`` is
the check the save runs: a chart part the patch re-pointed may differ in nothing else.
"""

from __future__ import annotations

from copy import deepcopy
from typing import TYPE_CHECKING, Any

from xlplugin.xlsx import xmlutil as X
from xlplugin.xlsx.refs import CellRange, column_letter
from xlplugin.xlsx.styles import element_key

if TYPE_CHECKING:
    from xlplugin.xlsx.patch import Patch
    from xlplugin.xlsx.tables import Table

REL_DRAWING = f"{X.DOC_REL}/drawing"
REL_CHART = f"{X.DOC_REL}/chart"
_F, _NUM_REF, _STR_REF = X.q("f", X.CHART), X.q("numRef", X.CHART), X.q("strRef", X.CHART)
_CACHES = {X.q("numCache", X.CHART), X.q("strCache", X.CHART)}


def chart_parts(patch: Patch, sheet_part: str) -> list[str]:
    """The chart parts drawn on a worksheet (through its drawing)."""
    found = []
    for drawing in patch.rels(sheet_part):
        if drawing.type == REL_DRAWING and not drawing.external:
            found += [r.target for r in patch.rels(drawing.target) if r.type == REL_CHART and not r.external]
    return found


def follow_table(patch: Patch, chart: str, sheet: str, table: Table) -> bool:
    """Make the ranges of ``chart`` that run down ``table``'s columns of ``sheet`` (from its header or first
    data row, over more than one row) end at the table's last data row; True when one changed (the part is
    edited only then: a chart left alone stays byte for byte)."""
    if not any(_followed(f, sheet, table) for f in X.parse(patch.part_bytes(chart), chart).iter(_F)):
        return False
    for formula in patch.edit(chart).iter(_F):
        area = _followed(formula, sheet, table)
        if area is None:
            continue
        formula.text = (formula.text or "").rsplit("!", 1)[0] + "!" + _absolute(area)
        holder = formula.getparent()
        if holder is not None and holder.tag in (_NUM_REF, _STR_REF):
            for cache in [c for c in holder if c.tag in _CACHES]:
                holder.remove(cache)  # the figures of the old range
    return True


def _followed(formula: Any, sheet: str, table: Table) -> CellRange | None:
    """The range ``formula`` should now cover, if it runs down the table and does not end where it does."""
    target, area = _split(formula.text or "")
    if target != sheet or area is None or area.min_row == area.max_row:
        return None
    if not (table.ref.min_col <= area.min_col and area.max_col <= table.ref.max_col):
        return None
    if area.min_row not in (table.ref.min_row, table.first_data_row):
        return None
    last = max(table.last_data_row, area.min_row + 1)
    return None if last == area.max_row else CellRange(area.min_row, area.min_col, last, area.max_col)


def compare_charts(name: str, before: Any, after: Any) -> list[str]:
    """Problems between two versions of a chart part a patch re-pointed: nothing but the ranges' formulas,
    and the cached figures of those ranges, may differ."""
    if _without_ranges(before) != _without_ranges(after):
        return [f"« {name} » : le graphique a changé au-delà des plages de ses séries"]
    return []


def _without_ranges(root: Any) -> Any:
    copy = deepcopy(root)
    for formula in list(copy.iter(_F)):
        holder = formula.getparent()
        if holder is not None and holder.tag in (_NUM_REF, _STR_REF):
            for cache in [c for c in holder if c.tag in _CACHES]:
                holder.remove(cache)
        formula.text = ""
    return element_key(copy)


def _split(text: str) -> tuple[str | None, CellRange | None]:
    """``'Répartition'!$C$19:$C$418`` → (``Répartition``, C19:C418); (None, None) for anything else."""
    if "!" not in text:
        return None, None
    target, ref = text.rsplit("!", 1)
    target = target.strip()
    if target.startswith("'") and target.endswith("'"):
        target = target[1:-1].replace("''", "'")
    try:
        return target, CellRange.parse(ref.replace("$", ""))
    except ValueError:
        return None, None


def _absolute(area: CellRange) -> str:
    first, last = column_letter(area.min_col), column_letter(area.max_col)
    return f"${first}${area.min_row}:${last}${area.max_row}"
