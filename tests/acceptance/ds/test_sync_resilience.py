"""A sync that one bad dossier cannot stop, deletions reported as they are now, an optional list that may time
out (issue 21) — against the local server."""

from __future__ import annotations

import json
from pathlib import Path

from tests.acceptance.ds.server import Store
from xlplugin.ds import DsClient, default_state_file, known_deletions, load_state, sync

BAD = 21001003


def test_a_page_with_one_bad_dossier_keeps_the_others_names_it_and_completes(
    client: DsClient, store: Store, recus: Path
) -> None:
    store.faults.partial = {BAD: "demandeur"}  # the platform cannot build this dossier's demandeur

    report = sync(client, store.demarche, recus)

    assert report.complete and report.fetched == 249
    assert len(list(recus.glob("dossier-*.json"))) == 249 and not (recus / f"dossier-{BAD}.json").exists()
    assert report.unreadable == [BAD]
    problem = next(p for p in report.problems if str(BAD) in p)
    assert f"dossier {BAD} : démarches-simplifiées n'a pas pu le donner (champ demandeur" in problem
    assert "Cannot return null for non-nullable field Dossier.demandeur" in problem
    assert "il sera redemandé à chaque synchronisation" in problem
    assert f"dossier {BAD}" in report.text()

    # Rerun: the good dossiers are not fetched again; the bad one is asked again, and said again.
    again = sync(client, store.demarche, recus)
    assert again.complete and again.fetched == 0 and again.unreadable == [BAD]

    # The platform mends it: the next sync takes it.
    store.faults.partial = {}
    mended = sync(client, store.demarche, recus)
    assert mended.complete and mended.new == [BAD] and mended.unreadable == [] and mended.problems == []
    node = json.loads((recus / f"dossier-{BAD}.json").read_text(encoding="utf-8"))
    assert node["number"] == BAD and node["demandeur"]["siret"]
    state = load_state(default_state_file(recus))
    assert state is not None and state.unreadable == {}


def test_a_restored_dossier_leaves_the_deletion_list(client: DsClient, store: Store, recus: Path) -> None:
    sync(client, store.demarche, recus)
    store.hide(21001008)
    binned = sync(client, store.demarche, recus)
    assert [(d.number, d.pending) for d in binned.deleted] == [(21001008, True)]

    store.restore(21001008)
    restored = sync(client, store.demarche, recus)

    assert restored.complete and restored.restored == [21001008]
    assert restored.known_deleted == [] and known_deletions(recus) == []
    assert "dossier 21001008 : sorti de la corbeille" in restored.text()
    assert "supprimés ou à la corbeille" not in restored.text()


def test_a_binned_dossier_later_purged_is_reported_deleted(client: DsClient, store: Store, recus: Path) -> None:
    sync(client, store.demarche, recus)
    store.hide(21001009, by="user")  # the applicant bins it while it is « en construction »
    store.delete(21001007)  # deleted later: the saved cursor of deletions goes past the binning
    first = sync(client, store.demarche, recus)
    assert sorted((d.number, d.pending) for d in first.deleted) == [(21001007, False), (21001009, True)]

    store.purge(21001009)  # the platform dates it from the binning, before the saved cursor
    purged = sync(client, store.demarche, recus)

    assert [(d.number, d.pending) for d in purged.deleted] == [(21001009, False)]
    assert "dossier 21001009 supprimé le" in purged.text()
    assert [(d.number, d.pending) for d in known_deletions(recus)] == [(21001007, False), (21001009, False)]
    later = sync(client, store.demarche, recus)
    assert later.deleted == [] and [d.number for d in later.known_deleted] == [21001007, 21001009]


def test_a_timeout_of_the_list_of_binned_dossiers_is_reported_and_the_sync_completes(
    client: DsClient, store: Store, recus: Path
) -> None:
    store.hide(21001008)
    store.faults.timeout_pending = 99  # a very large démarche: the list always times out

    report = sync(client, store.demarche, recus)

    assert report.complete and report.fetched == 249
    assert any(
        "la liste des dossiers à la corbeille n'a pas pu être lue" in p and "délai de calcul" in p
        for p in report.problems
    )
    assert len(store.operations("getPendingDeletedDossiers")) <= 2

    store.faults.timeout_pending = 0
    later = sync(client, store.demarche, recus)
    assert [(d.number, d.pending) for d in later.deleted] == [(21001008, True)]
