"""``guichet addin build`` and ``guichet serve``: Excel's side of the tool."""

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

        from xlplugin.excel.server import create_app
    except ImportError as exc:
        raise GuichetError(f"installez l'extra serveur : pip install 'guichet-numerique[server]' ({exc})") from None
    if not os.environ.get("XLWINGS_LICENSE_KEY"):
        raise GuichetError("définissez XLWINGS_LICENSE_KEY (noncommercial pour une administration publique)")
    click.echo(f"Manifeste du complément : http://{host}:{port}/manifest.xml")
    uvicorn.run(create_app(client), host=host, port=port)
