"""The score out of 100: the call's criteria, with the agent's notes and the factual measures."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.conftest import dossier_doc
from xlplugin.rules import DossierError, evaluate, read_dossier

D = Decimal


def points(ev, code):  # type: ignore[no-untyped-def]
    return next(c.points for c in ev.score.breakdown if c.code == code)


def test_a_dossier_not_yet_assessed_has_no_score(make):
    ev = evaluate(make())
    assert ev.score.total is None
    assert ev.score.missing == ("Impact du projet", "Besoin de mise à niveau numérique")
    assert "APPRECIATION_INCOMPLETE" in [w.code for w in ev.warnings]


def test_a_partly_assessed_dossier_has_no_score(make):
    assert evaluate(make(appreciation={"impact": 3})).score.total is None


def test_the_best_dossier_scores_100(make):
    partners = [{"nom": "Commune B", "type": "commune", "population": 0}]
    ev = evaluate(
        make(
            appreciation={"impact": 3, "besoin": 3},
            projet={"agents_beneficiaires": 10, "usagers_beneficiaires": 5000},
            projet_commun=True,
            partenaires=partners,
            contact_operationnel={"nom": "X"},
        )
    )
    assert ev.score.total == D("100")


def test_impact_and_need_are_the_agents_notes_on_their_scale(make):
    ev = evaluate(make(appreciation={"impact": 2, "besoin": 1}))
    assert points(ev, "impact") == D("23.33")  # 35 × 2/3
    assert points(ev, "besoin") == D("8.33")  # 25 × 1/3


def test_contractors_in_the_territory_are_preferred(make):
    lines = [
        {"libelle": "A", "nature": "formation", "montant_ht": "7500.00", "departement_prestataire": "01"},
        {"libelle": "B", "nature": "formation", "montant_ht": "2500.00", "departement_prestataire": "69"},
        {"libelle": "Excluded", "nature": "personnel", "montant_ht": "5000.00", "departement_prestataire": "01"},
    ]
    ev = evaluate(make(depenses=lines, cout_total="15000.00", appreciation={"impact": 0, "besoin": 0}))
    assert points(ev, "localisation") == D("15.00")  # 20 × 75 % of the assiette; excluded lines do not count


def test_agents_and_users_benefiting_count_half_each(make):
    # 5 of 10 agents, 100 of 1 751 inhabitants.
    ev = evaluate(make(appreciation={"impact": 0, "besoin": 0}))
    assert points(ev, "beneficiaires") == (10 * (D("0.5") * D("0.5") + D("0.5") * D(100) / D(1751))).quantize(D("0.01"))


def test_a_joint_project_scores_the_mutualisation_criterion(make):
    partners = [{"nom": "Commune B", "type": "commune", "population": 100}]
    joint = evaluate(make(projet_commun=True, partenaires=partners, contact_operationnel={"nom": "X"}))
    assert points(joint, "mutualisation") == D("10")
    assert points(evaluate(make()), "mutualisation") == D("0")


@pytest.mark.parametrize(
    ("assessment", "pointer"),
    [({"impact": 4}, "/appreciation/impact"), ({"localisation": 2}, "/appreciation/localisation")],
)
def test_a_note_outside_the_scale_or_for_a_factual_criterion_is_refused(reglement, assessment, pointer):
    with pytest.raises(DossierError) as caught:
        read_dossier(dossier_doc(appreciation=assessment), reglement)
    assert [p.pointer for p in caught.value.problems] == [pointer]
