"""The local log of every write to démarches-simplifiées, and the line the workbook's « Journal » gets.

Each write (an annotation set, a state changed, a file deposited) is one JSON line appended to the log
beside the sync state (``<dossier des reçus>.journal-ds.jsonl``): who (the system user and the
instructeur's e-mail), when, what was sent, and the API's answer. The token is never given to the journal,
so it cannot be written there.

:class:`WorkbookJournalLine` is what a command writes to the workbook's « Journal » sheet, whose columns are
date, agent, action, fichiers, détail.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from xlplugin.ds.jsonio import dumps

PARIS = ZoneInfo("Europe/Paris")
JOURNAL_SUFFIX = ".journal-ds.jsonl"


def system_user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError, ImportError):
        return "inconnu"


def default_journal_file(folder: Path) -> Path:
    """``…/recus`` → ``…/recus.journal-ds.jsonl`` (beside the folder: the intake never reads it)."""
    folder = folder.resolve()
    return folder.parent / f"{folder.name}{JOURNAL_SUFFIX}"


class Journal:
    """Appends one JSON line per write; each line is flushed to disk before the next write is sent."""

    def __init__(self, path: Path, instructeur_email: str | None = None, user: str | None = None) -> None:
        self.path = path
        self.instructeur_email = instructeur_email
        self.user = user or system_user()

    def __repr__(self) -> str:
        return f"Journal({str(self.path)!r})"

    def record(
        self,
        action: str,
        *,
        demarche: int,
        dossier: int | None,
        sent: Mapping[str, Any],
        answer: Mapping[str, Any],
        ok: bool,
        when: datetime | None = None,
    ) -> dict[str, Any]:
        entry = {
            "quand": (when or datetime.now(PARIS)).isoformat(timespec="seconds"),
            "utilisateur": self.user,
            "instructeur": self.instructeur_email,
            "action": action,
            "demarche": demarche,
            "dossier": dossier,
            "envoye": dict(sent),
            "reponse": dict(answer),
            "reussi": ok,
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8", newline="\n") as stream:
            stream.write(dumps(entry) + "\n")
            stream.flush()
            os.fsync(stream.fileno())
        return entry


@dataclass(frozen=True, slots=True)
class WorkbookJournalLine:
    """One line of the workbook's « Journal »: date, agent, action, fichiers, détail."""

    when: datetime
    agent: str
    action: str
    files: str
    detail: str

    def cells(self) -> list[str]:
        """The five cells in the sheet's order (the date as text, like the other lines of the sheet)."""
        return [self.when.strftime("%d/%m/%Y %H:%M"), self.agent, self.action, self.files, self.detail]
