"""Money and fractions as exact decimals.

Every amount is a ``Decimal`` built from its string form: a float never becomes money, because
``Decimal(0.1)`` is not ten cents. Amounts are rounded once, at the end, by the règlement's rule
(see ``RoundingRule``); rates are fractions (``Decimal("0.8")`` is 80 %).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal, InvalidOperation

ZERO = Decimal("0")
ONE = Decimal("1")
CENT = Decimal("0.01")


def to_decimal(value: object) -> Decimal:
    """Return ``value`` as an exact Decimal; refuse floats, booleans and non-finite numbers.

    Accepts ``Decimal``, ``int`` and strings such as ``"12400.50"`` (spaces and a decimal comma, as an
    agent types them, are accepted too: ``"12 400,50"``).
    """
    if isinstance(value, (bool, float)):
        raise TypeError(f"un montant doit être donné sous forme de texte ou d'entier, pas {value!r}")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        text = value.strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "").replace(",", ".")
        try:
            result = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"« {value} » n'est pas un nombre") from None
    else:
        raise TypeError(f"« {value!r} » n'est pas un nombre")
    if not result.is_finite():
        raise ValueError(f"« {value} » n'est pas un nombre fini")
    return result


@dataclass(frozen=True, slots=True)
class RoundingRule:
    """How a final amount is rounded: down to a multiple of ``step`` (``1`` = the euro, ``0.01`` = the cent).

    Always down: a rounded amount never exceeds what the rules allow, nor the envelope.
    """

    step: Decimal

    def apply(self, amount: Decimal) -> Decimal:
        """Round ``amount`` down to a multiple of ``step``."""
        units = (amount / self.step).quantize(ONE, rounding=ROUND_FLOOR)
        return (units * self.step).quantize(self.step if self.step < ONE else ONE)


def format_euros(amount: Decimal) -> str:
    """French display of an amount: ``19 200,50 €`` (non-breaking spaces), whole euros without cents."""
    text = f"{amount:,.0f}" if amount == amount.to_integral_value() else f"{amount:,.2f}"
    return text.replace(",", "\u00a0").replace(".", ",") + "\u00a0€"


def format_percent(rate: Decimal) -> str:
    """French display of a fraction as a percentage: ``Decimal("0.85")`` → ``85 %``."""
    value = (rate * 100).normalize()
    text = f"{value:f}".replace(".", ",")
    return f"{text}\u00a0%"


def format_number(value: Decimal | int) -> str:
    """French display of a number with thousands separators: ``14134`` → ``14 134``."""
    if isinstance(value, Decimal) and value != value.to_integral_value():
        return f"{value:,}".replace(",", "\u00a0").replace(".", ",")
    return f"{int(value):,}".replace(",", "\u00a0")
