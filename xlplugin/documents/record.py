"""One decided dossier as the decision documents need it: ``DecisionRecord``.

A record joins what the rules say of the dossier (its ``Evaluation``: beneficiary, project, assiette, rate,
amount, explanation, motifs) and the envelope's ``Allocation`` (rank, amount allocated) with what the office
decided (``OfficeDecision``: accordée or refusée, date, n° d'arrêté, committee date, n° EJ Chorus, payments).

Checks made here, each refused with a French message naming the dossier and the field:
- a granted dossier is eligible and was allocated an amount; the amount granted never exceeds the allocation
  (itself never above what the rules allow);
- a refused dossier has motifs: the rules' motifs when it is ineligible, « ENVELOPPE_EPUISEE » when the
  envelope did not reach it, or the office's own motif, which an eligible and funded dossier requires;
- payments belong to granted dossiers only, and follow the rules of the payments (``rules.payments``: the
  advance and the instalments within the règlement's ceilings, nothing paid above the amount granted, nothing
  paid before the decision): a payment that breaks one keeps the dossier out of the documents and of the
  essential data until it is corrected;
- the decision is dated on or after the dossier's deposit and the committee's meeting.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from xlplugin.documents.french import euros
from xlplugin.documents.payments import ADVANCE, BALANCE, INSTALMENT, Payment, PaymentBalance, payment_balance
from xlplugin.rules import Allocation, Evaluation, Grant, Reglement, Territory, default_territory, explain
from xlplugin.rules.payments import PAID_BEFORE_DECISION, payment_problems

GRANTED = "accordée"
REFUSED = "refusée"
DECISIONS = (GRANTED, REFUSED)
ZERO = Decimal("0")

# Motifs of a refusal that are not rules of eligibility (local codes of the documents, not of the rules core).
ENVELOPE_EXHAUSTED = "ENVELOPPE_EPUISEE"
OFFICE_MOTIF = "MOTIF_DU_PREFET"

# The allocation's statuses (xlplugin.rules.allocation), named here to read the Grant without its private module.
FUNDED = "finance"
PARTIAL = "partiel"
WAITING = "attente"

CALCULATION_PREFIXES = ("Assiette éligible", "Taux", "Montant")
RECIPIENTS = {
    "commune": ("Madame ou Monsieur le Maire", "Madame la Maire, Monsieur le Maire"),
    "epci_fp": ("Madame ou Monsieur le Président", "Madame la Présidente, Monsieur le Président"),
    "syndicat": ("Madame ou Monsieur le Président", "Madame la Présidente, Monsieur le Président"),
}
DEFAULT_RECIPIENT = ("Madame ou Monsieur le représentant légal", "Madame, Monsieur")


class DecisionError(ValueError):
    """An office decision that cannot become a document: names the dossier, the field and what to do."""

    def __init__(self, number: int, field_name: str, message: str) -> None:
        self.number = number
        self.field_name = field_name
        super().__init__(f"Dossier {number}, {field_name} : {message}")


@dataclass(frozen=True, slots=True)
class OfficeDecision:
    """What the office decided for one dossier (the workbook's decision and payment columns)."""

    number: int
    decision: str  # « accordée » or « refusée »
    decided_on: date
    order_number: str = ""  # n° d'arrêté
    committee_on: date | None = None  # date du comité de programmation
    amount: Decimal | None = None  # montant accordé, when lower than the allocation
    refusal_motif: str = ""  # the office's own motif of a refusal, in French
    address: str = ""  # the beneficiary's postal address
    recipient: str = ""  # « Monsieur le Maire », when the office knows it
    chorus_commitment: str = ""  # n° d'engagement juridique (EJ) Chorus
    payments: tuple[Payment, ...] = ()


@dataclass(frozen=True, slots=True)
class Motif:
    """One motif of a refusal: a stable code and a French sentence about this dossier."""

    code: str
    message: str


@dataclass(frozen=True, slots=True)
class DecisionRecord:
    """Everything a decision document says of one decided dossier (money as Decimal)."""

    number: int
    decision: str
    decided_on: date
    order_number: str
    committee_on: date | None
    beneficiary_name: str
    beneficiary_siret: str
    beneficiary_kind: str  # code of the règlement: commune, epci_fp, syndicat…
    beneficiary_kind_label: str
    commune: str  # the commune of the beneficiary (or of its seat), from the COG
    code_insee: str
    address: str
    recipient: str  # « Madame ou Monsieur le Maire »
    salutation: str  # « Madame la Maire, Monsieur le Maire »
    project_title: str
    project_kinds: tuple[str, ...]  # labels of the call's axes
    project_start: date
    project_end: date
    submitted_at: datetime | None
    partners: tuple[str, ...]
    eligible_cost: Decimal  # assiette
    investment: Decimal
    operating: Decimal
    rate: Decimal | None
    proposed: Decimal | None  # the amount the rules give
    allocated: Decimal  # what the envelope's allocation gives
    amount: Decimal  # granted: the maximum amount of the grant; 0 when refused
    score: Decimal | None
    rank: int | None
    allocation_status: str
    explanation: tuple[str, ...]
    calculation: tuple[str, ...]
    motifs: tuple[Motif, ...]
    chorus_commitment: str
    payments: tuple[Payment, ...] = field(default=())

    @property
    def granted(self) -> bool:
        return self.decision == GRANTED

    @property
    def partial(self) -> bool:
        """Granted less than the rules' amount (the envelope's remainder, or the office's decision)."""
        return self.granted and self.proposed is not None and self.amount < self.proposed

    @property
    def balance(self) -> PaymentBalance:
        return payment_balance(self.amount, self.payments)


def normalise_decision(text: str) -> str | None:
    """« Accordée », « accordee », « ACCORDÉE » → « accordée »; anything else → None."""
    folded = "".join(c for c in unicodedata.normalize("NFD", text.strip().lower()) if not unicodedata.combining(c))
    return {"accordee": GRANTED, "refusee": REFUSED}.get(folded)


def build_record(
    evaluation: Evaluation,
    grant: Grant,
    decision: OfficeDecision,
    reglement: Reglement,
    territory: Territory | None = None,
) -> DecisionRecord:
    """The record of one decided dossier; ``DecisionError`` when the decision contradicts the rules."""
    number = evaluation.number
    if decision.number != number or grant.number != number:
        raise DecisionError(number, "numéro", f"décision du dossier {decision.number}, répartition du {grant.number}")
    verdict = normalise_decision(decision.decision)
    if verdict is None:
        raise DecisionError(number, "décision", f"« {decision.decision} » : écrivez « accordée » ou « refusée »")
    territory = territory or default_territory()
    dossier = evaluation.dossier
    applicant = dossier.applicant
    kind = reglement.applicant_type(applicant.kind)
    recipient, salutation = RECIPIENTS.get(applicant.kind, DEFAULT_RECIPIENT)
    if decision.recipient.strip():
        recipient = salutation = decision.recipient.strip()
    lines = tuple(explain(evaluation, reglement).splitlines())

    motifs: tuple[Motif, ...] = ()
    calculation: tuple[str, ...] = ()
    _check_dates(evaluation, decision)
    if verdict == GRANTED:
        amount = _granted_amount(evaluation, grant, decision)
        _check_payments(number, amount, decision, reglement)
        calculation = tuple(line for line in lines if line.startswith(CALCULATION_PREFIXES))
        calculation += _reductions(evaluation, grant, amount)
    else:
        amount, motifs = ZERO, _refusal_motifs(evaluation, grant, decision, reglement)
        if decision.payments:
            raise DecisionError(number, "versements", "un dossier refusé ne peut pas avoir de versement ; retirez-les")

    start, end = dossier.project.start, dossier.project.end
    if start is None or end is None:
        raise DecisionError(number, "dates du projet", "démarrage ou fin inconnu : renseignez les dates du projet")
    return DecisionRecord(
        number=number,
        decision=verdict,
        decided_on=decision.decided_on,
        order_number=decision.order_number.strip(),
        committee_on=decision.committee_on,
        beneficiary_name=applicant.name,
        beneficiary_siret=applicant.siret or "",
        beneficiary_kind=applicant.kind,
        beneficiary_kind_label=kind.label if kind else applicant.kind,
        commune=_commune_name(applicant.code_insee, applicant.siren, territory),
        code_insee=applicant.code_insee or "",
        address=decision.address.strip(),
        recipient=recipient,
        salutation=salutation,
        project_title=dossier.project.title,
        project_kinds=tuple(k.label for code in dossier.project.kinds if (k := reglement.project_kind(code))),
        project_start=start,
        project_end=end,
        submitted_at=dossier.submitted_at,
        partners=tuple(p.name for p in dossier.partners),
        eligible_cost=evaluation.assiette,
        investment=evaluation.investment,
        operating=evaluation.assiette - evaluation.investment,
        rate=evaluation.rate.value if evaluation.rate else None,
        proposed=evaluation.amount.value if evaluation.amount else None,
        allocated=grant.allocated,
        amount=amount,
        score=evaluation.score.total,
        rank=grant.rank,
        allocation_status=grant.status,
        explanation=lines,
        calculation=calculation,
        motifs=motifs,
        chorus_commitment=decision.chorus_commitment.strip(),
        payments=decision.payments,
    )


def build_records(
    evaluations: Iterable[Evaluation],
    allocation: Allocation,
    decisions: Mapping[int, OfficeDecision],
    reglement: Reglement,
    territory: Territory | None = None,
) -> list[DecisionRecord]:
    """The records of the decided dossiers (those with a decision), in dossier number order.

    A decision for a dossier that was not evaluated is refused by name.
    """
    by_number = {e.number: e for e in evaluations}
    unknown = sorted(set(decisions) - set(by_number))
    if unknown:
        raise DecisionError(unknown[0], "numéro", "aucun dossier évalué ne porte ce numéro ; vérifiez la saisie")
    territory = territory or default_territory()
    return [
        build_record(by_number[n], allocation.grant(n), decisions[n], reglement, territory) for n in sorted(decisions)
    ]


def _granted_amount(evaluation: Evaluation, grant: Grant, decision: OfficeDecision) -> Decimal:
    number = evaluation.number
    if not evaluation.eligible:
        motifs = " ; ".join(f"{r.code} : {r.message}" for r in evaluation.reasons)
        raise DecisionError(number, "décision", f"le dossier est inéligible ({motifs}) : il ne peut pas être accordé")
    if grant.allocated <= ZERO:
        raise DecisionError(
            number, "décision", f"aucun montant ne lui est alloué ({grant.note}) : il ne peut pas être accordé"
        )
    amount = grant.allocated if decision.amount is None else decision.amount
    if amount > grant.allocated:
        raise DecisionError(
            number,
            "montant accordé",
            f"{euros(amount)} dépasse le montant alloué par la répartition ({euros(grant.allocated)}) ; "
            "les montants ne dépassent jamais ce que les règles permettent",
        )
    if amount <= ZERO:
        raise DecisionError(
            number, "montant accordé", "un dossier accordé reçoit un montant positif ; sinon, refusez-le"
        )
    return amount


def _check_dates(evaluation: Evaluation, decision: OfficeDecision) -> None:
    number, decided_on = evaluation.number, decision.decided_on
    submitted = evaluation.dossier.submitted_at
    if submitted is not None and decided_on < submitted.date():
        raise DecisionError(
            number,
            "Date de décision",
            f"le {decided_on:%d/%m/%Y}, avant le dépôt du dossier le {submitted:%d/%m/%Y} : corrigez la date",
        )
    if decision.committee_on is not None and decided_on < decision.committee_on:
        raise DecisionError(
            number,
            "Date de décision",
            f"le {decided_on:%d/%m/%Y}, avant le comité du {decision.committee_on:%d/%m/%Y} dont l'acte vise "
            "l'avis : corrigez l'une des deux dates",
        )


PAYMENT_COLUMNS = {ADVANCE: "Avance", INSTALMENT: "Acompte 1, Acompte 2", BALANCE: "Solde"}
PAYMENT_DATE_COLUMNS = {ADVANCE: "Date de l'avance", INSTALMENT: "Dates des acomptes", BALANCE: "Date du solde"}


def _check_payments(number: int, amount: Decimal, decision: OfficeDecision, reglement: Reglement) -> None:
    """Payments that break a rule keep the dossier out of the documents and the essential data."""
    problems = payment_problems(
        amount, decision.payments, decision.decided_on, reglement.advance_max, reglement.instalments_max
    )
    if not problems:
        return
    first = problems[0]
    if first.code == PAID_BEFORE_DECISION and first.kind is not None:
        column = PAYMENT_DATE_COLUMNS[first.kind]
    else:
        column = PAYMENT_COLUMNS.get(first.kind or "", "versements")
    raise DecisionError(
        number,
        column,
        " ; ".join(p.message for p in problems) + " : corrigez la saisie (un versement qui enfreint ces règles "
        "n'entre ni dans les documents ni dans les données essentielles)",
    )


def _reductions(evaluation: Evaluation, grant: Grant, amount: Decimal) -> tuple[str, ...]:
    """Lines saying why the amount granted is below the rules' amount."""
    lines = []
    proposed = evaluation.amount.value if evaluation.amount else None
    if proposed is not None and grant.allocated < proposed:
        lines.append(
            f"Montant alloué : {euros(grant.allocated)} — reliquat de l'enveloppe départementale, "
            f"sur les {euros(proposed)} que donnent les règles."
        )
    if amount < grant.allocated:
        lines.append(
            f"Montant accordé : {euros(amount)}, par décision du préfet, sur {euros(grant.allocated)} alloués."
        )
    return tuple(lines)


def _refusal_motifs(
    evaluation: Evaluation, grant: Grant, decision: OfficeDecision, reglement: Reglement
) -> tuple[Motif, ...]:
    motifs = [Motif(r.code, r.message) for r in evaluation.reasons]
    if not motifs and grant.status == WAITING and grant.rank is not None:
        motifs.append(
            Motif(
                ENVELOPE_EXHAUSTED,
                f"Le projet, classé au rang {grant.rank} selon la note obtenue, n'a pas pu être financé : l'enveloppe "
                f"départementale de {euros(reglement.envelope)} a été entièrement attribuée aux projets mieux classés.",
            )
        )
    if decision.refusal_motif.strip():
        motifs.append(Motif(OFFICE_MOTIF, decision.refusal_motif.strip()))
    if not motifs:
        raise DecisionError(
            evaluation.number,
            "motif du refus",
            "le dossier est éligible et n'a pas été écarté par la répartition : donnez le motif du refus",
        )
    return tuple(motifs)


def _commune_name(code_insee: str | None, siren: str | None, territory: Territory) -> str:
    commune = territory.commune(code_insee) if code_insee else None
    if commune is None and siren:
        commune = territory.commune_by_siren(siren)
    return commune.name if commune else ""
