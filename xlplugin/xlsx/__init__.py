"""Reading and patching Excel workbook packages (.xlsx, .xlsm) without losing what the tool does not touch.

Domain-free: nothing here knows of dossiers. ``Package.open(path)`` opens a file; ``Reader`` streams a
sheet's values; ``Patch`` queues cell writes, styles, table growth, defined names and grafted sheets, and
``Patch.save`` writes a new package where every part it does not touch is copied byte for byte;
``compare_packages`` checks that claim. Errors derive from ``XlsxError`` and carry French messages.
"""

from xlplugin.xlsx.compare import Comparison, compare_packages
from xlplugin.xlsx.errors import (
    CellError,
    DefinedNameError,
    GraftError,
    PackageChanged,
    PackageError,
    SaveError,
    SheetError,
    TableError,
    XlsxError,
)
from xlplugin.xlsx.package import DefinedName, Package, SheetEntry
from xlplugin.xlsx.patch import STYLE_ABOVE, STYLE_LEFT, Patch, StyleFrom
from xlplugin.xlsx.reader import Cell, Reader
from xlplugin.xlsx.refs import CellRange, cell_ref, column_index, column_letter, parse_cell
from xlplugin.xlsx.tables import Table, TableColumn
from xlplugin.xlsx.values import ErrorValue

__all__ = [
    "STYLE_ABOVE",
    "STYLE_LEFT",
    "Cell",
    "CellError",
    "CellRange",
    "Comparison",
    "DefinedName",
    "DefinedNameError",
    "ErrorValue",
    "GraftError",
    "Package",
    "PackageChanged",
    "PackageError",
    "Patch",
    "Reader",
    "SaveError",
    "SheetEntry",
    "SheetError",
    "StyleFrom",
    "Table",
    "TableColumn",
    "TableError",
    "XlsxError",
    "cell_ref",
    "column_index",
    "column_letter",
    "compare_packages",
    "parse_cell",
]
