"""The funding rate (« Le taux de financement accordé par l'État pourra être modulé… ») and the amount."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.conftest import dossier_doc
from xlplugin.rules import evaluate

D = Decimal
INVESTMENT_LINE = {
    "libelle": "Logiciel",
    "nature": "logiciel",
    "montant_ht": "10000.00",
    "departement_prestataire": "01",
}


def warning_codes(ev):  # type: ignore[no-untyped-def]
    return [w.code for w in ev.warnings]


# « Les projets pourront être financés à 100 % pour les petites collectivités. »


def test_a_small_commune_is_funded_at_100_percent(make):
    ev = evaluate(make())
    assert ev.rate.value == D("1.00")
    assert ev.granted == D("10000")


@pytest.mark.parametrize(
    ("population", "rate"),
    [(0, "1.00"), (3499, "1.00"), (3500, "0.80"), (9999, "0.80"), (10000, "0.60"), (49999, "0.60"), (50000, "0.50")],
)
def test_the_base_rate_follows_the_population_band(make, population, rate):
    ev = evaluate(make(porteur={"population": population}))
    assert ev.rate.band.rate == D(rate)
    assert ev.rate.value == D(rate)


@pytest.mark.parametrize(
    ("changes", "code", "points"),
    [
        ({"projet": {"demarche_participative": True}}, "demarche_participative", "0.05"),
        ({"projet": {"laboratoire_innovation": True}}, "caractere_innovant", "0.05"),
        ({"projet": {"usagers_beneficiaires": 6000}}, "usagers_beneficiaires", "0.05"),
        (
            {
                "projet_commun": True,
                "partenaires": [{"nom": "Commune X", "type": "commune", "population": 10}],
                "contact_operationnel": {"nom": "A. B."},
            },
            "gouvernance",
            "0.10",
        ),
        (
            {
                "depenses": [{"libelle": "Gros projet", "nature": "formation", "montant_ht": "150000.00"}],
                "cout_total": "150000.00",
                "montant_sollicite": "150000.00",
            },
            "cout_global",
            "-0.10",
        ),
    ],
)
def test_each_factor_of_the_call_modulates_the_rate(make, changes, code, points):
    # Bourg-en-Bresse-sized population (60 % band) so that the modulation shows below the maximum.
    ev = evaluate(make(porteur={"population": 12000}, **changes))
    assert [m.code for m in ev.rate.applied] == [code]
    assert ev.rate.value == D("0.60") + D(points)


def test_the_rate_never_exceeds_the_maximum(make):
    ev = evaluate(make(projet={"demarche_participative": True, "laboratoire_innovation": True}))
    assert ev.rate.value == D("1.00")
    assert ev.rate.capped


def test_a_joint_projects_population_is_its_members_sum(make):
    partners = [
        {"nom": "Commune de Certines", "type": "commune", "siret": "21010069900011"},  # 1 503 by its SIREN
        {"nom": "Commune de Buellas", "type": "commune", "code_insee": "01065"},  # 1 812 by its code INSEE
    ]
    ev = evaluate(make(projet_commun=True, partenaires=partners, contact_operationnel={"nom": "X"}))
    assert ev.population.value == 1751 + 1503 + 1812
    assert ev.rate.band.rate == D("0.80")


def test_an_unknown_population_gives_no_rate_instead_of_a_guess(make):
    partners = [{"nom": "Syndicat des eaux", "type": "syndicat", "siret": "25000101300011"}]
    ev = evaluate(make(projet_commun=True, partenaires=partners, contact_operationnel={"nom": "X"}))
    assert ev.eligible
    assert ev.rate is None and ev.granted is None
    assert "POPULATION_INCONNUE" in warning_codes(ev)


# The amount: the least of assiette × rate, the amount requested, the caps; rounded down to the euro.


def test_the_amount_is_the_assiette_times_the_rate(make):
    ev = evaluate(make(porteur={"population": 5000}))
    assert ev.granted == D("8000")
    assert ev.amount.binding == "assiette_x_taux"


def test_the_amount_never_exceeds_the_amount_requested(make):
    ev = evaluate(make(montant_sollicite="4000.00"))
    assert ev.granted == D("4000")
    assert ev.amount.binding == "sollicite"


def test_the_amount_is_rounded_down_to_the_euro(make):
    ev = evaluate(make(montant_sollicite="4000.99"))
    assert ev.granted == D("4000")


def test_the_cap_per_dossier_applies(make):
    line = {"libelle": "Formation", "nature": "formation", "montant_ht": "90000.00"}
    ev = evaluate(make(depenses=[line], cout_total="90000.00", montant_sollicite="90000.00"))
    assert ev.granted == D("50000")
    assert "PLAFOND_DOSSIER_APPLIQUE" in warning_codes(ev)


def test_the_owner_keeps_20_percent_of_the_investment_part(make):
    # CGCT L1111-10: at 100 %, the investment part is still capped at 80 % of public funding.
    ev = evaluate(make(depenses=[INVESTMENT_LINE]))
    assert ev.granted == D("8000")
    assert "PLAFOND_AIDES_PUBLIQUES_APPLIQUE" in warning_codes(ev)


def test_the_prefects_derogation_lifts_the_owners_minimum_share(make):
    ev = evaluate(make(depenses=[INVESTMENT_LINE], derogation_plafond_aides_publiques=True))
    assert ev.granted == D("10000")


def test_other_public_funding_comes_off_the_public_aid_cap(make):
    ev = evaluate(make(autres_financements="3000.00"))
    assert ev.granted == D("7000")


def test_an_ineligible_dossier_gets_nothing(make):
    ev = evaluate(make(porteur={"type": "association"}))
    assert ev.granted == 0 and ev.rate is None


def test_the_explanation_says_how_the_rate_and_amount_were_found(make, reglement):
    from xlplugin.rules import explain

    text = explain(evaluate(make(projet={"demarche_participative": True})), reglement)
    assert "Éligible" in text
    assert "moins de 3 500 habitants" in text
    assert "+ 5 points" in text
    assert "arrondi à l'euro inférieur" in text


def test_money_from_a_json_number_is_exact(reglement):
    from xlplugin.rules import read_dossier

    doc = dossier_doc(cout_total=D("10000.10"), montant_sollicite=D("10000.10"))
    doc["depenses"][0]["montant_ht"] = D("10000.10")
    ev = evaluate(read_dossier(doc, reglement))
    assert ev.cost.total == D("10000.10")
