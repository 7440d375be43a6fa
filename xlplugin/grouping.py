"""Numbers and lists as the tool's French messages write them: « 10 000 », groups of three digits with a narrow
no-break space between them (U+202F, which neither a terminal nor a cell breaks); a long list cut after its
first items, with the count of the others; a command to run, as the agent's shell reads it.

One helper for every layer (the ``xlsx`` layer included: this module imports nothing). The acts use the
no-break space U+00A0 instead, which every word processor's fonts hold (``documents.french``).
"""

from __future__ import annotations

from collections.abc import Sequence

NARROW_NO_BREAK_SPACE = "\u202f"


def grouped(number: int | float) -> str:
    """``10000`` → « 10 000 »; a float is rounded to a whole number (« 1 024 » Mo)."""
    text = f"{number:,}" if isinstance(number, int) else f"{number:,.0f}"
    return text.replace(",", NARROW_NO_BREAK_SPACE)


def first_ones(items: Sequence[str], shown: int, *, cut: str = "") -> str:
    """« a, b, c et 9 997 autres »: the first ``shown`` items, then how many more (``cut`` marks the cut, « … »)."""
    named = ", ".join(items[:shown])
    more = len(items) - shown
    return named if more <= 0 else f"{named}{cut} et {grouped(more)} autre{'s' if more > 1 else ''}"


def command_line(args: Sequence[str], *, windows: bool | None = None) -> str:
    """A command a message tells the agent to run, quoted for the shell that reads it: cmd.exe on Windows (double
    quotes around an argument with a space or a character cmd.exe reads itself, such as « & » in
    « DETR&DSIL »; a Windows path holds no double quote), a POSIX shell elsewhere."""
    import os

    if os.name == "nt" if windows is None else windows:
        special = set(" \t&|<>^()%!,;=")
        return " ".join(f'"{a}"' if not a or special & set(a) else a for a in args)
    import shlex

    return shlex.join(args)
