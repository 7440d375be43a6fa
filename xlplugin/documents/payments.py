"""Following the payments of a grant in the documents: the rules' balance (``xlplugin.rules.payments``), and
warnings on payments that break the rules of the décret.

Vocabulary: the *avance* is paid when the project starts, *acomptes* as it progresses, the *solde* once it is
finished and justified (décret n° 2018-514 du 25 juin 2018, art. 12, for investment projects). The amount still
to pay (« reste à payer ») is the allocated amount less what was paid, never negative: a payment above the
allocated amount is a « trop-perçu » to recover (« reversement », art. 14 of the same décret).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from xlplugin.rules.payments import (
    ADVANCE,
    BALANCE,
    INSTALMENT,
    KINDS,
    Payment,
    PaymentBalance,
    payment_balance,
    payment_problems,
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
    allocated: Decimal,
    payments: Sequence[Payment],
    advance_max: Decimal,
    instalments_max: Decimal,
    decided_on: date | None = None,
) -> list[str]:
    """French warnings on payments that break the rules of the décret (the règlement's ceilings), and on a
    balance recorded twice."""
    warnings = [p.message for p in payment_problems(allocated, payments, decided_on, advance_max, instalments_max)]
    if sum(1 for p in payments if p.kind == BALANCE) > 1:
        warnings.append("plusieurs soldes enregistrés : un seul solde par subvention")
    return warnings
