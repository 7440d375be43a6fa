"""Following the payments of a grant in the documents: the rules' balance (``xlplugin.rules.payments``), and
warnings on payments that break the rules of the décret.

Vocabulary: the *avance* is paid when the project starts, *acomptes* as it progresses, the *solde* once it is
finished and justified (décret n° 2018-514 du 25 juin 2018, art. 12, for investment projects). The amount still
to pay (« reste à payer ») is the allocated amount less what was paid, never negative: a payment above the
allocated amount is a « trop-perçu » to recover (« reversement », art. 14 of the same décret).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from xlplugin.documents.french import euros, percent
from xlplugin.rules.payments import (
    ADVANCE,
    BALANCE,
    INSTALMENT,
    KINDS,
    ZERO,
    Payment,
    PaymentBalance,
    payment_balance,
)

__all__ = [
    "ADVANCE",
    "BALANCE",
    "INSTALMENT",
    "KINDS",
    "Payment",
    "PaymentBalance",
    "payment_balance",
    "payment_warnings",
]


def payment_warnings(
    allocated: Decimal, payments: Sequence[Payment], advance_max: Decimal, instalments_max: Decimal
) -> list[str]:
    """French warnings on payments that break the rules of the décret (or the office's settings)."""
    warnings = []
    advance = sum((p.amount for p in payments if p.kind == ADVANCE), ZERO)
    before_balance = sum((p.amount for p in payments if p.kind != BALANCE), ZERO)
    if advance > allocated * advance_max:
        warnings.append(
            f"avance de {euros(advance)} au-delà de {percent(advance_max)} du montant alloué "
            f"({euros(allocated * advance_max)}) : décret n° 2018-514, art. 12, II"
        )
    if before_balance > allocated * instalments_max:
        warnings.append(
            f"avance et acomptes ({euros(before_balance)}) au-delà de {percent(instalments_max)} du montant alloué "
            f"({euros(allocated * instalments_max)}) : décret n° 2018-514, art. 12, III"
        )
    balance = payment_balance(allocated, payments)
    if balance.overpaid:
        warnings.append(f"trop-perçu de {euros(balance.overpaid)} à recouvrer (reversement)")
    if sum(1 for p in payments if p.kind == BALANCE) > 1:
        warnings.append("plusieurs soldes enregistrés : un seul solde par subvention")
    return warnings
