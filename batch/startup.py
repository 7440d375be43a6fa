"""A short start for the command line: the standard modules a run never uses are loaded only if used.

An agent runs ``guichet validate fichier.json`` and waits for the whole Python start. Libraries import
standard modules at their top for uses the tool never makes: python-stdnum (the SIRET check) imports
``ssl`` and ``pydoc`` for a SOAP client and module descriptions, a sixth of the command's start. ``defer``
puts in their place a module that imports the real one on first use, so that a program that does use them
(an HTTPS client) gets them whole.

The standard ``importlib.util.LazyLoader`` would do, but on Python 3.11 the ``import`` statement itself
reads the module's ``__spec__``, which makes it load at once.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from typing import Any


class _Deferred(types.ModuleType):
    """Stands for a module until one of its attributes is read; then it is the module."""

    def __getattr__(self, attribute: str) -> Any:  # called only for names not already here
        if sys.modules.get(self.__name__) is self:
            del sys.modules[self.__name__]
        real = importlib.import_module(self.__name__)
        self.__dict__.update(real.__dict__)
        return getattr(real, attribute)


def defer(*names: str) -> None:
    """Load each module named on first use rather than when imported (if not already loaded)."""
    for name in names:
        if name in sys.modules:
            continue
        spec = importlib.util.find_spec(name)
        if spec is None:
            continue
        module = _Deferred(name)
        module.__spec__ = spec  # what the import statement reads: it must not load the module
        sys.modules[name] = module
