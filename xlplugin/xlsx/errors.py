"""What can go wrong when reading or patching a workbook package; messages are French, for agents.

Every error names the file, sheet, cell, table or name concerned and says what to do. They all derive
from ``XlsxError`` so a command line can turn any of them into one clean message.
"""

from __future__ import annotations

from xlplugin.errors import AgentError


class XlsxError(AgentError):
    """Any refusal of this package; the workbook on disk is never left half written."""


class PackageError(XlsxError):
    """The file is not a workbook package this library can read (not a zip, missing part, bad XML…)."""


class SheetError(XlsxError):
    """A sheet named by the caller is absent, or is not a worksheet (a chart sheet holds no cells)."""


class CellError(XlsxError):
    """A write cannot land where it was asked (merged cell, part of an array formula, bad value)."""


class TableError(XlsxError):
    """A table cannot grow or change as asked (a cell in the way, a duplicate column name…)."""


class DefinedNameError(XlsxError):
    """A defined name is taken by someone else, or is not a valid name."""


class GraftError(XlsxError):
    """New sheets cannot be grafted (name taken, source not a workbook…)."""


class PackageChanged(XlsxError):
    """The file changed on disk since it was opened: saving would overwrite someone else's work."""


class SaveError(XlsxError):
    """The new file could not be written or put in place; the original is untouched."""
