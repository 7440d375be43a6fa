"""``guichet ds``: the commands that talk to démarches-simplifiées — sync, annoter, decider.

The commands parse options, call ``xlplugin.ds`` and print its French reports; a library error becomes a
French message at the edge. ``annoter`` and ``decider`` read the office's figures and decisions in the
tracking workbook (``xlplugin.ds.workbook_source``). Everything printed, journaled or written to the
workbook's « Journal » passes through :func:`_said`: the token masked (a server may quote it back) and no
terminal escape — whatever the library already did, the edge does it again.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import click

from batch.click_fr import SUBCOMMANDS
from batch.options import CONTEXT, HELP, GuichetError, WorkbookPath, document_settings, reglement, reglement_option
from xlplugin.ds import (
    DEFAULT_API,
    AnnotationResult,
    DecisionResult,
    DsClient,
    DsError,
    Journal,
    SyncProgress,
    WorkbookJournalLine,
    apply_annotations,
    apply_decisions,
    default_journal_file,
    load_jeton,
    load_mapping,
    plan_annotations,
    plan_decisions,
    sync,
)
from xlplugin.ds.sync import MAX_PAGES, MAX_SECONDS
from xlplugin.ds.words import count
from xlplugin.ds.workbook_source import read_decisions, read_figures
from xlplugin.intake.texts import printable

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
        type=WorkbookPath(),
        required=True,
        help="Classeur de suivi.",
    )(func)
    return func


def _notice(client_box: list[DsClient]) -> Callable[[str], None]:
    """What the client says while it waits (rate limit, a retry), on the error output."""

    def tell(message: str) -> None:
        click.echo(_said(client_box[0] if client_box else None, message), err=True)

    return tell


def _client(api: str, jeton_file: Path | None) -> DsClient:
    box: list[DsClient] = []
    try:
        client = DsClient(load_jeton(jeton_file), api, notice=_notice(box))
    except DsError as exc:
        raise GuichetError(str(exc)) from None
    box.append(client)
    return client


def _said(client: DsClient | None, text: str) -> str:
    """A text fit for the agent's terminal and the journals: the token masked, no terminal escape."""
    return printable(client.redact(text) if client is not None else text)


def _failure(client: DsClient, exc: DsError) -> GuichetError:
    return GuichetError(_said(client, str(exc)))


def _echo(client: DsClient, text: str, err: bool = False) -> None:
    click.echo(_said(client, text), err=err)


def _journal(
    client: DsClient, journal_file: Path | None, recus: Path | None, workbook: Path, instructeur: str
) -> Journal:
    if journal_file is None:
        journal_file = default_journal_file(recus) if recus else workbook.with_name(f"{workbook.stem}.journal-ds.jsonl")
    return Journal(journal_file, instructeur, redact=lambda text: _said(client, text))


def _in_workbook_journal(client: DsClient, workbook: Path, line: WorkbookJournalLine) -> None:
    """The line in the workbook's « Journal »; what was sent is already done, so a workbook that cannot be
    written now (open in Excel…) is said, not an error: the local journal holds the same."""
    from xlplugin.errors import AgentError
    from xlplugin.intake.import_memory import ImportMemory, cache_folder
    from xlplugin.workbook.operations import journal_into

    cells = [_said(client, text) for text in (line.agent, line.action, line.files, line.detail)]
    try:
        saved = journal_into(workbook, line.when, *cells)
    except AgentError as exc:
        click.echo(
            f"Attention : la ligne du journal n'a pas pu être écrite dans le classeur ({exc}). Elle est dans le "
            "journal local.",
            err=True,
        )
        return
    # The next import of unchanged files still finds what the last one found (``ImportMemory.carry``).
    ImportMemory(cache_folder()).carry(saved.before, saved.after)
    click.echo(f"Ligne ajoutée au journal du classeur {workbook.name}")


def _recorded(
    client: DsClient, workbook: Path, journal: Journal, result: AnnotationResult | DecisionResult, agent: str
) -> None:
    """What was sent is in the local journal and gets its line in the workbook's « Journal »; a run that sent
    nothing (everything up to date, or refused before sending) leaves the workbook as it was: no line, no backup."""
    if result.empty:
        click.echo("Rien n'a été envoyé : le classeur n'est pas modifié.")
        return
    click.echo(f"Journal des écritures : {journal.path}")
    _in_workbook_journal(client, workbook, result.journal_line(agent, datetime.now()))


def _stopped(client: DsClient, workbook: Path, partial: AnnotationResult | DecisionResult, agent: str) -> None:
    """A run of writes stopped midway: what it wrote is said and recorded in the workbook's « Journal » too
    (it is done on démarches-simplifiées, whatever stopped the rest)."""
    _echo(client, partial.text())
    _in_workbook_journal(client, workbook, partial.journal_line(agent, datetime.now()))


def _notes(notes: list[str]) -> None:
    for note in notes:
        click.echo(f"Attention : {note}", err=True)


def _refuse_if_blocked(blocking: list[str]) -> None:
    """Stop before any write (and say so in a dry run too) while the workbook says what would send one dossier's
    figures or decision for another: a write to démarches-simplifiées cannot be undone."""
    if not blocking:
        return
    for reason in blocking:
        click.echo(f"Erreur : {reason}", err=True)
    click.echo(
        "Rien n'est envoyé à démarches-simplifiées tant que le classeur dit cela : corrigez-le, puis relancez.",
        err=True,
    )
    raise SystemExit(1)


@click.group("ds", context_settings=CONTEXT, subcommand_metavar=SUBCOMMANDS)
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
@click.option(
    "--workbook",
    "workbook",
    type=WorkbookPath(),
    help="Classeur de suivi : après la synchronisation, les fichiers reçus y sont contrôlés et chargés "
    "(guichet import), et la synchronisation notée dans son journal.",
)
@click.option(
    "--pages-max",
    "max_pages",
    type=click.IntRange(min=1),
    default=MAX_PAGES,
    show_default=True,
    help="Nombre de pages (de 100 dossiers) demandées au plus par cette synchronisation ; la suivante continue.",
)
@click.option(
    "--duree-max",
    "max_minutes",
    type=click.IntRange(min=1),
    default=int(MAX_SECONDS // 60),
    show_default=True,
    help="Durée au plus de cette synchronisation, en minutes ; la suivante continue.",
)
@reglement_option
@click.pass_context
def sync_command(
    ctx: click.Context,
    demarche: int,
    api: str,
    jeton_file: Path | None,
    recus: Path,
    workbook: Path | None,
    max_pages: int,
    max_minutes: int,
    reglement_path: Path | None,
) -> None:
    """Récupère les dossiers de la démarche dans le dossier des reçus : la première fois tous, ensuite
    seulement ceux qui ont changé (nouvelle version dossier-NUMÉRO.v2.json, l'ancienne est gardée). Une
    synchronisation interrompue reprend où elle s'était arrêtée. Les dossiers supprimés sur
    démarches-simplifiées sont signalés, jamais retirés. Avec --workbook : ensuite guichet import."""
    import getpass

    def progress(step: SyncProgress) -> None:
        click.echo(f"Page {step.page} : {count(step.fetched, 'dossier reçu', 'dossiers reçus')}", err=True)

    with _client(api, jeton_file) as client:
        try:
            report = sync(
                client, demarche, recus, progress=progress, max_pages=max_pages, max_seconds=max_minutes * 60.0
            )
        except DsError as exc:
            raise _failure(client, exc) from None
    _echo(client, report.text())
    if workbook is None:
        return
    _in_workbook_journal(client, workbook, report.journal_line(getpass.getuser(), datetime.now()))
    from batch.commands.workbook import import_cmd

    click.echo()
    ctx.invoke(
        import_cmd,
        files=(recus,),
        workbook_path=workbook,
        sheet=None,
        output=None,
        force=False,
        reglement_path=reglement_path,
    )


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
@reglement_option
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
    reglement_path: Path | None,
) -> None:
    """Écrit dans les annotations privées de chaque dossier les chiffres du classeur : note, taux, montant
    proposé, statut et rang de la répartition. Sans --appliquer, montre seulement ce qui changerait ; une
    valeur déjà à jour n'est jamais renvoyée."""
    try:
        targets = load_mapping(mapping)
    except DsError as exc:
        raise GuichetError(str(exc)) from None
    found = read_figures(workbook, reglement(reglement_path))
    _notes(found.notes)
    with _client(api, jeton_file) as client:
        try:
            plan = plan_annotations(client, demarche, found.figures, targets, instructeur)
            _echo(client, plan.text())
            _refuse_if_blocked(found.blocking)
            if not apply:
                click.echo("Simulation : rien n'a été envoyé. Relancez avec --appliquer pour écrire ces annotations.")
                return
            journal = _journal(client, journal_file, recus, workbook, plan.instructeur.email)
            result = apply_annotations(client, plan, journal)
        except DsError as exc:
            if isinstance(exc.partial, AnnotationResult):
                _stopped(client, workbook, exc.partial, plan.instructeur.email)
            raise _failure(client, exc) from None
    _echo(client, result.text())
    _recorded(client, workbook, journal, result, plan.instructeur.email)
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
@click.option(
    "--sans-arrete",
    "unsigned",
    is_flag=True,
    help="Accepter sans joindre la décision signée (par défaut, une acceptation sans son PDF n'est pas envoyée).",
)
@click.option(
    "--parametres",
    "parametres",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Paramètres des documents (JSON, comme pour guichet documents) : les fondements de dérogation reconnus.",
)
@reglement_option
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
    unsigned: bool,
    parametres: Path | None,
    reglement_path: Path | None,
) -> None:
    """Envoie les décisions du classeur : passage en instruction, acceptation (motivation et arrêté signé
    joint), refus ou classement sans suite (avec motivation). Seules partent les décisions dont l'acte peut être
    établi (comme par guichet documents : plafond des aides publiques, dates, versements, motifs). Un dossier
    déjà dans l'état décidé est laissé tel quel. Sans --appliquer, montre seulement ce qui serait fait."""
    rules = reglement(reglement_path)
    found = read_decisions(workbook, rules, document_settings(parametres, rules), unsigned=unsigned)
    _notes(found.notes)
    with _client(api, jeton_file) as client:
        try:
            plan = plan_decisions(client, demarche, found.decisions, instructeur)
            plan.problems[:0] = found.problems
            _echo(client, plan.text())
            _refuse_if_blocked(found.blocking)
            if not apply:
                click.echo("Simulation : rien n'a été envoyé. Relancez avec --appliquer pour envoyer ces décisions.")
                if plan.problems:
                    raise SystemExit(1)
                return
            journal = _journal(client, journal_file, recus, workbook, plan.instructeur.email)
            result = apply_decisions(client, plan, journal, notify=not quiet)
        except DsError as exc:
            if isinstance(exc.partial, DecisionResult):
                _stopped(client, workbook, exc.partial, plan.instructeur.email)
            raise _failure(client, exc) from None
    _echo(client, result.text())
    _recorded(client, workbook, journal, result, plan.instructeur.email)
    if result.failed or result.unfinished or plan.problems:
        raise SystemExit(1)
