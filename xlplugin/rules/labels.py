"""Labels as people type them: compared without case, accents, typographic apostrophes or repeated spaces.

The démarche's labels drift between form versions and exports (« d'agents » / « d’agents », « œuvre » /
« oeuvre »), and agents type choices in cells by hand: every comparison of labels goes through here.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'", "–": "-", "—": "-", "\u00a0": " ", "\u202f": " "})


@lru_cache(maxsize=4096)  # a batch sees the same few dozen labels thousands of times
def normalize_label(label: str) -> str:
    """``"Date de fin de mise en œuvre"`` and ``"date de fin de mise en oeuvre "`` compare equal."""
    text = label.translate(_APOSTROPHES).replace("œ", "oe").replace("Œ", "Oe").replace("æ", "ae")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", text).strip().casefold()


def label_index(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """``{normalized label: code}`` for (label, code) pairs; the code itself is accepted too."""
    index: dict[str, str] = {}
    for label, code in pairs:
        index[normalize_label(code)] = code
        index[normalize_label(label)] = code
    return index
