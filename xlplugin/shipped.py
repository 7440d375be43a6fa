"""The files shipped inside the package (``xlplugin.data``, ``xlplugin.schemas``, ``xlplugin.templates``).

They sit beside their package's ``__init__.py``, in a source checkout as in an installed wheel: reading them
by path spares every command the import of ``importlib.resources`` (a tenth of the command line's start),
which only matters for packages run from a zip archive, which this tool never is.
"""

from __future__ import annotations

import importlib
from pathlib import Path


def shipped_file(package: str, name: str) -> Path:
    """The path of ``name`` in the shipped package ``package`` (``"xlplugin.templates"``…)."""
    location = importlib.import_module(package).__file__
    assert location is not None  # a regular package: it has an __init__.py
    return Path(location).parent / name


def read_shipped(package: str, name: str) -> str:
    return shipped_file(package, name).read_text(encoding="utf-8")
