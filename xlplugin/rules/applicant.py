"""Who applies: the porteur's département and the population that sets the funding rate.

A porteur's population is the one the dossier gives, else the reference territory's (a commune by code
INSEE or SIREN, an EPCI by SIREN). A joint project's population is the sum of its members' (porteur and
partners): if one of them is unknown, the sum is unknown and the dossier says which.
"""

from __future__ import annotations

from dataclasses import dataclass

from xlplugin.rules.dossier import Dossier, Structure
from xlplugin.rules.identifiers import insee_of_commune_siren
from xlplugin.rules.money import format_number
from xlplugin.rules.territory import Territory, departement_of


@dataclass(frozen=True, slots=True)
class Population:
    """A population with where it comes from; ``value`` is ``None`` when some member's is unknown."""

    value: int | None
    detail: str
    unknown: tuple[str, ...] = ()


def structure_population(structure: Structure, territory: Territory) -> tuple[int | None, str]:
    """The population of one structure and a French note of where it was found."""
    if structure.population is not None:
        return structure.population, "déclarée dans le dossier"
    if structure.code_insee and structure.kind == "commune":
        commune = territory.commune(structure.code_insee)
        if commune is not None:
            return commune.population, f"{commune.name}, code INSEE {commune.code_insee}"
    siren = structure.siren
    if siren:
        epci = territory.epci(siren)
        if epci is not None:
            return epci.population, f"{epci.name}, SIREN {siren}"
        commune = territory.commune_by_siren(siren)
        if commune is not None:
            return commune.population, f"{commune.name}, SIREN {siren}"
    return None, "inconnue"


def project_population(dossier: Dossier, territory: Territory) -> Population:
    """The population of the porteur, or of all the members of a joint project."""
    members = (dossier.applicant, *dossier.partners) if dossier.is_joint else (dossier.applicant,)
    total = 0
    parts = []
    unknown = []
    for member in members:
        value, detail = structure_population(member, territory)
        if value is None:
            unknown.append(member.name)
            parts.append(f"{member.name} : inconnue")
        else:
            total += value
            parts.append(f"{member.name} : {format_number(value)} hab. ({detail})")
    if len(members) == 1:
        detail = structure_population(dossier.applicant, territory)[1]
    else:
        detail = "somme des membres du projet commun — " + " ; ".join(parts)
    return Population(None if unknown else total, detail, tuple(unknown))


def seat_in_departement(applicant: Structure, territory: Territory, departement: str) -> bool | None:
    """Whether the porteur's seat is in ``departement``; ``None`` when it cannot be established.

    Decided by the seat's code INSEE when the dossier gives it; else by a commune's own SIREN (``21…``
    series); else, for an EPCI of the reference territory, by where most of its member communes are.
    """
    if applicant.code_insee:
        return departement_of(applicant.code_insee) == departement
    siren = applicant.siren
    if not siren:
        return None
    code = insee_of_commune_siren(siren)
    if code is not None and applicant.kind == "commune":
        return departement_of(code) == departement
    epci = territory.epci(siren)
    if epci is not None:
        inside = sum(1 for c in territory.communes.values() if c.epci_siren == siren and c.departement == departement)
        return 2 * inside > epci.members
    return None
