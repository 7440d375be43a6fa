"""The « Paramètres » sheet: the règlement's numbers, each with its source, some as named cells.

``guichet init`` writes it (``template``); an import, an allocation or ``guichet lite --into`` under a
règlement whose figures differ bring it up to date (``refresh``): the workbook's formulas read its named cells
(« Répartition » shows ``=Enveloppe``), so a sheet left with the figures of another règlement would give, once
Excel recalculates, an envelope the tool does not apply. The sheet is the tool's (protected, « lecture
seule »): its values are rewritten where they differ, nothing else. When its rows are not the règlement's
(another number of criteria, bands or modulations: the named cells would have to move), it is left as it is
and the agent is told how to have it built again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from xlplugin.rules.money import format_euros, format_percent
from xlplugin.rules.reglement import Reglement, Source
from xlplugin.workbook import layout as L
from xlplugin.workbook.cells import same

if TYPE_CHECKING:
    from xlplugin.workbook.package_book import PackageBook

SHEET_TITLE = "Paramètres du règlement (lecture seule : modifiez le fichier de règlement)"
TITLE_ROW = 2  # which règlement the sheet shows
HEADER_ROW = 4
FIRST_ROW = 5
GUIDE_LINE_START = "Enveloppe : "  # the line of « Mode d'emploi » that gives the règlement's main figures


@dataclass(frozen=True, slots=True)
class Parameter:
    """One row of the sheet; ``name``: the workbook name of its value cell, if it has one."""

    label: str
    value: Any
    number_format: str
    source: str
    name: str | None

    @property
    def cell_value(self) -> Any:
        """The value as the cell holds it (a number, a date or a text)."""
        return float(self.value) if isinstance(self.value, Decimal) else self.value


def sheet_heading(reglement: Reglement) -> str:
    return f"Règlement « {reglement.identifier} » — {reglement.title}"


def guide_line(reglement: Reglement) -> str:
    return (
        f"{GUIDE_LINE_START}{format_euros(reglement.envelope)} — taux maximum "
        f"{format_percent(reglement.max_rate)} — plafond par dossier "
        f"{format_euros(reglement.cap_per_dossier)}."
    )


def source_text(sources: tuple[Source, ...]) -> str:
    """How the sheet cites a value's sources: the call's words, the law's reference, the form, or the local
    choice, said as such."""
    parts = []
    for s in sources:
        if s.kind == "appel":
            parts.append(f"Appel : « {s.citation} »")
        elif s.kind == "loi":
            parts.append(f"{s.reference}" + (f" — {s.note}" if s.note else ""))
        elif s.kind == "formulaire":
            parts.append(f"Formulaire : {s.note}")
        else:
            parts.append(f"CHOIX LOCAL : {s.note}")
    return "\n".join(parts)


def parameters(reglement: Reglement) -> list[Parameter]:
    """The sheet's rows, in their order."""
    rows: list[tuple[str, Any, str, str, str | None]] = [
        ("Enveloppe", reglement.envelope, L.MONEY, source_text(reglement.sources("enveloppe")), "Enveloppe"),
        (
            "Département",
            reglement.departement_code,
            L.TEXT,
            source_text(reglement.sources("departement")),
            "Departement",
        ),
        (
            "Démarrage au plus tard",
            reglement.latest_start,
            L.DATE,
            source_text(reglement.sources("calendrier")),
            "Demarrage_au_plus_tard",
        ),
        (
            "Fin au plus tard",
            reglement.latest_end,
            L.DATE,
            source_text(reglement.sources("calendrier")),
            "Fin_au_plus_tard",
        ),
        (
            "Porteurs éligibles",
            ", ".join(t.label for t in reglement.applicant_types if t.eligible),
            L.TEXT,
            source_text(reglement.sources("porteurs")),
            None,
        ),
        (
            "Axes de l'appel",
            " ; ".join(k.label for k in reglement.project_kinds),
            L.TEXT,
            source_text(reglement.sources("axes")),
            None,
        ),
        (
            "Dépenses exclues",
            ", ".join(n.label for n in reglement.expense_natures if n.excluded),
            L.TEXT,
            source_text(reglement.sources("depenses")),
            None,
        ),
    ]
    for criterion in reglement.criteria:
        rows.append(
            (f"Critère : {criterion.label} (points)", criterion.weight, "0", source_text(criterion.sources), None)
        )
    for band in reglement.bands:
        rows.append(
            (f"Taux de base : {band.label}", band.rate, L.PERCENT, source_text(reglement.sources("taux")), None)
        )
    for modulation in reglement.modulations:
        rows.append((f"Modulation : {modulation.label}", modulation.points, "+0%;-0%", "voir les taux ci-dessus", None))
    rows += [
        ("Taux maximum", reglement.max_rate, L.PERCENT, source_text(reglement.sources("taux")), "Taux_maximum"),
        (
            "Plafond par dossier",
            reglement.cap_per_dossier,
            L.MONEY,
            source_text(reglement.sources("plafonds", "par_dossier")),
            "Plafond_par_dossier",
        ),
        (
            "Participation minimale du maître d'ouvrage",
            reglement.owner_min_share,
            L.PERCENT,
            source_text(reglement.sources("plafonds", "participation_minimale_maitre_ouvrage")),
            None,
        ),
        (
            "Avance au plus (part du montant accordé)",
            reglement.advance_max,
            L.PERCENT,
            source_text(reglement.sources("versement")),
            None,
        ),
        (
            "Avance et acomptes au plus, avant le solde",
            reglement.instalments_max,
            L.PERCENT,
            source_text(reglement.sources("versement")),
            None,
        ),
        (
            "Arrondi des montants",
            f"à {format_euros(reglement.rounding.step)} inférieur",
            L.TEXT,
            source_text(reglement.sources("arrondi")),
            None,
        ),
        (
            "Répartition",
            f"mode « {reglement.allocation_mode} », reliquat « {reglement.remainder} »",
            L.TEXT,
            source_text(reglement.sources("repartition")),
            None,
        ),
    ]
    return [Parameter(*row) for row in rows]


def refresh(book: PackageBook, reglement: Reglement) -> list[str]:
    """Bring the workbook's « Paramètres » (and the figures line of « Mode d'emploi ») to ``reglement``: each
    row is found by its label, and the values, sources and heading that differ are rewritten. Returns what the
    agent is told: what changed, and the rows the sheet lacks or has in excess (nothing when the sheet already
    shows this règlement, or when the workbook has no such sheet)."""
    sheet = book.roles().get(L.PARAMETRES)
    if sheet is None:
        return []
    grid = book.values(sheet)

    def cell(row: int, col: int) -> Any:
        line = grid[row - 1] if row - 1 < len(grid) else []
        return line[col - 1] if col - 1 < len(line) else None

    found: dict[str, int] = {}
    at = FIRST_ROW
    while isinstance(label := cell(at, 1), str) and label:
        found.setdefault(label, at)
        at += 1
    rows = parameters(reglement)
    changed = []
    for row in rows:
        at = found.get(row.label, 0)
        if not at:
            continue
        old = cell(at, 2)
        if not same(old, row.cell_value):
            book.write(sheet, at, 2, [[row.cell_value]], formats=[row.number_format])
            changed.append(f"{row.label} : {_shown(old, row)} → {_shown(row.value, row)}")
        if not same(cell(at, 3), row.source):
            book.write(sheet, at, 3, [[row.source]])
            changed.append(f"source de « {row.label} » mise à jour")
    heading = sheet_heading(reglement)
    if not same(cell(TITLE_ROW, 1), heading):
        book.write(sheet, TITLE_ROW, 1, [[heading]])
        changed.insert(0, f"titre : {heading}")
    _refresh_guide(book, reglement)
    notes = []
    if changed:
        notes.append(
            f"la feuille « {sheet} » suit maintenant le règlement « {reglement.identifier} » : {' ; '.join(changed)}"
        )
    labels = {row.label for row in rows}
    missing = [row.label for row in rows if row.label not in found]
    extra = [label for label in found if label not in labels]
    if missing or extra:
        lines = ([f"il lui manque : {', '.join(missing)}"] if missing else []) + (
            [f"elle a en trop : {', '.join(extra)}"] if extra else []
        )
        notes.append(
            f"la feuille « {sheet} » n'a pas les lignes du règlement « {reglement.identifier} » "
            f"({' ; '.join(lines)}) : pour qu'elle les ait, supprimez-la dans Excel, puis lancez guichet init --into "
            "sur ce classeur (avec le même --reglement) : elle est recréée pour ce règlement"
        )
    return notes


def _refresh_guide(book: PackageBook, reglement: Reglement) -> None:
    sheet = book.roles().get(L.GUIDE)
    if sheet is None:
        return
    line = guide_line(reglement)
    for index, values in enumerate(book.values(sheet), start=1):
        text = values[0] if values else None
        if isinstance(text, str) and text.startswith(GUIDE_LINE_START):
            if text != line:
                book.write(sheet, index, 1, [[line]])
            return


def _shown(value: Any, row: Parameter) -> str:
    """A value as the agent reads it in the sheet."""
    if value is None or value == "":
        return "vide"
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if row.number_format == L.MONEY:
            return format_euros(number)
        if row.number_format == L.PERCENT:
            return format_percent(number)
        return f"{number.normalize():f}"
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value)
