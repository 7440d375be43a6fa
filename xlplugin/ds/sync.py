"""Fetching a démarche's dossiers into the folder of received files, incrementally and resumably.

``sync(client, demarche, folder)`` asks for the dossiers page by page (100 a page) with ``updatedSince``
and the cursor saved in a small state file beside the folder (``<dossier>.synchro-ds``, JSON). With
``updatedSince`` the API orders dossiers by (date of last update, id), so the cursor of the last page
seen is a safe resume point: after an interruption the next run continues from it, and a later run only
receives what changed since (the approach of the State's DETR/DSIL tool, which keeps ``updatedSince``
fixed and the cursor across syncs). Each dossier is written as one JSON file, the node exactly as the API
returns it for ``templates/ds-query.graphql`` — what ``guichet validate`` and ``guichet import`` read. A
dossier that changed is written as a new version (``dossier-N.v2.json``), never over the previous file.
Files and state are written atomically, and the state after each page. The office's own writes (``guichet ds
annoter`` and ``ds decider``, or an instructor in the platform's interface) change a dossier too: a new version
whose only differences from the previous one are in the private annotations and the instruction's state and
decision (``OFFICE_FIELDS``) is kept all the same — it is what the platform holds — and counted apart, so that
the report does not read as if the applicants had changed their dossiers.

One bad dossier never stops the others: when the platform cannot build a dossier (partial data, an
``invalid_null`` error whose path points into the page), the rest of the page is kept, the dossier is
named with the field and what the platform said, and it is asked for again, alone, at every sync until it
comes.

Deletions are reported as they are now. ``deletedDossiers`` is a log, read from its saved cursor;
``pendingDeletedDossiers`` (the bin) is read whole every time, since a dossier leaves it: restored (it is
back among the dossiers, and leaves the deletion list), or purged — then it is in ``deletedDossiers``, but
dated from when it was binned (``app/models/deleted_dossier.rb``), before the saved cursor, so it is looked
for there from that date. The bin's list is optional: on a very large démarche it may time out; that is
reported, and the sync completes without it.

Bounds (``max_pages``, ``max_seconds``; the command's ``--pages-max`` and ``--duree-max``): a run asks for
at most so many pages and stops after so long, saying so; the next run continues where it stopped. A cursor
that comes back, or a next page announced without a cursor, stops the run at once (the platform never does
either: ``app/graphql/connections/cursor_connection.rb``).

Vocabulary: « reçus » is the folder of received files; a « version » is one content of a dossier.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from xlplugin.ds.client import DsClient, FieldError
from xlplugin.ds.errors import AccessError, ApiError, AuthError, ConfigurationError, DsError, NetworkError
from xlplugin.ds.journal import WorkbookJournalLine
from xlplugin.ds.jsonio import fingerprint, read_json, write_json_atomic
from xlplugin.ds.operations import (
    DELETED_QUERY,
    DEMARCHE_INFO_QUERY,
    DOSSIER_INSTRUCTION_QUERY,
    DOSSIER_NUMBERS_QUERY,
    GET_DELETED,
    GET_DEMARCHE_INFO,
    GET_DOSSIER_INSTRUCTION,
    GET_DOSSIER_NUMBERS,
    GET_DOSSIERS,
    GET_PENDING_DELETED,
    PENDING_DELETED_QUERY,
    dossiers_query,
)
from xlplugin.ds.words import count, date_label, reason_label, seconds_label, shown, state_label
from xlplugin.intake.versions import file_name, versions_on_disk

PAGE_SIZE = 100
MAX_PAGES = 1000  # a run: 100 000 dossiers
MAX_SECONDS = 30 * 60.0
STATE_SUFFIX = ".synchro-ds"
STATE_FORMAT = 1
GET_DOSSIER = "getDossier"  # in templates/ds-query.graphql: one dossier, the same node as in a page
# What the office changes in a dossier (its annotations, the instruction's state and decision), and the date of
# the last change, which every change moves: the rest is the applicant's dossier (or the platform's).
OFFICE_FIELDS = frozenset(
    {
        "annotations",
        "dateDerniereModificationAnnotations",
        "state",
        "datePassageEnInstruction",
        "dateTraitement",
        "motivation",
        "dateDerniereModification",
    }
)


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
    pending_deleted_cursor: str | None = None  # no longer used: the bin is read whole
    in_progress: bool = False
    started_at: str | None = None
    completed_at: str | None = None
    versions: dict[str, dict[str, Any]] = field(default_factory=dict)
    deleted: dict[str, dict[str, Any]] = field(default_factory=dict)
    pending_deleted: dict[str, dict[str, Any]] = field(default_factory=dict)
    unreadable: dict[str, dict[str, Any]] = field(default_factory=dict)  # dossiers the platform could not give

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
            "unreadable": self.unreadable,
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
            unreadable=dict(data.get("unreadable") or {}),
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
        return (
            f"dossier {self.number} {what} le {date_label(self.date)} ({reason_label(self.reason)} ; il était "
            f"{state_label(self.state)})"
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
    office_only: list[int] = field(default_factory=list)  # of ``changed``: only the office's fields differ
    unchanged: list[int] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    unreadable: list[int] = field(default_factory=list)
    deleted: list[DeletedDossier] = field(default_factory=list)
    restored: list[int] = field(default_factory=list)
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
        office = (
            f", dont {len(self.office_only)} changés seulement par les annotations ou les décisions du bureau"
            if self.office_only
            else ""
        )
        lines.append(
            f"Nouveaux : {len(self.new)} · modifiés (nouvelle version) : {len(self.changed)}{office} · "
            f"inchangés : {len(self.unchanged)} · fichiers écrits dans {self.folder} : {len(self.files)}"
        )
        by_office = set(self.office_only)
        for label, versions in (
            ("Nouvelles versions", [(n, v) for n, v in self.changed if n not in by_office]),
            (
                "Nouvelles versions, annotations ou décisions du bureau seules",
                [(n, v) for n, v in self.changed if n in by_office],
            ),
        ):
            if versions:
                lines.append(f"{label} : " + ", ".join(f"{number} (version {version})" for number, version in versions))
        lines.extend(f"Attention : {problem}" for problem in self.problems)
        if self.deleted:
            lines.append(
                f"Supprimés sur démarches-simplifiées depuis la dernière synchronisation ({len(self.deleted)}) :"
            )
            lines.extend(f"  - {d.text()}" for d in self.deleted)
        if self.restored:
            lines.append(f"Sortis de la corbeille sur démarches-simplifiées ({len(self.restored)}) :")
            lines.extend(
                f"  - dossier {n} : sorti de la corbeille (restauré) ; il n'est plus compté parmi les supprimés"
                for n in self.restored
            )
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
        office = f" (dont {len(self.office_only)} par le bureau seul)" if self.office_only else ""
        detail = (
            f"{count(self.fetched, 'dossier reçu', 'dossiers reçus')} : {len(self.new)} nouveaux, "
            f"{len(self.changed)} modifiés{office}, {len(self.unchanged)} inchangés ; "
            f"{count(len(self.deleted), 'suppression signalée', 'suppressions signalées')}"
        )
        if self.deleted:
            detail += " (" + ", ".join(str(d.number) for d in self.deleted) + ")"
        if self.restored:
            detail += " ; sortis de la corbeille : " + ", ".join(map(str, self.restored))
        if self.unreadable:
            detail += " ; non donnés par la plateforme : " + ", ".join(map(str, self.unreadable))
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
            "modifies_par_le_bureau_seul": self.office_only,
            "inchanges": len(self.unchanged),
            "fichiers": [str(p) for p in self.files],
            "illisibles": self.unreadable,
            "supprimes": [d.number for d in self.deleted],
            "restaures": self.restored,
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


class _Bound(Exception):
    """A bound of the run was reached: stop there, the state saved, the next run continues."""


@dataclass(slots=True)
class _Run:
    """One run: the client, what it has asked for, and its bounds."""

    client: DsClient
    state: SyncState
    state_path: Path
    folder: Path
    report: SyncReport
    page_size: int
    max_pages: int
    max_seconds: float
    clock: Callable[[], float]
    deadline: float = 0.0
    asked: int = 0
    requests_before: int = 0
    seen: set[int] = field(default_factory=set)  # dossiers received in this run
    set_aside: set[int] = field(default_factory=set)  # dossiers a page of this run could not give

    def next_page(self) -> None:
        """Called before every page asked for, of any list (the report counts the pages of dossiers only)."""
        if self.asked >= self.max_pages:
            raise _Bound(f"la synchronisation s'arrête après {count(self.max_pages, 'page')} (limite --pages-max)")
        if self.clock() > self.deadline:
            raise _Bound(f"la synchronisation s'arrête après {seconds_label(self.max_seconds)} (limite --duree-max)")
        self.asked += 1

    def save(self) -> None:
        save_state(self.state_path, self.state)


# -- the sync


def sync(
    client: DsClient,
    demarche: int,
    folder: Path,
    progress: Callable[[SyncProgress], None] | None = None,
    *,
    state_file: Path | None = None,
    page_size: int = PAGE_SIZE,
    max_pages: int = MAX_PAGES,
    max_seconds: float = MAX_SECONDS,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    clock: Callable[[], float] = time.monotonic,
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
    if not isinstance(info, dict):
        raise ApiError(f"l'API n'a pas décrit la démarche {demarche}")
    folder.mkdir(parents=True, exist_ok=True)
    if state is None:
        # The démarche's creation date: every dossier is updated after it, and the order is by update.
        created = info.get("dateCreation")
        state = SyncState(
            demarche=demarche, updated_since=created if isinstance(created, str) else "2000-01-01T00:00:00Z"
        )
    report = SyncReport(
        demarche=demarche,
        title=shown(info.get("title") or ""),
        folder=folder,
        state_file=state_path,
        resumed=state.in_progress and state.cursor is not None,
        first=state.completed_at is None,
    )
    run = _Run(client, state, state_path, folder, report, page_size, max_pages, max_seconds, clock)
    run.deadline = clock() + max_seconds
    run.requests_before = client.requests
    state.in_progress = True
    state.started_at = now().isoformat(timespec="seconds")
    run.save()
    try:
        _dossiers(run, progress)
        _unreadable_again(run)
        _deletions(run)
        _bin(run)
    except _Bound as bound:
        raise _interrupted(
            run, str(bound), "relancez la même commande pour continuer : elle reprendra là où elle s'est arrêtée"
        ) from None
    except DsError as exc:
        raise _interrupted(
            run, str(exc), "relancez la même commande : elle reprendra là où elle s'est arrêtée"
        ) from None
    state.in_progress = False
    state.completed_at = now().isoformat(timespec="seconds")
    run.save()
    report.complete = True
    report.requests = client.requests - run.requests_before
    report.known_deleted = _known_deleted(state)
    report.unreadable = sorted(int(n) for n in state.unreadable)
    return report


def _interrupted(run: _Run, why: str, what_to_do: str) -> SyncInterrupted:
    report = run.report
    report.requests = run.client.requests - run.requests_before
    report.known_deleted = _known_deleted(run.state)
    report.unreadable = sorted(int(n) for n in run.state.unreadable)
    return SyncInterrupted(
        f"{why}. Synchronisation interrompue : {count(report.fetched, 'dossier reçu', 'dossiers reçus')} en "
        f"{count(report.pages, 'page')} avant l'arrêt ({len(report.new)} nouveaux, {len(report.changed)} modifiés), "
        f"déjà enregistrés dans {run.folder} ; {what_to_do}",
        report,
    )


def next_cursor(page_info: Any, nodes: int, asked: str | None, seen: set[str], what: str) -> str | None:
    """The cursor of the next page, or None when this one was the last; a cursor that comes back, or a next
    page announced without one, is an error (the platform never does either)."""
    info = page_info if isinstance(page_info, dict) else {}
    end = info.get("endCursor")
    end = end if isinstance(end, str) and end else None
    if not (info.get("hasNextPage") and nodes):
        return None
    if end is None:
        raise ApiError(
            f"démarches-simplifiées annonce une page suivante sans curseur pour la demander ({what}) : la "
            "synchronisation s'arrête là pour ne pas redemander sans fin la même page ; si cela se répète, "
            "vérifiez l'adresse de l'API (--api) ou signalez-le au support de démarches-simplifiées"
        )
    if end == asked or end in seen:
        raise ApiError(
            f"démarches-simplifiées renvoie un curseur de page déjà vu ({what}) : la synchronisation s'arrête là "
            "pour ne pas tourner en rond ; si cela se répète, vérifiez l'adresse de l'API (--api) ou signalez-le au "
            "support de démarches-simplifiées"
        )
    seen.add(end)
    return end


def _dossiers(run: _Run, progress: Callable[[SyncProgress], None] | None) -> None:
    state, report = run.state, run.report
    query = dossiers_query()
    seen = {state.cursor} if state.cursor else set()
    while True:
        run.next_page()
        variables = {
            "demarcheNumber": state.demarche,
            "first": run.page_size,
            "after": state.cursor,
            "updatedSince": state.updated_since,
        }
        data, errors = run.client.query_partial(query, GET_DOSSIERS, variables)
        report.pages += 1
        connection = _connection(data, "dossiers")
        raw = connection.get("nodes") or []
        if not isinstance(raw, list):
            raise ApiError("la réponse de l'API ne contient pas la liste « dossiers »")
        bad = _bad_positions(errors, ("demarche", "dossiers", "nodes"))
        for index, node in enumerate(raw):
            if isinstance(node, dict) and index not in bad:
                _store(node, state, run.folder, report)
                if isinstance(node.get("number"), int):
                    run.seen.add(node["number"])
                    state.unreadable.pop(str(node["number"]), None)
        if bad:
            _set_aside(run, bad, variables, len(raw))
        report.fetched += sum(1 for index, node in enumerate(raw) if isinstance(node, dict) and index not in bad)
        following = next_cursor(connection.get("pageInfo"), len(raw), state.cursor, seen, "liste des dossiers")
        # An empty page has no endCursor: keep the one we have, never go back to the start.
        end = (
            (connection.get("pageInfo") or {}).get("endCursor")
            if isinstance(connection.get("pageInfo"), dict)
            else None
        )
        if following is not None:
            state.cursor = following
        elif isinstance(end, str) and end:
            state.cursor = end
        run.save()
        if progress is not None:
            progress(SyncProgress(report.pages, report.fetched, following is not None))
        if following is None:
            return


def _bad_positions(errors: list[FieldError], prefix: tuple[str, ...]) -> dict[int, FieldError]:
    """The positions in the page of the dossiers the platform could not build; any other error fails the page."""
    bad: dict[int, FieldError] = {}
    for error in errors:
        path = error.path
        if path[: len(prefix)] == prefix and len(path) > len(prefix) and isinstance(path[len(prefix)], int):
            bad.setdefault(int(path[len(prefix)]), error)
        else:
            raise ApiError(
                f"l'API de démarches-simplifiées a répondu par une erreur : {error.message} ({error.where()})"
            )
    return bad


def _set_aside(run: _Run, bad: dict[int, FieldError], variables: dict[str, Any], size: int) -> None:
    """Names the dossiers of a page the platform could not give (their number comes from a light query of the
    same page) and keeps them to be asked for again."""
    numbers: list[Any] = []
    try:
        run.next_page()
        data = run.client.query(DOSSIER_NUMBERS_QUERY, GET_DOSSIER_NUMBERS, variables)
        nodes = ((data.get("demarche") or {}).get("dossiers") or {}).get("nodes") or []
        numbers = [n.get("number") if isinstance(n, dict) else None for n in nodes]
    except (ApiError, NetworkError):
        numbers = []
    if len(numbers) != size:
        numbers = [None] * size
    for index, error in sorted(bad.items()):
        number = numbers[index]
        field_name = error.where(4)
        if isinstance(number, int) and not isinstance(number, bool):
            run.state.unreadable[str(number)] = {"champ": field_name, "message": error.message, "code": error.code}
            run.set_aside.add(number)
        else:
            run.report.problems.append(
                f"un dossier de la page {run.report.pages} (position {index + 1}) : démarches-simplifiées n'a pas pu "
                f"le donner (champ {field_name} : « {error.message} ») ; son numéro n'a pas pu être lu : il sera "
                "redemandé quand il changera"
            )


def _unreadable_again(run: _Run) -> None:
    """Each dossier the platform could not give is asked for again, alone; those that still cannot come are said."""
    query = dossiers_query()
    for key in sorted(run.state.unreadable, key=int):
        number = int(key)
        if number not in run.seen and number not in run.set_aside:
            run.next_page()
            try:
                data, errors = run.client.query_partial(query, GET_DOSSIER, {"dossierNumber": number})
            except AccessError:
                run.state.unreadable.pop(key)
                run.report.problems.append(
                    f"dossier {number} : démarches-simplifiées ne l'a pas donné la dernière fois, et il n'y est plus "
                    "visible (supprimé ou à la corbeille : voir ci-dessous)"
                )
                continue
            node = data.get("dossier")
            if isinstance(node, dict) and not errors:
                _store(node, run.state, run.folder, run.report)
                run.report.fetched += 1
                run.seen.add(number)
                run.state.unreadable.pop(key)
                continue
            if errors:
                run.state.unreadable[key] = {
                    "champ": errors[0].where(1),
                    "message": errors[0].message,
                    "code": errors[0].code,
                }
        if key in run.state.unreadable:
            entry = run.state.unreadable[key]
            run.report.problems.append(
                f"dossier {number} : démarches-simplifiées n'a pas pu le donner (champ {shown(entry.get('champ'))} : "
                f"« {shown(entry.get('message'))} ») ; les autres dossiers sont enregistrés ; il sera redemandé à "
                "chaque synchronisation jusqu'à ce qu'il arrive — s'il reste bloqué, signalez-le au support de "
                "démarches-simplifiées avec ce message"
            )
    run.save()


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
    latest_node = _read(latest[1]) if latest is not None else None
    if latest is not None and latest_node is not None and fingerprint(latest_node) == digest:
        previous = int(entry["version"]) if entry is not None else None
        state.versions[key] = _entry(latest[0], latest[1].name, digest, node)
        if previous is not None and latest[0] > previous:
            before = _read(on_disk[-2][1]) if len(on_disk) > 1 else None
            _changed(report, number, latest[0], before, node)
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
        _changed(report, number, version, latest_node, node)


def _changed(report: SyncReport, number: int, version: int, before: Any, node: dict[str, Any]) -> None:
    """A new version of a dossier; the office's alone when nothing but ``OFFICE_FIELDS`` differs from ``before``
    (the previous version, ``None`` when it cannot be read: then it counts as the dossier's change)."""
    report.changed.append((number, version))
    if isinstance(before, dict) and _applicants_part(before) == _applicants_part(node):
        report.office_only.append(number)


def _applicants_part(node: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in node.items() if key not in OFFICE_FIELDS}


def _entry(version: int, name: str, digest: str, node: dict[str, Any]) -> dict[str, Any]:
    return {
        "version": version,
        "file": name,
        "fingerprint": digest,
        "modified": node.get("dateDerniereModification"),
        "state": node.get("state"),
    }


def _read(path: Path) -> Any:
    """A version on disk, or ``None`` when it cannot be read (it is then never taken for the dossier's content)."""
    try:
        return read_json(path)
    except (OSError, ValueError, RecursionError):
        return None


# -- deletions


def _record(node: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": node.get("id"),
        "state": node.get("state"),
        "reason": node.get("reason"),
        "date": node.get("dateSupression"),
    }


def _listed(
    run: _Run, operation: str, query: str, name: str, since: str | None, after: str | None, retries: int | None = None
) -> Iterator[tuple[list[dict[str, Any]], str | None]]:
    """The pages of a list of deleted dossiers from ``after``: (nodes, cursor after this page)."""
    seen = {after} if after else set()
    while True:
        run.next_page()
        variables = {
            "demarcheNumber": run.state.demarche,
            "deletedSince": since,
            "first": run.page_size,
            "after": after,
        }
        connection = _connection(run.client.query(query, operation, variables, retries=retries), name)
        raw = connection.get("nodes") or []
        nodes = [node for node in raw if isinstance(node, dict)] if isinstance(raw, list) else []
        following = next_cursor(connection.get("pageInfo"), len(nodes), after, seen, f"liste « {name} »")
        end = (
            (connection.get("pageInfo") or {}).get("endCursor")
            if isinstance(connection.get("pageInfo"), dict)
            else None
        )
        yield nodes, following or (end if isinstance(end, str) and end else None)
        if following is None:
            return
        after = following


def _deletions(run: _Run) -> None:
    """The log of dossiers deleted for good, from its saved cursor."""
    state = run.state
    for nodes, cursor in _listed(
        run, GET_DELETED, DELETED_QUERY, "deletedDossiers", state.updated_since, state.deleted_cursor
    ):
        for node in nodes:
            _deleted(run, node)
        if cursor:
            state.deleted_cursor = cursor
        run.save()


def _deleted(run: _Run, node: dict[str, Any]) -> None:
    number = node.get("number")
    if not isinstance(number, int) or isinstance(number, bool) or str(number) in run.state.deleted:
        return
    record = _record(node)
    run.state.deleted[str(number)] = record
    run.state.pending_deleted.pop(str(number), None)
    run.report.deleted.append(DeletedDossier.from_record(number, record, False))


def _bin(run: _Run) -> None:
    """The bin as it is now: who entered it, who left it (restored, or purged)."""
    state, report = run.state, run.report
    before = dict(state.pending_deleted)
    # A dossier received in this run is visible again: it left the bin, whatever the bin's list says.
    for number in sorted(run.seen):
        if str(number) in state.pending_deleted:
            state.pending_deleted.pop(str(number))
            report.restored.append(number)
    current: dict[str, dict[str, Any]] = {}
    try:
        for nodes, _ in _listed(
            run,
            GET_PENDING_DELETED,
            PENDING_DELETED_QUERY,
            "pendingDeletedDossiers",
            state.updated_since,
            None,
            retries=1,
        ):
            for node in nodes:
                if isinstance(node.get("number"), int) and not isinstance(node.get("number"), bool):
                    current[str(node["number"])] = _record(node)
    except (NetworkError, ApiError) as exc:
        what = exc.what if isinstance(exc, NetworkError) and exc.what else str(exc)
        report.problems.append(
            f"la liste des dossiers à la corbeille n'a pas pu être lue ({what}) : les dossiers mis à la corbeille ou "
            "restaurés depuis la dernière fois seront signalés à une prochaine synchronisation ; les dossiers et "
            "les suppressions définitives sont à jour"
        )
        run.save()
        return
    for key, record in current.items():
        if key in state.deleted or int(key) in run.seen:
            continue
        if key not in before:
            report.deleted.append(DeletedDossier.from_record(int(key), record, True))
        state.pending_deleted[key] = record
    left = {k: r for k, r in before.items() if k not in current and k not in state.deleted and int(k) not in run.seen}
    if left:
        _left_the_bin(run, left)
    run.save()


def _left_the_bin(run: _Run, left: dict[str, dict[str, Any]]) -> None:
    """Dossiers no longer in the bin: purged ones are in the log of deletions, dated from their binning (before
    the saved cursor): looked for there from the earliest of those dates; the others are back, or said."""
    state, report = run.state, run.report
    dates = sorted(str(r.get("date")) for r in left.values() if r.get("date"))
    if dates:
        for nodes, _ in _listed(run, GET_DELETED, DELETED_QUERY, "deletedDossiers", dates[0], None):
            for node in nodes:
                if str(node.get("number")) in left:
                    _deleted(run, node)
    for key, record in left.items():
        if key in state.deleted:
            continue
        state.pending_deleted.pop(key, None)
        run.next_page()
        try:
            run.client.query(DOSSIER_INSTRUCTION_QUERY, GET_DOSSIER_INSTRUCTION, {"dossierNumber": int(key)})
        except AccessError:
            state.pending_deleted[key] = record
            report.problems.append(
                f"dossier {key} : n'est plus à la corbeille de démarches-simplifiées, ni parmi les dossiers supprimés "
                "ou visibles ; il reste compté parmi les supprimés : vérifiez-le sur démarches-simplifiées"
            )
            continue
        except AuthError:
            raise
        report.restored.append(int(key))


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
