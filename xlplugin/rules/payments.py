"""Following the payments of a grant: what was paid, what is still to pay, what must be recovered.

The *avance* is paid when the project starts, *acomptes* as it progresses, the *solde* once it is finished and
justified (décret n° 2018-514 du 25 juin 2018, art. 12, for investment projects). The amount still to pay
(« reste à payer ») is the amount granted less what was paid, never negative: a payment above it is a
« trop-perçu » to recover (« reversement », art. 14 of the same décret). The tracking workbook says the same
in Excel's own words (its « Reste à payer » and « Trop-perçu » columns), checked against this by the tests.

``payment_problems`` says which rule of the payments is broken (art. 12, II and III: the advance at most 30 %
of the maximum amount, the advance and the instalments together at most 80 % before the balance; nothing
paid above the amount granted; no payment dated before the decision), with the ceilings of the règlement's
« versement » block. Its short labels are the workbook's « Contrôle des versements » column, word for word.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_FLOOR, Decimal

from xlplugin.rules.money import CENT, format_euros, format_percent

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


# Codes of the payment problems.
ADVANCE_ABOVE = "AVANCE_AU_DELA"
INSTALMENTS_ABOVE = "ACOMPTES_AU_DELA"
PAID_ABOVE = "VERSE_AU_DELA"
PAID_BEFORE_DECISION = "VERSE_AVANT_DECISION"


@dataclass(frozen=True, slots=True)
class PaymentProblem:
    """A rule of the payments broken: its code, the workbook's short label, the French sentence of the
    documents (with the amounts and the legal text), and the kind of payment at fault (None: all of them)."""

    code: str
    label: str
    message: str
    kind: str | None


def ceiling(granted: Decimal, fraction: Decimal) -> Decimal:
    """``fraction`` of the amount granted, down to the cent: a ceiling shown is never above the rule."""
    return (granted * fraction).quantize(CENT, rounding=ROUND_FLOOR)


def advance_label(fraction: Decimal) -> str:
    return f"avance au-delà de {format_percent(fraction)}"


def instalments_label(fraction: Decimal) -> str:
    return f"avance et acomptes au-delà de {format_percent(fraction)}"


PAID_ABOVE_LABEL = "versements au-delà du montant accordé"
PAID_BEFORE_LABEL = "versement daté avant la décision"
LABEL_SEPARATOR = " ; "


def payment_problems(
    granted: Decimal,
    payments: Sequence[Payment],
    decided_on: date | None,
    advance_max: Decimal,
    instalments_max: Decimal,
) -> list[PaymentProblem]:
    """The rules of the payments that ``payments`` break, in a fixed order (empty: none)."""
    problems = []
    advance = sum((p.amount for p in payments if p.kind == ADVANCE), ZERO)
    before_balance = sum((p.amount for p in payments if p.kind != BALANCE), ZERO)
    paid = sum((p.amount for p in payments), ZERO)
    if advance > ceiling(granted, advance_max):
        problems.append(
            PaymentProblem(
                ADVANCE_ABOVE,
                advance_label(advance_max),
                f"avance de {format_euros(advance)} au-delà de {format_percent(advance_max)} du montant accordé "
                f"({format_euros(ceiling(granted, advance_max))}) : décret n° 2018-514, art. 12, II",
                ADVANCE,
            )
        )
    if before_balance > ceiling(granted, instalments_max):
        problems.append(
            PaymentProblem(
                INSTALMENTS_ABOVE,
                instalments_label(instalments_max),
                f"avance et acomptes ({format_euros(before_balance)}) au-delà de {format_percent(instalments_max)} "
                f"du montant accordé ({format_euros(ceiling(granted, instalments_max))}) avant le solde : "
                "décret n° 2018-514, art. 12, III",
                INSTALMENT,
            )
        )
    if paid > granted:
        problems.append(
            PaymentProblem(
                PAID_ABOVE,
                PAID_ABOVE_LABEL,
                f"{format_euros(paid)} versés pour {format_euros(granted)} accordés : le trop-perçu de "
                f"{format_euros(paid - granted)} est à recouvrer (décret n° 2018-514, art. 14)",
                None,
            )
        )
    early = [p for p in payments if decided_on is not None and p.paid_on is not None and p.paid_on < decided_on]
    if early:
        problems.append(
            PaymentProblem(
                PAID_BEFORE_DECISION,
                PAID_BEFORE_LABEL,
                f"{early[0].kind} du {early[0].paid_on:%d/%m/%Y}, avant la décision du {decided_on:%d/%m/%Y} : "
                "seule la décision attributive notifiée vaut accord de financement (décret n° 2018-514, art. 8)",
                early[0].kind,
            )
        )
    return problems


def payment_check(problems: Sequence[PaymentProblem]) -> str:
    """The workbook's « Contrôle des versements »: the labels, or an empty text when nothing is wrong."""
    return LABEL_SEPARATOR.join(p.label for p in problems)
