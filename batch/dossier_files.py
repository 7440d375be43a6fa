"""Reading the project's dossier JSON files, file by file, without stopping at the first bad one.

Numbers are parsed as ``Decimal`` from their text (``parse_float=Decimal``): a JSON amount such as
``12400.5`` never passes through a float.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from xlplugin.rules import Dossier, DossierError, Reglement, read_dossier
from xlplugin.rules.schema_messages import Problem


@dataclass(frozen=True, slots=True)
class FileReport:
    """What came out of one file: its dossiers, or the problems that stopped it."""

    path: Path
    dossiers: tuple[Dossier, ...] = ()
    problems: tuple[Problem, ...] = field(default=())
    numero: int | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def read_dossier_file(path: Path, reglement: Reglement) -> FileReport:
    """Read one dossier JSON file; every problem is reported with its JSON pointer."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return FileReport(path, problems=(Problem("", "fichier introuvable ; vérifiez le chemin"),))
    except IsADirectoryError:
        return FileReport(path, problems=(Problem("", "c'est un dossier, pas un fichier"),))
    except UnicodeDecodeError:
        return FileReport(path, problems=(Problem("", "le fichier n'est pas en UTF-8 ; réenregistrez-le en UTF-8"),))
    except OSError as exc:
        return FileReport(path, problems=(Problem("", f"fichier illisible : {exc.strerror}"),))
    try:
        document = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        message = f"JSON invalide à la ligne {exc.lineno}, colonne {exc.colno} : {exc.msg}"
        return FileReport(path, problems=(Problem("", message),))
    except RecursionError:
        return FileReport(path, problems=(Problem("", "JSON trop profondément imbriqué"),))
    try:
        dossier = read_dossier(document, reglement)
    except DossierError as exc:
        return FileReport(path, problems=tuple(exc.problems), numero=exc.numero)
    return FileReport(path, dossiers=(dossier,), numero=dossier.number)


def read_dossier_files(paths: Iterable[Path], reglement: Reglement) -> list[FileReport]:
    """Read every file; one bad file never stops the others."""
    return [read_dossier_file(path, reglement) for path in paths]
