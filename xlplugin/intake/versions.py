"""Which received files are read: those named, those found in the folders named (``collect_paths``), and of
the files a sync writes, one per dossier and version, only the current one.

A dossier is written as ``dossier-<numéro>.json``; when it changes on démarches-simplifiées, the new
content goes to ``dossier-<numéro>.v2.json``, then ``.v3``…: a file once written is never overwritten.
The intake must read only the latest version of each number (:func:`latest_versions`); the older files
stay as the record of what the applicant sent.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

NAME = re.compile(r"^dossier-(\d+)(?:\.v(\d+))?\.json$")
SCANNED_SUFFIXES = (".json", ".xlsx", ".csv")


def file_name(number: int, version: int) -> str:
    """``dossier-21000101.json`` for the first version, ``dossier-21000101.v2.json`` after."""
    return f"dossier-{number}.json" if version == 1 else f"dossier-{number}.v{version}.json"


def parse_name(name: str) -> tuple[int, int] | None:
    """``(number, version)`` of a file named by a sync, else ``None``."""
    match = NAME.match(name)
    if match is None:
        return None
    version = int(match.group(2)) if match.group(2) else 1
    return int(match.group(1)), version


def versions_on_disk(folder: Path, number: int) -> list[tuple[int, Path]]:
    """The versions of a dossier present in ``folder``, oldest first."""
    found = []
    for path in folder.glob(f"dossier-{number}*.json"):
        parsed = parse_name(path.name)
        if parsed is not None and parsed[0] == number:
            found.append((parsed[1], path))
    return sorted(found)


def latest_versions(paths: Iterable[Path]) -> list[Path]:
    """``paths`` without the superseded versions of a dossier (same folder, same number, older version).

    Files not named by a sync pass through unchanged, in their order."""
    paths = list(paths)
    newest: dict[tuple[Path, int], int] = {}
    for path in paths:
        parsed = parse_name(path.name)
        if parsed is not None:
            key = (path.parent, parsed[0])
            newest[key] = max(newest.get(key, 0), parsed[1])
    kept = []
    for path in paths:
        parsed = parse_name(path.name)
        if parsed is None or newest[(path.parent, parsed[0])] == parsed[1]:
            kept.append(path)
    return kept


def superseded(paths: Iterable[Path]) -> list[Path]:
    """The files :func:`latest_versions` leaves out."""
    paths = list(paths)
    kept = set(latest_versions(paths))
    return [p for p in paths if p not in kept]


def collect_paths(inputs: Iterable[Path]) -> list[Path]:
    """Files named, and in folders (recursively, without following linked folders) the files whose name
    ends in .json, .xlsx or .csv. A named path that does not exist is kept: it will be reported. Of the
    versions of a dossier that ``guichet ds sync`` keeps (``dossier-N.json``, ``dossier-N.v2.json``…), only
    the latest is read: the older ones stay as the record of what was received."""
    return latest_versions(collect_all(inputs))


def collect_all(inputs: Iterable[Path]) -> list[Path]:
    """``collect_paths`` with the older versions of a dossier too (once each)."""
    found: list[Path] = []
    for path in inputs:
        if path.is_dir():
            for root, dirs, files in os.walk(path, followlinks=False):
                dirs.sort()
                found.extend(Path(root) / name for name in sorted(files) if name.lower().endswith(SCANNED_SUFFIXES))
        else:
            found.append(path)
    return list(dict.fromkeys(found))
