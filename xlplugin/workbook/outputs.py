"""Where a command may write a file it produces (``--output``): never over the workbook being worked on, a
received file, nor a tracking workbook; over another existing file only when the agent says ``--force``; never
over what is not a regular file (``/dev/zero``, a named pipe: reading it to know what it is would never end,
and replacing a device is not writing a report).

Light on purpose (no workbook library): ``guichet validate --output`` checks it too.
"""

from __future__ import annotations

import os
import stat
import zipfile
from collections.abc import Iterable
from pathlib import Path

from xlplugin.errors import AgentError


class SaveRefused(AgentError, RuntimeError):
    """A file cannot be written now (open elsewhere, read-only, busy, not to be overwritten…); nothing was
    changed."""


def is_tracking_workbook(path: Path) -> bool:
    """Whether ``path`` is a workbook this tool built or completed (its workbook part names the marker); only a
    regular file is opened."""
    from xlplugin.workbook.layout import MARKER  # the layout loads the functions: only when a file is looked at

    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return False
        with zipfile.ZipFile(path) as archive:
            return MARKER.encode() in archive.read("xl/workbook.xml")
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
    if not output.is_file():
        raise SaveRefused(
            f"{output} n'est pas un fichier ordinaire (périphérique, tube, dossier…) : indiquez à --output le chemin "
            "d'un fichier"
        )
    if is_tracking_workbook(output):
        raise SaveRefused(f"{output} est un classeur de suivi : il n'est jamais remplacé par un autre fichier")
    if not force:
        raise SaveRefused(f"{output} existe déjà : ajoutez --force pour le remplacer, ou choisissez un autre nom")
