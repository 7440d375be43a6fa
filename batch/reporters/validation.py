"""The reporters of ``guichet validate``: a French text (coloured on a terminal), JSON, or a workbook with one
row per problem that an agent can filter."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click

from batch.reporters import Reporter, dumps
from xlplugin.intake.issues import ERROR, Issue
from xlplugin.intake.pipeline import DossierResult, FileResult
from xlplugin.intake.texts import printable


def validation_summary(results: Sequence[FileResult]) -> dict[str, int]:
    valid = sum(1 for r in results if r.valid)
    dossiers = [d for r in results for d in r.dossiers]
    valid_dossiers = sum(len(r.valid_dossiers) for r in results)
    return {
        "fichiers": len(results),
        "valides": valid,
        "invalides": len(results) - valid,
        "dossiers": len(dossiers),
        "dossiers_valides": valid_dossiers,
        "dossiers_invalides": len(dossiers) - valid_dossiers,
    }


def validation_json(results: Sequence[FileResult]) -> str:
    shown: dict[str, str] = {}  # the same few dozen labels in every file of a batch: each made printable once

    def label(text: str) -> str:
        found = shown.get(text)
        if found is None:
            found = shown[text] = printable(text)
        return found

    return dumps(
        {
            "fichiers": [
                {
                    "chemin": printable(str(r.path)),
                    "format": r.kind,
                    "valide": r.valid,
                    "erreurs": [i.to_json() for i in r.errors],
                    "avertissements": [i.to_json() for i in r.warnings],
                    "dossiers": [
                        {
                            "numero": d.numero,
                            "valide": r.valid and d.valid,
                            "erreurs": [i.to_json() for i in d.errors],
                            "avertissements": [i.to_json() for i in d.warnings],
                        }
                        for d in r.dossiers
                    ],
                    "champs_vus": [label(text) for text in r.labels],
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
        parts.append(f"« {printable(issue.champ)} »")
    if issue.pointer:
        parts.append(printable(issue.pointer))
    if issue.value is not None and issue.value != "":
        shown = printable(str(issue.value))
        parts.append(f"valeur {shown[:60]!r}" if len(shown) <= 60 else f"valeur {shown[:57]!r}…")
    return " · ".join(parts)


def _issue_lines(issues: Sequence[Issue], indent: str) -> list[str]:
    lines = []
    for issue in issues:
        label = click.style("erreur", fg="red") if issue.severity == ERROR else click.style("avert.", fg="yellow")
        place = where(issue)
        lines.append(f"{indent}{label} {issue.code}{' · ' + place if place else ''}")
        lines.append(f"{indent}       {printable(issue.message)}")
    return lines


def validation_text(results: Sequence[FileResult]) -> str:
    """The text report, with click styles (stripped when colour is off): a line per file, then what concerns
    the whole file, then each dossier that has something to say.

    A file's line speaks of the file and of its dossiers apart, as the summary does: « ✘ invalide » only when
    the file itself cannot be used (unreadable, unknown format, dangerous), « ⚠ à revoir » when it is readable
    but holds an invalid dossier, « ✔ valide » when the file and all its dossiers are."""
    lines = []
    for r in results:
        kind = f" ({r.kind})" if r.kind else ""
        path = printable(str(r.path))
        if not r.valid:
            head = click.style("✘ invalide", fg="red", bold=True)
            detail = f"fichier inutilisable, aucun dossier retenu : {len(r.errors)} erreur(s)"
        elif r.complete:
            head = click.style("✔ valide  ", fg="green", bold=True)
            numbers = ", ".join(map(str, r.numbers))
            detail = f"{len(r.numbers)} dossier(s) : {numbers}" if r.numbers else "aucun dossier"
        elif len(r.dossiers) == 1:
            head = click.style("⚠ à revoir", fg="yellow", bold=True)
            dossier = r.dossiers[0]
            detail = f"fichier lisible — dossier {dossier.numero} invalide : {len(dossier.errors)} erreur(s)"
        else:
            head = click.style("⚠ à revoir", fg="yellow", bold=True)
            detail = (
                f"fichier lisible — {len(r.valid_dossiers)} dossier(s) valide(s), {len(r.invalid_dossiers)} invalide(s)"
            )
        lines.append(f"{head} {path}{kind} — {detail}")
        lines += _issue_lines(r.errors + r.warnings, "    ")
        several = len(r.dossiers) > 1
        for d in r.dossiers:
            if not d.issues:
                continue
            if several:
                verdict = click.style("✔ valide", fg="green") if d.valid else click.style("✘ invalide", fg="red")
                lines.append(f"    dossier {d.numero if d.numero is not None else '(sans numéro)'} : {verdict}")
            lines += _issue_lines(d.errors + d.warnings, "      " if several else "    ")
    s = validation_summary(results)
    complete = sum(1 for r in results if r.complete)
    lines.append("")
    lines.append(
        f"Résumé : {s['fichiers']} fichier(s) : {complete} valide(s), {s['valides'] - complete} à revoir "
        f"(lisible(s), avec un dossier invalide), {s['invalides']} invalide(s) ; "
        f"{s['dossiers']} dossier(s) : {s['dossiers_valides']} valide(s), {s['dossiers_invalides']} invalide(s)."
    )
    return "\n".join(lines)


XLSX_COLUMNS = [
    ("Fichier", 50),
    ("Fichier lisible", 14),
    ("Dossier valide", 14),
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
        rows: list[tuple[Issue | None, DossierResult | None]] = [(i, None) for i in r.errors + r.warnings]
        rows += [(i, d) for d in r.dossiers for i in d.errors + d.warnings]
        for issue, dossier in rows or [(None, None)]:
            values = [
                printable(str(r.path)),
                "oui" if r.valid else "non",
                "" if dossier is None else ("oui" if r.valid and dossier.valid else "non"),
                issue.numero if issue else None,
                issue.severity if issue else "",
                issue.code if issue else "",
                issue.to_json()["champ"] if issue else "",
                issue.pointer if issue else "",
                issue.to_json()["valeur"] if issue else None,
                issue.to_json()["message"] if issue else "aucun problème",
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
