"""The applicant's texts, as a workbook, a terminal and a reader can take them.

A text typed on démarches-simplifiées may hold what a workbook cannot store (control characters, U+FFFE,
U+FFFF, or a lone surrogate that is not even a character), what fools a reader (a right-to-left override
that shows « exe.pdf » as « fdp.exe », a zero-width space inside a name), or what a spreadsheet would take
for a formula (« =HYPERLINK(…) »). None of these makes a dossier unusable: the first are removed and said so,
the others are kept exactly as typed and said so. A text longer than a cell holds (``MAX_CELL_TEXT``) cannot
be imported without cutting it: that one is found here too, and sets its dossier aside.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

# What XML 1.0 (hence XLSX) cannot hold, and the C1 controls, which no applicant types and a terminal obeys.
UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")
# Invisible characters that change how a text reads: bidirectional controls and zero-width characters.
DECEPTIVE = re.compile("[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
MAX_CELL_TEXT = 32_767  # characters of a spreadsheet cell (Excel's limit; it counts UTF-16 units)
FORMULA_START = re.compile(r"^(=|@|[+-](?![\s]|$))")
# Any of the above in one search (a terminal's escape starts with a control character): most texts hold none.
SUSPECT = re.compile(f"[{UNSTORABLE.pattern[1:-1]}{DECEPTIVE.pattern[1:-1]}]|^[=@+-]")
# A terminal's escape sequences: CSI (colours, cursor), OSC (window title, links), and the two-character ones.
ESCAPE_SEQUENCE = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)?|[@-Z\\-_])")

_NAMES = {
    "\x07": "sonnerie",
    "\x1b": "échappement de terminal",
    "\u200b": "espace de largeur nulle",
    "\u200c": "antiliant sans chasse",
    "\u200d": "liant sans chasse",
    "\u200e": "marque gauche-à-droite",
    "\u200f": "marque droite-à-gauche",
    "\u202a": "enchâssement gauche-à-droite",
    "\u202b": "enchâssement droite-à-gauche",
    "\u202c": "fin d'enchâssement",
    "\u202d": "forçage gauche-à-droite",
    "\u202e": "forçage droite-à-gauche, qui inverse le sens de lecture",
    "\u2060": "gluon de mots",
    "\ufeff": "espace insécable de largeur nulle",
}


def code_point(char: str) -> str:
    return f"U+{ord(char):04X}"


def describe(chars: str) -> str:
    """« U+202E (forçage droite-à-gauche …), U+200B (espace de largeur nulle) » — each once."""
    seen = dict.fromkeys(chars)
    return ", ".join(f"{code_point(c)} ({_NAMES[c]})" if c in _NAMES else code_point(c) for c in seen)


def formula_like(text: str) -> bool:
    """Text a spreadsheet would take for a formula: starts with =, @, or + / - not followed by a space.

    « - Mise en place » (a list dash) is text; « =HYPERLINK(…) », « +33… » or « -2+3 » are not."""
    return bool(FORMULA_START.match(text))


@dataclass(frozen=True, slots=True)
class TextFinding:
    """What was found in one text of a dossier: ``pointer`` into the dossier document, the text as received."""

    pointer: str
    text: str
    removed: str  # unstorable characters, removed from the dossier
    deceptive: str  # invisible characters kept, but worth a look
    formula: bool
    length: int = 0  # the text's length as a cell counts it, when beyond MAX_CELL_TEXT (else 0)


NOT_TEXT = ("montant_ht", "cout_total", "montant_sollicite", "autres_financements", "date_depot")


def clean_document(document: dict[str, Any]) -> list[TextFinding]:
    """Remove the unstorable characters from every text of ``document`` (in place) and report each text that
    had any, or that holds deceptive characters, or that starts like a formula — in the document's order, depth
    first (amounts and dates are not texts). A text's pointer is written only for a text reported: most are plain."""
    findings: list[TextFinding] = []
    _clean(document, [], findings)
    return findings


def _clean(node: dict[str, Any] | list[Any], path: list[str], findings: list[TextFinding]) -> None:
    items = ((k, v) for k, v in node.items() if k not in NOT_TEXT) if isinstance(node, dict) else enumerate(node)
    for key, value in items:
        if isinstance(value, (dict, list)):
            _clean(value, [*path, _token(key)], findings)
            continue
        if not isinstance(value, str):
            continue
        if _plain(value) and (len(value) * 2 <= MAX_CELL_TEXT or cell_length(value) <= MAX_CELL_TEXT):
            continue  # nothing to remove, nothing deceptive, not like a formula, and it fits a cell
        # A terminal's escape sequence goes whole (« ESC[31m »), not only its control character.
        storable = UNSTORABLE.sub("", ESCAPE_SEQUENCE.sub("", value))
        removed = "".join(UNSTORABLE.findall(value))
        deceptive = "".join(DECEPTIVE.findall(value))
        formula = formula_like(value)
        length = cell_length(storable)
        if storable != value:
            node[key] = storable  # type: ignore[index]  # the same key: the container keeps its size
        if removed or deceptive or formula or length > MAX_CELL_TEXT:
            pointer = "".join(f"/{token}" for token in [*path, _token(key)])
            over = length * (length > MAX_CELL_TEXT)
            findings.append(TextFinding(pointer, value, removed, deceptive, formula, over))


def _plain(text: str) -> bool:
    """No character ``SUSPECT`` looks for, and no formula's start. Every one it looks for is a control, format,
    surrogate or unassigned character, which ``isprintable`` refuses: a printable text is told apart without the
    regular expression (most texts; a newline or a no-break space sends the others to it)."""
    if text.isprintable():
        return not text or text[0] not in "=@+-"
    return SUSPECT.search(text) is None


def _token(key: str | int) -> str:
    return str(key) if isinstance(key, int) else _escape_token(key)


def cell_length(text: str) -> int:
    """A text's length as a spreadsheet cell counts it: UTF-16 units (a character beyond U+FFFF counts two)."""
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


def _escape_token(key: str) -> str:
    """A key as a JSON pointer writes it (RFC 6901): « ~ » as ``~0``, « / » as ``~1``."""
    return key.replace("~", "~0").replace("/", "~1")


_SHOWN_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def printable(text: str) -> str:
    """``text`` as a terminal may show it: escape sequences (colours, window titles…) and control characters
    removed, lone surrogates replaced; newlines and tabs kept."""
    return _SHOWN_CONTROLS.sub(
        lambda m: "\ufffd" if "\ud800" <= m.group() <= "\udfff" else "", ESCAPE_SEQUENCE.sub("", text)
    )
