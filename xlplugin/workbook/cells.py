"""Excel cell values → domain values, and back.

Excel hands a function what the cells hold: numbers as floats (a date may come as a serial number, as
Office.js sends it), ``None`` for an empty cell, ``datetime`` for a date cell (classic xlwings), text such
as « Oui »/« Non », codes typed as numbers that lost their leading zero (1004 for 01004), and ranges as
lists (one column: a flat list in classic xlwings, a list of one-item rows from Office.js). Each function
here accepts all of these and returns the domain value, or raises ``CellError`` with a French message
that says which argument is wrong and what is expected.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from xlplugin.errors import AgentError
from xlplugin.grouping import grouped
from xlplugin.rules.identifiers import IdentifierError, normalize_insee
from xlplugin.rules.money import CENT

EXCEL_EPOCH = date(1899, 12, 30)  # day 0 of Excel's (1900) date system, leap-year bug included
SEPARATOR = ";"
_TRUE = {"oui", "o", "vrai", "true", "yes", "1", "x"}
_FALSE = {"non", "n", "faux", "false", "no", "0", ""}


class CellError(AgentError, ValueError):
    """A cell value a function cannot use; the message is French and names the argument."""


def blank(value: Any) -> bool:
    """An empty cell: ``None``, empty text, or Pyodide's ``jsnull`` (what Office.js sends for an empty cell
    reaches Python as such in xlwings Lite; its type is told by name: pyodide exists only there)."""
    return value is None or (isinstance(value, str) and not value.strip()) or type(value).__name__ == "JsNull"


def as_text(value: Any) -> str:
    if blank(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def as_bool(value: Any, name: str) -> bool:
    """« Oui »/« Non », VRAI/FAUX, 1/0; an empty cell is « Non »."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    text = as_text(value).casefold()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CellError(f"{name} : « {value} » n'est ni Oui ni Non")


def _ascii_digits(text: str) -> bool:
    """Only 0 to 9: ``str.isdigit`` also says yes to « ² », which ``int`` refuses."""
    return text.isascii() and text.isdigit()


MAX_DIGITS = 30  # digits of a whole number typed as text (Python's int() refuses beyond 4 300)


def as_int(value: Any, name: str, *, required: bool = False) -> int | None:
    if blank(value):
        if required:
            raise CellError(f"{name} : la cellule est vide, un nombre entier est attendu")
        return None
    if isinstance(value, bool):
        raise CellError(f"{name} : un nombre entier est attendu")
    if isinstance(value, float):
        if not value.is_integer():
            raise CellError(f"{name} : {value} n'est pas un nombre entier")
        return int(value)
    if isinstance(value, int):
        return value
    text = as_text(value).replace(" ", "").replace("\u00a0", "").replace("\u202f", "")
    digits = text.removeprefix("-")  # one sign: « --5 » is no number
    if _ascii_digits(digits) and len(digits) <= MAX_DIGITS:
        return int(text)
    raise CellError(f"{name} : « {value} » n'est pas un nombre entier")


MAX_COUNT = 10**9  # more people or agents than that is a typing error
MAX_AMOUNT = Decimal("1e12")  # an amount beyond that is a typing error (and would overflow the cents)


def as_count(value: Any, name: str, *, required: bool = False) -> int | None:
    """A number of people or agents: a whole number from 0 to a billion."""
    count = as_int(value, name, required=required)
    if count is not None and not 0 <= count <= MAX_COUNT:
        raise CellError(f"{name} : {count} n'est pas un effectif possible (0 à {grouped(MAX_COUNT)})")
    return count


# « 12.000 », « 1.234.567 »: the dot may group thousands (French writing) or mark decimals (English): no guess.
_DOT_GROUPS = re.compile(r"[+-]?[1-9]\d{0,2}(?:\.\d{3})+")


class AmbiguousNumber(ValueError):
    """A number typed as text whose dot may separate thousands or decimals."""


def number_text(typed: str) -> str:
    """The number an agent typed as text, in Python's notation: spaces (no-break ones too) and « € » dropped,
    the decimal comma made a point. ``AmbiguousNumber`` for « 12.000 »: twelve thousand to a French eye,
    twelve to Python — an amount read wrong by a thousand is worse than an amount asked again."""
    text = typed.replace(" ", "").replace("\u00a0", "").replace("\u202f", "").replace("€", "")
    if "." in text and "," not in text and _DOT_GROUPS.fullmatch(text.removesuffix("%")):
        raise AmbiguousNumber(typed)
    return text.replace(",", ".")


_EXCEL_NUMBER_TEXT = re.compile(r"\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*")


def excel_number(value: Any) -> bool:
    """Whether Excel makes a number of the cell's text (``ISNUMBER(--(A2&""))``): a number, a date, or a text
    written as a number (« '21000105 », a number the office typed as text); not a blank cell, not a boolean."""
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float, Decimal, date)):
        return True
    return isinstance(value, str) and _EXCEL_NUMBER_TEXT.fullmatch(value) is not None


def as_decimal(value: Any, name: str, *, required: bool = True) -> Decimal | None:
    """A number from a cell: a float goes through its shortest text form (19200.5, not 19200.4999…)."""
    if blank(value):
        if required:
            raise CellError(f"{name} : la cellule est vide, un nombre est attendu")
        return None
    if isinstance(value, bool):
        raise CellError(f"{name} : un nombre est attendu")
    if isinstance(value, float):
        text = repr(value)
    elif isinstance(value, (int, Decimal)):
        text = str(value)
    else:
        try:
            text = number_text(as_text(value))
        except AmbiguousNumber:
            raise CellError(_ambiguous(name, value)) from None
        if text.endswith("%"):
            try:
                number = Decimal(text[:-1]) / 100  # « 1e9999999 % » overflows the division
            except ArithmeticError:
                raise CellError(f"{name} : « {value} » n'est pas un pourcentage") from None
            if not number.is_finite():  # « nan % »
                raise CellError(f"{name} : « {value} » n'est pas un pourcentage")
            return number
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise CellError(f"{name} : « {value} » n'est pas un nombre") from None
    if not number.is_finite():
        raise CellError(f"{name} : « {value} » n'est pas un nombre")
    return number


def _ambiguous(name: str, value: Any) -> str:
    return (
        f"{name} : « {value} » : le point sépare-t-il les milliers ou les décimales ? Écrivez le nombre sans point "
        "(12000) ou avec une virgule décimale (12,5)"
    )


def as_money(value: Any, name: str, *, required: bool = True) -> Decimal | None:
    """An amount in euros, to the cent (Excel's float arithmetic can leave 0.30000000000000004)."""
    number = as_decimal(value, name, required=required)
    if number is None:
        return None
    if number < 0:
        raise CellError(f"{name} : un montant ne peut pas être négatif ({value})")
    if number >= MAX_AMOUNT:
        raise CellError(f"{name} : {value} n'est pas un montant réaliste (moins de mille milliards d'euros)")
    return number.quantize(CENT, rounding=ROUND_HALF_UP)


def as_fraction(value: Any, name: str) -> Decimal:
    """A rate or a share between 0 and 1 (« 85 % » and 0.85 both give 0.85)."""
    number = as_decimal(value, name)
    assert number is not None
    if not 0 <= number <= 1:
        raise CellError(f"{name} : {value} sort de l'intervalle 0 à 100 %")
    return number


def as_date(value: Any, name: str) -> date:
    """A date cell, an Excel serial number (Office.js), or text AAAA-MM-JJ / JJ/MM/AAAA."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 1 <= value < 2958466:  # up to 31/12/9999
            return EXCEL_EPOCH + timedelta(days=int(value))
        raise CellError(f"{name} : {value} n'est pas une date")
    text = as_text(value)
    if not text:
        raise CellError(f"{name} : la cellule est vide, une date est attendue")
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y"):
        try:
            return datetime.strptime(text[:10], pattern).date()
        except ValueError:
            continue
    raise CellError(f"{name} : « {value} » n'est pas une date (JJ/MM/AAAA attendu)")


def as_datetime(value: Any, name: str) -> datetime | None:
    """A date and time: a datetime cell, an Excel serial number with its fraction of a day (Office.js),
    a date, or text; ``None`` for an empty cell."""
    if blank(value):
        return None
    if isinstance(value, datetime):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 1 <= value < 2958466:
        return datetime.combine(EXCEL_EPOCH, datetime.min.time()) + timedelta(days=float(value))
    text = as_text(value)
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    for pattern in ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M"):
        try:
            return datetime.strptime(text, pattern)
        except ValueError:
            continue
    return datetime.combine(as_date(value, name), datetime.min.time())


def as_code(value: Any, name: str) -> str:
    """A code INSEE (5 characters, leading zero restored) or a SIREN (9 digits)."""
    if blank(value):
        raise CellError(f"{name} : la cellule est vide, un code INSEE ou un SIREN est attendu")
    text = as_text(value).replace(" ", "")
    if text.isascii() and text.isdigit() and len(text) == 9:
        return text
    try:
        return normalize_insee(text)
    except IdentifierError:
        raise CellError(f"{name} : « {value} » n'est ni un code INSEE (01004) ni un SIREN (9 chiffres)") from None


def as_column(value: Any) -> list[Any]:
    """A range as a flat list: a single cell, a column (flat or as one-item rows), or a row."""
    if isinstance(value, (list, tuple)):
        flat: list[Any] = []
        for item in value:
            if isinstance(item, (list, tuple)):
                flat.extend(item)
            else:
                flat.append(item)
        return flat
    return [value]


def split_list(value: Any) -> list[str]:
    """« a ; b ; c » → ["a", "b", "c"] (the workbook joins lists with a semicolon)."""
    return [part.strip() for part in as_text(value).split(SEPARATOR) if part.strip()]


def join_list(items: Sequence[str]) -> str:
    return f"{SEPARATOR} ".join(items)


def to_excel(value: Any) -> Any:
    """A domain value as Excel takes it: Decimal → float, date stays a date, None → empty text."""
    if isinstance(value, Decimal):
        return float(value)
    if value is None:
        return ""
    return value


def to_cell(value: Any) -> Any:
    """A domain value as a cell holds it: Decimal → float (Excel stores doubles; money stays exact to the cent)."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (str, date, datetime, int, float)) or value is None:
        return value
    return str(value)


def same(old: Any, new: Any) -> bool:
    """Whether a cell already holds ``new`` (as the workbook reads back what was written)."""
    new = to_cell(new)
    if blank(old) and blank(new):
        return True
    if isinstance(old, bool) or isinstance(new, bool):
        return type(old) is type(new) and old == new
    # A date is read back as a datetime.
    old, new = (datetime(v.year, v.month, v.day) if type(v) is date else v for v in (old, new))
    if isinstance(old, (int, float)) and isinstance(new, (int, float)):
        return abs(float(old) - float(new)) < 1e-9
    return bool(old == new)
