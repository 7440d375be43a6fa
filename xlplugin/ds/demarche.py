"""What the writes need to know of a démarche: its private annotations, its instructeurs, its dossiers' states.

Every mutation names the instructeur who makes it (``instructeurId``): it is found among
``demarche{groupeInstructeurs{instructeurs{id email}}}`` by the e-mail of the token's owner, or is the
only instructeur. Annotations are found in ``activeRevision.annotationDescriptors``. The state and the
current annotations of the dossiers come from one light paginated query (100 dossiers a request).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from xlplugin.ds.client import DsClient
from xlplugin.ds.errors import ApiError, ConfigurationError
from xlplugin.ds.operations import DEMARCHE_INFO_QUERY, GET_DEMARCHE_INFO, GET_INSTRUCTION, INSTRUCTION_QUERY
from xlplugin.ds.sync import PAGE_SIZE


@dataclass(frozen=True, slots=True)
class Instructeur:
    id: str
    email: str


@dataclass(frozen=True, slots=True)
class AnnotationDescriptor:
    """A private annotation of the démarche; ``typename`` is the champ's type (``DecimalNumberChamp``…)."""

    id: str
    label: str
    typename: str


@dataclass(frozen=True, slots=True)
class DemarcheInfo:
    number: int
    id: str
    title: str
    annotations: tuple[AnnotationDescriptor, ...]
    instructeurs: tuple[Instructeur, ...]


@dataclass(slots=True)
class DossierInstruction:
    """A dossier's GraphQL id, state and private annotations as démarches-simplifiées holds them now."""

    id: str
    number: int
    state: str
    annotations: list[dict[str, Any]] = field(default_factory=list)


def demarche_info(client: DsClient, demarche: int) -> DemarcheInfo:
    data = client.query(DEMARCHE_INFO_QUERY, GET_DEMARCHE_INFO, {"demarcheNumber": demarche}).get("demarche")
    if not isinstance(data, dict):
        raise ApiError(f"l'API n'a pas décrit la démarche {demarche}")
    revision = data.get("activeRevision") or {}
    annotations = tuple(
        AnnotationDescriptor(
            str(d["id"]), str(d.get("label") or ""), str(d.get("__typename") or "").removesuffix("Descriptor")
        )
        for d in revision.get("annotationDescriptors") or []
        if isinstance(d, dict) and d.get("id")
    )
    seen: dict[str, Instructeur] = {}
    for group in data.get("groupeInstructeurs") or []:
        for person in (group or {}).get("instructeurs") or []:
            if isinstance(person, dict) and person.get("id") and person["id"] not in seen:
                seen[person["id"]] = Instructeur(str(person["id"]), str(person.get("email") or ""))
    return DemarcheInfo(
        demarche, str(data.get("id") or ""), str(data.get("title") or ""), annotations, tuple(seen.values())
    )


def choose_instructeur(info: DemarcheInfo, email: str | None) -> Instructeur:
    """The instructeur whose e-mail is ``email`` (any case), or the démarche's only instructeur."""
    emails = ", ".join(sorted(i.email for i in info.instructeurs)) or "aucun"
    if email:
        wanted = email.strip().casefold()
        for person in info.instructeurs:
            if person.email.casefold() == wanted:
                return person
        raise ConfigurationError(
            f"« {email} » n'est pas instructeur de la démarche {info.number} (instructeurs : {emails}) : "
            "donnez l'adresse avec laquelle vous instruisez sur démarches-simplifiées"
        )
    if len(info.instructeurs) == 1:
        return info.instructeurs[0]
    if not info.instructeurs:
        raise ConfigurationError(
            f"la démarche {info.number} n'a aucun instructeur : ajoutez-en un sur démarches-simplifiées"
        )
    raise ConfigurationError(
        f"la démarche {info.number} a plusieurs instructeurs ({emails}) : choisissez le vôtre avec --instructeur EMAIL"
    )


def dossiers_instruction(client: DsClient, demarche: int, page_size: int = PAGE_SIZE) -> dict[int, DossierInstruction]:
    """Every dossier of the démarche visible to the administration, by number."""
    found: dict[int, DossierInstruction] = {}
    after: str | None = None
    while True:
        variables = {"demarcheNumber": demarche, "first": page_size, "after": after}
        data = client.query(INSTRUCTION_QUERY, GET_INSTRUCTION, variables)
        connection = (data.get("demarche") or {}).get("dossiers")
        if not isinstance(connection, dict):
            raise ApiError("la réponse de l'API ne contient pas la liste des dossiers")
        nodes = [n for n in connection.get("nodes") or [] if isinstance(n, dict)]
        for node in nodes:
            if isinstance(node.get("number"), int):
                found[node["number"]] = DossierInstruction(
                    str(node.get("id")), node["number"], str(node.get("state")), list(node.get("annotations") or [])
                )
        page_info = connection.get("pageInfo") or {}
        if not (page_info.get("hasNextPage") and nodes and page_info.get("endCursor")):
            return found
        after = page_info["endCursor"]
