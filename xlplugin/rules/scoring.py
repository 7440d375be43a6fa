"""The score out of 100, criterion by criterion.

« Les critères d'appréciation des projets seront les suivants : Impact du projet […] ; Besoin ressenti de
mise à niveau numérique pour la collectivité candidate ; Localisation des entreprises prestataires
(préférentiellement dans les territoires). » The call's priorities (effect on citizens' daily life,
mutualisation) add two factual criteria. The weights are a choix local of the règlement.

Criteria measured ``appreciation`` are the agent's notes; the others are computed from the dossier.
A dossier not yet assessed on every such criterion has no score: it says which notes are missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from xlplugin.rules.applicant import Population
from xlplugin.rules.factors import Factors
from xlplugin.rules.money import CENT, ONE, ZERO, format_number, format_percent
from xlplugin.rules.reglement import Criterion, Reglement

HALF = Decimal("0.5")


@dataclass(frozen=True, slots=True)
class CriterionScore:
    """Points of one criterion (``None``: not assessed yet) out of its weight, and how they were found."""

    code: str
    label: str
    weight: int
    points: Decimal | None
    detail: str


@dataclass(frozen=True, slots=True)
class Score:
    """The total out of 100 (``None`` until every assessed criterion has its note) and its breakdown."""

    total: Decimal | None
    breakdown: tuple[CriterionScore, ...]

    @property
    def missing(self) -> tuple[str, ...]:
        """Labels of the criteria still to assess."""
        return tuple(c.label for c in self.breakdown if c.points is None)


def ratio(part: int | None, whole: int | None) -> Decimal | None:
    """``part / whole`` capped at 1; ``None`` when either is unknown or ``whole`` is zero."""
    if part is None or not whole:
        return None
    return min(ONE, Decimal(part) / Decimal(whole))


def score_dossier(factors: Factors, reglement: Reglement, assiette: Decimal, population: Population) -> Score:
    """Score every criterion of the règlement; the total only when all have points."""
    breakdown = tuple(_criterion(c, factors, reglement, assiette, population) for c in reglement.criteria)
    if any(c.points is None for c in breakdown):
        return Score(None, breakdown)
    return Score(sum((c.points for c in breakdown if c.points is not None), ZERO), breakdown)


def _points(criterion: Criterion, fraction: Decimal) -> Decimal:
    return (criterion.weight * fraction).quantize(CENT, rounding=ROUND_HALF_UP)


def _criterion(
    criterion: Criterion, factors: Factors, reglement: Reglement, assiette: Decimal, population: Population
) -> CriterionScore:
    def result(fraction: Decimal | None, detail: str) -> CriterionScore:
        points = None if fraction is None else _points(criterion, fraction)
        return CriterionScore(criterion.code, criterion.label, criterion.weight, points, detail)

    if criterion.measure == "appreciation":
        scale = criterion.scale
        assert scale is not None  # the règlement schema requires a scale for an assessed criterion
        note = factors.assessment.get(criterion.code)
        if note is None:
            return result(None, "à apprécier par l'agent instructeur")
        fraction = Decimal(note - scale.low) / Decimal(scale.high - scale.low)
        return result(fraction, f"note {note} sur {scale.high}, {scale.labels[note - scale.low].lower()}")

    if criterion.measure == "part_prestataires_locaux":
        share = min(ONE, factors.local_amount / assiette) if assiette > ZERO else ZERO
        return result(
            share,
            f"{format_percent(share.quantize(CENT))} de l'assiette confiée à des prestataires du "
            f"département {reglement.departement_code}",
        )

    if criterion.measure == "beneficiaires":
        agents = ratio(factors.agents_benefiting, factors.agents)
        users = ratio(factors.users_benefiting, population.value)
        fraction = HALF * (agents or ZERO) + HALF * (users or ZERO)
        return result(
            fraction,
            f"agents : {_share_text(agents, factors.agents_benefiting, factors.agents)}"
            f" ; usagers : {_share_text(users, factors.users_benefiting, population.value)}",
        )

    if criterion.measure == "projet_commun":
        if factors.joint:
            return result(ONE, f"projet commun à {factors.members} structures")
        return result(ZERO, "projet porté par une seule structure")

    raise AssertionError(f"unknown measure {criterion.measure}: the règlement schema lists them")


def _share_text(share: Decimal | None, part: int | None, whole: int | None) -> str:
    if share is None:
        return "inconnu (effectif ou bénéficiaires non renseignés)"
    return f"{format_number(part or 0)} sur {format_number(whole or 0)} ({format_percent(share.quantize(CENT))})"
