"""How the command line shows what a command found: reporters chosen by name (``--format``).

A command collects its results first (the verdicts of the received files, the evaluations, the
allocation), then hands them to the reporter named by ``--format``: adding a format is adding a reporter.
A text reporter gives French text (coloured on a terminal for ``validate``), a JSON reporter the documented
shape with decimals as strings (``"19200.50"``) so that no reader turns money into floats, a file reporter
(``xlsx``) writes a workbook an agent can filter.

One module per command: ``validation`` (guichet validate), ``evaluation`` (guichet evaluate), ``allocation``
(guichet allocate); this one holds what they share.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Reporter(Generic[T]):
    """A way of showing results of type ``T``: as text (``render``), or as a file (``write``, needs --output)."""

    render: Callable[[T], str] | None = None
    write: Callable[[T, Path], None] | None = None


def dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


def decimal_text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[int] = ()) -> str:
    """A plain text table; columns listed in ``right`` are right-aligned (numbers)."""
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    return "\n".join([line(headers), line(["─" * w for w in widths]), *(line(r) for r in rows)])


def cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
