"""Eligibility: who may apply, for which projects, when — each rule of the call a function.

Each ``check_*`` function restates the call's sentence it implements and returns the motifs it finds.
``check_eligibility`` runs them all and returns the verdict with every motif, never only the first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from xlplugin.rules.applicant import seat_in_departement
from xlplugin.rules.dossier import OTHER_KIND, Dossier
from xlplugin.rules.money import ZERO
from xlplugin.rules.reasons import MissingFact, Reason
from xlplugin.rules.reglement import Reglement
from xlplugin.rules.territory import Territory


@dataclass(frozen=True, slots=True)
class Context:
    """What every rule may look at: the règlement, the reference territory and the dossier's assiette."""

    reglement: Reglement
    territory: Territory
    assiette: Decimal


Rule = Callable[[Dossier, Context], list[Reason]]


def in_sentence(label: str) -> str:
    """A label inside a sentence: « Commune » → « commune », but « EPCI à fiscalité propre » stays."""
    return label[:1].lower() + label[1:] if label[1:2].islower() else label


def _eligible_types(reglement: Reglement) -> str:
    return ", ".join(in_sentence(t.label) for t in reglement.applicant_types if t.eligible)


def _type_label(reglement: Reglement, code: str) -> str:
    kind = reglement.applicant_type(code)
    return in_sentence(kind.label) if kind else code


def check_applicant_type(dossier: Dossier, ctx: Context) -> list[Reason]:
    """« Les structures pouvant candidater sont les communes et les établissements publics de coopération
    intercommunales (EPCI). » Syndicats de communes are EPCI (CGCT L5210-1-1 A)."""
    kind = ctx.reglement.applicant_type(dossier.applicant.kind)
    if kind is not None and kind.eligible:
        return []
    return [
        Reason(
            "PORTEUR_NON_ELIGIBLE",
            f"Le porteur est de type « {_type_label(ctx.reglement, dossier.applicant.kind)} » ; seuls peuvent "
            f"candidater : {_eligible_types(ctx.reglement)}.",
        )
    ]


def check_departement(dossier: Dossier, ctx: Context) -> list[Reason]:
    """« 297 000 € sont dédiés aux collectivités territoriales au sein département de l'Ain. »"""
    r = ctx.reglement
    inside = seat_in_departement(dossier.applicant, ctx.territory, r.departement_code)
    if inside:
        return []
    if inside is None:
        message = (
            f"Le département du porteur n'a pas pu être établi : indiquez le code INSEE de sa commune "
            f"siège (département attendu : {r.departement_code} {r.departement_name})."
        )
    else:
        message = f"Le porteur n'a pas son siège dans le département {r.departement_code} ({r.departement_name})."
    return [Reason("HORS_DEPARTEMENT", message)]


def check_partners(dossier: Dossier, ctx: Context) -> list[Reason]:
    """« Les porteurs peuvent candidater dans le cadre d'un projet commun à plusieurs structures » — each of
    them a commune or an EPCI (choix local, written in the règlement)."""
    reasons = []
    for partner in dossier.partners:
        kind = ctx.reglement.applicant_type(partner.kind)
        if kind is None or not kind.eligible:
            reasons.append(
                Reason(
                    "PARTENAIRE_NON_ELIGIBLE",
                    f"La structure associée « {partner.name} » est de type "
                    f"« {_type_label(ctx.reglement, partner.kind)} » ; "
                    f"seules peuvent être associées : {_eligible_types(ctx.reglement)}.",
                )
            )
    return reasons


def check_operational_contact(dossier: Dossier, ctx: Context) -> list[Reason]:
    """« L'un des acteurs doit être identifié comme contact opérationnel pour l'ensemble du projet. »"""
    if not dossier.is_joint or not ctx.reglement.operational_contact_required:
        return []
    if dossier.contact is not None and dossier.contact.is_given:
        return []
    return [
        Reason(
            "CONTACT_OPERATIONNEL_MANQUANT",
            "Projet commun sans contact opérationnel : le dossier doit nommer la personne (nom ou courriel) "
            "qui suit le projet pour l'ensemble des structures.",
        )
    ]


def check_project_kinds(dossier: Dossier, ctx: Context) -> list[Reason]:
    """« Peuvent être soutenus, via ce fonds déconcentré : » the four kinds of project of the call."""
    if any(ctx.reglement.project_kind(k) for k in dossier.project.kinds):
        return []
    declared = "« Autre » seulement" if OTHER_KIND in dossier.project.kinds else "aucun axe"
    return [
        Reason(
            "PROJET_HORS_AXES",
            f"Le projet ne relève d'aucun des {len(ctx.reglement.project_kinds)} axes de l'appel ({declared}).",
        )
    ]


def check_start_date(dossier: Dossier, ctx: Context) -> list[Reason]:
    """« démarrage au 31 décembre 2021 »: the project starts on that date at the latest."""
    limit = ctx.reglement.latest_start
    start = _known(dossier.project.start, "date de démarrage")
    if start <= limit:
        return []
    return [Reason("DEBUT_TARDIF", f"Démarrage le {start:%d/%m/%Y}, après la date limite du {limit:%d/%m/%Y}.")]


def check_start_after_deposit(dossier: Dossier, ctx: Context) -> list[Reason]:
    """Décret n° 2018-514, art. 5, II: « Aucun commencement d'exécution du projet ne peut être opéré avant la date
    de réception de la demande de subvention. » The call allows no exception (its III is for programmes
    co-financed by the European Union). Checked when both dates are known: the planned start against the day
    the application was received (its deposit on démarches-simplifiées)."""
    start, submitted = dossier.project.start, dossier.submitted_at
    if start is None or submitted is None or start >= submitted.date():
        return []
    return [
        Reason(
            "DEBUT_AVANT_DEPOT",
            f"Démarrage le {start:%d/%m/%Y}, avant la réception de la demande de subvention le "
            f"{submitted:%d/%m/%Y} : aucun commencement d'exécution ne peut précéder la demande.",
        )
    ]


def check_end_date(dossier: Dossier, ctx: Context) -> list[Reason]:
    """« mise en œuvre au plus tard au 31/12/2022 »."""
    limit = ctx.reglement.latest_end
    end = _known(dossier.project.end, "date de fin")
    if end <= limit:
        return []
    return [Reason("FIN_TARDIVE", f"Fin de mise en œuvre le {end:%d/%m/%Y}, après la date limite du {limit:%d/%m/%Y}.")]


def _known(day: date | None, what: str) -> date:
    if day is None:
        raise MissingFact(what)
    return day


def check_eligible_cost(dossier: Dossier, ctx: Context) -> list[Reason]:
    """« Les dépenses de personnel et les achats d'équipements informatiques pour les agents sont exclus » —
    a dossier with nothing else has nothing to fund."""
    if ctx.assiette > ZERO:
        return []
    return [
        Reason(
            "ASSIETTE_NULLE",
            "Aucune dépense éligible : l'assiette est nulle (les dépenses de personnel et l'équipement "
            "informatique des agents sont exclus par l'appel).",
        )
    ]


RULES: tuple[Rule, ...] = (
    check_applicant_type,
    check_departement,
    check_partners,
    check_operational_contact,
    check_project_kinds,
    check_start_date,
    check_start_after_deposit,
    check_end_date,
    check_eligible_cost,
)


def eligibility_reasons(
    dossier: Dossier, reglement: Reglement, territory: Territory, assiette: Decimal
) -> list[Reason]:
    """Every motif that makes the dossier ineligible (empty: eligible)."""
    ctx = Context(reglement, territory, assiette)
    return [reason for rule in RULES for reason in rule(dossier, ctx)]
