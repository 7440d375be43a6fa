"""Fetching a démarche's dossiers into the folder of received files, incrementally and resumably.

``sync(client, demarche, folder)`` asks for the dossiers page by page (100 a page) with ``updatedSince``
and the cursor saved in a small state file beside the folder (``<dossier>.synchro-ds``, JSON). With
``updatedSince`` the API orders dossiers by (date of last update, id), so the cursor of the last page
seen is a safe resume point: after an interruption the next run continues from it, and a later run only
receives what changed since (the approach of the State's DETR/DSIL tool, which keeps ``updatedSince``
fixed and the cursor across syncs). Each dossier is written as one JSON file, the node exactly as the API
returns it for ``templates/ds-query.graphql`` — what ``guichet validate`` and ``guichet import`` read. A
dossier that changed is written as a new version (``dossier-N.v2.json``), never over the previous file.
Deleted dossiers (``deletedDossiers``) and dossiers awaiting deletion (``pendingDeletedDossiers``) are
recorded in the state and listed in every report: nothing disappears silently. Files and state are
written atomically, and the state after each page.

Vocabulary: « reçus » is the folder of received files; a « version » is one content of a dossier.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from xlplugin.ds.client import DsClient
from xlplugin.ds.errors import ApiError, ConfigurationError, DsError
from xlplugin.ds.journal import WorkbookJournalLine
from xlplugin.ds.jsonio import fingerprint, read_json, write_json_atomic
from xlplugin.ds.operations import (
    DELETED_QUERY,
    DEMARCHE_INFO_QUERY,
    GET_DELETED,
    GET_DEMARCHE_INFO,
    GET_DOSSIERS,
    GET_PENDING_DELETED,
    PENDING_DELETED_QUERY,
    dossiers_query,
)
from xlplugin.ds.words import DELETION_REASONS, count, date_label, state_label
from xlplugin.intake.versions import file_name, versions_on_disk

PAGE_SIZE = 100
STATE_SUFFIX = ".synchro-ds"
STATE_FORMAT = 1


def default_state_file(folder: Path) -> Path:
    """``…/recus`` → ``…/recus.synchro-ds``: beside the folder, and not a ``.json`` the intake would read."""
    folder = folder.resolve()
    return folder.parent / f"{folder.name}{STATE_SUFFIX}"


# -- the state file


@dataclass(slots=True)
class SyncState:
    """What a sync remembers between runs (the state file's JSON)."""

    demarche: int
    updated_since: str | None = None
    cursor: str | None = None
    deleted_cursor: str | None = None
    pending_deleted_cursor: str | None = None
    in_progress: bool = False
    started_at: str | None = None
    completed_at: str | None = None
    versions: dict[str, dict[str, Any]] = field(default_factory=dict)
    deleted: dict[str, dict[str, Any]] = field(default_factory=dict)
    pending_deleted: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": STATE_FORMAT,
            "demarche": self.demarche,
            "updated_since": self.updated_since,
            "cursor": self.cursor,
            "deleted_cursor": self.deleted_cursor,
            "pending_deleted_cursor": self.pending_deleted_cursor,
            "in_progress": self.in_progress,
            "started_at": self.started_at,
            "completed_at": self.completed_at,
            "versions": self.versions,
            "deleted": self.deleted,
            "pending_deleted": self.pending_deleted,
        }

    @classmethod
    def from_json(cls, data: Any, path: Path) -> SyncState:
        if (
            not isinstance(data, dict)
            or data.get("format") != STATE_FORMAT
            or not isinstance(data.get("demarche"), int)
        ):
            raise ConfigurationError(
                f"le fichier d'état {path} n'a pas la forme attendue : s'il a été modifié à la main, remettez-le "
                "ou supprimez-le (la prochaine synchronisation reprendra tout, sans écraser aucun fichier)"
            )
        return cls(
            demarche=data["demarche"],
            updated_since=data.get("updated_since"),
            cursor=data.get("cursor"),
            deleted_cursor=data.get("deleted_cursor"),
            pending_deleted_cursor=data.get("pending_deleted_cursor"),
            in_progress=bool(data.get("in_progress")),
            started_at=data.get("started_at"),
            completed_at=data.get("completed_at"),
            versions=dict(data.get("versions") or {}),
            deleted=dict(data.get("deleted") or {}),
            pending_deleted=dict(data.get("pending_deleted") or {}),
        )


def load_state(path: Path) -> SyncState | None:
    if not path.exists():
        return None
    try:
        data = read_json(path)
    except ValueError:
        raise ConfigurationError(
            f"le fichier d'état {path} est illisible : supprimez-le (la prochaine synchronisation reprendra tout, "
            "sans écraser aucun fichier)"
        ) from None
    return SyncState.from_json(data, path)


def save_state(path: Path, state: SyncState) -> None:
    write_json_atomic(path, state.to_json())


# -- the report


@dataclass(frozen=True, slots=True)
class DeletedDossier:
    """A dossier deleted on démarches-simplifiées (``pending``: in the bin, not yet deleted for good)."""

    number: int
    state: str | None
    reason: str | None
    date: str | None
    pending: bool

    def text(self) -> str:
        what = "mis à la corbeille" if self.pending else "supprimé"
        reason = DELETION_REASONS.get(self.reason or "", self.reason or "raison non donnée")
        return (
            f"dossier {self.number} {what} le {date_label(self.date)} ({reason} ; il était {state_label(self.state)})"
        )

    @classmethod
    def from_record(cls, number: int, record: dict[str, Any], pending: bool) -> DeletedDossier:
        return cls(number, record.get("state"), record.get("reason"), record.get("date"), pending)


@dataclass(frozen=True, slots=True)
class SyncProgress:
    """Given to the ``progress`` callback after each page."""

    page: int
    fetched: int
    has_next: bool


@dataclass(slots=True)
class SyncReport:
    """What a sync did; ``text()`` is the French summary, ``journal_line()`` the workbook's « Journal » line."""

    demarche: int
    title: str
    folder: Path
    state_file: Path
    resumed: bool = False
    first: bool = False
    complete: bool = False
    pages: int = 0
    fetched: int = 0
    new: list[int] = field(default_factory=list)
    changed: list[tuple[int, int]] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    deleted: list[DeletedDossier] = field(default_factory=list)
    known_deleted: list[DeletedDossier] = field(default_factory=list)
    requests: int = 0

    def text(self) -> str:
        lines = [f"Démarche {self.demarche} — {self.title}" if self.title else f"Démarche {self.demarche}"]
        how = (
            "reprise d'une synchronisation interrompue"
            if self.resumed
            else (
                "première synchronisation" if self.first else "synchronisation des changements depuis la dernière fois"
            )
        )
        lines.append(
            f"{how.capitalize()} : {count(self.fetched, 'dossier reçu', 'dossiers reçus')} "
            f"en {count(self.pages, 'page')}."
        )
        lines.append(
            f"Nouveaux : {len(self.new)} · modifiés (nouvelle version) : {len(self.changed)} · "
            f"inchangés : {len(self.unchanged)} · fichiers écrits dans {self.folder} : {len(self.files)}"
        )
        if self.changed:
            lines.append(
                "Nouvelles versions : " + ", ".join(f"{number} (version {version})" for number, version in self.changed)
            )
        lines.extend(f"Attention : {problem}" for problem in self.problems)
        if self.deleted:
            lines.append(
                f"Supprimés sur démarches-simplifiées depuis la dernière synchronisation ({len(self.deleted)}) :"
            )
            lines.extend(f"  - {d.text()}" for d in self.deleted)
        if self.known_deleted:
            numbers = ", ".join(str(d.number) for d in self.known_deleted)
            lines.append(
                "Dossiers supprimés ou à la corbeille sur démarches-simplifiées "
                f"({len(self.known_deleted)}) : {numbers}. Leurs fichiers restent dans le dossier des reçus "
                "et leurs lignes dans le classeur : à traiter par un agent."
            )
        if not self.complete:
            lines.append("La synchronisation n'est pas allée au bout : relancez la même commande pour la terminer.")
        return "\n".join(lines)

    def journal_line(self, agent: str, when: datetime) -> WorkbookJournalLine:
        detail = (
            f"{count(self.fetched, 'dossier reçu', 'dossiers reçus')} : {len(self.new)} nouveaux, "
            f"{len(self.changed)} modifiés, {len(self.unchanged)} inchangés ; "
            f"{count(len(self.deleted), 'suppression signalée', 'suppressions signalées')}"
        )
        if self.deleted:
            detail += " (" + ", ".join(str(d.number) for d in self.deleted) + ")"
        if not self.complete:
            detail += " ; interrompue"
        return WorkbookJournalLine(
            when, agent, f"Synchronisation démarches-simplifiées (démarche {self.demarche})", str(self.folder), detail
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "demarche": self.demarche,
            "complete": self.complete,
            "reprise": self.resumed,
            "pages": self.pages,
            "recus": self.fetched,
            "nouveaux": self.new,
            "modifies": [{"numero": n, "version": v} for n, v in self.changed],
            "inchanges": len(self.unchanged),
            "fichiers": [str(p) for p in self.files],
            "supprimes": [d.number for d in self.deleted],
            "supprimes_connus": [
                {"numero": d.number, "corbeille": d.pending, "date": d.date, "raison": d.reason}
                for d in self.known_deleted
            ],
            "problemes": self.problems,
        }


class SyncInterrupted(DsError):
    """A sync stopped on the way; what it fetched is saved, and ``report`` says what that is."""

    def __init__(self, message: str, report: SyncReport) -> None:
        super().__init__(message)
        self.report = report


# -- the sync


def sync(
    client: DsClient,
    demarche: int,
    folder: Path,
    progress: Callable[[SyncProgress], None] | None = None,
    *,
    state_file: Path | None = None,
    page_size: int = PAGE_SIZE,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> SyncReport:
    """Brings ``folder`` up to date with démarche ``demarche``; see the module's docstring."""
    folder = Path(folder)
    state_path = state_file or default_state_file(folder)
    state = load_state(state_path)
    if state is not None and state.demarche != demarche:
        raise ConfigurationError(
            f"le dossier {folder} est synchronisé avec la démarche {state.demarche} (voir {state_path}) : "
            f"prenez un autre dossier pour la démarche {demarche}"
        )
    info = client.query(DEMARCHE_INFO_QUERY, GET_DEMARCHE_INFO, {"demarcheNumber": demarche})["demarche"]
    folder.mkdir(parents=True, exist_ok=True)
    if state is None:
        # The démarche's creation date: every dossier is updated after it, and the order is by update.
        state = SyncState(demarche=demarche, updated_since=info.get("dateCreation") or "2000-01-01T00:00:00Z")
    report = SyncReport(
        demarche=demarche,
        title=str(info.get("title") or ""),
        folder=folder,
        state_file=state_path,
        resumed=state.in_progress and state.cursor is not None,
        first=state.completed_at is None,
    )
    requests_before = client.requests
    state.in_progress = True
    state.started_at = now().isoformat(timespec="seconds")
    save_state(state_path, state)
    try:
        _dossiers(client, state, state_path, folder, report, page_size, progress)
        _deletions(client, state, state_path, report, page_size, pending=False)
        _deletions(client, state, state_path, report, page_size, pending=True)
    except DsError as exc:
        report.requests = client.requests - requests_before
        report.known_deleted = _known_deleted(state)
        raise SyncInterrupted(
            f"{exc}. Synchronisation interrompue : {count(report.fetched, 'dossier reçu', 'dossiers reçus')} en "
            f"{count(report.pages, 'page')} avant "
            f"l'arrêt ({len(report.new)} nouveaux, {len(report.changed)} modifiés), déjà enregistrés dans {folder} ; "
            "relancez la même commande : elle reprendra là où elle s'est arrêtée",
            report,
        ) from None
    state.in_progress = False
    state.completed_at = now().isoformat(timespec="seconds")
    save_state(state_path, state)
    report.complete = True
    report.requests = client.requests - requests_before
    report.known_deleted = _known_deleted(state)
    return report


def _dossiers(
    client: DsClient,
    state: SyncState,
    state_path: Path,
    folder: Path,
    report: SyncReport,
    page_size: int,
    progress: Callable[[SyncProgress], None] | None,
) -> None:
    query = dossiers_query()
    while True:
        variables = {
            "demarcheNumber": state.demarche,
            "first": page_size,
            "after": state.cursor,
            "updatedSince": state.updated_since,
        }
        connection = _connection(client.query(query, GET_DOSSIERS, variables), "dossiers")
        nodes = [node for node in connection.get("nodes") or [] if node is not None]
        for node in nodes:
            _store(node, state, folder, report)
        report.fetched += len(nodes)
        report.pages += 1
        page_info = connection.get("pageInfo") or {}
        # An empty page has no endCursor: keep the one we have, never go back to the start.
        if page_info.get("endCursor"):
            state.cursor = page_info["endCursor"]
        save_state(state_path, state)
        has_next = bool(page_info.get("hasNextPage")) and bool(nodes)
        if progress is not None:
            progress(SyncProgress(report.pages, report.fetched, has_next))
        if not has_next:
            return


def _store(node: Any, state: SyncState, folder: Path, report: SyncReport) -> None:
    number = node.get("number") if isinstance(node, dict) else None
    if not isinstance(number, int) or isinstance(number, bool):
        report.problems.append("l'API a renvoyé un dossier sans numéro : il est ignoré")
        return
    digest = fingerprint(node)
    key = str(number)
    entry = state.versions.get(key)
    if entry is not None and entry.get("fingerprint") == digest:
        report.unchanged.append(number)
        return
    # What the folder holds wins over the state: a file is never overwritten, and a page fetched again
    # after an interruption finds its files already written.
    on_disk = versions_on_disk(folder, number)
    latest = on_disk[-1] if on_disk else None
    if latest is not None and _fingerprint_of(latest[1]) == digest:
        previous = int(entry["version"]) if entry is not None else None
        state.versions[key] = _entry(latest[0], latest[1].name, digest, node)
        if previous is not None and latest[0] > previous:
            report.changed.append((number, latest[0]))
        else:
            report.unchanged.append(number)
        return
    version = max(latest[0] if latest else 0, int(entry["version"]) if entry else 0) + 1
    path = folder / file_name(number, version)
    write_json_atomic(path, node)
    state.versions[key] = _entry(version, path.name, digest, node)
    report.files.append(path)
    if version == 1:
        report.new.append(number)
    else:
        report.changed.append((number, version))


def _entry(version: int, name: str, digest: str, node: dict[str, Any]) -> dict[str, Any]:
    return {
        "version": version,
        "file": name,
        "fingerprint": digest,
        "modified": node.get("dateDerniereModification"),
        "state": node.get("state"),
    }


def _fingerprint_of(path: Path) -> str | None:
    try:
        return fingerprint(read_json(path))
    except (OSError, ValueError):
        return None


def _deletions(
    client: DsClient, state: SyncState, state_path: Path, report: SyncReport, page_size: int, *, pending: bool
) -> None:
    operation, query, field_name = (
        (GET_PENDING_DELETED, PENDING_DELETED_QUERY, "pendingDeletedDossiers")
        if pending
        else (GET_DELETED, DELETED_QUERY, "deletedDossiers")
    )
    records = state.pending_deleted if pending else state.deleted
    while True:
        cursor = state.pending_deleted_cursor if pending else state.deleted_cursor
        variables = {
            "demarcheNumber": state.demarche,
            "deletedSince": state.updated_since,
            "first": page_size,
            "after": cursor,
        }
        connection = _connection(client.query(query, operation, variables), field_name)
        nodes = [node for node in connection.get("nodes") or [] if isinstance(node, dict)]
        for node in nodes:
            number = node.get("number")
            if not isinstance(number, int) or str(number) in records:
                continue
            record = {
                "id": node.get("id"),
                "state": node.get("state"),
                "reason": node.get("reason"),
                "date": node.get("dateSupression"),
            }
            records[str(number)] = record
            report.deleted.append(DeletedDossier.from_record(number, record, pending))
        page_info = connection.get("pageInfo") or {}
        if page_info.get("endCursor"):
            if pending:
                state.pending_deleted_cursor = page_info["endCursor"]
            else:
                state.deleted_cursor = page_info["endCursor"]
        save_state(state_path, state)
        if not (page_info.get("hasNextPage") and nodes):
            return


def _connection(data: dict[str, Any], name: str) -> dict[str, Any]:
    demarche = data.get("demarche")
    connection = demarche.get(name) if isinstance(demarche, dict) else None
    if not isinstance(connection, dict):
        raise ApiError(f"la réponse de l'API ne contient pas la liste « {name} »")
    return connection


def known_deletions(folder: Path, state_file: Path | None = None) -> list[DeletedDossier]:
    """The dossiers deleted (or in the bin) on démarches-simplifiées that the syncs of ``folder`` recorded.

    For the intake and the import: their files stay in the folder, and their rows in the workbook must be
    pointed out to an agent, never silently kept as if nothing happened (nor dropped)."""
    state = load_state(state_file or default_state_file(folder))
    return _known_deleted(state) if state is not None else []


def _known_deleted(state: SyncState) -> list[DeletedDossier]:
    found = [DeletedDossier.from_record(int(n), r, False) for n, r in state.deleted.items()]
    found += [
        DeletedDossier.from_record(int(n), r, True) for n, r in state.pending_deleted.items() if n not in state.deleted
    ]
    return sorted(found, key=lambda d: d.number)
