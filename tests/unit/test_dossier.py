"""The dossier's JSON form: checked against its schema, its identifiers and the règlement, with French
messages that point at the field; and written back unchanged."""

from __future__ import annotations

import json

import pytest

from tests.conftest import EXAMPLES, dossier_doc
from xlplugin.rules import DossierError, dossier_to_json, read_dossier
from xlplugin.rules.identifiers import IdentifierError, commune_siren, normalize_insee, validate_siren


def problems(reglement, doc):  # type: ignore[no-untyped-def]
    with pytest.raises(DossierError) as caught:
        read_dossier(doc, reglement)
    return {p.pointer: p.message for p in caught.value.problems}


def test_every_problem_of_a_dossier_is_reported_with_its_pointer(reglement):
    doc = dossier_doc(cout_total=-5, projet={"date_debut": "01/10/2021"}, porteur={"type": "mairie"})
    doc.pop("montant_sollicite")
    found = problems(reglement, doc)
    assert set(found) == {"", "/cout_total", "/projet/date_debut", "/porteur/type"}
    assert "« montant_sollicite » est obligatoire" in found[""]
    assert "AAAA-MM-JJ" in found["/projet/date_debut"]
    assert "valeurs possibles" in found["/porteur/type"]


def test_a_siret_with_a_wrong_check_digit_is_refused(reglement):
    found = problems(reglement, dossier_doc(porteur={"siret": "21010005300012"}))
    assert "clé de contrôle" in found["/porteur/siret"]


def test_codes_unknown_to_the_reglement_are_refused(reglement):
    doc = dossier_doc(projet={"axes": ["cuisine"]})
    doc["depenses"][0]["nature"] = "voyage"
    found = problems(reglement, doc)
    assert "inconnu du règlement" in found["/projet/axes/0"]
    assert "inconnue du règlement" in found["/depenses/0/nature"]


def test_a_float_amount_never_becomes_money():
    from xlplugin.rules.money import to_decimal

    with pytest.raises(TypeError):
        to_decimal(0.1)
    assert str(to_decimal("12 400,50")) == "12400.50"


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.json")), ids=lambda p: p.stem)
def test_an_example_dossier_reads_and_writes_back_the_same(reglement, path):
    doc = json.loads(path.read_text(encoding="utf-8"))
    dossier = read_dossier(doc, reglement)
    assert read_dossier(dossier_to_json(dossier), reglement) == dossier


def test_codes_insee_that_lost_their_leading_zero_are_restored():
    assert normalize_insee(1004) == "01004"
    assert normalize_insee(1004.0) == "01004"
    assert normalize_insee(" 2a004 ") == "2A004"
    with pytest.raises(IdentifierError):
        normalize_insee("1004x")


def test_a_communes_siren_follows_insee_numbering():
    assert commune_siren("01004") == "210100046"
    assert validate_siren("210100046") == "210100046"


@pytest.mark.parametrize("junk", ["", "abc", "1" * 20, None, 3.5, True, [], "2101000530001", "2101000530001x"])
def test_the_identifier_checks_refuse_junk_with_a_french_message(junk):
    from xlplugin.rules.identifiers import validate_siret

    with pytest.raises(IdentifierError, match="invalide"):
        validate_siret(junk)
