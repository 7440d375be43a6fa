"""Cell values as Python sees them and as the XML stores them: numbers, dates as serial numbers, errors.

Dates are serial numbers counted from 1899-12-30 (Excel's 1900 system, whose phantom 29 February 1900 is
why the origin is the 30th and why serials before 61 are one day off) or from 1904-01-01 (``date1904``).
A number format is a date format when its first section shows days, months, years, hours or seconds
outside quoted text, escaped characters and ``[…]`` codes.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal

ORIGIN_1900 = dt.datetime(1899, 12, 30)
ORIGIN_1904 = dt.datetime(1904, 1, 1)

BUILTIN_FORMATS: dict[int, str] = {
    0: "General", 1: "0", 2: "0.00", 3: "#,##0", 4: "#,##0.00", 9: "0%", 10: "0.00%", 11: "0.00E+00",
    12: "# ?/?", 13: "# ??/??", 14: "mm-dd-yy", 15: "d-mmm-yy", 16: "d-mmm", 17: "mmm-yy", 18: "h:mm AM/PM",
    19: "h:mm:ss AM/PM", 20: "h:mm", 21: "h:mm:ss", 22: "m/d/yy h:mm", 37: "#,##0 ;(#,##0)",
    38: "#,##0 ;[Red](#,##0)", 39: "#,##0.00;(#,##0.00)", 40: "#,##0.00;[Red](#,##0.00)", 45: "mm:ss",
    46: "[h]:mm:ss", 47: "mmss.0", 48: "##0.0E+0", 49: "@",
}  # fmt: skip
# Ids without a fixed code whose meaning is a date in every locale (East Asian calendars).
BUILTIN_DATE_IDS = set(range(14, 23)) | set(range(27, 37)) | {45, 46, 47} | set(range(50, 59))

ERRORS = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA", "#SPILL!", "#CALC!")

_NOT_DATE_PARTS = re.compile(r'"[^"]*"|\\.|\[(?!(?:h|hh|m|mm|s|ss)\])[^\]]*\]|_.|\*.', re.IGNORECASE)


class ErrorValue(str):
    """An error a cell shows (``#N/A``, ``#DIV/0!``…), distinct from a text that happens to read the same."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"ErrorValue({str(self)!r})"


def format_kind(code: str) -> str | None:
    """``"date"``, ``"datetime"`` or ``"time"`` for a date or time number format; None otherwise."""
    section = _NOT_DATE_PARTS.sub("", code.split(";")[0]).lower()
    if section in ("general", "@") or not section:
        return None
    has_date = "d" in section or "y" in section
    has_time = "h" in section or "s" in section or "am/pm" in section or "[m" in section
    if not has_date and "m" in section and not has_time:
        has_date = True  # "mmm" alone: a month
    if has_date:
        return "datetime" if has_time else "date"
    return "time" if has_time else None


def builtin_kind(number_format_id: int) -> str | None:
    code = BUILTIN_FORMATS.get(number_format_id)
    if code is not None:
        return format_kind(code)
    return "date" if number_format_id in BUILTIN_DATE_IDS else None


# The serials a date cell can show: 0 up to 31/12/9999 (1 January 1904 counts 0 in the 1904 system). Beyond,
# Excel shows ##### and the cell keeps its number.
LAST_SERIAL = {False: 2958465, True: 2957003}


def is_date_serial(serial: float, date1904: bool = False) -> bool:
    """Whether a date cell's number stands for a moment Excel can show."""
    return 0 <= serial < LAST_SERIAL[date1904] + 1


def from_serial(serial: float, kind: str, date1904: bool = False) -> dt.datetime | dt.date | dt.time:
    """The date, date-time or time a serial number stands for in a cell of that format kind."""
    if kind == "time" and 0 <= serial < 1:
        seconds = round(serial * 86400 * 1_000_000) / 1_000_000
        return (dt.datetime.min + dt.timedelta(seconds=seconds)).time()
    if date1904:
        moment = ORIGIN_1904 + dt.timedelta(days=serial)
    else:
        # Serials below 61 come before Excel's phantom 29 February 1900.
        moment = ORIGIN_1900 + dt.timedelta(days=serial + (1 if serial < 61 else 0))
    moment = _round_microseconds(moment)
    if kind == "date" and moment.time() == dt.time(0):
        return moment.date()
    return moment


def _round_microseconds(moment: dt.datetime) -> dt.datetime:
    # Serials are doubles: 43831.5 may come back as …49999999 µs.
    micro = moment.microsecond
    if micro % 1000 in (0, 1, 999):
        rounded = round(micro / 1000) * 1000
        return moment.replace(microsecond=0) + dt.timedelta(microseconds=rounded)
    return moment


def to_serial(value: dt.date | dt.datetime | dt.time, date1904: bool = False) -> float:
    """The serial number of a date, date-time or time (a time alone is a fraction of a day)."""
    if isinstance(value, dt.time):
        return (value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6) / 86400
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    if value.tzinfo is not None:
        value = value.replace(tzinfo=None)
    origin = ORIGIN_1904 if date1904 else ORIGIN_1900
    delta = value - origin
    serial = delta.days + delta.seconds / 86400 + delta.microseconds / 86_400_000_000
    if not date1904 and serial < 61:
        serial -= 1
        if serial < 1:
            raise ValueError(f"date {value:%d/%m/%Y} antérieure au 1er janvier 1900 : Excel ne la représente pas")
    return serial


def number_text(value: int | float | Decimal) -> str:
    """The XML text of a number cell: exact for Decimal (no exponent), shortest round trip for floats."""
    if isinstance(value, bool):
        raise TypeError("un booléen n'est pas un nombre")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"nombre non fini : {value}")
        text = format(value, "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    if not math.isfinite(value):
        raise ValueError(f"nombre non fini : {value}")
    text = repr(value)
    return text[:-2] if text.endswith(".0") else text


def parse_number(text: str, decimals: bool = False) -> int | float | Decimal:
    """A number cell's text as int when it is integral, else float (or Decimal when ``decimals``)."""
    text = text.strip()
    if decimals:
        return Decimal(text)
    try:
        return int(text)
    except ValueError:
        number = float(text)
        return int(number) if number.is_integer() and abs(number) < 2**53 and "e" not in text.lower() else number
