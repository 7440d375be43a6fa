"""A GraphQL client for the API of démarches-simplifiées (« démarche numérique »), over httpx.

``POST {query, operationName, variables}`` to ``<api>/api/v2/graphql`` with ``Authorization: Bearer
<jeton>``. What the platform does, and what the client does about it (sources: the platform's
``config/initializers/rack_attack.rb``, ``app/controllers/api/v2/base_controller.rb``,
``app/graphql/api/v2/schema.rb`` and ``app/graphql/mutations/base_mutation.rb``):

- 400 requests a minute per token, then HTTP 429 (a text/plain body) with ``RateLimit-Reset``, the end of
  the window in Unix seconds: the client keeps below its own budget, and on a 429 waits for the reset;
- a network failure or a 5xx answer (or an API timeout) to a *read* is retried with exponential backoff,
  then stops with a French message; a *write* (a mutation) is never sent again blindly: when its answer is
  lost, :class:`LostAnswer` tells the caller, who reads what the platform holds before sending again;
- 401 « Token expired », 403 « Request issued from a forbidden network. Add <ip>/<n> … », 403 for an
  unknown token, a top-level ``errors`` entry « … hidden due to permissions » for a démarche the token does
  not cover: each becomes a French message that says what to do;
- any top-level ``errors`` is a failure of the whole request, except where the caller can use partial data
  (:meth:`DsClient.query_partial`: a dossier the platform cannot build is ``null`` in its page, with an
  ``invalid_null`` error whose path names it); a mutation's own ``errors{message}`` is a failure for that
  dossier only, returned to the caller (« configuré seulement en lecture » excepted: the token cannot write
  at all — :meth:`DsClient.writable` asks it without writing anything).

Bounds, whatever the server does (each can be changed when the client is made): no answer within
:data:`WAIT_SECONDS`, or an answer still incomplete after :data:`REQUEST_SECONDS`, is tried once more, then
stops; an answer over :data:`RESPONSE_BYTES`, or nested deeper than :data:`JSON_DEPTH`, is refused (no
answer of the platform comes near: its queries are at most 15 deep). While the client waits (rate limit,
backoff), ``notice`` is told why, so that the agent is never left without a word.

The token goes into the ``Authorization`` header of each GraphQL request and nowhere else: not into the
client's default headers (so an upload to the storage service never carries it), not into logs, errors
or ``repr``. A server that sends it back (an error echoing the request's headers) has it masked in every
text and in the data it returns (:meth:`Jeton.redact`); every text of the server is also freed of terminal
escapes before it becomes part of a message (``words.shown``).
"""

from __future__ import annotations

import base64
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
from xlplugin.ds.jsonio import dumps, loads, nesting
from xlplugin.ds.operations import WRITE_PROBE, WRITE_PROBE_MUTATION
from xlplugin.ds.words import seconds_label, shown

log = logging.getLogger("xlplugin.ds")

DEFAULT_API = "https://demarche.numerique.gouv.fr"
GRAPHQL_PATH = "/api/v2/graphql"
BUDGET_PER_MINUTE = 400
WINDOW_SECONDS = 60.0
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
READ_ONLY_MARK = "seulement en lecture"
RETRYABLE_STATUS = {500, 502, 503, 504}
# The platform computes for 30 s at most (app/graphql/api/v2/schema.rb, Timeout max_seconds: 30).
WAIT_SECONDS = 45.0
CONNECT_SECONDS = 15.0
REQUEST_SECONDS = 90.0
RESPONSE_BYTES = 64 * 1024 * 1024
JSON_DEPTH = 64
SLOW_TRIES = 2


@dataclass(slots=True)
class MutationResult:
    """A mutation's payload and its own errors (a failure for this dossier only)."""

    payload: dict[str, Any]
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True, slots=True)
class FieldError:
    """An error of one field of an answer that is otherwise served (partial data): where, what, its code."""

    path: tuple[str | int, ...]
    message: str
    code: str | None

    def where(self, start: int = 0) -> str:
        """The path after ``start`` items, as a field name: ``demandeur.siret``."""
        return ".".join(str(p) for p in self.path[start:]) or "?"


class LostAnswer(NetworkError):
    """A write was sent, and its answer lost (a 5xx, a cut connection, a time limit): the platform may or may
    not have carried it out. ``what`` says what happened; the caller reads the dossier before sending again."""

    def __init__(self, message: str, what: str) -> None:
        super().__init__(message, what)


class _Slow(Exception):
    """No answer within the wait, or an answer still incomplete at the time limit."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


class _TooLarge(Exception):
    pass


@dataclass(frozen=True, slots=True)
class _Answer:
    status: int
    headers: httpx.Headers
    content: bytes


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
        timeout: float = WAIT_SECONDS,
        request_seconds: float = REQUEST_SECONDS,
        max_bytes: int = RESPONSE_BYTES,
        max_depth: int = JSON_DEPTH,
        notice: Callable[[str], None] | None = None,
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
        self.timeout = timeout
        self.request_seconds = request_seconds
        self.max_bytes = max_bytes
        self.max_depth = max_depth
        self._notice = notice
        self._sleep = sleep
        self._monotonic = monotonic
        self._wall = wall_clock
        self._sent: deque[float] = deque()
        self._http = httpx.Client(
            # A connection is quick or never comes: do not wait as long for it as for an answer.
            timeout=httpx.Timeout(timeout, connect=min(timeout, CONNECT_SECONDS)),
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

    def redact(self, text: str) -> str:
        """``text`` with the token (whole or in pieces) masked: for anything shown or journaled."""
        return self._jeton.redact(text)

    def server_text(self, text: object) -> str:
        """A text the server sent, fit for a message: the token masked, on one line, no terminal escape."""
        return shown(self._jeton.redact(str(text)))

    # -- GraphQL

    def query(
        self, document: str, operation: str, variables: Mapping[str, Any], *, retries: int | None = None
    ) -> dict[str, Any]:
        """Runs a query; returns its ``data``. Any top-level ``errors`` raises a :class:`DsError`.

        ``retries``: fewer tries than the client's, for a query whose failure the caller can live with."""
        answer = self._send(operation, self._body(document, operation, variables), retries=retries)
        data, errors = self._parse(answer, operation)
        if errors:
            raise self._failure(errors, variables)
        return self._data(data, operation)

    def query_partial(
        self, document: str, operation: str, variables: Mapping[str, Any]
    ) -> tuple[dict[str, Any], list[FieldError]]:
        """Runs a query whose answer may be partial: returns the ``data`` served and the errors of the fields
        that could not be (each with its path). An error without a path, or no data at all, raises."""
        answer = self._send(operation, self._body(document, operation, variables))
        data, errors = self._parse(answer, operation)
        if not errors:
            return self._data(data, operation), []
        entries = [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []
        located = [e for e in entries if isinstance(e.get("path"), list) and e["path"] and _invalid_null(e)]
        if (data is not None and not isinstance(data, dict)) or not located or len(located) != len(errors):
            raise self._failure(errors, variables)
        found = [
            FieldError(
                tuple(p for p in e["path"] if isinstance(p, (str, int))),
                self.server_text(e.get("message", "")),
                (e.get("extensions") or {}).get("code") if isinstance(e.get("extensions"), dict) else None,
            )
            for e in located
        ]
        return data or {}, found

    def mutate(
        self, document: str, operation: str, variables: Mapping[str, Any], *, root: str | None = None
    ) -> MutationResult:
        """Runs a mutation (root field ``root``, by default named like the operation); its own ``errors`` are
        returned. Never sent twice: a lost answer raises :class:`LostAnswer`."""
        answer = self._send(operation, self._body(document, operation, variables), safe=False)
        data, errors = self._parse(answer, operation)
        if errors:
            raise self._failure(errors, variables)
        payload = self._data(data, operation).get(root or operation)
        if not isinstance(payload, dict):
            raise ApiError(f"l'API n'a rien répondu pour l'opération {operation}")
        messages = [
            self.server_text(e.get("message", e) if isinstance(e, dict) else e) for e in payload.get("errors") or []
        ]
        if any(READ_ONLY_MARK in message for message in messages):
            raise _read_only()
        return MutationResult(payload, messages)

    def writable(self) -> bool | None:
        """Whether the token may write, asked without writing: a mutation on a dossier that cannot exist. The
        platform answers a read-only token before it looks for the dossier (``ready?`` in
        ``app/graphql/mutations/base_mutation.rb``), any other token with « not found ». None: the answer
        could not be read (the writes will tell)."""
        nowhere = base64.b64encode(b"Dossier-0").decode()
        variables = {
            "input": {
                "dossierId": nowhere,
                "instructeurId": base64.b64encode(b"Instructeur-0").decode(),
                "annotations": [],
            }
        }
        try:
            answer = self._send(WRITE_PROBE, self._body(WRITE_PROBE_MUTATION, WRITE_PROBE, variables))
            data, _ = self._parse(answer, WRITE_PROBE)
        except ApiError:
            return None
        payload = data.get("dossierModifierAnnotations") if isinstance(data, dict) else None
        errors = payload.get("errors") if isinstance(payload, dict) else None
        return not any(READ_ONLY_MARK in str(e.get("message") if isinstance(e, dict) else e) for e in errors or [])

    def _body(self, document: str, operation: str, variables: Mapping[str, Any]) -> bytes:
        return dumps({"query": document, "operationName": operation, "variables": dict(variables)}).encode("utf-8")

    def _parse(self, answer: _Answer, operation: str) -> tuple[Any, Any]:
        """``(data, errors)`` of an answer: its JSON checked for depth, parsed, the token masked in it."""
        if nesting(answer.content) > self.max_depth:
            raise ApiError(
                f"la réponse de l'API à {operation} est imbriquée sur plus de {self.max_depth} niveaux : ce n'est pas "
                f"une réponse de démarches-simplifiées ; vérifiez l'adresse de l'API ({self.endpoint})"
            )
        try:
            document = loads(answer.content)
        except (ValueError, RecursionError):
            raise ApiError(
                f"la réponse de l'API à {operation} n'est pas du JSON : vérifiez l'adresse de l'API ({self.endpoint})"
            ) from None
        if not isinstance(document, dict):
            raise ApiError(f"la réponse de l'API à {operation} n'a pas la forme attendue")
        document = self._scrub(document)
        return document.get("data"), document.get("errors")

    def _data(self, data: Any, operation: str) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise ApiError(f"la réponse de l'API à {operation} ne contient pas de données")
        return data

    def _scrub(self, value: Any) -> Any:
        """The token masked in every text of a parsed answer (keys included): nothing written from it holds it."""
        if isinstance(value, str):
            return self._jeton.redact(value) if self._jeton.appears_in(value) else value
        if isinstance(value, dict):
            return {self._scrub(k): self._scrub(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self._scrub(v) for v in value]
        return value

    def _failure(self, errors: Any, variables: Mapping[str, Any]) -> DsError:
        return _graphql_failure(errors, variables, self.server_text)

    # -- HTTP

    def _send(self, operation: str, body: bytes, *, safe: bool = True, retries: int | None = None) -> _Answer:
        """Posts ``body``; retries what may be retried. ``safe=False`` (a write): whatever may have reached the
        platform raises :class:`LostAnswer` instead of being sent again."""
        limit = self.retries if retries is None else retries
        failures = 0
        rate_limited = 0
        slow = 0
        while True:
            self._respect_budget()
            self.requests += 1
            try:
                answer = self._post(body)
            except _Slow as exc:
                log.info("%s : %s", operation, exc.what)
                if not safe:
                    raise _lost(exc.what) from None
                slow += 1
                if slow >= SLOW_TRIES:
                    raise NetworkError(
                        f"démarches-simplifiées ne répond pas ({exc.what}) après {slow} essais : vérifiez l'adresse "
                        f"de l'API ({self.endpoint}) et la connexion, puis relancez plus tard",
                        exc.what,
                    ) from None
                self._retry_wait(slow, f"ne répond pas ({exc.what})", SLOW_TRIES)
                continue
            except _TooLarge:
                raise ApiError(
                    f"la réponse de l'API à {operation} dépasse {self.max_bytes // (1024 * 1024)} Mo : ce n'est pas "
                    f"une réponse de démarches-simplifiées ; vérifiez l'adresse de l'API ({self.endpoint})"
                ) from None
            except httpx.TransportError as exc:
                what = _describe(exc)
                log.info("%s : %s", operation, what)
                if not safe and _maybe_delivered(exc):
                    raise _lost(what) from None
                failures += 1
                self._retry_or_stop(failures, what, limit)
                continue
            log.info("%s : HTTP %d", operation, answer.status)
            status = answer.status
            if status == 429:
                # Rack::Attack answers before the application: nothing was carried out, a write may go again.
                rate_limited += 1
                if rate_limited > self.max_rate_limited:
                    raise NetworkError(
                        f"démarches-simplifiées limite toujours le nombre de requêtes après {rate_limited} attentes ; "
                        "relancez dans quelques minutes"
                    )
                wait = self._rate_limit_wait(answer.headers)
                self._tell(f"limite de requêtes de démarches-simplifiées atteinte : attente de {seconds_label(wait)}")
                self._wait(wait)
                continue
            if status in RETRYABLE_STATUS or (status == 200 and _is_timeout(answer.content)):
                what = (
                    f"erreur du serveur (HTTP {status})"
                    if status != 200
                    else "délai de calcul dépassé chez démarches-simplifiées"
                )
                if not safe:
                    raise _lost(what)
                failures += 1
                self._retry_or_stop(failures, what, limit)
                continue
            if status in (401, 403):
                raise _auth_failure(status, self.server_text(_messages(answer.content)))
            if 300 <= status < 400:
                target = self.server_text(answer.headers.get("Location", "?"))
                raise ConfigurationError(
                    f"l'adresse de l'API {self.endpoint} renvoie vers {target} : donnez la bonne adresse (--api)"
                )
            if status == 404:
                raise ConfigurationError(f"{self.endpoint} n'est pas l'adresse d'une API GraphQL : vérifiez --api")
            if status != 200:
                raise ApiError(
                    f"l'API a refusé la requête {operation} (HTTP {status}) : "
                    f"{self.server_text(_messages(answer.content))}"
                )
            return answer

    def _post(self, body: bytes) -> _Answer:
        """One POST, read to its end within :attr:`request_seconds` and :attr:`max_bytes`."""
        started = time.monotonic()
        headers = {"Authorization": self._jeton.authorization(), "Content-Type": "application/json"}
        try:
            with self._http.stream("POST", self.endpoint, content=body, headers=headers) as response:
                declared = response.headers.get("Content-Length", "")
                if declared.isdigit() and int(declared) > self.max_bytes:
                    raise _TooLarge
                chunks: list[bytes] = []
                size = 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise _TooLarge
                    chunks.append(chunk)
                    if time.monotonic() - started > self.request_seconds:
                        raise _Slow(f"réponse toujours incomplète après {seconds_label(self.request_seconds)}")
                return _Answer(response.status_code, response.headers, b"".join(chunks))
        except httpx.ReadTimeout:
            raise _Slow(f"aucune réponse en {seconds_label(self.timeout)}") from None

    def _retry_or_stop(self, failures: int, what: str, limit: int | None = None) -> None:
        limit = self.retries if limit is None else limit
        if failures > limit:
            raise NetworkError(
                f"démarches-simplifiées ne répond pas correctement ({what}) après {failures} essais ; vérifiez la "
                "connexion à internet (ou au proxy), puis relancez",
                what,
            )
        self._retry_wait(failures, f"ne répond pas correctement ({what})", limit + 1)

    def _retry_wait(self, failures: int, what: str, tries: int) -> None:
        wait = min(self.backoff * 2 ** (failures - 1), WINDOW_SECONDS)
        self._tell(
            f"démarches-simplifiées {what} ; nouvel essai dans {seconds_label(wait)} (essai {failures + 1} sur {tries})"
        )
        self._wait(wait)

    def pause(self, failures: int, what: str) -> None:
        """Waits before a write is sent again (after ``failures`` lost answers), saying why."""
        self._retry_wait(failures, what, self.retries + 1)

    def _tell(self, message: str) -> None:
        log.info("%s", message)
        if self._notice is not None:
            self._notice(message)

    def _rate_limit_wait(self, headers: httpx.Headers) -> float:
        """Seconds until the window resets: ``RateLimit-Reset`` (Unix time, or seconds), else ``Retry-After``."""
        reset = headers.get("RateLimit-Reset")
        if reset and reset.strip().isdigit():
            value = float(reset)
            wait = value - self._wall() if value > 1_000_000_000 else value
            return min(max(wait, 0.5), 2 * WINDOW_SECONDS)
        retry_after = headers.get("Retry-After")
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


def _invalid_null(error: dict[str, Any]) -> bool:
    """A field the platform could not build (``API::V2::Schema.type_error``): the only error partial data allows."""
    extensions = error.get("extensions")
    code = extensions.get("code") if isinstance(extensions, dict) else None
    return code == "invalid_null" or str(error.get("message", "")).startswith("Cannot return null for non-nullable")


def _lost(what: str) -> LostAnswer:
    return LostAnswer(
        f"la réponse de démarches-simplifiées s'est perdue ({what}) : l'écriture a peut-être été faite", what
    )


def _maybe_delivered(exc: httpx.TransportError) -> bool:
    """Whether a request that failed so may have reached the platform (only a failed connection cannot)."""
    return not isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.ProxyError))


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


def _messages(content: bytes) -> str:
    """The ``errors[].message`` of an error body, or the start of the body."""
    try:
        body = loads(content) if nesting(content) <= JSON_DEPTH else None
    except (ValueError, RecursionError):
        body = None
    if isinstance(body, dict) and isinstance(body.get("errors"), list):
        return "; ".join(str(e.get("message", "")) if isinstance(e, dict) else str(e) for e in body["errors"])[:300]
    return content[:300].decode("utf-8", "replace").strip()


def _is_timeout(content: bytes) -> bool:
    """The API's own time limit (a top-level error with code ``timeout``) is worth another try."""
    if b'"timeout"' not in content or nesting(content) > JSON_DEPTH:
        return False
    try:
        body = loads(content)
    except (ValueError, RecursionError):
        return False
    errors = body.get("errors") if isinstance(body, dict) else None
    return isinstance(errors, list) and any(
        isinstance(e, dict) and (e.get("extensions") or {}).get("code") == "timeout" for e in errors
    )


FORBIDDEN_NETWORK = re.compile(r"forbidden network\. Add (\S+) to", re.IGNORECASE)


def _auth_failure(status: int, message: str) -> DsError:
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


def read_only_error() -> AuthError:
    """What a read-only token gets when asked to write."""
    return _read_only()


def _read_only() -> AuthError:
    return AuthError(
        "le jeton ne permet que la lecture : pour écrire sur démarches-simplifiées, il faut un jeton "
        f"« lecture et écriture » ; {WHERE_TO_GET}"
    )


def _graphql_failure(errors: Any, variables: Mapping[str, Any], clean: Callable[[object], str]) -> DsError:
    entries = [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []
    codes = {(e.get("extensions") or {}).get("code") for e in entries if isinstance(e.get("extensions"), dict)}
    text = clean("; ".join(str(e.get("message", "")) for e in entries)[:600] or str(errors)[:300])[:300]
    demarche = variables.get("demarcheNumber")
    dossier = variables.get("dossierNumber")
    payload = variables.get("input")
    # A write names its dossier by its identifier (the caller says its number): it is about a dossier.
    on_a_dossier = isinstance(payload, Mapping) and "dossierId" in payload
    target = (
        f"la démarche {demarche}"
        if demarche is not None
        else f"le dossier {dossier}"
        if dossier
        else "ce dossier"
        if on_a_dossier
        else "la démarche"
    )
    if READ_ONLY_MARK in text:
        return _read_only()
    # createDirectUpload has no errors field: the platform's « read only » answer leaves directUpload null.
    if any(
        (e.get("extensions") or {}).get("code") == "invalid_null"
        and isinstance(e.get("path"), list)
        and e["path"][-1:] == ["directUpload"]
        for e in entries
        if isinstance(e.get("extensions"), dict)
    ):
        return _read_only()
    if "unauthorized" in codes or "hidden due to permissions" in text:
        return AccessError(
            f"le jeton ne donne pas accès à {target} : vérifiez le numéro, ou demandez un jeton qui couvre cette "
            "démarche (Voir mon profil › Jetons d'API › démarches autorisées)"
        )
    if "not_found" in codes or "not found" in text:
        if on_a_dossier and dossier is None and demarche is None:  # read a moment ago: gone since
            return AccessError(
                "le dossier n'est plus sur démarches-simplifiées (supprimé depuis la lecture du plan) : rien ne lui "
                f"a été écrit ; guichet ds sync le signalera ({text})"
            )
        return AccessError(f"{target} est introuvable sur démarches-simplifiées : vérifiez le numéro ({text})")
    return ApiError(f"l'API de démarches-simplifiées a répondu par une erreur : {text}")
