"""Opening and saving the office's workbook without losing anything of it.

openpyxl drops the parts it does not understand when it saves an existing file: charts and images it did
not create, slicers, timelines, web extensions… ``save_workbook`` never lets that happen silently. It
refuses while Excel holds the file (its ``~$`` lock file), saves to a temporary file, compares the parts of
the two packages, and replaces the original only when nothing would be lost, after keeping a dated backup.
When something would be lost, the original stays untouched; the result may be written to another file.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import zipfile
from collections import Counter
from datetime import datetime
from pathlib import Path

from openpyxl.workbook import Workbook

from xlplugin.errors import AgentError

# What an agent's workbook may hold that a save must keep, by French name.
PART_KINDS: dict[str, re.Pattern[str]] = {
    "graphiques": re.compile(r"^xl/charts/chart\d+\.xml$"),
    "dessins et formes": re.compile(r"^xl/drawings/drawing\d+\.xml$"),
    "images": re.compile(r"^xl/media/"),
    "tableaux croisés dynamiques": re.compile(r"^xl/pivotTables/"),
    "caches de tableaux croisés": re.compile(r"^xl/pivotCache/pivotCacheDefinition"),
    "segments (slicers)": re.compile(r"^xl/slicers?/|^xl/slicerCaches/"),
    "chronologies": re.compile(r"^xl/timelines?/|^xl/timelineCaches/"),
    "commentaires": re.compile(r"^xl/(comments/)?comments?\d*\.xml$|^xl/threadedComments/"),
    "macros VBA": re.compile(r"^xl/vbaProject\.bin$"),
    "ruban personnalisé (customUI)": re.compile(r"^customUI/"),
    "compléments web": re.compile(r"^xl/webextensions/"),
    "contrôles de formulaire": re.compile(r"^xl/ctrlProps/|^xl/activeX/"),
    "tableaux Excel": re.compile(r"^xl/tables/table\d+\.xml$"),
    "connexions de données": re.compile(r"^xl/connections\.xml$"),
    "requêtes Power Query": re.compile(r"^customXml/|^xl/queryTables/"),
}
CUSTOM_UI_RELATION = "ui/extensibility"


class SaveRefused(AgentError, RuntimeError):
    """The save would lose part of the workbook, or Excel holds it; the original is untouched."""


class UnreadableWorkbook(AgentError, ValueError):
    """The file given as the tracking workbook is not a workbook openpyxl can read."""


def lock_file(path: Path) -> Path:
    """Excel's lock file of an open workbook: ``~$name.xlsx`` beside it."""
    return path.with_name(f"~${path.name}")


def check_not_open(path: Path) -> None:
    if lock_file(path).exists():
        raise SaveRefused(
            f"{path.name} est ouvert dans Excel (fichier de verrou {lock_file(path).name}) : fermez-le, puis "
            "relancez la commande"
        )


def open_workbook(path: Path) -> Workbook:
    """The workbook, with its macros and ribbon kept (``.xlsm``); a workbook open in Excel is refused."""
    from openpyxl import load_workbook

    check_not_open(path)
    try:
        return load_workbook(path, keep_vba=path.suffix.lower() in (".xlsm", ".xltm"), rich_text=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise UnreadableWorkbook(f"{path} n'est pas un classeur lisible ({type(exc).__name__} : {exc})") from None


def package_parts(path: Path) -> Counter[str]:
    """How many parts of each kind the package holds, and whether its ribbon is still referenced."""
    counts: Counter[str] = Counter()
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        for name in names:
            for kind, pattern in PART_KINDS.items():
                if pattern.search(name):
                    counts[kind] += 1
        if "_rels/.rels" in names and CUSTOM_UI_RELATION in archive.read("_rels/.rels").decode("utf-8", "replace"):
            counts["lien du ruban personnalisé"] += 1
    return counts


def lost_parts(before: Counter[str], after: Counter[str]) -> dict[str, int]:
    return {kind: count - after.get(kind, 0) for kind, count in before.items() if after.get(kind, 0) < count}


def describe(lost: dict[str, int]) -> str:
    return ", ".join(f"{count} {kind}" for kind, count in sorted(lost.items()))


def backup_path(path: Path, now: datetime) -> Path:
    """A backup name that no earlier backup has taken: ``suivi.sauvegarde-20261126-170023.xlsx``."""
    candidate = path.with_name(f"{path.stem}.sauvegarde-{now:%Y%m%d-%H%M%S}{path.suffix}")
    counter = 2
    while candidate.exists():
        candidate = path.with_name(f"{path.stem}.sauvegarde-{now:%Y%m%d-%H%M%S}-{counter}{path.suffix}")
        counter += 1
    return candidate


def save_workbook(
    workbook: Workbook, path: Path, *, output: Path | None = None, now: datetime | None = None
) -> tuple[Path, Path | None, dict[str, int]]:
    """Save ``workbook`` (loaded from ``path``) without losing any part of ``path``.

    Returns (where it was written, the backup of the previous file, what the written file lacks). Without
    ``output``: refuses (``SaveRefused``) when a part would be lost, else keeps a dated backup of ``path``
    and replaces it. With ``output``: writes there, never touching ``path``, and reports what is lost.
    """
    now = now or datetime.now()
    target = output or path
    check_not_open(path)
    if output is not None:
        check_not_open(output)
    before = package_parts(path)
    handle, name = tempfile.mkstemp(prefix=f".{target.stem}-", suffix=target.suffix, dir=target.parent)
    os.close(handle)
    temporary = Path(name)
    try:
        workbook.save(temporary)
        lost = lost_parts(before, package_parts(temporary))
        if lost and output is None:
            raise SaveRefused(
                f"l'enregistrement perdrait une partie du classeur ({describe(lost)}) : {path.name} n'a pas été "
                "modifié. Écrivez le résultat dans un autre fichier avec --output, ou retirez ces éléments."
            )
        backup = None
        try:
            if output is None:
                backup = backup_path(path, now)
                shutil.copy2(path, backup)
            os.replace(temporary, target)
        except OSError as exc:  # Windows refuses to replace a file another program holds open
            raise SaveRefused(
                f"{target.name} n'a pas pu être remplacé ({exc.strerror or exc}) : est-il ouvert dans un autre "
                "programme ? Le classeur d'origine n'a pas été modifié."
            ) from None
        return target, backup, lost
    finally:
        temporary.unlink(missing_ok=True)
