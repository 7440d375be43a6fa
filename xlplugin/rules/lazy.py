"""``cached_property`` without the lock Python 3.11 takes: a variable computed on first read, then an attribute.

Python 3.11's ``functools.cached_property`` takes one lock, shared by every instance of the class, at each first
read of each property (python/cpython#87634: it serialises threads and costs more than most of the
rules' variables themselves: an import of 2 000 dossiers reads 80 000 of them). Python 3.12 removed the lock,
and its ``functools.cached_property`` is used there (Pyodide, for xlwings Lite, runs 3.12). Here, as there, two
threads reading the same new variable at once may both compute it: the rules are pure, both find the same.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

__all__ = ["cached_property"]

T = TypeVar("T")
R = TypeVar("R")


class _CachedProperty(Generic[T, R]):
    """Computes ``func(instance)`` on first read and keeps it in the instance's ``__dict__``: later reads find
    the attribute there without calling the descriptor (a non-data descriptor), as ``functools``' does."""

    def __init__(self, func: Callable[[T], R]) -> None:
        self.func = func
        self.attrname: str | None = None
        self.__doc__ = func.__doc__

    def __set_name__(self, owner: type[Any], name: str) -> None:
        if self.attrname is not None and name != self.attrname:
            raise TypeError(f"the same cached_property cannot be named {self.attrname!r} and {name!r}")
        self.attrname = name

    @overload
    def __get__(self, instance: None, owner: type[Any] | None = None) -> _CachedProperty[T, R]: ...
    @overload
    def __get__(self, instance: T, owner: type[Any] | None = None) -> R: ...
    def __get__(self, instance: T | None, owner: type[Any] | None = None) -> R | _CachedProperty[T, R]:
        if instance is None:
            return self
        if self.attrname is None:
            raise TypeError("cached_property used without __set_name__ (assigned outside a class body)")
        value = self.func(instance)
        instance.__dict__[self.attrname] = value
        return value


if sys.version_info >= (3, 12) and not TYPE_CHECKING:  # pragma: no cover - 3.12 and later (Pyodide)
    from functools import cached_property as cached_property
else:
    cached_property = _CachedProperty
