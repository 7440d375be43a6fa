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
    save,
    show,
    workbook_options,
)
from batch.reporters import ALLOCATION_REPORTERS, EVALUATION_REPORTERS, Evaluations, Shared, where
from xlplugin.intake.pipeline import FileResult, Validator, usable_dossiers
from xlplugin.rules import Evaluation, Reglement, allocate_envelope, evaluate


def evaluate_files(files: Sequence[Path], reglement: Reglement) -> tuple[list[Evaluation], list[FileResult]]:
    """Evaluate the dossiers of every usable file; report the others on standard error."""
    results = run_validation(Validator(reglement), files)
    bad = [r for r in results if not r.valid]
    for result in bad:
        click.echo(f"Erreur : {result.path} :", err=True)
        for issue in result.errors:
            place = where(issue)
            click.echo(f"  - {issue.code}{' · ' + place if place else ''} : {issue.message}", err=True)
    evaluations = [evaluate(d, reglement) for d in usable_dossiers(results)]
    return evaluations, bad


def finish(bad: list[FileResult]) -> None:
    if bad:
        click.echo(f"{len(bad)} fichier(s) écarté(s) : corrigez-les puis relancez.", err=True)
        sys.exit(1)


@click.command("evaluate", context_settings=CONTEXT)
@click.help_option("-h", "--help", help=HELP)
@files_options
@click.option("--explications", is_flag=True, help="Ajoute, sous le tableau, l'explication de chaque dossier.")
def evaluate_cmd(files: tuple[Path, ...], output_format: str, reglement_path: Path | None, explications: bool) -> None:
    """Évalue des dossiers : éligibilité, assiette, note, taux et montant.

    FILES : fichiers reçus (JSON ou export de démarches-simplifiées, dossiers du projet) ou dossiers. Sortie 1
    si un fichier est écarté.
    """
    chosen = reglement(reglement_path)
    evaluations, bad = evaluate_files(files, chosen)
    show(EVALUATION_REPORTERS[output_format], Evaluations(evaluations, chosen, explications))
    finish(bad)


@click.command(context_settings=CONTEXT)
@click.help_option("-h", "--help", help=HELP)
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@format_option(ALLOCATION_REPORTERS, "text : tableau lisible ; json : pour un autre programme.")
@workbook_options(required=False)
@reglement_option
def allocate(
    files: tuple[Path, ...],
    output_format: str,
    workbook_path: Path | None,
    sheet: str | None,
    output: Path | None,
    reglement_path: Path | None,
) -> None:
    """Répartit l'enveloppe entre les dossiers éligibles, par ordre de note.

    FILES : fichiers reçus (JSON ou export de démarches-simplifiées, dossiers du projet) ou dossiers ; ou bien
    --workbook CLASSEUR, comme le bouton « Recalculer les allocations ». Sortie 1 si un fichier est écarté.
    """
    chosen = reglement(reglement_path)
    reporter = ALLOCATION_REPORTERS[output_format]
    if workbook_path is not None:
        if files:
            raise click.UsageError("donnez soit des fichiers, soit --workbook, pas les deux")
        from xlplugin.workbook.allocation import allocate_book
        from xlplugin.workbook.book import OpenpyxlBook
        from xlplugin.workbook.storage import open_workbook
        from xlplugin.workbook.template import add_missing_sheets

        workbook = open_workbook(workbook_path)
        add_missing_sheets(workbook, chosen, dossier_sheet=False)
        result = allocate_book(OpenpyxlBook(workbook), chosen, getpass.getuser(), sheet)
        save(workbook, workbook_path, output)
        show(reporter, Shared(result.allocation, result.names, result.scores))
        return
    if not files:
        raise click.UsageError("indiquez les fichiers des dossiers, ou --workbook CLASSEUR")
    evaluations, bad = evaluate_files(files, chosen)
    allocation = allocate_envelope((ev.candidate() for ev in evaluations), chosen)
    names = {ev.number: ev.dossier.applicant.name for ev in evaluations}
    show(reporter, Shared(allocation, names, {ev.number: ev.score.total for ev in evaluations}))
    finish(bad)
