"""French words for what the API says in codes: dossier states, deletion reasons, dates, amounts.

What the server sends is shown through :func:`shown`: a terminal's escape sequences and control characters
removed (the intake's own cleaning, ``xlplugin.intake.texts.printable``) and kept on one line, so that a
title or a reason can neither drive the agent's terminal nor forge a line of the report.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from decimal import Decimal

from xlplugin.grouping import NARROW_NO_BREAK_SPACE, grouped
from xlplugin.intake.texts import printable

STATES = {
    "en_construction": "en construction",
    "en_instruction": "en instruction",
    "accepte": "accepté",
    "refuse": "refusé",
    "sans_suite": "classé sans suite",
}

DELETION_REASONS = {
    "user_request": "à la demande de l'usager",
    "user_removed": "compte de l'usager supprimé",
    "user_expired": "compte de l'usager expiré",
    "expired": "délai de conservation dépassé",
    "instructeur_request": "par un instructeur",
    "manager_request": "par un administrateur",
    "procedure_removed": "démarche supprimée",
}


_BREAKS = re.compile(r"\s*[\r\n\t\v\f\u2028\u2029]+\s*")


def shown(text: object) -> str:
    """A text from the server as one clean line: no escape sequence, no control character, no line break."""
    return _BREAKS.sub(" ", printable(str(text))).strip()


def state_label(state: str | None) -> str:
    return STATES.get(state or "", shown(state) if state else "inconnu")


def reason_label(reason: str | None) -> str:
    return DELETION_REASONS.get(reason or "", shown(reason) if reason else "raison non donnée")


def date_label(iso: str | None) -> str:
    """``2021-10-03T14:05:00+02:00`` → ``03/10/2021 14:05`` (the text as given when it is not a date)."""
    if not iso:
        return "date inconnue"
    try:
        return datetime.fromisoformat(iso.replace("Z", "+00:00")).strftime("%d/%m/%Y %H:%M")
    except (ValueError, TypeError, AttributeError):
        return shown(iso)


def seconds_label(seconds: float) -> str:
    """``0.3`` → ``0,3 s``; ``1200`` → ``20 minutes``; ``90`` → ``90 s``."""
    if seconds >= 120 and seconds % 60 == 0:
        return count(int(seconds // 60), "minute")
    text = f"{seconds:.1f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") + " s"


def number_label(value: Decimal | int | str | None) -> str:
    """``Decimal("19200.50")`` → ``19 200,50``; text as it is; ``None`` → ``(vide)``."""
    if value is None or value == "":
        return "(vide)"
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return grouped(value)
    text = f"{value:,f}"
    whole, _, fraction = text.partition(".")
    whole = whole.replace(",", NARROW_NO_BREAK_SPACE)
    return f"{whole},{fraction}" if fraction else whole


_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'", "–": "-", "—": "-", "\u00a0": " ", "\u202f": " "})


def normalize_label(label: str) -> str:
    """Labels compared as people type them: without case, accents, typographic apostrophes or repeated spaces.

    The same comparison as the intake's (``xlplugin.rules.labels``), kept here so that this package relies
    only on the rules' public API."""
    text = label.translate(_APOSTROPHES).replace("œ", "oe").replace("Œ", "Oe").replace("æ", "ae")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", text).strip().casefold()


def count(n: int, singular: str, plural: str | None = None) -> str:
    """``count(1, "page")`` → ``1 page``; ``count(3, "page")`` → ``3 pages`` (French: 0 and 1 take the singular)."""
    return f"{n} {singular if n <= 1 else (plural or singular + 's')}"
