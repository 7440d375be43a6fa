"""One decided dossier as the decision documents need it: ``DecisionRecord``.

A record joins what the rules say of the dossier (its ``Evaluation``: beneficiary, project, assiette, rate,
amount, explanation, motifs) and the envelope's ``Allocation`` (rank, amount allocated) with what the office
decided (``OfficeDecision``: accordée or refusée, date, n° d'arrêté, committee date, n° EJ Chorus, payments).

Checks made here, each refused with a French message naming the dossier and the field:
- a granted dossier is eligible and was allocated an amount; the amount granted never exceeds the allocation
  (itself never above what the rules allow);
- an amount above the legal ceiling of public aid (CGCT L1111-10, III: the owner pays at least 20 % of the
  investment part) rests on a derogation the law gives: its ground (one of the settings' list) and the reference
  of the decision that grants it, typed by the office with its article (« Vu l'arrêté préfectoral … »), which the
  act cites;
- a refused dossier has true motifs, grounded in fact and in law (``motifs``);
- the beneficiary is named as the reference names it (« Commune d'Ambérieux-en-Dombes »), never by a
  placeholder of démarches-simplifiées (« STRUCTURE »); its SIRET, which an arrêté cites, is valid, and its SIREN
  is the commune's (by its code INSEE) or the EPCI's the row names;
- payments belong to granted dossiers only, and follow the rules of the payments (``rules.payments``: the
  advance and the instalments within the règlement's ceilings, nothing paid above the amount granted, nothing
  paid before the decision): a payment that breaks one keeps the dossier out of the documents and of the
  essential data until it is corrected;
- the decision is dated on or after the dossier's deposit and the committee's meeting, and no later than the day
  the call's proofs of completion are due; a granted project does not end before it starts.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from xlplugin.documents.calculation import Derogation, calculation_lines, grant_rate, legal_cap, split
from xlplugin.documents.french import elide, euros, of_place
from xlplugin.documents.payments import ADVANCE, BALANCE, INSTALMENT, Payment, PaymentBalance, payment_balance
from xlplugin.documents.settings import DocumentSettings, default_document_settings, proof_deadline
from xlplugin.rules import Allocation, Evaluation, Grant, Reglement, Territory, default_territory, explain
from xlplugin.rules.applicant import structure_population
from xlplugin.rules.dossier import Structure
from xlplugin.rules.identifiers import IdentifierError, insee_of_commune_siren, validate_siret
from xlplugin.rules.payments import PAID_BEFORE_DECISION, payment_problems
from xlplugin.rules.refusal import ENVELOPE_EXHAUSTED, OFFICE_MOTIF, Motif, MotifError, refusal_motifs

GRANTED = "accordée"
REFUSED = "refusée"
DECISIONS = (GRANTED, REFUSED)
ZERO = Decimal("0")

__all__ = ["ENVELOPE_EXHAUSTED", "OFFICE_MOTIF", "Motif"]
# Names démarches-simplifiées or a workbook give when the real one is unknown: never a beneficiary's name.
PLACEHOLDER_NAMES = {"", "structure", "porteur", "demandeur", "raison sociale"}

# The allocation's statuses (xlplugin.rules.allocation), named here to read the Grant without its private module.
FUNDED = "finance"
PARTIAL = "partiel"
WAITING = "attente"
NOT_RANKED = "non_classe"

CALCULATION_PREFIXES = ("Taux", "Montant")  # the rules' lines the act's own calculation replaces
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
    derogation_ground: str = ""  # the ground of a derogation to CGCT L1111-10, III: a code or a label of the settings
    derogation_reference: str = ""  # the decision that grants it: « arrêté préfectoral n° … du … »


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
    beneficiary_population: int | None  # the beneficiary's own population (a commune's), for the appeal route
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
    rate: Decimal | None  # the rules' rate, before the envelope is shared (a step of the calculation)
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
    derogation: Derogation | None = None  # the derogation to CGCT L1111-10, III the amount rests on
    legal_cap: Decimal | None = None  # the most public aid may reach without a derogation

    @property
    def granted(self) -> bool:
        return self.decision == GRANTED

    @property
    def grant_rate(self) -> Decimal | None:
        """The one rate of the grant, every document's: the maximum amount over the eligible cost."""
        return grant_rate(self.amount, self.eligible_cost) if self.granted else None

    @property
    def amount_split(self) -> tuple[Decimal, Decimal]:
        """The maximum amount on the investment part and on the operating part, pro rata."""
        return split(self.amount, self.eligible_cost, self.investment)

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
    settings: DocumentSettings | None = None,
) -> DecisionRecord:
    """The record of one decided dossier; ``DecisionError`` when the decision contradicts the rules. ``settings``
    give the grounds of a derogation the office may type (the shipped settings when None)."""
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
    siret = _beneficiary_siret(number, applicant, territory, verdict == GRANTED)
    name = beneficiary_name(applicant, territory)
    if name.strip().casefold() in PLACEHOLDER_NAMES:
        raise DecisionError(
            number,
            "Porteur",
            f"« {name} » n'est pas le nom d'un bénéficiaire (démarches-simplifiées le donne quand la raison sociale "
            "n'est pas diffusée) : saisissez le nom exact de la structure dans le dossier ou le classeur",
        )

    motifs: tuple[Motif, ...] = ()
    calculation: tuple[str, ...] = ()
    derogation: Derogation | None = None
    cap = legal_cap(evaluation, reglement)
    _check_dates(evaluation, decision, proof_deadline(reglement, settings or default_document_settings()))
    if verdict == GRANTED:
        amount = _granted_amount(evaluation, grant, decision)
        derogation = _derogation(number, amount, cap, decision, settings or default_document_settings())
        _check_payments(number, amount, decision, reglement)
        calculation = tuple(
            elide(line) for line in calculation_lines(evaluation, grant, amount, reglement, territory, derogation)
        )
    else:
        amount = ZERO
        try:
            motifs = tuple(
                dataclasses.replace(m, message=elide(m.message))
                for m in refusal_motifs(evaluation, grant, decision.refusal_motif, reglement)
            )
        except MotifError as exc:
            raise DecisionError(number, exc.field, str(exc)) from None
        if decision.payments:
            raise DecisionError(number, "versements", "un dossier refusé ne peut pas avoir de versement ; retirez-les")
    lines = tuple(
        line for line in explain(evaluation, reglement).splitlines() if not line.startswith(CALCULATION_PREFIXES)
    )
    lines += calculation

    start, end = dossier.project.start, dossier.project.end
    if start is None or end is None:
        raise DecisionError(number, "dates du projet", "démarrage ou fin inconnu : renseignez les dates du projet")
    if verdict == GRANTED and end < start:  # the arrêté would say it ends before it starts
        raise DecisionError(
            number,
            "dates du projet",
            f"fin le {end:%d/%m/%Y}, avant le démarrage le {start:%d/%m/%Y} : corrigez l'une des deux dates",
        )
    return DecisionRecord(
        number=number,
        decision=verdict,
        decided_on=decision.decided_on,
        order_number=decision.order_number.strip(),
        committee_on=decision.committee_on,
        beneficiary_name=name,
        beneficiary_siret=siret,
        beneficiary_kind=applicant.kind,
        beneficiary_kind_label=kind.label if kind else applicant.kind,
        beneficiary_population=structure_population(applicant, territory)[0],
        commune=_commune_name(applicant.code_insee, applicant.siren, territory),
        code_insee=applicant.code_insee or "",
        address=decision.address.strip(),
        recipient=recipient,
        salutation=salutation,
        project_title=" ".join(dossier.project.title.split()),
        project_kinds=tuple(k.label for code in dossier.project.kinds if (k := reglement.project_kind(code))),
        project_start=start,
        project_end=end,
        submitted_at=dossier.submitted_at,
        partners=tuple(elide(p.name) for p in dossier.partners),
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
        derogation=derogation,
        legal_cap=cap,
    )


def _beneficiary_siret(number: int, applicant: Structure, territory: Territory, granted: bool) -> str:
    """The beneficiary's SIRET as the arrêté and the published data give it (14 digits), checked: a valid SIRET
    whose SIREN is the structure's the row names. The acts name a commune by its code INSEE and an EPCI by its
    SIREN: a mistyped code gave another commune's name over this one's SIRET, and the rate of one commune with
    the appeal route of another. A refusal's letter cites no SIRET: one it cannot read is kept as typed."""
    if not applicant.siret:
        return ""
    try:
        siret = validate_siret(applicant.siret)
    except IdentifierError as exc:
        if not granted:
            return applicant.siret
        message = f"{exc} ; corrigez-le (l'arrêté et les données essentielles le citent)"
        raise DecisionError(number, "SIRET", message) from None
    siren = siret[:9]
    if applicant.kind == "commune" and applicant.code_insee:
        code = insee_of_commune_siren(siren)
        if code is not None and code != applicant.code_insee:
            message = _other_commune(siret, code, applicant.code_insee, territory)
            raise DecisionError(number, "Code INSEE ou SIREN", message)
    if applicant.siren and applicant.siren != siren:
        raise DecisionError(
            number,
            "Code INSEE ou SIREN",
            f"le SIREN {applicant.siren} n'est pas celui du SIRET {siret} ({siren}) : l'un des deux a été mal saisi ; "
            "corrigez-le avant d'établir l'acte",
        )
    return siret


def _other_commune(siret: str, code: str, typed: str, territory: Territory) -> str:
    def named(insee: str) -> str:
        commune = territory.commune(insee)
        return f"{commune.name} ({insee})" if commune is not None else insee

    return (
        f"le code INSEE {named(typed)} n'est pas celui de la commune du SIRET {siret}, {named(code)} : l'acte "
        "nommerait une commune pour une autre ; corrigez le code ou le SIRET avant d'établir l'acte"
    )


def beneficiary_name(applicant: Structure, territory: Territory) -> str:
    """The beneficiary as the reference names it: a commune of the COG « Commune d'Ambérieux-en-Dombes », an
    EPCI by its name in the reference; else the name of the dossier, with the elision French requires."""
    if applicant.kind == "commune":
        commune = territory.commune(applicant.code_insee) if applicant.code_insee else None
        if commune is None and applicant.siren:
            commune = territory.commune_by_siren(applicant.siren)
        if commune is not None:
            return f"Commune {of_place(commune.name)}"
    if applicant.kind in ("epci_fp", "syndicat") and applicant.siren:
        epci = territory.epci(applicant.siren)
        if epci is not None:
            return epci.name
    return elide(" ".join(applicant.name.split()))


def _derogation(
    number: int, amount: Decimal, cap: Decimal, decision: OfficeDecision, settings: DocumentSettings
) -> Derogation | None:
    """The derogation an amount above the legal ceiling rests on; refused, named, when the office did not type a
    ground the law gives and the decision that grants it."""
    if amount <= cap:
        return None
    above = f"le montant accordé ({euros(amount)}) dépasse de {euros(amount - cap)} le plafond des aides publiques"
    above += f" de l'article L. 1111-10, III du CGCT ({euros(cap)}, le maître d'ouvrage gardant au moins 20 % de"
    above += " la part d'investissement)"
    listed = ", ".join(f"« {g.code} »" for g in settings.derogation_grounds) or "aucun dans les paramètres"
    typed = decision.derogation_ground.strip()
    ground = settings.derogation_ground(typed) if typed else None
    if ground is None:
        what = f"« {typed} » n'est pas un fondement prévu par la loi" if typed else "aucun fondement saisi"
        raise DecisionError(
            number,
            "Fondement de la dérogation L1111-10",
            f"{above} ; {what} : saisissez le fondement légal de la dérogation ({listed} ; voir {settings.origin}, "
            f"bloc « derogation_l1111_10 ») et la référence de la décision qui l'accorde, ou ramenez le montant "
            f"accordé à {euros(cap)} au plus",
        )
    reference = " ".join(decision.derogation_reference.split())
    if not reference:
        raise DecisionError(
            number,
            "Décision de dérogation L1111-10",
            f"{above} sur le fondement « {ground.code} » : saisissez la référence de la décision qui accorde la "
            "dérogation (« l'arrêté préfectoral n° … du … »), que l'arrêté cite",
        )
    # The acts write « Vu <reference> » and « levée par <reference> »: it must come with its article
    article = _ARTICLE.match(reference)
    if article is None:
        raise DecisionError(
            number,
            "Décision de dérogation L1111-10",
            f"« {reference} » : l'arrêté écrit « Vu {reference} » ; saisissez la décision avec son article, comme "
            "l'acte la cite : « l'arrêté préfectoral n° … du … »",
        )
    reference = reference[0].lower() + reference[1:]  # « L'arrêté … » in the middle of a sentence
    return Derogation(ground.label, ground.text, reference)


_ARTICLE = re.compile(r"(?i)(?:l['’]|les? |la |une? |cette |cet |ce )")


def build_records(
    evaluations: Iterable[Evaluation],
    allocation: Allocation,
    decisions: Mapping[int, OfficeDecision],
    reglement: Reglement,
    territory: Territory | None = None,
    settings: DocumentSettings | None = None,
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
        build_record(by_number[n], allocation.grant(n), decisions[n], reglement, territory, settings)
        for n in sorted(decisions)
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


def _check_dates(evaluation: Evaluation, decision: OfficeDecision, deadline: date) -> None:
    """The decision's date against the dossier's: after the deposit and the committee, and no later than the
    day the call's proofs of completion are due (``deadline``: « le 29/11/2031 » for 2021 was a typo, and the
    published payment period ran backwards)."""
    number, decided_on = evaluation.number, decision.decided_on
    if decided_on > deadline:
        raise DecisionError(
            number,
            "Date de décision",
            f"le {decided_on:%d/%m/%Y}, après le {deadline:%d/%m/%Y} où les justificatifs de réalisation de l'appel "
            "sont dus au plus tard : corrigez la date (une faute de frappe ?)",
        )
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


def _commune_name(code_insee: str | None, siren: str | None, territory: Territory) -> str:
    commune = territory.commune(code_insee) if code_insee else None
    if commune is None and siren:
        commune = territory.commune_by_siren(siren)
    return commune.name if commune else ""
