"""A French explanation of an evaluation: why eligible or not, how the score, rate and amount were found.

One line per subject, so that a cell, a terminal or a letter can show it as it is.
"""

from __future__ import annotations

from decimal import Decimal

from xlplugin.rules.applicant import Population
from xlplugin.rules.eligibility import in_sentence
from xlplugin.rules.evaluation import Evaluation
from xlplugin.rules.funding import BY_RATE, CAP_PER_DOSSIER, CAP_PUBLIC_AID, REQUESTED, Amount, Rate
from xlplugin.rules.money import format_euros, format_number, format_percent
from xlplugin.rules.reglement import Reglement

LIMIT_LABELS = {
    BY_RATE: "assiette × taux",
    REQUESTED: "montant sollicité",
    CAP_PER_DOSSIER: "plafond par dossier",
    CAP_PUBLIC_AID: "plafond des aides publiques (CGCT L1111-10)",
}


def format_score(value: Decimal) -> str:
    """A note with two decimals, French style: ``Decimal("72.5")`` → ``72,50``."""
    return f"{value:.2f}".replace(".", ",")


def explain(evaluation: Evaluation, reglement: Reglement) -> str:
    """The explanation of ``evaluation``, in French, one subject per line."""
    lines = [_verdict(evaluation, reglement), _cost(evaluation), _score(evaluation)]
    if evaluation.eligible:
        lines += [
            explain_rate(evaluation.rate, evaluation.population, reglement),
            explain_amount(evaluation.amount, reglement),
        ]
    return "\n".join(line for line in lines if line)


def _verdict(ev: Evaluation, reglement: Reglement) -> str:
    if not ev.eligible:
        return "Inéligible : " + " ".join(r.message for r in ev.reasons)
    d = ev.dossier
    kind = reglement.applicant_type(d.applicant.kind)
    kinds = [k.label for code in d.project.kinds if (k := reglement.project_kind(code))]
    who = f"{in_sentence(kind.label) if kind else d.applicant.kind} du département {reglement.departement_code}"
    if d.is_joint:
        who += f", projet commun avec {len(d.partners)} structure(s) associée(s)"
    return (
        f"Éligible : {who} ; axe(s) : {', '.join(kinds)} ; démarrage le {d.project.start:%d/%m/%Y} et fin le "
        f"{d.project.end:%d/%m/%Y}, dans les délais de l'appel."
    )


def _cost(ev: Evaluation) -> str:
    c = ev.cost
    text = f"Assiette éligible : {format_euros(c.total)}"
    if c.excluded:
        excluded = format_euros(c.excluded_total)
        text += f" ({format_euros(c.declared_lines)} de dépenses, dont {excluded} exclues par l'appel)"
    return text + "."


def _score(ev: Evaluation) -> str:
    parts = " ; ".join(
        f"{c.label} {'?' if c.points is None else format_score(c.points)}/{c.weight} ({c.detail})"
        for c in ev.score.breakdown
    )
    if ev.score.total is None:
        return f"Note : non calculée, à apprécier ({', '.join(ev.score.missing)}). Détail : {parts}."
    return f"Note : {format_score(ev.score.total)}/100 — {parts}."


def explain_rate(rate: Rate | None, population: Population, reglement: Reglement) -> str:
    """How the rate was found: the band of the population, each modulation, the cap."""
    if rate is None:
        return f"Taux : non calculable, population inconnue ({population.detail})."
    text = (
        f"Taux : {format_percent(rate.value)} — taux de base {format_percent(rate.band.rate)} pour la tranche "
        f"« {rate.band.label} » (population {format_number(rate.population)} hab. : {population.detail})"
    )
    for m in rate.applied:
        sign = "+" if m.points >= 0 else "−"
        text += f" ; {sign} {format_number(abs(m.points) * 100)} points : {m.label.lower()}"
    if rate.capped:
        text += f" ; ramené au taux maximum de {format_percent(reglement.max_rate)}"
    return text + "."


def explain_amount(amount: Amount | None, reglement: Reglement) -> str:
    """How the amount was found: the least of its limits, rounded down."""
    if amount is None:
        return "Montant : non calculable tant que le taux ne l'est pas."
    limits = ", ".join(f"{LIMIT_LABELS[code]} {format_euros(value)}" for code, value in amount.limits)
    step = reglement.rounding.step
    rounding = "à l'euro inférieur" if step == 1 else f"au multiple inférieur de {format_euros(step)}"
    return (
        f"Montant : {format_euros(amount.value)} — le plus petit de : {limits} ; retenu : "
        f"{LIMIT_LABELS[amount.binding]}, arrondi {rounding}."
    )
