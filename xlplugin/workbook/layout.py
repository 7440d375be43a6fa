"""The layout of the tracking workbook, declared once: sheets, tables, columns, names, formulas.

Columns come in four groups, each with its own header colour: what is imported from the dossier, what the
agent types (notes, dérogation, comment), what the Excel functions compute, and what the allocation of the
envelope writes. A computed column names the function it calls (``Call``); its formula is generated from
that function's declaration (``functions.formula_text``): each input becomes the row's cell of its column,
and the expense columns are reached through workbook names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from string import Formatter

from xlplugin.rules.payments import PAID_ABOVE_LABEL, PAID_BEFORE_LABEL, advance_label, instalments_label
from xlplugin.rules.reglement import Reglement
from xlplugin.workbook.functions import FUNCTIONS, INPUTS, Call, formula_text

IMPORTED = "importé"
AGENT = "agent"
COMPUTED = "calculé"
ALLOCATION = "répartition"
DECISION = "décision"  # typed by the agent after the committee: decision, payments

DOSSIERS = "Dossiers"
DEPENSES = "Dépenses"
PARAMETRES = "Paramètres"
REPARTITION = "Répartition"
JOURNAL = "Journal"
GUIDE = "Mode d'emploi"
XLWINGS_CONF = "xlwings.conf"
SHEET_ROLES = (GUIDE, DOSSIERS, DEPENSES, PARAMETRES, REPARTITION, JOURNAL, XLWINGS_CONF)

# The names of the expense columns (Dep_Montant…) cover the lines written so far and this many more, for the
# lines an agent adds by hand; each import sizes them again. Every Excel function of a row receives these
# ranges: covering ten thousand empty rows would make every recalculation carry them.
EXPENSE_MARGIN = 1_000

MONEY = '#,##0.00 "€"'
MONEY_WHOLE = '#,##0 "€"'
DATE = "dd/mm/yyyy"
DATETIME = "dd/mm/yyyy hh:mm"
PERCENT = "0%"
SCORE = "0.00"
INTEGER = "#,##0"
TEXT = "@"


@dataclass(frozen=True, slots=True)
class Native:
    """A computed column's formula in Excel's own functions (it works with no runtime at all): ``template``
    with ``{key}`` for the row's cell of each column, and ``{regle_…}`` for a number or a text of the règlement
    (``native_parameters``), written into the formula when it is written."""

    template: str


def native_parameters(reglement: Reglement) -> dict[str, str]:
    """What the native formulas take from the règlement: the ceilings of the payments before the balance and
    the labels that name them (the rules' own labels, ``rules.payments``)."""
    return {
        "regle_avance": str(reglement.advance_max),
        "regle_acomptes": str(reglement.instalments_max),
        "regle_libelle_avance": advance_label(reglement.advance_max),
        "regle_libelle_acomptes": instalments_label(reglement.instalments_max),
    }


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    header: str
    group: str
    width: float = 14
    number_format: str | None = None
    formula: Call | Native | None = None  # the function a computed column calls, or its native formula
    choices: tuple[str, ...] = ()  # drop-down list
    wrap: bool = False


# Headers the tool's own « Dossiers » sheet had before stop 16, too generic to be taken on an office's sheet (an
# office's « Taux » or « Statut » is its own): recognised only on the sheet the tool made.
LEGACY_HEADERS: dict[str, tuple[str, ...]] = {"taux": ("Taux",), "statut": ("Statut",)}


@dataclass(frozen=True)
class TableLayout:
    sheet: str
    table: str
    columns: tuple[Column, ...]

    @cached_property
    def letters(self) -> dict[str, str]:
        return {c.key: column_letter(i) for i, c in enumerate(self.columns, start=1)}

    @cached_property
    def by_key(self) -> dict[str, Column]:
        return {c.key: c for c in self.columns}

    @property
    def last_letter(self) -> str:
        return column_letter(len(self.columns))

    def formula(
        self,
        key: str,
        row: int,
        letters: dict[str, str] | None = None,
        *,
        names: dict[str, str] | None = None,
        prefix: str = "",
        parameters: dict[str, str] | None = None,
    ) -> str:
        """The formula of computed column ``key`` on ``row``. ``letters``: the sheet's own columns when they
        differ from the layout's (the office's workbook); ``names``: the workbook names the tool's names got
        when the office's took theirs; ``prefix``: how the runtime's functions are stored (xlwings Lite);
        ``parameters``: the règlement's values of a native formula (``native_parameters``)."""
        return self._formula(key, str(row), letters, names, prefix, parameters)

    def formula_columns(self, key: str) -> set[str]:
        """The columns the formula of computed column ``key`` refers to (its row's cells)."""
        formula = self.by_key[key].formula
        assert formula is not None
        if isinstance(formula, Native):
            return {field for _, field, _, _ in Formatter().parse(formula.template) if field and field in self.by_key}
        literals = dict(formula.literals)
        return {
            spec.column
            for name in FUNCTIONS[formula.function].inputs
            if name not in literals and (spec := INPUTS[name]).name_ref is None and spec.column is not None
        }

    def formula_of_rows(
        self,
        key: str,
        letters: dict[str, str] | None = None,
        *,
        names: dict[str, str] | None = None,
        prefix: str = "",
        parameters: dict[str, str] | None = None,
    ) -> Callable[[int], str]:
        """``formula`` of column ``key`` for any row: the text is made once, each row's number put into it."""
        pieces = self._formula(key, _ROW_MARK, letters, names, prefix, parameters).split(_ROW_MARK)
        return lambda row: str(row).join(pieces)

    def _formula(
        self,
        key: str,
        row: str,
        letters: dict[str, str] | None,
        names: dict[str, str] | None,
        prefix: str,
        parameters: dict[str, str] | None,
    ) -> str:
        formula = self.by_key[key].formula
        assert formula is not None
        columns = letters or self.letters
        if isinstance(formula, Native):
            cells = {k: f"{letter}{row}" for k, letter in columns.items()}
            return formula.template.format(**(parameters or _default_parameters()), **cells)
        return formula_text(formula, lambda column: f"{columns[column]}{row}", names=names, prefix=prefix)


def _default_parameters() -> dict[str, str]:
    """The shipped règlement's (a formula shown without a règlement at hand: the README, the tests)."""
    from xlplugin.rules.reglement import default_reglement

    return native_parameters(default_reglement())


_ROW_MARK = "\x00"  # stands for the row number in a formula made once for every row (never in a formula)


def column_letter(index: int) -> str:
    """Excel's letters of a 1-based column index: 1 → A, 28 → AB."""
    letters = ""
    while index > 0:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


YES_NO = ("Oui", "Non")
DECISIONS = ("accordée", "refusée", "classée sans suite")
# The amount granted (« Montant accordé », else the allocation) and the payments, in Excel's words: each to the
# cent, as the rules take them (an amount a formula left with fractions of a cent flagged otherwise in Excel).
_GRANTED = 'ROUND(IF({montant_accorde}="",N({alloue}),{montant_accorde}),2)'
_PAID = "ROUND(N({avance}),2)+ROUND(N({acompte1}),2)+ROUND(N({acompte2}),2)+ROUND(N({solde}),2)"
# « Contrôle des versements »: the rules of ``rules.payments.payment_problems``, in Excel's words, each broken one
# adding « ; label » (MID drops the first separator). Amounts compared to the cent; a ceiling is floored to the
# cent as the rules floor it (the 1E-6 absorbs the float's error on an exact product of cents and hundredths).
_SEPARATOR = " ; "


def _ceiling(fraction: str) -> str:
    return f"ROUNDDOWN({{{fraction}}}*{_GRANTED}+0.000001,2)"


def _paid_before_decision() -> str:
    dated = (
        ("avance", "date_avance"),
        ("acompte1", "date_acompte1"),
        ("acompte2", "date_acompte2"),
        ("solde", "date_solde"),
    )
    # days, as the rules compare them: a payment at 09:00 on the day of a decision typed at 14:00 is not before it
    checks = [f"AND(N({{{a}}})>0,N({{{d}}})>0,INT(N({{{d}}}))<INT(N({{date_decision}})))" for a, d in dated]
    return f"OR({','.join(checks)})"


_CHECK = (
    "=MID("
    f'IF(ROUND(N({{avance}}),2)>{_ceiling("regle_avance")},"{_SEPARATOR}{{regle_libelle_avance}}","")'
    f"&IF(ROUND(N({{avance}}),2)+ROUND(N({{acompte1}}),2)+ROUND(N({{acompte2}}),2)>{_ceiling('regle_acomptes')},"
    f'"{_SEPARATOR}{{regle_libelle_acomptes}}","")'
    f'&IF(ROUND({_PAID},2)>ROUND({_GRANTED},2),"{_SEPARATOR}{PAID_ABOVE_LABEL}","")'
    f'&IF({_paid_before_decision()},"{_SEPARATOR}{PAID_BEFORE_LABEL}","")'
    f",{len(_SEPARATOR) + 1},1000)"
)
NOTES = ("0", "1", "2", "3")
EXPENSE_NAMES = {
    "Dep_Dossier": "dossier",
    "Dep_Nature": "nature",
    "Dep_Montant": "montant",
    "Dep_Departement": "departement",
}


DOSSIER_TABLE = TableLayout(
    DOSSIERS,
    "TableDossiers",
    (
        Column("numero", "N° dossier", IMPORTED, 11, "0"),
        Column("date_depot", "Déposé le", IMPORTED, 12, DATE),
        Column("porteur", "Porteur", IMPORTED, 32),
        Column("type_porteur", "Type de porteur", IMPORTED, 18),
        Column("siret", "SIRET", IMPORTED, 16, TEXT),
        Column("code_porteur", "Code INSEE ou SIREN", IMPORTED, 12, TEXT),
        Column("population", "Population", IMPORTED, 11, INTEGER),
        Column("nb_agents", "Agents de la structure", IMPORTED, 10, INTEGER),
        Column("projet_commun", "Projet commun", IMPORTED, 9, choices=YES_NO),
        Column("partenaires", "Structures associées", IMPORTED, 28),
        Column("types_partenaires", "Types des structures associées", IMPORTED, 20),
        Column("contact", "Contact opérationnel", IMPORTED, 20),
        Column("intitule", "Intitulé du projet", IMPORTED, 34),
        Column("axes", "Axes du projet", IMPORTED, 34),
        Column("date_debut", "Démarrage", IMPORTED, 11, DATE),
        Column("date_fin", "Fin de mise en œuvre", IMPORTED, 11, DATE),
        Column("agents_beneficiaires", "Agents bénéficiaires", IMPORTED, 10, INTEGER),
        Column("usagers_beneficiaires", "Usagers bénéficiaires", IMPORTED, 11, INTEGER),
        Column("participative", "Démarche participative", IMPORTED, 11, choices=YES_NO),
        Column("labo", "Laboratoire d'innovation", IMPORTED, 11, choices=YES_NO),
        Column("cout_total", "Coût total HT", IMPORTED, 13, MONEY),
        Column("sollicite", "Montant sollicité", IMPORTED, 13, MONEY),
        Column("autres_financements", "Autres financements publics", IMPORTED, 13, MONEY),
        Column("impact", "Note impact (0 à 3)", AGENT, 10, "0", choices=NOTES),
        Column("besoin", "Note besoin (0 à 3)", AGENT, 10, "0", choices=NOTES),
        Column("derogation", "Dérogation L1111-10", AGENT, 11, choices=YES_NO),
        Column("commentaire", "Commentaire de l'agent", AGENT, 30),
        Column("assiette", "Assiette éligible", COMPUTED, 13, MONEY, Call("SUBV_ASSIETTE")),
        Column(
            "assiette_investissement",
            "dont investissement",
            COMPUTED,
            13,
            MONEY,
            Call("SUBV_ASSIETTE", (("partie", '"investissement"'),)),
        ),
        Column(
            "assiette_locale", "dont prestataires du département", COMPUTED, 13, MONEY, Call("SUBV_ASSIETTE_LOCALE")
        ),
        Column("eligible", "Éligible", COMPUTED, 9, formula=Call("SUBV_ELIGIBLE")),
        Column("motifs", "Motifs d'inéligibilité", COMPUTED, 40, formula=Call("SUBV_MOTIFS")),
        Column("note", "Note /100", COMPUTED, 10, SCORE, Call("SUBV_NOTE")),
        Column("taux", "Taux de subvention", COMPUTED, 10, PERCENT, Call("SUBV_TAUX")),
        Column("montant", "Montant proposé", COMPUTED, 13, MONEY_WHOLE, Call("SUBV_MONTANT")),
        Column("explication", "Explication du taux et du montant", COMPUTED, 50, formula=Call("SUBV_EXPLICATION")),
        Column("rang", "Rang", ALLOCATION, 7, "0"),
        Column("alloue", "Alloué", ALLOCATION, 13, MONEY_WHOLE),
        Column("statut", "Statut de la répartition", ALLOCATION, 13),
        # After the committee: the decision, what the documents need, the payments.
        Column("decision", "Décision", DECISION, 12, choices=DECISIONS),
        Column("date_decision", "Date de décision", DECISION, 11, DATE),
        Column("numero_arrete", "N° d'arrêté", DECISION, 12, TEXT),
        Column("date_comite", "Date du comité", DECISION, 11, DATE),
        Column("montant_accorde", "Montant accordé", DECISION, 13, MONEY),
        # A grant above the legal ceiling of public aid (CGCT L1111-10, III) rests on a derogation the law gives.
        Column("derogation_fondement", "Fondement de la dérogation L1111-10", DECISION, 22, wrap=True),
        Column("derogation_decision", "Décision de dérogation L1111-10", DECISION, 24, wrap=True),
        Column("motif_refus", "Motif du refus", DECISION, 30, wrap=True),
        Column("adresse", "Adresse du bénéficiaire", DECISION, 30),
        Column("destinataire", "Destinataire", DECISION, 20),
        Column("decision_signee", "Décision signée (fichier PDF)", DECISION, 24),
        Column("ej_chorus", "N° EJ Chorus", DECISION, 14, TEXT),
        Column("avance", "Avance", DECISION, 12, MONEY),
        Column("date_avance", "Date de l'avance", DECISION, 11, DATE),
        Column("acompte1", "Acompte 1", DECISION, 12, MONEY),
        Column("date_acompte1", "Date de l'acompte 1", DECISION, 11, DATE),
        Column("acompte2", "Acompte 2", DECISION, 12, MONEY),
        Column("date_acompte2", "Date de l'acompte 2", DECISION, 11, DATE),
        Column("solde", "Solde", DECISION, 12, MONEY),
        Column("date_solde", "Date du solde", DECISION, 11, DATE),
        # Excel's own functions: right even with no runtime, as an agent types a payment.
        Column("reste_a_payer", "Reste à payer", COMPUTED, 13, MONEY, Native(f"=MAX(0,{_GRANTED}-({_PAID}))")),
        Column("trop_percu", "Trop-perçu", COMPUTED, 13, MONEY, Native(f"=MAX(0,{_PAID}-{_GRANTED})")),
        Column("controle_versements", "Contrôle des versements", COMPUTED, 30, formula=Native(_CHECK), wrap=True),
        # Last, as agents rarely read it: the version of the dossier on démarches-simplifiées the row was imported
        # from, which a decision sent there is checked against.
        Column("version_ds", "Version reçue de démarches-simplifiées", IMPORTED, 26, TEXT),
    ),
)

EXPENSE_TABLE = TableLayout(
    DEPENSES,
    "TableDepenses",
    (
        Column("dossier", "N° dossier", IMPORTED, 11, "0"),
        Column("libelle", "Libellé de la dépense", IMPORTED, 40, wrap=True),
        Column("nature", "Nature", IMPORTED, 30),
        Column("montant", "Montant HT", IMPORTED, 14, MONEY),
        Column("prestataire", "Prestataire", IMPORTED, 28),
        Column("departement", "Département du prestataire", IMPORTED, 12, TEXT),
    ),
)

ALLOCATION_TABLE = TableLayout(
    REPARTITION,
    "TableRepartition",
    (
        Column("rang", "Rang", ALLOCATION, 7, "0"),
        Column("numero", "N° dossier", ALLOCATION, 11, "0"),
        Column("porteur", "Porteur", ALLOCATION, 34),
        Column("note", "Note /100", ALLOCATION, 10, SCORE),
        Column("montant", "Montant proposé", ALLOCATION, 14, MONEY_WHOLE),
        Column("alloue", "Alloué", ALLOCATION, 14, MONEY_WHOLE),
        Column("statut", "Statut", ALLOCATION, 12),
        Column("observation", "Observation", ALLOCATION, 50, wrap=True),
    ),
)
ALLOCATION_FIRST_ROW = 18  # the table's header row on « Répartition », below the summary and its chart

JOURNAL_TABLE = TableLayout(
    JOURNAL,
    "TableJournal",
    (
        Column("date", "Date", IMPORTED, 17, DATETIME),
        Column("agent", "Agent", IMPORTED, 16),
        Column("action", "Action", IMPORTED, 18),
        Column("fichiers", "Fichiers", IMPORTED, 40, wrap=True),
        Column("detail", "Détail", IMPORTED, 60, wrap=True),
    ),
)

GROUP_COLOURS = {IMPORTED: "1F4E78", AGENT: "BF8F00", COMPUTED: "375623", ALLOCATION: "7030A0", DECISION: "C55A11"}
AGENT_FILL = "FFF2CC"
INELIGIBLE_FILL = "F8CBAD"

MARKER = "Guichet_Modele"  # a workbook name that marks the workbooks this tool built

# What the tool owns in a workbook carries a mark, so that it never takes what is not its own for its own:
# - each of its sheets, a hidden name local to the sheet, ROLE_NAME, whose text is the sheet's role (its
#   name in the layout): renamed by an agent, or added beside an office sheet of the same name
#   (« Répartition (2) »), it is still found;
# - each of its workbook names, the comment NAME_MARK: an office's own « Enveloppe » is never re-pointed;
#   the tool's then gets another name (« Enveloppe_2 »), which its formulas use.
ROLE_NAME = "Guichet_Role"
NAME_MARK = "guichet-numerique"
# The names the tool defines, by role (their name in the layout, when free).
TOOL_NAMES = (
    "Dep_Dossier",
    "Dep_Nature",
    "Dep_Montant",
    "Dep_Departement",
    "Enveloppe",
    "Departement",
    "Demarrage_au_plus_tard",
    "Fin_au_plus_tard",
    "Taux_maximum",
    "Plafond_par_dossier",
)
# An agent maps an office column to a column of the tool by naming its header cell so (Guichet_Colonne_contact).
COLUMN_NAME_PREFIX = "Guichet_Colonne_"
# Which runtime the workbook's functions are written for: how a formula names them (see functions.RUNTIMES).
RUNTIME_NAME = "Guichet_Execution"
# The revision of the computations the saved figures of the computed columns come from (``recalc``).
CALCULATION_NAME = "Guichet_Calcul"
# The office's sheet of the dossiers the tool was given (``--sheet``, or the only sheet that could be it): a
# workbook name on the header of its dossier-number column, that later runs follow (even once the sheet is
# renamed) rather than guess among several sheets with such a header.
DOSSIER_SHEET_NAME = "Guichet_Feuille_Dossiers"
