"""The essential data of the grants, in the national SCDL « subventions » format, validated against the
published schema (vendored in scdl-subventions/, version 2.1.1) with frictionless, the reference Table Schema
validator (the one Validata runs)."""

from __future__ import annotations

import csv
import dataclasses
import json
from decimal import Decimal
from pathlib import Path

import pytest
from frictionless import Resource, Schema
from stdnum.fr import siret

from tests.acceptance.documents.conftest import TEST_SIRET
from xlplugin.documents import (
    SCDL_COLUMNS,
    SCDL_VERSION,
    DocumentSettings,
    Payment,
    PublicationError,
    scdl_rows,
    write_scdl_csv,
)
from xlplugin.documents.record import DecisionRecord
from xlplugin.rules import Allocation, Reglement

SCHEMA = Path(__file__).resolve().parent / "scdl-subventions" / "schema.json"


def schema() -> Schema:
    return Schema.from_descriptor(json.loads(SCHEMA.read_text(encoding="utf-8")))


def validate(path: Path) -> list[list[object]]:
    """Frictionless errors of the CSV at ``path`` against the vendored schema (empty when valid)."""
    resource = Resource(path=path.name, basepath=str(path.parent), schema=schema())
    report = resource.validate()
    return [list(e) for e in report.flatten(["rowNumber", "fieldName", "type", "note"])]


@pytest.fixture
def csv_path(
    tmp_path: Path, records: list[DecisionRecord], settings: DocumentSettings, reglement_ain: Reglement
) -> Path:
    return write_scdl_csv(records, settings, reglement_ain, tmp_path / "subventions.csv")


def test_the_vendored_schema_is_the_version_written(csv_path: Path) -> None:
    published = schema()
    assert published.custom["version"] == SCDL_VERSION == "2.1.1"
    assert tuple(f.name for f in published.fields) == SCDL_COLUMNS


def test_the_csv_validates_against_the_published_schema(csv_path: Path) -> None:
    assert validate(csv_path) == []


def test_the_csv_passes_the_schema_custom_checks(csv_path: Path) -> None:
    with csv_path.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    for row in rows:
        assert siret.is_valid(row["idAttribuant"]) and siret.is_valid(row["idBeneficiaire"])  # french-siret-value
        assert row["idBeneficiaire"] or row["rnaBeneficiaire"]  # one-of-required


def test_one_row_per_granted_dossier_with_the_granted_amount(
    csv_path: Path, records: list[DecisionRecord], allocation: Allocation
) -> None:
    with csv_path.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    granted = {r.number: r for r in records if r.granted}
    assert len(rows) == len(granted) == 20
    assert sum(Decimal(row["montant"]) for row in rows) == allocation.total
    first = rows[0]
    record = granted[21000101]
    assert first == {
        "nomAttribuant": "Préfecture de l'Ain",
        "idAttribuant": TEST_SIRET,
        "dateConvention": "2021-11-29",
        "referenceDecision": "01-2021-101",
        "nomBeneficiaire": record.beneficiary_name,
        "idBeneficiaire": "21010005300011",
        "rnaBeneficiaire": "",
        "objet": "France Relance, transformation numérique des collectivités : Portail citoyen de démarches en ligne",
        "montant": "19200.00",
        "nature": "aide en numéraire",
        "conditionsVersement": "échelonné",
        "datesPeriodeVersement": "2021-11-29/2023-06-30",
        "idRAE": "",
        "notificationUE": "non",
        "pourcentageSubvention": "1.00",
        "dispositifAide": "",
    }


def test_the_validation_catches_a_wrong_value(csv_path: Path, tmp_path: Path) -> None:
    """The check bites: a date in French order and a yes/no in full are refused by the schema."""
    text = csv_path.read_text(encoding="utf-8")
    broken = tmp_path / "abime.csv"
    broken.write_text(
        text.replace("2021-11-29/2023-06-30", "29/11/2021", 1).replace(",non,", ",peut-être,", 1), encoding="utf-8"
    )
    errors = validate(broken)
    assert [e[1] for e in errors] == ["datesPeriodeVersement", "notificationUE"]


def test_payments_recorded_give_the_payment_period(
    records: list[DecisionRecord], settings: DocumentSettings, reglement_ain: Reglement
) -> None:
    from datetime import date

    record = dataclasses.replace(
        next(r for r in records if r.granted),
        payments=(
            Payment("avance", Decimal("5000"), date(2022, 1, 10)),
            Payment("solde", Decimal("100"), date(2022, 11, 3)),
        ),
    )
    (row,) = scdl_rows([record], settings, reglement_ain)
    assert row["datesPeriodeVersement"] == "2022-01-10/2022-11-03"


def test_a_long_title_is_cut_to_the_schema_limit(
    records: list[DecisionRecord], settings: DocumentSettings, reglement_ain: Reglement
) -> None:
    record = dataclasses.replace(next(r for r in records if r.granted), project_title="Portail " * 60)
    (row,) = scdl_rows([record], settings, reglement_ain)
    assert len(row["objet"]) == 256 and row["objet"].endswith("…")


def test_the_threshold_leaves_small_grants_out(
    records: list[DecisionRecord], settings: DocumentSettings, reglement_ain: Reglement
) -> None:
    above = scdl_rows(records, dataclasses.replace(settings, publication_threshold=Decimal("23000")), reglement_ain)
    assert {row["nomBeneficiaire"] for row in above} == {
        r.beneficiary_name for r in records if r.granted and r.amount > 23000
    }


def test_no_publication_without_the_prefecture_siret(
    records: list[DecisionRecord], settings: DocumentSettings, reglement_ain: Reglement
) -> None:
    with pytest.raises(PublicationError, match=r"SIRET de l'attribuant manquant : renseignez attribuant\.siret"):
        scdl_rows(records, dataclasses.replace(settings, grantor_siret=None), reglement_ain)
