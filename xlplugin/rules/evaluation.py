"""One call that runs every rule on a dossier: ``evaluate(dossier)`` → ``Evaluation``.

This is what every face shows: the eligibility verdict with all its motifs and avertissements, the
assiette, the score and its breakdown, the rate, the amount, and a French explanation of each.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from xlplugin.rules.allocation import Candidate
from xlplugin.rules.applicant import Population, project_population
from xlplugin.rules.cost import EligibleCost, eligible_cost
from xlplugin.rules.dossier import Dossier
from xlplugin.rules.eligibility import eligibility_reasons
from xlplugin.rules.factors import Factors
from xlplugin.rules.funding import CAP_PER_DOSSIER, CAP_PUBLIC_AID, Amount, Rate, funding_rate, grant_amount
from xlplugin.rules.money import ZERO, format_euros
from xlplugin.rules.reasons import Reason
from xlplugin.rules.reglement import Reglement, default_reglement
from xlplugin.rules.scoring import Score, score_dossier
from xlplugin.rules.territory import Territory, default_territory


@dataclass(frozen=True, slots=True)
class Evaluation:
    """Everything the rules say of one dossier."""

    dossier: Dossier
    reasons: tuple[Reason, ...]
    warnings: tuple[Reason, ...]
    cost: EligibleCost
    population: Population
    score: Score
    rate: Rate | None  # None: ineligible, or population unknown
    amount: Amount | None  # None: ineligible, or rate unknown

    @property
    def number(self) -> int:
        return self.dossier.number

    @property
    def eligible(self) -> bool:
        return not self.reasons

    @property
    def granted(self) -> Decimal | None:
        """The amount this dossier may receive: 0 when ineligible, ``None`` when it cannot be computed yet."""
        if not self.eligible:
            return ZERO
        return self.amount.value if self.amount else None

    def candidate(self) -> Candidate:
        """What the allocation of the envelope needs of this dossier."""
        return Candidate(
            number=self.number,
            eligible=self.eligible,
            score=self.score.total,
            amount=self.granted,
            population=self.population.value,
            submitted_at=self.dossier.submitted_at,
        )


def evaluate(dossier: Dossier, reglement: Reglement | None = None, territory: Territory | None = None) -> Evaluation:
    """Run every rule of ``reglement`` (default: the Ain call) on ``dossier``."""
    reglement = reglement or default_reglement()
    territory = territory or default_territory()
    cost = eligible_cost(dossier, reglement)
    population = project_population(dossier, territory)
    reasons = tuple(eligibility_reasons(dossier, reglement, territory, cost))
    factors = Factors.of(dossier, reglement)
    score = score_dossier(factors, reglement, cost, population)
    rate = amount = None
    if not reasons:
        rate = funding_rate(factors, reglement, population)
        if rate is not None:
            amount = grant_amount(factors, reglement, cost, rate.value)
    warnings = tuple(_warnings(dossier, cost, population, score, amount))
    return Evaluation(dossier, reasons, warnings, cost, population, score, rate, amount)


def _warnings(
    dossier: Dossier, cost: EligibleCost, population: Population, score: Score, amount: Amount | None
) -> list[Reason]:
    found = []
    if cost.excluded:
        lines = ", ".join(f"« {line.label} » ({format_euros(line.amount)})" for line in cost.excluded)
        found.append(
            Reason(
                "DEPENSES_EXCLUES_RETIREES",
                f"{format_euros(cost.excluded_total)} de dépenses exclues retirées de l'assiette : {lines}.",
            )
        )
    if cost.declared_lines != dossier.total_cost:
        found.append(
            Reason(
                "COUT_TOTAL_DIFFERENT",
                f"Coût total déclaré {format_euros(dossier.total_cost)}, somme des lignes "
                f"{format_euros(cost.declared_lines)} : l'assiette retient les lignes.",
            )
        )
    if population.value is None:
        found.append(
            Reason(
                "POPULATION_INCONNUE",
                f"Population inconnue pour : {', '.join(population.unknown)} ; renseignez-la (ou le code "
                "INSEE) pour calculer le taux.",
            )
        )
    if score.total is None:
        found.append(Reason("APPRECIATION_INCOMPLETE", f"À apprécier : {', '.join(score.missing)}."))
    if amount is not None and amount.binding == CAP_PER_DOSSIER:
        found.append(
            Reason(
                "PLAFOND_DOSSIER_APPLIQUE",
                f"Montant limité au plafond par dossier de {format_euros(amount.limit(CAP_PER_DOSSIER))}.",
            )
        )
    if amount is not None and amount.binding == CAP_PUBLIC_AID:
        found.append(
            Reason(
                "PLAFOND_AIDES_PUBLIQUES_APPLIQUE",
                f"Montant limité à {format_euros(amount.limit(CAP_PUBLIC_AID))} par la participation minimale "
                "du maître d'ouvrage (CGCT L1111-10) et les autres financements publics.",
            )
        )
    return found
