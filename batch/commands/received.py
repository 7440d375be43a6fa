"""``guichet validate``: checking the received files, never changing them."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from batch.options import (
    CONTEXT,
    HELP,
    force_option,
    format_option,
    reglement,
    reglement_option,
    show,
    validate_files,
)
from batch.reporters.validation import VALIDATION_REPORTERS
from xlplugin.intake.pipeline import Validator
from xlplugin.intake.versions import collect_all, latest_versions


@click.command(context_settings=CONTEXT)
@click.help_option("-h", "--help", help=HELP)
@click.argument("paths", nargs=-1, required=True, metavar="CHEMINS...", type=click.Path(path_type=Path))
@format_option(VALIDATION_REPORTERS, "text : lisible ; json : pour un autre programme ; xlsx : un classeur (--output).")
@click.option(
    "--output",
    "output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Fichier où écrire le rapport (obligatoire avec --format xlsx).",
)
@click.option(
    "--quarantine",
    "quarantine",
    type=click.Path(file_okay=False, path_type=Path),
    help="Dossier où copier les fichiers invalides (les originaux restent en place).",
)
@force_option
@reglement_option
def validate(
    paths: tuple[Path, ...],
    output_format: str,
    output: Path | None,
    quarantine: Path | None,
    force: bool,
    reglement_path: Path | None,
) -> None:
    """Contrôle les fichiers reçus de démarches-simplifiées, sans jamais les modifier.

    CHEMINS : fichiers ou dossiers (parcourus récursivement : fichiers .json, .xlsx, .csv). Chaque dossier reçoit
    un verdict, et chaque fichier pour ce qui le concerne tout entier (illisible, format inconnu, dangereux) ;
    chaque problème nomme le dossier, le champ, l'emplacement et ce qu'il faut faire. Sortie 0 si tous les
    fichiers et dossiers sont valides, 1 sinon, 2 si la commande est mal écrite.
    """
    reporter = VALIDATION_REPORTERS[output_format]
    if reporter.write is not None and output is None:
        raise click.UsageError(f"--format {output_format} demande --output FICHIER.{output_format}")
    found = collect_all(paths)
    latest = latest_versions(found)
    results = validate_files(Validator(reglement(reglement_path)), latest)
    show(reporter, results, output, force=force, inputs=found)  # never over a received file, older ones included
    if len(found) > len(latest):  # said apart: the report is of the files read (« 40 fichier(s) » of 80 there)
        older = len(found) - len(latest)
        click.echo(
            f"{older} version(s) antérieure(s) de dossiers non lue(s) : de dossier-N.json, dossier-N.v2.json…, "
            "seule la dernière est contrôlée (les autres restent, comme trace de ce qui a été reçu)",
            err=True,
        )
    if quarantine is not None:
        from xlplugin.intake.quarantine import copy_invalid

        for original, copy in copy_invalid(results, quarantine):
            click.echo(f"Copié en quarantaine : {original} → {copy}", err=True)
    if any(not r.complete for r in results):
        sys.exit(1)
