"""Following the payments of a grant: what was paid, what is still to pay, what must be recovered.

The *avance* is paid when the project starts, *acomptes* as it progresses, the *solde* once it is finished and
justified (décret n° 2018-514 du 25 juin 2018, art. 12, for investment projects). The amount still to pay
(« reste à payer ») is the amount granted less what was paid, never negative: a payment above it is a
« trop-perçu » to recover (« reversement », art. 14 of the same décret). The tracking workbook says the same
in Excel's own words (its « Reste à payer » and « Trop-perçu » columns), checked against this by the tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

ADVANCE = "avance"
INSTALMENT = "acompte"
BALANCE = "solde"
KINDS = (ADVANCE, INSTALMENT, BALANCE)
ZERO = Decimal("0")


@dataclass(frozen=True, slots=True)
class Payment:
    """One payment: ``kind`` is avance, acompte or solde; ``amount`` a Decimal in euros."""

    kind: str
    amount: Decimal
    paid_on: date | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"versement « {self.kind} » inconnu : avance, acompte ou solde")
        if not isinstance(self.amount, Decimal) or not self.amount.is_finite() or self.amount < ZERO:
            raise ValueError(f"montant versé invalide : {self.amount!r} (un montant positif, en euros)")


@dataclass(frozen=True, slots=True)
class PaymentBalance:
    """Where the payments of one grant stand."""

    allocated: Decimal
    paid: Decimal
    remaining: Decimal  # « reste à payer », never negative
    overpaid: Decimal  # « trop-perçu » to recover, never negative

    @property
    def settled(self) -> bool:
        return self.remaining == ZERO and self.overpaid == ZERO


def payment_balance(allocated: Decimal, payments: Sequence[Payment]) -> PaymentBalance:
    """The amount paid, the amount still to pay (never negative) and any over-payment to recover."""
    if allocated < ZERO:
        raise ValueError(f"montant alloué négatif : {allocated}")
    paid = sum((p.amount for p in payments), ZERO)
    return PaymentBalance(
        allocated=allocated,
        paid=paid,
        remaining=max(allocated - paid, ZERO),
        overpaid=max(paid - allocated, ZERO),
    )
