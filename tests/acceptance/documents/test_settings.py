"""The office's settings for the documents (proposed « documents » block of the règlement): the shipped file,
and bad values refused with a French message naming the key."""

from __future__ import annotations

import copy
import dataclasses
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from xlplugin.documents import (
    DocumentSettingsError,
    default_document_settings,
    load_document_settings,
    parse_document_settings,
    settings_from_reglement,
)
from xlplugin.documents.models import default_models_folder
from xlplugin.rules import Reglement


def shipped() -> dict[str, Any]:
    text = default_models_folder().joinpath("parametres-documents.json").read_text(encoding="utf-8")
    return dict(json.loads(text))


def test_the_shipped_settings() -> None:
    settings = default_document_settings()
    assert settings.grantor_name == "Préfecture de l'Ain" and settings.grantor_siret is None
    assert settings.signatory_name == ""  # the office fills it in: documents are refused without it
    assert settings.proof_months == 6  # the ceilings of the payments are the règlement's (« versement »)
    assert settings.convention is False and settings.court == "tribunal administratif de Lyon"
    assert settings.service_email == "pref-subventions@ain.gouv.fr"


def test_every_block_cites_its_sources() -> None:
    for block, content in shipped().items():
        kinds = {source["type"] for source in content["sources"]}
        assert kinds <= {"appel", "loi", "choix_local"}, block
        assert kinds, block


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("attribuant", "siret", "12345678901234"), "attribuant.siret « 12345678901234 » n'est pas un SIRET valide"),
        (("convention", "seuil", "beaucoup"), "convention.seuil « beaucoup » n'est pas un montant"),
        (("convention", "seuil", 23000), "convention.seuil doit être un montant écrit comme texte"),
        (
            ("versement", "delai_justificatifs_mois", 100),
            "versement.delai_justificatifs_mois doit être un nombre de mois",
        ),
        (("convention", "utiliser", "oui"), "convention.utiliser doit valoir true ou false"),
        (("signataire", "qualite", ""), "signataire.qualite est vide ; renseignez-le"),
        (("publication", "nature", "chèque"), "publication.nature « chèque » : valeurs permises"),
    ],
)
def test_a_bad_value_is_named(change: tuple[str, str, object], message: str) -> None:
    document = copy.deepcopy(shipped())
    block, key, value = change
    document[block][key] = value
    with pytest.raises(DocumentSettingsError) as caught:
        parse_document_settings(document, "paramètres.json")
    assert message in str(caught.value) and "paramètres.json" in str(caught.value)


def test_missing_blocks_and_sources_are_named_once() -> None:
    document = copy.deepcopy(shipped())
    del document["recours"]
    del document["service"]["sources"]
    with pytest.raises(DocumentSettingsError) as caught:
        parse_document_settings(document, "p.json")
    assert caught.value.problems.count("bloc « recours » manquant ; recopiez-le depuis le fichier livré") == 1
    assert caught.value.problems.count("service : sources manquantes ; citez le texte ou indiquez un choix local") == 1


def test_a_settings_file(tmp_path: Path) -> None:
    document = shipped()
    document["signataire"]["nom"] = "Camille Exemple"
    path = tmp_path / "parametres.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    assert load_document_settings(path).signatory_name == "Camille Exemple"
    path.write_text("{ pas du json", encoding="utf-8")
    with pytest.raises(DocumentSettingsError, match="JSON mal formé ligne 1"):
        load_document_settings(path)
    with pytest.raises(DocumentSettingsError, match="introuvable"):
        load_document_settings(tmp_path / "absent.json")


def test_the_reglement_block_wins_over_the_shipped_file(reglement_ain: Reglement) -> None:
    assert settings_from_reglement(reglement_ain) == default_document_settings()
    document = copy.deepcopy(reglement_ain.document)
    block = shipped()
    block["convention"]["utiliser"] = True
    document["documents"] = block
    with_block = dataclasses.replace(reglement_ain, document=document)
    settings = settings_from_reglement(with_block)
    assert settings.convention is True and "clé « documents »" in settings.origin


def test_a_convention_threshold() -> None:
    document = shipped()
    document["convention"].update(utiliser=True, seuil="23000.00")
    settings = parse_document_settings(document, "p.json")
    assert not settings.wants_convention(Decimal("23000")) and settings.wants_convention(Decimal("23000.01"))


def test_the_proposed_reglement_block_schema_accepts_the_shipped_settings() -> None:
    """schemas/documents.schema.json is the « documents » property proposed for the règlement's schema."""
    import jsonschema

    root = Path(__file__).resolve().parents[3]
    schema = json.loads((root / "schemas" / "documents.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    assert list(validator.iter_errors(shipped())) == []
    bad = copy.deepcopy(shipped())
    bad["publication"]["seuil"] = "23 000"
    del bad["recours"]
    assert {e.validator for e in validator.iter_errors(bad)} == {"pattern", "required"}


def test_the_demo_settings_are_the_shipped_ones_with_a_fictitious_signatory() -> None:
    root = Path(__file__).resolve().parents[3]
    shipped = json.loads((root / "templates/documents/parametres-documents.json").read_text(encoding="utf-8"))
    demo = json.loads((root / "examples/parametres-documents-demo.json").read_text(encoding="utf-8"))
    assert demo["signataire"]["nom"] and not shipped["signataire"]["nom"]
    demo["signataire"]["nom"] = ""
    demo["signataire"]["sources"] = demo["signataire"]["sources"][:-1]
    for block, key in (("imputation", "texte"), ("comptable", "assignataire")):  # demonstration values, said so
        assert demo[block][key] and not shipped[block][key] and "émonstration" in demo[block]["sources"][-1]["note"]
        demo[block][key] = ""
        demo[block]["sources"] = demo[block]["sources"][:-1]
    assert demo == shipped
