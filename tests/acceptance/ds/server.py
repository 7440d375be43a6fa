"""A small démarches-simplifiées on 127.0.0.1: a real GraphQL server for the tests and the demo.

It executes the operations the project sends with ``graphql-core`` over ``schema.graphql`` (the project's
own subset of the API), on dossiers kept in memory, and behaves as the platform does where the client
must cope. Each rule names the file of the platform's source (demarches-simplifiees.fr, 2026-01) it
follows:

- tokens (``app/controllers/api/v2/base_controller.rb``): unknown → 403, expired → 401 « Token expired »,
  network not allowed → 403 « Request issued from a forbidden network… », a démarche the token does not
  cover → « An object of type Demarche was hidden due to permissions » (``app/graphql/api/v2/schema.rb``);
- read-only tokens (``app/graphql/mutations/base_mutation.rb``, ``ready?``): every mutation answers its own
  error « Le jeton utilisé est configuré seulement en lecture » before loading anything; ``createDirectUpload``
  has no ``errors`` field (``create_direct_upload.rb``), so there the answer is a null ``directUpload`` and
  an ``invalid_null`` error;
- the rate limit (``config/initializers/rack_attack.rb``): ``rate_limit`` requests a minute per token, then
  429 with a text/plain body, ``RateLimit-Reset`` as a Unix time, and no ``Retry-After``;
- cursors (``app/graphql/connections/cursor_connection.rb``): ``base64("<time>;<id>")``, ordered by (last
  update, id) with ``updatedSince``, else by deposit; pending deletions by the date they were binned
  (``pending_deleted_dossiers_connection.rb``);
- the state machine (``app/models/dossier.rb``, ``app/graphql/mutations/dossier_*.rb``): to instruction
  from « en construction » only; accepted, refused, closed from « en instruction » only and only when
  ``can_terminer?`` — a required private annotation left blank makes the platform answer « Le dossier est
  déjà en instruction »;
- groupes instructeurs (``base_mutation.rb``, ``dossier_authorized_for?``): a mutation's instructeur must
  belong to the dossier's groupe, else « L’instructeur n’a pas les droits d’accès à ce dossier »;
- annotations by their id and typed value (``dossier_modifier_annotations.rb``); files by
  ``createDirectUpload`` then a ``PUT`` whose MD5 is checked (``base_mutation.rb``, ``validate_blob``);
- partial data (``app/graphql/api/v2/schema.rb``, ``type_error``): a dossier whose non-null field is null
  comes back as ``null`` in the page, with an error whose code is ``invalid_null`` and whose path names the
  field, and the rest of the page is served;
- the bin and deletions (``app/models/dossier.rb`` ``hide_and_keep_track!``/``restore``,
  ``app/models/deleted_dossier.rb``, ``app/graphql/types/demarche_type.rb``): a binned dossier leaves the
  list of dossiers for ``pendingDeletedDossiers``; restored, it is back and updated; purged, it goes to
  ``deletedDossiers`` dated from when the applicant binned it (en construction), else from the purge;
- the API's own time limit (``app/graphql/api/v2/schema.rb``, ``Timeout``): an error with code ``timeout``.

Faults for the tests (``store.faults``): one 429 (``rate_limit``), a dossiers page cut in the middle of
its body (``drop_page``), answers 503 from the n-th dossiers page on (``down_after_pages``), mutations
carried out whose answer is lost in a 502 (``lose_answers``), dossiers served with a null field
(``partial``), a timeout of the list of binned dossiers (``timeout_pending``).

A hostile server (``store.hostile``), which the platform never is but a wrong ``--api`` address or a proxy
may be: errors that echo the ``Authorization`` header, a cursor that repeats or is null, a new dossier on
every page, silence, an answer trickled byte by byte, JSON nested without end, a deletion reason with
terminal escapes.

``python -m tests.acceptance.ds.server --dossiers 40 --url-file serveur.url`` serves the example dossiers
for the demo on a free port, written to ``serveur.url`` once it is listening, with the token
``jeton-de-demonstration``.
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

from graphql import GraphQLError, GraphQLSchema, OperationType, build_schema, graphql_sync, parse
from graphql.error import GraphQLSyntaxError

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
READ_ONLY = "Le jeton utilisé est configuré seulement en lecture"
NOT_IN_GROUPE = "L’instructeur n’a pas les droits d’accès à ce dossier"
# config/initializers/rack_attack.rb, throttled_responder
RATE_LIMITED = (
    "Calme toi, cowboy ! T'enchaines un peu trop les requêtes. Respire un peu réessaie dans un petit moment.\n"
    "Calm down, cowboy! You're making too many requests. Take a breather and try again soon.\n"
)


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
    lose_answers: int = 0  # carry out the next n mutations, then answer 502 (the answer is lost)
    down_after_lost: bool = False  # once an answer is lost, 503 to every request (the network stays down)
    down: bool = False
    fail_before: int = 0  # answer 502 to the next n mutations without carrying them out (a proxy's failure)
    partial: dict[int, str] = field(default_factory=dict)  # dossier number → non-null field served null
    timeout_pending: int = 0  # the next n lists of binned dossiers time out
    refuse_final: dict[int, str] = field(default_factory=dict)  # dossier → error of accepter/refuser/classer


@dataclass
class Hostile:
    """What no démarches-simplifiées does, and a wrong address or a broken proxy may."""

    echo_token: bool = False  # every error message repeats the Authorization header
    cursor: str | None = None  # "repete": the same endCursor on every page; "nul": none, with hasNextPage
    endless: bool = False  # a new dossier on every page, and always a next page
    silent: float = 0.0  # seconds before anything is sent
    trickle: float = 0.0  # seconds between two bytes of an answer
    deep: int = 0  # the answer is a JSON nested this deep
    deletion_reason: str | None = None  # the reason given for every deleted dossier, as is


@dataclass
class Record:
    node: dict[str, Any]
    deposited_at: datetime
    updated_at: datetime
    hidden_at: datetime | None = None
    hidden_by: str | None = None  # "user" or "administration"
    groupe: int = 1
    justificatif: dict[str, Any] | None = None
    notified: list[str] = field(default_factory=list)

    def visible(self) -> bool:
        """``Dossier.visible_by_administration`` (app/models/dossier.rb)."""
        if self.hidden_at is None:
            return True
        return self.hidden_by == "user" and self.node["state"] != "en_construction"


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
        self.required: set[str] = set()  # labels of the private annotations the démarche makes required
        self.instructeurs = [{"id": typed_id("Instructeur", 1), "email": "instructeur@ain.gouv.fr"}]
        self.groupes: dict[int, dict[str, Any]] = {GROUP["number"]: dict(GROUP, instructeurs=self.instructeurs)}
        self.tokens: dict[str, TokenRule] = {}
        self.blobs: dict[str, Blob] = {}
        self.faults = Faults()
        self.hostile = Hostile()
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
        """The dossier is deleted for good at once (``DeletedDossier.create_from_dossier``)."""
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

    def hide(self, number: int, by: str = "administration") -> None:
        """The dossier is put in the bin (``hide_and_keep_track!``): by the administration, or by the applicant."""
        with self.lock:
            record = self.records[number]
            record.hidden_at, record.hidden_by = self.tick(), by

    def restore(self, number: int) -> None:
        """The dossier leaves the bin (``Dossier#restore``): an update, so the next sync fetches it again."""
        with self.lock:
            record = self.records[number]
            now = self.tick()
            record.hidden_at = record.hidden_by = None
            record.updated_at = now
            record.node["dateDerniereModification"] = _iso(now)

    def purge(self, number: int) -> None:
        """A binned dossier deleted for good: dated from when the applicant binned it while it was « en
        construction », else from now (``DeletedDossier.create_from_dossier``)."""
        with self.lock:
            record = self.records.pop(number)
            assert record.hidden_at is not None, "only a binned dossier is purged"
            by_user = record.hidden_by == "user" and record.node["state"] == "en_construction"
            self.deleted.append(
                {
                    "id": typed_id("DeletedDossier", number),
                    "number": number,
                    "state": record.node["state"],
                    "reason": "user_request" if record.hidden_by == "user" else "instructeur_request",
                    "dateSupression": _iso(record.hidden_at if by_user else self.tick()),
                }
            )

    def add_groupe(self, number: int, label: str, instructeurs: list[dict[str, str]]) -> None:
        self.groupes[number] = {
            "id": typed_id("GroupeInstructeur", number),
            "number": number,
            "label": label,
            "closed": False,
            "instructeurs": instructeurs,
        }

    def move(self, number: int, groupe: int) -> None:
        """The dossier is routed to another groupe instructeur."""
        with self.lock:
            record = self.records[number]
            record.groupe = groupe
            described = self.groupes[groupe]
            record.node["groupeInstructeur"] = {k: described[k] for k in ("id", "number", "label", "closed")}

    def annotation(self, number: int, label: str) -> dict[str, Any]:
        node = self.records[number].node
        return next(a for a in node["annotations"] if a["label"] == label)

    def state_of(self, number: int) -> str:
        return str(self.records[number].node["state"])

    def operations(self, name: str) -> list[Logged]:
        return [entry for entry in self.log if entry.operation == name]

    def mutations(self) -> list[Logged]:
        return [entry for entry in self.log if entry.operation and entry.operation.startswith("dossier")]


# -- GraphQL resolvers


def _demarche(store: Store, info: Any, number: int) -> dict[str, Any]:
    rule: TokenRule = info.context["token"]
    if number != store.demarche:
        raise GraphQLError("Demarche not found", extensions={"code": "not_found"})
    if rule.demarches is not None and number not in rule.demarches:
        raise GraphQLError(
            "An object of type Demarche was hidden due to permissions", extensions={"code": "unauthorized"}
        )
    descriptors = [dict(d, required=d["label"] in store.required) for d in store.descriptors]
    return {
        "id": typed_id("Procedure", number),
        "number": number,
        "title": store.title,
        "dateCreation": _iso(store.created),
        "activeRevision": {"id": typed_id("ProcedureRevision", 1), "annotationDescriptors": descriptors},
        "groupeInstructeurs": lambda info, closed=None: list(store.groupes.values()),
        "dossiers": lambda info, **args: _dossiers(store, **args),
        "deletedDossiers": lambda info, **args: _deleted(store, store.deleted, **args),
        "pendingDeletedDossiers": lambda info, **args: _deleted(store, _pending(store), **args),
    }


def _served(store: Store, record: Record) -> dict[str, Any]:
    """The node as served: with the field ``faults.partial`` breaks for it set to null."""
    broken = store.faults.partial.get(record.node["number"])
    if broken is None:
        return record.node
    return dict(record.node, **{broken: None})


def _page(
    items: list[tuple[tuple[datetime, int], Any]], first: int | None, after: str | None, hostile: Hostile | None = None
) -> dict[str, Any]:
    items.sort(key=lambda item: item[0])
    if after:
        start = decode_cursor(after)
        items = [item for item in items if item[0] > start]
    limit = min(first if first is not None else 100, 100)
    page = items[:limit]
    end = encode_cursor(*page[-1][0]) if page else None
    has_next = len(items) > limit
    if hostile is not None and hostile.cursor == "repete":
        end, has_next = after or end, True
    elif hostile is not None and hostile.cursor == "nul":
        end, has_next = None, True
    return {
        "pageInfo": {
            "hasNextPage": has_next,
            "hasPreviousPage": bool(after),
            "startCursor": encode_cursor(*page[0][0]) if page else None,
            "endCursor": end,
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
    if store.hostile.endless:
        return _endless_page(store)
    since = datetime.fromisoformat(updatedSince.replace("Z", "+00:00")) if updatedSince else None
    created = datetime.fromisoformat(createdSince.replace("Z", "+00:00")) if createdSince else None
    items = []
    for number, record in store.records.items():
        if not record.visible():
            continue
        if since is not None and record.updated_at < since:
            continue
        if since is None and created is not None and record.deposited_at < created:
            continue
        if state is not None and record.node["state"] != state:
            continue
        moment = record.updated_at if since is not None else record.deposited_at
        items.append(((moment, number), _served(store, record)))
    return _page(items, first, after, store.hostile)


def _endless_page(store: Store) -> dict[str, Any]:
    """A new dossier, made on the spot, alone on a page that always has a next one."""
    model = next(iter(store.records.values()))
    number = max(store.records) + 1
    node = dict(copy.deepcopy(model.node), number=number, id=typed_id("Dossier", number))
    now = store.tick()
    store.records[number] = Record(node, now, now)
    cursor = encode_cursor(now, number)
    return {
        "pageInfo": {"hasNextPage": True, "hasPreviousPage": True, "startCursor": cursor, "endCursor": cursor},
        "nodes": [node],
    }


def _dossier(store: Store, info: Any, number: int) -> dict[str, Any]:
    """``Query.dossier``: only a dossier the administration sees (``Dossier.visible_by_administration``)."""
    record = store.records.get(number)
    if record is None or not record.visible():
        raise GraphQLError("Dossier not found", extensions={"code": "not_found"})
    return _served(store, record)


def _pending(store: Store) -> list[dict[str, Any]]:
    """``Dossier.hidden_for_administration``, dated as ``DeletedDossierType#date_supression`` dates them."""
    return [
        {
            "id": typed_id("Dossier", number),
            "number": number,
            "state": record.node["state"],
            "reason": "user_request" if record.hidden_by == "user" else "instructeur_request",
            "dateSupression": _iso(record.hidden_at),
        }
        for number, record in store.records.items()
        if record.hidden_at is not None and not record.visible()
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


def _mutation_target(
    store: Store, info: Any, data: dict[str, Any], kind: str | None = None
) -> tuple[Record, dict[str, Any]] | dict[str, Any]:
    """The dossier and instructeur of a mutation, or the payload of its refusal, in the platform's order:
    ``ready?`` (the token's rights, then the uploaded file), arguments loaded, ``authorized?`` (the state,
    then the instructeur's access to the dossier)."""
    rule: TokenRule = info.context["token"]
    if not rule.write:
        return {"errors": [{"message": READ_ONLY}]}
    blob_id = data.get("justificatif")
    if blob_id:
        blob = next((b for b in store.blobs.values() if f"blob-signe-{b.key}" == blob_id), None)
        if blob is None:
            return {"errors": [{"message": "L’identifiant du fichier téléversé est invalide"}]}
        if blob.bad:
            return {"errors": [{"message": "Le hash du fichier téléversé est invalide"}]}
        if not blob.uploaded:
            return {"errors": [{"message": "Le fichier n’a pas été correctement téléversé sur le serveur de stockage"}]}
    number = _number_of(data["dossierId"], "Dossier")
    record = store.records.get(number)
    if record is None or not record.visible():
        raise GraphQLError("Dossier not found", extensions={"code": "not_found"})
    everyone = [person for groupe in store.groupes.values() for person in groupe["instructeurs"]]
    instructeur = next((i for i in everyone if i["id"] == data.get("instructeurId")), None)
    if instructeur is None:
        raise GraphQLError(f"No object found for `instructeurId: {data.get('instructeurId')!r}`")
    if rule.demarches is not None and store.demarche not in rule.demarches:
        raise GraphQLError(
            "An object of type Dossier was hidden due to permissions", extensions={"code": "unauthorized"}
        )
    if kind is not None:
        refused = _state_refusal(store, record, kind)
        if kind != "en_instruction" and refused is None:
            refused = store.faults.refuse_final.get(number)  # e.g. the SIRET's degraded mode (dossier_accepter.rb)
        if refused is not None:
            return {"errors": [{"message": refused}]}
    if instructeur not in store.groupes[record.groupe]["instructeurs"]:
        return {"errors": [{"message": NOT_IN_GROUPE}]}
    return record, instructeur


def _state_refusal(store: Store, record: Record, kind: str) -> str | None:
    """``authorized?`` of dossier_passer_en_instruction.rb and dossier_accepter.rb (refuser, classer sans
    suite alike): « Le dossier est déjà <état> » — also when ``can_terminer?`` fails on a blank required
    private annotation, whatever the state."""
    state = record.node["state"]
    if kind == "en_instruction":
        return None if state == "en_construction" else f"Le dossier est déjà {STATE_LABELS[state]}"
    if state != "en_instruction" or _blank_required(store, record):
        return f"Le dossier est déjà {STATE_LABELS[state]}"
    return None


def _blank_required(store: Store, record: Record) -> list[str]:
    """``Dossier#check_mandatory_and_visible_champs_private``: the required annotations left blank."""
    return [
        a["label"]
        for a in record.node["annotations"]
        if a["label"] in store.required and not (a.get("stringValue") or "").strip()
    ]


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
    target = _mutation_target(store, info, input, kind)
    if isinstance(target, dict):
        return target
    record, _ = target
    node = record.node
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
        # ready? answers { errors: […] }, a field this payload does not have: directUpload stays null.
        return {"errors": [{"message": READ_ONLY}]}
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
    schema.query_type.fields["dossier"].resolve = lambda _root, info, number: _dossier(store, info, number)
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


def _is_mutation(document: str) -> bool:
    try:
        definitions = parse(document).definitions
    except GraphQLSyntaxError:
        return False
    return any(getattr(d, "operation", None) == OperationType.MUTATION for d in definitions)


def _echo(value: Any, echoed: str) -> None:
    """Hostile: every error message, top level or in a payload, repeats the ``Authorization`` header."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "errors" and isinstance(item, list):
                for error in item:
                    if isinstance(error, dict) and isinstance(error.get("message"), str):
                        error["message"] += f" (requête reçue avec « Authorization: {echoed} »)"
            else:
                _echo(item, echoed)
    elif isinstance(value, list):
        for item in value:
            _echo(item, echoed)


def _reason(value: Any, reason: str) -> None:
    """Hostile: the reason of every deleted dossier replaced by ``reason``, as is."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("deletedDossiers", "pendingDeletedDossiers") and isinstance(item, dict):
                for node in item.get("nodes") or []:
                    if isinstance(node, dict):
                        node["reason"] = reason
            else:
                _reason(item, reason)


class Handler(BaseHTTPRequestHandler):
    store: Store
    schema: GraphQLSchema

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the tests read ``store.log``."""

    def _send(
        self,
        status: int,
        body: bytes,
        headers: dict[str, str] | None = None,
        cut: bool = False,
        content_type: str = "application/json; charset=utf-8",
    ) -> None:
        hostile = self.store.hostile
        if hostile.silent:
            time.sleep(hostile.silent)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
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
        if hostile.trickle:
            try:
                for index in range(len(body)):
                    self.wfile.write(body[index : index + 1])
                    self.wfile.flush()
                    time.sleep(hostile.trickle)
            except OSError:  # the client gave up
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
        if status == 429:
            self._send(status, body, headers, content_type="text/plain")
            return
        if status == 502:
            self._send(status, body, headers, content_type="text/html")
            return
        self._send(status, body, headers, cut)

    def _answer(
        self, store: Store, request: dict[str, Any], operation: str | None, variables: dict[str, Any]
    ) -> tuple[int, bytes, dict[str, str], bool]:
        status, body, headers, cut = self._graphql(store, request, operation, variables)
        authorization = self.headers.get("Authorization") or ""
        if store.hostile.echo_token and status != 429 and body:
            try:
                answer = json.loads(body)
            except ValueError:
                answer = None
            if isinstance(answer, dict):
                _echo(answer, authorization)
                body = json.dumps(answer, ensure_ascii=False).encode()
        if store.hostile.deletion_reason is not None and status == 200:
            answer = json.loads(body)
            _reason(answer, store.hostile.deletion_reason)
            body = json.dumps(answer, ensure_ascii=False).encode()
        if store.hostile.deep:
            body = ('{"data":{"demarche":' + "[" * store.hostile.deep + "]" * store.hostile.deep + "}}").encode()
        return status, body, headers, cut

    def _graphql(
        self, store: Store, request: dict[str, Any], operation: str | None, variables: dict[str, Any]
    ) -> tuple[int, bytes, dict[str, str], bool]:
        if store.faults.down:
            return 503, _error_body("Service Unavailable", "internal_server_error"), {}, False
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
            # The end of the current minute, as a Unix time; no Retry-After (a custom throttled_responder).
            reset = int(now) + 1 if forced else int(window[0] + 60) + 1
            headers = {"RateLimit-Remaining": "0", "RateLimit-Reset": str(reset)}
            return 429, RATE_LIMITED.encode(), headers, False
        window.append(now)
        pages = operation == "getDemarcheDossiers"
        if pages:
            down = store.faults.down_after_pages
            if down is not None and store.dossier_pages >= down:
                return 503, _error_body("Service Unavailable", "internal_server_error"), {}, False
        if operation == "getPendingDeletedDossiers" and store.faults.timeout_pending > 0:
            store.faults.timeout_pending -= 1
            # GraphQL::Schema::Timeout: the field's error has code timeout; null climbs to the non-null root.
            return 200, _error_body("Timeout on Demarche.pendingDeletedDossiers", "timeout"), {}, False
        document = request.get("query") or ""
        # The write faults hit the writes to a dossier (operations named like their root field, dossier…).
        writes = _is_mutation(document) and (operation or "").startswith("dossier")
        if store.faults.fail_before > 0 and writes:
            store.faults.fail_before -= 1
            return 502, b"<html><body><h1>502 Bad Gateway</h1></body></html>", {}, False
        result = graphql_sync(
            self.schema,
            document,
            variable_values=variables,
            operation_name=operation,
            context_value={"token": rule},
        )
        body: dict[str, Any] = {"data": result.data}
        if result.errors:
            body["errors"] = [
                {"message": e.message, "extensions": _extensions(e), "path": e.path} for e in result.errors
            ]
        if store.faults.lose_answers > 0 and writes:
            store.faults.lose_answers -= 1
            store.faults.down = store.faults.down_after_lost
            return 502, b"<html><body><h1>502 Bad Gateway</h1></body></html>", {}, False
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


def _extensions(error: GraphQLError) -> dict[str, Any]:
    """The platform's codes: ``invalid_null`` for a non-null field found null (``API::V2::Schema.type_error``)."""
    if error.message.startswith("Cannot return null for non-nullable field"):
        return {"code": "invalid_null"}
    return dict(error.extensions or {})


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


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up before the whole answer is sent (it refused what it read: a too deep
        # document, a time limit) is what the hostile tests provoke; the standard server would print a
        # traceback to sys.stderr — which a test's CliRunner captures as the command's own output.
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return
        super().handle_error(request, client_address)


def start(store: Store, port: int = 0) -> Running:
    """Serves ``store`` on 127.0.0.1 (``port`` 0: a free port) in a background thread."""
    handler = type("BoundHandler", (Handler,), {"store": store, "schema": build(store)})
    server = _Server(("127.0.0.1", port), handler)
    server.daemon_threads = True
    store.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, name="ds-local", daemon=True)
    thread.start()
    return Running(store, server, thread)


def _write_atomic(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serveur démarches-simplifiées local, pour la démonstration.")
    parser.add_argument("--port", type=int, default=0, help="port sur 127.0.0.1 (0, par défaut : un port libre)")
    parser.add_argument("--dossiers", type=int, default=40, help="nombre de dossiers servis (40 : les exemples)")
    parser.add_argument("--demarche", type=int, default=DEMO_DEMARCHE, help="numéro de la démarche")
    parser.add_argument("--pid-file", type=Path, help="fichier où écrire le numéro du processus")
    parser.add_argument(
        "--url-file",
        type=Path,
        help="fichier où écrire l'adresse du serveur, une fois qu'il écoute (ce port est à lui)",
    )
    args = parser.parse_args(argv)
    nodes = example_nodes(args.dossiers) if args.dossiers <= 40 else generated_nodes(args.dossiers)
    store = Store(nodes, demarche=args.demarche)
    store.tokens[DEMO_TOKEN] = TokenRule()
    if args.pid_file:
        _write_atomic(args.pid_file, str(os.getpid()))
    try:
        running = start(store, args.port)
    except OSError as exc:
        print(f"Le serveur de démonstration ne démarre pas sur le port {args.port} : {exc.strerror}", file=sys.stderr)
        return 1
    if args.url_file:
        # Written only once the socket is bound: whoever reads this address talks to this server.
        _write_atomic(args.url_file, running.url + "\n")
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
