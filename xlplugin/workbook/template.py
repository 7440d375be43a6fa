"""Building the tracking workbook from its layout and the règlement (``guichet init``).

Sheets: « Mode d'emploi », « Dossiers » (one row per dossier), « Dépenses » (one row per expense line),
« Paramètres » (the règlement's numbers with their sources, as named cells), « Répartition » (rank,
allocation, waiting list, envelope used and left, a chart), « Journal », and « xlwings.conf », which names
the module of the Excel functions. French number and date formats, frozen headers, drop-down lists,
ineligible rows highlighted, A4 landscape printing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook
from openpyxl.chart import BarChart, PieChart, Reference
from openpyxl.chart.data_source import AxDataSource, StrRef
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from xlplugin.rules.reglement import Reglement
from xlplugin.shipped import read_shipped
from xlplugin.workbook import layout as L
from xlplugin.workbook import parameters as P
from xlplugin.workbook.recalc import SUMMARY, SUMMARY_FIRST_ROW

# The rows that carry the drop-down lists and the highlighting: every row of the sheet, as Excel writes a rule
# given to a whole column below its header (a range costs nothing in the file, whatever its length), so that
# no number of dossiers outgrows them.
LAST_ROW = 1_048_576
HEADER_FONT = Font(bold=True, color="FFFFFF")
THIN = Side(style="thin", color="BFBFBF")


@dataclass
class Scratch:
    """The tool's sheets built apart (openpyxl), to be written as a new workbook or grafted into the office's;
    ``names``: the named cells of « Paramètres » (name → cell reference on that sheet)."""

    workbook: Workbook
    roles: list[str]
    names: dict[str, str] = field(default_factory=dict)

    def save(self, path: Path) -> None:
        self.workbook.save(path)


def build_sheets(reglement: Reglement, roles: Iterable[str]) -> Scratch:
    """The tool's sheets of these roles (all of them for a new workbook), in the layout's order."""
    workbook = Workbook()
    default = workbook.active
    wanted = set(roles)
    scratch = Scratch(workbook, [role for role in L.SHEET_ROLES if role in wanted])
    builders = {
        L.GUIDE: lambda sheet: _guide(sheet, reglement),
        L.DOSSIERS: _dossiers,
        L.DEPENSES: lambda sheet: _expense_sheet(sheet, reglement),
        L.PARAMETRES: lambda sheet: scratch.names.update(_parameters(sheet, reglement)),
        L.REPARTITION: _allocation,
        L.JOURNAL: lambda sheet: _table_sheet(sheet, L.JOURNAL_TABLE),
        L.XLWINGS_CONF: _xlwings_conf,
    }
    for role in scratch.roles:
        builders[role](workbook.create_sheet(role))
    if default is not None:
        workbook.remove(default)
    return scratch


def _dossiers(sheet: Worksheet) -> None:
    _table_sheet(sheet, L.DOSSIER_TABLE, fit_width=False)
    _dossiers_rules(sheet)


def _header(sheet: Worksheet, table: L.TableLayout, row: int = 1) -> None:
    for index, column in enumerate(table.columns, start=1):
        cell = sheet.cell(row, index, column.header)
        cell.font = HEADER_FONT
        cell.fill = PatternFill("solid", fgColor=L.GROUP_COLOURS[column.group])
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        cell.border = Border(bottom=THIN)
        sheet.column_dimensions[table.letters[column.key]].width = column.width
    sheet.row_dimensions[row].height = 45


def _table_sheet(sheet: Worksheet, table: L.TableLayout, first_row: int = 1, *, fit_width: bool = True) -> None:
    """Header, an Excel table (one empty row: a table cannot be empty), frozen header, print setup."""
    _header(sheet, table, first_row)
    ref = f"A{first_row}:{table.last_letter}{first_row + 1}"
    excel_table = Table(displayName=table.table, ref=ref)
    excel_table.tableStyleInfo = TableStyleInfo(name="TableStyleLight1", showRowStripes=True)
    sheet.add_table(excel_table)
    sheet.freeze_panes = f"B{first_row + 1}"
    _print_setup(sheet, first_row, fit_width=fit_width)
    for column in table.columns:
        letter = table.letters[column.key]
        for row in range(first_row + 1, first_row + 2):
            cell = sheet[f"{letter}{row}"]
            if column.number_format:
                cell.number_format = column.number_format
            if column.wrap:
                cell.alignment = Alignment(wrap_text=True, vertical="top")


def _print_setup(sheet: Worksheet, title_row: int, *, fit_width: bool = True) -> None:
    """A4 landscape, the header row on every page; a narrow sheet fits the page's width, a wide one
    (« Dossiers ») spreads over several pages with its first columns repeated."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    if fit_width:
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
        sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    else:
        sheet.page_setup.scale = 70
        sheet.print_title_cols = "A:C"
    sheet.print_title_rows = f"{title_row}:{title_row}"
    if sheet.oddFooter is not None and sheet.oddFooter.center is not None:
        sheet.oddFooter.center.text = "&A — page &P sur &N"


def _dossiers_rules(sheet: Worksheet) -> None:
    table = L.DOSSIER_TABLE
    last = LAST_ROW
    for column in table.columns:
        letter = table.letters[column.key]
        if column.choices:
            validation = _list_validation(column.choices)
            assert validation is not None  # the layout's own lists
            validation.error = f"Choisissez parmi : {', '.join(column.choices)}"
            validation.errorTitle = column.header
            validation.prompt = f"{column.header} : {', '.join(column.choices)}"
            sheet.add_data_validation(validation)
            validation.add(f"{letter}2:{letter}{last}")
        if column.group == L.AGENT:
            sheet.conditional_formatting.add(
                f"{letter}2:{letter}{last}",
                FormulaRule(
                    formula=[f'${table.letters["numero"]}2<>""'], fill=PatternFill("solid", bgColor=L.AGENT_FILL)
                ),
            )
    grounds = table.letters["derogation_fondement"]
    _derogation_grounds_list(sheet, f"{grounds}2:{grounds}{last}")
    eligible = table.letters["eligible"]
    sheet.conditional_formatting.add(
        f"A2:{table.last_letter}{last}",
        FormulaRule(formula=[f'${eligible}2="Non"'], fill=PatternFill("solid", bgColor=L.INELIGIBLE_FILL)),
    )
    sheet.conditional_formatting.add(
        f"A2:{table.last_letter}{last}",
        FormulaRule(formula=['LEFT(A2,8)="Erreur :"'], font=Font(color="C00000", bold=True)),
    )
    check = table.letters["controle_versements"]
    sheet.conditional_formatting.add(  # a payment that breaks a rule stands out where the agent types it
        f"{check}2:{check}{last}",
        FormulaRule(
            formula=[f"LEN({check}2)>0"],
            font=Font(color="C00000", bold=True),
            fill=PatternFill("solid", bgColor=L.INELIGIBLE_FILL),
        ),
    )


def _list_validation(choices: Iterable[str]) -> DataValidation | None:
    """A drop-down list whose prompt and error message Excel shows (openpyxl's default hides both); ``None``
    when the choices do not fit Excel's written list (255 characters, no comma nor quote in a choice: a
    règlement's labels are the office's) — the cells are then typed freely, and the rules name what they do
    not know."""
    choices = list(choices)
    text = ",".join(choices)
    if len(text) > 255 or any("," in c or '"' in c for c in choices):
        return None
    return DataValidation(
        type="list",
        formula1=f'"{text}"',
        allow_blank=True,
        showErrorMessage=True,
        showInputMessage=True,
    )


def _derogation_grounds_list(sheet: Worksheet, cells: str) -> None:
    """The grounds of a derogation to CGCT L1111-10 that the shipped documents' settings list, offered by code.
    A warning, not a refusal, for another text: an office's own settings may list other grounds, and
    ``guichet documents`` checks the cell against the settings it is given."""
    settings = json.loads(read_shipped("xlplugin.templates", "documents/parametres-documents.json"))
    codes = [ground["code"] for ground in settings["derogation_l1111_10"]["fondements"]]
    validation = _list_validation(codes)
    if validation is None:
        return
    validation.errorStyle = "warning"
    validation.errorTitle = "Fondement de la dérogation L1111-10"
    validation.error = (
        "Ce n'est pas un fondement des paramètres livrés. Gardez-le seulement s'il figure dans le bloc "
        "« derogation_l1111_10 » de vos paramètres des documents."
    )
    validation.promptTitle = "Fondement de la dérogation"
    validation.prompt = "Code du fondement légal (CGCT, L. 1111-10, III), seulement au-delà du plafond des aides."
    sheet.add_data_validation(validation)
    validation.add(cells)


def _expense_sheet(sheet: Worksheet, reglement: Reglement) -> None:
    _table_sheet(sheet, L.EXPENSE_TABLE)
    _expense_rules(sheet, reglement)


def _expense_rules(sheet: Worksheet, reglement: Reglement) -> None:
    validation = _list_validation([n.label for n in reglement.expense_natures])
    if validation is None:
        return
    validation.error = "Choisissez une nature de dépense du règlement."
    sheet.add_data_validation(validation)
    letter = L.EXPENSE_TABLE.letters["nature"]
    validation.add(f"{letter}2:{letter}{LAST_ROW}")


def _parameters(sheet: Worksheet, reglement: Reglement) -> dict[str, str]:
    """The règlement's numbers, each with its source; the main ones as named cells (returned: name → cell).
    Read-only: the functions read the règlement file, so a number is changed there, not here."""
    names: dict[str, str] = {}
    sheet["A1"] = P.SHEET_TITLE
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.cell(P.TITLE_ROW, 1, P.sheet_heading(reglement))
    headers = ("Paramètre", "Valeur", "Source")
    for col, title in enumerate(headers, start=1):
        cell = sheet.cell(P.HEADER_ROW, col, title)
        cell.font = HEADER_FONT
        cell.fill = PatternFill("solid", fgColor=L.GROUP_COLOURS[L.IMPORTED])
    for offset, row in enumerate(P.parameters(reglement), start=P.FIRST_ROW):
        sheet.cell(offset, 1, row.label).alignment = Alignment(wrap_text=True, vertical="top")
        cell = sheet.cell(offset, 2, row.cell_value)
        cell.number_format = row.number_format
        cell.alignment = Alignment(vertical="top", horizontal="left")
        source_cell = sheet.cell(offset, 3, row.source)
        source_cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.row_dimensions[offset].height = 15 * _lines(row.source, 125)
        if "CHOIX LOCAL" in row.source:
            source_cell.font = Font(color="7F6000")
        if row.name:
            names[row.name] = f"$B${offset}"
    sheet.column_dimensions["A"].width = 46
    sheet.column_dimensions["B"].width = 34
    sheet.column_dimensions["C"].width = 110
    sheet.protection.sheet = True  # no password: a reminder that the règlement file is the reference
    _print_setup(sheet, P.HEADER_ROW)
    sheet.freeze_panes = f"A{P.FIRST_ROW}"
    return names


def _lines(text: str, width: int) -> int:
    """How many lines ``text`` takes in a wrapped cell about ``width`` characters wide (openpyxl does not
    size rows, and LibreOffice keeps the default height)."""
    return sum(max(1, -(-len(paragraph) // width)) for paragraph in text.split("\n"))


def _allocation(sheet: Worksheet) -> None:
    """Summary of the envelope, the table the allocation fills, and two charts."""
    table = L.ALLOCATION_TABLE
    sheet["A1"] = "Répartition de l'enveloppe"
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A2"] = "Recalculée par le bouton « Recalculer les allocations » ou par « guichet allocate --workbook »."
    # The summary's formulas, over every row of the dossiers, are written with their values by
    # recalc.settle_summary (here, the labels only).
    for offset, (label, _formula, _fmt) in enumerate(SUMMARY, start=SUMMARY_FIRST_ROW):
        sheet.cell(offset, 1, label).font = Font(bold=True)
    _table_sheet(sheet, table, L.ALLOCATION_FIRST_ROW)
    sheet.freeze_panes = f"A{L.ALLOCATION_FIRST_ROW + 1}"

    _allocation_charts(sheet)
    sheet.column_dimensions["A"].width = max(sheet.column_dimensions["A"].width or 0, 30)


def _allocation_charts(sheet: Worksheet) -> None:
    """The allocation per dossier, and the envelope used and left."""
    bars = BarChart()
    bars.type = "bar"
    bars.title = "Montant alloué par dossier"
    bars.y_axis.title = "€"
    bars.height, bars.width = 16, 20
    first, end = L.ALLOCATION_FIRST_ROW, L.ALLOCATION_FIRST_ROW + 1  # the table's header and its data row
    bars.add_data(Reference(sheet, min_col=6, min_row=first, max_row=end), titles_from_data=True)
    bars.set_categories(Reference(sheet, min_col=3, min_row=first + 1, max_row=end))
    # The porteurs' names are text: a text reference, or LibreOffice labels few bars. The allocation makes the
    # ranges end with its table (``follow_table_charts``).
    for series in bars.series:
        if series.cat is not None and series.cat.numRef is not None:
            series.cat = AxDataSource(strRef=StrRef(f=series.cat.numRef.f))
    bars.legend = None
    sheet.add_chart(bars, f"J{L.ALLOCATION_FIRST_ROW}")

    pie = PieChart()
    pie.title = "Enveloppe : alloué et reste"
    pie.add_data(Reference(sheet, min_col=2, min_row=4, max_row=5))
    pie.set_categories(Reference(sheet, min_col=1, min_row=4, max_row=5))
    pie.height, pie.width = 7.5, 10
    sheet.add_chart(pie, "D3")


def _xlwings_conf(sheet: Worksheet) -> None:
    """Classic xlwings reads its settings from this sheet: the module of the Excel functions."""
    sheet["A1"] = "UDF Modules"
    sheet["B1"] = "xlplugin.excel.udfs"
    sheet["A3"] = "Réglages du complément xlwings : ne pas renommer cette feuille."
    sheet["A3"].font = Font(italic=True, color="7F7F7F")
    sheet.column_dimensions["A"].width = 22
    sheet.column_dimensions["B"].width = 22


GUIDE_TITLE = "Tableau de suivi — appel à projets « transformation numérique des collectivités »"
GUIDE_TEXT = (
    "",
    "Feuille « Dossiers » : une ligne par dossier. Les en-têtes sont de cinq couleurs :",
    "  • bleu — repris du dossier déposé sur démarches-simplifiées (par « guichet import ») : l'import suivant",
    "    le remet, sauf une population inconnue que l'agent a saisie (elle est gardée) ;",
    "  • jaune — à saisir par l'agent : notes d'impact et de besoin (0 à 3), dérogation, commentaire ;",
    "  • vert — calculé par les fonctions SUBV_… (assiette, éligibilité, note, taux, montant) et par Excel",
    "    (reste à payer, trop-perçu, contrôle des versements : avance, acomptes, dates au regard de la décision) ;",
    "  • violet — écrit par la répartition de l'enveloppe (rang, montant alloué, statut) ;",
    "  • orange — à saisir après le comité : décision, date, n° d'arrêté, date du comité, adresse et",
    "    destinataire des lettres (l'import remplit une adresse vide de celle du SIRET), n° EJ Chorus, versements.",
    "Une ligne rose est un dossier inéligible : ses motifs sont dans la colonne « Motifs d'inéligibilité ».",
    "Tant que l'impact et le besoin ne sont pas notés, la note affiche « à apprécier »",
    "et le dossier n'est pas classé.",
    "",
    "Feuille « Dépenses » : les lignes de dépense de chaque dossier. Corriger une nature ou un montant",
    "recalcule aussitôt l'assiette du dossier (personnel et équipement des agents sont exclus).",
    "Une dépense ajoutée à la main se met sous les dernières lignes (mille de plus au plus avant un import).",
    "",
    "Feuille « Paramètres » : chaque nombre du règlement et sa source (l'appel, la loi, ou un choix local).",
    "Feuille « Répartition » : l'enveloppe, ce qui est alloué et ce qui reste, le classement, la liste d'attente.",
    "Feuille « Journal » : une ligne par import ou par répartition (date, agent, fichiers, nombres).",
    "",
    "Les fonctions : SUBV_ELIGIBLE, SUBV_MOTIFS, SUBV_ASSIETTE, SUBV_ASSIETTE_LOCALE, SUBV_NOTE, SUBV_TAUX,",
    "SUBV_MONTANT, SUBV_EXPLICATION, SUBV_POPULATION, SUBV_TRANCHE, SUBV_SIRET (et leurs versions _COLONNE).",
    "Elles s'exécutent avec xlwings Lite (ou le complément classique) ; sans lui, les cellules calculées",
    "gardent les valeurs écrites par « guichet import » et « guichet allocate », justes jusqu'à la",
    "prochaine modification d'une cellule.",
)


def _guide(sheet: Worksheet, reglement: Reglement) -> None:
    sheet.cell(1, 1, GUIDE_TITLE).font = Font(bold=True, size=14)
    for row, text in enumerate(GUIDE_TEXT, start=2):
        sheet.cell(row, 1, text)
    sheet.cell(len(GUIDE_TEXT) + 3, 1, P.guide_line(reglement))
    sheet.column_dimensions["A"].width = 120
    _print_setup(sheet, 1)
