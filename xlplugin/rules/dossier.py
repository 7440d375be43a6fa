"""The dossier as the office records it, and its JSON form (``schemas/dossier.schema.json``).

Vocabulary: the *porteur* (applicant) applies, alone or in a *projet commun* with *partenaires* and one
*contact opérationnel*; the *projet* has *axes* (the call's kinds of project); *dépenses* are expense lines
(label, nature, amount HT, contractor); the *appréciation* holds the agent's notes per criterion.

``read_dossier(document, reglement)`` checks a JSON document at every level (schema, SIRET/SIREN, codes
known to the règlement, notes within their scale) and returns a ``Dossier`` or raises ``DossierError`` with
every problem found. ``dossier_to_json`` gives the JSON form back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from xlplugin.errors import AgentError
from xlplugin.rules.identifiers import IdentifierError, siren_of_siret, validate_siret
from xlplugin.rules.money import ZERO, to_decimal
from xlplugin.rules.reglement import Reglement
from xlplugin.rules.schema_messages import Problem, schema_problems

SCHEMA = "dossier.schema.json"
# The dates a dossier of this call can have, and a workbook can hold (Excel's calendar starts in 1900):
# anything outside is a typing error, refused here rather than written as a negative serial number.
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2099, 12, 31)
OTHER_KIND = "autre"  # the form's « Autre » choice of « Axes du projet », which is not a kind of the call


class DossierError(AgentError, ValueError):
    """A dossier document that cannot be used; ``problems`` lists every field at fault."""

    def __init__(self, problems: list[Problem], numero: int | None = None) -> None:
        self.problems = problems
        self.numero = numero
        label = f"Dossier {numero}" if numero is not None else "Dossier"
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{label} inutilisable :\n{lines}")


@dataclass(frozen=True, slots=True)
class Structure:
    """A porteur or a partner: a public body identified by SIRET, with what the dossier says of it."""

    kind: str
    name: str
    siret: str | None = None
    code_insee: str | None = None
    population: int | None = None
    agents: int | None = None
    siren: str | None = None  # the SIRET's first nine digits unless given alone
    address: str | None = None  # postal address of the SIRET's establishment (no rule reads it; the letters do)

    def __post_init__(self) -> None:
        if self.siren is None and self.siret:
            object.__setattr__(self, "siren", siren_of_siret(self.siret))


@dataclass(frozen=True, slots=True)
class Contact:
    name: str = ""
    email: str = ""
    structure: str = ""

    @property
    def is_given(self) -> bool:
        """A contact is identified when at least a name or an e-mail address is given."""
        return bool(self.name.strip() or self.email.strip())


@dataclass(frozen=True, slots=True)
class Project:
    """The project. A dossier read from a file has every field; one built from the cells an Excel function
    was given has only what that function reads (a rule that needs an absent date raises ``MissingFact``)."""

    title: str = ""
    kinds: tuple[str, ...] = ()
    start: date | None = None
    end: date | None = None
    description: str = ""
    expected_results: str = ""
    agents_benefiting: int | None = None
    users_benefiting: int | None = None
    participatory: bool = False
    innovation_lab: bool = False
    justification: str = ""


@dataclass(frozen=True, slots=True)
class ExpenseLine:
    label: str
    nature: str
    amount: Decimal
    contractor: str = ""
    contractor_departement: str | None = None


@dataclass(frozen=True, slots=True)
class Dossier:
    """A dossier; every face builds one (a received file, a workbook row, the cells of an Excel function)
    and ``evaluate`` judges it. Fields a face does not know keep their neutral default."""

    number: int
    applicant: Structure
    project: Project = field(default_factory=Project)
    expenses: tuple[ExpenseLine, ...] = ()
    total_cost: Decimal = ZERO
    requested: Decimal = ZERO
    other_public_funding: Decimal = ZERO
    joint: bool = False
    partners: tuple[Structure, ...] = ()
    contact: Contact | None = None
    derogation: bool = False
    assessment: dict[str, int] = field(default_factory=dict)
    submitted_at: datetime | None = None
    state: str | None = None
    # The version received from démarches-simplifiées: when the applicant last changed its champs
    # (``dateDerniereModificationChamps``, as the platform wrote it). No rule reads it; a decision sent to the
    # platform is checked against it (a dossier changed since it was judged is not decided blind).
    ds_version: str | None = None

    @property
    def is_joint(self) -> bool:
        """A joint project: declared as such, or with partners listed."""
        return self.joint or bool(self.partners)


def read_dossier(document: Any, reglement: Reglement) -> Dossier:
    """Check a dossier's JSON document and build the ``Dossier``; ``DossierError`` lists every problem."""
    numero = document.get("numero") if isinstance(document, dict) else None
    numero = numero if isinstance(numero, int) and not isinstance(numero, bool) else None
    problems = schema_problems(document, SCHEMA)
    if problems:
        raise DossierError(problems, numero)
    problems = _identifier_problems(document) + _reglement_problems(document, reglement)
    if problems:
        raise DossierError(problems, numero)
    return dossier_from_json(document)


def _identifier_problems(doc: dict[str, Any]) -> list[Problem]:
    problems = []
    for pointer, siret in [("/porteur/siret", doc["porteur"]["siret"])] + [
        (f"/partenaires/{i}/siret", p["siret"]) for i, p in enumerate(doc.get("partenaires", [])) if "siret" in p
    ]:
        try:
            validate_siret(siret)
        except IdentifierError as exc:
            problems.append(Problem(pointer, f"{exc} ; recopiez-le depuis l'annuaire des entreprises", siret))
    siren = doc["porteur"].get("siren")
    if siren is not None and siren != doc["porteur"]["siret"][:9]:
        problems.append(Problem("/porteur/siren", "le SIREN ne correspond pas aux 9 premiers chiffres du SIRET", siren))
    return problems


def _reglement_problems(doc: dict[str, Any], reglement: Reglement) -> list[Problem]:
    problems = []
    known_kinds = {k.code for k in reglement.project_kinds} | {OTHER_KIND}
    for i, kind in enumerate(doc["projet"]["axes"]):
        if kind not in known_kinds:
            listed = ", ".join(sorted(known_kinds))
            problems.append(
                Problem(f"/projet/axes/{i}", f"axe « {kind} » inconnu du règlement ; codes permis : {listed}", kind)
            )
    natures = {n.code for n in reglement.expense_natures}
    for i, line in enumerate(doc["depenses"]):
        if line["nature"] not in natures:
            listed = ", ".join(sorted(natures))
            problems.append(
                Problem(
                    f"/depenses/{i}/nature",
                    f"nature « {line['nature']} » inconnue du règlement ; codes permis : {listed}",
                    line["nature"],
                )
            )
    for code, note in (doc.get("appreciation") or {}).items():
        criterion = reglement.criterion(code)
        pointer = f"/appreciation/{code}"
        if criterion is None or criterion.scale is None:
            assessed = ", ".join(c.code for c in reglement.criteria if c.scale is not None)
            problems.append(
                Problem(pointer, f"« {code} » n'est pas un critère apprécié par l'agent ; critères : {assessed}", note)
            )
        elif note is not None and not criterion.scale.low <= note <= criterion.scale.high:
            problems.append(
                Problem(
                    pointer, f"la note {note} sort de l'échelle {criterion.scale.low} à {criterion.scale.high}", note
                )
            )
    for pointer, text in (
        ("/projet/date_debut", doc["projet"]["date_debut"]),
        ("/projet/date_fin", doc["projet"]["date_fin"]),
        ("/date_depot", doc.get("date_depot")),
    ):
        try:
            outside = text is not None and not date_in_range(datetime.fromisoformat(text).date())
        except ValueError:  # the schema checks the format; this is the calendar (31 février)
            problems.append(Problem(pointer, "date qui n'existe pas au calendrier : corrigez-la dans le dossier", text))
            continue
        if outside:
            problems.append(Problem(pointer, date_range_message(), text))
    if doc["projet"]["date_fin"] < doc["projet"]["date_debut"]:
        problems.append(
            Problem("/projet/date_fin", "la date de fin précède la date de démarrage", doc["projet"]["date_fin"])
        )
    return problems


def date_in_range(day: date) -> bool:
    return EARLIEST_DATE <= day <= LATEST_DATE


def date_range_message() -> str:
    return (
        f"date hors de l'intervalle possible ({EARLIEST_DATE:%d/%m/%Y} au {LATEST_DATE:%d/%m/%Y}) : "
        "une faute de frappe ? corrigez-la dans le dossier"
    )


def dossier_from_json(doc: dict[str, Any]) -> Dossier:
    """Build a ``Dossier`` from a document already checked by ``read_dossier``'s schema."""
    porteur = doc["porteur"]
    project = doc["projet"]
    contact = doc.get("contact_operationnel")
    submitted = doc.get("date_depot")
    return Dossier(
        number=doc["numero"],
        applicant=Structure(
            kind=porteur["type"],
            name=porteur["nom"],
            siret=porteur["siret"],
            code_insee=porteur.get("code_insee"),
            population=porteur.get("population"),
            agents=porteur.get("nb_agents"),
            address=porteur.get("adresse"),
        ),
        project=Project(
            title=project["intitule"],
            kinds=tuple(project["axes"]),
            start=date.fromisoformat(project["date_debut"]),
            end=date.fromisoformat(project["date_fin"]),
            description=project.get("description", ""),
            expected_results=project.get("resultats_attendus", ""),
            agents_benefiting=project.get("agents_beneficiaires"),
            users_benefiting=project.get("usagers_beneficiaires"),
            participatory=project.get("demarche_participative", False),
            innovation_lab=project.get("laboratoire_innovation", False),
            justification=project.get("justification", ""),
        ),
        expenses=tuple(
            ExpenseLine(
                label=line["libelle"],
                nature=line["nature"],
                amount=to_decimal(line["montant_ht"]),
                contractor=line.get("prestataire", ""),
                contractor_departement=line.get("departement_prestataire"),
            )
            for line in doc["depenses"]
        ),
        total_cost=to_decimal(doc["cout_total"]),
        requested=to_decimal(doc["montant_sollicite"]),
        other_public_funding=to_decimal(doc.get("autres_financements", "0")),
        joint=doc.get("projet_commun", False),
        partners=tuple(
            Structure(
                kind=p["type"],
                name=p["nom"],
                siret=p.get("siret"),
                code_insee=p.get("code_insee"),
                population=p.get("population"),
            )
            for p in doc.get("partenaires", [])
        ),
        contact=Contact(contact.get("nom", ""), contact.get("courriel", ""), contact.get("structure", ""))
        if contact
        else None,
        derogation=doc.get("derogation_plafond_aides_publiques", False),
        assessment={k: v for k, v in (doc.get("appreciation") or {}).items() if v is not None},
        submitted_at=datetime.fromisoformat(submitted) if submitted else None,
        state=doc.get("statut"),
        ds_version=doc.get("version_ds"),
    )


def dossier_to_json(dossier: Dossier) -> dict[str, Any]:
    """The JSON form of a dossier (amounts as strings), valid against ``schemas/dossier.schema.json``."""
    a = dossier.applicant
    p = dossier.project
    porteur: dict[str, Any] = {"type": a.kind, "nom": a.name, "siret": a.siret}
    for key, value in (
        ("code_insee", a.code_insee),
        ("population", a.population),
        ("nb_agents", a.agents),
        ("adresse", a.address),
    ):
        if value is not None:
            porteur[key] = value
    projet: dict[str, Any] = {
        "intitule": p.title,
        "description": p.description,
        "axes": list(p.kinds),
        "date_debut": p.start.isoformat() if p.start else None,
        "date_fin": p.end.isoformat() if p.end else None,
        "resultats_attendus": p.expected_results,
        "demarche_participative": p.participatory,
        "laboratoire_innovation": p.innovation_lab,
        "justification": p.justification,
    }
    if p.agents_benefiting is not None:
        projet["agents_beneficiaires"] = p.agents_benefiting
    if p.users_benefiting is not None:
        projet["usagers_beneficiaires"] = p.users_benefiting
    doc: dict[str, Any] = {"numero": dossier.number}
    if dossier.submitted_at is not None:
        doc["date_depot"] = dossier.submitted_at.isoformat()
    if dossier.state is not None:
        doc["statut"] = dossier.state
    if dossier.ds_version is not None:
        doc["version_ds"] = dossier.ds_version
    doc["porteur"] = porteur
    doc["projet_commun"] = dossier.joint
    if dossier.partners:
        doc["partenaires"] = [
            {
                k: v
                for k, v in {
                    "nom": s.name,
                    "type": s.kind,
                    "siret": s.siret,
                    "code_insee": s.code_insee,
                    "population": s.population,
                }.items()
                if v is not None
            }
            for s in dossier.partners
        ]
    if dossier.contact is not None:
        doc["contact_operationnel"] = {
            "nom": dossier.contact.name,
            "courriel": dossier.contact.email,
            "structure": dossier.contact.structure,
        }
    doc["projet"] = projet
    doc["depenses"] = [
        {
            k: v
            for k, v in {
                "libelle": e.label,
                "nature": e.nature,
                "montant_ht": str(e.amount),
                "prestataire": e.contractor,
                "departement_prestataire": e.contractor_departement,
            }.items()
            if v is not None
        }
        for e in dossier.expenses
    ]
    doc["cout_total"] = str(dossier.total_cost)
    doc["montant_sollicite"] = str(dossier.requested)
    doc["autres_financements"] = str(dossier.other_public_funding)
    doc["derogation_plafond_aides_publiques"] = dossier.derogation
    if dossier.assessment:
        doc["appreciation"] = dict(dossier.assessment)
    return doc
