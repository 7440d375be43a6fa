"""The règlement: the default file loads and quotes the call word for word; every bad file is refused
with a message naming the file, the key and what is wrong (one file per failure mode)."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from tests.conftest import ROOT
from xlplugin.rules import ReglementError, default_reglement, load_reglement
from xlplugin.rules.reglement import parse_reglement

INVALID = Path(__file__).parent / "reglements-invalides"

# file → (JSON pointer named in the message, words of the message)
FAILURES = {
    "pas-du-json.json": ("/", "JSON invalide (ligne 3"),
    "cle-en-double.json": ("/", "« identifiant » est écrite deux fois"),
    "cle-manquante.json": ("/", "« enveloppe » est obligatoire"),
    "cle-inconnue.json": ("/", "clé inconnue « enveloppes »"),
    "montant-en-nombre.json": ("/enveloppe/montant", "devrait être un texte"),
    "sources-manquantes.json": ("/calendrier", "« sources » est obligatoire"),
    "citation-manquante.json": ("/enveloppe/sources/0", "« citation » est obligatoire"),
    "poids-pas-100.json": ("/criteres/liste", "font 95 au lieu de 100"),
    "tranches-desordre.json": ("/taux/tranches/1/population_max", "population croissante"),
    "derniere-tranche-bornee.json": ("/taux/tranches/3/population_max", "sans limite (null)"),
    "taux-superieur-a-1.json": ("/taux/tranches/0/taux", '"0.80" pour 80 %'),
    "taux-au-dessus-du-maximum.json": ("/taux/tranches/0/taux", "dépasse le taux maximum 0.90"),
    "mode-inconnu.json": ("/repartition/mode", 'valeurs possibles : "ordre", "proportionnel"'),
    "facteur-inconnu.json": ("/taux/modulations/1/facteur", '"couleur_du_logo" n\'est pas permise'),
    "seuil-manquant.json": ("/taux/modulations/0", "« seuil » est obligatoire"),
    "dates-inversees.json": ("/calendrier/debut_au_plus_tard", "postérieure à la date limite de fin"),
    "date-invalide.json": ("/calendrier/fin_au_plus_tard", "une date AAAA-MM-JJ"),
    "code-en-double.json": ("/depenses/natures/1/code", "« prestation » figure deux fois"),
    "echelle-libelles.json": ("/criteres/liste/0/echelle/libelles", "un libellé par note de 0 à 3"),
    "echelle-sur-critere-factuel.json": ("/criteres/liste/2", "n'a pas de sens ici"),
    "aucun-porteur-eligible.json": ("/porteurs/types", "aucun type de porteur n'est éligible"),
    "enveloppe-nulle.json": ("/enveloppe/montant", "l'enveloppe doit être positive"),
    "departage-sans-numero.json": ("/repartition/departage", 'doit contenir "numero"'),
    "arrondi-vers-le-haut.json": ("/arrondi/sens", 'valeurs possibles : "inferieur"'),
    "source-pour-inconnue.json": ("/plafonds/sources/0/pour", "« par_projet » n'est pas une clé de « plafonds »"),
}


def test_every_invalid_file_has_its_expected_message():
    assert sorted(p.name for p in INVALID.glob("*.json")) == sorted(FAILURES)


@pytest.mark.parametrize("name", sorted(FAILURES))
def test_a_bad_reglement_is_refused_naming_the_file_the_key_and_the_fault(name):
    pointer, words = FAILURES[name]
    with pytest.raises(ReglementError) as caught:
        load_reglement(INVALID / name)
    message = str(caught.value)
    assert name in message
    assert f"à « {pointer} »" in message
    assert words in message


def test_a_missing_reglement_file_is_named():
    with pytest.raises(ReglementError, match="introuvable"):
        load_reglement(INVALID / "absent.json")


def test_the_default_reglement_holds_the_numbers_of_the_call():
    r = load_reglement()
    assert r.envelope == Decimal("297000.00")
    assert r.departement_code == "01"
    assert [k.code for k in r.project_kinds] == [
        "service_en_ligne",
        "formation_inclusion",
        "relation_usagers",
        "laboratoire_innovation",
    ]
    assert {n.code for n in r.expense_natures if n.excluded} == {"personnel", "equipement_agents"}
    assert (str(r.latest_start), str(r.latest_end)) == ("2021-12-31", "2022-12-31")
    assert {t.code for t in r.applicant_types if t.eligible} == {"commune", "epci_fp", "syndicat"}
    assert r.max_rate == 1 and r.bands[0].rate == 1
    assert sum(c.weight for c in r.criteria) == 100


def test_the_form_labels_are_those_of_the_demarche():
    form = (ROOT / "xlplugin" / "data" / "appel-a-projets-ain.txt").read_text(encoding="utf-8")
    assert "297" in form  # the shipped copy of the call is the one the règlement quotes
    r = load_reglement()
    assert r.nature("equipement_agents").label == "Équipement informatique des agents"
    assert r.project_kind("relation_usagers").label == "Relation avec les usagers (offre omnicanale)"


def _spaces(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ").replace("\u202f", " "))


def test_every_quotation_of_the_call_is_word_for_word():
    call = _spaces((ROOT / "xlplugin" / "data" / "appel-a-projets-ain.txt").read_text(encoding="utf-8"))
    r = load_reglement()
    quotations = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if node.get("type") == "appel":
                quotations.append(node["citation"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(r.document)
    assert len(quotations) >= 10
    for quotation in quotations:
        assert _spaces(quotation) in call, quotation


def test_every_block_says_where_its_numbers_come_from():
    r = load_reglement()
    for block in (
        "enveloppe",
        "departement",
        "porteurs",
        "axes",
        "depenses",
        "calendrier",
        "taux",
        "plafonds",
        "arrondi",
        "repartition",
    ):
        assert r.sources(block), block
    assert all(c.sources for c in r.criteria)
    # Weights of the criteria are not in the call: each criterion says they are a local choice.
    assert all(any(s.is_local_choice for s in c.sources) for c in r.criteria)


def test_the_shipped_reglement_passes_every_check():
    """The shipped règlement is read without its checks at each start of a command: they run here."""
    text = (ROOT / "xlplugin" / "data" / "reglement-ain-2021.json").read_text(encoding="utf-8")
    assert parse_reglement(text, "shipped") == default_reglement()


def test_a_source_that_says_whose_it_is_goes_with_that_value_only():
    # The « Paramètres » sheet gave « Plafond par dossier » the CGCT's 20 % and the participation the local choice
    # of 50 000 € (found by a reader of the guide): each value of « plafonds » now has its own.
    r = load_reglement()
    assert [s.kind for s in r.sources("plafonds", "par_dossier")] == ["choix_local"]
    assert [s.kind for s in r.sources("plafonds", "participation_minimale_maitre_ouvrage")] == ["loi"]
    assert len(r.sources("plafonds")) == 2
