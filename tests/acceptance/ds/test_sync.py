"""``sync``: full, incremental, interrupted and resumed, deletions, versions — against the local server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.acceptance.ds.conftest import Sleeps
from tests.acceptance.ds.server import Store
from xlplugin.ds import (
    ConfigurationError,
    DsClient,
    SyncInterrupted,
    SyncProgress,
    default_state_file,
    known_deletions,
    latest_versions,
    load_state,
    superseded,
    sync,
)
from xlplugin.intake.pipeline import Validator
from xlplugin.rules import default_reglement

DOSSIERS = "getDemarcheDossiers"


def json_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.json"))


def dossier_pages(store: Store) -> list[dict[str, object]]:
    return [entry.variables for entry in store.operations(DOSSIERS) if entry.status == 200]


def test_full_sync_writes_one_file_per_dossier_that_the_intake_reads(
    client: DsClient, store: Store, recus: Path
) -> None:
    pages: list[SyncProgress] = []
    report = sync(client, store.demarche, recus, progress=pages.append)

    assert report.complete and report.first and not report.resumed
    assert (report.pages, report.fetched, len(report.new), len(report.files)) == (3, 250, 250, 250)
    assert [p.fetched for p in pages] == [100, 200, 250]
    assert [v["first"] for v in dossier_pages(store)] == [100, 100, 100]
    files = json_files(recus)
    assert [f.name for f in files[:2]] == ["dossier-21001001.json", "dossier-21001002.json"]
    # The node as the API returns it for the project's query (aliases included).
    node = json.loads((recus / "dossier-21001001.json").read_text(encoding="utf-8"))
    assert node["__typename"] == "Dossier" and node["number"] == 21001001
    checkbox = next(c for c in node["champs"] if c["__typename"] == "CheckboxChamp")
    assert checkbox["checked"] is True
    results = Validator(default_reglement()).validate(files)
    assert [r.path.name for r in results if not r.complete] == []
    assert sorted(n for r in results for n in r.numbers) == sorted(store.records)
    state = load_state(default_state_file(recus))
    assert state is not None and state.cursor and not state.in_progress and len(state.versions) == 250
    assert "Première synchronisation : 250 dossiers reçus en 3 pages." in report.text()


def test_incremental_sync_fetches_only_what_changed_and_keeps_the_previous_version(
    client: DsClient, store: Store, recus: Path
) -> None:
    sync(client, store.demarche, recus)
    before = {p.name: p.read_bytes() for p in json_files(recus)}
    cursor = load_state(default_state_file(recus)).cursor  # type: ignore[union-attr]
    changed = [21001003, 21001100, 21001250]
    for number in changed:
        store.change(number, "Intitulé du projet", f"Projet modifié par l'usager ({number})")
    calls = len(dossier_pages(store))

    report = sync(client, store.demarche, recus)

    assert report.fetched == 3 and not report.first
    assert sorted(report.changed) == [(n, 2) for n in changed]
    assert report.new == [] and report.unchanged == []
    assert dossier_pages(store)[calls]["after"] == cursor  # continued from the saved cursor
    assert len(dossier_pages(store)) == calls + 1
    for name, content in before.items():  # nothing overwritten
        assert (recus / name).read_bytes() == content
    for number in changed:
        node = json.loads((recus / f"dossier-{number}.v2.json").read_text(encoding="utf-8"))
        title = next(c for c in node["champs"] if c["label"] == "Intitulé du projet")
        assert title["stringValue"] == f"Projet modifié par l'usager ({number})"
    # The intake reads the latest version of each number: no duplicate.
    files = json_files(recus)
    assert len(files) == 253
    assert sorted(p.name for p in superseded(files)) == [f"dossier-{n}.json" for n in changed]
    results = Validator(default_reglement()).validate(latest_versions(files))
    assert all(r.complete for r in results)
    assert not [i for r in results for i in r.warnings if i.code == "DOSSIER_EN_DOUBLE"]

    # Nothing changed since: nothing fetched, nothing written.
    again = sync(client, store.demarche, recus)
    assert (again.fetched, again.files, again.pages) == (0, [], 1)
    assert len(json_files(recus)) == 253


def test_interrupted_sync_resumes_from_the_last_saved_cursor(
    client: DsClient, store: Store, recus: Path, sleeps: Sleeps
) -> None:
    store.faults.down_after_pages = 1

    with pytest.raises(SyncInterrupted) as caught:
        sync(client, store.demarche, recus)

    message = str(caught.value)
    assert "ne répond pas correctement (erreur du serveur (HTTP 503)) après 6 essais" in message
    assert "100 dossiers reçus en 1 page avant l'arrêt (100 nouveaux, 0 modifiés)" in message
    assert "relancez la même commande" in message
    assert sleeps == [1.0, 2.0, 4.0, 8.0, 16.0]  # exponential backoff, then stop
    assert len(json_files(recus)) == 100
    state = load_state(default_state_file(recus))
    assert state is not None and state.in_progress and state.cursor
    saved = state.cursor

    store.faults.down_after_pages = None
    calls = len(dossier_pages(store))
    report = sync(client, store.demarche, recus)

    assert report.resumed and report.complete
    assert dossier_pages(store)[calls]["after"] == saved
    assert (report.fetched, len(report.new)) == (150, 150)
    assert len(json_files(recus)) == 250
    assert not [p for p in json_files(recus) if ".v" in p.name]


def test_sync_stopped_by_the_agent_between_pages_resumes_without_duplicates(
    client: DsClient, store: Store, recus: Path
) -> None:
    def stop_after_second_page(progress: SyncProgress) -> None:
        if progress.page == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        sync(client, store.demarche, recus, progress=stop_after_second_page)
    assert len(json_files(recus)) == 200
    assert not list(recus.glob(".*"))  # no temporary file left

    report = sync(client, store.demarche, recus)
    assert report.resumed and report.fetched == 50
    assert len(json_files(recus)) == 250


def test_lost_state_file_never_overwrites_nor_duplicates(client: DsClient, store: Store, recus: Path) -> None:
    sync(client, store.demarche, recus)
    default_state_file(recus).unlink()

    report = sync(client, store.demarche, recus)

    assert report.fetched == 250 and len(report.unchanged) == 250 and report.files == []
    assert len(json_files(recus)) == 250


def test_rate_limit_answer_waits_for_the_reset_then_goes_on(
    client: DsClient, store: Store, recus: Path, sleeps: Sleeps
) -> None:
    store.faults.rate_limit = 1

    report = sync(client, store.demarche, recus)

    assert report.complete and len(json_files(recus)) == 250
    assert [entry.status for entry in store.log][:2] == [429, 200]
    assert len(sleeps) == 1 and 0.5 <= sleeps[0] <= 2.0  # until RateLimit-Reset (now + 1 s)


def test_connection_dropped_in_the_middle_of_a_page_is_retried(
    client: DsClient, store: Store, recus: Path, sleeps: Sleeps
) -> None:
    store.faults.drop_page = 1

    report = sync(client, store.demarche, recus)

    assert report.complete and report.fetched == 250
    assert sleeps == [1.0]
    assert len(dossier_pages(store)) == 4  # the cut page was asked again
    for path in json_files(recus):
        json.loads(path.read_text(encoding="utf-8"))  # every file whole


def test_deleted_dossiers_are_recorded_and_reported_every_time(client: DsClient, store: Store, recus: Path) -> None:
    sync(client, store.demarche, recus)
    store.delete(21001007)
    store.hide(21001008)

    report = sync(client, store.demarche, recus)

    assert [(d.number, d.pending) for d in report.deleted] == [(21001007, False), (21001008, True)]
    text = report.text()
    assert "dossier 21001007 supprimé le" in text and "à la demande de l'usager" in text
    assert "dossier 21001008 mis à la corbeille" in text
    assert (recus / "dossier-21001007.json").exists()  # the file stays: an agent decides
    state = load_state(default_state_file(recus))
    assert state is not None and "21001007" in state.deleted and "21001008" in state.pending_deleted

    later = sync(client, store.demarche, recus)
    assert later.deleted == []
    assert [d.number for d in later.known_deleted] == [21001007, 21001008]
    assert [(d.number, d.pending) for d in known_deletions(recus)] == [(21001007, False), (21001008, True)]
    assert "Dossiers supprimés ou à la corbeille sur démarches-simplifiées (2) : 21001007, 21001008" in later.text()
    line = report.journal_line("agent", __import__("datetime").datetime(2026, 3, 2, 10, 5))
    assert line.cells()[0] == "02/03/2026 10:05" and "21001007" in line.detail


def test_a_folder_belongs_to_one_demarche(client: DsClient, store: Store, recus: Path) -> None:
    sync(client, store.demarche, recus)
    with pytest.raises(ConfigurationError, match=f"synchronisé avec la démarche {store.demarche}"):
        sync(client, store.demarche + 1, recus)
