"""Writes the reference of the command line, ``docs/reference/commandes.md``, from the commands themselves.

Every command and subcommand of ``guichet``, with its usage, its help and each of its options (names, what it
takes, its default), as ``guichet … --help`` gives them: the reference cannot say what the tool no longer does.
``make docs`` rewrites it; a test fails when it is no longer what the commands say.

    python tools/cli_doc.py [--check]
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from batch.cli import main as guichet

TARGET = Path(__file__).resolve().parent.parent / "docs" / "reference" / "commandes.md"

HEAD = """# Référence : les commandes

Écrit par `tools/cli_doc.py` à partir des commandes elles-mêmes (`make docs`) : ce que dit `guichet COMMANDE
--help`, commande par commande. Ne pas modifier à la main. Chaque commande accepte `-h` ou `--help`.

Codes de sortie communs : 0 tout s'est bien passé ; 1 quelque chose a été refusé ou mis de côté (le message
dit quoi, où et quoi faire ; le reste a été fait) ; 2 la commande est mal écrite (option inconnue, argument
manquant).
"""


def commands() -> list[tuple[str, click.Command]]:
    """Every command, subcommands of groups included, by its full name, in alphabetical order."""
    context = click.Context(guichet, info_name="guichet")
    found: list[tuple[str, click.Command]] = []

    def walk(group: click.Group, prefix: str) -> None:
        for name in group.list_commands(context):
            command = group.get_command(context, name)
            assert command is not None, name
            found.append((f"{prefix}{name}", command))
            if isinstance(command, click.Group):
                walk(command, f"{prefix}{name} ")

    walk(guichet, "")
    return found


def _kind(option: click.Option) -> str:
    if option.is_flag:
        return ""
    kind = option.type
    if isinstance(kind, click.Choice):
        return " ou ".join(f"`{choice}`" for choice in kind.choices)
    if isinstance(kind, click.Path):
        return "dossier" if not kind.file_okay else "fichier" if not kind.dir_okay else "chemin"
    return {"entier": "nombre", "nombre": "nombre", "texte": "texte"}.get(kind.name, kind.name)  # click_fr's names


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def section(name: str, command: click.Command) -> str:
    context = click.Context(command, info_name=f"guichet {name}")
    usage = " ".join(command.collect_usage_pieces(context))
    lines = [f"## guichet {name}", "", f"```\nguichet {name} {usage}\n```", "", _cell(command.help or "")]
    arguments = [p for p in command.params if isinstance(p, click.Argument)]
    if arguments:
        lines += ["", "Arguments : " + ", ".join(f"`{a.human_readable_name.strip('[].')}`" for a in arguments) + "."]
    options = [p for p in command.params if isinstance(p, click.Option) and "--help" not in p.opts]
    if options:
        lines += ["", "| Option | Valeur | Ce qu'elle fait |", "|---|---|---|"]
        for option in options:
            names = ", ".join(f"`{opt}`" for opt in [*option.opts, *option.secondary_opts])
            help_text = _cell(option.help or "")
            if option.required:
                help_text += " (obligatoire)"
            default = option.default
            if option.show_default and default not in (None, False, ()) and not callable(default):
                help_text += f" (par défaut : `{default}`)"
            lines.append(f"| {names} | {_kind(option)} | {help_text} |")
    if isinstance(command, click.Group):
        lines += ["", "Sous-commandes : " + ", ".join(f"`{n}`" for n in command.list_commands(context)) + "."]
    return "\n".join(lines)


def document() -> str:
    found = commands()
    index = " · ".join(f"[{name}](#guichet-{name.replace(' ', '-')})" for name, _ in found)
    return "\n\n".join([HEAD.rstrip(), index, *(section(name, command) for name, command in found)]) + "\n"


def main() -> int:
    wanted = document()
    if "--check" in sys.argv:
        if not TARGET.exists() or TARGET.read_text(encoding="utf-8") != wanted:
            print(f"{TARGET} n'est plus à jour : lancez make docs", file=sys.stderr)
            return 1
        return 0
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    TARGET.write_text(wanted, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
