"""``guichet evaluate`` and ``guichet allocate``: judging the dossiers and sharing the envelope, from the
received files or from the tracking workbook."""

from __future__ import annotations

import getpass
import sys
from collections.abc import Sequence
from pathlib import Path

import click

from batch.options import (
    CONTEXT,
    HELP,
    files_options,
    format_option,
    reglement,
    reglement_option,
    run_validation,
    saved,
    show,
    workbook_options,
)
from batch.reporters.allocation import ALLOCATION_REPORTERS, Shared
from batch.reporters.evaluation import EVALUATION_REPORTERS, Evaluations
from batch.reporters.validation import where
from xlplugin.intake.issues import Issue
from xlplugin.intake.pipeline import Validator, usable_dossiers
from xlplugin.intake.texts import printable
from xlplugin.rules import Evaluation, Reglement, allocate_envelope, evaluate


def evaluate_files(files: Sequence[Path], reglement: Reglement) -> tuple[list[Evaluation], int]:
    """Evaluate every valid dossier of the files; report the invalid files and dossiers on standard error and
    return how many were set aside."""
    results = run_validation(Validator(reglement), files)
    set_aside = 0
    for result in results:
        refused: list[tuple[int | None, list[Issue]]] = [(None, result.errors)] if not result.valid else []
        refused += [(d.numero, d.errors) for d in result.invalid_dossiers if result.valid]
        for numero, errors in refused:
            set_aside += 1
            what = printable(str(result.path)) + ("" if numero is None else f", dossier {numero}")
            click.echo(f"Erreur : {what} :", err=True)
            for issue in errors:
                place = where(issue)
                click.echo(f"  - {issue.code}{' · ' + place if place else ''} : {printable(issue.message)}", err=True)
    evaluations = [evaluate(d, reglement) for d in usable_dossiers(results)]
    return evaluations, set_aside


def finish(set_aside: int) -> None:
    if set_aside:
        click.echo(
            f"{set_aside} fichier(s) ou dossier(s) écarté(s) : corrigez-les (un défaut de l'outil, CONTROLE_IMPOSSIBLE "
            ": signalez-le) puis relancez.",
            err=True,
        )
        sys.exit(1)


@click.command("evaluate", context_settings=CONTEXT)
@click.help_option("-h", "--help", help=HELP)
@files_options
@click.option("--explications", is_flag=True, help="Ajoute, sous le tableau, l'explication de chaque dossier.")
def evaluate_cmd(files: tuple[Path, ...], output_format: str, reglement_path: Path | None, explications: bool) -> None:
    """Évalue des dossiers : éligibilité, assiette, note, taux et montant.

    FICHIERS : fichiers reçus (JSON ou export de démarches-simplifiées, dossiers du projet) ou dossiers. Un
    dossier invalide est écarté, les autres sont évalués ; sortie 1 si un fichier ou un dossier est écarté.
    """
    chosen = reglement(reglement_path)
    evaluations, set_aside = evaluate_files(files, chosen)
    show(EVALUATION_REPORTERS[output_format], Evaluations(evaluations, chosen, explications))
    finish(set_aside)


@click.command(context_settings=CONTEXT)
@click.help_option("-h", "--help", help=HELP)
@click.argument("files", nargs=-1, metavar="[FICHIERS]...", type=click.Path(path_type=Path))
@format_option(ALLOCATION_REPORTERS, "text : tableau lisible ; json : pour un autre programme.")
@workbook_options(required=False)
@reglement_option
def allocate(
    files: tuple[Path, ...],
    output_format: str,
    workbook_path: Path | None,
    sheet: str | None,
    output: Path | None,
    force: bool,
    reglement_path: Path | None,
) -> None:
    """Répartit l'enveloppe entre les dossiers éligibles, par ordre de note.

    FICHIERS : fichiers reçus (JSON ou export de démarches-simplifiées, dossiers du projet) ou dossiers ; ou bien
    --workbook CLASSEUR, comme le bouton « Recalculer les allocations ». Sortie 1 si un fichier ou un dossier
    est écarté.
    """
    chosen = reglement(reglement_path)
    reporter = ALLOCATION_REPORTERS[output_format]
    if workbook_path is not None:
        if files:
            raise click.UsageError("donnez soit des fichiers, soit --workbook, pas les deux")
        from xlplugin.excel.lite import stale_code_note
        from xlplugin.workbook.operations import allocate_into

        result, where = allocate_into(workbook_path, chosen, getpass.getuser(), sheet=sheet, output=output, force=force)
        saved(where)
        stale = stale_code_note(where.written, chosen)
        for note in [*result.notes, *([stale] if stale else [])]:
            click.echo(f"Attention : {note}", err=True)
        show(reporter, Shared(result.allocation, result.names, result.scores))
        return
    if not files:
        raise click.UsageError("indiquez les fichiers des dossiers, ou --workbook CLASSEUR")
    evaluations, set_aside = evaluate_files(files, chosen)
    allocation = allocate_envelope((ev.candidate() for ev in evaluations), chosen)
    names = {ev.number: ev.dossier.applicant.name for ev in evaluations}
    show(reporter, Shared(allocation, names, {ev.number: ev.score.total for ev in evaluations}))
    finish(set_aside)
