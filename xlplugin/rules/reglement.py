"""The règlement: every number of the call for projects, as data with its source.

A règlement file (JSON, ``schemas/reglement.schema.json``) holds the envelope, the eligible applicants,
the kinds of project (« axes »), the excluded expense natures, the dates, the criteria and their weights,
the funding rate by population band and its modulations, the caps, the ceilings of the payments before the
balance, the rounding rule and the allocation mode. Each block carries its ``sources``: a sentence of the call
(« appel »), a legal text (« loi »), the démarche's form (« formulaire ») or the office's own editable choice
(« choix_local »).

``load_reglement()`` reads the Ain call's règlement shipped in ``xlplugin/data/``; ``load_reglement(path)``
reads another one. A bad file raises ``ReglementError`` naming the file, the key and what is wrong.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from xlplugin.errors import AgentError
from xlplugin.rules.money import ZERO, RoundingRule
from xlplugin.rules.schema_messages import Problem, schema_problems
from xlplugin.shipped import read_shipped

DEFAULT_REGLEMENT = "reglement-ain-2021.json"
SCHEMA = "reglement.schema.json"


class ReglementError(AgentError, ValueError):
    """A règlement file that cannot be used; ``problems`` lists every key at fault."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  - à « {p.pointer or '/'} » : {p.message}" for p in problems)
        super().__init__(f"Règlement « {source} » inutilisable :\n{lines}")


@dataclass(frozen=True, slots=True)
class Source:
    """Where a number comes from: ``kind`` is appel, loi, formulaire or choix_local."""

    kind: str
    citation: str | None = None
    reference: str | None = None
    note: str | None = None

    @property
    def is_local_choice(self) -> bool:
        return self.kind == "choix_local"


@dataclass(frozen=True, slots=True)
class ApplicantType:
    code: str
    label: str
    eligible: bool


@dataclass(frozen=True, slots=True)
class ProjectKind:
    """One of the call's kinds of project (« axe »)."""

    code: str
    label: str


@dataclass(frozen=True, slots=True)
class ExpenseNature:
    code: str
    label: str
    excluded: bool
    section: str  # "investissement" or "fonctionnement"


@dataclass(frozen=True, slots=True)
class Scale:
    """The scale of a criterion the agent assesses: whole notes from ``low`` to ``high``."""

    low: int
    high: int
    labels: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Criterion:
    """A criterion of the score; ``measure`` says how it is found (``appreciation`` = by the agent)."""

    code: str
    label: str
    measure: str
    weight: int
    scale: Scale | None
    sources: tuple[Source, ...]


@dataclass(frozen=True, slots=True)
class PopulationBand:
    """Base rate for populations up to ``max_population`` inclusive (``None``: no upper bound)."""

    max_population: int | None
    rate: Decimal
    label: str


@dataclass(frozen=True, slots=True)
class Modulation:
    """Points added to (or taken from) the base rate when the dossier shows ``factor``."""

    code: str
    label: str
    factor: str
    points: Decimal
    threshold: Decimal | None


@dataclass(frozen=True, slots=True, eq=False)
class Reglement:
    """The whole règlement, typed. ``origin`` is the file it was read from; ``document`` the raw JSON.

    Two règlements are equal when their content is (``fingerprint``: the document in canonical JSON): a cache
    keyed on a règlement serves any copy of the same rules, and never another règlement's.
    """

    fingerprint: str = field(repr=False)
    origin: str
    identifier: str
    title: str
    envelope: Decimal
    departement_code: str
    departement_name: str
    applicant_types: tuple[ApplicantType, ...]
    operational_contact_required: bool
    project_kinds: tuple[ProjectKind, ...]
    expense_natures: tuple[ExpenseNature, ...]
    latest_start: date
    latest_end: date
    criteria: tuple[Criterion, ...]
    bands: tuple[PopulationBand, ...]
    max_rate: Decimal
    modulations: tuple[Modulation, ...]
    cap_per_dossier: Decimal
    owner_min_share: Decimal
    advance_max: Decimal  # the advance, as a fraction of the grant's maximum amount
    instalments_max: Decimal  # the advance and the instalments together, before the balance
    rounding: RoundingRule
    allocation_mode: str
    remainder: str
    tie_breaks: tuple[str, ...]
    document: dict[str, Any]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Reglement) and other.fingerprint == self.fingerprint

    def __hash__(self) -> int:
        return hash(self.fingerprint)

    def applicant_type(self, code: str) -> ApplicantType | None:
        return next((t for t in self.applicant_types if t.code == code), None)

    def nature(self, code: str) -> ExpenseNature | None:
        return next((n for n in self.expense_natures if n.code == code), None)

    def project_kind(self, code: str) -> ProjectKind | None:
        return next((k for k in self.project_kinds if k.code == code), None)

    def criterion(self, code: str) -> Criterion | None:
        return next((c for c in self.criteria if c.code == code), None)

    def band_for(self, population: int) -> PopulationBand:
        """The population band that contains ``population`` (bands are contiguous and end unbounded)."""
        for band in self.bands:
            if band.max_population is None or population <= band.max_population:
                return band
        raise AssertionError("the last band is unbounded: checked when the règlement is loaded")

    def sources(self, block: str, key: str | None = None) -> tuple[Source, ...]:
        """The sources of a top-level block (``"taux"``, ``"plafonds"``…), for display; with ``key``, those of
        that value of the block: a source that says whose it is (``"pour"``) goes only with that value."""
        found = self.document[block]["sources"]
        return tuple(_source(s) for s in found if key is None or s.get("pour") in (None, key))


def load_reglement(path: str | Path | None = None) -> Reglement:
    """Read and check a règlement file; without ``path``, the Ain call's règlement shipped with the tool."""
    if path is None:
        return default_reglement()
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ReglementError(str(path), [Problem("", "fichier introuvable ; vérifiez le chemin")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        message = f"fichier illisible ({exc.__class__.__name__}) ; enregistrez-le en UTF-8"
        raise ReglementError(str(path), [Problem("", message)]) from None
    return parse_reglement(text, str(path))


@cache
def default_reglement() -> Reglement:
    """The règlement of the Ain call, shipped in ``xlplugin/data/`` (read once per process)."""
    text = read_shipped("xlplugin.data", DEFAULT_REGLEMENT)
    # Shipped, hence checked by the tests (test_the_shipped_reglement_passes_every_check): not again at each
    # start of every command.
    return parse_reglement(text, f"xlplugin/data/{DEFAULT_REGLEMENT}", checked=True)


def parse_reglement(text: str, origin: str, *, checked: bool = False) -> Reglement:
    """Parse and check the JSON text of a règlement; ``origin`` names it in error messages; ``checked``: the
    text is the shipped one, already checked against its schema and for consistency."""
    try:
        document = json.loads(text, object_pairs_hook=_no_duplicate_keys)
    except json.JSONDecodeError as exc:
        where = f"ligne {exc.lineno}, colonne {exc.colno}"
        raise ReglementError(origin, [Problem("", f"JSON invalide ({where}) : {exc.msg}")]) from None
    except _DuplicateKey as exc:
        raise ReglementError(origin, [Problem("", f"la clé « {exc.key} » est écrite deux fois")]) from None
    if not checked:
        problems = schema_problems(document, SCHEMA) or _consistency_problems(document)
        if problems:
            raise ReglementError(origin, problems)
    return _build(document, origin)


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # A key written twice would silently keep the last value: refuse it.
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key)
        result[key] = value
    return result


def _consistency_problems(doc: dict[str, Any]) -> list[Problem]:
    """What JSON Schema cannot say: sums, orders, uniqueness, cross-references."""
    problems: list[Problem] = []
    for block, key in (
        ("porteurs", "types"),
        ("axes", "liste"),
        ("depenses", "natures"),
        ("criteres", "liste"),
        ("taux", "modulations"),
    ):
        seen: set[str] = set()
        for i, item in enumerate(doc[block][key]):
            if item["code"] in seen:
                problems.append(Problem(f"/{block}/{key}/{i}/code", f"le code « {item['code']} » figure deux fois"))
            seen.add(item["code"])
    for block, content in doc.items():
        for i, source in enumerate(content.get("sources", ()) if isinstance(content, dict) else ()):
            if "pour" in source and source["pour"] not in content:
                keys = ", ".join(k for k in content if k != "sources")
                problems.append(
                    Problem(
                        f"/{block}/sources/{i}/pour",
                        f"« {source['pour']} » n'est pas une clé de « {block} » ; valeurs possibles : {keys}",
                        source["pour"],
                    )
                )
    if not any(t["eligible"] for t in doc["porteurs"]["types"]):
        problems.append(Problem("/porteurs/types", "aucun type de porteur n'est éligible"))
    if not any(not n["exclue"] for n in doc["depenses"]["natures"]):
        problems.append(Problem("/depenses/natures", "toutes les natures de dépense sont exclues"))

    total = sum(c["poids"] for c in doc["criteres"]["liste"])
    if total != 100:
        problems.append(Problem("/criteres/liste", f"les poids des critères font {total} au lieu de 100", total))
    for i, criterion in enumerate(doc["criteres"]["liste"]):
        scale = criterion.get("echelle")
        if scale is None:
            continue
        where = f"/criteres/liste/{i}/echelle"
        if scale["min"] >= scale["max"]:
            problems.append(
                Problem(where, f"le minimum ({scale['min']}) doit être inférieur au maximum ({scale['max']})")
            )
        elif len(scale["libelles"]) != scale["max"] - scale["min"] + 1:
            problems.append(
                Problem(
                    f"{where}/libelles",
                    f"il faut un libellé par note de {scale['min']} à {scale['max']}, "
                    f"soit {scale['max'] - scale['min'] + 1}",
                )
            )

    bands = doc["taux"]["tranches"]
    previous = -1
    for i, band in enumerate(bands):
        bound = band["population_max"]
        last = i == len(bands) - 1
        if bound is None and not last:
            problems.append(
                Problem(f"/taux/tranches/{i}/population_max", "seule la dernière tranche peut être sans limite (null)")
            )
        elif bound is not None and last:
            problems.append(
                Problem(
                    f"/taux/tranches/{i}/population_max",
                    "la dernière tranche doit être sans limite (null) pour couvrir toutes les populations",
                )
            )
        if bound is not None and bound <= previous:
            problems.append(
                Problem(
                    f"/taux/tranches/{i}/population_max",
                    f"les tranches doivent être rangées par population croissante ({bound} ≤ {previous})",
                )
            )
        if bound is not None:
            previous = bound
        if Decimal(band["taux"]) > Decimal(doc["taux"]["taux_maximum"]):
            problems.append(
                Problem(
                    f"/taux/tranches/{i}/taux",
                    f"le taux {band['taux']} dépasse le taux maximum {doc['taux']['taux_maximum']}",
                )
            )

    calendar = doc["calendrier"]
    if calendar["debut_au_plus_tard"] > calendar["fin_au_plus_tard"]:
        problems.append(
            Problem(
                "/calendrier/debut_au_plus_tard", "la date limite de démarrage est postérieure à la date limite de fin"
            )
        )
    if Decimal(doc["versement"]["avance_maximum"]) > Decimal(doc["versement"]["acomptes_maximum"]):
        problems.append(
            Problem("/versement/avance_maximum", "l'avance maximum dépasse le plafond de l'avance et des acomptes")
        )
    if Decimal(doc["enveloppe"]["montant"]) <= ZERO:
        problems.append(Problem("/enveloppe/montant", "l'enveloppe doit être positive"))
    return problems


def _source(raw: dict[str, Any]) -> Source:
    return Source(raw["type"], raw.get("citation"), raw.get("reference"), raw.get("note"))


def _build(doc: dict[str, Any], origin: str) -> Reglement:
    def sources(raw: list[dict[str, Any]]) -> tuple[Source, ...]:
        return tuple(_source(s) for s in raw)

    criteria = tuple(
        Criterion(
            code=c["code"],
            label=c["libelle"],
            measure=c["mesure"],
            weight=c["poids"],
            scale=(
                Scale(c["echelle"]["min"], c["echelle"]["max"], tuple(c["echelle"]["libelles"]))
                if "echelle" in c
                else None
            ),
            sources=sources(c["sources"]),
        )
        for c in doc["criteres"]["liste"]
    )
    return Reglement(
        fingerprint=json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":")),
        origin=origin,
        identifier=doc["identifiant"],
        title=doc["intitule"],
        envelope=Decimal(doc["enveloppe"]["montant"]),
        departement_code=doc["departement"]["code"],
        departement_name=doc["departement"]["nom"],
        applicant_types=tuple(ApplicantType(t["code"], t["libelle"], t["eligible"]) for t in doc["porteurs"]["types"]),
        operational_contact_required=doc["projet_commun"]["contact_operationnel_requis"],
        project_kinds=tuple(ProjectKind(a["code"], a["libelle"]) for a in doc["axes"]["liste"]),
        expense_natures=tuple(
            ExpenseNature(n["code"], n["libelle"], n["exclue"], n["section"]) for n in doc["depenses"]["natures"]
        ),
        latest_start=date.fromisoformat(doc["calendrier"]["debut_au_plus_tard"]),
        latest_end=date.fromisoformat(doc["calendrier"]["fin_au_plus_tard"]),
        criteria=criteria,
        bands=tuple(
            PopulationBand(b["population_max"], Decimal(b["taux"]), b["libelle"]) for b in doc["taux"]["tranches"]
        ),
        max_rate=Decimal(doc["taux"]["taux_maximum"]),
        modulations=tuple(
            Modulation(
                m["code"],
                m["libelle"],
                m["facteur"],
                Decimal(m["points"]),
                Decimal(m["seuil"]) if "seuil" in m else None,
            )
            for m in doc["taux"]["modulations"]
        ),
        cap_per_dossier=Decimal(doc["plafonds"]["par_dossier"]),
        owner_min_share=Decimal(doc["plafonds"]["participation_minimale_maitre_ouvrage"]),
        advance_max=Decimal(doc["versement"]["avance_maximum"]),
        instalments_max=Decimal(doc["versement"]["acomptes_maximum"]),
        rounding=RoundingRule(Decimal(doc["arrondi"]["pas"])),
        allocation_mode=doc["repartition"]["mode"],
        remainder=doc["repartition"]["reliquat"],
        tie_breaks=tuple(doc["repartition"]["departage"]),
        document=doc,
    )


__all__ = [
    "ApplicantType",
    "Criterion",
    "ExpenseNature",
    "Modulation",
    "PopulationBand",
    "ProjectKind",
    "Reglement",
    "ReglementError",
    "Scale",
    "Source",
    "default_reglement",
    "load_reglement",
    "parse_reglement",
]
