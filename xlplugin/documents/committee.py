"""The « état récapitulatif » for the comité de programmation and the préfet: XLSX, and PDF through LibreOffice.

It lists the dossiers as the envelope's allocation ranks them: those proposed for funding (with the amount the
rules give and the amount allocated, a partial grant marked as such), the waiting list, the dossiers not yet
ranked (to be assessed), the ineligible ones with their motifs; then the totals and what is left of the
envelope. Money stays Decimal until it is written to a cell. Text stays text: a beneficiary's name or a project
title that begins with ``=`` is written as a string with Excel's « quote prefix », never as a formula.

What the committee must know before it gives its opinion is in each line's observation: two dossiers of the same
SIRET (one structure, two applications), an amount the rules give above the legal ceiling of public aid (CGCT,
art. L. 1111-10, III) that needs a derogation the law gives, a dossier not ranked and why.

Printed, the list stays readable: A4 landscape, one page wide, in 10 points with columns narrow enough that the
fit to the page's width keeps every character at 8 points or more (measured on LibreOffice's PDF by the tests),
long texts wrapped.
"""

from __future__ import annotations

import textwrap
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from xlplugin.documents.calculation import legal_cap
from xlplugin.documents.french import euros, long_date
from xlplugin.documents.pdf import convert_to_pdf
from xlplugin.documents.record import FUNDED, NOT_RANKED, PARTIAL, WAITING
from xlplugin.rules import Allocation, Evaluation, Reglement, Territory, default_territory
from xlplugin.workbook.rows import storable

ZERO = Decimal("0")
SHEET = "État récapitulatif"
# The [$-40C] prefix (French, France) makes Excel and LibreOffice show « 12 300 € » and « 89,06 » whatever the
# language of the computer that opens or converts the workbook. An amount with cents shows them (« 19 200,50 € »,
# as the arrêté says it), a rate with decimals too (« 83,33 % »): an official list never rounds what it states.
EUROS = '[$-40C]#,##0" €"'
EUROS_CENTS = '[$-40C]#,##0.00" €"'
PERCENT = "[$-40C]0 %"
PERCENT_DECIMALS = "[$-40C]0.00 %"
SCORE = "[$-40C]0.00"
INTEGER = "[$-40C]#,##0"
FONT_NAME = "Arial"
FONT_SIZE = 10
LINE_HEIGHT = 13.5  # points, for a 10-point font
STATUS_LABELS = {
    FUNDED: "financé",
    PARTIAL: "financé partiellement",
    WAITING: "liste d'attente",
    NOT_RANKED: "non classé",
}
HEADERS = (
    ("Rang", 4),
    ("N° dossier", 9),
    ("Bénéficiaire", 15),
    ("Commune", 10),
    ("Projet", 17),
    ("Population", 8),
    ("Assiette", 10),
    ("Taux", 6),
    ("Note /100", 6),
    ("Montant des règles", 10),
    ("Montant alloué", 10),
    ("Statut", 9),
    ("Observation", 18),
)

TITLE_FONT = Font(name=FONT_NAME, bold=True, size=14)
BOLD = Font(name=FONT_NAME, bold=True, size=FONT_SIZE)
PLAIN = Font(name=FONT_NAME, size=FONT_SIZE)
HEADER_FILL = PatternFill("solid", fgColor="DDE3F0")
SECTION_FILL = PatternFill("solid", fgColor="F2F2F2")
THIN = Side(style="thin", color="999999")
GRID = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


class CommitteeError(ValueError):
    """The committee's list cannot be written (French message)."""


@dataclass(frozen=True, slots=True)
class CommitteeLine:
    rank: int | None
    number: int
    beneficiary: str
    commune: str
    project: str
    population: int | None
    eligible_cost: Decimal
    rate: Decimal | None
    score: Decimal | None
    proposed: Decimal | None  # what the rules give
    allocated: Decimal
    status: str
    note: str


@dataclass(frozen=True, slots=True)
class CommitteeList:
    """The committee's list, by section, with its totals."""

    title: str
    envelope: Decimal
    funded: tuple[CommitteeLine, ...]
    waiting: tuple[CommitteeLine, ...]
    not_ranked: tuple[CommitteeLine, ...]
    ineligible: tuple[CommitteeLine, ...]

    @property
    def proposed_total(self) -> Decimal:
        """What the rules give to the dossiers proposed for funding."""
        return sum((line.proposed or ZERO for line in self.funded), ZERO)

    @property
    def allocated_total(self) -> Decimal:
        return sum((line.allocated for line in self.funded), ZERO)

    @property
    def remainder(self) -> Decimal:
        return self.envelope - self.allocated_total

    @property
    def waiting_total(self) -> Decimal:
        """What the waiting list would need: the rules' amounts plus what the partial grant lacks."""
        missing = sum(((line.proposed or ZERO) - line.allocated for line in self.funded), ZERO)
        return sum((line.proposed or ZERO for line in self.waiting), ZERO) + missing


def committee_list(
    evaluations: Iterable[Evaluation],
    allocation: Allocation,
    reglement: Reglement,
    territory: Territory | None = None,
    *,
    unjudged: Collection[int] = (),
) -> CommitteeList:
    """Build the list from the rules' evaluations and the envelope's allocation. ``unjudged``: dossiers whose
    row could not be judged (the caller names them): left out of the list, as long as they got nothing."""
    territory = territory or default_territory()
    by_number = {e.number: e for e in evaluations}
    same_siret = same_structure(by_number.values())
    sections: dict[str, list[CommitteeLine]] = {"funded": [], "waiting": [], "not_ranked": [], "ineligible": []}
    for grant in allocation.grants:
        evaluation = by_number.get(grant.number)
        if evaluation is None and grant.number in unjudged and not grant.allocated:
            continue
        if evaluation is None:
            raise CommitteeError(f"Dossier {grant.number} : réparti mais non évalué ; relancez l'évaluation.")
        applicant = evaluation.dossier.applicant
        commune = territory.commune(applicant.code_insee) if applicant.code_insee else None
        if not evaluation.eligible:
            section, note = "ineligible", " ; ".join(r.message for r in evaluation.reasons)
        elif grant.status in (FUNDED, PARTIAL):
            section, note = "funded", grant.note
        elif grant.rank is not None:
            section, note = "waiting", grant.note
        else:
            section, note = "not_ranked", _not_ranked(evaluation, grant.note)
        note = " ; ".join(n for n in (note, *_flags(evaluation, reglement, same_siret)) if n)
        sections[section].append(
            CommitteeLine(
                rank=grant.rank,
                number=grant.number,
                beneficiary=applicant.name,
                commune=commune.name if commune else "",
                project=evaluation.dossier.project.title,
                population=evaluation.population.value,
                eligible_cost=evaluation.assiette,
                rate=evaluation.rate.value if evaluation.rate else None,
                score=evaluation.score.total,
                proposed=evaluation.amount.value if evaluation.amount else None,
                allocated=grant.allocated,
                status=STATUS_LABELS.get(grant.status, "inéligible" if not evaluation.eligible else "à apprécier"),
                note=note,
            )
        )
    return CommitteeList(
        title=reglement.title,
        envelope=reglement.envelope,
        funded=tuple(sections["funded"]),
        waiting=tuple(sections["waiting"]),
        not_ranked=tuple(sections["not_ranked"]),
        ineligible=tuple(sections["ineligible"]),
    )


def same_structure(evaluations: Iterable[Evaluation]) -> dict[int, tuple[int, ...]]:
    """Dossier → the other dossiers of the same SIRET (one structure that applied twice), for those that have
    any."""
    return sharing((e.dossier.applicant.siret, e.number) for e in evaluations)


def sharing(keyed: Iterable[tuple[str | None, int]]) -> dict[int, tuple[int, ...]]:
    """Dossier → the other dossiers given the same key (an empty key is none), in the order given, for those that
    share one."""
    by_key: dict[str, list[int]] = {}
    for key, number in keyed:
        if key:
            by_key.setdefault(key, []).append(number)
    return {
        number: tuple(other for other in numbers if other != number)
        for numbers in by_key.values()
        if len(numbers) > 1
        for number in numbers
    }


def _not_ranked(evaluation: Evaluation, note: str) -> str:
    """Why an eligible dossier is not ranked, said plainly (never « liste d'attente »)."""
    if evaluation.score.total is None:
        return "non classé : pas de note, impact et besoin à apprécier"
    if evaluation.population.value is None:
        return "non classé : population inconnue, taux et montant non calculés"
    return note


def _flags(evaluation: Evaluation, reglement: Reglement, same_siret: dict[int, tuple[int, ...]]) -> list[str]:
    """What the committee must know of a dossier before giving its opinion."""
    flags = []
    others = same_siret.get(evaluation.number)
    if others:
        listed = ", ".join(map(str, others))
        flags.append(f"même SIRET que le dossier {listed} : deux demandes d'une même structure")
    amount = evaluation.amount
    if evaluation.eligible and amount is not None:
        cap = legal_cap(evaluation, reglement)
        if amount.value > cap:
            flags.append(f"au-delà du plafond L. 1111-10 ({euros(cap)}) : dérogation à fonder, sinon à réduire")
    return flags


def write_committee_xlsx(committee: CommitteeList, path: Path, committee_on: date | None = None) -> Path:
    """Write the list as a workbook: French formats, A4 landscape, one page wide, header row repeated."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = SHEET
    heading = "État récapitulatif des dossiers – comité de programmation"
    if committee_on is not None:
        heading += f" du {long_date(committee_on)}"
    sheet.append([heading])
    sheet["A1"].font = TITLE_FONT
    sheet.append([storable(committee.title)])
    sheet["A2"].font = PLAIN
    sheet.append([])
    for label, value in (
        ("Enveloppe départementale", committee.envelope),
        ("Montant des règles, dossiers proposés", committee.proposed_total),
        ("Montant alloué", committee.allocated_total),
        ("Reste de l'enveloppe", committee.remainder),
        ("Besoin de la liste d'attente", committee.waiting_total),
    ):
        sheet.append([label, None, None, value])
        row = sheet.max_row
        sheet.cell(row, 1).font = PLAIN
        sheet.cell(row, 4).number_format = euros_format(value)
        sheet.cell(row, 4).font = BOLD
    sheet.append([])
    sheet.append([name for name, _ in HEADERS])
    header_row = sheet.max_row
    sheet.row_dimensions[header_row].height = 2 * LINE_HEIGHT
    for column, (_, width) in enumerate(HEADERS, start=1):
        cell = sheet.cell(header_row, column)
        cell.font, cell.fill, cell.border = BOLD, HEADER_FILL, GRID
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        sheet.column_dimensions[get_column_letter(column)].width = width

    _section(sheet, "Dossiers proposés au financement", committee.funded)
    _total(sheet, "Total des dossiers proposés", committee.funded)
    _section(sheet, "Liste d'attente", committee.waiting)
    _section(sheet, "Dossiers non classés (appréciation ou population à compléter)", committee.not_ranked)
    _section(sheet, "Dossiers inéligibles", committee.ineligible)

    _texts_as_text(sheet)
    sheet.freeze_panes = f"A{header_row + 1}"
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    # One page wide: the columns' widths are chosen so that this fit keeps the characters at 8 points or more.
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.print_options.gridLines = False
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    footer = sheet.oddFooter
    assert footer is not None
    footer.center.text = "Page &P / &N"
    footer.right.text = f"Enveloppe {euros(committee.envelope)} – reste {euros(committee.remainder)}"
    try:
        book.save(path)
    except OSError as exc:
        raise CommitteeError(f"Impossible d'écrire {path} ({exc.strerror}) : choisissez un autre dossier.") from None
    return path


FORMULA_STARTS = ("=", "+", "-", "@")


def _texts_as_text(sheet: Worksheet) -> None:
    """Every text cell stored as a string (openpyxl makes a formula of a text that begins with ``=``); one that a
    spreadsheet would read as a formula also gets the quote prefix, so that editing it keeps it text."""
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"
                if cell.value.startswith(FORMULA_STARTS):
                    cell.quotePrefix = True


def write_committee_pdf(xlsx: Path, folder: Path, soffice: str | None = None) -> Path:
    """The PDF of the workbook, through LibreOffice (``PdfError`` when it is not installed)."""
    return convert_to_pdf([xlsx], folder, soffice)[0]


def _section(sheet: Worksheet, title: str, lines: Sequence[CommitteeLine]) -> None:
    sheet.append([f"{title} ({len(lines)})"])
    row = sheet.max_row
    for column in range(1, len(HEADERS) + 1):
        sheet.cell(row, column).fill = SECTION_FILL
        sheet.cell(row, column).border = GRID
    sheet.cell(row, 1).font = BOLD
    for line in lines:
        sheet.append(_values(line))
        row = sheet.max_row
        for column, fmt in (
            (6, INTEGER),
            (7, euros_format(line.eligible_cost)),
            (8, percent_format(line.rate)),
            (9, SCORE),
            (10, euros_format(line.proposed)),
            (11, euros_format(line.allocated)),
        ):
            sheet.cell(row, column).number_format = fmt
        for column in range(1, len(HEADERS) + 1):
            cell = sheet.cell(row, column)
            cell.border, cell.font = GRID, PLAIN
            cell.alignment = Alignment(wrap_text=column in WRAPPED, vertical="top")
        sheet.row_dimensions[row].height = LINE_HEIGHT * _lines_needed(line)


WRAPPED = (3, 4, 5, 12, 13)


def euros_format(amount: Decimal | None) -> str:
    """The cell's format for ``amount``: with cents when it has some (never « 19 201 € » for 19 200,50 €)."""
    return EUROS if amount is None or amount == amount.to_integral_value() else EUROS_CENTS


def percent_format(rate: Decimal | None) -> str:
    """The cell's format for ``rate``: two decimals when the percentage has some (« 83,33 % », not « 83 % »)."""
    if rate is None:
        return PERCENT
    return PERCENT if rate * 100 == (rate * 100).to_integral_value() else PERCENT_DECIMALS


def _lines_needed(line: CommitteeLine) -> int:
    """Rows written by openpyxl keep their height: give wrapped texts the lines they need, wrapped at spaces as
    the spreadsheet wraps them (counting characters alone gave « Plateforme intercommunale de services » two
    lines where it takes three, and the PDF cut « services » off)."""
    needed = 1
    for column in WRAPPED:
        text = str(_values(line)[column - 1] or "")
        per_line = max(int(HEADERS[column - 1][1] * 1.3), 1)
        # Each line the text breaks itself, then wrapped (textwrap would take a line break for a space).
        wrapped = sum(max(len(textwrap.wrap(part, per_line, break_on_hyphens=False)), 1) for part in text.split("\n"))
        needed = max(needed, wrapped)
    return needed


def _values(line: CommitteeLine) -> list[object]:
    values: list[object] = [
        line.rank,
        line.number,
        line.beneficiary,
        line.commune,
        line.project,
        line.population,
        line.eligible_cost,
        line.rate,
        line.score,
        line.proposed,
        line.allocated,
        line.status,
        line.note,
    ]
    return [storable(v) for v in values]  # a porteur's name kept as « _x0001_ » in the workbook


def _total(sheet: Worksheet, label: str, lines: Sequence[CommitteeLine]) -> None:
    proposed = sum((line.proposed or ZERO for line in lines), ZERO)
    allocated = sum((line.allocated for line in lines), ZERO)
    sheet.append([label, None, None, None, None, None, None, None, None, proposed, allocated])
    row = sheet.max_row
    for column in range(1, len(HEADERS) + 1):
        cell = sheet.cell(row, column)
        cell.font, cell.border = BOLD, GRID
    sheet.cell(row, 10).number_format = euros_format(proposed)
    sheet.cell(row, 11).number_format = euros_format(allocated)
