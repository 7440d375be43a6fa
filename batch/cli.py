"""``guichet``: the batch tool. Parses options, calls the rules core, prints a report.

Library errors become ``click.ClickException`` here, at the edge, with a French message.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from batch.dossier_files import FileReport, read_dossier_files
from batch.reports import allocation_text, allocation_to_json, dumps, evaluation_to_json, evaluations_text
from xlplugin.rules import Evaluation, Reglement, ReglementError, allocate_envelope, evaluate, load_reglement

F = TypeVar("F", bound=Callable[..., Any])

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
HELP = "Affiche cette aide."


def common_options(func: F) -> F:
    """The options every command over dossier files takes: the files, the format, the règlement."""
    func = click.option(
        "--reglement",
        "reglement_path",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Fichier de règlement à appliquer (par défaut : celui de l'appel de l'Ain).",
    )(func)
    func = click.option(
        "--format",
        "output_format",
        type=click.Choice(["text", "json"]),
        default="text",
        show_default=True,
        help="text : tableau lisible ; json : pour un autre programme.",
    )(func)
    func = click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))(func)
    return func


@click.group(context_settings=CONTEXT)
@click.version_option(package_name="guichet-numerique", message="guichet %(version)s", help="Affiche la version.")
@click.help_option("-h", "--help", help=HELP)
def main() -> None:
    """Instruction des dossiers de l'appel à projets « transformation numérique des collectivités »."""


def _reglement(path: Path | None) -> Reglement:
    try:
        return load_reglement(path)
    except ReglementError as exc:
        raise click.ClickException(str(exc)) from None


def _evaluate_files(files: Sequence[Path], reglement: Reglement) -> tuple[list[Evaluation], list[FileReport]]:
    """Evaluate the dossiers of every readable file; report the others on standard error."""
    reports = read_dossier_files(files, reglement)
    bad = [r for r in reports if not r.ok]
    for report in bad:
        who = f" (dossier {report.numero})" if report.numero is not None else ""
        click.echo(f"Erreur : {report.path}{who} :", err=True)
        for problem in report.problems:
            click.echo(f"  - {problem}", err=True)
    dossiers = [d for r in reports for d in r.dossiers]
    seen: dict[int, Path] = {}
    for r in reports:
        for d in r.dossiers:
            if d.number in seen:
                raise click.ClickException(
                    f"le dossier {d.number} figure dans {seen[d.number]} et dans {r.path} : "
                    "retirez l'un des deux fichiers"
                )
            seen[d.number] = r.path
    evaluations = [evaluate(d, reglement) for d in sorted(dossiers, key=lambda d: d.number)]
    return evaluations, bad


def _finish(bad: list[FileReport]) -> None:
    if bad:
        click.echo(f"{len(bad)} fichier(s) écarté(s) : corrigez-les puis relancez.", err=True)
        sys.exit(1)


@main.command("evaluate", context_settings=CONTEXT)
@click.help_option("-h", "--help", help=HELP)
@common_options
@click.option("--explications", is_flag=True, help="Ajoute, sous le tableau, l'explication de chaque dossier.")
def evaluate_cmd(files: tuple[Path, ...], output_format: str, reglement_path: Path | None, explications: bool) -> None:
    """Évalue des dossiers : éligibilité, assiette, note, taux et montant.

    FILES : fichiers de dossier JSON. Sortie 1 si un fichier est écarté.
    """
    reglement = _reglement(reglement_path)
    evaluations, bad = _evaluate_files(files, reglement)
    if output_format == "json":
        click.echo(dumps([evaluation_to_json(ev, reglement) for ev in evaluations]))
    else:
        click.echo(evaluations_text(evaluations, reglement, explications))
    _finish(bad)


@main.command(context_settings=CONTEXT)
@click.help_option("-h", "--help", help=HELP)
@common_options
def allocate(files: tuple[Path, ...], output_format: str, reglement_path: Path | None) -> None:
    """Répartit l'enveloppe entre les dossiers éligibles, par ordre de note.

    FILES : fichiers de dossier JSON. Sortie 1 si un fichier est écarté.
    """
    reglement = _reglement(reglement_path)
    evaluations, bad = _evaluate_files(files, reglement)
    allocation = allocate_envelope((ev.candidate() for ev in evaluations), reglement)
    if output_format == "json":
        click.echo(dumps(allocation_to_json(allocation)))
    else:
        click.echo(allocation_text(allocation, evaluations))
    _finish(bad)
