"""The rules applied to the cells of a workbook row: what the Excel functions and the allocation of a
workbook (the ribbon button, ``guichet allocate --workbook``) compute, with the same core as the batch tool.

Each function takes cell values as Excel gives them (see ``excel_values``) and raises ``CellError`` with a
French message naming the argument when a cell cannot be used.
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any

from xlplugin.excel_values import (
    CellError,
    as_bool,
    as_code,
    as_column,
    as_count,
    as_date,
    as_fraction,
    as_int,
    as_money,
    as_text,
    blank,
    split_list,
)
from xlplugin.rules.applicant import Population
from xlplugin.rules.cost import EligibleCost
from xlplugin.rules.dossier import Contact, Dossier, Project, Structure
from xlplugin.rules.eligibility import eligibility_reasons
from xlplugin.rules.explanation import explain_amount, explain_rate
from xlplugin.rules.factors import Factors
from xlplugin.rules.funding import Amount, funding_rate, grant_amount
from xlplugin.rules.labels import label_index, normalize_label
from xlplugin.rules.money import ZERO
from xlplugin.rules.reglement import Reglement, load_reglement
from xlplugin.rules.scoring import score_dossier
from xlplugin.rules.territory import Territory, default_territory

ERROR_PREFIX = "Erreur : "
YES, NO = "Oui", "Non"
TO_ASSESS = "à apprécier"
SECTIONS = ("", "investissement", "fonctionnement", "exclues")


_override: Reglement | None = None


def reglement() -> Reglement:
    """The règlement the rules apply: the one given by ``using``, else the Ain call's or the file named by
    ``GUICHET_REGLEMENT`` (read once per Excel session)."""
    return _override or _session_reglement()


@functools.cache
def _session_reglement() -> Reglement:
    return load_reglement(os.environ.get("GUICHET_REGLEMENT") or None)


@contextlib.contextmanager
def using(chosen: Reglement) -> Iterator[None]:
    """Apply ``chosen`` within the block (``guichet allocate --workbook --reglement``)."""
    global _override
    previous, _override = _override, chosen
    try:
        yield
    finally:
        _override = previous


def territory() -> Territory:
    return default_territory()


def _code_of(table: dict[str, str], value: Any, name: str, choices: Sequence[str]) -> str:
    code = table.get(normalize_label(as_text(value)))
    if code is None:
        raise CellError(f"{name} : « {as_text(value)} » n'est pas un choix connu ({', '.join(choices)})")
    return code


def _choices(kind: str) -> tuple[dict[str, str], list[str]]:
    """The labels of the règlement's applicant types, project kinds or expense natures, and their codes
    by normalized label (built once per règlement: every cell of a column asks for them)."""
    return _choices_of(reglement(), kind)


@functools.lru_cache(maxsize=16)
def _choices_of(r: Reglement, kind: str) -> tuple[dict[str, str], list[str]]:
    pairs = {
        "types": [(t.label, t.code) for t in r.applicant_types],
        "axes": [(k.label, k.code) for k in r.project_kinds] + [("Autre", "autre")],
        "natures": [(n.label, n.code) for n in r.expense_natures],
    }[kind]
    return label_index(pairs), [label for label, _ in pairs]


def _applicant_kind(value: Any, name: str = "type de porteur") -> str:
    table, labels = _choices("types")
    return _code_of(table, value, name, labels)


def _kinds(value: Any) -> tuple[str, ...]:
    table, labels = _choices("axes")
    return tuple(_code_of(table, part, "axes", labels) for part in split_list(value))


def _structure(kind: str, code: str, name: str) -> Structure:
    if len(code) == 9:
        return Structure(kind=kind, name=name, siren=code)
    return Structure(kind=kind, name=name, code_insee=code)


def expense_lines(numbers: Any, natures: Any, amounts: Any, departements: Any = None) -> Lines:
    """The ``Lines`` of these columns, read once for a whole recalculation: every row's function receives the
    same columns, so the last few readings are kept, keyed by their content."""
    key = (
        tuple(as_column(numbers)),
        tuple(as_column(natures)),
        tuple(as_column(amounts)),
        None if departements is None else tuple(as_column(departements)),
    )
    try:
        return _cached_lines(reglement(), *key)
    except TypeError:  # a cell holding something unhashable: read without the cache
        return Lines(numbers, natures, amounts, departements)


@functools.lru_cache(maxsize=4)
def _cached_lines(_reglement: Reglement, numbers: Any, natures: Any, amounts: Any, departements: Any) -> Lines:
    # ``_reglement`` is part of the key: the same cells mean other natures under another règlement.
    return Lines(list(numbers), list(natures), list(amounts), None if departements is None else list(departements))


class Lines:
    """The expense lines of the « Dépenses » sheet, grouped by dossier number.

    A line that cannot be read (unknown nature, amount that is not a number) makes only its own dossier's
    computations fail, with the line's place in the message; the other dossiers are computed.
    """

    def __init__(self, numbers: Any, natures: Any, amounts: Any, departements: Any = None) -> None:
        table, labels = _choices("natures")
        number_cells, nature_cells, amount_cells = as_column(numbers), as_column(natures), as_column(amounts)
        departement_cells = as_column(departements) if departements is not None else [None] * len(number_cells)
        self.by_dossier: dict[int, list[tuple[str, Decimal, str | None]]] = {}
        self.errors: dict[int, str] = {}
        for row, (number, nature, amount, departement) in enumerate(
            zip(number_cells, nature_cells, amount_cells, departement_cells, strict=False), start=1
        ):
            if blank(number):
                continue
            where = f"Dépenses, ligne {row}"
            key = as_int(number, f"{where}, n° de dossier", required=True)
            assert key is not None
            try:
                code = _code_of(table, nature, f"{where}, nature", labels)
                money = as_money(amount, f"{where}, montant")
            except CellError as exc:
                self.errors.setdefault(key, str(exc))
                continue
            assert money is not None
            dep = as_text(departement).split(" - ", 1)[0].strip().upper() or None  # « 01 - Ain » → 01
            self.by_dossier.setdefault(key, []).append((code, money, dep))

    def cost(self, number: int) -> tuple[EligibleCost, Decimal]:
        """The assiette of dossier ``number`` and the part of it given to contractors of the département."""
        if number in self.errors:
            raise CellError(self.errors[number])
        r = reglement()
        investment = operating = declared = local = ZERO
        for code, amount, departement in self.by_dossier.get(number, []):
            declared += amount
            nature = r.nature(code)
            assert nature is not None
            if nature.excluded:
                continue
            if nature.section == "investissement":
                investment += amount
            else:
                operating += amount
            if departement == r.departement_code:
                local += amount
        cost = EligibleCost(investment + operating, investment, operating, declared, ())
        return cost, local


# ---------------------------------------------------------------- eligibility


def eligibility_motifs(
    type_porteur: Any,
    code_porteur: Any,
    projet_commun: Any,
    partenaires: Any,
    types_partenaires: Any,
    contact: Any,
    axes: Any,
    date_debut: Any,
    date_fin: Any,
    assiette: Any,
) -> list[str]:
    kind = _applicant_kind(type_porteur)
    code = as_code(code_porteur, "code du porteur")
    names = split_list(partenaires)
    partner_kinds = split_list(types_partenaires)
    partners = tuple(
        Structure(kind=_applicant_kind(k, "type de structure associée"), name=names[i] if i < len(names) else k)
        for i, k in enumerate(partner_kinds)
    )
    dossier = Dossier(
        number=0,
        applicant=_structure(kind, code, "Porteur"),
        project=Project(
            title="",
            kinds=_kinds(axes),
            start=as_date(date_debut, "date de démarrage"),
            end=as_date(date_fin, "date de fin"),
        ),
        expenses=(),
        total_cost=ZERO,
        requested=ZERO,
        joint=as_bool(projet_commun, "projet commun"),
        partners=partners,
        contact=Contact(name=as_text(contact)),
    )
    total = as_money(assiette, "assiette")
    assert total is not None
    cost = EligibleCost(total, ZERO, total, total, ())
    return [f"{r.code} : {r.message}" for r in eligibility_reasons(dossier, reglement(), territory(), cost)]


def part(cost: EligibleCost, partie: Any) -> Decimal:
    section = normalize_label(as_text(partie))
    if section not in SECTIONS[:4]:
        raise CellError(f"partie : « {as_text(partie)} » inconnue (vide, investissement, fonctionnement ou exclues)")
    if section == "investissement":
        return cost.investment
    if section == "fonctionnement":
        return cost.operating
    if section == "exclues":
        return cost.declared_lines - cost.total
    return cost.total


def _factors(**values: Any) -> Factors:
    return Factors(total_cost=values.pop("total_cost", ZERO), requested=values.pop("requested", ZERO), **values)


def _population(value: Any) -> Population:
    population = as_count(value, "population")
    if population is None:
        return Population(None, "inconnue", ("porteur",))
    return Population(population, "colonne Population")


def score_value(
    impact: Any,
    besoin: Any,
    assiette: Any,
    assiette_locale: Any,
    agents_beneficiaires: Any,
    nb_agents: Any,
    usagers_beneficiaires: Any,
    population: Any,
    projet_commun: Any,
) -> Decimal | None:
    """The score out of 100, or ``None`` while the agent's notes are missing."""
    assessment = {}
    for code, value in (("impact", impact), ("besoin", besoin)):
        note = as_int(value, code)
        if note is not None:
            criterion = reglement().criterion(code)
            scale = criterion.scale if criterion else None
            if scale is not None and not scale.low <= note <= scale.high:
                raise CellError(f"{code} : la note {note} sort de l'échelle {scale.low} à {scale.high}")
            assessment[code] = note
    total = as_money(assiette, "assiette")
    local = as_money(assiette_locale, "assiette locale")
    assert total is not None and local is not None
    factors = _factors(
        agents=as_count(nb_agents, "nombre d'agents"),
        agents_benefiting=as_count(agents_beneficiaires, "agents bénéficiaires"),
        users_benefiting=as_count(usagers_beneficiaires, "usagers bénéficiaires"),
        joint=as_bool(projet_commun, "projet commun"),
        local_amount=local,
        assessment=assessment,
    )
    cost = EligibleCost(total, ZERO, total, total, ())
    score = score_dossier(factors, reglement(), cost, _population(population))
    return score.total


def _rate_factors(
    cout_total: Any,
    participative: Any,
    labo: Any,
    usagers_beneficiaires: Any,
    agents_beneficiaires: Any,
    nb_agents: Any,
    projet_commun: Any,
) -> Factors:
    return _factors(
        total_cost=as_money(cout_total, "coût total"),
        participatory=as_bool(participative, "démarche participative"),
        innovation_lab=as_bool(labo, "laboratoire d'innovation"),
        users_benefiting=as_count(usagers_beneficiaires, "usagers bénéficiaires"),
        agents_benefiting=as_count(agents_beneficiaires, "agents bénéficiaires"),
        agents=as_count(nb_agents, "nombre d'agents"),
        joint=as_bool(projet_commun, "projet commun"),
    )


def rate_value(
    population: Any,
    cout_total: Any,
    participative: Any,
    labo: Any,
    usagers_beneficiaires: Any,
    agents_beneficiaires: Any,
    nb_agents: Any,
    projet_commun: Any,
) -> Decimal:
    """The funding rate; ``CellError`` when the population is unknown."""
    factors = _rate_factors(
        cout_total, participative, labo, usagers_beneficiaires, agents_beneficiaires, nb_agents, projet_commun
    )
    rate = funding_rate(factors, reglement(), _population(population))
    if rate is None:
        raise CellError("population inconnue : renseignez la population pour calculer le taux")
    return rate.value


def amount_value(
    eligible: Any,
    assiette: Any,
    assiette_investissement: Any,
    taux: Any,
    sollicite: Any,
    autres_financements: Any,
    derogation: Any,
) -> Amount | None:
    """The amount of an eligible dossier (``None`` for an ineligible one)."""
    if not as_bool(eligible, "éligible"):
        return None
    total = as_money(assiette, "assiette")
    investment = as_money(assiette_investissement, "assiette d'investissement")
    assert total is not None and investment is not None
    if investment > total:
        raise CellError("la part d'investissement dépasse l'assiette")
    if isinstance(taux, str) and taux.startswith(ERROR_PREFIX):
        raise CellError("taux non calculable : voir la colonne Taux")
    rate = as_fraction(taux, "taux")
    factors = _factors(
        requested=as_money(sollicite, "montant sollicité"),
        other_public_funding=as_money(autres_financements, "autres financements", required=False) or ZERO,
        derogation=as_bool(derogation, "dérogation"),
    )
    cost = EligibleCost(total, investment, total - investment, total, ())
    return grant_amount(factors, reglement(), cost, rate)


def explanation(
    population: Any,
    cout_total: Any,
    participative: Any,
    labo: Any,
    usagers_beneficiaires: Any,
    agents_beneficiaires: Any,
    nb_agents: Any,
    projet_commun: Any,
    eligible: Any,
    assiette: Any,
    assiette_investissement: Any,
    sollicite: Any,
    autres_financements: Any,
    derogation: Any,
) -> str:
    """How the rate and the amount were found, in French."""
    if not as_bool(eligible, "éligible"):
        return "Dossier inéligible : voir les motifs. Aucun montant."
    factors = _rate_factors(
        cout_total, participative, labo, usagers_beneficiaires, agents_beneficiaires, nb_agents, projet_commun
    )
    people = _population(population)
    rate = funding_rate(factors, reglement(), people)
    lines = [explain_rate(rate, people, reglement())]
    if rate is not None:
        amount = amount_value(
            eligible, assiette, assiette_investissement, rate.value, sollicite, autres_financements, derogation
        )
        lines.append(explain_amount(amount, reglement()))
    return "\n".join(lines)
