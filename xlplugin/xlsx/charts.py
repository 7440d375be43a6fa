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
from xlplugin.xlsx.refs import CellRange, column_letter, sheet_range
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


def follow_table(patch: Patch, chart: str, sheet: str, origin: Table, table: Table) -> bool:
    """Make the ranges of ``chart`` that covered the data of the table (``origin``, as it was) in some of its
    columns of ``sheet`` — from its header or first data row down to its last data row, as Excel's charts
    over a table — end at the last data row of ``table`` (as it is now). True when one changed (the part is
    edited only then: a chart left alone stays byte for byte). A range over other rows is not the table's."""
    if not any(_followed(f, sheet, origin, table) for f in X.parse(patch.part_bytes(chart), chart).iter(_F)):
        return False
    for formula in patch.edit(chart).iter(_F):
        area = _followed(formula, sheet, origin, table)
        if area is None:
            continue
        formula.text = (formula.text or "").rsplit("!", 1)[0] + "!" + _absolute(area)
        _drop_caches(formula)  # the figures of the old range
    return True


def _followed(formula: Any, sheet: str, origin: Table, table: Table) -> CellRange | None:
    """The range ``formula`` should now cover, if it covered the table's data and the table changed."""
    found = sheet_range(formula.text or "")
    if found is None or found[0] != sheet:
        return None
    area = found[1]
    if not (table.ref.min_col <= area.min_col and area.max_col <= table.ref.max_col):
        return None
    if area.min_row not in (origin.ref.min_row, origin.first_data_row) or area.max_row != origin.last_data_row:
        return None
    last = table.last_data_row
    return None if last == area.max_row else CellRange(area.min_row, area.min_col, last, area.max_col)


def _drop_caches(formula: Any) -> None:
    holder = formula.getparent()
    if holder is not None and holder.tag in (_NUM_REF, _STR_REF):
        for cache in [c for c in holder if c.tag in _CACHES]:
            holder.remove(cache)


def compare_charts(name: str, before: Any, after: Any) -> list[str]:
    """Problems between two versions of a chart part a patch re-pointed: a range may only end on another
    row (same sheet, same columns, same first row) and lose its cached figures; nothing else may differ."""
    old, new = deepcopy(before), deepcopy(after)
    old_formulas, new_formulas = list(old.iter(_F)), list(new.iter(_F))
    if len(old_formulas) != len(new_formulas):
        return [f"« {name} » : le graphique a gagné ou perdu des plages"]
    for old_formula, new_formula in zip(old_formulas, new_formulas, strict=True):
        if (old_formula.text or "") == (new_formula.text or ""):
            continue
        old_ref, new_ref = sheet_range(old_formula.text or ""), sheet_range(new_formula.text or "")
        if (
            old_ref is None
            or new_ref is None
            or old_ref[0] != new_ref[0]
            or (old_ref[1].min_row, old_ref[1].min_col, old_ref[1].max_col)
            != (new_ref[1].min_row, new_ref[1].min_col, new_ref[1].max_col)
        ):
            return [f"« {name} » : une plage du graphique désigne d'autres cellules ({new_formula.text})"]
        for formula in (old_formula, new_formula):
            formula.text = ""
            _drop_caches(formula)
    if element_key(old) != element_key(new):
        return [f"« {name} » : le graphique a changé au-delà des plages de ses séries"]
    return []


def _absolute(area: CellRange) -> str:
    first, last = column_letter(area.min_col), column_letter(area.max_col)
    return f"${first}${area.min_row}:${last}${area.max_row}"
