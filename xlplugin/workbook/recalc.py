"""The tool's formulas, written with the figures they give: the workbook is right at rest.

Every formula cell the tool writes carries its value (the cached value of the file format), computed by the
same rules the functions run: in Excel without its runtime, in LibreOffice, in a file preview, read by
another program, the assiette, the eligibility, the score, the rate, the amount and the envelope's totals
are there — and the file never asks for a full recalculation on opening. With a runtime, the functions
still recompute as soon as a cell changes.

- ``settle_dossiers``: the computed columns of « Dossiers » (``SUBV_…`` functions, and the payments'
  columns in Excel's own functions), row by row, each column seeing the ones computed before it, as Excel
  passes them;
- ``settle_summary``: the envelope's figures of « Répartition », whose formulas cover every row, however
  many;
- ``calculation_revision`` / ``mark_revision``: each dossier sheet records the revision its figures were
  computed under (règlement, reference, code), which the Lite part compares with its code's.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from importlib import resources
from typing import Any

from xlplugin.rules.allocation import FUNDED, NOT_RANKED, PARTIAL, STATUS_LABELS, WAITING
from xlplugin.rules.money import CENT
from xlplugin.rules.payments import Payment, payment_balance, payment_check, payment_problems
from xlplugin.rules.reglement import Reglement
from xlplugin.workbook import layout as L
from xlplugin.workbook.cells import AmbiguousNumber, CellError, as_date, blank, excel_number, number_text, same
from xlplugin.workbook.functions import (
    CELL,
    FUNCTIONS,
    LITE,
    NAMED,
    RUNTIMES,
    Call,
    Context,
    Memo,
    Shared,
    argument_sources,
    sharing_functions,
)
from xlplugin.workbook.package_book import PackageBook
from xlplugin.workbook.sheets import DossierSheet
from xlplugin.xlsx.refs import column_letter
from xlplugin.xlsx.values import to_serial

# The words the allocation writes in « Statut », which the summary's formulas count.
FUNDED_STATUSES = (STATUS_LABELS[FUNDED], STATUS_LABELS[PARTIAL])
WAITING_STATUS = STATUS_LABELS[WAITING]
NOT_RANKED_STATUS = STATUS_LABELS[NOT_RANKED]  # eligible, no note or no population yet: neither funded nor waiting


def tool_names(book: PackageBook) -> dict[str, str]:
    """The tool's workbook names by role (``Enveloppe`` → ``Enveloppe`` or, when the office's took it,
    ``Enveloppe_2``): those it marked."""
    found = {}
    for name, _text, local, comment in book.names():
        if local is None and comment.startswith(L.NAME_MARK):
            role = comment.partition(":")[2] or name
            found[role] = name
    return found


def runtime(book: PackageBook) -> str:
    """The runtime the workbook's formulas are written for (``lite`` unless the workbook says otherwise)."""
    for name, text, local, _comment in book.names():
        if name == L.RUNTIME_NAME and local is None:
            value = text.strip().strip('"')
            if value in RUNTIMES:
                return value
    return LITE


def expense_columns(book: PackageBook) -> dict[str, tuple[Any, ...]]:
    """The « Dépenses » columns the workbook names cover (``Dep_Dossier``…), as the functions receive them
    (tuples: the same objects for every row, read once by ``functions.expense_lines``)."""
    sheet = book.roles().get(L.DEPENSES)
    if sheet is None:
        return {}
    values = book.values(sheet)
    letters = L.EXPENSE_TABLE.letters
    columns = {}
    for name, key in L.EXPENSE_NAMES.items():
        index = list(letters).index(key)
        columns[name] = tuple(row[index] if index < len(row) else None for row in values[1:])
    return columns


def calculation_revision(reglement: Reglement) -> str:
    """What the figures of the computed columns depend on besides the cells they read: the règlement, the
    shipped reference (communes, EPCI) and the code of the rules and of the functions — as a short digest."""
    return _revision(reglement.fingerprint)


@functools.lru_cache(maxsize=8)
def _revision(fingerprint: str) -> str:
    digest = hashlib.sha256(fingerprint.encode())
    for package in ("xlplugin.rules", "xlplugin.data"):
        for item in sorted(resources.files(package).iterdir(), key=lambda i: i.name):
            if item.name.endswith((".py", ".csv", ".json")):
                digest.update(item.name.encode() + b"\0" + item.read_bytes())
    for module in ("functions.py", "cells.py"):  # how the cells are read and the functions computed
        digest.update(resources.files("xlplugin.workbook").joinpath(module).read_bytes())
    return digest.hexdigest()[:16]


def stored_revision(book: PackageBook, sheet: str) -> str | None:
    """The revision the saved figures of the dossier sheet ``sheet`` were computed under (None: unknown) —
    the tool's hidden name local to that sheet."""
    index = _sheet_index(book, sheet)
    for name, text, local, comment in book.names():
        if name == L.CALCULATION_NAME and local is not None and local == index and comment == _REVISION_MARK:
            return text.strip().strip('"')
    return None


_REVISION_MARK = f"{L.NAME_MARK}:{L.CALCULATION_NAME}"


def _sheet_index(book: PackageBook, sheet: str) -> int | None:
    """The sheet's place among all sheets (what a local name's ``localSheetId`` counts)."""
    return next((i for i, entry in enumerate(book.patch.sheets) if entry.name == sheet), None)


def settle_dossiers(
    book: PackageBook,
    sheet: DossierSheet,
    numbers: Iterable[int],
    ctx: Context,
    *,
    only_missing: bool = False,
    copies: bool = False,
) -> list[str]:
    """Write the formula of every computed column of the dossiers ``numbers``, with its value, where the cell
    does not hold both already; returns the headers of the columns written. ``only_missing``: leave a computed
    cell that holds something an agent put there (a value typed over a formula is the agent's). Every figure
    is computed again, never trusted: a cell it reads may have been changed by a program that does not
    compute (a script, another tool), and a figure already right is not rewritten. ``copies``: also the
    figures of the rows that are no dossier's own — a dossier's second row, a mistyped number — where they
    hold the tool's formula (none is added there): Excel computes them from their own cells, and a figure
    left from before (another dossier's, copied with its row) would be wrong at rest."""
    names = tool_names(book)
    prefix = RUNTIMES[runtime(book)]
    letters = {key: column_letter(col) for key, col in sheet.columns.items()}
    expenses = expense_columns(book)
    formulas = book.formulas(sheet.name)
    computed = [c for c, missing in computed_columns(sheet) if not missing]
    # Made once for every row: each column's formula, and where its function's arguments come from.
    parameters = L.native_parameters(ctx.reglement)
    formula_of = {
        c.key: L.DOSSIER_TABLE.formula_of_rows(c.key, letters, names=names, prefix=prefix, parameters=parameters)
        for c in computed
    }
    calls = [c.formula for c in computed if isinstance(c.formula, Call)]
    sources = {call: argument_sources(call) for call in calls}
    sharing = sharing_functions(calls)
    places = list(sheet.columns.items())
    written: set[str] = set()
    memo: Memo = {}  # each cell value read once for every function of every row
    date1904 = book.patch.package.date1904
    rows = [(sheet.rows[number], True) for number in numbers]
    if copies:
        seconds = {r for dossier_rows in sheet.duplicates.values() for r in dossier_rows[1:]}
        rows += [(row, False) for row in sorted({*seconds, *sheet.unreadable})]
    for row, dossier_row in rows:
        line = sheet.values[row - 1]
        width = len(line)
        cells = {key: line[col - 1] if col <= width else None for key, col in places}
        shared: Shared = {}  # the row's evaluations, one for the functions given the same cells
        payments: dict[str, Any] | None = None  # the row's three payment figures, found together
        writes = []
        for column in computed:
            col = sheet.columns[column.key]
            if only_missing and (row, col) not in formulas and not blank(cells[column.key]):
                continue  # an agent's value over the formula
            if not dossier_row and formulas.get((row, col)) != formula_of[column.key](row).removeprefix("="):
                continue  # not the tool's formula on a row that is no dossier's own: left as it is
            call = column.formula
            if isinstance(call, Call):
                arguments = [
                    cells.get(what) if kind is CELL else expenses.get(what, ()) if kind is NAMED else what
                    for kind, what in sources[call]
                ]
                own = shared if call.function in sharing else None  # a function alone of its inputs keeps none
                value = FUNCTIONS[call.function].shown(arguments, ctx, memo, own)
            else:  # none of them reads another: found once, from the row's cells as the first one sees them
                if payments is None:
                    payments = _payments(cells, ctx.reglement, date1904)
                value = payments[column.key]
            held, cells[column.key] = cells[column.key], value  # the columns after it see the new figure
            formula = formula_of[column.key](row)
            if formulas.get((row, col)) == formula.removeprefix("=") and same(held, value):
                continue  # already there, with its figure: a cell left alone is a cell not rewritten
            writes.append((col, formula, value, column.number_format))
            written.add(column.header)
        if writes:
            book.write_formulas(sheet.name, row, writes)
    return [c.header for c in computed if c.header in written]


def computed_columns(sheet: DossierSheet) -> list[tuple[L.Column, list[str]]]:
    """The sheet's computed columns, each with the headers of the columns its formula needs that the sheet
    lacks (an office's sheet may carry « Éligible » without the columns it is computed from): such a column
    is left as it is."""
    found = []
    for column in L.DOSSIER_TABLE.columns:
        if column.formula is None or column.key not in sheet.columns:
            continue
        needed = L.DOSSIER_TABLE.formula_columns(column.key)
        missing = [c.header for c in L.DOSSIER_TABLE.columns if c.key in needed and c.key not in sheet.columns]
        found.append((column, missing))
    return found


def mark_revision(book: PackageBook, sheet: str, reglement: Reglement) -> None:
    """Record that the saved figures of the dossier sheet ``sheet`` are those of the current revision (after
    a settle of every one of its rows); an office's name of that spelling on the sheet is left, and the sheet
    then never counts as computed under a known revision."""
    revision = calculation_revision(reglement)
    stored = stored_revision(book, sheet)
    if stored == revision:
        return
    index = _sheet_index(book, sheet)
    taken = any(
        name.casefold() == L.CALCULATION_NAME.casefold() and local == index and comment != _REVISION_MARK
        for name, _text, local, comment in book.names()
    )
    if not taken:
        book.patch.define_name(
            L.CALCULATION_NAME,
            f'"{revision}"',
            sheet=sheet,
            hidden=True,
            replace=stored is not None,
            comment=_REVISION_MARK,
        )


def unsettled_notes(sheet: DossierSheet) -> list[str]:
    """French notes on the computed columns ``settle_dossiers`` leaves, and why."""
    return [
        f"la colonne « {column.header} » n'est pas recalculée : il manque à « {sheet.name} » "
        f"{', '.join(f'« {h} »' for h in missing)} (guichet import ajoute les colonnes manquantes)"
        for column, missing in computed_columns(sheet)
        if missing
    ]


PAYMENT_CELLS = (
    ("avance", "avance", "date_avance"),
    ("acompte", "acompte1", "date_acompte1"),
    ("acompte", "acompte2", "date_acompte2"),
    ("solde", "solde", "date_solde"),
)
PAYMENT_KEYS = ("reste_a_payer", "trop_percu", "controle_versements")
_AMOUNT_KEYS = ("montant_accorde", "alloue", *(amount for _kind, amount, _day in PAYMENT_CELLS))


def _payments(cells: Mapping[str, Any], reglement: Reglement, date1904: bool = False) -> dict[str, Any]:
    """« Reste à payer », « Trop-perçu » and « Contrôle des versements » of a row, by column key: the rules'
    balance and checks (``rules.payments``), as the native formulas compute them from the same cells (amounts to
    the cent, dates when the cell holds one); empty when a cell is not an amount (Excel then shows its own
    figure once it recalculates). A date typed in an amount's cell is its serial number there, as N() reads it
    (``date1904``: the workbook's date system) — 44 531 € for 01/12/2021, and the checks say what is wrong."""
    if any(isinstance(cells.get(key), date) for key in _AMOUNT_KEYS):
        cells = {**cells, **{k: to_serial(v, date1904) for k in _AMOUNT_KEYS if isinstance(v := cells.get(k), date)}}
    try:
        typed = cells.get("montant_accorde")
        granted = _cents(typed)
        if granted is None and typed is not None and typed != "":
            # « NaN », « abc », a space: Excel's IF(…="") gives the text, the sum #VALEUR!
            return dict.fromkeys(PAYMENT_KEYS)
        if granted is None:
            granted = _cents(_n(cells.get("alloue"))) or Decimal(0)
        paid = [
            Payment(kind, _cents(_n(cells.get(amount))) or Decimal(0), _day(cells.get(day)))
            for kind, amount, day in PAYMENT_CELLS
        ]
    except (ValueError, ArithmeticError):  # a negative payment; 1E300 typed as an amount (no cents to round to)
        return dict.fromkeys(PAYMENT_KEYS)
    figures: dict[str, Any] = dict.fromkeys(PAYMENT_KEYS)  # a figure the rules refuse stays empty
    with contextlib.suppress(ValueError):
        balance = payment_balance(granted, paid)
        figures["reste_a_payer"], figures["trop_percu"] = float(balance.remaining), float(balance.overpaid)
    with contextlib.suppress(ValueError):
        made = [p for p in paid if p.amount > 0]
        decided_on = _day(cells.get("date_decision"))
        figures["controle_versements"] = payment_check(
            payment_problems(granted, made, decided_on, reglement.advance_max, reglement.instalments_max)
        )
    return figures


def _n(value: Any) -> Any:
    """A cell as Excel's N() reads it in the payments' formulas: a text (« 4600 » typed as text) is 0 there, TRUE
    is 1 and FALSE 0 (a ticked box pasted into an amount pays 1 € there; the checks then say what is wrong)."""
    if isinstance(value, bool):
        return int(value)
    return None if isinstance(value, str) else value


def _cents(value: Any) -> Decimal | None:
    amount = _amount(value)
    return None if amount is None else amount.quantize(CENT, rounding=ROUND_HALF_UP)


def _day(value: Any) -> date | None:
    """A date cell's day, as Excel's N() reads it: a date or a serial number; anything else is no date."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 1:
        try:
            return as_date(value, "date")
        except CellError:
            return None
    return None


def _amount(value: Any) -> Decimal | None:
    """A cell's amount; ``None`` when it holds none (« NaN » typed as text is no amount either, nor « 12.000 »,
    which may be twelve thousand: ``cells.number_text``)."""
    if isinstance(value, bool) or blank(value):
        return None
    try:
        if isinstance(value, (int, float)):
            number = Decimal(repr(value))
        else:
            text = str(value)
            number_text(text)  # AmbiguousNumber: no figure at rest
            number = Decimal(text)
    except (InvalidOperation, AmbiguousNumber):
        return None
    return number if number.is_finite() else None


def _summed(value: Any, date1904: bool = False) -> Decimal:
    """What a cell adds to the total of « Alloué », as the Répartition's SUMPRODUCT counts it: a number; a date
    as its serial number (``date1904``: the workbook's date system), which is what Excel adds; a text, a boolean
    or an error counts nothing."""
    if isinstance(value, date):
        try:
            value = to_serial(value, date1904)
        except ValueError:  # before 1900: no serial number, Excel shows it as text
            return Decimal(0)
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if number.is_finite():
            return number
    return Decimal(0)


def _counted(*statuses: str) -> str:
    """The formula counting the dossier rows whose « Statut » is one of ``statuses``."""
    counts = (f'COUNTIF({{sheet}}!{{statut}}{{first}}:{{statut}}{{last}},"{status}")' for status in statuses)
    return "=" + "+".join(counts)


# « Répartition »: label, formula (with {sheet}, {numero}, {alloue}, {statut}, {first}, {last} and the tool's
# names), format.
SUMMARY = (
    ("Enveloppe", "={Enveloppe}", L.MONEY_WHOLE),
    # The rows with a dossier number only (a number, or a text Excel reads as one): an office's « Total » or
    # « Sous-total » among the dossiers — new dossiers go below it on a sheet without a table — sums « Alloué »
    # itself. « &"" » keeps a blank N° out (--blank is 0, a number; --"" is an error). SUMPRODUCT counts a text in
    # « Alloué » as nothing, as SUM does.
    (
        "Total alloué",
        '=SUMPRODUCT(ISNUMBER(--({sheet}!{numero}{first}:{numero}{last}&""))*1,{sheet}!{alloue}{first}:{alloue}{last})',
        L.MONEY_WHOLE,
    ),
    ("Reste", "=B3-B4", L.MONEY_WHOLE),
    ("Dossiers financés (dont partiels)", _counted(*FUNDED_STATUSES), "0"),
    ("Dossiers en liste d'attente", _counted(WAITING_STATUS), "0"),
    ("Dossiers non classés", _counted(NOT_RANKED_STATUS), "0"),
)
SUMMARY_FIRST_ROW = 3


def settle_summary(book: PackageBook, dossiers: DossierSheet, envelope: Decimal) -> None:
    """The envelope's figures of « Répartition », with formulas over every row of the dossiers — down to the
    last, not below: an office's « Total » row under the dossiers, summing « Alloué » itself, would count twice."""
    sheet = book.roles().get(L.REPARTITION)
    if sheet is None or "alloue" not in dossiers.columns or "statut" not in dossiers.columns:
        return
    first = dossiers.header_row + 1
    last = max(first, dossiers.last_dossier_row)
    alloue, statut = dossiers.columns["alloue"], dossiers.columns["statut"]
    values = book.values(dossiers.name)

    def column(col: int) -> list[Any]:
        return [row[col - 1] if col - 1 < len(row) else None for row in values[first - 1 : last]]

    counted = [excel_number(v) for v in column(dossiers.columns["numero"])]
    # SUM's reading: « 1e999999999 » typed is a text, counted as nothing
    date1904 = book.patch.package.date1904
    allocated = sum((_summed(v, date1904) for v, n in zip(column(alloue), counted, strict=True) if n), Decimal(0))
    statuses = [v for v in column(statut) if isinstance(v, str)]
    figures = (
        envelope,
        allocated,
        envelope - allocated,
        sum(1 for s in statuses if s in FUNDED_STATUSES),
        sum(1 for s in statuses if s == WAITING_STATUS),
        sum(1 for s in statuses if s == NOT_RANKED_STATUS),
    )
    fields = {
        "sheet": _quoted(dossiers.name),
        "alloue": column_letter(alloue),
        "numero": column_letter(dossiers.columns["numero"]),
        "statut": column_letter(statut),
        "first": first,
        "last": last,
        **{role: name for role, name in tool_names(book).items()},
    }
    fields.setdefault("Enveloppe", "Enveloppe")
    held = book.head(sheet, SUMMARY_FIRST_ROW + len(SUMMARY) - 1)  # not the allocation's table below it
    for offset, ((label, template, fmt), figure) in enumerate(zip(SUMMARY, figures, strict=True)):
        row = SUMMARY_FIRST_ROW + offset
        line = held[row - 1] if row - 1 < len(held) else []
        named, value = [*line, None, None][:2]
        if (named != label and not blank(named)) or (blank(named) and not blank(value)):
            # Not the tool's row: a workbook of a former version, where this row was free, and the office wrote
            # there. It is left as it is (this figure is not shown there).
            continue
        book.write(sheet, row, 1, [[label]])
        value = float(figure) if isinstance(figure, Decimal) else figure
        book.write_formula(sheet, row, 2, template.format(**fields), value, fmt=fmt)


def _quoted(sheet: str) -> str:
    return "'" + sheet.replace("'", "''") + "'"
