"""Records of decided dossiers: built from the rules' figures, and refused when a decision contradicts them."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

import pytest

from tests.acceptance.documents.conftest import INCOMPLETE_MOTIF, office_decisions
from xlplugin.documents import DecisionError, OfficeDecision, Payment, build_record, build_records
from xlplugin.documents.french import percent
from xlplugin.documents.record import DecisionRecord
from xlplugin.rules import Allocation, Evaluation, Reglement

D = Decimal
PARTIAL_DOSSIER = 21000123  # last one served: gets the envelope's remainder
WAITING_DOSSIER = 21000117  # ranked 21st, the envelope is empty
INELIGIBLE_DOSSIER = 21000137  # « Autre » is not an axis of the call
UNRANKED_DOSSIER = 21000130  # not assessed yet


def by_number(records: list[DecisionRecord]) -> dict[int, DecisionRecord]:
    return {r.number: r for r in records}


def test_every_example_dossier_is_decided_and_granted_amounts_are_the_allocation(
    records: list[DecisionRecord], allocation: Allocation, reglement_ain: Reglement
) -> None:
    assert len(records) == 40
    granted = [r for r in records if r.granted]
    assert len(granted) == 20
    for record in granted:
        grant = allocation.grant(record.number)
        assert record.amount == grant.allocated > 0
        assert record.proposed is not None and record.amount <= record.proposed
        assert record.rate is not None and record.amount <= record.eligible_cost * record.rate
        assert record.motifs == ()
    assert sum((r.amount for r in granted), D("0")) == allocation.total <= reglement_ain.envelope
    assert all(r.amount == 0 for r in records if not r.granted)


def test_a_record_carries_the_rules_figures(records: list[DecisionRecord], evaluations: list[Evaluation]) -> None:
    record = by_number(records)[21000101]
    evaluation = next(e for e in evaluations if e.number == 21000101)
    assert record.beneficiary_name == "Commune d'Ambérieux-en-Dombes"  # the COG's name, with the elision
    assert record.beneficiary_siret == "21010005300011"
    assert record.commune == "Ambérieux-en-Dombes" and record.code_insee == "01005"
    assert (record.eligible_cost, record.investment, record.operating) == (D("19200.50"), D("19200.50"), D("0"))
    assert record.rate == D("1.00") and record.amount == D("19200") == evaluation.granted
    assert record.calculation[0].startswith("Dépense subventionnable retenue : 19\u00a0200,50\u00a0€")
    assert record.calculation[2].startswith("Montant selon les règles de l'appel : 19\u00a0200\u00a0€")
    assert record.calculation[-1].startswith("Taux de subvention : 100\u00a0%")
    assert record.recipient == "Madame ou Monsieur le Maire"
    assert record.order_number == "01-2021-101"


def test_the_partial_grant_says_it_is_the_envelope_remainder(records: list[DecisionRecord]) -> None:
    record = by_number(records)[PARTIAL_DOSSIER]
    assert record.partial and record.amount == D("31075") and record.proposed == D("45500")
    assert "reliquat de l'enveloppe départementale" in record.calculation[-2]
    assert record.calculation[-1].startswith(f"Taux de subvention : {percent(record.amount / record.eligible_cost)}")


def test_refusal_motifs_are_the_rules_motifs(records: list[DecisionRecord], evaluations: list[Evaluation]) -> None:
    recorded = by_number(records)
    for evaluation in evaluations:
        if not evaluation.eligible:
            motifs = recorded[evaluation.number].motifs
            assert [(m.code, m.message) for m in motifs] == [(r.code, r.message) for r in evaluation.reasons]
    assert [m.code for m in recorded[INELIGIBLE_DOSSIER].motifs] == ["PROJET_HORS_AXES"]


def test_a_ranked_dossier_the_envelope_did_not_reach_is_refused_for_that(records: list[DecisionRecord]) -> None:
    (motif,) = by_number(records)[WAITING_DOSSIER].motifs
    assert motif.code == "ENVELOPPE_EPUISEE"
    assert "classé au rang 21" in motif.message and "297\u00a0000\u00a0€" in motif.message


def test_an_unranked_dossier_is_refused_with_the_office_motif(records: list[DecisionRecord]) -> None:
    (motif,) = by_number(records)[UNRANKED_DOSSIER].motifs
    assert (motif.code, motif.message) == ("MOTIF_DU_PREFET", INCOMPLETE_MOTIF)


def _one(
    evaluations: list[Evaluation], allocation: Allocation, reglement: Reglement, number: int, **changes: object
) -> DecisionRecord:
    decision = dataclasses.replace(office_decisions(allocation)[number], **changes)  # type: ignore[arg-type]
    evaluation = next(e for e in evaluations if e.number == number)
    return build_record(evaluation, allocation.grant(number), decision, reglement)


def test_an_ineligible_dossier_cannot_be_granted(
    evaluations: list[Evaluation], allocation: Allocation, reglement_ain: Reglement
) -> None:
    with pytest.raises(DecisionError, match=r"Dossier 21000137, décision : le dossier est inéligible \(PROJET_HORS"):
        _one(evaluations, allocation, reglement_ain, INELIGIBLE_DOSSIER, decision="accordée")


def test_a_dossier_without_allocation_cannot_be_granted(
    evaluations: list[Evaluation], allocation: Allocation, reglement_ain: Reglement
) -> None:
    with pytest.raises(DecisionError, match="Dossier 21000117, décision : aucun montant ne lui est alloué"):
        _one(evaluations, allocation, reglement_ain, WAITING_DOSSIER, decision="accordée")


def test_the_amount_granted_never_exceeds_the_allocation(
    evaluations: list[Evaluation], allocation: Allocation, reglement_ain: Reglement
) -> None:
    with pytest.raises(DecisionError, match="montant accordé : 31\u00a0076\u00a0€ dépasse le montant alloué"):
        _one(evaluations, allocation, reglement_ain, PARTIAL_DOSSIER, amount=D("31076"))
    lower = _one(evaluations, allocation, reglement_ain, PARTIAL_DOSSIER, amount=D("30000"))
    assert lower.amount == D("30000") and "Montant accordé par le préfet : 30\u00a0000\u00a0€" in lower.calculation[-2]


def test_refusing_a_funded_dossier_needs_a_motif(
    evaluations: list[Evaluation], allocation: Allocation, reglement_ain: Reglement
) -> None:
    with pytest.raises(DecisionError, match="Motif du refus : le dossier est éligible"):
        _one(evaluations, allocation, reglement_ain, 21000101, decision="refusée")
    refused = _one(evaluations, allocation, reglement_ain, 21000101, decision="refusée", refusal_motif="Doublon.")
    assert [m.code for m in refused.motifs] == ["MOTIF_DU_PREFET"] and refused.amount == 0


def test_an_unknown_decision_word_is_refused(
    evaluations: list[Evaluation], allocation: Allocation, reglement_ain: Reglement
) -> None:
    with pytest.raises(DecisionError, match="« ajournée » : écrivez « accordée » ou « refusée »"):
        _one(evaluations, allocation, reglement_ain, 21000101, decision="ajournée")


def test_a_refused_dossier_has_no_payment(
    evaluations: list[Evaluation], allocation: Allocation, reglement_ain: Reglement
) -> None:
    with pytest.raises(DecisionError, match="versements"):
        _one(evaluations, allocation, reglement_ain, INELIGIBLE_DOSSIER, payments=(Payment("avance", D("10")),))


def test_payments_give_the_amount_still_to_pay(
    evaluations: list[Evaluation], allocation: Allocation, reglement_ain: Reglement
) -> None:
    payments = (Payment("avance", D("5760"), date(2021, 12, 10)), Payment("acompte", D("4000"), date(2022, 5, 2)))
    record = _one(evaluations, allocation, reglement_ain, 21000101, payments=payments, chorus_commitment="2103456789")
    assert record.balance.remaining == D("9440") and record.balance.overpaid == 0
    assert record.chorus_commitment == "2103456789"


def test_a_decision_for_an_unknown_dossier_is_named(
    evaluations: list[Evaluation], allocation: Allocation, reglement_ain: Reglement
) -> None:
    decisions = {99: OfficeDecision(99, "accordée", date(2021, 11, 29))}
    with pytest.raises(DecisionError, match="Dossier 99, numéro : aucun dossier évalué"):
        build_records(evaluations, allocation, decisions, reglement_ain)
