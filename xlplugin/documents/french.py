"""French wording of amounts, rates and dates in decision documents.

An amount is written in figures (« 19 200 € ») and in words (« dix-neuf mille deux cents euros »), a rate as a
percentage (« 85 % »), a date in full (« 1er décembre 2021 »), a commune's name with its article (« Commune
d'Ambérieux-en-Dombes », « Commune du Plantay »), and every text of a document with French spacing: a
non-breaking space inside « », before : ; ! ? % and € and between the groups of a number, so that no line starts
with a lone sign (``french_spacing``). Numbers in words come from num2words
(cardinals, which it writes correctly); the euro wording around them is ours, because num2words' own
currency mode writes « un million euros » and « et zéro centimes ».
"""

from __future__ import annotations

import re
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

from num2words import num2words

NBSP = "\u00a0"
NNBSP = "\u202f"
MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
CENT = Decimal("0.01")


def euros(amount: Decimal) -> str:
    """``Decimal("19200")`` → ``19 200 €``; cents only when there are some (``19 200,50 €``)."""
    if amount == amount.to_integral_value():
        text = f"{amount:,.0f}"
    else:
        text = f"{amount.quantize(CENT, rounding=ROUND_HALF_EVEN):,.2f}"
    return text.replace(",", NBSP).replace(".", ",") + NBSP + "€"


def percent(rate: Decimal) -> str:
    """A fraction as a French percentage: ``Decimal("0.85")`` → ``85 %``, ``Decimal("0.8333")`` → ``83,33 %``."""
    value = (rate * 100).quantize(CENT, rounding=ROUND_HALF_EVEN).normalize()
    text = f"{value:f}".replace(".", ",")
    return f"{text}{NBSP}%"


def number(value: int) -> str:
    """``14134`` → ``14 134``."""
    return f"{value:,}".replace(",", NBSP)


def euros_in_words(amount: Decimal) -> str:
    """The amount in French words: ``Decimal("21000")`` → ``vingt et un mille euros``.

    « d'euros » after a round million or milliard (« deux millions d'euros »), « euro » in the singular for
    zero and one, cents as « et cinquante centimes ».
    """
    if amount < 0:
        raise ValueError(f"montant négatif : {amount}")
    cents_total = int((amount * 100).quantize(Decimal("1"), rounding=ROUND_HALF_EVEN))
    units, cents = divmod(cents_total, 100)
    words = str(num2words(units, lang="fr"))
    if units in (0, 1):
        unit_text = f"{words} euro"
    elif words.endswith(("million", "millions", "milliard", "milliards")):
        unit_text = f"{words} d'euros"
    else:
        unit_text = f"{words} euros"
    if not cents:
        return unit_text
    cent_text = f"{num2words(cents, lang='fr')} centime{'s' if cents > 1 else ''}"
    return cent_text if units == 0 else f"{unit_text} et {cent_text}"


def long_date(day: date) -> str:
    """``date(2021, 12, 1)`` → ``1er décembre 2021``; ``date(2021, 11, 29)`` → ``29 novembre 2021``."""
    first = "1er" if day.day == 1 else str(day.day)
    return f"{first} {MONTHS[day.month - 1]} {day.year}"


def short_date(day: date) -> str:
    """``date(2021, 12, 1)`` → ``01/12/2021``."""
    return f"{day:%d/%m/%Y}"


VOWELS = "AEIOUYÂÀÄÉÈÊËÎÏÔÖÛÙÜŒaeiouyâàäéèêëîïôöûùüœ"


def of_place(name: str) -> str:
    """« de » before a place name, as French writes it: « d'Ambérieux », « du Plantay », « des Neyrolles »,
    « de La Boisse », « de Belley » (no elision before an h, which may be aspirated)."""
    if name.startswith("Le "):
        return "du " + name[3:]
    if name.startswith("Les "):
        return "des " + name[4:]
    if name[:1] in VOWELS:
        return "d'" + name
    return "de " + name


_UNELIDED = re.compile(r"\b([Dd])e (Les |Le |(?=[" + VOWELS + r"]))")


def elide(text: str) -> str:
    """A name typed without the elision French requires: « Commune de Ambérieux » → « Commune d'Ambérieux »,
    « Commune de Le Plantay » → « Commune du Plantay »."""

    def fixed(match: re.Match[str]) -> str:
        article = match.group(2)
        d = match.group(1)
        if article == "Le ":
            return f"{d}u "
        if article == "Les ":
            return f"{d}es "
        return f"{d}'"

    return _UNELIDED.sub(fixed, text)


# French spacing: the spaces that must not break a line (and the ones that are missing inside « »).
_BEFORE = re.compile(r" (?=[:;!?%€»])")
_AFTER = re.compile(r"(?<=«) ")
_NUMBER_GROUP = re.compile(r"(?<=\d) (?=\d{3}\b)")
_NUMERO = re.compile(r"(?<=\bn°) ")
_CODE_ARTICLE = re.compile(r"(?<=\b[LRD]\.) (?=\d)")  # « R. 421-1 », « L. 411-2 »: a code's article, unbroken


def french_spacing(text: str) -> str:
    """``text`` with non-breaking spaces where French typography wants them: before : ; ! ? % € and », after «,
    between the groups of a number, after « n° », inside a code's article number (« R. 421-1 »); the spaces
    already non-breaking are kept."""
    text = _BEFORE.sub(NBSP, text)
    text = _AFTER.sub(NBSP, text)
    text = _NUMBER_GROUP.sub(NBSP, text)
    text = _CODE_ARTICLE.sub(NBSP, text)
    return _NUMERO.sub(NBSP, text)
