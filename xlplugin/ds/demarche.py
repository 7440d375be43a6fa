"""What the writes need to know of a démarche: its private annotations, its groupes and their instructeurs, its
dossiers' states — read before anything is written, so that the plan knows what the platform will require.

Every mutation names the instructeur who makes it (``instructeurId``), and the platform accepts it only
from an instructeur of the dossier's groupe (``dossier_authorized_for?`` in
``app/graphql/mutations/base_mutation.rb``): the instructeur is chosen in each dossier's groupe
(``demarche{groupeInstructeurs{number label instructeurs{id email}}}``, ``dossier{groupeInstructeur{number}}``),
by the e-mail given, or as the groupe's only instructeur. Annotations are found in
``activeRevision.annotationDescriptors``, with their ``required`` flag: the platform refuses to accept,
refuse or close a dossier while a required private annotation is blank (``can_terminer?`` in
``app/models/dossier.rb``). The state and the current annotations of the dossiers come from one light
paginated query (100 dossiers a request), or one query for one dossier.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from xlplugin.ds.client import DsClient
from xlplugin.ds.errors import AccessError, ApiError, ConfigurationError
from xlplugin.ds.journal import PARIS
from xlplugin.ds.operations import (
    DEMARCHE_INFO_QUERY,
    DOSSIER_INSTRUCTION_QUERY,
    GET_DEMARCHE_INFO,
    GET_DOSSIER_INSTRUCTION,
    GET_INSTRUCTION,
    INSTRUCTION_QUERY,
)
from xlplugin.ds.sync import MAX_PAGES, PAGE_SIZE, next_cursor
from xlplugin.ds.words import normalize_label, shown
from xlplugin.workbook.rows import VERSION_FORMAT


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
    required: bool = False


@dataclass(frozen=True, slots=True)
class Groupe:
    """A groupe instructeur: the dossiers routed to it may be written only by its instructeurs."""

    id: str
    number: int
    label: str
    instructeurs: tuple[Instructeur, ...]


@dataclass(frozen=True, slots=True)
class DemarcheInfo:
    number: int
    id: str
    title: str
    annotations: tuple[AnnotationDescriptor, ...]
    instructeurs: tuple[Instructeur, ...]
    groupes: tuple[Groupe, ...] = ()

    def required(self) -> tuple[AnnotationDescriptor, ...]:
        return tuple(d for d in self.annotations if d.required)

    def groupe(self, number: int | None) -> Groupe | None:
        return next((g for g in self.groupes if g.number == number), None)


@dataclass(slots=True)
class DossierInstruction:
    """A dossier's GraphQL id, state, groupe and private annotations as démarches-simplifiées holds them now."""

    id: str
    number: int
    state: str
    annotations: list[dict[str, Any]] = field(default_factory=list)
    groupe: int | None = None
    siret: str | None = None  # the depositor's, when a legal person
    version: str | None = None  # dateDerniereModificationChamps: when the applicant last changed the champs

    def champ(self, descriptor: AnnotationDescriptor) -> dict[str, Any] | None:
        """The dossier's annotation for ``descriptor``: by its id, else by its label."""
        for champ in self.annotations:
            if descriptor.id in (champ.get("champDescriptorId"), champ.get("id")):
                return champ
        key = normalize_label(descriptor.label)
        return next((c for c in self.annotations if normalize_label(str(c.get("label") or "")) == key), None)

    def blank(self, descriptors: Iterable[AnnotationDescriptor]) -> list[AnnotationDescriptor]:
        """Those of ``descriptors`` this dossier leaves blank."""
        blank = []
        for descriptor in descriptors:
            champ = self.champ(descriptor)
            if champ is None or not str(champ.get("stringValue") or "").strip():
                blank.append(descriptor)
        return blank


def demarche_info(client: DsClient, demarche: int) -> DemarcheInfo:
    data = client.query(DEMARCHE_INFO_QUERY, GET_DEMARCHE_INFO, {"demarcheNumber": demarche}).get("demarche")
    if not isinstance(data, dict):
        raise ApiError(f"l'API n'a pas décrit la démarche {demarche}")
    revision = data.get("activeRevision") or {}
    annotations = tuple(
        AnnotationDescriptor(
            str(d["id"]),
            shown(d.get("label") or ""),
            str(d.get("__typename") or "").removesuffix("Descriptor"),
            d.get("required") is True,
        )
        for d in revision.get("annotationDescriptors") or []
        if isinstance(d, dict) and d.get("id")
    )
    seen: dict[str, Instructeur] = {}
    groupes = []
    for group in data.get("groupeInstructeurs") or []:
        if not isinstance(group, dict):
            continue
        members = []
        for person in group.get("instructeurs") or []:
            if isinstance(person, dict) and person.get("id"):
                member = seen.setdefault(
                    str(person["id"]), Instructeur(str(person["id"]), shown(person.get("email") or ""))
                )
                members.append(member)
        number = group.get("number")
        if isinstance(number, int) and not isinstance(number, bool):
            groupes.append(Groupe(str(group.get("id") or ""), number, shown(group.get("label") or ""), tuple(members)))
    return DemarcheInfo(
        demarche,
        str(data.get("id") or ""),
        shown(data.get("title") or ""),
        annotations,
        tuple(seen.values()),
        tuple(groupes),
    )


def choose_instructeur(info: DemarcheInfo, email: str | None) -> Instructeur:
    """The instructeur whose e-mail is ``email`` (any case), or the démarche's only instructeur."""
    emails = ", ".join(sorted(i.email for i in info.instructeurs)) or "aucun"
    if email:
        found = _by_email(info.instructeurs, email)
        if found is not None:
            return found
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


def _by_email(people: Iterable[Instructeur], email: str) -> Instructeur | None:
    wanted = email.strip().casefold()
    return next((p for p in people if p.email.casefold() == wanted), None)


class Instructeurs:
    """The instructeur who writes each dossier, chosen in the dossier's groupe (see the module's docstring)."""

    def __init__(self, info: DemarcheInfo, email: str | None, groupes: Iterable[int | None] = ()) -> None:
        self.info = info
        self.email = email
        if email:
            self.main = choose_instructeur(info, email)  # an address no groupe knows is an error of the command
        else:
            used = {g for g in groupes if g is not None}
            for groupe in info.groupes:
                if groupe.number in used and len(groupe.instructeurs) > 1:
                    emails = ", ".join(sorted(i.email for i in groupe.instructeurs))
                    raise ConfigurationError(
                        f"le groupe « {groupe.label} » de la démarche {info.number} a plusieurs instructeurs "
                        f"({emails}) : choisissez le vôtre avec --instructeur EMAIL"
                    )
            chosen = [g.instructeurs[0] for g in info.groupes if g.number in used and g.instructeurs]
            if not chosen and not info.instructeurs:
                choose_instructeur(info, None)  # says the démarche has no instructeur
            self.main = chosen[0] if chosen else info.instructeurs[0]

    def emails(self, chosen: Iterable[Instructeur]) -> str:
        """« a@x » or « a@x, b@y »: who writes, for the plan's first line."""
        found = sorted({i.email for i in chosen}) or [self.main.email]
        return ", ".join(found)

    def of(self, dossier: DossierInstruction) -> Instructeur | str:
        """The instructeur for ``dossier``, or why there is none (a French sentence, without the dossier)."""
        groupe = self.info.groupe(dossier.groupe)
        if groupe is None:  # no groupe given: the démarche's instructeur, as the platform will judge
            if self.email or len(self.info.instructeurs) == 1:
                return self.main
            return (
                "démarches-simplifiées ne dit pas à quel groupe instructeur ce dossier appartient : donnez votre "
                "adresse d'instructeur avec --instructeur EMAIL"
            )
        if self.email:
            found = _by_email(groupe.instructeurs, self.email)
            if found is not None:
                return found
            emails = ", ".join(sorted(i.email for i in groupe.instructeurs)) or "aucun"
            return (
                f"{self.email} n'est pas instructeur du groupe « {groupe.label} » de ce dossier (instructeurs du "
                f"groupe : {emails}) : lancez la commande avec --instructeur d'un instructeur du groupe, ou "
                "ajoutez-vous au groupe sur démarches-simplifiées"
            )
        if not groupe.instructeurs:
            return (
                f"le groupe « {groupe.label} » de ce dossier n'a aucun instructeur : ajoutez-en un sur "
                "démarches-simplifiées"
            )
        return groupe.instructeurs[0]


def depositor_mismatch(dossier: DossierInstruction, siret: str | None) -> str | None:
    """Why the workbook's row of ``dossier`` (its porteur's ``siret``) is not that dossier on the platform: its
    depositor's SIRET differs (two numbers swapped between rows, a number mistyped as another's). None when they
    agree, or when either cannot be read (a SIRET that cannot be read proves nothing)."""
    theirs, ours = _siret(dossier.siret), _siret(siret)
    if theirs is None or ours is None or theirs == ours:
        return None
    return (
        f"le SIRET de sa ligne du classeur ({ours}) n'est pas celui de son demandeur sur démarches-simplifiées "
        f"({theirs}) : la ligne porte-t-elle le bon numéro ?"
    )


def changed_since(dossier: DossierInstruction, version: str | None) -> str | None:
    """Why the workbook's row of ``dossier``, imported from its ``version``, is not what the platform holds now:
    the applicant changed the dossier since (or the row's version is not the platform's). None when they are the
    same, or when the workbook does not say (``version`` None: the caller decides whether that may go)."""
    if version is None:
        return None
    theirs, ours = _moment(dossier.version), _moment(version)
    if theirs is not None and theirs == ours:
        return None
    todo = "lancez guichet ds sync --workbook, revoyez ses chiffres, puis relancez"
    if theirs is not None and ours is not None and theirs > ours:
        return (
            f"le dossier a été modifié sur démarches-simplifiées (le {theirs.astimezone(PARIS):%d/%m/%Y à %H:%M}) "
            f"après la version que juge le classeur ({version}) : {todo}"
        )
    held = f"modifié le {theirs.astimezone(PARIS):%d/%m/%Y à %H:%M}" if theirs is not None else "version illisible"
    return (
        f"le dossier sur démarches-simplifiées ({held}) n'est pas la version que juge le classeur "
        f"(colonne « Version reçue de démarches-simplifiées » : {version}) : {todo}"
    )


def _moment(text: str | None) -> datetime | None:
    """An instant as the platform writes it (ISO 8601) or as the workbook shows it (``rows.VERSION_FORMAT``), to
    the second (the cell keeps no fraction)."""
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        try:
            moment = datetime.strptime(text.strip(), VERSION_FORMAT)
        except ValueError:
            return None
    return moment.replace(microsecond=0) if moment.tzinfo is not None else None


def _siret(value: str | None) -> str | None:
    """A SIRET as fourteen digits (a workbook may hold it as a number, « 21010005300011.0 »)."""
    if value is None:
        return None
    digits = "".join(c for c in str(value).split(".")[0] if c.isdigit())
    return digits if len(digits) == 14 else None


def _dossier(node: dict[str, Any]) -> DossierInstruction:
    groupe = node.get("groupeInstructeur")
    number = groupe.get("number") if isinstance(groupe, dict) else None
    demandeur = node.get("demandeur")
    siret = demandeur.get("siret") if isinstance(demandeur, dict) else None
    version = node.get("dateDerniereModificationChamps")
    return DossierInstruction(
        str(node.get("id")),
        node["number"],
        str(node.get("state")),
        [a for a in node.get("annotations") or [] if isinstance(a, dict)],
        number if isinstance(number, int) and not isinstance(number, bool) else None,
        siret if isinstance(siret, str) else None,
        version if isinstance(version, str) else None,
    )


def dossiers_instruction(client: DsClient, demarche: int, page_size: int = PAGE_SIZE) -> dict[int, DossierInstruction]:
    """Every dossier of the démarche visible to the administration, by number."""
    found: dict[int, DossierInstruction] = {}
    after: str | None = None
    seen: set[str] = set()
    for _ in range(MAX_PAGES):
        variables = {"demarcheNumber": demarche, "first": page_size, "after": after}
        data = client.query(INSTRUCTION_QUERY, GET_INSTRUCTION, variables)
        connection = (data.get("demarche") or {}).get("dossiers")
        if not isinstance(connection, dict):
            raise ApiError("la réponse de l'API ne contient pas la liste des dossiers")
        nodes = [n for n in connection.get("nodes") or [] if isinstance(n, dict)]
        for node in nodes:
            if isinstance(node.get("number"), int):
                found[node["number"]] = _dossier(node)
        after = next_cursor(connection.get("pageInfo"), len(nodes), after, seen, "liste des dossiers")
        if after is None:
            return found
    raise ApiError(
        f"la démarche {demarche} compte plus de {MAX_PAGES * page_size} dossiers, ou démarches-simplifiées ne cesse "
        "d'annoncer une page suivante : la lecture s'arrête là ; rien n'est envoyé"
    )


def dossier_instruction(client: DsClient, number: int) -> DossierInstruction | None:
    """One dossier as démarches-simplifiées holds it now (None: not visible, or gone)."""
    try:
        data = client.query(DOSSIER_INSTRUCTION_QUERY, GET_DOSSIER_INSTRUCTION, {"dossierNumber": number})
    except AccessError:
        return None
    node = data.get("dossier")
    return _dossier(node) if isinstance(node, dict) and isinstance(node.get("number"), int) else None
