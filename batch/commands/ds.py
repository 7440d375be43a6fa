"""``guichet ds``: the commands that talk to démarches-simplifiées — sync, annoter, decider.

The commands parse options, call ``xlplugin.ds`` and print its French reports; a library error becomes a
French message at the edge. ``annoter`` and ``decider`` read the office's figures and decisions in the
tracking workbook (``xlplugin.ds.workbook_source``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from batch.options import CONTEXT, HELP, GuichetError
from xlplugin.ds import (
    DEFAULT_API,
    DsClient,
    DsError,
    Journal,
    SyncInterrupted,
    SyncProgress,
    apply_annotations,
    apply_decisions,
    default_journal_file,
    load_jeton,
    load_mapping,
    plan_annotations,
    plan_decisions,
    sync,
)
from xlplugin.ds.words import count
from xlplugin.ds.workbook_source import read_decisions, read_figures

F = TypeVar("F", bound=Callable[..., Any])


def connection_options(func: F) -> F:
    """--demarche, --api and --jeton-fichier, shared by every command."""
    func = click.option(
        "--jeton-fichier",
        "jeton_file",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Fichier qui contient le jeton de l'API (lisible par vous seul : chmod 600). "
        "Sans cette option : la variable d'environnement GUICHET_DS_JETON.",
    )(func)
    func = click.option(
        "--api",
        "api",
        default=DEFAULT_API,
        show_default=True,
        help="Adresse de démarches-simplifiées (une autre instance, ou un serveur de test).",
    )(func)
    func = click.option(
        "--demarche", "demarche", type=click.IntRange(min=1), required=True, help="Numéro de la démarche."
    )(func)
    return func


def writing_options(func: F) -> F:
    """--workbook, --appliquer, --instructeur, --dossier-recus and --journal, for the commands that write."""
    func = click.option(
        "--journal",
        "journal_file",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Journal local des écritures (par défaut : à côté du dossier des reçus, ou du classeur).",
    )(func)
    func = click.option(
        "--dossier-recus",
        "recus",
        type=click.Path(file_okay=False, path_type=Path),
        help="Dossier des fichiers reçus : le journal des écritures est tenu à côté.",
    )(func)
    func = click.option(
        "--instructeur",
        "instructeur",
        metavar="EMAIL",
        help="Votre adresse d'instructeur sur démarches-simplifiées (obligatoire si la démarche en a plusieurs).",
    )(func)
    func = click.option(
        "--appliquer",
        "apply",
        is_flag=True,
        help="Envoyer vraiment à démarches-simplifiées (sans cette option : simulation, rien n'est envoyé).",
    )(func)
    func = click.option(
        "--workbook",
        "workbook",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        required=True,
        help="Classeur de suivi.",
    )(func)
    return func


def _client(api: str, jeton_file: Path | None) -> DsClient:
    try:
        return DsClient(load_jeton(jeton_file), api)
    except DsError as exc:
        raise GuichetError(str(exc)) from None


def _journal(journal_file: Path | None, recus: Path | None, workbook: Path, instructeur: str) -> Journal:
    if journal_file is None:
        journal_file = default_journal_file(recus) if recus else workbook.with_name(f"{workbook.stem}.journal-ds.jsonl")
    return Journal(journal_file, instructeur)


@click.group("ds", context_settings=CONTEXT)
@click.help_option("-h", "--help", help=HELP)
def ds() -> None:
    """Échanges avec démarches-simplifiées : récupérer les dossiers (sync), écrire les chiffres du bureau dans les
    annotations privées (annoter), envoyer les décisions (decider).

    Le jeton de l'API vient de la variable d'environnement GUICHET_DS_JETON, ou d'un fichier lisible par vous
    seul (--jeton-fichier) ; il n'est jamais affiché."""


@ds.command("sync", context_settings=CONTEXT)
@click.help_option("-h", "--help", help=HELP)
@connection_options
@click.option(
    "--dossier-recus",
    "recus",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Dossier des fichiers reçus, où chaque dossier est écrit (dossier-NUMÉRO.json).",
)
def sync_command(demarche: int, api: str, jeton_file: Path | None, recus: Path) -> None:
    """Récupère les dossiers de la démarche dans le dossier des reçus : la première fois tous, ensuite
    seulement ceux qui ont changé (nouvelle version dossier-NUMÉRO.v2.json, l'ancienne est gardée). Une
    synchronisation interrompue reprend où elle s'était arrêtée. Les dossiers supprimés sur
    démarches-simplifiées sont signalés, jamais retirés. Ensuite : guichet validate et guichet import."""

    def progress(step: SyncProgress) -> None:
        click.echo(f"Page {step.page} : {count(step.fetched, 'dossier reçu', 'dossiers reçus')}", err=True)

    with _client(api, jeton_file) as client:
        try:
            report = sync(client, demarche, recus, progress=progress)
        except SyncInterrupted as exc:
            raise GuichetError(str(exc)) from None
        except DsError as exc:
            raise GuichetError(str(exc)) from None
    click.echo(report.text())


@ds.command("annoter", context_settings=CONTEXT)
@click.help_option("-h", "--help", help=HELP)
@connection_options
@writing_options
@click.option(
    "--correspondance",
    "mapping",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Fichier qui dit quelle annotation reçoit quel chiffre (par défaut : templates/annotations-ain.json).",
)
def annoter_command(
    demarche: int,
    api: str,
    jeton_file: Path | None,
    workbook: Path,
    apply: bool,
    instructeur: str | None,
    recus: Path | None,
    journal_file: Path | None,
    mapping: Path | None,
) -> None:
    """Écrit dans les annotations privées de chaque dossier les chiffres du classeur : note, taux, montant
    proposé, statut et rang de la répartition. Sans --appliquer, montre seulement ce qui changerait ; une
    valeur déjà à jour n'est jamais renvoyée."""
    try:
        figures = read_figures(workbook)
        targets = load_mapping(mapping)
    except NotImplementedError as exc:
        raise GuichetError(str(exc)) from None
    except DsError as exc:
        raise GuichetError(str(exc)) from None
    with _client(api, jeton_file) as client:
        try:
            plan = plan_annotations(client, demarche, figures, targets, instructeur)
            click.echo(plan.text())
            if not apply:
                click.echo("Simulation : rien n'a été envoyé. Relancez avec --appliquer pour écrire ces annotations.")
                return
            journal = _journal(journal_file, recus, workbook, plan.instructeur.email)
            result = apply_annotations(client, plan, journal)
        except DsError as exc:
            raise GuichetError(str(exc)) from None
    click.echo(result.text())
    click.echo(f"Journal des écritures : {journal.path}")
    if result.failed or plan.problems:
        raise SystemExit(1)


@ds.command("decider", context_settings=CONTEXT)
@click.help_option("-h", "--help", help=HELP)
@connection_options
@writing_options
@click.option(
    "--sans-notification",
    "quiet",
    is_flag=True,
    help="Ne pas faire envoyer par démarches-simplifiées le courriel qui prévient le demandeur.",
)
def decider_command(
    demarche: int,
    api: str,
    jeton_file: Path | None,
    workbook: Path,
    apply: bool,
    instructeur: str | None,
    recus: Path | None,
    journal_file: Path | None,
    quiet: bool,
) -> None:
    """Envoie les décisions du classeur : passage en instruction, acceptation (motivation et arrêté signé
    joint), refus ou classement sans suite (avec motivation). Un dossier déjà dans l'état décidé est laissé
    tel quel. Sans --appliquer, montre seulement ce qui serait fait."""
    try:
        decisions = read_decisions(workbook)
    except NotImplementedError as exc:
        raise GuichetError(str(exc)) from None
    with _client(api, jeton_file) as client:
        try:
            plan = plan_decisions(client, demarche, decisions, instructeur)
            click.echo(plan.text())
            if not apply:
                click.echo("Simulation : rien n'a été envoyé. Relancez avec --appliquer pour envoyer ces décisions.")
                return
            journal = _journal(journal_file, recus, workbook, plan.instructeur.email)
            result = apply_decisions(client, plan, journal, notify=not quiet)
        except DsError as exc:
            raise GuichetError(str(exc)) from None
    click.echo(result.text())
    click.echo(f"Journal des écritures : {journal.path}")
    if result.failed or plan.problems:
        raise SystemExit(1)
