"""How the command line shows what a command found: reporters chosen by name (``--format``).

A command collects its results first (the verdicts of the received files, the evaluations, the
allocation), then hands them to the reporter named by ``--format``: adding a format is adding a reporter.
A text reporter gives French text (coloured on a terminal for ``validate``), a JSON reporter the documented
shape with decimals as strings (``"19200.50"``) so that no reader turns money into floats, a file reporter
(``xlsx``) writes a workbook an agent can filter.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Generic, TypeVar

import click

from xlplugin.intake.issues import ERROR, Issue
from xlplugin.intake.pipeline import FileResult
from xlplugin.rules import Allocation, Evaluation, Reglement, explain
from xlplugin.rules.allocation import STATUS_LABELS
from xlplugin.rules.explanation import format_score
from xlplugin.rules.money import format_euros, format_percent

T = TypeVar("T")


@dataclass(frozen=True)
class Reporter(Generic[T]):
    """A way of showing results of type ``T``: as text (``render``), or as a file (``write``, needs --output)."""

    render: Callable[[T], str] | None = None
    write: Callable[[T, Path], None] | None = None


def dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


def _str(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[int] = ()) -> str:
    """A plain text table; columns listed in ``right`` are right-aligned (numbers)."""
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    return "\n".join([line(headers), line(["─" * w for w in widths]), *(line(r) for r in rows)])


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


# ---------------------------------------------------------------- guichet validate


def validation_summary(results: Sequence[FileResult]) -> dict[str, int]:
    valid = sum(1 for r in results if r.valid)
    return {
        "fichiers": len(results),
        "valides": valid,
        "invalides": len(results) - valid,
        "dossiers": sum(len(r.dossiers) for r in results),
    }


def validation_json(results: Sequence[FileResult]) -> str:
    return dumps(
        {
            "fichiers": [
                {
                    "chemin": str(r.path),
                    "format": r.kind,
                    "valide": r.valid,
                    "dossiers": r.numbers,
                    "erreurs": [i.to_json() for i in r.errors],
                    "avertissements": [i.to_json() for i in r.warnings],
                    "champs_vus": r.labels,
                }
                for r in results
            ],
            "resume": validation_summary(results),
        }
    )


def where(issue: Issue) -> str:
    """Where an issue stands, for a line of text: dossier, champ, place in the file, value."""
    parts = []
    if issue.numero is not None:
        parts.append(f"dossier {issue.numero}")
    if issue.champ:
        parts.append(f"« {issue.champ} »")
    if issue.pointer:
        parts.append(issue.pointer)
    if issue.value is not None and issue.value != "":
        shown = str(issue.value)
        parts.append(f"valeur {shown[:60]!r}" if len(shown) <= 60 else f"valeur {shown[:57]!r}…")
    return " · ".join(parts)


def validation_text(results: Sequence[FileResult]) -> str:
    """The text report, with click styles (stripped when colour is off)."""
    lines = []
    for r in results:
        numbers = ", ".join(map(str, r.numbers))
        kind = f" ({r.kind})" if r.kind else ""
        if r.valid:
            head = click.style("✔ valide  ", fg="green", bold=True)
            detail = f"{len(r.numbers)} dossier(s) : {numbers}" if r.numbers else "aucun dossier"
        else:
            head = click.style("✘ invalide", fg="red", bold=True)
            detail = f"{len(r.errors)} erreur(s)"
        lines.append(f"{head} {r.path}{kind} — {detail}")
        for issue in r.errors + r.warnings:
            label = click.style("erreur", fg="red") if issue.severity == ERROR else click.style("avert.", fg="yellow")
            place = where(issue)
            lines.append(f"    {label} {issue.code}{' · ' + place if place else ''}")
            lines.append(f"           {issue.message}")
    s = validation_summary(results)
    lines.append("")
    lines.append(
        f"Résumé : {s['fichiers']} fichier(s), {s['valides']} valide(s), {s['invalides']} invalide(s), "
        f"{s['dossiers']} dossier(s)."
    )
    return "\n".join(lines)


XLSX_COLUMNS = [
    ("Fichier", 50),
    ("Fichier valide", 14),
    ("N° dossier", 12),
    ("Gravité", 14),
    ("Code", 26),
    ("Champ", 40),
    ("Emplacement", 44),
    ("Valeur", 30),
    ("Message", 90),
]


def validation_xlsx(results: Sequence[FileResult], output: Path) -> None:
    """One row per problem (and one per file without any), with filters and a frozen header."""
    from openpyxl import Workbook  # imported here: it is slow to import and only this report needs it
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    from xlplugin.workbook.rows import put_text

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Contrôle des fichiers"
    for col, (title, width) in enumerate(XLSX_COLUMNS, start=1):
        cell = sheet.cell(1, col, title)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="1F4E78")
        sheet.column_dimensions[get_column_letter(col)].width = width
    row = 2
    for r in results:
        issues: list[Issue | None] = [*r.errors, *r.warnings]
        for issue in issues or [None]:
            values = [
                str(r.path),
                "oui" if r.valid else "non",
                issue.numero if issue else None,
                issue.severity if issue else "",
                issue.code if issue else "",
                issue.champ if issue else "",
                issue.pointer if issue else "",
                issue.to_json()["valeur"] if issue else None,
                issue.message if issue else "aucun problème",
            ]
            for col, value in enumerate(values, start=1):
                put_text(sheet.cell(row, col), value)  # applicant text stays text
            row += 1
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(XLSX_COLUMNS))}{max(row - 1, 1)}"
    summary_sheet = workbook.create_sheet("Résumé")
    for i, (key, value) in enumerate(validation_summary(results).items(), start=1):
        summary_sheet.cell(i, 1, key.capitalize()).font = Font(bold=True)
        summary_sheet.cell(i, 2, value)
    summary_sheet.column_dimensions["A"].width = 16
    output.parent.mkdir(parents=True, exist_ok=True)
    temporary = output.with_name(f".{output.name}.tmp")
    workbook.save(temporary)
    temporary.replace(output)  # never leave a half-written report


VALIDATION_REPORTERS: dict[str, Reporter[Sequence[FileResult]]] = {
    "text": Reporter(render=validation_text),
    "json": Reporter(render=validation_json),
    "xlsx": Reporter(write=validation_xlsx),
}


# ---------------------------------------------------------------- guichet evaluate


@dataclass(frozen=True)
class Evaluations:
    """What ``guichet evaluate`` shows: the evaluations, by the règlement that judged them."""

    evaluations: Sequence[Evaluation]
    reglement: Reglement
    explanations: bool = False


def evaluation_to_json(ev: Evaluation, reglement: Reglement) -> dict[str, Any]:
    """One dossier's evaluation in the documented JSON shape."""
    return {
        "numero": ev.number,
        "eligible": ev.eligible,
        "motifs": [{"code": r.code, "message": r.message} for r in ev.reasons],
        "avertissements": [{"code": r.code, "message": r.message} for r in ev.warnings],
        "assiette": str(ev.cost.total),
        "score": _str(ev.score.total),
        "taux": _str(ev.rate.value if ev.rate else None),
        "montant": _str(ev.granted),
        "explication": explain(ev, reglement),
    }


def evaluations_json(found: Evaluations) -> str:
    return dumps([evaluation_to_json(ev, found.reglement) for ev in found.evaluations])


def evaluations_text(found: Evaluations) -> str:
    """The evaluation table an agent reads, then (on request) each dossier's explanation."""
    evaluations, reglement = found.evaluations, found.reglement
    rows = []
    for ev in evaluations:
        codes = [r.code for r in ev.reasons] or [w.code for w in ev.warnings]
        rows.append(
            [
                str(ev.number),
                _cut(ev.dossier.applicant.name, 34),
                "oui" if ev.eligible else "non",
                format_euros(ev.cost.total),
                "à apprécier" if ev.score.total is None else format_score(ev.score.total),
                "—" if ev.rate is None else format_percent(ev.rate.value),
                "—" if ev.granted is None else format_euros(ev.granted),
                ", ".join(codes),
            ]
        )
    eligible = sum(1 for ev in evaluations if ev.eligible)
    parts = [
        f"Évaluation de {len(evaluations)} dossier(s) — règlement « {reglement.identifier} »",
        "",
        table(
            ["N°", "Porteur", "Éligible", "Assiette", "Note", "Taux", "Montant", "Motifs / avertissements"],
            rows,
            right=(3, 4, 5, 6),
        ),
        "",
        f"{eligible} éligible(s), {len(evaluations) - eligible} inéligible(s).",
    ]
    if found.explanations:
        for ev in evaluations:
            parts += ["", f"── Dossier {ev.number} — {ev.dossier.applicant.name}", explain(ev, reglement)]
    return "\n".join(parts)


EVALUATION_REPORTERS: dict[str, Reporter[Evaluations]] = {
    "text": Reporter(render=evaluations_text),
    "json": Reporter(render=evaluations_json),
}


# ---------------------------------------------------------------- guichet allocate

ALLOCATION_HEADERS = ("Rang", "N°", "Porteur", "Note", "Montant", "Alloué", "Statut", "Observation")


@dataclass(frozen=True)
class Shared:
    """What ``guichet allocate`` shows: the allocation, with each dossier's porteur and score."""

    allocation: Allocation
    names: dict[int, str]
    scores: dict[int, Decimal | None]


def allocation_json(shared: Shared) -> str:
    """The allocation in the documented JSON shape."""
    allocation = shared.allocation
    return dumps(
        {
            "enveloppe": str(allocation.envelope),
            "total_alloue": str(allocation.total),
            "reste": str(allocation.left),
            "dossiers": [
                {
                    "numero": g.number,
                    "rang": g.rank,
                    "montant": _str(g.amount),
                    "alloue": str(g.allocated),
                    "statut": g.status,
                    "observation": g.note,
                }
                for g in allocation.grants
            ],
        }
    )


def allocation_text(shared: Shared) -> str:
    """The allocation table: rank, amount, allocation, status, envelope used and left."""
    allocation = shared.allocation
    rows = []
    for g in allocation.grants:
        score = shared.scores.get(g.number)
        rows.append(
            [
                "" if g.rank is None else str(g.rank),
                str(g.number),
                _cut(shared.names.get(g.number, ""), 34),
                "—" if score is None else format_score(score),
                "—" if g.amount is None else format_euros(g.amount),
                format_euros(g.allocated),
                STATUS_LABELS[g.status],
                g.note,
            ]
        )
    counts = {status: sum(1 for g in allocation.grants if g.status == status) for status in STATUS_LABELS}
    return "\n".join(
        [
            f"Répartition de l'enveloppe de {format_euros(allocation.envelope)}",
            "",
            table(ALLOCATION_HEADERS, rows, right=(0, 3, 4, 5)),
            "",
            f"Alloué : {format_euros(allocation.total)} — reste : {format_euros(allocation.left)}",
            f"{counts['finance']} financé(s), {counts['partiel']} partiel(s), {counts['attente']} en attente, "
            f"{counts['ineligible']} inéligible(s).",
        ]
    )


ALLOCATION_REPORTERS: dict[str, Reporter[Shared]] = {
    "text": Reporter(render=allocation_text),
    "json": Reporter(render=allocation_json),
}
