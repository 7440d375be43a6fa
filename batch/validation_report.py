"""How ``guichet validate`` shows its verdicts: a French text (coloured on a terminal), JSON, or an XLSX
workbook with one row per problem that an agent can filter.

Results are collected first, then a reporter prints them: adding a format is adding a reporter.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from batch.received.issues import ERROR, Issue
from batch.received.pipeline import FileResult


def summary(results: Sequence[FileResult]) -> dict[str, int]:
    valid = sum(1 for r in results if r.valid)
    return {
        "fichiers": len(results),
        "valides": valid,
        "invalides": len(results) - valid,
        "dossiers": sum(len(r.dossiers) for r in results),
    }


def to_json(results: Sequence[FileResult]) -> dict[str, Any]:
    return {
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
        "resume": summary(results),
    }


def json_text(results: Sequence[FileResult]) -> str:
    return json.dumps(to_json(results), ensure_ascii=False, indent=2)


def _where(issue: Issue) -> str:
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


def text_lines(results: Sequence[FileResult]) -> list[str]:
    """Lines of the text report, with click styles (stripped when colour is off)."""
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
            where = _where(issue)
            lines.append(f"    {label} {issue.code}{' · ' + where if where else ''}")
            lines.append(f"           {issue.message}")
    s = summary(results)
    lines.append("")
    lines.append(
        f"Résumé : {s['fichiers']} fichier(s), {s['valides']} valide(s), {s['invalides']} invalide(s), "
        f"{s['dossiers']} dossier(s)."
    )
    return lines


COLUMNS = [
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


def write_xlsx(results: Sequence[FileResult], output: Path) -> None:
    """One row per problem (and one per file without any), with filters and a frozen header."""
    from openpyxl import Workbook  # imported here: it is slow to import and only this report needs it
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    from xlplugin.workbook.rows import put_text

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Contrôle des fichiers"
    for col, (title, width) in enumerate(COLUMNS, start=1):
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
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{max(row - 1, 1)}"
    summary_sheet = workbook.create_sheet("Résumé")
    for i, (key, value) in enumerate(summary(results).items(), start=1):
        summary_sheet.cell(i, 1, key.capitalize()).font = Font(bold=True)
        summary_sheet.cell(i, 2, value)
    summary_sheet.column_dimensions["A"].width = 16
    output.parent.mkdir(parents=True, exist_ok=True)
    temporary = output.with_name(f".{output.name}.tmp")
    workbook.save(temporary)
    temporary.replace(output)  # never leave a half-written report
