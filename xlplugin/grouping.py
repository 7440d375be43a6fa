"""Whole numbers as the tool's French messages write them: « 10 000 », groups of three digits with a narrow
no-break space between them (U+202F, which neither a terminal nor a cell breaks).

One helper for every layer (the ``xlsx`` layer included: this module imports nothing). The acts use the
no-break space U+00A0 instead, which every word processor's fonts hold (``documents.french``).
"""

from __future__ import annotations

NARROW_NO_BREAK_SPACE = "\u202f"


def grouped(number: int | float) -> str:
    """``10000`` → « 10 000 »; a float is rounded to a whole number (« 1 024 » Mo)."""
    text = f"{number:,}" if isinstance(number, int) else f"{number:,.0f}"
    return text.replace(",", NARROW_NO_BREAK_SPACE)
