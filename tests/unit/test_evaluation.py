"""One evaluation for every face: any variable may be given instead of computed, and a given value is
what every rule that depends on it uses (as OpenFisca's inputs)."""

from __future__ import annotations

import json
from decimal import Decimal as D

import pytest

from tests.conftest import ROOT
from xlplugin.rules import default_reglement, evaluate
from xlplugin.rules.applicant import Population
from xlplugin.rules.dossier import Dossier, Project, Structure
from xlplugin.rules.evaluation import Given
from xlplugin.rules.reasons import MissingFact
from xlplugin.rules.reglement import parse_reglement


def test_a_file_and_a_row_that_say_the_same_get_the_same_figures(make):
    dossier = make()
    computed = evaluate(dossier)
    given = evaluate(
        dossier,
        given=Given(assiette=computed.assiette, investment=computed.investment, population=computed.population),
    )
    assert (given.eligible, given.score.total, given.granted) == (
        computed.eligible,
        computed.score.total,
        computed.granted,
    )


def test_a_given_assiette_is_what_eligibility_and_the_amount_use(make):
    dossier = make()
    assert [r.code for r in evaluate(dossier, given=Given(assiette=D("0"))).reasons] == ["ASSIETTE_NULLE"]
    # An agent corrected an expense line: the assiette they give bounds the amount (100 % of 4 000).
    assert evaluate(dossier, given=Given(assiette=D("4000"), investment=D("0"))).granted == D("4000")


def test_a_given_population_sets_the_band(make):
    dossier = make()
    assert evaluate(dossier).funding_rate.value == D("1.00")  # 1 751 inhabitants
    bigger = evaluate(dossier, given=Given(population=Population(60000, "colonne Population")))
    assert bigger.funding_rate.band.rate == D("0.50")


def test_a_given_rate_is_the_rate_of_the_amount(make):
    assert evaluate(make(), given=Given(rate=D("0.5"))).granted == D("5000")


def test_an_ineligible_dossier_gets_zero_without_its_rate_or_its_dossier_being_read():
    def never() -> Dossier:
        raise AssertionError("the dossier was read")

    class Refusing:
        assiette = investment = local_amount = population = None
        eligible = False

        @property
        def rate(self) -> D:
            raise AssertionError("the rate was read")

    assert evaluate(never, given=Refusing()).granted == 0


def test_a_rule_that_needs_an_absent_fact_says_which():
    partial = Dossier(number=0, applicant=Structure("commune", "Porteur", code_insee="01005"), project=Project())
    with pytest.raises(MissingFact, match="date de démarrage inconnue"):
        _ = evaluate(partial, given=Given(assiette=D("1000"))).reasons
    # what does not need the dates is computed
    assert evaluate(partial).funding_rate is not None


def test_two_copies_of_a_reglement_are_equal_and_another_one_is_not():
    text = (ROOT / "xlplugin" / "data" / "reglement-ain-2021.json").read_text(encoding="utf-8")
    first, second = parse_reglement(text, "a"), parse_reglement(text, "b")
    assert first == second and hash(first) == hash(second) and first == default_reglement()
    document = json.loads(text)
    document["enveloppe"]["montant"] = "150000"
    other = parse_reglement(json.dumps(document, ensure_ascii=False), "c")
    assert other != first and other.fingerprint != first.fingerprint


def test_a_variable_is_computed_once_then_read_as_an_attribute(make):
    built = []

    def dossier() -> Dossier:
        built.append(1)
        return make()

    ev = evaluate(dossier)
    first = ev.amount
    assert ev.amount is first and ev.score is ev.score and len(built) == 1
    assert {"dossier", "amount", "score"} <= vars(ev).keys()  # kept on the instance: the descriptor is not asked again
    assert type(ev).__dict__["amount"].__get__(None, type(ev)) is type(ev).__dict__["amount"]
