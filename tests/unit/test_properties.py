"""Properties of the evaluation that hold for every dossier (hypothesis): the amount never exceeds what
the rules allow, the rate never exceeds its cap, and what is allocated never exceeds the amount."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import dossier_doc
from xlplugin.rules import allocate_envelope, evaluate, read_dossier

NATURES = ["prestation", "logiciel", "formation", "accompagnement", "personnel", "equipement_agents", "autre"]
amounts = st.decimals(min_value=0, max_value=500000, places=2).map(str)

lines = st.lists(
    st.fixed_dictionaries(
        {
            "libelle": st.just("Ligne"),
            "nature": st.sampled_from(NATURES),
            "montant_ht": amounts,
            "departement_prestataire": st.sampled_from(["01", "69", "74"]),
        }
    ),
    max_size=6,
)
documents = st.builds(
    lambda number, expenses, requested, other, population, derogation, participatory, lab, users, notes: dossier_doc(
        numero=number,
        depenses=expenses,
        cout_total=str(sum((Decimal(e["montant_ht"]) for e in expenses), Decimal(0))),
        montant_sollicite=requested,
        autres_financements=other,
        porteur={"population": population},
        derogation_plafond_aides_publiques=derogation,
        projet={"demarche_participative": participatory, "laboratoire_innovation": lab, "usagers_beneficiaires": users},
        appreciation=notes,
    ),
    number=st.integers(1, 10**8),
    expenses=lines,
    requested=amounts,
    other=amounts,
    population=st.integers(0, 200000),
    derogation=st.booleans(),
    participatory=st.booleans(),
    lab=st.booleans(),
    users=st.integers(0, 300000),
    notes=st.fixed_dictionaries({"impact": st.integers(0, 3), "besoin": st.integers(0, 3)}),
)


@settings(max_examples=300, deadline=None)
@given(documents)
def test_amount_never_exceeds_assiette_times_rate_nor_the_caps(reglement, doc):
    ev = evaluate(read_dossier(doc, reglement))
    assert ev.cost.total >= 0
    if not ev.eligible:
        assert ev.granted == 0
        return
    rate = ev.rate.value
    assert 0 <= rate <= reglement.max_rate
    assert 0 <= ev.granted <= ev.cost.total * rate <= ev.cost.total
    assert ev.granted <= ev.dossier.requested
    assert ev.granted <= reglement.cap_per_dossier
    assert 0 <= ev.score.total <= 100


@settings(max_examples=50, deadline=None)
@given(st.lists(documents, max_size=25, unique_by=lambda d: d["numero"]))
def test_allocated_never_exceeds_the_amount_nor_the_envelope(reglement, docs):
    evaluations = [evaluate(read_dossier(doc, reglement)) for doc in docs]
    result = allocate_envelope([ev.candidate() for ev in evaluations], reglement)
    assert result.total <= reglement.envelope
    for ev in evaluations:
        assert result.grant(ev.number).allocated <= (ev.granted or 0)
