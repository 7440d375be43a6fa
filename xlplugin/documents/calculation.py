"""How a grant's maximum amount was found, as the act states it (« modalités de calcul », décret n° 2018-514,
art. 8, 3°), and the one rate of the grant.

The rules' own explanation (``rules.explain``) speaks to the agent, in the workbook's words; an act speaks to
the beneficiary and to a judge. So the lines here are built from the same evaluation, but say:

- where the population comes from in words of the law (never « colonne Population »);
- the legal ceiling of public aid of CGCT art. L. 1111-10, III as it applies — 80 % of the investment part, the
  operating part, less the other public funding — or, when the amount needs more, the derogation the office
  typed, with its ground in law and the decision that grants it (never « plafond des aides publiques » equal to
  the whole assiette without a word);
- one rate of the grant, the maximum amount over the eligible cost: the rate every document states, the one the
  final amount follows (``grant_rate``); the rules' rate before the envelope is shared is a step of the
  calculation, named as such.

Vocabulary: plafond légal → ``legal_cap``; dérogation → ``Derogation``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from xlplugin.documents.french import euros, number, percent
from xlplugin.rules import Evaluation, Grant, Reglement, Territory
from xlplugin.rules.applicant import project_population
from xlplugin.rules.funding import BY_RATE, CAP_PER_DOSSIER, CAP_PUBLIC_AID, REQUESTED, Amount, grant_amount
from xlplugin.rules.funding import public_aid_cap as rules_public_aid_cap

CENT = Decimal("0.01")
LEGAL_CAP_TEXT = "code général des collectivités territoriales, art. L. 1111-10, III"


@dataclass(frozen=True, slots=True)
class Derogation:
    """The derogation to the owner's minimum share that a grant rests on: the ground the law gives (its label and
    its text) and the decision that grants it, as the office typed its reference."""

    ground: str
    text: str
    reference: str


def legal_cap(evaluation: Evaluation, reglement: Reglement) -> Decimal:
    """The most public aid may reach without a derogation (CGCT L1111-10, III): the owner keeps its minimum share
    of the investment part; the operating part is outside the article; other public funding comes off."""
    factors = dataclasses.replace(evaluation.factors, derogation=False)
    return rules_public_aid_cap(factors, reglement, evaluation.assiette, evaluation.investment)


def grant_rate(amount: Decimal, eligible_cost: Decimal) -> Decimal | None:
    """The one rate of the grant: its maximum amount over the eligible cost."""
    return amount / eligible_cost if eligible_cost else None


def split(amount: Decimal, eligible_cost: Decimal, investment: Decimal) -> tuple[Decimal, Decimal]:
    """The maximum amount shared between the investment and the operating parts, pro rata of the eligible cost
    (one rate for both), the investment part floored to the cent and the operating part the rest."""
    if not eligible_cost:
        return Decimal(0), Decimal(0)
    invested = (amount * investment / eligible_cost).quantize(CENT, rounding=ROUND_FLOOR)
    return invested, amount - invested


def calculation_lines(
    evaluation: Evaluation,
    grant: Grant,
    amount: Decimal,
    reglement: Reglement,
    territory: Territory,
    derogation: Derogation | None,
) -> tuple[str, ...]:
    """The lines of the « modalités de calcul » of a granted dossier, in French, for the act."""
    lines = [_cost(evaluation), _rate(evaluation, reglement, territory)]
    rules_amount = _amount(evaluation, reglement, derogation)
    if rules_amount is not None:
        lines.append(_amount_line(rules_amount, evaluation, reglement, derogation))
    proposed = evaluation.amount.value if evaluation.amount else None
    if proposed is not None and grant.allocated < proposed:
        lines.append(
            f"Montant alloué : {euros(grant.allocated)}, reliquat de l'enveloppe départementale de "
            f"{euros(reglement.envelope)} après les projets mieux classés, sur les {euros(proposed)} que donnent "
            "les règles de l'appel."
        )
    if amount < grant.allocated:
        lines.append(f"Montant accordé par le préfet : {euros(amount)}, sur {euros(grant.allocated)} alloués.")
    rate = grant_rate(amount, evaluation.assiette)
    if rate is not None:
        lines.append(
            f"Taux de subvention : {percent(rate)} — montant maximum de {euros(amount)} rapporté à la dépense "
            f"subventionnable de {euros(evaluation.assiette)}."
        )
    return tuple(lines)


def _cost(evaluation: Evaluation) -> str:
    text = f"Dépense subventionnable retenue : {euros(evaluation.assiette)} hors taxes"
    operating = evaluation.assiette - evaluation.investment
    if evaluation.investment and operating:
        text += f", dont {euros(evaluation.investment)} d'investissement et {euros(operating)} de fonctionnement"
    cost = evaluation.cost
    if cost.excluded:
        text += (
            f" ({euros(cost.excluded_total)} de dépenses de personnel ou d'équipement informatique des agents, "
            "exclues par l'appel, en sont retirés)"
        )
    return text + "."


def _population(evaluation: Evaluation, territory: Territory) -> str:
    """Where the population comes from, in words of the law: the reference when it is the one retained."""
    value = evaluation.population.value
    assert value is not None  # a rate was found: the population is known
    reference = project_population(evaluation.dossier, territory)
    if reference.value == value:
        detail = reference.detail
        if not evaluation.dossier.is_joint and detail != "déclarée dans le dossier":
            detail = f"population municipale en vigueur en 2021 — {detail}"
        return f"population {number(value)} hab., {detail}"
    if reference.value is None:
        # Read from the tracking workbook, whose partners carry no code: the reference cannot say, and an act
        # must not claim that the office corrected a figure it did not touch.
        return f"population {number(value)} hab., selon le tableau de suivi de l'instruction"
    return f"population {number(value)} hab., retenue par le service instructeur"


def _rate(evaluation: Evaluation, reglement: Reglement, territory: Territory) -> str:
    rate = evaluation.rate
    if rate is None:
        value = evaluation.rate_value
        return f"Taux de financement selon les règles de l'appel : {percent(value)}." if value is not None else ""
    text = (
        f"Taux de financement selon les règles de l'appel : {percent(rate.value)} — taux de base "
        f"{percent(rate.band.rate)} pour la tranche « {rate.band.label} » ({_population(evaluation, territory)})"
    )
    for modulation in rate.applied:
        sign = "+" if modulation.points >= 0 else "−"
        text += f" ; {sign} {number(int(abs(modulation.points) * 100))} points : {modulation.label[:1].lower()}"
        text += modulation.label[1:]
    if rate.capped:
        text += f" ; ramené au taux maximum de {percent(reglement.max_rate)}"
    return text + "."


def _amount(evaluation: Evaluation, reglement: Reglement, derogation: Derogation | None) -> Amount | None:
    """The rules' amount as the act may state it: with the derogation when the grant rests on one, else under
    the legal ceiling (the same amount, when no derogation is needed)."""
    if evaluation.amount is None or evaluation.rate_value is None:
        return None
    if derogation is not None:
        return evaluation.amount
    factors = dataclasses.replace(evaluation.factors, derogation=False)
    return grant_amount(factors, reglement, evaluation.assiette, evaluation.investment, evaluation.rate_value)


def _amount_line(amount: Amount, evaluation: Evaluation, reglement: Reglement, derogation: Derogation | None) -> str:
    if derogation is not None:
        cap = (
            f"plafond des aides publiques {euros(amount.limit(CAP_PUBLIC_AID))}, la participation minimale du maître "
            f"d'ouvrage étant levée par {derogation.reference} ({LEGAL_CAP_TEXT} : {derogation.ground})"
        )
    else:
        share = percent(1 - reglement.owner_min_share)
        cap = (
            f"plafond des aides publiques {euros(amount.limit(CAP_PUBLIC_AID))} ({share} de la part d'investissement, "
            f"la part de fonctionnement, moins les autres financements publics : {LEGAL_CAP_TEXT})"
        )
    labels = {
        BY_RATE: f"dépense subventionnable × taux {euros(amount.limit(BY_RATE))}",
        REQUESTED: f"montant sollicité {euros(amount.limit(REQUESTED))}",
        CAP_PER_DOSSIER: f"plafond par dossier {euros(amount.limit(CAP_PER_DOSSIER))}",
        CAP_PUBLIC_AID: cap,
    }
    step = reglement.rounding.step
    rounding = "à l'euro inférieur" if step == 1 else f"au multiple inférieur de {euros(step)}"
    return (
        f"Montant selon les règles de l'appel : {euros(amount.value)} — le plus petit de : "
        f"{' ; '.join(labels[code] for code, _ in amount.limits)} ; retenu : {SHORT_LABELS[amount.binding]}, "
        f"arrondi {rounding}."
    )


SHORT_LABELS = {
    BY_RATE: "dépense subventionnable × taux",
    REQUESTED: "montant sollicité",
    CAP_PER_DOSSIER: "plafond par dossier",
    CAP_PUBLIC_AID: "plafond des aides publiques",
}
