"""The client: token errors in French, the token kept out of every text, the request budget, retries."""

from __future__ import annotations

import logging
import os
import pickle
import socket
import stat
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.acceptance.ds.conftest import TOKEN, Sleeps
from tests.acceptance.ds.server import Running, Store, TokenRule
from xlplugin.ds import (
    AccessError,
    AuthError,
    ConfigurationError,
    Decision,
    DossierFigures,
    DsClient,
    DsError,
    Jeton,
    JetonError,
    Journal,
    NetworkError,
    SyncInterrupted,
    apply_annotations,
    apply_decisions,
    default_state_file,
    graphql_endpoint,
    load_jeton,
    plan_annotations,
    plan_decisions,
    sync,
)
from xlplugin.ds.demarche import demarche_info

OTHER = "SECRET-autre-jeton-Hh83kPq0"


def failure(client: DsClient, demarche: int) -> DsError:
    with pytest.raises(DsError) as caught:
        demarche_info(client, demarche)
    return caught.value


# -- each token error has its French message


def test_unknown_token_is_refused(make_client: Callable[..., DsClient], store: Store) -> None:
    error = failure(make_client(OTHER), store.demarche)
    assert isinstance(error, AuthError)
    assert "démarches-simplifiées refuse le jeton (HTTP 403)" in str(error)
    assert "Voir mon profil › Jetons d'API" in str(error)


def test_expired_token(make_client: Callable[..., DsClient], store: Store) -> None:
    store.tokens[OTHER] = TokenRule(expired=True)
    error = failure(make_client(OTHER), store.demarche)
    assert isinstance(error, AuthError) and str(error).startswith("le jeton a expiré")
    assert "GUICHET_DS_JETON" in str(error)


def test_token_not_allowed_from_this_network(make_client: Callable[..., DsClient], store: Store) -> None:
    store.tokens[OTHER] = TokenRule(network_allowed=False)
    error = failure(make_client(OTHER), store.demarche)
    assert isinstance(error, AuthError)
    assert "n'est pas autorisé depuis le réseau de ce poste (127.0.0.1/32)" in str(error)
    assert "ajouter 127.0.0.1/32 aux adresses autorisées du jeton" in str(error)


def test_token_that_does_not_cover_the_demarche(make_client: Callable[..., DsClient], store: Store) -> None:
    store.tokens[OTHER] = TokenRule(demarches={store.demarche + 1})
    error = failure(make_client(OTHER), store.demarche)
    assert isinstance(error, AccessError)
    assert f"le jeton ne donne pas accès à la démarche {store.demarche}" in str(error)


def test_unknown_demarche(client: DsClient, store: Store) -> None:
    error = failure(client, 999)
    assert isinstance(error, AccessError) and "la démarche 999 est introuvable" in str(error)


def test_read_only_token_cannot_write(make_client: Callable[..., DsClient], store: Store, tmp_path: Path) -> None:
    store.tokens[OTHER] = TokenRule(write=False)
    client = make_client(OTHER)
    plan = plan_annotations(client, store.demarche, [DossierFigures(21001001, rang=1)])
    assert len(plan.changes) == 1  # reading works
    with pytest.raises(AuthError, match="le jeton ne permet que la lecture"):
        apply_annotations(client, plan, Journal(tmp_path / "journal.jsonl"))
    assert store.annotation(21001001, "Rang dans la répartition")["stringValue"] == ""
    pdf = tmp_path / "arrete.pdf"
    pdf.write_bytes(b"%PDF-1.4 arrete")
    decisions = plan_decisions(client, store.demarche, [Decision(21001005, "accepter", "Oui.", pdf)])
    with pytest.raises(AuthError, match="le jeton ne permet que la lecture"):
        apply_decisions(client, decisions, Journal(tmp_path / "journal.jsonl"))
    assert store.state_of(21001005) == "en_instruction" and store.blobs == {}


# -- the token never appears


def test_token_never_appears_in_output_logs_errors_or_files(
    make_client: Callable[..., DsClient],
    store: Store,
    server: Running,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    texts: list[str] = []
    client = make_client()
    texts += [repr(client), str(client.__dict__)]
    recus = tmp_path / "recus"
    texts.append(sync(client, store.demarche, recus).text())
    journal = Journal(tmp_path / "journal.jsonl", "instructeur@ain.gouv.fr")
    plan = plan_annotations(client, store.demarche, [DossierFigures(21001001, rang=3)])
    texts += [plan.text(), apply_annotations(client, plan, journal).text()]
    pdf = tmp_path / "arrete.pdf"
    pdf.write_bytes(b"%PDF-1.4 arrete signe\n")
    decisions = plan_decisions(client, store.demarche, [Decision(21001001, "accepter", "Projet retenu.", pdf)])
    texts += [decisions.text(), apply_decisions(client, decisions, journal).text()]
    # Every failure the client knows, with the same token.
    store.faults.down_after_pages = 0
    with pytest.raises(SyncInterrupted) as interrupted:
        sync(client, store.demarche, tmp_path / "autres")
    texts.append(str(interrupted.value))
    for rule in (TokenRule(expired=True), TokenRule(network_allowed=False), TokenRule(demarches=set())):
        store.tokens[TOKEN] = rule
        with pytest.raises(DsError) as caught:
            demarche_info(client, store.demarche)
        texts += [str(caught.value), repr(caught.value)]
    del store.tokens[TOKEN]
    with pytest.raises(DsError) as refused:
        demarche_info(client, store.demarche)
    texts += [str(refused.value), repr(refused.value.__cause__), repr(refused.value.__context__)]
    with pytest.raises(NetworkError) as unreachable:
        DsClient(Jeton(TOKEN), f"http://127.0.0.1:{free_port()}", sleep=lambda s: None, retries=1).query("{x}", "x", {})
    texts.append(str(unreachable.value))
    jeton = Jeton(TOKEN)
    texts += [str(jeton), repr(jeton), f"{jeton}", f"{jeton!r:>40}", "%s" % (jeton,)]  # noqa: UP031
    texts += [r.getMessage() for r in caplog.records] + [caplog.text]
    texts += [p.read_text(encoding="utf-8") for p in [*recus.glob("*.json"), default_state_file(recus)]]
    texts.append((tmp_path / "journal.jsonl").read_text(encoding="utf-8"))

    assert [t for t in texts if TOKEN in t] == []
    assert any("HTTP Request" in r.getMessage() for r in caplog.records)  # httpx did log: the test can fail
    with pytest.raises(TypeError):
        pickle.dumps(jeton)
    # ... while the server did receive it.
    assert any(entry.status == 200 for entry in store.log)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# -- where the token comes from


def test_token_from_the_environment() -> None:
    assert load_jeton(environ={"GUICHET_DS_JETON": f"  {TOKEN}\n"}) == Jeton(TOKEN)


def test_no_token_says_how_to_give_one() -> None:
    with pytest.raises(JetonError, match="définissez la variable d'environnement GUICHET_DS_JETON"):
        load_jeton(environ={})


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_token_file_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "jeton"
    path.write_text(TOKEN + "\n", encoding="utf-8")
    path.chmod(0o600)
    assert load_jeton(path, environ={"GUICHET_DS_JETON": "autre"}) == Jeton(TOKEN)  # the file wins
    path.chmod(0o644)
    with pytest.raises(JetonError) as caught:
        load_jeton(path)
    assert f"faites « chmod 600 {path} »" in str(caught.value) and TOKEN not in str(caught.value)
    path.chmod(0o640)
    with pytest.raises(JetonError, match="chmod 600"):
        load_jeton(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640  # only read, never changed


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "est vide"),
        (f"{TOKEN}\n{TOKEN}\n", "plusieurs lignes"),
        ("jeton avec espace", "contient des espaces"),
        ("jéton", "caractères accentués"),
    ],
)
def test_bad_token_file_content(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "jeton"
    path.write_text(content, encoding="utf-8")
    path.chmod(0o600)
    with pytest.raises(JetonError, match=message) as caught:
        load_jeton(path)
    assert "avec espace" not in str(caught.value) and "jéton" not in str(caught.value)


def test_missing_token_file(tmp_path: Path) -> None:
    with pytest.raises(JetonError, match="n'existe pas"):
        load_jeton(tmp_path / "absent")


# -- the API's address


def test_api_address() -> None:
    assert graphql_endpoint("https://demarche.numerique.gouv.fr") == "https://demarche.numerique.gouv.fr/api/v2/graphql"
    assert graphql_endpoint("https://ds.example.fr/api/v2/graphql") == "https://ds.example.fr/api/v2/graphql"
    assert graphql_endpoint("http://127.0.0.1:8765/") == "http://127.0.0.1:8765/api/v2/graphql"
    with pytest.raises(ConfigurationError, match="le jeton y circulerait en clair"):
        graphql_endpoint("http://ds.example.fr")
    with pytest.raises(ConfigurationError, match="adresse de l'API invalide"):
        graphql_endpoint("ftp://ds.example.fr")


# -- the budget and the retries


class FakeTime:
    """A clock that the recorded sleep moves forward."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_client_keeps_to_its_budget_of_requests_a_minute(make_client: Callable[..., DsClient], store: Store) -> None:
    clock = FakeTime()
    client = make_client(budget_per_minute=3, sleep=clock.sleep, monotonic=clock.monotonic)
    for _ in range(3):
        demarche_info(client, store.demarche)
        clock.now += 5
    assert clock.slept == []
    demarche_info(client, store.demarche)  # the 4th within the minute waits for the 1st to leave the window
    assert clock.slept == [45.0]
    assert client.requests == 4 and client.waited == 45.0


def test_budget_default_is_the_platform_limit(client: DsClient) -> None:
    assert client.budget_per_minute == 400


def test_unreachable_platform_stops_after_backoff_with_a_french_message() -> None:
    sleeps = Sleeps()
    client = DsClient(Jeton(TOKEN), f"http://127.0.0.1:{free_port()}", sleep=sleeps, retries=3, backoff=0.5)
    with pytest.raises(NetworkError) as caught:
        client.query("query q { x }", "q", {})
    assert str(caught.value).startswith("démarches-simplifiées ne répond pas correctement (connexion impossible)")
    assert "vérifiez la connexion à internet" in str(caught.value)
    assert sleeps == [0.5, 1.0, 2.0]
    client.close()


def test_rate_limit_reset_in_unix_time_or_seconds() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, headers={"RateLimit-Reset": "1700000030"})

    sleeps = Sleeps()
    client = DsClient(
        Jeton(TOKEN),
        "https://ds.example.fr",
        sleep=sleeps,
        wall_clock=lambda: 1700000000.0,
        transport=httpx.MockTransport(answer),
        max_rate_limited=2,
    )
    with pytest.raises(NetworkError, match="limite toujours le nombre de requêtes"):
        client.query("query q { x }", "q", {})
    assert sleeps == [30.0, 30.0]
    client.close()
