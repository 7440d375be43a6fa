"""``guichet``: the command line of the grant office, a thin click layer over the ``xlplugin`` library.

The commands parse options, call the library and hand what it found to a reporter (``reporters``). The
library's errors an agent can act on (``xlplugin.errors.AgentError``) and the system's (a file that cannot
be read or written) become a French message here, at the edge, never a traceback.
"""

from __future__ import annotations

import errno
import importlib
from typing import Any

import click

from batch import click_fr
from batch.options import CONTEXT, HELP, GuichetError
from xlplugin.errors import AgentError

click_fr.install()

SYSTEM_ERRORS = {
    errno.ENOENT: "n'existe pas",
    errno.EACCES: "accès refusé",
    errno.EPERM: "opération non permise",
    errno.ENOTDIR: "un élément du chemin n'est pas un dossier",
    errno.EISDIR: "c'est un dossier",
    errno.ENOSPC: "plus de place sur le disque",
    errno.EROFS: "support en lecture seule",
}


# Each command, by name: the module that defines it and its function. A run imports only its own command's
# module (click's « lazy loading of subcommands »): ``guichet validate`` starts without the workbook's code.
COMMANDS = {
    "addin": ("batch.commands.excel", "addin"),
    "allocate": ("batch.commands.instruction", "allocate"),
    "comite": ("batch.commands.documents", "comite"),
    "documents": ("batch.commands.documents", "documents"),
    "ds": ("batch.commands.ds", "ds"),
    "evaluate": ("batch.commands.instruction", "evaluate_cmd"),
    "import": ("batch.commands.workbook", "import_cmd"),
    "init": ("batch.commands.workbook", "init"),
    "lite": ("batch.commands.excel", "lite"),
    "validate": ("batch.commands.received", "validate"),
}


class GuichetGroup(click.Group):
    """The command group: its commands are loaded when called, and what the library refuses, or a file that
    cannot be read or written, ends in a French message and exit code 1."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in COMMANDS:
            module, attribute = COMMANDS[name]
            command = getattr(importlib.import_module(module), attribute)
            assert isinstance(command, click.Command)
            return command
        return super().get_command(ctx, name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except AgentError as exc:
            raise GuichetError(str(exc)) from None
        except OSError as exc:
            where = f"{exc.filename} : " if exc.filename else ""
            why = SYSTEM_ERRORS.get(exc.errno or 0, exc.strerror or str(exc))
            raise GuichetError(f"{where}{why} (vérifiez le chemin et les droits)") from None


@click.group(cls=GuichetGroup, context_settings=CONTEXT, subcommand_metavar=click_fr.SUBCOMMANDS)
@click.version_option(package_name="guichet-numerique", message="guichet %(version)s", help="Affiche la version.")
@click.help_option("-h", "--help", help=HELP)
def main() -> None:
    """Instruction des dossiers de l'appel à projets « transformation numérique des collectivités »."""
