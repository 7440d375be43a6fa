"""A GraphQL client for the API of démarches-simplifiées (« démarche numérique »), over httpx.

``POST {query, operationName, variables}`` to ``<api>/api/v2/graphql`` with ``Authorization: Bearer
<jeton>``. What the platform does, and what the client does about it (sources: the platform's
``config/initializers/rack_attack.rb``, ``app/controllers/api/v2/base_controller.rb``,
``app/graphql/api/v2/schema.rb`` and ``app/graphql/mutations/base_mutation.rb``):

- 400 requests a minute per token, then HTTP 429 with ``RateLimit-Reset`` (the end of the window, in Unix
  seconds) and ``Retry-After``: the client keeps below its own budget, and on a 429 waits for the reset;
- a network failure or a 5xx answer (or an API timeout) is retried with exponential backoff, then stops
  with a French message;
- 401 « Token expired », 403 « Request issued from a forbidden network. Add <ip>/<n> … », 403 for an
  unknown token, a top-level ``errors`` entry « … hidden due to permissions » for a démarche the token does
  not cover: each becomes a French message that says what to do;
- any top-level ``errors`` is a failure of the whole request; a mutation's own ``errors{message}`` is a
  failure for that dossier only, returned to the caller (« configuré seulement en lecture » excepted: the
  token cannot write at all).

The token goes into the ``Authorization`` header of each GraphQL request and nowhere else: not into the
client's default headers (so an upload to the storage service never carries it), not into logs, errors
or ``repr``.
"""

from __future__ import annotations

import logging
import re
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from xlplugin.ds.errors import AccessError, ApiError, AuthError, ConfigurationError, DsError, NetworkError
from xlplugin.ds.jeton import WHERE_TO_GET, Jeton
from xlplugin.ds.jsonio import dumps, loads

log = logging.getLogger("xlplugin.ds")

DEFAULT_API = "https://demarche.numerique.gouv.fr"
GRAPHQL_PATH = "/api/v2/graphql"
BUDGET_PER_MINUTE = 400
WINDOW_SECONDS = 60.0
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
READ_ONLY_MARK = "seulement en lecture"
RETRYABLE_STATUS = {500, 502, 503, 504}


@dataclass(slots=True)
class MutationResult:
    """A mutation's payload and its own errors (a failure for this dossier only)."""

    payload: dict[str, Any]
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def graphql_endpoint(api: str) -> str:
    """``https://host`` (or the full endpoint) → ``https://host/api/v2/graphql``; plain http only on this machine."""
    text = api.strip()
    try:
        url = httpx.URL(text)
    except (httpx.InvalidURL, TypeError):
        raise ConfigurationError(f"adresse de l'API invalide : « {text} » (exemple : {DEFAULT_API})") from None
    if url.scheme not in ("https", "http") or not url.host:
        raise ConfigurationError(f"adresse de l'API invalide : « {text} » (exemple : {DEFAULT_API})")
    if url.scheme == "http" and url.host not in LOCAL_HOSTS:
        raise ConfigurationError(
            f"l'adresse de l'API « {text} » est en http:// : le jeton y circulerait en clair ; donnez une adresse "
            "en https://"
        )
    base = str(url.copy_with(query=None, fragment=None)).rstrip("/")
    return base if base.endswith(GRAPHQL_PATH) else base + GRAPHQL_PATH


class DsClient:
    """Sends GraphQL operations to démarches-simplifiées; see the module's docstring for what it handles."""

    def __init__(
        self,
        jeton: Jeton,
        api: str = DEFAULT_API,
        *,
        budget_per_minute: int = BUDGET_PER_MINUTE,
        retries: int = 5,
        backoff: float = 1.0,
        max_rate_limited: int = 10,
        timeout: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.endpoint = graphql_endpoint(api)
        self._jeton = jeton
        self.budget_per_minute = budget_per_minute
        self.retries = retries
        self.backoff = backoff
        self.max_rate_limited = max_rate_limited
        self._sleep = sleep
        self._monotonic = monotonic
        self._wall = wall_clock
        self._sent: deque[float] = deque()
        self._http = httpx.Client(
            timeout=timeout,
            follow_redirects=False,
            headers={"Accept": "application/json", "User-Agent": "guichet-numerique (Prefecture de l'Ain)"},
            transport=transport,
        )
        self.requests = 0  # HTTP requests sent (GraphQL and uploads), for reports
        self.waited = 0.0  # seconds spent waiting for the rate limit or a retry

    def __repr__(self) -> str:
        return f"DsClient({self.endpoint!r})"

    def __enter__(self) -> DsClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # -- GraphQL

    def query(self, document: str, operation: str, variables: Mapping[str, Any]) -> dict[str, Any]:
        """Runs a query; returns its ``data``. Any top-level ``errors`` raises a :class:`DsError`."""
        return self._execute(document, operation, variables)

    def mutate(self, document: str, operation: str, variables: Mapping[str, Any]) -> MutationResult:
        """Runs a mutation whose root field is named like the operation; its own ``errors`` are returned."""
        data = self._execute(document, operation, variables)
        payload = data.get(operation)
        if not isinstance(payload, dict):
            raise ApiError(f"l'API n'a rien répondu pour l'opération {operation}")
        errors = [str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in payload.get("errors") or []]
        if any(READ_ONLY_MARK in message for message in errors):
            raise _read_only()
        return MutationResult(payload, errors)

    def _execute(self, document: str, operation: str, variables: Mapping[str, Any]) -> dict[str, Any]:
        body = dumps({"query": document, "operationName": operation, "variables": dict(variables)})
        response = self._send(operation, body.encode("utf-8"))
        try:
            answer = loads(response.content)
        except ValueError:
            raise ApiError(
                f"la réponse de l'API à {operation} n'est pas du JSON : vérifiez l'adresse de l'API ({self.endpoint})"
            ) from None
        if not isinstance(answer, dict):
            raise ApiError(f"la réponse de l'API à {operation} n'a pas la forme attendue")
        errors = answer.get("errors")
        if errors:
            raise _graphql_failure(errors, variables)
        data = answer.get("data")
        if not isinstance(data, dict):
            raise ApiError(f"la réponse de l'API à {operation} ne contient pas de données")
        return data

    def _send(self, operation: str, body: bytes) -> httpx.Response:
        failures = 0
        rate_limited = 0
        while True:
            self._respect_budget()
            try:
                response = self._http.post(
                    self.endpoint,
                    content=body,
                    headers={"Authorization": self._jeton.authorization(), "Content-Type": "application/json"},
                )
            except httpx.TransportError as exc:
                failures += 1
                log.info("%s : %s (essai %d)", operation, _describe(exc), failures)
                self._retry_or_stop(failures, _describe(exc))
                continue
            finally:
                self.requests += 1
            log.info("%s : HTTP %d", operation, response.status_code)
            status = response.status_code
            if status == 429:
                rate_limited += 1
                if rate_limited > self.max_rate_limited:
                    raise NetworkError(
                        f"démarches-simplifiées limite toujours le nombre de requêtes après {rate_limited} attentes ; "
                        "relancez dans quelques minutes"
                    )
                self._wait(self._rate_limit_wait(response))
                continue
            if status in RETRYABLE_STATUS:
                failures += 1
                self._retry_or_stop(failures, f"erreur du serveur (HTTP {status})")
                continue
            if status == 200 and _is_timeout(response):
                failures += 1
                self._retry_or_stop(failures, "délai de calcul dépassé chez démarches-simplifiées")
                continue
            if status in (401, 403):
                raise _auth_failure(status, response)
            if 300 <= status < 400:
                target = response.headers.get("Location", "?")
                raise ConfigurationError(
                    f"l'adresse de l'API {self.endpoint} renvoie vers {target} : donnez la bonne adresse (--api)"
                )
            if status == 404:
                raise ConfigurationError(f"{self.endpoint} n'est pas l'adresse d'une API GraphQL : vérifiez --api")
            if status != 200:
                raise ApiError(f"l'API a refusé la requête {operation} (HTTP {status}) : {_messages(response)}")
            return response

    def _retry_or_stop(self, failures: int, what: str) -> None:
        if failures > self.retries:
            raise NetworkError(
                f"démarches-simplifiées ne répond pas correctement ({what}) après {failures} essais ; vérifiez la "
                "connexion à internet (ou au proxy), puis relancez"
            )
        self._wait(min(self.backoff * 2 ** (failures - 1), WINDOW_SECONDS))

    def _rate_limit_wait(self, response: httpx.Response) -> float:
        """Seconds until the window resets: ``RateLimit-Reset`` (Unix time, or seconds), else ``Retry-After``."""
        reset = response.headers.get("RateLimit-Reset")
        if reset and reset.strip().isdigit():
            value = float(reset)
            wait = value - self._wall() if value > 1_000_000_000 else value
            return min(max(wait, 0.5), 2 * WINDOW_SECONDS)
        retry_after = response.headers.get("Retry-After")
        if retry_after:
            if retry_after.strip().isdigit():
                return min(max(float(retry_after), 0.5), 2 * WINDOW_SECONDS)
            try:
                when = parsedate_to_datetime(retry_after).timestamp()
            except (TypeError, ValueError):
                pass
            else:
                return min(max(when - self._wall(), 0.5), 2 * WINDOW_SECONDS)
        return WINDOW_SECONDS

    def _respect_budget(self) -> None:
        """Never more than ``budget_per_minute`` requests in any 60 seconds."""
        now = self._monotonic()
        while self._sent and now - self._sent[0] >= WINDOW_SECONDS:
            self._sent.popleft()
        if len(self._sent) >= self.budget_per_minute:
            self._wait(WINDOW_SECONDS - (now - self._sent[0]))
            self._sent.popleft()
        self._sent.append(self._monotonic())

    def _wait(self, seconds: float) -> None:
        if seconds > 0:
            self.waited += seconds
            self._sleep(seconds)

    # -- uploads to the storage service

    def upload(self, url: str, headers: Mapping[str, str], content: bytes) -> None:
        """``PUT`` the bytes of a file to the storage URL ``createDirectUpload`` gave, with its headers only."""
        failures = 0
        while True:
            try:
                response = self._http.put(url, content=content, headers=dict(headers))
            except httpx.TransportError as exc:
                failures += 1
                self._retry_or_stop(failures, _describe(exc))
                continue
            finally:
                self.requests += 1
            log.info("dépôt du fichier : HTTP %d", response.status_code)
            if response.status_code in RETRYABLE_STATUS:
                failures += 1
                self._retry_or_stop(failures, f"erreur du stockage (HTTP {response.status_code})")
                continue
            if not 200 <= response.status_code < 300:
                raise ApiError(
                    "le service de stockage de démarches-simplifiées a refusé le fichier "
                    f"(HTTP {response.status_code}) ; vérifiez que le fichier n'a pas changé pendant l'envoi, "
                    "puis relancez"
                )
            return


def _describe(exc: httpx.TransportError) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "délai dépassé"
    if isinstance(exc, httpx.ConnectError):
        return "connexion impossible"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "connexion coupée pendant la réponse"
    if isinstance(exc, httpx.ProxyError):
        return "proxy en erreur"
    return f"erreur réseau ({type(exc).__name__})"


def _messages(response: httpx.Response) -> str:
    """The ``errors[].message`` of an error body, or the start of the body."""
    try:
        body = loads(response.content)
    except ValueError:
        return response.text[:200].strip()
    if isinstance(body, dict) and isinstance(body.get("errors"), list):
        return "; ".join(str(e.get("message", "")) if isinstance(e, dict) else str(e) for e in body["errors"])[:300]
    return response.text[:200].strip()


def _is_timeout(response: httpx.Response) -> bool:
    """The API's own time limit (a top-level error with code ``timeout``) is worth another try."""
    if b'"timeout"' not in response.content:
        return False
    try:
        body = loads(response.content)
    except ValueError:
        return False
    errors = body.get("errors") if isinstance(body, dict) else None
    return isinstance(errors, list) and any(
        isinstance(e, dict) and (e.get("extensions") or {}).get("code") == "timeout" for e in errors
    )


FORBIDDEN_NETWORK = re.compile(r"forbidden network\. Add (\S+) to", re.IGNORECASE)


def _auth_failure(status: int, response: httpx.Response) -> DsError:
    message = _messages(response)
    network = FORBIDDEN_NETWORK.search(message)
    if network:
        return AuthError(
            f"le jeton n'est pas autorisé depuis le réseau de ce poste ({network.group(1)}) : un administrateur doit "
            f"ajouter {network.group(1)} aux adresses autorisées du jeton (Voir mon profil › Jetons d'API), "
            "ou lancez la commande depuis un poste autorisé"
        )
    if "expired" in message.lower() or "expiré" in message.lower():
        return AuthError(
            f"le jeton a expiré : {WHERE_TO_GET} ; remplacez l'ancien (variable GUICHET_DS_JETON ou fichier du jeton)"
        )
    return AuthError(
        f"démarches-simplifiées refuse le jeton (HTTP {status}) : il est inconnu, révoqué ou mal recopié ; "
        f"vérifiez-le, ou {WHERE_TO_GET}"
    )


def _read_only() -> AuthError:
    return AuthError(
        "le jeton ne permet que la lecture : pour écrire sur démarches-simplifiées, il faut un jeton "
        f"« lecture et écriture » ; {WHERE_TO_GET}"
    )


def _graphql_failure(errors: Any, variables: Mapping[str, Any]) -> DsError:
    entries = [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []
    codes = {(e.get("extensions") or {}).get("code") for e in entries}
    text = "; ".join(str(e.get("message", "")) for e in entries)[:300] or str(errors)[:300]
    demarche = variables.get("demarcheNumber")
    dossier = variables.get("dossierNumber")
    target = (
        f"la démarche {demarche}" if demarche is not None else f"le dossier {dossier}" if dossier else "la démarche"
    )
    if READ_ONLY_MARK in text:
        return _read_only()
    if "unauthorized" in codes or "hidden due to permissions" in text:
        return AccessError(
            f"le jeton ne donne pas accès à {target} : vérifiez le numéro, ou demandez un jeton qui couvre cette "
            "démarche (Voir mon profil › Jetons d'API › démarches autorisées)"
        )
    if "not_found" in codes or "not found" in text:
        return AccessError(f"{target} est introuvable sur démarches-simplifiées : vérifiez le numéro ({text})")
    return ApiError(f"l'API de démarches-simplifiées a répondu par une erreur : {text}")
