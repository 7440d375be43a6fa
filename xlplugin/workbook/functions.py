"""The Excel functions of the tracking workbook (``SUBV_…``), declared once.

Each *input* is a cell the rules read: its name (the function's argument), its French help, the column of
« Dossiers » it comes from (or the workbook name of a « Dépenses » column), and how its cell becomes a
domain value. Each *function* lists its inputs and says which variable of the evaluation it shows. That one
table drives everything that used to be written four times:

- the functions' signatures and their help in Excel's function wizard (``xlplugin.excel.udfs``);
- the formulas the workbook gets (``formula_text``, used by ``layout``);
- the reading of a row for the allocation of the envelope (``read_row``, by ``workbook.allocation``);
- the documentation (``README``'s table of functions is checked against it).

Whatever the face, the cells become a ``Dossier`` and the variables they give (``case``), and the rules
core's one ``evaluate`` judges it: the workbook and the command line cannot disagree.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, KeysView, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from xlplugin.errors import AgentError
from xlplugin.rules.applicant import Population
from xlplugin.rules.dossier import Contact, Dossier, ExpenseLine, Project, Structure
from xlplugin.rules.evaluation import Evaluation, evaluate
from xlplugin.rules.explanation import explain_amount, explain_rate
from xlplugin.rules.identifiers import IdentifierError, validate_siret
from xlplugin.rules.labels import label_index, normalize_label
from xlplugin.rules.money import ZERO, format_percent
from xlplugin.rules.reglement import Reglement
from xlplugin.rules.territory import Territory, default_territory
from xlplugin.workbook.cells import (
    CellError,
    as_bool,
    as_code,
    as_column,
    as_count,
    as_date,
    as_datetime,
    as_fraction,
    as_int,
    as_money,
    as_text,
    blank,
    split_list,
    to_excel,
)

ERROR_PREFIX = "Erreur : "
YES, NO = "Oui", "Non"
TO_ASSESS = "à apprécier"
SECTIONS = ("", "investissement", "fonctionnement", "exclues")

Reader = Callable[[Any, "Context"], Any]


@dataclass(frozen=True, slots=True)
class Context:
    """What reading cells and computing a function need: the règlement and the reference territory."""

    reglement: Reglement
    territory: Territory

    @staticmethod
    def of(reglement: Reglement) -> Context:
        return Context(reglement, default_territory())


# ---------------------------------------------------------------- reading cells


@functools.lru_cache(maxsize=16)
def _choices(reglement: Reglement, kind: str) -> tuple[dict[str, str], tuple[str, ...]]:
    """The règlement's labels of applicant types, project kinds or expense natures, and their codes by
    normalized label (built once per règlement: every cell of a column asks for them)."""
    pairs = {
        "types": [(t.label, t.code) for t in reglement.applicant_types],
        "axes": [(k.label, k.code) for k in reglement.project_kinds] + [("Autre", "autre")],
        "natures": [(n.label, n.code) for n in reglement.expense_natures],
    }[kind]
    return label_index(pairs), tuple(label for label, _ in pairs)


def _code_of(ctx: Context, kind: str, value: Any, name: str) -> str:
    table, labels = _choices(ctx.reglement, kind)
    code = table.get(normalize_label(as_text(value)))
    if code is None:
        raise CellError(f"{name} : « {as_text(value)} » n'est pas un choix connu ({', '.join(labels)})")
    return code


def _note(code: str) -> Reader:
    def read(value: Any, ctx: Context) -> int | None:
        note = as_int(value, code)
        criterion = ctx.reglement.criterion(code)
        scale = criterion.scale if criterion else None
        if note is not None and scale is not None and not scale.low <= note <= scale.high:
            raise CellError(f"{code} : la note {note} sort de l'échelle {scale.low} à {scale.high}")
        return note

    return read


def _rate(value: Any, ctx: Context) -> Decimal:
    if isinstance(value, str) and value.startswith(ERROR_PREFIX):
        raise CellError("taux non calculable : voir la colonne Taux")
    return as_fraction(value, "taux")


def _population(value: Any, ctx: Context) -> Population:
    population = as_count(value, "population")
    if population is None:
        return Population(None, "inconnue", ("porteur",))
    return Population(population, "colonne Population")


def _money(name: str) -> Reader:
    return lambda value, ctx: as_money(value, name)


def _count(name: str) -> Reader:
    return lambda value, ctx: as_count(value, name)


def _flag(name: str) -> Reader:
    return lambda value, ctx: as_bool(value, name)


def _date(name: str) -> Reader:
    return lambda value, ctx: as_date(value, name)


def _submitted(value: Any, ctx: Context) -> Any:
    at = as_datetime(value, "date de dépôt")
    return at.replace(microsecond=0) if at is not None else None  # a serial number carries float noise


def _raw(value: Any, ctx: Context) -> Any:
    return value


# ---------------------------------------------------------------- inputs


@dataclass(frozen=True, slots=True)
class Input:
    """A cell the rules read, declared once.

    ``column``: the key of the « Dossiers » column it comes from; ``name_ref``: instead, the workbook name of a
    whole « Dépenses » column, passed as it is to every row (``shared``); ``plural``: its name and help in a
    ``_COLONNE`` function, which takes a whole column of it.
    """

    name: str
    help: str
    read: Reader
    column: str | None = None
    name_ref: str | None = None
    plural: tuple[str, str] | None = None
    optional: bool = False

    @property
    def shared(self) -> bool:
        """The same value for every row of a ``_COLONNE`` function (a whole column, or a literal)."""
        return self.plural is None


def _in(
    name: str,
    help: str,
    read: Reader,
    *,
    column: str | None = "",
    name_ref: str | None = None,
    plural: tuple[str, str] | None = None,
    optional: bool = False,
) -> Input:
    return Input(name, help, read, name if column == "" else column, name_ref, plural, optional)


INPUTS: dict[str, Input] = {
    i.name: i
    for i in (
        _in(
            "numero",
            "N° du dossier",
            lambda v, ctx: as_int(v, "n° de dossier"),
            plural=("numeros", "Colonne des n° de dossier"),
        ),
        # Optional: a workbook's formulas written before the rule (décret 2018-514, art. 5, II) still compute.
        _in(
            "date_depot",
            "Date de dépôt du dossier (réception de la demande)",
            _submitted,
            plural=("dates_depot", "Colonne des dates de dépôt"),
            optional=True,
        ),
        _in(
            "type_porteur",
            "Type de structure porteuse : Commune, EPCI à fiscalité propre, Syndicat intercommunal…",
            lambda v, ctx: _code_of(ctx, "types", v, "type de porteur"),
            plural=("types_porteurs", "Colonne des types de porteur"),
        ),
        _in(
            "code_porteur",
            "Code INSEE de la commune (siège) du porteur, ou son SIREN",
            lambda v, ctx: as_code(v, "code du porteur"),
            plural=("codes_porteurs", "Colonne des codes INSEE ou SIREN"),
        ),
        _in(
            "projet_commun",
            "Projet commun à plusieurs structures : Oui ou Non",
            _flag("projet commun"),
            plural=("projets_communs", "Colonne « projet commun » (Oui/Non)"),
        ),
        _in(
            "partenaires",
            "Noms des structures associées, séparés par « ; »",
            lambda v, ctx: split_list(v),
            plural=("partenaires", "Noms des structures associées, séparés par « ; »"),
        ),
        _in(
            "types_partenaires",
            "Types des structures associées, séparés par « ; »",
            lambda v, ctx: [_code_of(ctx, "types", k, "type de structure associée") for k in split_list(v)],
            plural=("types_partenaires", "Types des structures associées, séparés par « ; »"),
        ),
        _in(
            "contact",
            "Contact opérationnel du projet commun (nom ou courriel)",
            lambda v, ctx: as_text(v),
            plural=("contacts", "Colonne des contacts opérationnels"),
        ),
        _in(
            "axes",
            "Axes du projet, séparés par « ; »",
            lambda v, ctx: tuple(_code_of(ctx, "axes", part, "axes") for part in split_list(v)),
            plural=("axes", "Axes du projet, séparés par « ; »"),
        ),
        _in(
            "date_debut",
            "Date de démarrage du projet",
            _date("date de démarrage"),
            plural=("dates_debut", "Colonne des dates de démarrage"),
        ),
        _in(
            "date_fin",
            "Date de fin de mise en œuvre",
            _date("date de fin"),
            plural=("dates_fin", "Colonne des dates de fin"),
        ),
        _in(
            "population",
            "Population du porteur (ou des membres du projet commun)",
            _population,
            plural=("populations", "Colonne des populations"),
        ),
        _in(
            "nb_agents",
            "Nombre d'agents de la structure porteuse",
            _count("nombre d'agents"),
            plural=("nb_agents", "Colonne des nombres d'agents des structures"),
        ),
        _in(
            "agents_beneficiaires",
            "Nombre d'agents bénéficiaires du projet",
            _count("agents bénéficiaires"),
            plural=("agents_beneficiaires", "Colonne des agents bénéficiaires"),
        ),
        _in(
            "usagers_beneficiaires",
            "Nombre d'usagers bénéficiaires du projet",
            _count("usagers bénéficiaires"),
            plural=("usagers_beneficiaires", "Colonne des usagers bénéficiaires"),
        ),
        _in(
            "participative",
            "Besoin identifié par une démarche participative : Oui ou Non",
            _flag("démarche participative"),
            plural=("participatives", "Colonne « démarche participative » (Oui/Non)"),
        ),
        _in(
            "labo",
            "Projet accompagné par un laboratoire d'innovation territoriale : Oui ou Non",
            _flag("laboratoire d'innovation"),
            plural=("labos", "Colonne « laboratoire d'innovation » (Oui/Non)"),
        ),
        _in(
            "cout_total",
            "Coût total du projet HT en euros",
            _money("coût total"),
            plural=("couts_totaux", "Colonne des coûts totaux HT"),
        ),
        _in(
            "sollicite",
            "Montant de subvention sollicité en euros",
            _money("montant sollicité"),
            plural=("sollicites", "Colonne des montants sollicités"),
        ),
        _in(
            "autres_financements",
            "Autres financements publics du projet en euros",
            lambda v, ctx: as_money(v, "autres financements", required=False) or ZERO,
            plural=("autres_financements", "Colonne des autres financements publics"),
        ),
        _in(
            "impact",
            "Note de l'agent pour l'impact du projet (0 à 3)",
            _note("impact"),
            plural=("impacts", "Colonne des notes d'impact (0 à 3)"),
        ),
        _in(
            "besoin",
            "Note de l'agent pour le besoin de mise à niveau numérique (0 à 3)",
            _note("besoin"),
            plural=("besoins", "Colonne des notes de besoin (0 à 3)"),
        ),
        _in(
            "derogation",
            "Dérogation du préfet à la participation minimale (CGCT L1111-10) : Oui ou Non",
            _flag("dérogation"),
            plural=("derogations", "Colonne « dérogation » (Oui/Non)"),
        ),
        # Computed columns that other functions take as given.
        _in(
            "assiette",
            "Assiette éligible en euros (SUBV_ASSIETTE)",
            _money("assiette"),
            plural=("assiettes", "Colonne des assiettes"),
        ),
        _in(
            "assiette_investissement",
            "Part d'investissement de l'assiette (SUBV_ASSIETTE avec « investissement »)",
            _money("assiette d'investissement"),
            plural=("assiettes_investissement", "Colonne des parts d'investissement"),
        ),
        _in(
            "assiette_locale",
            "Part de l'assiette confiée à des prestataires du département (SUBV_ASSIETTE_LOCALE)",
            _money("assiette locale"),
            plural=("assiettes_locales", "Colonne des parts locales de l'assiette"),
        ),
        _in(
            "eligible",
            "Éligibilité du dossier (SUBV_ELIGIBLE) : Oui ou Non",
            _flag("éligible"),
            plural=("eligibles", "Colonne « éligible » (Oui/Non)"),
        ),
        _in("taux", "Taux de financement (SUBV_TAUX)", _rate, plural=("taux", "Colonne des taux")),
        # The « Dépenses » columns, whole, through the workbook's names.
        _in(
            "depenses_dossiers",
            "Colonne « N° dossier » de la feuille Dépenses",
            _raw,
            column=None,
            name_ref="Dep_Dossier",
        ),
        _in("depenses_natures", "Colonne « Nature » de la feuille Dépenses", _raw, column=None, name_ref="Dep_Nature"),
        _in(
            "depenses_montants",
            "Colonne « Montant HT » de la feuille Dépenses",
            _raw,
            column=None,
            name_ref="Dep_Montant",
        ),
        _in(
            "depenses_departements",
            "Colonne « Département du prestataire » de la feuille Dépenses",
            _raw,
            column=None,
            name_ref="Dep_Departement",
        ),
        _in(
            "partie",
            "Vide : l'assiette ; ou investissement, fonctionnement, exclues",
            lambda v, ctx: as_text(v),
            column=None,
            optional=True,
        ),
        # Reference data and identifiers.
        _in(
            "code",
            "Code INSEE d'une commune (01004, ou 1004) ou SIREN d'un EPCI ou d'une commune",
            lambda v, ctx: as_code(v, "code"),
            column=None,
        ),
        _in("siret", "SIRET à contrôler (14 chiffres)", lambda v, ctx: as_text(v), column=None),
    )
}
EXPENSE_INPUTS = ("depenses_dossiers", "depenses_natures", "depenses_montants", "depenses_departements")
# The row of « Dépenses » where the columns its names cover start (under the header: ``setup.set_expense_names``).
# A function receives the values only; a message names the sheet's row, where the agent looks.
EXPENSE_FIRST_ROW = 2


# Readings already made, by (input name, the cell's type, the cell's value): reading a cell depends on nothing
# else (the context aside, one per recalculation), and a sheet's functions read the same values again and
# again — each row's for each of its functions, « Oui », « Commune » or an empty cell on every row.
Memo = dict[tuple[str, type, Any], Any]
_MEMO_TYPES = frozenset((str, int, float, bool, type(None), date, datetime, time, Decimal))


_UNREAD = object()  # a cell not read yet (None is a reading)


class Cells(Mapping[str, Any]):
    """Cells by input name, each read (converted and checked) on first use: a function of an ineligible
    dossier never reads its rate, and a bad cell it does not need never fails it."""

    def __init__(self, raw: Mapping[str, Any], ctx: Context, memo: Memo | None = None) -> None:
        self._raw = raw
        self._ctx = ctx
        self._read: dict[str, Any] = {}
        self._memo = memo

    def __getitem__(self, name: str) -> Any:
        read = self._read
        value = read.get(name, _UNREAD)
        if value is not _UNREAD:
            return value
        raw = self._raw[name]  # KeyError: not given
        kind = type(raw)
        if (kind is str or isinstance(raw, str)) and raw.startswith(ERROR_PREFIX):
            # A cell that shows another function's error passes it on, as Excel passes #VALEUR! on: the
            # agent reads the cause, not « "Erreur : …" is neither Oui nor Non ».
            raise CellError(raw.removeprefix(ERROR_PREFIX))
        memo = self._memo
        if memo is None or kind not in _MEMO_TYPES:  # a column's tuple, say: not worth hashing
            value = INPUTS[name].read(raw, self._ctx)
        else:
            key = (name, kind, repr(raw) if kind is float else raw)  # -0.0 is not 0.0
            value = memo.get(key, _UNREAD)
            if value is _UNREAD:
                value = INPUTS[name].read(raw, self._ctx)  # a bad cell raises: nothing kept
                if isinstance(value, list):  # shared by every function that reads the same value: kept as a tuple
                    value = tuple(value)
                memo[key] = value
        read[name] = value
        return value

    def get(self, name: str, default: Any = None) -> Any:
        # Mapping.get goes through a KeyError for every input not given: a function gives few of them.
        return self[name] if name in self._raw else default

    def __contains__(self, name: object) -> bool:
        return name in self._raw  # given, read or not (Mapping's would read it)

    def keys(self) -> KeysView[str]:
        return self._raw.keys()  # the names given (Mapping's view would look each up through __contains__)

    def __iter__(self) -> Iterator[str]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)


# ---------------------------------------------------------------- the expense lines


class ExpenseLines:
    """The expense lines of the « Dépenses » sheet, grouped by dossier number.

    A line that cannot be read (unknown nature, amount that is not a number) makes only its own dossier's
    computations fail, with the line's place in the message; the other dossiers are computed.
    """

    def __init__(self, numbers: Any, natures: Any, amounts: Any, departements: Any, reglement: Reglement) -> None:
        ctx = Context.of(reglement)
        number_cells, nature_cells, amount_cells = as_column(numbers), as_column(natures), as_column(amounts)
        departement_cells = as_column(departements) if departements is not None else [None] * len(number_cells)
        self.by_dossier: dict[int, list[ExpenseLine]] = {}
        self.errors: dict[int, str] = {}
        for row, (number, nature, amount, departement) in enumerate(
            zip(number_cells, nature_cells, amount_cells, departement_cells, strict=False), start=EXPENSE_FIRST_ROW
        ):
            if blank(number):
                continue
            where = f"Dépenses, ligne {row}"
            key = as_int(number, f"{where}, n° de dossier", required=True)
            assert key is not None
            try:
                code = _code_of(ctx, "natures", nature, f"{where}, nature")
                money = as_money(amount, f"{where}, montant")
            except CellError as exc:
                self.errors.setdefault(key, str(exc))
                continue
            assert money is not None
            dep = as_text(departement).split(" - ", 1)[0].strip().upper() or None  # « 01 - Ain » → 01
            self.by_dossier.setdefault(key, []).append(ExpenseLine("", code, money, "", dep))

    def of(self, number: int) -> tuple[ExpenseLine, ...]:
        """The lines of dossier ``number``; ``CellError`` when one of them cannot be read."""
        if number in self.errors:
            raise CellError(self.errors[number])
        return tuple(self.by_dossier.get(number, ()))


# The column objects last read, with their lines: the tool, settling a whole sheet, passes the very same
# column tuples to every row's function (Excel passes new lists each call, found again by content below).
# Only tuples, which cannot change; they are kept referenced, so that their identities cannot be reused.
_SAME_COLUMNS: list[tuple[tuple[Any, ...], Reglement, ExpenseLines]] = []


def expense_lines(numbers: Any, natures: Any, amounts: Any, departements: Any, ctx: Context) -> ExpenseLines:
    """The lines of these columns, read once for a whole recalculation: every row's function receives the
    same columns, so the last few readings are kept, keyed by the règlement and the cells' content (or the
    column objects themselves, when they are the same ones)."""
    given = (numbers, natures, amounts, departements)
    for seen, reglement, found in _SAME_COLUMNS:
        if reglement is ctx.reglement and all(a is b for a, b in zip(seen, given, strict=True)):
            return found
    try:
        lines = _cached_lines(
            ctx.reglement,
            tuple(as_column(numbers)),
            tuple(as_column(natures)),
            tuple(as_column(amounts)),
            None if departements is None else tuple(as_column(departements)),
        )
    except TypeError:  # a cell holding something unhashable: read without the cache
        return ExpenseLines(numbers, natures, amounts, departements, ctx.reglement)
    if all(isinstance(column, tuple) for column in given if column is not None):  # unchangeable columns only
        _SAME_COLUMNS.insert(0, (given, ctx.reglement, lines))
        del _SAME_COLUMNS[4:]
    return lines


@functools.lru_cache(maxsize=4)
def _cached_lines(reglement: Reglement, numbers: Any, natures: Any, amounts: Any, departements: Any) -> ExpenseLines:
    # The règlement is part of the key (by content): the same cells mean other natures under another règlement.
    return ExpenseLines(list(numbers), list(natures), list(amounts), departements, reglement)


# ---------------------------------------------------------------- cells → dossier


def case(
    cells: Mapping[str, Any],
    ctx: Context,
    lines: ExpenseLines | None = None,
    identity: Mapping[str, Any] | None = None,
) -> Evaluation:
    """The evaluation of the dossier that ``cells`` (domain values by input name, read on first use) describe.

    A workbook row gives every imported and agent column, its expense lines and its population; an Excel
    function gives only its own inputs. Computed columns passed to a function (assiette, éligible, taux…)
    are given variables: the rules take them as they are. ``identity``: the row's columns the rules do not
    judge but a document names (porteur, siret, intitule), when the whole row is read.
    """
    return evaluate(
        lambda: _dossier(cells, ctx, lines, identity or {}), ctx.reglement, ctx.territory, _GivenCells(cells)
    )


def _text_or_none(value: Any) -> str | None:
    return str(value).strip() or None if value is not None else None


_PROJECT_INPUTS = (
    "code_porteur",
    "type_porteur",
    "nb_agents",
    "partenaires",
    "types_partenaires",
    "axes",
    "date_debut",
    "date_fin",
    "agents_beneficiaires",
    "usagers_beneficiaires",
    "participative",
    "labo",
)
_FUNDING_INPUTS = (
    "cout_total",
    "sollicite",
    "autres_financements",
    "projet_commun",
    "contact",
    "derogation",
    "impact",
    "besoin",
    "date_depot",
)


@functools.lru_cache(maxsize=64)
def _given_inputs(given: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The project's and the funding's inputs among those ``given``, in the order a dossier reads them (a function
    is given the same names on every row: sorted out once)."""
    return tuple(n for n in _PROJECT_INPUTS if n in given), tuple(n for n in _FUNDING_INPUTS if n in given)


def _dossier(
    cells: Mapping[str, Any], ctx: Context, lines: ExpenseLines | None, identity: Mapping[str, Any]
) -> Dossier:
    number = cells.get("numero") or 0
    if lines is None and number and cells.get("depenses_dossiers") is not None:
        numbers, natures, amounts, departements = (cells.get(name) for name in EXPENSE_INPUTS)
        lines = expense_lines(numbers, natures, amounts, departements, ctx)
    # The cells given, read in the order the dossier is built (the first bad one is the one reported); then
    # looked up in a plain dict: a function is given few of them, and a whole sheet makes many dossiers.
    project, funding = _given_inputs(tuple(cells.keys()))
    read = {name: cells[name] for name in project}
    get = read.get
    expenses = lines.of(number) if lines is not None and number else ()
    for name in funding:
        read[name] = cells[name]
    code = get("code_porteur") or ""
    applicant = Structure(
        kind=get("type_porteur") or "",
        name=_text_or_none(identity.get("porteur")) or "Porteur",
        siret=_text_or_none(identity.get("siret")),
        # The SIREN the Excel functions are given (« Code INSEE ou SIREN »), never one derived from the
        # SIRET: a row is judged on the very cells the functions read ("" keeps the SIRET out of it).
        siren=code if len(code) == 9 else "",
        code_insee=code if code and len(code) != 9 else None,
        agents=get("nb_agents"),
    )
    names = get("partenaires") or []
    partner_kinds = get("types_partenaires") or []
    partners = tuple(
        Structure(kind=kind, name=names[i] if i < len(names) else kind) for i, kind in enumerate(partner_kinds)
    )
    return Dossier(
        number=number,
        applicant=applicant,
        project=Project(
            title=_text_or_none(identity.get("intitule")) or "",
            kinds=get("axes") or (),
            start=get("date_debut"),
            end=get("date_fin"),
            agents_benefiting=get("agents_beneficiaires"),
            users_benefiting=get("usagers_beneficiaires"),
            participatory=bool(get("participative")),
            innovation_lab=bool(get("labo")),
        ),
        expenses=expenses,
        total_cost=get("cout_total") or ZERO,
        requested=get("sollicite") or ZERO,
        other_public_funding=get("autres_financements") or ZERO,
        joint=bool(get("projet_commun")),
        partners=partners,
        contact=Contact(name=get("contact") or ""),
        derogation=bool(get("derogation")),
        assessment={code: note for code in ("impact", "besoin") if (note := get(code)) is not None},
        submitted_at=get("date_depot"),
    )


class _GivenCells:
    """The computed columns an Excel function was passed, as given variables (read when needed)."""

    def __init__(self, cells: Mapping[str, Any]) -> None:
        self._cells = cells

    @property
    def assiette(self) -> Decimal | None:
        value: Decimal | None = self._cells.get("assiette")
        return value

    @property
    def investment(self) -> Decimal | None:
        investment: Decimal | None = self._cells.get("assiette_investissement")
        assiette = self.assiette
        if investment is not None and assiette is not None and investment > assiette:
            raise CellError("la part d'investissement dépasse l'assiette")
        return investment

    @property
    def local_amount(self) -> Decimal | None:
        value: Decimal | None = self._cells.get("assiette_locale")
        return value

    @property
    def population(self) -> Population | None:
        value: Population | None = self._cells.get("population")
        return value

    @property
    def eligible(self) -> bool | None:
        value: bool | None = self._cells.get("eligible")
        return value

    @property
    def rate(self) -> Decimal | None:
        value: Decimal | None = self._cells.get("taux")
        return value


# ---------------------------------------------------------------- the functions


@dataclass(frozen=True, slots=True)
class Function:
    """An Excel function: its name, French description, inputs, and what it shows of the evaluation.

    ``compute`` receives the evaluation of the cells and the cells' values; ``column``: the function also
    has a ``_COLONNE`` version over whole columns.
    """

    name: str
    doc: str
    inputs: tuple[str, ...]
    compute: Callable[[Evaluation, Mapping[str, Any]], Any]
    column: bool = False
    returns: str = ""  # what it gives, in a few words (the README's table)
    example: str = ""  # an example for a function no column of the workbook calls

    def __call__(
        self, cells: Sequence[Any], ctx: Context, memo: Memo | None = None, shared: Shared | None = None
    ) -> Any:
        """The function's result for the cells Excel passes (``CellError`` when one it needs cannot be used).
        ``memo``: the readings already made in this recalculation (by input and value); ``shared``: the
        evaluations already made for the functions of the same row (see ``Shared``)."""
        values = Cells(dict(zip(self.inputs, cells, strict=False)), ctx, memo)
        key = _evaluation_key(self.inputs, cells) if shared is not None else None
        if shared is None or key is None:
            return self.compute(case(values, ctx), values)
        evaluation = shared.get(key)
        if evaluation is None:
            evaluation = shared[key] = case(values, ctx)
        return self.compute(evaluation, values)

    def shown(self, cells: Sequence[Any], ctx: Context, memo: Memo | None = None, shared: Shared | None = None) -> Any:
        """What the cell shows: a number, a text, or « Erreur : … » — never an exception (every runtime, and
        the value cached in the file, show the same)."""
        try:
            return to_excel(self(cells, ctx, memo, shared))
        except AgentError as exc:
            return f"{ERROR_PREFIX}{exc}"
        except Exception as exc:  # any failure becomes a message in the cell, never a traceback
            return f"{ERROR_PREFIX}calcul impossible ({type(exc).__name__} : {exc})"


# The evaluations made for the functions of one row, by what each is made of (``_evaluation_key``): two
# functions given the same cells are judged by the same evaluation (SUBV_ELIGIBLE and SUBV_MOTIFS, the
# assiette and its parts). Functions given other cells keep their own, as Excel computes each from its
# arguments alone: the figures saved are the ones Excel shows (SUBV_TAUX, not given the partners, does not
# count them in a joint project; the row's whole evaluation would).
Shared = dict[tuple[Any, ...], Evaluation]
_OWN_INPUTS = frozenset({"partie"})  # read by a function's own computation, not by its evaluation


def _evaluation_key(inputs: Sequence[str], cells: Sequence[Any]) -> tuple[Any, ...] | None:
    """The inputs and cells an evaluation is made of; ``None`` when a cell cannot be compared so."""
    key: list[Any] = []
    for name, value in zip(inputs, cells, strict=False):
        if name in _OWN_INPUTS:
            continue
        kind = type(value)
        if kind is tuple:  # a whole column: the same object for every function of a recalculation
            key.append((name, id(value)))
        elif kind in _MEMO_TYPES:
            key.append((name, kind, repr(value) if kind is float else value))  # -0.0 is not 0.0
        else:
            return None
    return tuple(key)


NO_REASON = "Aucun"


def _motifs(ev: Evaluation, values: Mapping[str, Any]) -> str:
    # « Aucun », not an empty text: a blank cell reads as « not computed », and LibreOffice recomputes a
    # formula whose saved result is empty (#NOM? where no Python runs).
    return "\n".join(f"{r.code} : {r.message}" for r in ev.reasons) or NO_REASON


def _eligible(ev: Evaluation, values: Mapping[str, Any]) -> str:
    return NO if ev.reasons else YES


def _part(ev: Evaluation, values: Mapping[str, Any]) -> Any:
    if values.get("numero") is None:
        return ""
    section = normalize_label(values.get("partie") or "")
    if section not in SECTIONS:
        raise CellError(
            f"partie : « {values.get('partie')} » inconnue (vide, investissement, fonctionnement ou exclues)"
        )
    cost = ev.cost
    return {
        "investissement": cost.investment,
        "fonctionnement": cost.operating,
        "exclues": cost.declared_lines - cost.total,
    }.get(section, cost.total)


def _local(ev: Evaluation, values: Mapping[str, Any]) -> Any:
    return "" if values.get("numero") is None else ev.local_amount


def _score(ev: Evaluation, values: Mapping[str, Any]) -> Any:
    return TO_ASSESS if ev.score.total is None else ev.score.total


def _rate_of(ev: Evaluation, values: Mapping[str, Any]) -> Decimal:
    if ev.funding_rate is None:
        raise CellError("population inconnue : renseignez la population pour calculer le taux")
    return ev.funding_rate.value


def _granted(ev: Evaluation, values: Mapping[str, Any]) -> Decimal | None:
    return ev.granted


def _explanation(ev: Evaluation, values: Mapping[str, Any]) -> str:
    if not ev.eligible:
        return "Dossier inéligible : voir les motifs. Aucun montant."
    lines = [explain_rate(ev.funding_rate, ev.population, ev.reglement)]
    if ev.funding_rate is not None:
        lines.append(explain_amount(ev.amount, ev.reglement))
    return "\n".join(lines)


def _population_of(ev: Evaluation, values: Mapping[str, Any]) -> int:
    code = values["code"]
    if len(code) == 9:
        found = ev.territory.population_of_siren(code)
    else:
        commune = ev.territory.commune(code)
        found = commune.population if commune else None
    if found is None:
        raise CellError(f"« {code} » est inconnu du référentiel des communes et EPCI de l'Ain (COG 2021)")
    return found


def _band(ev: Evaluation, values: Mapping[str, Any]) -> str:
    population = values["population"].value
    if population is None:
        raise CellError("population : la cellule est vide, un nombre entier est attendu")
    band = ev.reglement.band_for(population)
    return f"{band.label} ({format_percent(band.rate)})"


def _siret(ev: Evaluation, values: Mapping[str, Any]) -> str:
    try:
        validate_siret(values["siret"])
    except IdentifierError as exc:
        return str(exc)
    return "Valide"


ELIGIBILITY = (
    "type_porteur",
    "code_porteur",
    "projet_commun",
    "partenaires",
    "types_partenaires",
    "contact",
    "axes",
    "date_debut",
    "date_fin",
    "assiette",
    "date_depot",
)
RATE = (
    "population",
    "cout_total",
    "participative",
    "labo",
    "usagers_beneficiaires",
    "agents_beneficiaires",
    "nb_agents",
    "projet_commun",
)
AMOUNT = ("eligible", "assiette", "assiette_investissement", "taux", "sollicite", "autres_financements", "derogation")

FUNCTIONS: dict[str, Function] = {
    f.name: f
    for f in (
        Function(
            "SUBV_ELIGIBLE",
            "Éligibilité du dossier à l'appel à projets : « Oui » ou « Non ». Les motifs : SUBV_MOTIFS.",
            ELIGIBILITY,
            _eligible,
            column=True,
            returns="« Oui » ou « Non »",
        ),
        Function(
            "SUBV_MOTIFS",
            "Motifs d'inéligibilité du dossier, un par ligne (code et explication) ; « Aucun » si le dossier est "
            "éligible.",
            ELIGIBILITY,
            _motifs,
            returns="les motifs d'inéligibilité, un par ligne (code : explication)",
        ),
        Function(
            "SUBV_ASSIETTE",
            "Assiette éligible du dossier : ses dépenses moins celles que l'appel exclut (personnel, équipement des "
            "agents). Avec « investissement » ou « fonctionnement », la part correspondante ; avec « exclues », le "
            "montant retiré.",
            ("numero", "depenses_dossiers", "depenses_natures", "depenses_montants", "partie"),
            _part,
            column=True,
            returns="l'assiette éligible, ou sa part « investissement », « fonctionnement », ou le montant des "
            "dépenses « exclues »",
        ),
        Function(
            "SUBV_ASSIETTE_LOCALE",
            "Part de l'assiette éligible confiée à des prestataires du département, en euros.",
            ("numero", *EXPENSE_INPUTS),
            _local,
            returns="la part de l'assiette confiée à des prestataires du département",
        ),
        Function(
            "SUBV_NOTE",
            "Note du dossier sur 100 selon les critères de l'appel ; « à apprécier » tant que l'impact et le besoin "
            "ne sont pas notés.",
            (
                "impact",
                "besoin",
                "assiette",
                "assiette_locale",
                "agents_beneficiaires",
                "nb_agents",
                "usagers_beneficiaires",
                "population",
                "projet_commun",
            ),
            _score,
            column=True,
            returns="la note sur 100, ou « à apprécier »",
        ),
        Function(
            "SUBV_TAUX",
            "Taux de financement de l'État (0,8 = 80 %) : taux de base de la tranche de population, modulé selon "
            "l'appel (coût, démarche participative, innovation, bénéficiaires, projet commun), plafonné.",
            RATE,
            _rate_of,
            column=True,
            returns="le taux (0,8 = 80 %)",
        ),
        Function(
            "SUBV_MONTANT",
            "Montant de la subvention : le plus petit de assiette × taux, du montant sollicité, du plafond par dossier "
            "et du plafond des aides publiques, arrondi à l'euro inférieur ; 0 pour un dossier inéligible.",
            AMOUNT,
            _granted,
            column=True,
            returns="le montant, arrondi à l'euro inférieur",
        ),
        Function(
            "SUBV_EXPLICATION",
            "Comment le taux et le montant ont été trouvés, en français.",
            (
                *RATE,
                "eligible",
                "assiette",
                "assiette_investissement",
                "sollicite",
                "autres_financements",
                "derogation",
            ),
            _explanation,
            returns="comment le taux et le montant ont été trouvés",
        ),
        Function(
            "SUBV_POPULATION",
            "Population municipale (COG 2021) d'une commune par son code INSEE, ou d'un EPCI par son SIREN.",
            ("code",),
            _population_of,
            returns="la population d'une commune (code INSEE) ou d'un EPCI (SIREN)",
            example="=SUBV_POPULATION(1004) → 14 134",
        ),
        Function(
            "SUBV_TRANCHE",
            "Tranche de population du règlement et son taux de base, par exemple « moins de 3 500 habitants (100 %) ».",
            ("population",),
            _band,
            returns="la tranche de population et son taux de base",
            example="=SUBV_TRANCHE(3500) → « de 3 500 à 9 999 habitants (80 %) »",
        ),
        Function(
            "SUBV_SIRET",
            "« Valide » si le SIRET a 14 chiffres et une clé de contrôle juste ; sinon ce qui ne va pas.",
            ("siret",),
            _siret,
            returns="« Valide », ou ce qui ne va pas",
            example='=SUBV_SIRET("21010005300011")',
        ),
    )
}
COLUMN_SUFFIX = "_COLONNE"


# ---------------------------------------------------------------- formulas and rows


@dataclass(frozen=True, slots=True)
class Call:
    """A computed column's formula: ``function`` over the row's cells, with ``literals`` for some inputs."""

    function: str
    literals: tuple[tuple[str, str], ...] = ()


# How a workbook's formulas name the functions, by runtime. Excel stores a call of an Office.js custom function
# (xlwings Lite's) as « _xldudf_ » + its name: a formula written otherwise stays #NOM? once Lite has registered
# the function (OfficeDev/office-js #6611). The classic add-in's functions are VBA functions: their plain name.
LITE = "lite"
CLASSIC = "classique"
RUNTIMES = {LITE: "_xldudf_", CLASSIC: ""}


def formula_text(
    call: Call, cell_of: Callable[[str], str], *, names: Mapping[str, str] | None = None, prefix: str = ""
) -> str:
    """The formula of ``call`` on a row; ``cell_of(column key)`` is the row's cell of that column (``G2``);
    ``names`` the workbook names the tool's names got (``Dep_Dossier`` → ``Dep_Dossier_2``); ``prefix`` how
    the runtime stores its functions (``RUNTIMES``)."""
    literals = dict(call.literals)
    arguments = []
    for name in FUNCTIONS[call.function].inputs:
        spec = INPUTS[name]
        if name in literals:
            arguments.append(literals[name])
        elif spec.name_ref is not None:
            arguments.append((names or {}).get(spec.name_ref, spec.name_ref))
        elif spec.column is not None:
            arguments.append(cell_of(spec.column))
        elif not spec.optional:
            raise ValueError(f"{call.function}: no cell for input {name}")
    return f"={prefix}{call.function}({','.join(arguments)})"


# Where an argument of a computed column's call comes from (``argument_sources``): a cell of the row, the whole
# column behind a workbook name, a literal, or nothing.
CELL, NAMED, LITERAL, NOTHING = "cell", "named", "literal", "nothing"


@functools.lru_cache(maxsize=64)
def argument_sources(call: Call) -> tuple[tuple[str, Any], ...]:
    """For each input of ``call``'s function, where Excel takes its value: ``(CELL, column key)``, ``(NAMED,
    workbook name)``, ``(LITERAL, value)`` or ``(NOTHING, None)`` — worked out once per call, not per row."""
    literals = dict(call.literals)
    sources: list[tuple[str, Any]] = []
    for name in FUNCTIONS[call.function].inputs:
        spec = INPUTS[name]
        if name in literals:
            sources.append((LITERAL, literals[name].strip('"')))
        elif spec.name_ref is not None:
            sources.append((NAMED, spec.name_ref))
        elif spec.column is not None:
            sources.append((CELL, spec.column))
        else:
            sources.append((NOTHING, None))
    return tuple(sources)


def call_arguments(call: Call, cell_of: Callable[[str], Any], name_of: Callable[[str], Any]) -> list[Any]:
    """The values Excel passes to ``call`` on a row: each input's cell value (``cell_of(column key)``), the
    whole column behind a workbook name (``name_of(name)``), or the literal — for the cached value."""
    return [
        cell_of(what) if kind is CELL else name_of(what) if kind is NAMED else what
        for kind, what in argument_sources(call)
    ]


def sharing_functions(calls: Sequence[Call]) -> frozenset[str]:
    """The functions among ``calls`` whose evaluation another of them may share (``Shared``): those given the
    same inputs as another, their own aside (SUBV_ELIGIBLE and SUBV_MOTIFS, the assiette and its parts). The
    others have nothing to share: not even the key of their evaluation is made."""
    given = [frozenset(FUNCTIONS[c.function].inputs) - _OWN_INPUTS for c in calls]
    return frozenset(c.function for c, inputs in zip(calls, given, strict=True) if given.count(inputs) > 1)


def read_row(cell_of: Callable[[str], Any], readable: Callable[[str], bool], ctx: Context) -> Cells:
    """A workbook row's cells for the rules: every input whose column ``readable`` says the rules read (the
    imported and agent columns; computed columns are computed again, never trusted)."""
    return Cells(
        {
            name: cell_of(spec.column)
            for name, spec in INPUTS.items()
            if spec.column is not None and readable(spec.column)
        },
        ctx,
    )
