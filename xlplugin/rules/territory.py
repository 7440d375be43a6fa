"""The reference territory: communes and EPCI with their legal population (COG 2021).

Shipped in ``xlplugin/data`` (see its LISEZMOI.md for the source and licence). A porteur's population comes
from here when the dossier does not give it: a commune by its code INSEE (or its SIREN of the ``21…``
series), an EPCI by its SIREN.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache

from xlplugin.rules.identifiers import insee_of_commune_siren
from xlplugin.shipped import read_shipped

COMMUNES_FILE = "communes-ain-cog2021.csv"
EPCI_FILE = "epci-ain-2021.csv"


@dataclass(frozen=True, slots=True)
class Commune:
    code_insee: str
    name: str
    population: int
    epci_siren: str

    @property
    def departement(self) -> str:
        return departement_of(self.code_insee)


@dataclass(frozen=True, slots=True)
class Epci:
    siren: str
    name: str
    kind: str  # CC, CA, CU, METRO
    population: int
    members: int


@dataclass(frozen=True, slots=True)
class Territory:
    """Communes by code INSEE and EPCI by SIREN."""

    communes: dict[str, Commune]
    epcis: dict[str, Epci]

    def commune(self, code_insee: str) -> Commune | None:
        return self.communes.get(code_insee)

    def commune_by_siren(self, siren: str) -> Commune | None:
        code = insee_of_commune_siren(siren)
        return self.communes.get(code) if code else None

    def epci(self, siren: str) -> Epci | None:
        return self.epcis.get(siren)

    def population_of_siren(self, siren: str) -> int | None:
        """Population of an EPCI or of a commune (``21…`` SIREN) known to the reference, else ``None``."""
        epci = self.epcis.get(siren)
        if epci is not None:
            return epci.population
        commune = self.commune_by_siren(siren)
        return commune.population if commune else None


def departement_of(code_insee: str) -> str:
    """The département of a commune: ``01004`` → ``01``, ``2A004`` → ``2A``, ``97105`` → ``971``."""
    return code_insee[:3] if code_insee.startswith("97") else code_insee[:2]


@cache
def default_territory() -> Territory:
    """The shipped reference (read once per process)."""
    communes_rows = csv.DictReader(read_shipped("xlplugin.data", COMMUNES_FILE).splitlines())
    epci_rows = csv.DictReader(read_shipped("xlplugin.data", EPCI_FILE).splitlines())
    communes = {
        r["code_insee"]: Commune(r["code_insee"], r["nom"], int(r["population_2018"]), r["epci_siren"])
        for r in communes_rows
    }
    epcis = {
        r["siren"]: Epci(r["siren"], r["nom"], r["type"], int(r["population_municipale"]), int(r["nb_membres"]))
        for r in epci_rows
    }
    return Territory(communes, epcis)
