"""The Excel functions of the grant office (xlwings user-defined functions), over the rules core.

Every name starts with ``SUBV_`` so that none collides with an Excel function in French or in English
(``TAUX`` is the French name of ``RATE``). Each function converts the cells it receives (``excel_values``),
calls the same rule as the batch tool, and returns a number or a text; a wrong cell gives a French message
starting with « Erreur : », never a traceback.

One module, two runtimes: classic xlwings (Windows add-in, « UDF Modules » = ``xlplugin.udfs``) and
xlwings Server (Office.js custom functions, with ``XLWINGS_ON_SERVER=true``). Functions whose name ends
in ``_COLONNE`` take whole columns and return a column, for sheets outside an Excel table (a table cannot
hold a spilled result).

The règlement is the Ain call's, or the file named by the ``GUICHET_REGLEMENT`` environment variable.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from typing import Any

import xlwings as xw

from xlplugin import row_rules as rr
from xlplugin.excel_values import CellError, as_code, as_column, as_count, as_int, as_text, blank, to_excel
from xlplugin.rules.identifiers import IdentifierError, validate_siret
from xlplugin.rules.money import ZERO, format_percent

_F = Callable[..., Any]


# What Excel's function wizard says of each argument, by parameter name.
ARGUMENT_DOCS: dict[str, str] = {
    "type_porteur": "Type de structure porteuse : Commune, EPCI à fiscalité propre, Syndicat intercommunal…",
    "code_porteur": "Code INSEE de la commune (siège) du porteur, ou son SIREN",
    "projet_commun": "Projet commun à plusieurs structures : Oui ou Non",
    "partenaires": "Noms des structures associées, séparés par « ; »",
    "types_partenaires": "Types des structures associées, séparés par « ; »",
    "contact": "Contact opérationnel du projet commun (nom ou courriel)",
    "axes": "Axes du projet, séparés par « ; »",
    "date_debut": "Date de démarrage du projet",
    "date_fin": "Date de fin de mise en œuvre",
    "assiette": "Assiette éligible en euros (SUBV_ASSIETTE)",
    "numero": "N° du dossier",
    "depenses_dossiers": "Colonne « N° dossier » de la feuille Dépenses",
    "depenses_natures": "Colonne « Nature » de la feuille Dépenses",
    "depenses_montants": "Colonne « Montant HT » de la feuille Dépenses",
    "partie": "Vide : l'assiette ; ou investissement, fonctionnement, exclues",
    "depenses_departements": "Colonne « Département du prestataire » de la feuille Dépenses",
    "impact": "Note de l'agent pour l'impact du projet (0 à 3)",
    "besoin": "Note de l'agent pour le besoin de mise à niveau numérique (0 à 3)",
    "assiette_locale": "Part de l'assiette confiée à des prestataires du département (SUBV_ASSIETTE_LOCALE)",
    "agents_beneficiaires": "Colonne des agents bénéficiaires",
    "nb_agents": "Colonne des nombres d'agents des structures",
    "usagers_beneficiaires": "Colonne des usagers bénéficiaires",
    "population": "Population du porteur (ou des membres du projet commun)",
    "cout_total": "Coût total du projet HT en euros",
    "participative": "Besoin identifié par une démarche participative : Oui ou Non",
    "labo": "Projet accompagné par un laboratoire d'innovation territoriale : Oui ou Non",
    "eligible": "Éligibilité du dossier (SUBV_ELIGIBLE) : Oui ou Non",
    "assiette_investissement": "Part d'investissement de l'assiette (SUBV_ASSIETTE avec « investissement »)",
    "taux": "Taux de financement (SUBV_TAUX)",
    "sollicite": "Montant de subvention sollicité en euros",
    "autres_financements": "Colonne des autres financements publics",
    "derogation": "Dérogation du préfet à la participation minimale (CGCT L1111-10) : Oui ou Non",
    "code": "Code INSEE d'une commune (01004, ou 1004) ou SIREN d'un EPCI ou d'une commune",
    "siret": "SIRET à contrôler (14 chiffres)",
    "populations": "Colonne des populations",
    "couts_totaux": "Colonne des coûts totaux HT",
    "participatives": "Colonne « démarche participative » (Oui/Non)",
    "labos": "Colonne « laboratoire d'innovation » (Oui/Non)",
    "projets_communs": "Colonne « projet commun » (Oui/Non)",
    "eligibles": "Colonne « éligible » (Oui/Non)",
    "assiettes": "Colonne des assiettes",
    "assiettes_investissement": "Colonne des parts d'investissement",
    "sollicites": "Colonne des montants sollicités",
    "derogations": "Colonne « dérogation » (Oui/Non)",
    "impacts": "Colonne des notes d'impact (0 à 3)",
    "besoins": "Colonne des notes de besoin (0 à 3)",
    "assiettes_locales": "Colonne des parts locales de l'assiette",
    "numeros": "Colonne des n° de dossier",
    "types_porteurs": "Colonne des types de porteur",
    "codes_porteurs": "Colonne des codes INSEE ou SIREN",
    "contacts": "Colonne des contacts opérationnels",
    "dates_debut": "Colonne des dates de démarrage",
    "dates_fin": "Colonne des dates de fin",
}


def documented(function: _F) -> _F:
    """Give every parameter of an Excel function its French description (``ARGUMENT_DOCS``)."""
    for name in reversed(list(inspect.signature(function).parameters)):
        function = xw.arg(name, doc=ARGUMENT_DOCS[name])(function)
    return function


def excel_safe(function: _F) -> _F:
    """Turn any failure into a French message in the cell instead of a traceback."""

    @functools.wraps(function)
    def wrapper(*args: Any) -> Any:
        try:
            return to_excel(function(*args))
        except CellError as exc:
            return f"{rr.ERROR_PREFIX}{exc}"
        except Exception as exc:
            return f"{rr.ERROR_PREFIX}calcul impossible ({type(exc).__name__} : {exc})"

    return wrapper


# ---------------------------------------------------------------- eligibility


@xw.func
@documented
@excel_safe
def SUBV_ELIGIBLE(
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
) -> str:
    """Éligibilité du dossier à l'appel à projets : « Oui » ou « Non ». Les motifs : SUBV_MOTIFS."""
    motifs = rr.eligibility_motifs(
        type_porteur,
        code_porteur,
        projet_commun,
        partenaires,
        types_partenaires,
        contact,
        axes,
        date_debut,
        date_fin,
        assiette,
    )
    return rr.NO if motifs else rr.YES


@xw.func
@documented
@excel_safe
def SUBV_MOTIFS(
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
) -> str:
    """Motifs d'inéligibilité du dossier, un par ligne (code et explication) ; vide si le dossier est éligible."""
    return "\n".join(
        rr.eligibility_motifs(
            type_porteur,
            code_porteur,
            projet_commun,
            partenaires,
            types_partenaires,
            contact,
            axes,
            date_debut,
            date_fin,
            assiette,
        )
    )


# ---------------------------------------------------------------- assiette


@xw.func
@documented
@excel_safe
def SUBV_ASSIETTE(
    numero: Any, depenses_dossiers: Any, depenses_natures: Any, depenses_montants: Any, partie: Any = None
) -> Any:
    """Assiette éligible du dossier : ses dépenses moins celles que l'appel exclut (personnel, équipement des
    agents). Avec « investissement » ou « fonctionnement », la part correspondante ; avec « exclues », le
    montant retiré."""
    if blank(numero):
        return ""
    number = as_int(numero, "n° de dossier", required=True)
    assert number is not None
    cost, _local = rr.expense_lines(depenses_dossiers, depenses_natures, depenses_montants).cost(number)
    return rr.part(cost, partie)


@xw.func
@documented
@excel_safe
def SUBV_ASSIETTE_LOCALE(
    numero: Any, depenses_dossiers: Any, depenses_natures: Any, depenses_montants: Any, depenses_departements: Any
) -> Any:
    """Part de l'assiette éligible confiée à des prestataires du département, en euros."""
    if blank(numero):
        return ""
    number = as_int(numero, "n° de dossier", required=True)
    assert number is not None
    lines = rr.expense_lines(depenses_dossiers, depenses_natures, depenses_montants, depenses_departements)
    return lines.cost(number)[1]


# ---------------------------------------------------------------- score, rate, amount


@xw.func
@documented
@excel_safe
def SUBV_NOTE(
    impact: Any,
    besoin: Any,
    assiette: Any,
    assiette_locale: Any,
    agents_beneficiaires: Any,
    nb_agents: Any,
    usagers_beneficiaires: Any,
    population: Any,
    projet_commun: Any,
) -> Any:
    """Note du dossier sur 100 selon les critères de l'appel ; « à apprécier » tant que l'impact et le besoin
    ne sont pas notés."""
    total = rr.score_value(
        impact,
        besoin,
        assiette,
        assiette_locale,
        agents_beneficiaires,
        nb_agents,
        usagers_beneficiaires,
        population,
        projet_commun,
    )
    return rr.TO_ASSESS if total is None else total


@xw.func
@documented
@excel_safe
def SUBV_TAUX(
    population: Any,
    cout_total: Any,
    participative: Any,
    labo: Any,
    usagers_beneficiaires: Any,
    agents_beneficiaires: Any,
    nb_agents: Any,
    projet_commun: Any,
) -> Any:
    """Taux de financement de l'État (0,8 = 80 %) : taux de base de la tranche de population, modulé selon
    l'appel (coût, démarche participative, innovation, bénéficiaires, projet commun), plafonné."""
    return rr.rate_value(
        population,
        cout_total,
        participative,
        labo,
        usagers_beneficiaires,
        agents_beneficiaires,
        nb_agents,
        projet_commun,
    )


@xw.func
@documented
@excel_safe
def SUBV_MONTANT(
    eligible: Any,
    assiette: Any,
    assiette_investissement: Any,
    taux: Any,
    sollicite: Any,
    autres_financements: Any,
    derogation: Any,
) -> Any:
    """Montant de la subvention : le plus petit de assiette × taux, du montant sollicité, du plafond par dossier
    et du plafond des aides publiques, arrondi à l'euro inférieur ; 0 pour un dossier inéligible."""
    amount = rr.amount_value(
        eligible, assiette, assiette_investissement, taux, sollicite, autres_financements, derogation
    )
    return ZERO if amount is None else amount.value


@xw.func
@documented
@excel_safe
def SUBV_EXPLICATION(
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
    """Comment le taux et le montant ont été trouvés, en français."""
    return rr.explanation(
        population,
        cout_total,
        participative,
        labo,
        usagers_beneficiaires,
        agents_beneficiaires,
        nb_agents,
        projet_commun,
        eligible,
        assiette,
        assiette_investissement,
        sollicite,
        autres_financements,
        derogation,
    )


# ---------------------------------------------------------------- reference data and identifiers


@xw.func
@documented
@excel_safe
def SUBV_POPULATION(code: Any) -> Any:
    """Population municipale (COG 2021) d'une commune par son code INSEE, ou d'un EPCI par son SIREN."""
    value = as_code(code, "code")
    if len(value) == 9:
        found = rr.territory().population_of_siren(value)
    else:
        commune = rr.territory().commune(value)
        found = commune.population if commune else None
    if found is None:
        raise CellError(f"« {value} » est inconnu du référentiel des communes et EPCI de l'Ain (COG 2021)")
    return found


@xw.func
@documented
@excel_safe
def SUBV_TRANCHE(population: Any) -> str:
    """Tranche de population du règlement et son taux de base, par exemple « moins de 3 500 habitants (100 %) »."""
    value = as_count(population, "population", required=True)
    assert value is not None
    band = rr.reglement().band_for(value)
    return f"{band.label} ({format_percent(band.rate)})"


@xw.func
@documented
@excel_safe
def SUBV_SIRET(siret: Any) -> str:
    """« Valide » si le SIRET a 14 chiffres et une clé de contrôle juste ; sinon ce qui ne va pas."""
    try:
        validate_siret(as_text(siret))
    except IdentifierError as exc:
        return str(exc)
    return "Valide"


# ---------------------------------------------------------------- column versions (spill)


def _rows(function: _F, columns: Sequence[Any]) -> list[list[Any]]:
    """Call ``function`` row by row over columns of equal length (a single cell is repeated)."""
    cells = [as_column(c) for c in columns]
    height = max(len(c) for c in cells)
    for c in cells:
        if len(c) not in (1, height):
            raise CellError(f"les colonnes n'ont pas la même hauteur ({len(c)} et {height} lignes)")
    return [[function(*(c[i] if len(c) > 1 else c[0] for c in cells))] for i in range(height)]


def _column_safe(function: _F) -> _F:
    @functools.wraps(function)
    def wrapper(*args: Any) -> Any:
        try:
            return function(*args)
        except CellError as exc:
            return [[f"{rr.ERROR_PREFIX}{exc}"]]

    return wrapper


@xw.func
@documented
@_column_safe
def SUBV_TAUX_COLONNE(
    populations: Any,
    couts_totaux: Any,
    participatives: Any,
    labos: Any,
    usagers_beneficiaires: Any,
    agents_beneficiaires: Any,
    nb_agents: Any,
    projets_communs: Any,
) -> list[list[Any]]:
    """SUBV_TAUX sur des colonnes entières : une ligne de résultat par ligne (résultat « déversé »)."""
    return _rows(
        SUBV_TAUX,
        [
            populations,
            couts_totaux,
            participatives,
            labos,
            usagers_beneficiaires,
            agents_beneficiaires,
            nb_agents,
            projets_communs,
        ],
    )


@xw.func
@documented
@_column_safe
def SUBV_MONTANT_COLONNE(
    eligibles: Any,
    assiettes: Any,
    assiettes_investissement: Any,
    taux: Any,
    sollicites: Any,
    autres_financements: Any,
    derogations: Any,
) -> list[list[Any]]:
    """SUBV_MONTANT sur des colonnes entières (résultat « déversé »)."""
    return _rows(
        SUBV_MONTANT,
        [eligibles, assiettes, assiettes_investissement, taux, sollicites, autres_financements, derogations],
    )


@xw.func
@documented
@_column_safe
def SUBV_NOTE_COLONNE(
    impacts: Any,
    besoins: Any,
    assiettes: Any,
    assiettes_locales: Any,
    agents_beneficiaires: Any,
    nb_agents: Any,
    usagers_beneficiaires: Any,
    populations: Any,
    projets_communs: Any,
) -> list[list[Any]]:
    """SUBV_NOTE sur des colonnes entières (résultat « déversé »)."""
    return _rows(
        SUBV_NOTE,
        [
            impacts,
            besoins,
            assiettes,
            assiettes_locales,
            agents_beneficiaires,
            nb_agents,
            usagers_beneficiaires,
            populations,
            projets_communs,
        ],
    )


@xw.func
@documented
@_column_safe
def SUBV_ASSIETTE_COLONNE(
    numeros: Any, depenses_dossiers: Any, depenses_natures: Any, depenses_montants: Any, partie: Any = None
) -> list[list[Any]]:
    """SUBV_ASSIETTE pour une colonne de dossiers ; les dépenses ne sont lues qu'une fois (résultat « déversé »)."""
    lines = rr.expense_lines(depenses_dossiers, depenses_natures, depenses_montants)
    result = []
    for cell in as_column(numeros):
        if blank(cell):
            result.append([""])
            continue
        number = as_int(cell, "n° de dossier", required=True)
        assert number is not None
        result.append([to_excel(rr.part(lines.cost(number)[0], partie))])
    return result


@xw.func
@documented
@_column_safe
def SUBV_ELIGIBLE_COLONNE(
    types_porteurs: Any,
    codes_porteurs: Any,
    projets_communs: Any,
    partenaires: Any,
    types_partenaires: Any,
    contacts: Any,
    axes: Any,
    dates_debut: Any,
    dates_fin: Any,
    assiettes: Any,
) -> list[list[Any]]:
    """SUBV_ELIGIBLE sur des colonnes entières (résultat « déversé »)."""
    return _rows(
        SUBV_ELIGIBLE,
        [
            types_porteurs,
            codes_porteurs,
            projets_communs,
            partenaires,
            types_partenaires,
            contacts,
            axes,
            dates_debut,
            dates_fin,
            assiettes,
        ],
    )


CATALOGUE = (
    SUBV_ELIGIBLE,
    SUBV_MOTIFS,
    SUBV_ASSIETTE,
    SUBV_ASSIETTE_LOCALE,
    SUBV_NOTE,
    SUBV_TAUX,
    SUBV_MONTANT,
    SUBV_EXPLICATION,
    SUBV_POPULATION,
    SUBV_TRANCHE,
    SUBV_SIRET,
    SUBV_TAUX_COLONNE,
    SUBV_MONTANT_COLONNE,
    SUBV_NOTE_COLONNE,
    SUBV_ASSIETTE_COLONNE,
    SUBV_ELIGIBLE_COLONNE,
)
