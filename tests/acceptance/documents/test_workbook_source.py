"""The office's decision columns read from one workbook row; the workbook reader itself is not wired yet."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from xlplugin.documents import DecisionError, Payment
from xlplugin.documents.workbook_source import (
    PROPOSED_COLUMNS,
    decision_from_cells,
    read_evaluations,
    read_records,
)


def test_an_undecided_row_gives_no_decision() -> None:
    assert decision_from_cells(1, {}) is None
    assert decision_from_cells(1, {"Décision": "  "}) is None


def test_a_granted_row_with_payments_as_excel_gives_them() -> None:
    row = {
        "Décision": "Accordée",
        "Date de décision": datetime(2021, 11, 29),
        "N° d'arrêté": 2021101.0,
        "Date du comité": "22/11/2021",
        "Montant accordé": None,
        "N° EJ Chorus": "2103456789",
        "Avance": 5760.0,
        "Date de l'avance": date(2021, 12, 10),
        "Acompte 1": "4 000,50 €",
        "Date de l'acompte 1": "02/05/2022",
        "Acompte 2": None,
        "Solde": 0,
    }
    decision = decision_from_cells(21000101, row)
    assert decision is not None
    assert decision.decided_on == date(2021, 11, 29) and decision.committee_on == date(2021, 11, 22)
    assert decision.order_number == "2021101" and decision.chorus_commitment == "2103456789"
    assert decision.amount is None
    assert decision.payments == (
        Payment("avance", Decimal("5760"), date(2021, 12, 10)),
        Payment("acompte", Decimal("4000.50"), date(2022, 5, 2)),
    )


def test_a_float_amount_keeps_its_cents() -> None:
    decision = decision_from_cells(1, {"Décision": "accordée", "Date de décision": "29/11/2021", "Avance": 1234.56})
    assert decision is not None and decision.payments[0].amount == Decimal("1234.56")


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        ({"Décision": "ajournée"}, "Dossier 7, Décision : « ajournée » : choisissez « accordée » ou « refusée »"),
        ({"Décision": "refusée"}, "Dossier 7, Date de décision : date manquante"),
        ({"Décision": "refusée", "Date de décision": "2021-11-29"}, "« 2021-11-29 » n'est pas une date ; écrivez-la"),
        ({"Décision": "accordée", "Date de décision": "29/11/2021", "Avance": "beaucoup"}, "Avance : « beaucoup »"),
        (
            {"Décision": "accordée", "Date de décision": "29/11/2021", "Solde": -5.0},
            "Solde : « -5.0 » : un montant positif",
        ),
        ({"Décision": "accordée", "Date de décision": "29/11/2021", "Montant accordé": 10.123}, "au centime près"),
    ],
)
def test_a_bad_cell_is_named(cells: dict[str, object], message: str) -> None:
    with pytest.raises(DecisionError) as caught:
        decision_from_cells(7, cells)
    assert message in str(caught.value)


def test_proposed_columns_have_french_headers_and_the_amount_left_is_computed() -> None:
    headers = [c.header for c in PROPOSED_COLUMNS]
    assert len(headers) == len(set(headers))
    assert {"Décision", "Date de décision", "N° d'arrêté", "N° EJ Chorus", "Reste à payer"} <= set(headers)
    computed = {c.header for c in PROPOSED_COLUMNS if c.kind == "calcul"}
    assert computed == {"Reste à payer", "Trop-perçu"}


def test_the_workbook_reader_says_plainly_it_is_not_wired(tmp_path: Path) -> None:
    with pytest.raises(NotImplementedError, match="pas encore branchée"):
        read_records(tmp_path / "suivi.xlsx", [21000101])
    with pytest.raises(NotImplementedError, match="l'état récapitulatif ne peut pas encore"):
        read_evaluations(tmp_path / "suivi.xlsx")
