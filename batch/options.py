"""What the commands share: click settings, options stacked by one decorator, and the few steps every
command over received files or the tracking workbook takes (reading the règlement, checking the files with
a progress bar, showing a report)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from batch.reporters import Reporter
from xlplugin.grouping import command_line
from xlplugin.intake.versions import collect_paths
from xlplugin.rules import Reglement, load_reglement

if TYPE_CHECKING:
    from xlplugin.documents.settings import DocumentSettings
    from xlplugin.intake.pipeline import FileResult, Validator
    from xlplugin.workbook.operations import Saved

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
HELP = "Affiche cette aide."
PROGRESS_FROM = 20  # files: below this, a progress bar is noise


class GuichetError(click.ClickException):
    """A failure the agent can act on, shown in French (click's own says « Error: »)."""

    def show(self, file: Any = None) -> None:
        click.echo(f"Erreur : {self.format_message()}", err=True)


def reglement_option(func: F) -> F:
    return click.option(
        "--reglement",
        "reglement_path",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Fichier de règlement à appliquer (par défaut : celui de l'appel de l'Ain).",
    )(func)


def format_option(names: Iterable[str], help: str) -> Callable[[F], F]:
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(list(names)),
        default="text",
        show_default=True,
        help=help,
    )


class WorkbookPath(click.Path):
    """An existing tracking workbook: one that is not there is most often one not created yet, so the message
    says how to create it as well as to check the path."""

    def __init__(self) -> None:
        super().__init__(dir_okay=False, exists=True, path_type=Path)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, (str, os.PathLike)) and not os.path.lexists(value):
            self.fail(
                f"le classeur « {os.fspath(value)} » n'existe pas : vérifiez le chemin, ou créez-le avec "
                f"{command_line(['guichet', 'init', os.fspath(value)])}",
                param,
                ctx,
            )
        return super().convert(value, param, ctx)


def workbook_options(required: bool) -> Callable[[F], F]:
    """--workbook, --sheet and --output, shared by the commands that work on the tracking workbook."""

    def decorate(func: F) -> F:
        func = force_option(func)
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
            type=WorkbookPath(),
            help="Classeur de suivi sur lequel travailler.",
        )(func)
        return func

    return decorate


def force_option(func: F) -> F:
    return click.option(
        "--force",
        "force",
        is_flag=True,
        help="Remplacer le fichier de --output s'il existe déjà (jamais un classeur de suivi).",
    )(func)


def files_options(func: F) -> F:
    """The options every command over dossier files takes: the files, the format, the règlement."""
    func = reglement_option(func)
    func = format_option(["text", "json"], "text : tableau lisible ; json : pour un autre programme.")(func)
    func = click.argument("files", nargs=-1, required=True, metavar="FICHIERS...", type=click.Path(path_type=Path))(
        func
    )
    return func


def reglement(path: Path | None) -> Reglement:
    """The règlement to apply (a bad file is an ``AgentError``, shown by the command group)."""
    return load_reglement(path)


def document_settings(path: Path | None, rules: Reglement) -> DocumentSettings:
    """The documents' settings of ``--parametres`` (the règlement's own, or the shipped ones, without it), for
    ``guichet documents`` and ``guichet ds decider``, which must establish the same acts."""
    from xlplugin.documents.settings import DocumentSettingsError, load_document_settings, settings_from_reglement

    try:
        return load_document_settings(path) if path else settings_from_reglement(rules)
    except DocumentSettingsError as exc:
        raise GuichetError(str(exc)) from None


def colour() -> bool | None:
    """``NO_COLOR`` (https://no-color.org) turns colour off; otherwise click decides (a terminal or not)."""
    return False if os.environ.get("NO_COLOR") else None


def run_validation(validator: Validator, inputs: Sequence[Path]) -> list[FileResult]:
    """Check every received file named or found in the folders named, with a progress bar for long runs."""
    return validate_files(validator, collect_paths(inputs))


def validate_files(validator: Validator, paths: Sequence[Path]) -> list[FileResult]:
    """Check these files (``collect_paths`` already made the list), with a progress bar for long runs."""
    if len(paths) >= PROGRESS_FROM and sys.stderr.isatty():
        with click.progressbar(length=len(paths), label="Contrôle des fichiers", file=sys.stderr) as bar:
            return validator.validate(paths, progress=lambda _path: bar.update(1))
    return validator.validate(paths)


def show(
    reporter: Reporter[T], found: T, output: Path | None = None, *, force: bool = False, inputs: Sequence[Path] = ()
) -> None:
    """Show ``found`` with ``reporter``: printed, or written to ``output`` (never over one of ``inputs``, a
    tracking workbook, or an existing file without ``force``)."""
    if output is not None:
        from xlplugin.workbook.outputs import check_output

        check_output(output, force=force, protected=inputs)
    if reporter.write is not None:
        if output is None:
            raise click.UsageError("ce format demande --output FICHIER")
        try:
            reporter.write(found, output)
        except OSError as exc:
            raise GuichetError(f"le rapport n'a pas pu être écrit dans {output} ({exc.strerror or exc})") from None
        click.echo(f"Rapport écrit dans {output}")
        return
    assert reporter.render is not None
    text = reporter.render(found)
    if output is None:
        click.echo(text, color=colour())
        return
    try:
        output.write_text(click.unstyle(text) + "\n", encoding="utf-8")
    except OSError as exc:
        raise GuichetError(f"le rapport n'a pas pu être écrit dans {output} ({exc.strerror or exc})") from None


def saved(where: Saved) -> None:
    """Say where the workbook was saved, on standard error (standard output may carry JSON)."""
    if where.backup is not None:
        click.echo(f"Sauvegarde de la version précédente : {where.backup}", err=True)
    click.echo(f"Classeur enregistré : {where.written}", err=True)
