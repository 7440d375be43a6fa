"""A small démarches-simplifiées on 127.0.0.1: a real GraphQL server for the tests and the demo.

It executes the operations the project sends with ``graphql-core`` over ``schema.graphql`` (the project's
own subset of the API), on dossiers kept in memory, and behaves as the platform does where the client
must cope (``app/controllers/api/v2/base_controller.rb``, ``config/initializers/rack_attack.rb``,
``app/graphql/connections/cursor_connection.rb``, ``app/graphql/mutations/*.rb``):

- tokens: unknown → 403, expired → 401 « Token expired », network not allowed → 403 « Request issued from a
  forbidden network… », read-only → the mutation's own error « configuré seulement en lecture », a démarche
  the token does not cover → « An object of type Demarche was hidden due to permissions »;
- at most ``rate_limit`` requests a minute per token, then 429 with ``RateLimit-Reset`` (Unix time);
- cursors ``base64("<time>;<id>")``, ordered by (last update, id) with ``updatedSince``, else by deposit;
- state changes only from the states the platform allows; annotations by their id and typed value; files
  by ``createDirectUpload`` then a ``PUT`` whose MD5 is checked.

Faults for the tests: one 429 (``faults.rate_limit``), a dossiers page cut in the middle of its body
(``faults.drop_page``), answers 503 from the n-th dossiers page on (``faults.down_after_pages``).

``python -m tests.acceptance.ds.server --port 8765 --dossiers 40`` serves the example dossiers for the demo,
with the token ``jeton-de-demonstration``.
"""

from __future__ import annotations

import argparse
import base64
import copy
import hashlib
import json
import os
import socket
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from graphql import GraphQLError, GraphQLSchema, build_schema, graphql_sync

from tests.acceptance.ds.dossiers import GROUP, annotation_descriptors, example_nodes, generated_nodes, typed_id

SCHEMA_FILE = Path(__file__).with_name("schema.graphql")
DEMO_TOKEN = "jeton-de-demonstration"
DEMO_DEMARCHE = 41234
STATE_LABELS = {
    "en_construction": "en construction",
    "en_instruction": "en instruction",
    "accepte": "accepté",
    "refuse": "refusé",
    "sans_suite": "classé sans suite",
}


@dataclass
class TokenRule:
    """What a token may do."""

    write: bool = True
    demarches: set[int] | None = None  # None: every démarche of the administrator
    expired: bool = False
    network_allowed: bool = True


@dataclass
class Faults:
    rate_limit: int = 0  # answer 429 to the next n requests
    drop_page: int = 0  # cut the body of the next n dossiers pages
    down_after_pages: int | None = None  # 503 for every dossiers page after this many were served


@dataclass
class Record:
    node: dict[str, Any]
    deposited_at: datetime
    updated_at: datetime
    hidden_at: datetime | None = None
    justificatif: dict[str, Any] | None = None
    notified: list[str] = field(default_factory=list)


@dataclass
class Blob:
    key: str
    filename: str
    byte_size: int
    checksum: str
    content_type: str
    uploaded: bool = False
    bad: bool = False
    data: bytes = b""


@dataclass
class Logged:
    operation: str | None
    variables: dict[str, Any]
    status: int


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def encode_cursor(moment: datetime, ident: int) -> str:
    return base64.b64encode(f"{moment.isoformat()};{ident}".encode()).decode()


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        moment, ident = base64.b64decode(cursor).decode().split(";")
        return datetime.fromisoformat(moment), int(ident)
    except (ValueError, UnicodeDecodeError):
        raise GraphQLError("Invalid cursor", extensions={"code": "bad_request"}) from None


def _number_of(typed: str, kind: str) -> int:
    try:
        prefix, ident = base64.b64decode(typed).decode().split("-", 1)
        if prefix != kind:
            raise ValueError(prefix)
        return int(ident.split("|")[0])
    except (ValueError, UnicodeDecodeError):
        raise GraphQLError(f"Invalid input: {typed!r}", extensions={"code": "not_found"}) from None


class Store:
    """The démarche, its dossiers and what was written to them."""

    def __init__(self, nodes: list[dict[str, Any]], demarche: int = DEMO_DEMARCHE, title: str | None = None) -> None:
        self.lock = threading.RLock()
        self.demarche = demarche
        self.title = title or "Fonds « transformation numérique des collectivités » — Préfecture de l'Ain"
        self.created = datetime.fromisoformat("2021-08-01T09:00:00+02:00")
        self.clock = datetime.fromisoformat("2021-10-15T09:00:00+02:00")
        self.records: dict[int, Record] = {}
        for node in nodes:
            deposited = datetime.fromisoformat(node["dateDepot"])
            self.records[node["number"]] = Record(copy.deepcopy(node), deposited, deposited)
        self.deleted: list[dict[str, Any]] = []
        self.descriptors = annotation_descriptors()
        self.instructeurs = [{"id": typed_id("Instructeur", 1), "email": "instructeur@ain.gouv.fr"}]
        self.tokens: dict[str, TokenRule] = {}
        self.blobs: dict[str, Blob] = {}
        self.faults = Faults()
        self.rate_limit = 400
        self.requests: dict[str, deque[float]] = {}
        self.log: list[Logged] = []
        self.uploads: list[dict[str, str]] = []
        self.dossier_pages = 0
        self.base_url = ""

    def tick(self) -> datetime:
        """The server's clock: one second more for every change, so the order of updates is certain."""
        self.clock += timedelta(seconds=1)
        return self.clock

    # -- what the tests do to the démarche

    def change(self, number: int, label: str, text: str) -> None:
        """The applicant edits a text champ: the dossier is updated."""
        with self.lock:
            record = self.records[number]
            now = self.tick()
            for champ in record.node["champs"]:
                if champ["label"] == label:
                    champ["stringValue"] = text
                    champ["updatedAt"] = _iso(now)
            record.node["dateDerniereModification"] = record.node["dateDerniereModificationChamps"] = _iso(now)
            record.updated_at = now

    def delete(self, number: int, reason: str = "user_request") -> None:
        with self.lock:
            record = self.records.pop(number)
            self.deleted.append(
                {
                    "id": typed_id("DeletedDossier", number),
                    "number": number,
                    "state": record.node["state"],
                    "reason": reason,
                    "dateSupression": _iso(self.tick()),
                }
            )

    def hide(self, number: int) -> None:
        """The administration puts the dossier in the bin (pending deletion)."""
        with self.lock:
            self.records[number].hidden_at = self.tick()

    def annotation(self, number: int, label: str) -> dict[str, Any]:
        node = self.records[number].node
        return next(a for a in node["annotations"] if a["label"] == label)

    def state_of(self, number: int) -> str:
        return str(self.records[number].node["state"])

    def operations(self, name: str) -> list[Logged]:
        return [entry for entry in self.log if entry.operation == name]


# -- GraphQL resolvers


def _demarche(store: Store, info: Any, number: int) -> dict[str, Any]:
    rule: TokenRule = info.context["token"]
    if number != store.demarche:
        raise GraphQLError("Demarche not found", extensions={"code": "not_found"})
    if rule.demarches is not None and number not in rule.demarches:
        raise GraphQLError(
            "An object of type Demarche was hidden due to permissions", extensions={"code": "unauthorized"}
        )
    return {
        "id": typed_id("Procedure", number),
        "number": number,
        "title": store.title,
        "dateCreation": _iso(store.created),
        "activeRevision": {"id": typed_id("ProcedureRevision", 1), "annotationDescriptors": store.descriptors},
        "groupeInstructeurs": lambda info, closed=None: [dict(GROUP, instructeurs=store.instructeurs)],
        "dossiers": lambda info, **args: _dossiers(store, **args),
        "deletedDossiers": lambda info, **args: _deleted(store, store.deleted, **args),
        "pendingDeletedDossiers": lambda info, **args: _deleted(store, _pending(store), **args),
    }


def _page(items: list[tuple[tuple[datetime, int], Any]], first: int | None, after: str | None) -> dict[str, Any]:
    items.sort(key=lambda item: item[0])
    if after:
        start = decode_cursor(after)
        items = [item for item in items if item[0] > start]
    limit = min(first if first is not None else 100, 100)
    page = items[:limit]
    return {
        "pageInfo": {
            "hasNextPage": len(items) > limit,
            "hasPreviousPage": bool(after),
            "startCursor": encode_cursor(*page[0][0]) if page else None,
            "endCursor": encode_cursor(*page[-1][0]) if page else None,
        },
        "nodes": [node for _, node in page],
    }


def _dossiers(
    store: Store,
    first: int | None = None,
    after: str | None = None,
    updatedSince: str | None = None,
    createdSince: str | None = None,
    state: str | None = None,
) -> dict[str, Any]:
    since = datetime.fromisoformat(updatedSince.replace("Z", "+00:00")) if updatedSince else None
    created = datetime.fromisoformat(createdSince.replace("Z", "+00:00")) if createdSince else None
    items = []
    for number, record in store.records.items():
        if record.hidden_at is not None:
            continue
        if since is not None and record.updated_at < since:
            continue
        if since is None and created is not None and record.deposited_at < created:
            continue
        if state is not None and record.node["state"] != state:
            continue
        moment = record.updated_at if since is not None else record.deposited_at
        items.append(((moment, number), record.node))
    return _page(items, first, after)


def _pending(store: Store) -> list[dict[str, Any]]:
    return [
        {
            "id": typed_id("Dossier", number),
            "number": number,
            "state": record.node["state"],
            "reason": "instructeur_request",
            "dateSupression": _iso(record.hidden_at),
        }
        for number, record in store.records.items()
        if record.hidden_at is not None
    ]


def _deleted(
    store: Store,
    entries: list[dict[str, Any]],
    first: int | None = None,
    after: str | None = None,
    deletedSince: str | None = None,
) -> dict[str, Any]:
    since = datetime.fromisoformat(deletedSince.replace("Z", "+00:00")) if deletedSince else None
    items = []
    for entry in entries:
        moment = datetime.fromisoformat(entry["dateSupression"])
        if since is None or moment >= since:
            items.append(((moment, entry["number"]), entry))
    return _page(items, first, after)


def _mutation_target(store: Store, info: Any, data: dict[str, Any]) -> tuple[Record, dict[str, Any]] | dict[str, Any]:
    """The dossier and instructeur of a mutation, or the payload of its refusal."""
    rule: TokenRule = info.context["token"]
    if not rule.write:
        return {"errors": [{"message": "Le jeton utilisé est configuré seulement en lecture"}]}
    number = _number_of(data["dossierId"], "Dossier")
    record = store.records.get(number)
    if record is None:
        raise GraphQLError("Dossier not found", extensions={"code": "not_found"})
    instructeur = next((i for i in store.instructeurs if i["id"] == data.get("instructeurId")), None)
    if instructeur is None:
        raise GraphQLError(f"No object found for `instructeurId: {data.get('instructeurId')!r}`")
    if rule.demarches is not None and store.demarche not in rule.demarches:
        raise GraphQLError(
            "An object of type Dossier was hidden due to permissions", extensions={"code": "unauthorized"}
        )
    return record, instructeur


VALUE_KEYS = {
    "TextChamp": "text",
    "TextareaChamp": "textarea",
    "DecimalNumberChamp": "decimalNumber",
    "IntegerNumberChamp": "integerNumber",
    "DropDownListChamp": "dropDownList",
}


def _modifier_annotations(store: Store, info: Any, input: dict[str, Any]) -> dict[str, Any]:
    target = _mutation_target(store, info, input)
    if isinstance(target, dict):
        return target
    record, _ = target
    errors, saved = [], []
    now = store.tick()
    for item in input["annotations"]:
        champ = next((a for a in record.node["annotations"] if a["champDescriptorId"] == item["id"]), None)
        if champ is None:
            errors.append({"message": f'L‘annotation "{item["id"]}" n’existe pas'})
            continue
        key = VALUE_KEYS.get(champ["__typename"])
        value = item["value"].get(key) if key else None
        if value is None:
            errors.append({"message": f'L‘annotation "{item["id"]}" n’est pas de type attendu'})
            continue
        if champ["__typename"] == "DecimalNumberChamp":
            champ["value"], champ["stringValue"] = float(value), repr(float(value))
        elif champ["__typename"] == "IntegerNumberChamp":
            champ["value"], champ["stringValue"] = str(value), str(value)
        elif champ["__typename"] == "DropDownListChamp":
            champ["value"], champ["stringValue"] = value, value
        else:
            champ["stringValue"] = value
        champ["updatedAt"] = _iso(now)
        saved.append(champ)
    if saved:
        record.node["dateDerniereModification"] = record.node["dateDerniereModificationAnnotations"] = _iso(now)
        record.updated_at = now
    return {"annotations": saved, "errors": errors or None}


def _change_state(store: Store, info: Any, input: dict[str, Any], kind: str) -> dict[str, Any]:
    target = _mutation_target(store, info, input)
    if isinstance(target, dict):
        return target
    record, _ = target
    node = record.node
    if input.get("justificatif"):
        blob = next((b for b in store.blobs.values() if f"blob-signe-{b.key}" == input["justificatif"]), None)
        if blob is None:
            return {"errors": [{"message": "L’identifiant du fichier téléversé est invalide"}]}
        if blob.bad:
            return {"errors": [{"message": "Le hash du fichier téléversé est invalide"}]}
        if not blob.uploaded:
            return {"errors": [{"message": "Le fichier n’a pas été correctement téléversé sur le serveur de stockage"}]}
    wanted_from = "en_construction" if kind == "en_instruction" else "en_instruction"
    if node["state"] != wanted_from:
        return {"errors": [{"message": f"Le dossier est déjà {STATE_LABELS[node['state']]}"}]}
    now = _iso(store.tick())
    node["state"] = kind
    node["dateDerniereModification"] = now
    if kind == "en_instruction":
        node["datePassageEnInstruction"] = now
    else:
        node["dateTraitement"] = now
        node["motivation"] = input.get("motivation")
        if input.get("justificatif"):
            blob = next(b for b in store.blobs.values() if f"blob-signe-{b.key}" == input["justificatif"])
            record.justificatif = {"filename": blob.filename, "checksum": blob.checksum, "data": blob.data}
    record.updated_at = store.clock
    if not input.get("disableNotification"):
        record.notified.append(kind)
    return {"dossier": node, "errors": None}


def _create_direct_upload(store: Store, info: Any, input: dict[str, Any]) -> dict[str, Any]:
    rule: TokenRule = info.context["token"]
    if not rule.write:
        raise GraphQLError("Le jeton utilisé est configuré seulement en lecture")
    number = _number_of(input["dossierId"], "Dossier")
    if number not in store.records:
        raise GraphQLError("Dossier not found", extensions={"code": "not_found"})
    key = f"{len(store.blobs) + 1:06d}"
    store.blobs[key] = Blob(key, input["filename"], input["byteSize"], input["checksum"], input["contentType"])
    return {
        "directUpload": {
            "url": f"{store.base_url}/stockage/{key}",
            "headers": json.dumps({"Content-Type": input["contentType"], "Content-MD5": input["checksum"]}),
            "blobId": key,
            "signedBlobId": f"blob-signe-{key}",
        }
    }


def build(store: Store) -> GraphQLSchema:
    schema = build_schema(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert schema.query_type is not None and schema.mutation_type is not None
    schema.query_type.fields["demarche"].resolve = lambda _root, info, number: _demarche(store, info, number)
    schema.query_type.fields["dossier"].resolve = lambda _root, info, number: store.records[number].node
    mutations = schema.mutation_type.fields
    mutations["dossierModifierAnnotations"].resolve = lambda _r, info, input: _modifier_annotations(store, info, input)
    for name, state in (
        ("dossierPasserEnInstruction", "en_instruction"),
        ("dossierAccepter", "accepte"),
        ("dossierRefuser", "refuse"),
        ("dossierClasserSansSuite", "sans_suite"),
    ):
        mutations[name].resolve = lambda _r, info, input, state=state: _change_state(store, info, input, state)
    mutations["createDirectUpload"].resolve = lambda _r, info, input: _create_direct_upload(store, info, input)
    return schema


# -- HTTP


def _error_body(message: str, code: str) -> bytes:
    return json.dumps({"errors": [{"message": message, "extensions": {"code": code}}], "data": None}).encode()


class Handler(BaseHTTPRequestHandler):
    store: Store
    schema: GraphQLSchema

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the tests read ``store.log``."""

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None, cut: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if cut:
            # Half the body, then the connection is dropped: the client sees an incomplete answer.
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
            return
        self.wfile.write(body)

    def do_POST(self) -> None:
        store = self.store
        if self.path.split("?")[0] != "/api/v2/graphql":
            self._send(404, b'{"error": "not found"}')
            return
        length = int(self.headers.get("Content-Length") or 0)
        try:
            request = json.loads(self.rfile.read(length))
        except ValueError:
            self._send(400, _error_body("unexpected token", "bad_request"))
            return
        operation = request.get("operationName")
        variables = request.get("variables") or {}
        with store.lock:
            status, body, headers, cut = self._answer(store, request, operation, variables)
            store.log.append(Logged(operation, variables, status))
        self._send(status, body, headers, cut)

    def _answer(
        self, store: Store, request: dict[str, Any], operation: str | None, variables: dict[str, Any]
    ) -> tuple[int, bytes, dict[str, str], bool]:
        authorization = self.headers.get("Authorization") or ""
        token = authorization.removeprefix("Bearer ").strip() if authorization.startswith("Bearer ") else None
        rule = store.tokens.get(token or "")
        if rule is None:
            return 403, _error_body("Without a token, only persisted queries are allowed", "forbidden"), {}, False
        if not rule.network_allowed:
            message = (
                "Request issued from a forbidden network. Add 127.0.0.1/32 to your allowed adresses in your /profil"
            )
            return 403, _error_body(message, "forbidden"), {}, False
        if rule.expired:
            return 401, _error_body("Token expired", "unauthorized"), {}, False
        now = time.time()
        window = store.requests.setdefault(token or "", deque())
        while window and now - window[0] >= 60:
            window.popleft()
        if store.faults.rate_limit > 0 or len(window) >= store.rate_limit:
            forced = store.faults.rate_limit > 0
            store.faults.rate_limit = max(0, store.faults.rate_limit - 1)
            reset = int(now) + 1 if forced else int(window[0] + 60) + 1
            headers = {
                "RateLimit-Remaining": "0",
                "RateLimit-Reset": str(reset),
                "Retry-After": str(max(1, reset - int(now))),
            }
            return 429, "Trop de requêtes : attendez la fin de la minute.\n".encode(), headers, False
        window.append(now)
        pages = operation == "getDemarcheDossiers"
        if pages:
            down = store.faults.down_after_pages
            if down is not None and store.dossier_pages >= down:
                return 503, _error_body("Service Unavailable", "internal_server_error"), {}, False
        result = graphql_sync(
            self.schema,
            request.get("query") or "",
            variable_values=variables,
            operation_name=operation,
            context_value={"token": rule},
        )
        body: dict[str, Any] = {"data": result.data}
        if result.errors:
            body["errors"] = [
                {"message": e.message, "extensions": e.extensions or {}, "path": e.path} for e in result.errors
            ]
        cut = False
        if pages and not result.errors:
            if store.faults.drop_page > 0:
                store.faults.drop_page -= 1
                cut = True
            else:
                store.dossier_pages += 1
        return 200, json.dumps(body, ensure_ascii=False).encode(), {}, cut

    def do_PUT(self) -> None:
        store = self.store
        key = self.path.removeprefix("/stockage/")
        length = int(self.headers.get("Content-Length") or 0)
        data = self.rfile.read(length)
        with store.lock:
            store.uploads.append({name: value for name, value in self.headers.items()})
            blob = store.blobs.get(key)
            if blob is None:
                self._send(404, b"{}")
                return
            digest = base64.b64encode(hashlib.md5(data).digest()).decode()
            if (
                digest != blob.checksum
                or self.headers.get("Content-MD5") != blob.checksum
                or len(data) != blob.byte_size
            ):
                blob.bad = True
                self._send(422, b'{"error": "checksum mismatch"}')
                return
            blob.uploaded, blob.bad, blob.data = True, False, data
        self._send(204, b"")


@dataclass
class Running:
    store: Store
    server: ThreadingHTTPServer
    thread: threading.Thread

    @property
    def url(self) -> str:
        return self.store.base_url

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def start(store: Store, port: int = 0) -> Running:
    """Serves ``store`` on 127.0.0.1 (``port`` 0: a free port) in a background thread."""
    handler = type("BoundHandler", (Handler,), {"store": store, "schema": build(store)})
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    store.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, name="ds-local", daemon=True)
    thread.start()
    return Running(store, server, thread)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serveur démarches-simplifiées local, pour la démonstration.")
    parser.add_argument("--port", type=int, default=8765, help="port sur 127.0.0.1 (8765 par défaut)")
    parser.add_argument("--dossiers", type=int, default=40, help="nombre de dossiers servis (40 : les exemples)")
    parser.add_argument("--demarche", type=int, default=DEMO_DEMARCHE, help="numéro de la démarche")
    parser.add_argument("--pid-file", type=Path, help="fichier où écrire le numéro du processus")
    args = parser.parse_args(argv)
    nodes = example_nodes(args.dossiers) if args.dossiers <= 40 else generated_nodes(args.dossiers)
    store = Store(nodes, demarche=args.demarche)
    store.tokens[DEMO_TOKEN] = TokenRule()
    try:
        running = start(store, args.port)
    except OSError as exc:
        print(f"Le serveur de démonstration ne démarre pas sur le port {args.port} : {exc.strerror}", file=sys.stderr)
        return 1
    if args.pid_file:
        args.pid_file.write_text(str(os.getpid()), encoding="utf-8")
    print(
        f"Serveur démarches-simplifiées de démonstration : {running.url} — démarche {args.demarche}, "
        f"{len(nodes)} dossiers",
        flush=True,
    )
    try:
        running.thread.join()
    except KeyboardInterrupt:
        running.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
