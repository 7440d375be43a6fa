"""``guichet init`` and ``guichet import``: the tracking workbook, made new or completed, and the received
dossiers loaded into it."""

from __future__ import annotations

import getpass
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from batch.options import (
    CONTEXT,
    HELP,
    GuichetError,
    WorkbookPath,
    reglement,
    reglement_option,
    saved,
    validate_files,
    workbook_options,
)
from xlplugin.grouping import first_ones
from xlplugin.intake.texts import printable

if TYPE_CHECKING:
    from xlplugin.rules.reglement import Reglement
    from xlplugin.workbook.import_summary import ImportSummary
    from xlplugin.workbook.operations import Saved


@click.command(context_settings=CONTEXT)
@click.help_option("-h", "--help", help=HELP)
@click.argument("path", required=False, metavar="[CLASSEUR]", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--into",
    "into",
    type=WorkbookPath(),
    help="Ajoute les feuilles manquantes à ce classeur existant (celui du bureau), sans rien lui retirer.",
)
@click.option(
    "--execution",
    "runtime",
    type=click.Choice(["lite", "classique"]),
    help="Pour quel moyen d'exécuter les fonctions les formules sont écrites : xlwings Lite (par défaut pour un "
    ".xlsx) ou le complément classique (par défaut pour un .xlsm). Le tableau qui les compare est dans "
    "docs/guide/installer.md.",
)
@reglement_option
def init(path: Path | None, into: Path | None, runtime: str | None, reglement_path: Path | None) -> None:
    """Crée le classeur de suivi CLASSEUR (.xlsx pour xlwings Lite, .xlsm pour le complément classique) : mode
    d'emploi, Dossiers, Dépenses, Paramètres, Répartition, Journal et réglages du complément. Un fichier
    existant n'est jamais remplacé ; avec --into, les feuilles manquantes sont ajoutées au classeur du bureau."""
    from batch.commands.excel import describe
    from xlplugin.excel.lite import Embedded, embed, lite_command
    from xlplugin.workbook.functions import LITE
    from xlplugin.workbook.operations import complete_workbook, workbook_runtime
    from xlplugin.workbook.setup import create_workbook, runtime_of

    chosen = reglement(reglement_path)
    if into is not None:
        if path is not None:
            raise click.UsageError("donnez soit CLASSEUR (un nouveau classeur), soit --into (un classeur existant)")
        added, where = complete_workbook(into, chosen)
        if where is None:
            click.echo(f"{into} a déjà toutes les feuilles de l'outil : rien n'est modifié")
        else:
            saved(where)
            if added.sheets:
                click.echo(f"Feuilles ajoutées à {into} : {', '.join(added.sheets)}")
            else:
                click.echo(f"{into} a déjà toutes les feuilles de l'outil")
        for note in added.notes():
            click.echo(f"  Attention : {note}")
        if workbook_runtime(into) == LITE:
            click.echo(
                "Pour que les fonctions SUBV_… et le bouton marchent dans Excel avec xlwings Lite, rangez-en le code "
                f"dans le classeur : {lite_command(into, chosen)}"
            )
        return
    if path is None:
        raise click.UsageError("indiquez le classeur à créer (CLASSEUR) ou --into CLASSEUR")
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        raise click.UsageError(
            f"le classeur doit avoir l'extension .xlsx (xlwings Lite) ou .xlsm (complément) : {path}"
        )
    if path.exists() or path.is_symlink():
        raise GuichetError(f"{path} existe déjà : il n'est pas remplacé. Choisissez un autre nom.")
    path.parent.mkdir(parents=True, exist_ok=True)
    lite: list[Embedded] = []

    def with_lite(book: Any) -> None:
        lite.append(embed(book.patch, chosen))

    chosen_runtime = runtime or runtime_of(path)
    create_workbook(path, chosen, chosen_runtime, finish=with_lite if chosen_runtime == LITE else None)
    click.echo(f"Classeur de suivi créé : {path}")
    for line in describe(lite[-1]) if lite else []:
        click.echo(line)


SHOWN_NUMBERS = 50  # dossier numbers named on the terminal (a week of an office's deposits); the sheet holds them all


def some_numbers(numbers: Sequence[int], sheet: str) -> str:
    """The first dossier numbers, and how many more: 10 000 numbers on a terminal are read by no one."""
    text = first_ones([str(n) for n in numbers], SHOWN_NUMBERS, cut="…")
    return text if len(numbers) <= SHOWN_NUMBERS else f"{text} (tous dans la feuille « {printable(sheet)} »)"


@click.command("import", context_settings=CONTEXT)
@click.help_option("-h", "--help", help=HELP)
@click.argument("files", nargs=-1, required=True, metavar="FICHIERS...", type=click.Path(path_type=Path))
@workbook_options(required=True)
@reglement_option
@click.option(
    "--tout-recontroler",
    "recheck",
    is_flag=True,
    help="Contrôler et importer à nouveau tous les fichiers, même quand ni eux ni le classeur n'ont changé depuis "
    "le dernier import (sans cette option, l'outil le reconnaît et dit aussitôt qu'il n'y a rien à écrire).",
)
def import_cmd(
    files: tuple[Path, ...],
    workbook_path: Path,
    sheet: str | None,
    output: Path | None,
    force: bool,
    reglement_path: Path | None,
    recheck: bool,
) -> None:
    """Charge les dossiers valides des fichiers reçus dans le classeur de suivi, sans toucher aux colonnes des
    agents : les nouveaux dossiers sont ajoutés, les colonnes importées des dossiers connus mises à jour.

    FICHIERS : fichiers reçus ou dossiers. Un dossier invalide est rejeté, les autres sont chargés ; sortie 1 si un
    fichier ou un dossier est rejeté. Les mêmes fichiers importés à nouveau dans le classeur que le dernier import
    a laissé (aucun octet changé, hormis les lignes que l'outil ajoute au « Journal ») ne sont pas recontrôlés :
    l'outil redit ce qu'il avait trouvé.
    """
    from xlplugin.intake.import_memory import ImportMemory, Occasion, cache_folder
    from xlplugin.intake.versions import collect_paths
    from xlplugin.workbook.storage import WorkbookSession

    chosen = reglement(reglement_path)
    paths = collect_paths(files)
    # Into the workbook itself only: --output writes another file, which no record names.
    memory = ImportMemory(cache_folder()) if output is None else None
    if memory is not None and not recheck:
        # The workbook as it stands, under its lock and with a whole run's refusals (open in Excel, read-only).
        with WorkbookSession(workbook_path) as session:
            recalled = memory.recall(session.current_digest(), paths, chosen, sheet)
        if recalled is not None:
            _report_import(recalled, None, workbook_path, output, chosen, recalled=True)
            return
    # The checks and the workbook's code: loaded for a whole run only.
    from xlplugin.intake.pipeline import Validator, usable_dossiers
    from xlplugin.rules import default_territory
    from xlplugin.workbook.operations import import_into
    from xlplugin.workbook.outputs import check_output

    results = validate_files(Validator(chosen, digests=memory is not None), paths)
    if output is not None:
        check_output(output, force=force, protected=[workbook_path, *(r.path for r in results)])
    rejected = [(str(r.path), r.errors[0].message) for r in results if not r.valid]
    rejected += [
        (f"{r.path}, dossier {d.numero if d.numero is not None else '(sans numéro)'}", d.errors[0].message)
        for r in results
        if r.valid
        for d in r.invalid_dossiers
    ]
    dossiers = usable_dossiers(results)
    read = [r.path for r in results]
    occasion = Occasion.of([(r.path, r.digest) for r in results], chosen, sheet)
    del results  # the verdicts' documents and texts are not needed by the import: its memory is the workbook's
    summary, where = import_into(
        workbook_path,
        dossiers,
        chosen,
        default_territory(),
        sheet=sheet,
        agent=getpass.getuser(),
        files=read,
        rejected=rejected,
        output=output,
        force=force,
    )
    if memory is not None and occasion is not None and summary.workbook_digest and not summary.expenses_differ:
        memory.remember(summary.workbook_digest, occasion, summary.repeated())
    _report_import(summary, where, workbook_path, output, chosen)


def _report_import(
    summary: ImportSummary,
    where: Saved | None,
    workbook_path: Path,
    output: Path | None,
    chosen: Reglement,
    *,
    recalled: bool = False,
) -> None:
    """What the import did, on the terminal; exit 1 when a file or a dossier was rejected. ``recalled``: the
    files and the workbook are those of the last import, which found this (``intake.import_memory``)."""
    from xlplugin.excel.lite import stale_code_note
    from xlplugin.workbook.layout import DEPENSES

    if where is None:
        unchanged = "il n'est ni enregistré ni sauvegardé" if output is None else f"{output} n'est pas écrit"
        click.echo(f"Rien à écrire : {workbook_path.name} contient déjà tout ; {unchanged}.", err=True)
        if recalled:
            click.echo(
                "  Ni les fichiers ni le classeur n'ont changé depuis le dernier import (pas un octet, hormis les "
                "lignes que l'outil a ajoutées au « Journal ») : ce qu'il avait "
                "trouvé vaut encore (guichet import --tout-recontroler pour tout contrôler à nouveau).",
                err=True,
            )
    else:
        saved(where)
    click.echo(f"Import : {summary.text()}.")
    click.echo(f"  Feuille des dossiers : « {printable(summary.sheet)} »")
    for label, numbers in (("Ajoutés", summary.added), ("Mis à jour", summary.updated)):
        if numbers:
            click.echo(f"  {label} : {some_numbers(numbers, summary.sheet)}")
    if summary.expenses_differ:
        click.echo(
            "  Dépenses reçues différentes de celles du classeur, non reprises (vérifiez la feuille "
            f"« {DEPENSES} ») : {', '.join(map(str, summary.expenses_differ))}"
        )
    if summary.sheets_added:
        click.echo(f"  Feuilles ajoutées : {', '.join(summary.sheets_added)}")
    if summary.columns_added:
        click.echo(f"  Colonnes ajoutées : {', '.join(summary.columns_added)}")
    if summary.columns_written:
        click.echo(f"  Colonnes écrites : {', '.join(summary.columns_written)}")
    stale = stale_code_note(where.written if where is not None else workbook_path, chosen)
    for note in [*summary.notes, *([stale] if stale else [])]:
        click.echo(f"  Attention : {note}", err=True)
    for what, why in summary.rejected:  # the files' and dossiers' refused by the checks, then by the workbook
        click.echo(f"  Rejeté : {printable(what)} — {printable(why)}", err=True)
    if summary.rejected:
        sys.exit(1)
