"""The ``documents`` and ``comite`` commands.

    guichet documents --workbook suivi.xlsx [--dossier N …] --sortie DOSSIER [--pdf/--sans-pdf] [--remplacer]
    guichet comite [--workbook suivi.xlsx | FICHIERS…] --sortie DOSSIER [--date-comite JJ/MM/AAAA]

``documents`` renders the arrêtés, notification and refusal letters (and conventions) of the decided dossiers,
a ZIP of the current ones, the PDF copies when LibreOffice is installed, and the CSV of the essential data (SCDL
« subventions ») when the préfecture's SIRET is set. What the output folder already holds is said before
anything is written: a signed decision's documents are kept as they are, and a file that would change is
replaced only with --remplacer, moved aside, never deleted (``xlplugin.documents.render``). A run restricted to
some dossiers (--dossier) keeps the others' documents in the ZIP and their rows in the CSV
(``xlplugin.documents.scdl.publish_scdl``); the CSV keeps the rows of the dossiers whose documents this run
did not write, so that it says what the documents in the folder say. ``comite``
writes the committee's « état récapitulatif » (XLSX and PDF). Both read the workbook through
``xlplugin.documents.workbook_source``; a decided row that cannot become a document is named with its column,
and the others get theirs.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from pathlib import Path

import click

from batch.commands.instruction import evaluate_files
from batch.options import CONTEXT, GuichetError, WorkbookPath, document_settings, reglement, reglement_option
from xlplugin.documents.committee import CommitteeError, committee_list, write_committee_pdf, write_committee_xlsx
from xlplugin.documents.models import ModelError
from xlplugin.documents.pdf import NO_LIBREOFFICE, PdfError, find_soffice
from xlplugin.documents.record import DecisionError, DecisionRecord
from xlplugin.documents.render import (
    DocumentError,
    RenderReport,
    aside_folder,
    existing_documents,
    plan_documents,
    write_documents,
)
from xlplugin.documents.scdl import BLOCKED, SIGNED, PublicationError, PublicationNotRewritten, publish_scdl
from xlplugin.documents.settings import DocumentSettings, write_settings_copy
from xlplugin.documents.workbook_source import WorkbookRecords, read_evaluations, read_records
from xlplugin.rules import allocate_envelope
from xlplugin.rules.dossier import EARLIEST_DATE, LATEST_DATE, date_in_range

SCDL_FILE = "donnees-essentielles-subventions.csv"
COMMITTEE_FILE = "etat-recapitulatif.xlsx"
COMMITTEE_PDF = "etat-recapitulatif.pdf"  # made by LibreOffice from the workbook, named after it


def _write_settings_copy(ctx: click.Context, _param: click.Parameter, value: Path | None) -> None:
    """``--modele-parametres FICHIER``: the shipped settings, copied for the office to fill in; nothing else."""
    if value is None or ctx.resilient_parsing:
        return
    try:
        write_settings_copy(value)
    except FileExistsError:
        raise GuichetError(
            f"{value} existe déjà : il contient peut-être les paramètres du bureau, il n'est pas remplacé ; "
            "choisissez un autre nom"
        ) from None
    except OSError as exc:
        raise GuichetError(f"{value} n'a pas pu être écrit ({exc.strerror or exc.__class__.__name__})") from None
    click.echo(
        f"Paramètres des documents à remplir : {value}\n"
        "Renseignez-y signataire.nom (prénom et nom), attribuant.siret, imputation.texte et comptable.assignataire, "
        "relisez le reste (chaque bloc cite sa source), puis passez ce fichier à la commande :\n"
        f"  guichet documents --workbook suivi.xlsx --sortie documents/ --parametres {value}"
    )
    ctx.exit(0)


def _committee_date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        day = datetime.strptime(value, "%d/%m/%Y").date()
    except ValueError:
        raise click.BadParameter(f"« {value} » : écrivez la date JJ/MM/AAAA") from None
    if not date_in_range(day):  # as every date of the documents: « 01/01/0001 » is a typing error
        raise click.BadParameter(f"« {value} » : une date du {EARLIEST_DATE:%d/%m/%Y} au {LATEST_DATE:%d/%m/%Y}")
    return day


@click.command("documents", context_settings=CONTEXT)
@click.option(
    "--workbook",
    "workbook",
    required=True,
    type=WorkbookPath(),
    help="Classeur de suivi dont les colonnes de décision sont remplies.",
)
@click.option(
    "--dossier",
    "numbers",
    multiple=True,
    type=int,
    help="Numéro d'un dossier (répétable) ; tous par défaut. Les autres gardent leurs documents dans l'archive et "
    "leurs lignes dans les données essentielles.",
)
@click.option(
    "--sortie",
    "output",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Dossier où écrire les documents (créé au besoin).",
)
@reglement_option
@click.option(
    "--parametres",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Paramètres des documents du bureau (JSON) : une copie remplie de ceux livrés (voir --modele-parametres).",
)
@click.option(
    "--modele-parametres",
    type=click.Path(dir_okay=False, path_type=Path),
    is_eager=True,
    expose_value=False,
    callback=_write_settings_copy,
    help="Écrire dans FICHIER une copie à remplir des paramètres des documents livrés (signataire, imputation…), "
    "puis s'arrêter ; à passer ensuite par --parametres.",
)
@click.option(
    "--modeles",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Dossier des modèles Word modifiés par le bureau (par défaut : ceux livrés).",
)
@click.option(
    "--pdf/--sans-pdf", "pdf", default=None, help="Produire les PDF (par défaut : quand LibreOffice est installé)."
)
@click.option(
    "--remplacer",
    "replace",
    is_flag=True,
    help="Remplacer les fichiers de SORTIE que les documents d'un dossier changent (nommés avant d'écrire) ; "
    "les anciens sont rangés dans SORTIE/remplaces/, rien n'est effacé. Sans cette option, un dossier dont un "
    "fichier changerait n'est pas écrit. Les documents d'une décision signée ne sont jamais réécrits.",
)
def documents(
    workbook: Path,
    numbers: Sequence[int],
    output: Path,
    reglement_path: Path | None,
    parametres: Path | None,
    modeles: Path | None,
    pdf: bool | None,
    replace: bool,
) -> None:
    """Arrêtés, lettres de notification et de refus des dossiers décidés, en Word, PDF et ZIP."""
    rules = reglement(reglement_path)
    settings = document_settings(parametres, rules)
    found = read_records(workbook, rules, numbers or None, settings)
    for note in found.notes:
        click.echo(f"Attention : {note}", err=True)
    if found.closed:
        listed = ", ".join(str(n) for n in found.closed)
        click.echo(
            f"Classé(s) sans suite, sans document de l'outil : dossier(s) {listed} (démarches-simplifiées notifie le "
            "classement : guichet ds decider)."
        )
    records = found.records
    orphans = _orphans(found)
    if not records and not any(existing_documents(output, n) for n in orphans):
        # Nothing to write, nor any old document of a dossier that has none any more to move aside.
        for problem in found.problems:
            click.echo(f"À corriger : {problem}", err=True)
        _former_documents(output, found.failed)
        if found.closed and not found.problems:
            raise GuichetError(
                "aucun document à écrire : les dossiers choisis sont classés sans suite, ce qui ne donne lieu ni à un "
                "arrêté ni à une lettre de l'outil"
            )
        if found.problems:
            raise GuichetError("aucun document écrit : corrigez les lignes nommées ci-dessus, puis relancez")
        raise GuichetError(
            f"aucun dossier décidé à mettre en forme dans {workbook.name} : remplissez les colonnes « Décision » et "
            "« Date de décision » (et « N° d'arrêté ») des dossiers décidés"
        )
    try:
        plan = plan_documents(
            records,
            settings,
            rules,
            output,
            models=modeles,
            pdf=pdf,
            replace=replace,
            signed=found.signed,
            orphans=orphans,
            asked=set(numbers) if numbers else None,
        )
    except (DecisionError, ModelError, DocumentError) as exc:
        raise GuichetError(str(exc)) from None
    # What will happen to the files already there, said before anything is written.
    for held in plan.signed:
        click.echo(f"Décision signée, documents gardés tels quels : {held.message(output)}.")
    for dossier in plan.blocked:
        click.echo(f"À remplacer : {plan.blocked_message(dossier)}.", err=True)
    if plan.replaced:
        click.echo(plan.replaced_message())
    if not plan.dossiers:
        for problem in found.problems:
            click.echo(f"À corriger (pas de document pour ce dossier) : {problem}", err=True)
        if plan.blocked:
            raise GuichetError(
                "aucun document écrit : des fichiers seraient remplacés ou rangés à part (nommés ci-dessus) ; relancez "
                "avec --remplacer"
            )
        raise GuichetError(
            "aucun document écrit : la décision des dossiers choisis est signée, leurs documents sont gardés tels "
            "quels (voir ci-dessus)"
        )
    try:
        report = write_documents(plan)
    except DocumentError as exc:
        raise GuichetError(str(exc)) from None
    written = {d.number for d in plan.dossiers}
    done = [r for r in records if r.number in written]
    granted = sum(1 for r in done if r.granted)
    for reminder in _reminders(done, settings):
        click.echo(f"À compléter : {reminder}", err=True)
    unchanged = sum(1 for d in report.documents if d.unchanged)
    kept = f" ; {unchanged} autre(s) déjà à jour, gardé(s) tel(s) quel(s)" if unchanged else ""
    if done:  # else only the old documents of dossiers that have none any more were moved aside (said above)
        click.echo(
            f"{len(report.documents) - unchanged} document(s) écrit(s) dans {output}{kept} ; pour {len(done)} "
            f"dossier(s) ({granted} accordé(s), {len(done) - granted} refusé(s))."
        )
    click.echo(report.pdf_note)
    click.echo(_archive_message(report, output))
    # The CSV says what the documents in the folder say: the rows of the dossiers not written are kept.
    unwritten = {d.number: BLOCKED for d in plan.blocked} | {h.number: SIGNED for h in plan.signed}
    not_rewritten = False
    try:
        publication = publish_scdl(
            records, settings, rules, output / SCDL_FILE, set(numbers) if numbers else None, unwritten
        )
    except PublicationError as exc:
        click.echo(f"Données essentielles non écrites : {exc}", err=True)
        not_rewritten = isinstance(exc, PublicationNotRewritten)  # the published file is not up to date
    else:
        click.echo(publication.message())
        for warning in publication.warnings():
            click.echo(f"Attention : {warning}", err=True)
    for problem in found.problems:
        click.echo(f"À corriger (pas de document pour ce dossier) : {problem}", err=True)
    _former_documents(output, found.failed)
    if plan.blocked:
        listed = ", ".join(str(d.number) for d in plan.blocked)
        click.echo(
            f"Rien n'est fait pour le(s) dossier(s) {listed} : des fichiers seraient remplacés ou rangés à part "
            "(nommés ci-dessus) ; relancez avec --remplacer.",
            err=True,
        )
    if found.problems or plan.blocked or not_rewritten:
        raise SystemExit(1)


def _archive_message(report: RenderReport, output: Path) -> str:
    """What the ZIP holds: only current documents; those of the folder left out are said by dossier."""
    parts = []
    if report.archived_others:
        parts.append(
            f"dont {report.archived_others} d'autres dossiers (hors de ce lancement), déjà dans {output} et gardés "
            "tels quels"
        )
    if report.archived_signed:
        parts.append(f"dont {report.archived_signed} d'une décision signée, gardés tels quels")
    text = f"Archive : {report.archive} ({len(report.archived)} fichier(s)"
    text += "".join(f", {part}" for part in parts) + ")."
    if report.left_out:
        listed = ", ".join(map(str, report.left_out))
        text += (
            f" Les documents du (des) dossier(s) {listed}, encore dans {output}, n'y sont pas : ils ne sont pas à "
            "jour (dit plus haut) ou l'outil ne les a pas écrits."
        )
    return text


def _former_documents(output: Path, numbers: Iterable[int]) -> None:
    """Say the documents a run leaves in place for dossiers it writes nothing for (a row to correct): they do
    not say what the row says today."""
    for number in sorted(numbers):
        if former := existing_documents(output, number):
            click.echo(
                f"Attention : dossier {number} : ses documents d'avant restent dans {output} ({', '.join(former)}) "
                "et ne disent pas ce que dit sa ligne aujourd'hui ; ne les signez ni ne les envoyez avant d'avoir "
                "corrigé la ligne et relancé la commande.",
                err=True,
            )


def _orphans(found: WorkbookRecords) -> dict[int, str]:
    """The dossiers of the run that have no document any more: their old documents are not left looking
    current (``plan_documents``)."""
    orphans = dict.fromkeys(found.undecided, "le dossier n'a plus de décision dans le classeur")
    orphans |= dict.fromkeys(
        found.closed, "le dossier est classé sans suite : l'outil n'en écrit pas d'acte, démarches-simplifiées notifie"
    )
    return orphans


def _reminders(records: Sequence[DecisionRecord], settings: DocumentSettings) -> list[str]:
    """What the documents written lack that only the office can give (they are produced all the same)."""
    reminders = []
    unaddressed = [str(r.number) for r in records if not r.address]
    if unaddressed:
        reminders.append(
            f"lettres sans adresse postale du bénéficiaire (colonne « Adresse du bénéficiaire ») : dossier(s) "
            f"{', '.join(unaddressed)}"
        )
    undated = [str(r.number) for r in records if r.granted and r.committee_on is None]
    if undated:
        reminders.append(
            "arrêtés sans « Vu l'avis du comité de programmation » (colonne « Date du comité » vide) : dossier(s) "
            f"{', '.join(undated)}"
        )
    if any(r.granted for r in records):
        if not settings.budget_line:
            reminders.append(f"imputation budgétaire absente des arrêtés : {settings.fill_in('imputation.texte')}")
        if not settings.accountant:
            reminders.append(
                f"comptable assignataire absent des arrêtés : {settings.fill_in('comptable.assignataire')}"
            )
    return reminders


@click.command("comite", context_settings=CONTEXT)
@click.argument("files", nargs=-1, metavar="[FICHIERS]...", type=click.Path(path_type=Path))
@click.option(
    "--workbook",
    type=WorkbookPath(),
    help="Classeur de suivi (au lieu de fichiers de dossiers).",
)
@click.option(
    "--sortie",
    "output",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Dossier où écrire l'état récapitulatif.",
)
@click.option("--date-comite", "committee_on", callback=_committee_date, help="Date du comité, JJ/MM/AAAA.")
@reglement_option
@click.option(
    "--pdf/--sans-pdf", "pdf", default=None, help="Produire le PDF (par défaut : quand LibreOffice est installé)."
)
def comite(
    files: Sequence[Path],
    workbook: Path | None,
    output: Path,
    committee_on: date | None,
    reglement_path: Path | None,
    pdf: bool | None,
) -> None:
    """État récapitulatif pour le comité de programmation : classement, montants, liste d'attente, reste.

    FICHIERS : les fichiers ou dossiers reçus (JSON de démarches-simplifiées, exports, dossiers du projet : ceux
    que lit guichet validate), ou --workbook pour le classeur de suivi, avec les notes des agents."""
    rules = reglement(reglement_path)
    if bool(files) == bool(workbook):
        raise click.UsageError(
            "donnez soit --workbook, soit des fichiers ou dossiers reçus (ceux que lit guichet validate)"
        )
    unjudged: set[int] = set()
    set_aside = 0
    try:
        if workbook is not None:
            evaluations, allocation, notes = read_evaluations(workbook, rules)
            for note in notes:
                click.echo(f"Attention : {note}", err=True)
            # A row that cannot be judged (named above) stays out of the list; the others are in it.
            unjudged = {g.number for g in allocation.grants} - {e.number for e in evaluations}
        else:
            # The files evaluate and allocate read (DS JSON, exports, project dossiers), read the same way: a bad
            # file or dossier is named once, with its field, and left out; the others are listed.
            evaluations, set_aside = evaluate_files(files, rules)
            allocation = allocate_envelope([e.candidate() for e in evaluations], rules)
        output.mkdir(parents=True, exist_ok=True)
        _previous_list_aside(output)
        xlsx = write_committee_xlsx(
            committee_list(evaluations, allocation, rules, unjudged=unjudged), output / COMMITTEE_FILE, committee_on
        )
    except (CommitteeError, OSError) as exc:
        raise GuichetError(str(exc)) from None
    click.echo(f"État récapitulatif : {xlsx}")
    _committee_pdf(xlsx, output, pdf)
    if unjudged:
        listed = ", ".join(str(n) for n in sorted(unjudged))
        click.echo(f"À corriger (absents de l'état) : dossiers {listed} ; corrigez leur ligne et relancez.", err=True)
        raise SystemExit(1)
    if set_aside:
        click.echo(
            f"À corriger (absents de l'état) : {set_aside} fichier(s) ou dossier(s) écarté(s), nommés ci-dessus ; "
            "corrigez-les (un défaut de l'outil, CONTROLE_IMPOSSIBLE : signalez-le) et relancez avant le comité.",
            err=True,
        )
        raise SystemExit(1)


def _previous_list_aside(output: Path) -> None:
    """The list a former run wrote (perhaps annotated since, or printed for the committee) is moved aside into
    SORTIE/remplaces/<date>/, never written over."""
    previous = [output / name for name in (COMMITTEE_FILE, COMMITTEE_PDF) if (output / name).exists()]
    if not previous:
        return
    aside = aside_folder(output)
    aside.mkdir(parents=True)
    for path in previous:
        os.replace(path, aside / path.name)
    click.echo(f"État récapitulatif précédent rangé dans {aside} (rien n'est effacé).")


def _committee_pdf(xlsx: Path, output: Path, pdf: bool | None) -> None:
    """The PDF of the committee's list: when asked, or by default when LibreOffice is installed."""
    if pdf is False:
        return
    if find_soffice() is None:
        if pdf:
            raise GuichetError(NO_LIBREOFFICE)
        click.echo(NO_LIBREOFFICE)
        return
    try:
        click.echo(f"PDF : {write_committee_pdf(xlsx, output)}")
    except PdfError as exc:
        raise GuichetError(str(exc)) from None
