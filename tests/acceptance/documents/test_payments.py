"""Following the payments: the amount still to pay is never negative, an over-payment is a trop-perçu."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xlplugin.documents.payments import Payment, payment_balance, payment_warnings

D = Decimal
ADV_MAX, INST_MAX = D("0.30"), D("0.80")  # the règlement's « versement » block


def test_what_is_left_to_pay_after_an_advance_and_an_instalment() -> None:
    balance = payment_balance(D("19200"), [Payment("avance", D("5760")), Payment("acompte", D("6000"))])
    assert (balance.paid, balance.remaining, balance.overpaid) == (D("11760"), D("7440"), D("0"))
    assert not balance.settled


def test_the_balance_settles_the_grant() -> None:
    payments = [Payment("avance", D("5760")), Payment("solde", D("13440"), date(2023, 2, 1))]
    balance = payment_balance(D("19200"), payments)
    assert balance.remaining == 0 and balance.overpaid == 0 and balance.settled


def test_an_over_payment_is_a_trop_percu_and_nothing_is_left_to_pay() -> None:
    balance = payment_balance(D("10000"), [Payment("avance", D("3000")), Payment("solde", D("7500.50"))])
    assert balance.remaining == 0
    assert balance.overpaid == D("500.50")
    assert "trop-perçu de 500,50\u00a0€ est à recouvrer" in " ".join(
        payment_warnings(D("10000"), [Payment("avance", D("3000")), Payment("solde", D("7500.50"))], ADV_MAX, INST_MAX)
    )


def test_an_advance_above_thirty_percent_is_reported_with_its_source() -> None:
    warnings = payment_warnings(D("10000"), [Payment("avance", D("3500"))], ADV_MAX, INST_MAX)
    assert len(warnings) == 1 and "art. 12, II" in warnings[0] and "3\u00a0500\u00a0€" in warnings[0]


def test_advance_and_instalments_above_eighty_percent_are_reported() -> None:
    payments = [Payment("avance", D("3000")), Payment("acompte", D("5500"))]
    warnings = payment_warnings(D("10000"), payments, ADV_MAX, INST_MAX)
    assert warnings == [
        "avance et acomptes (8\u00a0500\u00a0€) au-delà de 80\u00a0% du montant accordé (8\u00a0000\u00a0€) avant le "
        "solde : décret n° 2018-514, art. 12, III"
    ]


def test_payments_within_the_rules_give_no_warning() -> None:
    payments = [Payment("avance", D("3000")), Payment("acompte", D("5000")), Payment("solde", D("2000"))]
    assert payment_warnings(D("10000"), payments, ADV_MAX, INST_MAX) == []


def test_two_balances_are_reported() -> None:
    payments = [Payment("solde", D("100")), Payment("solde", D("100"))]
    assert "un seul solde" in payment_warnings(D("10000"), payments, ADV_MAX, INST_MAX)[0]


@pytest.mark.parametrize(("kind", "amount"), [("prêt", D("1")), ("avance", D("-1")), ("avance", D("NaN"))])
def test_a_bad_payment_is_refused_in_french(kind: str, amount: Decimal) -> None:
    with pytest.raises(ValueError, match=r"versement|montant"):
        Payment(kind, amount)


def test_a_float_is_not_money() -> None:
    with pytest.raises(ValueError, match="montant"):
        Payment("avance", 10.5)  # type: ignore[arg-type]


cents = st.integers(min_value=0, max_value=10_000_000).map(lambda c: D(c) / 100)


@given(allocated=cents, amounts=st.lists(cents, max_size=6))
def test_remaining_and_overpaid_are_never_negative_and_add_up(allocated: Decimal, amounts: list[Decimal]) -> None:
    balance = payment_balance(allocated, [Payment("acompte", a) for a in amounts])
    assert balance.remaining >= 0 and balance.overpaid >= 0
    assert balance.remaining - balance.overpaid == allocated - sum(amounts, D("0"))
    assert balance.remaining == 0 or balance.overpaid == 0
