"""The readers of received files: JSON of the API and the XLSX/CSV exports give the same dossier; champs are
found by label or by champDescriptorId; the export's values are converted as an agent would expect."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from batch.cli import main
from xlplugin.intake.form import default_form
from xlplugin.intake.mapping import Mapper, converter, split_choices
from xlplugin.intake.pipeline import Validator
from xlplugin.intake.reader import read_file
from xlplugin.intake.texts import formula_like
from xlplugin.rules import default_reglement
from xlplugin.rules.labels import normalize_label

CORPUS = Path(__file__).parent / "received"
XLSX = CORPUS / "valid" / "export-instructeur.xlsx"
JSONS = [CORPUS / "valid" / f"dossier-1100010{i}.json" for i in (1, 2, 3)] + [CORPUS / "valid" / "page-demarche.json"]


def documents(paths):  # type: ignore[no-untyped-def]
    validator = Validator(default_reglement())
    return {d.numero: d.document for p in paths for d in validator.validate_file(p).dossiers}


def test_the_xlsx_export_gives_the_same_dossiers_as_the_api_json():
    from_xlsx = documents([XLSX])
    from_json = documents(JSONS)
    assert sorted(from_xlsx) == sorted(from_json) == [11000101, 11000102, 11000103, 11000104, 11000105]
    # The API gives the version of each dossier (when its champs last changed); an export does not.
    versions = {n: doc.pop("version_ds") for n, doc in from_json.items()}
    assert all(versions.values()) and not any("version_ds" in doc for doc in from_xlsx.values())
    # and the postal address of the depositor's establishment, for the letters
    addresses = {n: doc["porteur"].pop("adresse") for n, doc in from_json.items()}
    assert addresses[11000101] == "Place de la Mairie, 01000 Ambérieux-en-Dombes"
    assert not any("adresse" in doc["porteur"] for doc in from_xlsx.values())
    assert from_xlsx == from_json


def test_the_xlsx_export_gives_the_same_evaluations_as_the_api_json():
    runner = CliRunner()
    from_xlsx = runner.invoke(main, ["evaluate", "--format", "json", str(XLSX)])
    from_json = runner.invoke(main, ["evaluate", "--format", "json", *map(str, JSONS)])
    assert from_xlsx.exit_code == from_json.exit_code == 0
    assert json.loads(from_xlsx.stdout) == json.loads(from_json.stdout)


def test_the_evaluation_matches_the_forms_content():
    doc = documents([CORPUS / "valid" / "dossier-11000102.json"])[11000102]
    assert doc["porteur"] == {
        "type": "epci_fp",
        "code_insee": "01053",
        "nb_agents": 420,
        "siret": "20004293500011",
        "nom": "CA HAUT - BUGEY AGGLOMÉRATION",
        "adresse": "Place de la Mairie, 01000 Bourg-en-Bresse",  # the SIRET's establishment, as DS gives it
    }
    assert doc["projet"]["axes"] == ["formation_inclusion"]
    assert [line["nature"] for line in doc["depenses"]] == ["prestation", "personnel", "equipement_agents", "formation"]
    assert doc["depenses"][2] == {
        "libelle": "Ordinateurs portables agents",
        "nature": "equipement_agents",
        "montant_ht": "7400.00",
        "prestataire": "Distrib IT",
        "departement_prestataire": "69",
    }
    assert doc["cout_total"] == "33900.00"
    joint = documents([CORPUS / "valid" / "dossier-11000103.json"])[11000103]
    assert [p["siret"] for p in joint["partenaires"]] == ["21010069900011", "21010065700019"]
    assert joint["contact_operationnel"]["nom"] == "Claire Martin"


@pytest.mark.parametrize("name", ["export-semicolon-bom.csv", "export-comma.csv", "export-cp1252.csv"])
def test_the_csv_export_is_read_in_each_of_its_dialects(name):
    read = read_file(CORPUS / "invalid-dossiers" / name, default_form())
    mapper = Mapper(default_form(), default_reglement())
    mapped = {raw.numero: mapper.map(raw) for raw in read.raw}
    assert sorted(mapped) == [11000101, 11000102, 11000103, 11000104, 11000105]
    first = mapped[11000101]
    assert {i.code for i in first.issues if i.severity == "erreur"} == {"DEPENSES_ABSENTES"}
    raw = next(r for r in read.raw if r.numero == 11000101)
    assert raw.applicant.siret == "21010005300011"
    assert raw.applicant.code_insee == "01005"
    assert raw.submitted_at.isoformat() == "2021-09-14T10:42:00+02:00"


def test_labels_compare_without_case_accents_apostrophes_or_spaces():
    assert normalize_label("Date de fin de mise en œuvre") == normalize_label("  DATE de fin de  mise en oeuvre")
    assert normalize_label("Nombre d’agents de la structure") == normalize_label("Nombre d'agents de la structure")
    assert normalize_label("Contact opérationnel – courriel") == normalize_label("contact operationnel - courriel")


def test_a_champ_is_found_by_its_descriptor_id_when_the_form_says_so(tmp_path):
    form = default_form()
    spec = form.find("Intitulé du projet")
    with_id = replace(
        form, champs=tuple(replace(c, descriptor_id="Q2hhbXAtNDEwMDIwOA==") if c == spec else c for c in form.champs)
    )
    text = (CORPUS / "valid" / "dossier-11000101.json").read_text(encoding="utf-8")
    renamed = tmp_path / "renamed.json"
    renamed.write_text(text.replace('"label": "Intitulé du projet"', '"label": "Titre de votre projet"'), "utf-8")
    (by_label,) = Validator(default_reglement()).validate_file(renamed).dossiers
    assert "CHAMP_INCONNU" in {i.code for i in by_label.warnings}
    assert not by_label.valid
    by_id = Validator(default_reglement(), form=with_id).validate_file(renamed)
    assert by_id.complete
    assert by_id.dossiers[0].document["projet"]["intitule"] == "Projet numérique 11000101"


def test_the_exports_joined_choices_are_split_by_the_known_labels():
    kinds = [k.label for k in default_reglement().project_kinds] + ["Autre"]
    joined = (
        "Service en ligne, dématérialisation ou accompagnement des agents aux outils numériques, "
        "Relation avec les usagers (offre omnicanale)"
    )
    assert split_choices(joined, kinds) == [kinds[0], kinds[2]]
    assert split_choices(["Autre"], kinds) == ["Autre"]
    assert split_choices("Cuisine, Autre", kinds) == ["Cuisine", "Autre"]


@pytest.mark.parametrize(
    ("typename", "value", "expected"),
    [
        ("DecimalNumberChamp", 19200.5, "19200.50"),
        ("DecimalNumberChamp", "12 400,5", "12400.50"),
        ("DecimalNumberChamp", Decimal("6800.50"), "6800.50"),
        ("IntegerNumberChamp", "420", 420),
        ("IntegerNumberChamp", 12.0, 12),
        ("YesNoChamp", "Oui", True),
        ("YesNoChamp", "non", False),
        ("YesNoChamp", False, False),
        ("CheckboxChamp", "on", True),
        ("DepartementChamp", "01 - Ain", "01"),
        ("CommuneChamp", 1004, "01004"),
        ("DateChamp", "2021-10-01", "2021-10-01"),
        ("DateChamp", "01/10/2021", "2021-10-01"),
        ("TextChamp", "", None),
    ],
)
def test_values_are_converted_as_agents_have_them(typename, value, expected):
    assert converter(typename)(value) == expected


@pytest.mark.parametrize("value", [0.001, "abc", -5, "1e400", float("nan")])
def test_an_impossible_amount_is_refused(value):
    from xlplugin.intake.mapping import _Invalid

    with pytest.raises(_Invalid):
        converter("DecimalNumberChamp")(value)


@pytest.mark.parametrize(
    ("text", "formula"),
    [
        ("=1+1", True),
        ("+33 1 23", True),
        ("-2+3", True),
        ("@SUM(A1)", True),
        ("- portail", False),
        ("Portail", False),
        ("", False),
        ("-", False),
    ],
)
def test_formula_like_text(text, formula):
    assert formula_like(text) is formula


def test_two_copies_that_differ_by_their_version_only_are_one_dossier_the_latest_kept(tmp_path):
    # A dossier changed then changed back on démarches-simplifiées: the same content, another version. It counts
    # once (a warning, not « versions différentes »), and the import keeps the latest version, which a decision
    # is then checked against.
    import json

    from xlplugin.intake.pipeline import flag_duplicates, usable_dossiers

    doc = json.loads((CORPUS / "valid" / "dossier-11000101.json").read_text(encoding="utf-8"))
    later = dict(doc, dateDerniereModificationChamps="2021-10-02T09:00:00+02:00")
    for name, content in (("b.json", doc), ("a.json", later)):  # the later one read first, then the earlier
        (tmp_path / name).write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")
    validator = Validator(default_reglement())
    results = [validator.validate_file(tmp_path / name) for name in ("a.json", "b.json")]
    flag_duplicates(results)
    assert all(d.valid and {i.code for i in d.issues} == {"DOSSIER_EN_DOUBLE"} for r in results for d in r.dossiers)
    (kept,) = usable_dossiers(results)
    assert kept.ds_version == "2021-10-02T09:00:00+02:00"
    (kept,) = usable_dossiers(list(reversed(results)))
    assert kept.ds_version == "2021-10-02T09:00:00+02:00"


def test_a_version_without_its_offset_is_no_version_and_no_reason_to_refuse(tmp_path):
    import json

    doc = json.loads((CORPUS / "valid" / "dossier-11000101.json").read_text(encoding="utf-8"))
    for text, version in (
        ("2021-09-14T10:42:17", None),
        ("n'importe quoi", None),
        ("2021-09-14T08:42:17Z", "2021-09-14T08:42:17+00:00"),
    ):
        doc["dateDerniereModificationChamps"] = text
        (tmp_path / "d.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
        (checked,) = Validator(default_reglement()).validate_file(tmp_path / "d.json").dossiers
        assert checked.valid and checked.dossier is not None, checked.issues
        assert checked.dossier.ds_version == version
