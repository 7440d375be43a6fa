"""The local log of every write to démarches-simplifiées, and the line the workbook's « Journal » gets.

Each write (an annotation set, a state changed, a file deposited) is one JSON line appended to the log
beside the sync state (``<dossier des reçus>.journal-ds.jsonl``): who (the system user and the
instructeur's e-mail), when, what was sent, and the API's answer — what the platform holds once the write
is over, read back when its answer was lost. The token is never given to the journal; and since an answer
may quote it (a server echoing the request's headers), every text of a line goes through ``redact`` (the
client's :meth:`~xlplugin.ds.client.DsClient.redact`) before it is written.

:class:`WorkbookJournalLine` is what a command writes to the workbook's « Journal » sheet, whose columns are
date, agent, action, fichiers, détail.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable, Mapping
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

    def __init__(
        self,
        path: Path,
        instructeur_email: str | None = None,
        user: str | None = None,
        redact: Callable[[str], str] | None = None,
    ) -> None:
        self.path = path
        self.instructeur_email = instructeur_email
        self.user = user or system_user()
        self._redact = redact

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
        instructeur: str | None = None,
    ) -> dict[str, Any]:
        """Appends one line; ``instructeur``: who wrote, when not the journal's instructeur (another groupe)."""
        entry = {
            "quand": (when or datetime.now(PARIS)).isoformat(timespec="seconds"),
            "utilisateur": self.user,
            "instructeur": instructeur or self.instructeur_email,
            "action": action,
            "demarche": demarche,
            "dossier": dossier,
            "envoye": dict(sent),
            "reponse": dict(answer),
            "reussi": ok,
        }
        if self._redact is not None:
            entry = _redacted(entry, self._redact)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8", newline="\n") as stream:
            stream.write(dumps(entry) + "\n")
            stream.flush()
            os.fsync(stream.fileno())
        return entry


def _redacted(value: Any, redact: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {redact(str(k)): _redacted(v, redact) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_redacted(v, redact) for v in value]
    return value


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
