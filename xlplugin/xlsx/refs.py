"""Cell references: column letters, ``A1`` cells and ``A1:C9`` ranges, 1-based as in Excel."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

MAX_ROW = 1_048_576
MAX_COL = 16_384

_CELL = re.compile(r"^\$?([A-Za-z]{1,3})\$?([0-9]+)$")


_LETTERS: dict[int, str] = {}


def column_letter(col: int) -> str:
    """``1`` → ``A``, ``28`` → ``AB``."""
    found = _LETTERS.get(col)
    if found is not None:
        return found
    if not 1 <= col <= MAX_COL:
        raise ValueError(f"colonne {col} hors de la feuille (1 à {MAX_COL})")
    letters, number = "", col
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    _LETTERS[col] = letters  # at most 16 384 columns: remembered
    return letters


def column_index(letters: str) -> int:
    """``A`` → ``1``, ``AB`` → ``28``."""
    index = 0
    for char in letters.upper():
        index = index * 26 + ord(char) - 64
    return index


def cell_ref(row: int, col: int) -> str:
    """``(5, 2)`` → ``B5``."""
    return f"{column_letter(col)}{row}"


def parse_cell(ref: str) -> tuple[int, int]:
    """``B5`` (or ``$B$5``) → ``(5, 2)``."""
    match = _CELL.match(ref.strip())
    if not match:
        raise ValueError(f"référence de cellule invalide : « {ref} »")
    return int(match.group(2)), column_index(match.group(1))


@dataclass(frozen=True, order=True)
class CellRange:
    """A rectangle of cells, bounds included."""

    min_row: int
    min_col: int
    max_row: int
    max_col: int

    @classmethod
    def parse(cls, ref: str) -> CellRange:
        """``A1:C9`` or a single cell ``B5``; whole columns or rows are not ranges of this kind."""
        first, _, last = ref.strip().partition(":")
        r1, c1 = parse_cell(first)
        r2, c2 = parse_cell(last) if last else (r1, c1)
        return cls(min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2))

    def __str__(self) -> str:
        first = cell_ref(self.min_row, self.min_col)
        if (self.min_row, self.min_col) == (self.max_row, self.max_col):
            return first
        return f"{first}:{cell_ref(self.max_row, self.max_col)}"

    def contains(self, row: int, col: int) -> bool:
        return self.min_row <= row <= self.max_row and self.min_col <= col <= self.max_col

    def intersects(self, other: CellRange) -> bool:
        return not (
            other.max_row < self.min_row
            or other.min_row > self.max_row
            or other.max_col < self.min_col
            or other.min_col > self.max_col
        )

    def union(self, other: CellRange) -> CellRange:
        return CellRange(
            min(self.min_row, other.min_row),
            min(self.min_col, other.min_col),
            max(self.max_row, other.max_row),
            max(self.max_col, other.max_col),
        )


def sheet_range(text: str) -> tuple[str, CellRange] | None:
    """A reference to cells of a sheet, as names and charts write it: ``'Répartition'!$C$19:$C$418`` →
    (``Répartition``, C19:C418); None for anything else (a constant, whole columns, several areas)."""
    if "!" not in text:
        return None
    target, ref = text.rsplit("!", 1)
    target = target.strip()
    if target.startswith("'") and target.endswith("'"):
        target = target[1:-1].replace("''", "'")
    try:
        return target, CellRange.parse(ref.replace("$", ""))
    except ValueError:
        return None


class CellSet(AbstractSet[tuple[int, int]]):
    """A set of (row, column) cells kept as each row's columns: the cells a save wrote (100 000 of them) without
    a tuple for each. Compares, iterates and answers ``(row, col) in cells`` as a set of pairs does."""

    __slots__ = ("_rows",)

    def __init__(self, rows: Mapping[int, Iterable[int]] | None = None) -> None:
        self._rows = {row: frozenset(cols) for row, cols in (rows or {}).items() if cols}

    def __contains__(self, cell: object) -> bool:
        if not isinstance(cell, tuple) or len(cell) != 2:
            return False
        cols = self._rows.get(cell[0])
        return cols is not None and cell[1] in cols

    def __iter__(self) -> Iterator[tuple[int, int]]:
        for row, cols in self._rows.items():
            for col in cols:
                yield (row, col)

    def __len__(self) -> int:
        return sum(len(cols) for cols in self._rows.values())

    def __repr__(self) -> str:
        return f"CellSet({len(self)} cellules sur {len(self._rows)} lignes)"

    @classmethod
    def of(cls, cells: Iterable[tuple[int, int]]) -> CellSet:
        """The set of these (row, column) pairs."""
        if isinstance(cells, CellSet):
            return cells
        rows: dict[int, set[int]] = {}
        for row, col in cells:
            rows.setdefault(row, set()).add(col)
        return cls(rows)

    def row(self, row: int) -> frozenset[int]:
        """The columns written in ``row``."""
        return self._rows.get(row, frozenset())
