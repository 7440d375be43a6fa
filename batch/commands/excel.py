"""``guichet addin build`` and ``guichet lite``: what Excel needs to run the tool's functions and button."""

from __future__ import annotations

import os
from pathlib import Path

import click

from batch.options import CONTEXT, HELP, GuichetError


@click.group(context_settings=CONTEXT)
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
    "--output",
    "output",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("lite"),
    show_default=True,
    help="Dossier où écrire main.py et requirements.txt.",
)
@click.option(
    "--paquet",
    "package",
    help="Ligne qui installe l'outil dans xlwings Lite (par défaut guichet-numerique==VERSION ; ou l'adresse "
    "https d'une roue publiée par la préfecture).",
)
@click.option("--force", is_flag=True, help="Remplacer main.py et requirements.txt s'ils existent déjà.")
def lite(output: Path, package: str | None, force: bool) -> None:
    """Écrit ce qu'un agent colle dans xlwings Lite (Excel, sans rien installer sur le poste) : main.py, qui
    déclare les fonctions SUBV_ et le bouton « Recalculer les allocations », et requirements.txt, qui les
    fait installer par xlwings Lite."""
    os.environ.setdefault("XLWINGS_ON_SERVER", "true")  # the decorators of xlwings Lite and Server
    os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
    from xlplugin.excel.lite import lite_files

    files = lite_files(package)
    targets = {name: output / name for name in files}
    existing = [str(path) for path in targets.values() if path.exists()]
    if existing and not force:
        raise GuichetError(f"{', '.join(existing)} existe(nt) déjà : ajoutez --force pour le(s) remplacer")
    output.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        targets[name].write_text(text, encoding="utf-8")
    click.echo(f"Écrits : {targets['main.py']} et {targets['requirements.txt']}")
    click.echo(
        "Dans Excel : onglet Accueil › Compléments › xlwings Lite ; dans l'éditeur de code, remplacez main.py par "
        "le contenu du fichier main.py ; dans requirements.txt, gardez les lignes « # required » d'xlwings Lite et "
        "ajoutez les autres lignes ; enregistrez le classeur. Voir le README, « Choisir son mode »."
    )
