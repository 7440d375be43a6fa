"""``guichet addin build`` and ``guichet lite``: what Excel needs to run the tool's functions and button — the
classic add-in, and the xlwings Lite code a workbook carries."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from batch.click_fr import SUBCOMMANDS
from batch.options import CONTEXT, HELP, GuichetError, WorkbookPath, reglement, reglement_option, saved

if TYPE_CHECKING:
    from xlplugin.excel.lite import Embedded
    from xlplugin.rules import Reglement


@click.group(context_settings=CONTEXT, subcommand_metavar=SUBCOMMANDS)
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
    from xlplugin.excel.addin import build_addin

    path = build_addin(output)
    click.echo(f"Complément écrit : {path}")
    click.echo(
        "Installation : copiez-le dans %APPDATA%\\Microsoft\\AddIns, puis dans Excel : Fichier › Options › "
        "Compléments › Gérer : Compléments Excel › Atteindre › cochez « Xlplugin »."
    )


@click.command(context_settings=CONTEXT)
@click.help_option("-h", "--help", help=HELP)
@click.option(
    "--into",
    "into",
    type=WorkbookPath(),
    help="Range (ou met à jour) le code xlwings Lite dans ce classeur : le code du bureau qui s'y trouve est gardé.",
)
@click.option(
    "--output",
    "output",
    type=click.Path(file_okay=False, path_type=Path),
    help="Sans --into : dossier où écrire main.py et requirements.txt, à coller dans xlwings Lite (par défaut : lite).",
)
@click.option("--force", is_flag=True, help="Remplacer main.py et requirements.txt s'ils existent déjà.")
@reglement_option
def lite(into: Path | None, output: Path | None, force: bool, reglement_path: Path | None) -> None:
    """Le code des fonctions SUBV_… et du bouton « Recalculer les allocations » pour xlwings Lite (Python dans
    Excel, rien à installer sur le poste). Avec --into CLASSEUR, il est rangé dans le classeur, qui le garde
    (c'est ce que fait déjà « guichet init » pour un nouveau classeur) ; sinon, main.py et requirements.txt
    sont écrits dans un dossier, à coller dans xlwings Lite."""
    from xlplugin.excel.lite import lite_files

    chosen = reglement(reglement_path)
    if into is not None:
        if output is not None:
            raise click.UsageError("donnez soit --into (le classeur), soit --output (un dossier), pas les deux")
        embed_into_workbook(into, chosen)
        return
    folder = output or Path("lite")
    files = lite_files(chosen)
    targets = {name: folder / name for name in files}
    existing = [str(path) for path in targets.values() if path.exists()]
    if existing and not force:
        raise GuichetError(f"{', '.join(existing)} existe(nt) déjà : ajoutez --force pour le(s) remplacer")
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        targets[name].write_text(text, encoding="utf-8")
    click.echo(f"Écrits : {targets['main.py']} et {targets['requirements.txt']}")
    click.echo(
        "Dans Excel : ouvrez le classeur, puis le volet xlwings Lite ; onglet main.py : remplacez tout le texte par "
        "celui de main.py ; onglet requirements.txt : remplacez tout le texte par celui de requirements.txt ; "
        "menu › Restart, puis enregistrez le classeur. Plus simple : guichet lite --into CLASSEUR."
    )


def embed_into_workbook(path: Path, chosen: Reglement) -> None:
    """``guichet lite --into``: the tool's Lite code in the workbook, saved as every change is."""
    from xlplugin.excel.lite import embed
    from xlplugin.workbook.operations import patch_workbook
    from xlplugin.workbook.parameters import refresh

    done: list[Embedded] = []
    notes: list[str] = []

    def change(book: Any) -> bool:
        done.append(embed(book.patch, chosen))
        # The code computes under this règlement: the figures the workbook's formulas read follow it.
        notes.extend(refresh(book, chosen))
        return not done[-1].unchanged or bool(book.changed)

    where = patch_workbook(path, change)
    if where is not None:
        saved(where)
    if done[-1].unchanged:
        nothing = "" if where is not None else " : rien n'est modifié"
        click.echo(f"{path} porte déjà ce code xlwings Lite (révision {done[-1].code.revision}){nothing}")
    else:
        for line in describe(done[-1]):
            click.echo(line)
    for note in notes:
        click.echo(f"  Attention : {note}")


def describe(embedded: Embedded) -> list[str]:
    """What the agent is told of the Lite code written into a workbook."""
    from xlplugin.excel.lite import function_names

    code = embedded.code
    count = len(function_names())
    lines = [
        ("Code xlwings Lite rangé dans le classeur" if embedded.created else "Code xlwings Lite du classeur mis à jour")
        + f" : {count} fonctions SUBV_… et le bouton « Recalculer les allocations » (révision de calcul "
        f"{code.revision})."
    ]
    if code.kept_lines:
        own = f" ({', '.join(code.kept_functions)})" if code.kept_functions else ""
        lines.append(f"  Code du bureau gardé dans main.py : {code.kept_lines} lignes{own}.")
    for note in code.notes:
        lines.append(f"  Attention : {note}")
    if embedded.created:
        lines.append(
            "  À la première ouverture dans Excel, le volet xlwings Lite s'ouvre : faites confiance au classeur "
            "(« Trust »), les fonctions s'installent (une minute la première fois)."
        )
    return lines
