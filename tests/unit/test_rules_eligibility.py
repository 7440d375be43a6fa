"""One test per eligibility rule of the call (« A qui s'adresse le guichet », « Quels projets », dates)."""

from __future__ import annotations

import pytest

from tests.conftest import dossier_doc
from xlplugin.rules import evaluate, read_dossier

AIN_SYNDICAT_SIRET = "25000101300011"  # Luhn-valid, not in the reference: a syndicat must give its seat


def codes(ev):  # type: ignore[no-untyped-def]
    return [r.code for r in ev.reasons]


def warning_codes(ev):  # type: ignore[no-untyped-def]
    return [w.code for w in ev.warnings]


# « Les structures pouvant candidater sont les communes et les établissements publics de coopération
# intercommunales (EPCI). »


def test_a_commune_of_the_ain_may_apply(make):
    ev = evaluate(make())
    assert ev.eligible and codes(ev) == []


def test_an_epci_of_the_ain_may_apply(make):
    porteur = {"type": "epci_fp", "nom": "CA du Pays de Gex", "siret": "24010075000019", "code_insee": None}
    ev = evaluate(make(porteur=porteur))
    assert ev.eligible
    assert ev.population.value == 96535  # the EPCI's population, found by its SIREN


def test_a_syndicat_de_communes_is_an_epci_and_may_apply(make):
    porteur = {"type": "syndicat", "nom": "SIVU", "siret": AIN_SYNDICAT_SIRET, "code_insee": "01034", "population": 900}
    assert evaluate(make(porteur=porteur)).eligible


@pytest.mark.parametrize("kind", ["association", "departement", "autre"])
def test_only_communes_and_epci_may_apply(make, kind):
    ev = evaluate(make(porteur={"type": kind}))
    assert codes(ev) == ["PORTEUR_NON_ELIGIBLE"]
    assert "commune" in ev.reasons[0].message
    assert ev.granted == 0


# « 297 000 € sont dédiés aux collectivités territoriales au sein département de l'Ain. »


def test_a_commune_outside_the_ain_is_refused(make):
    ev = evaluate(make(porteur={"code_insee": "69123", "siret": "21690123100011"}))
    assert codes(ev) == ["HORS_DEPARTEMENT"]


def test_an_epci_seated_outside_with_few_members_in_the_ain_is_refused(make):
    # CC Usses et Rhône: 3 of its 26 communes are in the Ain.
    porteur = {"type": "epci_fp", "nom": "CC Usses et Rhône", "siret": "20007085200013", "code_insee": None}
    assert codes(evaluate(make(porteur=porteur))) == ["HORS_DEPARTEMENT"]


def test_a_commune_known_by_its_siret_alone_is_placed_by_its_siren(make):
    assert evaluate(make(porteur={"code_insee": None})).eligible


def test_an_unknown_seat_is_reported_rather_than_guessed(make):
    porteur = {"type": "syndicat", "siret": AIN_SYNDICAT_SIRET, "code_insee": None, "population": 900}
    ev = evaluate(make(porteur=porteur))
    assert codes(ev) == ["HORS_DEPARTEMENT"]
    assert "code INSEE" in ev.reasons[0].message


# « Les porteurs peuvent candidater dans le cadre d'un projet commun à plusieurs structures […] L'un des
# acteurs doit être identifié comme contact opérationnel pour l'ensemble du projet. »

PARTNER = {"nom": "Commune de Certines", "type": "commune", "siret": "21010069900011"}
CONTACT = {"nom": "Claire Martin", "courriel": "c.martin@example.fr", "structure": "Mairie"}


def test_a_joint_project_with_communes_and_a_contact_may_apply(make):
    ev = evaluate(make(projet_commun=True, partenaires=[PARTNER], contact_operationnel=CONTACT))
    assert ev.eligible


def test_every_partner_must_be_a_commune_or_an_epci(make):
    association = {"nom": "Les Amis du Numérique", "type": "association", "population": 0}
    ev = evaluate(make(projet_commun=True, partenaires=[PARTNER, association], contact_operationnel=CONTACT))
    assert codes(ev) == ["PARTENAIRE_NON_ELIGIBLE"]
    assert "Les Amis du Numérique" in ev.reasons[0].message


@pytest.mark.parametrize("contact", [None, {"nom": " ", "courriel": ""}])
def test_a_joint_project_needs_an_operational_contact(make, contact):
    changes = {"projet_commun": True, "partenaires": [PARTNER]}
    if contact is not None:
        changes["contact_operationnel"] = contact
    assert codes(evaluate(make(**changes))) == ["CONTACT_OPERATIONNEL_MANQUANT"]


def test_a_single_applicant_needs_no_operational_contact(make):
    assert evaluate(make()).eligible


# « Peuvent être soutenus, via ce fonds déconcentré : » four kinds of project.


@pytest.mark.parametrize(
    "kind", ["service_en_ligne", "formation_inclusion", "relation_usagers", "laboratoire_innovation"]
)
def test_each_of_the_four_kinds_of_the_call_is_eligible(make, kind):
    assert evaluate(make(projet={"axes": [kind]})).eligible


@pytest.mark.parametrize("kinds", [[], ["autre"]])
def test_a_project_outside_the_four_kinds_is_refused(make, kinds):
    assert codes(evaluate(make(projet={"axes": kinds}))) == ["PROJET_HORS_AXES"]


def test_autre_beside_a_kind_of_the_call_is_eligible(make):
    assert evaluate(make(projet={"axes": ["autre", "relation_usagers"]})).eligible


# « démarrage au 31 décembre 2021 et mise en œuvre au plus tard au 31/12/2022 »


def test_a_project_starting_on_31_december_2021_is_in_time(make):
    assert evaluate(make(projet={"date_debut": "2021-12-31"})).eligible


def test_a_project_starting_in_2022_is_late(make):
    ev = evaluate(make(projet={"date_debut": "2022-01-01"}))
    assert codes(ev) == ["DEBUT_TARDIF"]
    assert "01/01/2022" in ev.reasons[0].message


# Décret n° 2018-514, art. 5, II: « Aucun commencement d'exécution du projet ne peut être opéré avant la date de
# réception de la demande de subvention. » (the call allows no exception)


def test_a_project_that_starts_before_its_application_was_received_is_ineligible(make, reglement):
    from xlplugin.rules.grounds import motif_ground

    ev = evaluate(make(date_depot="2021-10-11T09:00:00+02:00", projet={"date_debut": "2021-10-01"}))
    assert codes(ev) == ["DEBUT_AVANT_DEPOT"]
    assert "01/10/2021" in ev.reasons[0].message and "11/10/2021" in ev.reasons[0].message
    assert "art. 5, II" in motif_ground("DEBUT_AVANT_DEPOT", reglement)


def test_a_project_that_starts_on_the_day_its_application_was_received_is_in_time(make):
    assert evaluate(make(date_depot="2021-10-01T17:30:00+02:00", projet={"date_debut": "2021-10-01"})).eligible


def test_a_project_done_on_31_december_2022_is_in_time(make):
    assert evaluate(make(projet={"date_fin": "2022-12-31"})).eligible


def test_a_project_done_in_2023_is_late(make):
    assert codes(evaluate(make(projet={"date_fin": "2023-01-01"}))) == ["FIN_TARDIVE"]


# « Les dépenses de personnel et les achats d'équipements informatiques pour les agents sont exclus »

STAFF = {"libelle": "Chef de projet", "nature": "personnel", "montant_ht": "3000.00"}
LAPTOPS = {
    "libelle": "Portables",
    "nature": "equipement_agents",
    "montant_ht": "2000.00",
    "departement_prestataire": "69",
}


def test_personnel_and_agents_equipment_are_taken_out_of_the_assiette(make):
    line = dossier_doc()["depenses"][0]
    ev = evaluate(make(depenses=[line, STAFF, LAPTOPS], cout_total="15000.00"))
    assert ev.eligible
    assert ev.cost.total == 10000
    assert ev.cost.excluded_total == 5000
    assert "DEPENSES_EXCLUES_RETIREES" in warning_codes(ev)


def test_a_dossier_of_excluded_expenses_only_has_a_null_assiette(make):
    ev = evaluate(make(depenses=[STAFF, LAPTOPS], cout_total="5000.00"))
    assert codes(ev) == ["ASSIETTE_NULLE"]


def test_a_dossier_without_expenses_has_a_null_assiette(make):
    assert codes(evaluate(make(depenses=[], cout_total="0"))) == ["ASSIETTE_NULLE"]


def test_every_motif_is_reported_not_only_the_first(make):
    ev = evaluate(make(porteur={"type": "association"}, projet={"axes": [], "date_debut": "2022-02-01"}))
    assert codes(ev) == ["PORTEUR_NON_ELIGIBLE", "PROJET_HORS_AXES", "DEBUT_TARDIF"]


def test_a_declared_total_that_differs_from_the_lines_is_flagged(make):
    ev = evaluate(make(cout_total="12000.00"))
    assert ev.eligible and "COUT_TOTAL_DIFFERENT" in warning_codes(ev)


def test_a_dossier_whose_end_precedes_its_start_is_refused_at_reading(reglement):
    from xlplugin.rules import DossierError

    with pytest.raises(DossierError) as caught:
        read_dossier(dossier_doc(projet={"date_debut": "2022-05-01", "date_fin": "2022-01-01"}), reglement)
    assert caught.value.problems[0].pointer == "/projet/date_fin"
