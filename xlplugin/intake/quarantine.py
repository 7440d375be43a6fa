"""Copying aside (« quarantaine ») the received files that are invalid or hold an invalid dossier, never
moving nor changing the originals."""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path

from xlplugin.intake.pipeline import FileResult


def copy_invalid(results: Iterable[FileResult], folder: Path) -> list[tuple[Path, Path]]:
    """Copy each invalid file into ``folder`` without overwriting anything there; returns (original, copy)."""
    folder.mkdir(parents=True, exist_ok=True)
    copied = []
    for result in results:
        if result.complete or not result.path.is_file():
            continue
        target = folder / result.path.name
        counter = 1
        while target.exists():
            target = folder / f"{result.path.stem}-{counter}{result.path.suffix}"
            counter += 1
        shutil.copy2(result.path, target)
        copied.append((result.path, target))
    return copied
