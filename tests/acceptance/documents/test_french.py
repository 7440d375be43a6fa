"""Amounts in figures and in words, rates and dates, as French administrative documents write them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from xlplugin.documents.french import euros, euros_in_words, long_date, percent

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("0", "zéro euro"),
        ("1", "un euro"),
        ("2", "deux euros"),
        ("80", "quatre-vingts euros"),
        ("81", "quatre-vingt-un euros"),
        ("200", "deux cents euros"),
        ("201", "deux cent un euros"),
        ("19200", "dix-neuf mille deux cents euros"),
        ("21000", "vingt et un mille euros"),
        ("31075", "trente et un mille soixante-quinze euros"),
        ("297000", "deux cent quatre-vingt-dix-sept mille euros"),
        ("1000000", "un million d'euros"),
        ("2000000", "deux millions d'euros"),
        ("2000200", "deux millions deux cents euros"),
        ("1234.56", "mille deux cent trente-quatre euros et cinquante-six centimes"),
        ("10.01", "dix euros et un centime"),
        ("0.50", "cinquante centimes"),
    ],
)
def test_amounts_in_words(amount: str, words: str) -> None:
    assert euros_in_words(Decimal(amount)) == words


def test_a_negative_amount_has_no_words() -> None:
    with pytest.raises(ValueError, match="négatif"):
        euros_in_words(Decimal("-1"))


@pytest.mark.parametrize(
    ("amount", "text"),
    [("19200", f"19{NBSP}200{NBSP}€"), ("19200.50", f"19{NBSP}200,50{NBSP}€"), ("0", f"0{NBSP}€")],
)
def test_amounts_in_figures(amount: str, text: str) -> None:
    assert euros(Decimal(amount)) == text


@pytest.mark.parametrize(
    ("rate", "text"), [("0.85", f"85{NBSP}%"), ("1", f"100{NBSP}%"), ("0.443928", f"44,39{NBSP}%")]
)
def test_rates(rate: str, text: str) -> None:
    assert percent(Decimal(rate)) == text


def test_dates_in_full_with_the_first_of_the_month() -> None:
    assert long_date(date(2026, 11, 29)) == "29 novembre 2026"
    assert long_date(date(2021, 12, 1)) == "1er décembre 2021"
    assert long_date(date(2022, 8, 15)) == "15 août 2022"
