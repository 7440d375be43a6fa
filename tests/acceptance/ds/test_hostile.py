"""A server that lies (issue 22): it echoes the token, sends terminal escapes, loops on its cursor, sends a new
dossier on every page, stays silent, trickles its answer, nests its JSON without end. The token never leaves the
request, nothing raw reaches the terminal, and every kind of endless work is bounded and said in French."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from batch.cli import main
from tests.acceptance.ds.conftest import TOKEN
from tests.acceptance.ds.server import Running, Store
from xlplugin.ds import (
    ApiError,
    Decision,
    DossierFigures,
    DsClient,
    Journal,
    NetworkError,
    SyncInterrupted,
    SyncProgress,
    apply_annotations,
    apply_decisions,
    plan_annotations,
    plan_decisions,
    sync,
)
from xlplugin.ds.demarche import demarche_info

ESCAPES = ("\x1b", "\x07", "\x9b")


def run(*args: object, token: str = TOKEN) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["ds", *map(str, args)], env={"GUICHET_DS_JETON": token})
    return result.exit_code, result.stdout, result.stderr


class Runaway(Exception):
    """Raised by a test when the sync goes on past any reasonable bound (before the fix: for ever)."""


def stop_runaway(step: SyncProgress) -> None:
    if step.page > 50:
        raise Runaway(f"page {step.page}")


# -- 6. the token never leaves the request


def test_a_token_echoed_by_the_server_never_reaches_output_nor_journal(
    server: Running, store: Store, tmp_path: Path, make_client: Callable[..., DsClient]
) -> None:
    store.hostile.echo_token = True
    recus = tmp_path / "recus"
    outputs: list[str] = []
    # A GraphQL error echoed (a démarche the token does not reach), through the three commands.
    for command in ("sync", "annoter", "decider"):
        args: list[object] = [command, "--demarche", store.demarche + 1, "--api", server.url]
        if command == "sync":
            args += ["--dossier-recus", recus]
        else:
            workbook = tmp_path / "suivi.xlsx"
            if not workbook.exists():
                assert CliRunner().invoke(main, ["init", str(workbook)]).exit_code == 0
            args += ["--workbook", workbook]
        code, out, err = run(*args)
        assert code == 1 and "introuvable" in err, err
        outputs += [out, err]
    # A token refused, and echoed in the 403.
    code, out, err = run(
        "sync",
        "--demarche",
        store.demarche,
        "--api",
        server.url,
        "--dossier-recus",
        recus,
        token="SECRET-inconnu-jeton-0042",
    )
    assert code == 1
    assert "SECRET-inconnu-jeton-0042" not in out + err
    # The mutations' own errors, echoed, go to the journal.
    client = make_client()
    journal = Journal(tmp_path / "journal.jsonl", "instructeur@ain.gouv.fr")
    store.faults.refuse_final = {21001005: "Les informations du SIRET du dossier ne sont pas complètes."}
    result = apply_decisions(
        client, plan_decisions(client, store.demarche, [Decision(21001005, "accepter", "Oui.")]), journal
    )
    outputs.append(result.text())
    plan = plan_annotations(client, store.demarche, [DossierFigures(21001001, rang=1)])
    node = store.records[21001001].node
    node["annotations"] = [a for a in node["annotations"] if a["label"] != "Rang dans la répartition"]
    outputs.append(apply_annotations(client, plan, journal).text())
    logged = journal.path.read_text(encoding="utf-8")
    assert "« Authorization: " in logged  # the server did echo, the test can fail

    assert [o for o in outputs if TOKEN in o] == []
    assert TOKEN not in logged and TOKEN[:12] not in logged
    assert "[jeton masqué]" in logged


def test_even_a_piece_of_the_token_is_masked() -> None:
    from xlplugin.ds import Jeton

    jeton = Jeton(TOKEN)
    assert jeton.redact(f"Bearer {TOKEN}") == "Bearer [jeton masqué]"
    assert TOKEN[3:17] not in jeton.redact(f"… {TOKEN[3:17]} …")  # a truncated echo
    assert jeton.redact("SECRET- : aucun rapport") == "SECRET- : aucun rapport"  # under 8 characters, kept


# -- 8. terminal escapes from the server


def test_terminal_escapes_in_the_title_or_a_deletion_reason_are_not_printed_raw(
    server: Running, store: Store, recus: Path
) -> None:
    store.title = "Fonds\x1b]0;fenêtre piratée\x07 numérique\x1b[2J\x1b[31m rouge\x9b31m"
    store.delete(21001007)
    store.hostile.deletion_reason = "\x1b[2J\x1b]0;titre\x07effacé"

    code, out, err = run("sync", "--demarche", store.demarche, "--api", server.url, "--dossier-recus", recus)

    assert code == 0, err
    assert [c for c in ESCAPES if c in out + err] == []
    assert "Fonds numérique rouge" in out and "effacé" in out


# -- 9. bounds


def test_a_repeating_cursor_stops_the_sync_at_once(client: DsClient, store: Store, recus: Path) -> None:
    store.hostile.cursor = "repete"

    with pytest.raises(SyncInterrupted) as caught:
        sync(client, store.demarche, recus, progress=stop_runaway)

    assert "démarches-simplifiées renvoie un curseur de page déjà vu" in str(caught.value)
    assert len(store.operations("getDemarcheDossiers")) <= 2


def test_a_null_cursor_with_a_next_page_stops_the_sync(client: DsClient, store: Store, recus: Path) -> None:
    store.hostile.cursor = "nul"

    with pytest.raises(SyncInterrupted) as caught:
        sync(client, store.demarche, recus, progress=stop_runaway)

    assert "annonce une page suivante sans curseur" in str(caught.value)
    assert len(store.operations("getDemarcheDossiers")) == 1


def test_a_new_dossier_on_every_page_stops_at_the_page_limit(server: Running, store: Store, recus: Path) -> None:
    store.hostile.endless = True

    code, _, err = run(
        "sync", "--demarche", store.demarche, "--api", server.url, "--dossier-recus", recus, "--pages-max", 7
    )

    assert code == 1
    assert "la synchronisation s'arrête après 7 pages (limite --pages-max)" in err
    assert "relancez la même commande pour continuer" in err
    assert len(store.operations("getDemarcheDossiers")) == 7
    assert len(list(recus.glob("dossier-*.json"))) == 7


def test_the_total_time_of_a_sync_is_bounded(client: DsClient, store: Store, recus: Path) -> None:
    ticks = iter(range(0, 100_000, 500))  # every reading of the clock: 500 s later

    with pytest.raises(SyncInterrupted) as caught:
        sync(client, store.demarche, recus, max_seconds=1_200, clock=lambda: float(next(ticks)))

    assert "la synchronisation s'arrête après 20 minutes (limite --duree-max)" in str(caught.value)
    state = json.loads((recus.parent / "recus.synchro-ds").read_text(encoding="utf-8"))
    assert state["in_progress"] and state["cursor"]  # the next run resumes


def test_a_silent_server_is_given_up_soon_and_said(make_client: Callable[..., DsClient], store: Store) -> None:
    store.hostile.silent = 3.0
    notices: list[str] = []
    client = make_client(timeout=0.3, notice=notices.append)

    with pytest.raises(NetworkError) as caught:
        demarche_info(client, store.demarche)

    assert "démarches-simplifiées ne répond pas (aucune réponse en 0,3 s)" in str(caught.value)
    assert notices and "nouvel essai" in notices[0]
    assert len(store.log) <= 2


def test_a_trickling_answer_is_cut_at_the_time_limit(make_client: Callable[..., DsClient], store: Store) -> None:
    store.hostile.trickle = 0.05
    notices: list[str] = []
    client = make_client(request_seconds=0.5, notice=notices.append)

    with pytest.raises(NetworkError) as caught:
        demarche_info(client, store.demarche)

    assert "réponse toujours incomplète après 0,5 s" in str(caught.value)
    assert len(store.log) <= 2 and notices


def test_deeply_nested_json_is_refused_with_a_message(server: Running, store: Store, recus: Path) -> None:
    store.hostile.deep = 100_000

    code, _, err = run("sync", "--demarche", store.demarche, "--api", server.url, "--dossier-recus", recus)

    assert code == 1 and "Traceback" not in err and "RecursionError" not in err
    assert "imbriquée sur plus de 64 niveaux" in err


def test_deeply_nested_json_is_an_api_error(client: DsClient, store: Store) -> None:
    store.hostile.deep = 100
    with pytest.raises(ApiError, match="imbriquée sur plus de 64 niveaux"):
        demarche_info(client, store.demarche)
