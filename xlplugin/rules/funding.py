"""The funding rate and the amount of the grant.

Rate: « Le taux de financement accordé par l'État pourra être modulé en fonction de la taille de la
collectivité porteuse du projet, de son coût global, de sa pertinence et de son impact […], du nombre
d'agents et d'usagers bénéficiaires et de la gouvernance retenue. » and « Les projets pourront être
financés à 100 % pour les petites collectivités. » The base rate comes from the population band; each
modulation of the règlement adds or takes points; the result stays between 0 and the maximum rate.

Amount: the least of assiette × rate, the amount requested, the cap per dossier and the legal cap of
public aid (CGCT L1111-10: the owner pays at least 20 % of the investment part unless the préfet grants a
derogation), less other public funding; rounded down once, by the règlement's step.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from xlplugin.rules.applicant import Population
from xlplugin.rules.factors import Factors
from xlplugin.rules.money import ONE, ZERO
from xlplugin.rules.reglement import Modulation, PopulationBand, Reglement
from xlplugin.rules.scoring import ratio


@dataclass(frozen=True, slots=True)
class Rate:
    """The funding rate and how it was found."""

    value: Decimal
    band: PopulationBand
    population: int
    applied: tuple[Modulation, ...]
    capped: bool  # the sum went beyond the maximum rate (or below zero) and was brought back


def modulation_applies(modulation: Modulation, factors: Factors, population: int) -> bool:
    """Whether the dossier shows the factor of ``modulation``."""
    factor = modulation.factor
    if factor == "cout_total_superieur_a":
        assert modulation.threshold is not None
        return factors.total_cost > modulation.threshold
    if factor == "demarche_participative":
        return factors.participatory
    if factor == "laboratoire_innovation":
        return factors.innovation_lab
    if factor == "part_usagers_au_moins":
        assert modulation.threshold is not None
        share = ratio(factors.users_benefiting, population)
        return share is not None and share >= modulation.threshold
    if factor == "part_agents_au_moins":
        assert modulation.threshold is not None
        share = ratio(factors.agents_benefiting, factors.agents)
        return share is not None and share >= modulation.threshold
    if factor == "projet_commun":
        return factors.joint
    raise AssertionError(f"unknown factor {factor}: the règlement schema lists them")


def funding_rate(factors: Factors, reglement: Reglement, population: Population) -> Rate | None:
    """The rate for this dossier, ``None`` when the population (hence the band) is unknown."""
    if population.value is None:
        return None
    band = reglement.band_for(population.value)
    applied = tuple(m for m in reglement.modulations if modulation_applies(m, factors, population.value))
    raw = band.rate + sum((m.points for m in applied), ZERO)
    value = min(max(raw, ZERO), reglement.max_rate)
    return Rate(value, band, population.value, applied, capped=value != raw)


@dataclass(frozen=True, slots=True)
class Amount:
    """The grant: ``value`` (rounded), the limits it was the least of, and which one bound it."""

    value: Decimal
    limits: tuple[tuple[str, Decimal], ...]  # (code, amount) of each limit, before rounding
    binding: str  # code of the least limit

    def limit(self, code: str) -> Decimal:
        return dict(self.limits)[code]


# Codes of the limits of an amount; the French labels live with the explanation.
BY_RATE = "assiette_x_taux"
REQUESTED = "sollicite"
CAP_PER_DOSSIER = "plafond_dossier"
CAP_PUBLIC_AID = "plafond_aides_publiques"


def public_aid_cap(factors: Factors, reglement: Reglement, assiette: Decimal, investment: Decimal) -> Decimal:
    """What the State may still give under CGCT L1111-10: the owner's minimum share of the investment part
    (``investment``, within ``assiette``) stays with it (unless derogation), and other public funding comes off."""
    investment_share = ONE if factors.derogation else ONE - reglement.owner_min_share
    ceiling = investment * investment_share + (assiette - investment) - factors.other_public_funding
    return max(ceiling, ZERO)


def grant_amount(
    factors: Factors, reglement: Reglement, assiette: Decimal, investment: Decimal, rate: Decimal
) -> Amount:
    """The least of the limits, rounded down by the règlement's step: never above any of them."""
    limits = (
        (BY_RATE, assiette * rate),
        (REQUESTED, factors.requested),
        (CAP_PER_DOSSIER, reglement.cap_per_dossier),
        (CAP_PUBLIC_AID, public_aid_cap(factors, reglement, assiette, investment)),
    )
    binding, least = min(limits, key=lambda item: item[1])
    return Amount(reglement.rounding.apply(max(least, ZERO)), limits, binding)
