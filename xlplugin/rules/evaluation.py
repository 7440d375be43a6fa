"""One evaluation for every face: ``evaluate(dossier, given=…)`` → ``Evaluation``.

Each thing the rules say of a dossier is a *variable* with one formula: the assiette (from the expense
lines), the local part of it, the population (from the territory), the eligibility motifs, the score, the
funding rate, the amount, the amount granted, the warnings. As in OpenFisca, any variable may instead be
*given*: a workbook row gives its population (an agent may have corrected it); an Excel function given
the cells « éligible », « assiette » and « taux » gives those and asks for the amount. A given value
replaces the formula, and everything that depends on it follows: no rule is written twice, whichever face
asks. Variables are computed on first use only, and a face may even hand over its dossier and its given
values to be read on first use: it asks for what it needs and gives what it has (``SUBV_TAUX`` never needs
the project's dates; ``SUBV_MONTANT`` of an ineligible dossier never reads its rate).

This is what every face shows: the command line (a received file's dossier, nothing given), the Excel
functions (the cells they are passed), the allocation of a workbook (its rows and its expense lines).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol

from xlplugin.rules.applicant import Population, project_population
from xlplugin.rules.cost import EligibleCost, eligible_cost, local_amount
from xlplugin.rules.dossier import Dossier
from xlplugin.rules.eligibility import eligibility_reasons
from xlplugin.rules.lazy import cached_property
from xlplugin.rules.money import ZERO, format_euros
from xlplugin.rules.reasons import Reason
from xlplugin.rules.reglement import Reglement, default_reglement
from xlplugin.rules.territory import Territory, default_territory

if TYPE_CHECKING:
    from xlplugin.rules.allocation import Candidate
    from xlplugin.rules.factors import Factors
    from xlplugin.rules.funding import Amount, Rate
    from xlplugin.rules.scoring import Score

# The score, the rate and the allocation are imported where first needed (« from … import » inside the
# variable): checking a received file asks only for the eligibility, and the command line starts faster.


class GivenValues(Protocol):
    """Variables a face gives instead of letting their formula compute them (``None``: computed); each is
    read only when the evaluation needs it."""

    @property
    def assiette(self) -> Decimal | None: ...
    @property
    def investment(self) -> Decimal | None: ...
    @property
    def local_amount(self) -> Decimal | None: ...
    @property
    def population(self) -> Population | None: ...
    @property
    def eligible(self) -> bool | None: ...
    @property
    def rate(self) -> Decimal | None: ...


@dataclass(frozen=True, slots=True)
class Given:
    """Given variables as plain values (``None``: computed)."""

    assiette: Decimal | None = None  # the eligible cost
    investment: Decimal | None = None  # the investment part of the assiette
    local_amount: Decimal | None = None  # the part of the assiette given to contractors of the département
    population: Population | None = None
    eligible: bool | None = None
    rate: Decimal | None = None  # the funding rate, as a fraction


class Evaluation:
    """Everything the rules say of one dossier, each variable computed on first use (or given)."""

    def __init__(
        self,
        dossier: Dossier | Callable[[], Dossier],
        reglement: Reglement,
        territory: Territory,
        given: GivenValues,
    ) -> None:
        self._dossier = dossier
        self.reglement = reglement
        self.territory = territory
        self.given = given

    @cached_property
    def dossier(self) -> Dossier:
        """The dossier judged (built on first use when the face handed over how to build it)."""
        return self._dossier if isinstance(self._dossier, Dossier) else self._dossier()

    @property
    def number(self) -> int:
        return self.dossier.number

    # -- the assiette

    @cached_property
    def cost(self) -> EligibleCost:
        """The assiette found from the expense lines, and what was left out of it."""
        return eligible_cost(self.dossier.expenses, self.reglement)

    @cached_property
    def assiette(self) -> Decimal:
        given = self.given.assiette
        return given if given is not None else self.cost.total

    @cached_property
    def investment(self) -> Decimal:
        given = self.given.investment
        return given if given is not None else self.cost.investment

    @cached_property
    def local_amount(self) -> Decimal:
        given = self.given.local_amount
        return given if given is not None else local_amount(self.dossier.expenses, self.reglement)

    # -- who applies, and whether they may

    @cached_property
    def population(self) -> Population:
        given = self.given.population
        return given if given is not None else project_population(self.dossier, self.territory)

    @cached_property
    def reasons(self) -> tuple[Reason, ...]:
        """Every motif of ineligibility (empty: eligible)."""
        return tuple(eligibility_reasons(self.dossier, self.reglement, self.territory, self.assiette))

    @cached_property
    def eligible(self) -> bool:
        given = self.given.eligible
        return given if given is not None else not self.reasons

    # -- score, rate, amount

    @cached_property
    def factors(self) -> Factors:
        from xlplugin.rules.factors import Factors

        return Factors.of(self.dossier, self.local_amount)

    @cached_property
    def score(self) -> Score:
        from xlplugin.rules.scoring import score_dossier

        return score_dossier(self.factors, self.reglement, self.assiette, self.population)

    @cached_property
    def funding_rate(self) -> Rate | None:
        """The rate of the dossier's band and modulations, eligible or not; ``None``: population unknown."""
        from xlplugin.rules.funding import funding_rate

        return funding_rate(self.factors, self.reglement, self.population)

    @property
    def rate(self) -> Rate | None:
        """The rate offered: ``None`` when the dossier is ineligible or its population unknown."""
        return self.funding_rate if self.eligible else None

    @cached_property
    def rate_value(self) -> Decimal | None:
        """The rate the amount is computed with: given, else the funding rate's."""
        given = self.given.rate
        if given is not None:
            return given
        return self.funding_rate.value if self.funding_rate is not None else None

    @cached_property
    def amount(self) -> Amount | None:
        """The grant and its limits; ``None`` when ineligible, or while the rate cannot be computed."""
        from xlplugin.rules.funding import grant_amount

        if not self.eligible or self.rate_value is None:
            return None
        return grant_amount(self.factors, self.reglement, self.assiette, self.investment, self.rate_value)

    @property
    def granted(self) -> Decimal | None:
        """The amount this dossier may receive: 0 when ineligible, ``None`` when it cannot be computed yet."""
        if not self.eligible:
            return ZERO
        return self.amount.value if self.amount else None

    def candidate(self) -> Candidate:
        """What the allocation of the envelope needs of this dossier."""
        from xlplugin.rules.allocation import Candidate

        return Candidate(
            number=self.number,
            eligible=self.eligible,
            score=self.score.total,
            amount=self.granted,
            population=self.population.value,
            submitted_at=self.dossier.submitted_at,
        )

    # -- what the agent should know

    @cached_property
    def warnings(self) -> tuple[Reason, ...]:
        return tuple(_warnings(self))


def evaluate(
    dossier: Dossier | Callable[[], Dossier],
    reglement: Reglement | None = None,
    territory: Territory | None = None,
    given: GivenValues | None = None,
) -> Evaluation:
    """Judge ``dossier`` by ``reglement`` (default: the Ain call); ``given`` variables replace their formula."""
    return Evaluation(dossier, reglement or default_reglement(), territory or default_territory(), given or Given())


def _warnings(ev: Evaluation) -> list[Reason]:
    from xlplugin.rules.funding import CAP_PER_DOSSIER, CAP_PUBLIC_AID

    found = []
    cost, dossier, population, score, amount = ev.cost, ev.dossier, ev.population, ev.score, ev.amount
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
        # For a joint project the column holds the members' sum: the agent types that, not the unknown member's.
        what = "la population totale du projet commun (somme de ses membres)" if dossier.is_joint else "la population"
        found.append(
            Reason(
                "POPULATION_INCONNUE",
                f"Population inconnue pour : {', '.join(population.unknown)} ; renseignez {what} (colonne "
                "« Population » du tableau de suivi, que les imports gardent) pour calculer le taux.",
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
