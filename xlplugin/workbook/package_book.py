"""A tracking workbook file, read by streaming and written by patching its package (``xlplugin.xlsx``): every
part, and every cell, the tool does not write stays as it was.

Beside the ``Book`` interface the allocation uses, it gives the import and the building of the tool's sheets
what only a file offers: the formulas with their cached values, tables that grow, defined names and their
marks, sheets grafted from a workbook built apart.

A sheet is read as a grid from A1 to its last value: a sheet holding a value below ``MAX_ROWS`` (a stray value
in its last row, 1 048 576) is refused when the reading reaches it, before the rest is read or the grid built.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from xlplugin.grouping import grouped
from xlplugin.workbook import layout as L
from xlplugin.workbook.cells import same
from xlplugin.workbook.sheets import WorkbookError
from xlplugin.xlsx import STYLE_ABOVE, Package, Patch, Reader, StyleFrom, Table, cell_ref

MAX_ROWS = 100_000  # rows of a sheet the tool reads: far more than any call's dossiers or expense lines
MAX_ROWS_SHOWN = grouped(MAX_ROWS)


class PackageBook:
    """A workbook file, read by streaming and written by patching its package."""

    def __init__(self, package: Package) -> None:
        self.package = package
        self.reader = Reader(package)
        self.patch = Patch(package)
        self._values: dict[str, list[list[Any]]] = {}
        self._formulas: dict[str, dict[tuple[int, int], str]] = {}
        self._existing: dict[str, set[tuple[int, int]]] = {}
        self._format_styles: dict[str, int] = {}  # number format → its style (many new cells take one)
        self._above_styles: dict[str, StyleFrom] = {}  # number format → the row above's look with it

    @classmethod
    def open(cls, path: Path) -> PackageBook:
        return cls(Package.open(path))

    def close(self) -> None:
        self.package.close()

    # -- reading

    def sheet_names(self) -> list[str]:
        return [entry.name for entry in self.patch.sheets if entry.kind == "worksheet"]

    def _read(self, sheet: str) -> None:
        values: dict[int, dict[int, Any]] = {}
        formulas: dict[tuple[int, int], str] = {}
        existing: set[tuple[int, int]] = set()
        width = 0
        if self._in_package(sheet):
            for cell in self.reader.iter_cells(sheet):
                if cell.row > MAX_ROWS:
                    raise WorkbookError(
                        f"la feuille « {sheet} » a une valeur en {cell_ref(cell.row, cell.col)}, au-delà de sa ligne "
                        f"{MAX_ROWS_SHOWN} : l'outil ne lit pas de feuille plus longue. Si cette valeur a été tapée "
                        "par erreur, supprimez-la (ou rapprochez-la des autres), puis relancez."
                    )
                existing.add((cell.row, cell.col))
                if cell.formula is not None:
                    formulas[(cell.row, cell.col)] = cell.formula
                if cell.value is not None or cell.formula is not None:
                    values.setdefault(cell.row, {})[cell.col] = cell.value
                    width = max(width, cell.col)
        grid = [[None] * width for _ in range(max(values, default=0))]
        for row, cells in values.items():
            for col, value in cells.items():
                grid[row - 1][col - 1] = value
        self._values[sheet], self._formulas[sheet], self._existing[sheet] = grid, formulas, existing

    def _in_package(self, sheet: str) -> bool:
        return any(entry.name == sheet for entry in self.package.sheets)

    def values(self, sheet: str) -> list[list[Any]]:
        if sheet not in self._values:
            self._read(sheet)
        grid = [list(row) for row in self._values[sheet]]
        pending = self.patch.pending_values(sheet)
        if pending:
            height = max(len(grid), max(row for row, _ in pending))
            width = max([len(grid[0]) if grid else 0, *(col for _, col in pending)])
            grid = [row + [None] * (width - len(row)) for row in grid]
            grid += [[None] * width for _ in range(height - len(grid))]
            for (row, col), value in pending.items():
                grid[row - 1][col - 1] = value
        return grid

    def head(self, sheet: str, rows: int) -> list[list[Any]]:
        """The values of the first ``rows`` rows; a sheet not read yet is read only down to them."""
        if sheet in self._values or self.patch.pending_values(sheet) or not self._in_package(sheet):
            return self.values(sheet)[:rows]
        found: dict[int, dict[int, Any]] = {}
        for cell in self.reader.iter_cells(sheet, max_row=rows):
            if cell.value is not None or cell.formula is not None:
                found.setdefault(cell.row, {})[cell.col] = cell.value
        width = max((max(cells) for cells in found.values()), default=0)
        grid = [[None] * width for _ in range(max(found, default=0))]
        for row, cells in found.items():
            for col, value in cells.items():
                grid[row - 1][col - 1] = value
        return grid

    def formulas(self, sheet: str) -> dict[tuple[int, int], str]:
        """The formulas of the sheet as saved (without « = »), by (row, column)."""
        if sheet not in self._formulas:
            self._read(sheet)
        return self._formulas[sheet]

    def tables(self, sheet: str) -> list[Table]:
        return self.patch.tables(sheet)

    def table_at(self, sheet: str, header_row: int, column: int) -> Table | None:
        """The table of ``sheet`` whose header row is ``header_row`` and that covers ``column``."""
        return next(
            (t for t in self.tables(sheet) if t.header_row == header_row and t.ref.min_col <= column <= t.ref.max_col),
            None,
        )

    def names(self) -> list[tuple[str, str, int | None, str]]:
        """Every defined name: (name, text, local sheet index, comment), as it will be saved."""
        return self.patch.defined_names_with_comments()

    def check_unprotected(self, sheet: str) -> None:
        """Refuse to write into a protected sheet: the protection says the office does not want it changed."""
        if self._in_package(sheet) and self.reader.protected(sheet):
            raise WorkbookError(
                f"la feuille « {sheet} » est protégée : l'outil n'y écrit pas. Ôtez sa protection dans Excel (Révision "
                "› Ôter la protection de la feuille), relancez, puis protégez-la à nouveau. Le classeur n'a pas été "
                "modifié."
            )

    def marked_name(self, role: str) -> str | None:
        mark = f"{L.NAME_MARK}:{role}"
        return next((text for _name, text, local, comment in self.names() if local is None and comment == mark), None)

    def roles(self) -> dict[str, str]:
        sheets = [entry.name for entry in self.patch.sheets]
        found = {}
        for name, text, local, _comment in self.names():
            if name == L.ROLE_NAME and local is not None and local < len(sheets):
                found[text.strip('"')] = sheets[local]
        if not found and any(name == L.MARKER for name, *_ in self.names()):
            # A workbook built before the sheets carried their role: its sheets have the layout's names.
            found = {role: role for role in L.SHEET_ROLES if role in sheets}
        return found

    # -- writing

    def write(
        self,
        sheet: str,
        row: int,
        column: int,
        values: list[list[Any]],
        *,
        formats: Sequence[str | None] | None = None,
        like_above: bool = False,
    ) -> None:
        """Write a block of ``values`` whose top-left cell is (row, column); ``formats``: each column's number
        format; ``like_above``: the new cells look like the row above (see ``write_row``)."""
        for i, line in enumerate(values):
            self.write_row(
                sheet,
                row + i,
                [
                    (column + j, value, formats[j] if formats is not None and j < len(formats) else None, like_above)
                    for j, value in enumerate(line)
                ],
            )

    def write_row(self, sheet: str, row: int, cells: Sequence[tuple[int, Any, str | None, bool]]) -> None:
        """Write cells of one row, each ``(column, value, number format, like the row above)``: a cell that
        already shows its value is left as it is; a new cell takes the number format, and the look of the row
        above when asked (never that of a table's header)."""
        if sheet not in self._existing:
            self._read(sheet)
        existing, saved, formulas = self._existing[sheet], self._values[sheet], self._formulas[sheet]
        queued = self.patch.queued(sheet)
        # « Like the row above » never means like a table's header: the first data row keeps its own look.
        spans = [
            (table.ref.min_col, table.ref.max_col)
            for table in (self.tables(sheet) if any(cell[3] for cell in cells) else ())
            if table.header_row is not None and table.header_row + 1 == row
        ]
        writes = []
        for col, value, fmt, like_above in cells:
            where = (row, col)
            above = like_above and not any(first <= col <= last for first, last in spans)
            if where in existing and where not in formulas and where not in queued and same(_held(saved, where), value):
                continue  # the cell already shows it: left as it is (a button clicked twice writes nothing)
            writes.append((col, value, None, self._style(existing, where, fmt, above)))
        if writes:  # every cell already right: nothing queued
            self.patch.set_row(sheet, row, writes)

    def write_formula(
        self, sheet: str, row: int, column: int, formula: str, value: Any, *, fmt: str | None = None
    ) -> None:
        """Write ``formula`` (with its « = ») and ``value``, the figure it gives, cached in the file: the
        workbook is right at rest, in Excel without its runtime, in LibreOffice, in a preview."""
        self.write_formulas(sheet, row, [(column, formula, value, fmt)])

    def write_formulas(self, sheet: str, row: int, cells: Sequence[tuple[int, str, Any, str | None]]) -> None:
        """Write formulas of one row, each ``(column, formula with its « = », its figure, number format)`` as
        ``write_formula``: a cell that holds the formula and its figure already is left as it is."""
        if sheet not in self._existing:
            self._read(sheet)
        existing, saved, formulas = self._existing[sheet], self._values[sheet], self._formulas[sheet]
        queued = self.patch.queued(sheet)
        writes = []
        for column, formula, value, fmt in cells:
            where = (row, column)
            text = formula.removeprefix("=")
            if (
                where in existing
                and where not in queued
                and formulas.get(where) == text
                and same(_held(saved, where), value)
            ):
                continue  # the cell holds this formula and its figure already: left as it is
            writes.append((column, value, text, self._style(existing, where, fmt, like_above=False)))
        if writes:
            self.patch.set_row(sheet, row, writes)

    def _style(self, existing: set[tuple[int, int]], where: tuple[int, int], fmt: str | None, like_above: bool) -> Any:
        if where in existing:
            return None  # the cell keeps its own style
        if like_above and where[0] > 1:
            # The look of the row above; its number format only where it suits the value (not a date's for a number).
            if not fmt:
                return STYLE_ABOVE
            above = self._above_styles.get(fmt)
            if above is None:  # one for each format, not one for each of 50 000 cells
                above = self._above_styles[fmt] = StyleFrom(-1, 0, preferred_format=fmt)
            return above
        if not fmt:
            return None
        style = self._format_styles.get(fmt)
        if style is None:
            style = self._format_styles[fmt] = self.patch.style(number_format=fmt)
        return style

    def _table(self, sheet: str, table: str) -> Table | None:
        return next((t for t in self.tables(sheet) if t.name == table or t.display_name == table), None)

    def table_last_row(self, sheet: str, table: str) -> int | None:
        found = self._table(sheet, table)
        return None if found is None else found.last_data_row

    def resize_table(self, sheet: str, table: str, last_row: int) -> None:
        found = self._table(sheet, table)
        if found is not None:
            self.patch.set_table_rows(found.display_name, max(1, last_row - found.first_data_row + 1))

    def follow_table_charts(self, sheet: str, table: str) -> None:
        found = self._table(sheet, table)
        if found is not None:
            self.patch.follow_table_charts(found.display_name)

    def append_table_rows(self, table: Table, count: int) -> int:
        """Grow ``table`` by ``count`` rows (before its totals row); the first new row."""
        return self.patch.append_table_rows(table.display_name, count)

    @property
    def changed(self) -> bool:
        """Whether saving would change anything in the file (see ``Patch.changed``)."""
        return self.patch.changed

    def save(self, target: Path, *, verify: bool = True) -> Path:
        """Write the patched workbook to ``target`` atomically; ``verify``: check that nothing changed beyond
        the patch (off only for a workbook the tool has just built, which holds nothing of anyone else's)."""
        return self.patch.save(target, verify=verify)


def _held(saved: list[list[Any]], where: tuple[int, int]) -> Any:
    """The value the file holds at ``where`` (row, column), read when the sheet was: None beyond its grid."""
    row, col = where
    return saved[row - 1][col - 1] if row <= len(saved) and col <= len(saved[row - 1]) else None
