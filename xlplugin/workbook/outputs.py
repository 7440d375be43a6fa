"""Where a command may write a file it produces (``--output``): never over the workbook being worked on, a
received file, nor a tracking workbook; over another existing file only when the agent says ``--force``.

Light on purpose (no workbook library): ``guichet validate --output`` checks it too.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Iterable
from pathlib import Path

from xlplugin.errors import AgentError
from xlplugin.workbook import layout as L


class SaveRefused(AgentError, RuntimeError):
    """A file cannot be written now (open elsewhere, read-only, busy, not to be overwritten…); nothing was
    changed."""


def is_tracking_workbook(path: Path) -> bool:
    """Whether ``path`` is a workbook this tool built or completed (its workbook part names the marker)."""
    try:
        with zipfile.ZipFile(path) as archive:
            return L.MARKER.encode() in archive.read("xl/workbook.xml")
    except (OSError, KeyError, zipfile.BadZipFile):
        return False


def check_output(output: Path, *, force: bool, protected: Iterable[Path] = ()) -> None:
    """Refuse to write ``output`` over a file that must not be overwritten (see the module docstring)."""
    target = os.path.realpath(output)
    for path in protected:
        if target == os.path.realpath(path):
            raise SaveRefused(
                f"{output} est un fichier d'entrée de la commande : choisissez un autre fichier de sortie"
            )
    if not output.exists():
        return
    if is_tracking_workbook(output):
        raise SaveRefused(f"{output} est un classeur de suivi : il n'est jamais remplacé par un autre fichier")
    if not force:
        raise SaveRefused(f"{output} existe déjà : ajoutez --force pour le remplacer, ou choisissez un autre nom")
