"""``guichet``: the batch tool. Parses options, calls the readers and the rules core, prints a report.

Library errors become ``click.ClickException`` here, at the edge, with a French message.
"""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from batch import click_fr, validation_report
from batch.received.pipeline import FileResult, Validator, collect_paths
from batch.reports import allocation_text, allocation_to_json, dumps, evaluation_to_json, evaluations_text
from xlplugin.rules import Dossier, Evaluation, Reglement, ReglementError, allocate_envelope, evaluate, load_reglement

F = TypeVar("F", bound=Callable[..., Any])
click_fr.install()

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
HELP = "Affiche cette aide."
PROGRESS_FROM = 20  # files: below this, a progress bar is noise


class GuichetError(click.ClickException):
    """A failure the agent can act on, shown in French (click's own says « Error: »)."""

    def show(self, file: Any = None) -> None:
        click.echo(f"Erreur : {self.format_message()}", err=True)


SYSTEM_ERRORS = {
    errno.ENOENT: "n'existe pas",
    errno.EACCES: "accès refusé",
    errno.EPERM: "opération non permise",
    errno.ENOTDIR: "un élément du chemin n'est pas un dossier",
    errno.EISDIR: "c'est un dossier",
    errno.ENOSPC: "plus de place sur le disque",
    errno.EROFS: "support en lecture seule",
}


class GuichetGroup(click.Group):
    """The command group; a file that cannot be read or written ends in a French message, not a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except OSError as exc:
            where = f"{exc.filename} : " if exc.filename else ""
            why = SYSTEM_ERRORS.get(exc.errno or 0, exc.strerror or str(exc))
            raise GuichetError(f"{where}{why} (vérifiez le chemin et les droits)") from None


def reglement_option(func: F) -> F:
    return click.option(
        "--reglement",
        "reglement_path",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Fichier de règlement à appliquer (par défaut : celui de l'appel de l'Ain).",
    )(func)


def workbook_options(required: bool) -> Callable[[F], F]:
    """--workbook, --sheet and --output, shared by the commands that work on the tracking workbook."""

    def decorate(func: F) -> F:
        func = click.option(
            "--output",
            "output",
            type=click.Path(dir_okay=False, path_type=Path),
            help="Écrire le résultat dans ce fichier, sans modifier le classeur d'origine.",
        )(func)
        func = click.option(
            "--sheet", "sheet", help="Feuille des dossiers, si ce n'est ni « Dossiers » ni une feuille reconnue."
        )(func)
        func = click.option(
            "--workbook",
            "workbook_path",
            required=required,
            type=click.Path(dir_okay=False, exists=True, path_type=Path),
            help="Classeur de suivi sur lequel travailler.",
        )(func)
        return func

    return decorate


def common_options(func: F) -> F:
    """The options every command over dossier files takes: the files, the format, the règlement."""
    func = reglement_option(func)
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


@click.group(cls=GuichetGroup, context_settings=CONTEXT)
@click.version_option(package_name="guichet-numerique", message="guichet %(version)s", help="Affiche la version.")
@click.help_option("-h", "--help", help=HELP)
def main() -> None:
    """Instruction des dossiers de l'appel à projets « transformation numérique des collectivités »."""


def _reglement(path: Path | None) -> Reglement:
    try:
        return load_reglement(path)
    except ReglementError as exc:
        raise GuichetError(str(exc)) from None


def _colour() -> bool | None:
    """``NO_COLOR`` (https://no-color.org) turns colour off; otherwise click decides (a terminal or not)."""
    return False if os.environ.get("NO_COLOR") else None


def _run_validation(validator: Validator, inputs: Sequence[Path]) -> list[FileResult]:
    paths = collect_paths(inputs)
    if len(paths) >= PROGRESS_FROM and sys.stderr.isatty():
        with click.progressbar(length=len(paths), label="Contrôle des fichiers", file=sys.stderr) as bar:
            return validator.validate(paths, progress=lambda _path: bar.update(1))
    return validator.validate(paths)


def _usable_dossiers(results: Sequence[FileResult]) -> list[Dossier]:
    """The dossiers of the valid files, once each; the same number with different content is refused."""
    chosen: dict[int, tuple[Dossier, Path]] = {}
    for result in results:
        if not result.valid:
            continue
        for item in result.dossiers:
            if item.dossier is None:
                continue
            seen = chosen.get(item.dossier.number)
            if seen is None:
                chosen[item.dossier.number] = (item.dossier, result.path)
            elif seen[0] != item.dossier:
                raise GuichetError(
                    f"le dossier {item.dossier.number} figure dans {seen[1]} et dans {result.path} avec des contenus "
                    "différents : ne gardez que la version la plus récente"
                )
    return [dossier for dossier, _ in sorted(chosen.values(), key=lambda item: item[0].number)]


def _evaluate_files(files: Sequence[Path], reglement: Reglement) -> tuple[list[Evaluation], list[FileResult]]:
    """Evaluate the dossiers of every usable file; report the others on standard error."""
    results = _run_validation(Validator(reglement), files)
    bad = [r for r in results if not r.valid]
    for result in bad:
        click.echo(f"Erreur : {result.path} :", err=True)
        for issue in result.errors:
            where = validation_report._where(issue)
            click.echo(f"  - {issue.code}{' · ' + where if where else ''} : {issue.message}", err=True)
    evaluations = [evaluate(d, reglement) for d in _usable_dossiers(results)]
    return evaluations, bad


def _finish(bad: list[FileResult]) -> None:
    if bad:
        click.echo(f"{len(bad)} fichier(s) écarté(s) : corrigez-les puis relancez.", err=True)
        sys.exit(1)


@main.command(context_settings=CONTEXT)
@click.help_option("-h", "--help", help=HELP)
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "xlsx"]),
    default="text",
    show_default=True,
    help="text : lisible ; json : pour un autre programme ; xlsx : un classeur (--output).",
)
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
@reglement_option
def validate(
    paths: tuple[Path, ...],
    output_format: str,
    output: Path | None,
    quarantine: Path | None,
    reglement_path: Path | None,
) -> None:
    """Contrôle les fichiers reçus de démarches-simplifiées, sans jamais les modifier.

    PATHS : fichiers ou dossiers (parcourus récursivement : fichiers .json, .xlsx, .csv). Chaque fichier reçoit
    un verdict ; chaque problème nomme le dossier, le champ, l'emplacement et ce qu'il faut faire.
    Sortie 0 si tous les fichiers sont valides, 1 sinon, 2 si la commande est mal écrite.
    """
    if output_format == "xlsx" and output is None:
        raise click.UsageError("--format xlsx demande --output FICHIER.xlsx")
    reglement = _reglement(reglement_path)
    results = _run_validation(Validator(reglement), paths)
    if output_format == "text":
        for line in validation_report.text_lines(results):
            click.echo(line, color=_colour())
    else:
        _write_report(results, output_format, output)
    if quarantine is not None:
        _copy_invalid(results, quarantine)
    if any(not r.valid for r in results):
        sys.exit(1)


def _write_report(results: Sequence[FileResult], output_format: str, output: Path | None) -> None:
    try:
        if output_format == "json":
            text = validation_report.json_text(results)
            if output:
                output.write_text(text + "\n", encoding="utf-8")
            else:
                click.echo(text)
        else:
            assert output is not None
            validation_report.write_xlsx(results, output)
            click.echo(f"Rapport écrit dans {output}")
    except OSError as exc:
        raise GuichetError(f"le rapport n'a pas pu être écrit dans {output} ({exc.strerror or exc})") from None


def _copy_invalid(results: Sequence[FileResult], folder: Path) -> None:
    """Copy (never move) each invalid file into ``folder``, without overwriting anything there."""
    import shutil

    folder.mkdir(parents=True, exist_ok=True)
    for result in results:
        if result.valid or not result.path.is_file():
            continue
        target = folder / result.path.name
        counter = 1
        while target.exists():
            target = folder / f"{result.path.stem}-{counter}{result.path.suffix}"
            counter += 1
        shutil.copy2(result.path, target)
        click.echo(f"Copié en quarantaine : {result.path} → {target}", err=True)


@main.command(context_settings=CONTEXT)
@click.help_option("-h", "--help", help=HELP)
@click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--into",
    "into",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Ajoute les feuilles manquantes à ce classeur existant (celui du bureau), sans rien lui retirer.",
)
@reglement_option
def init(path: Path | None, into: Path | None, reglement_path: Path | None) -> None:
    """Crée le classeur de suivi PATH (.xlsx) : mode d'emploi, Dossiers, Dépenses, Paramètres, Répartition,
    Journal et réglages du complément xlwings. Un fichier existant n'est jamais remplacé ; avec --into, les
    feuilles manquantes sont ajoutées au classeur du bureau."""
    from xlplugin.workbook.template import add_missing_sheets, build_workbook, save_atomically

    reglement = _reglement(reglement_path)
    if into is not None:
        if path is not None:
            raise click.UsageError("donnez soit PATH (un nouveau classeur), soit --into (un classeur existant)")
        workbook = _load_workbook(into)
        added = add_missing_sheets(workbook, reglement)
        _save(workbook, into, None)
        click.echo(f"Feuilles ajoutées à {into} : {', '.join(added) if added else 'aucune, il les a toutes'}")
        return
    if path is None:
        raise click.UsageError("indiquez le classeur à créer (PATH) ou --into CLASSEUR")
    if path.suffix.lower() != ".xlsx":
        raise click.UsageError(f"le classeur doit avoir l'extension .xlsx : {path}")
    if path.exists():
        raise GuichetError(f"{path} existe déjà : il n'est pas remplacé. Choisissez un autre nom.")
    save_atomically(build_workbook(reglement), path)
    click.echo(f"Classeur de suivi créé : {path}")


def _load_workbook(path: Path) -> Any:
    """The workbook, with its macros and ribbon kept (``.xlsm``); a workbook open in Excel is refused."""
    from openpyxl import load_workbook

    from xlplugin.workbook.safe_save import SaveRefused, check_not_open

    try:
        check_not_open(path)
    except SaveRefused as exc:
        raise GuichetError(str(exc)) from None
    try:
        return load_workbook(path, keep_vba=path.suffix.lower() in (".xlsm", ".xltm"), rich_text=True)
    except Exception as exc:
        raise GuichetError(f"{path} n'est pas un classeur lisible ({type(exc).__name__} : {exc})") from None


def _save(workbook: Any, path: Path, output: Path | None) -> None:
    from xlplugin.workbook.safe_save import SaveRefused, describe, save_workbook

    try:
        written, backup, lost = save_workbook(workbook, path, output=output)
    except SaveRefused as exc:
        raise GuichetError(str(exc)) from None
    # On standard error: standard output may carry JSON.
    if backup is not None:
        click.echo(f"Sauvegarde de la version précédente : {backup}", err=True)
    if lost:
        click.echo(f"Attention : {written} n'a pas {describe(lost)} de {path.name}, qui reste intact.", err=True)
    click.echo(f"Classeur enregistré : {written}", err=True)


@main.command("import", context_settings=CONTEXT)
@click.help_option("-h", "--help", help=HELP)
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@workbook_options(required=True)
@reglement_option
def import_cmd(
    files: tuple[Path, ...], workbook_path: Path, sheet: str | None, output: Path | None, reglement_path: Path | None
) -> None:
    """Charge les dossiers valides des fichiers reçus dans le classeur de suivi, sans toucher aux colonnes des
    agents : les nouveaux dossiers sont ajoutés, les colonnes importées des dossiers connus mises à jour.

    FILES : fichiers reçus ou dossiers. Sortie 1 si un fichier est rejeté.
    """
    import getpass

    from xlplugin.rules import default_territory
    from xlplugin.workbook.allocation import WorkbookError
    from xlplugin.workbook.importer import import_dossiers
    from xlplugin.workbook.layout import DEPENSES

    reglement = _reglement(reglement_path)
    results = _run_validation(Validator(reglement), files)
    rejected = [(str(r.path), r.errors[0].message) for r in results if not r.valid]
    dossiers = _usable_dossiers(results)
    workbook = _load_workbook(workbook_path)
    try:
        summary = import_dossiers(
            workbook,
            dossiers,
            reglement,
            default_territory(),
            sheet=sheet,
            agent=getpass.getuser(),
            files=[r.path.name for r in results],
            rejected=rejected,
        )
    except WorkbookError as exc:
        raise GuichetError(str(exc)) from None
    _save(workbook, workbook_path, output)
    click.echo(f"Import : {summary.text()}.")
    for label, numbers in (("Ajoutés", summary.added), ("Mis à jour", summary.updated)):
        if numbers:
            click.echo(f"  {label} : {', '.join(map(str, numbers))}")
    if summary.expenses_differ:
        click.echo(
            "  Dépenses reçues différentes de celles du classeur, non reprises (vérifiez la feuille "
            f"« {DEPENSES} ») : {', '.join(map(str, summary.expenses_differ))}"
        )
    if summary.sheets_added:
        click.echo(f"  Feuilles ajoutées : {', '.join(summary.sheets_added)}")
    if summary.columns_added:
        click.echo(f"  Colonnes ajoutées : {', '.join(summary.columns_added)}")
    for path, why in rejected:
        click.echo(f"  Rejeté : {path} — {why}", err=True)
    if rejected:
        sys.exit(1)


@main.group(context_settings=CONTEXT)
@click.help_option("-h", "--help", help=HELP)
def addin() -> None:
    """Le complément Excel : le bouton « Recalculer les allocations » dans un onglet « Subventions »."""


@addin.command("build", context_settings=CONTEXT)
@click.help_option("-h", "--help", help=HELP)
@click.option(
    "--output",
    "output",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Dossier où écrire xlplugin.xlam.",
)
def addin_build(output: Path) -> None:
    """Construit le complément classique xlplugin.xlam (Excel pour Windows) à partir du modèle d'xlwings."""
    from batch.addin import build_addin

    path = build_addin(output)
    click.echo(f"Complément écrit : {path}")
    click.echo(
        "Installation : copiez-le dans %APPDATA%\\Microsoft\\AddIns, puis dans Excel : Fichier › Options › "
        "Compléments › Gérer : Compléments Excel › Atteindre › cochez « Xlplugin »."
    )


@main.command(context_settings=CONTEXT)
@click.help_option("-h", "--help", help=HELP)
@click.option("--host", default="127.0.0.1", show_default=True, help="Adresse d'écoute.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port d'écoute.")
@click.option(
    "--client",
    "client",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Dossier des fichiers du client Office.js d'xlwings Server (volet, scripts), servis à la racine.",
)
def serve(host: str, port: int, client: Path | None) -> None:
    """Sert les fonctions SUBV_ et le bouton « Recalculer les allocations » à Excel par xlwings Server
    (Excel sur le web, sur Mac ou sur Windows). Demande l'extra [server] et XLWINGS_LICENSE_KEY."""
    os.environ.setdefault("XLWINGS_ON_SERVER", "true")
    try:
        import uvicorn

        from xlplugin.server import create_app
    except ImportError as exc:
        raise GuichetError(f"installez l'extra serveur : pip install 'guichet-numerique[server]' ({exc})") from None
    if not os.environ.get("XLWINGS_LICENSE_KEY"):
        raise GuichetError("définissez XLWINGS_LICENSE_KEY (noncommercial pour une administration publique)")
    click.echo(f"Manifeste du complément : http://{host}:{port}/manifest.xml")
    uvicorn.run(create_app(client), host=host, port=port)


@main.command("evaluate", context_settings=CONTEXT)
@click.help_option("-h", "--help", help=HELP)
@common_options
@click.option("--explications", is_flag=True, help="Ajoute, sous le tableau, l'explication de chaque dossier.")
def evaluate_cmd(files: tuple[Path, ...], output_format: str, reglement_path: Path | None, explications: bool) -> None:
    """Évalue des dossiers : éligibilité, assiette, note, taux et montant.

    FILES : fichiers reçus (JSON ou export de démarches-simplifiées, dossiers du projet) ou dossiers. Sortie 1
    si un fichier est écarté.
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
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text : tableau lisible ; json : pour un autre programme.",
)
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
    reglement = _reglement(reglement_path)
    if workbook_path is not None:
        if files:
            raise click.UsageError("donnez soit des fichiers, soit --workbook, pas les deux")
        _allocate_workbook(workbook_path, sheet, output, output_format, reglement)
        return
    if not files:
        raise click.UsageError("indiquez les fichiers des dossiers, ou --workbook CLASSEUR")
    evaluations, bad = _evaluate_files(files, reglement)
    allocation = allocate_envelope((ev.candidate() for ev in evaluations), reglement)
    if output_format == "json":
        click.echo(dumps(allocation_to_json(allocation)))
    else:
        click.echo(allocation_text(allocation, evaluations))
    _finish(bad)


def _allocate_workbook(
    path: Path, sheet: str | None, output: Path | None, output_format: str, reglement: Reglement
) -> None:
    import getpass

    from batch.reports import workbook_allocation_text
    from xlplugin.workbook.allocation import WorkbookError, allocate_book
    from xlplugin.workbook.book import OpenpyxlBook
    from xlplugin.workbook.template import add_missing_sheets

    workbook = _load_workbook(path)
    add_missing_sheets(workbook, reglement, dossier_sheet=False)
    try:
        result = allocate_book(OpenpyxlBook(workbook), reglement, getpass.getuser(), sheet)
    except WorkbookError as exc:
        raise GuichetError(str(exc)) from None
    _save(workbook, path, output)
    if output_format == "json":
        click.echo(dumps(allocation_to_json(result.allocation)))
    else:
        click.echo(workbook_allocation_text(result))
