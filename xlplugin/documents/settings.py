"""The office's settings for decision documents: who decides and signs, payment rules, publication.

They are the proposed ``documents`` block of the règlement (see ``templates/documents/parametres-documents.json``,
every value with its source, like the règlement's). Until the lead adds that block to the règlement's schema,
they come from that file, or from a file the office passes (``load_document_settings``). A bad value is refused
with a French message naming the file and the key.
"""

from __future__ import annotations

import calendar
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from typing import Any

from stdnum.fr import siret as siret_number

from xlplugin.rules import Reglement

DEFAULT_FILE = "documents/parametres-documents.json"
REGLEMENT_KEY = "documents"
SHIPPED_ORIGIN = "les paramètres des documents livrés avec l'outil"
COPY_NAME = "parametres-documents.json"  # the name the guide gives the office's copy


class DocumentSettingsError(ValueError):
    """Settings that cannot be used; ``problems`` are French sentences naming the key at fault."""

    def __init__(self, origin: str, problems: list[str]) -> None:
        self.origin = origin
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"Paramètres des documents inutilisables ({origin}) :\n{lines}")


@dataclass(frozen=True, slots=True)
class DerogationGround:
    """A ground the law gives to lift the owner's minimum share (CGCT L1111-10, III): its code, what it
    covers, and the text that gives it, as the act cites it."""

    code: str
    label: str
    text: str


@dataclass(frozen=True, slots=True)
class DocumentSettings:
    """What every decision document of the office repeats (the règlement's proposed ``documents`` block)."""

    grantor_name: str  # attribuant.nom
    grantor_siret: str | None  # attribuant.siret
    authority_title: str  # autorite.titre: « Le préfet de l'Ain »
    authority_honours: tuple[str, ...]  # autorite.distinctions
    appointment_visa: str  # autorite.visa_nomination
    delegation_visa: str  # autorite.visa_delegation
    proposed_by: str  # autorite.sur_proposition_de
    execution: str  # autorite.execution
    signatory_name: str  # signataire.nom
    signatory_title: str  # signataire.qualite
    service_name: str
    service_address: str
    service_email: str
    place: str  # service.lieu_signature
    court: str  # recours.tribunal
    e_filing_from: int  # recours.telerecours_communes_a_partir_de: communes from this population use Télérecours
    convention: bool  # convention.utiliser
    convention_threshold: Decimal | None  # convention.seuil: above it only; None = every granted dossier
    proof_months: int  # versement.delai_justificatifs_mois
    lapse_months: int  # caducite.delai_mois: no start of execution this long after notification
    lapse_extension_months: int  # caducite.prorogation_mois
    publication_threshold: Decimal  # publication.seuil: amounts above it are published
    publication_nature: str
    payment_conditions: str  # publication.conditions_versement
    budget_line: str  # imputation.texte
    accountant: str  # comptable.assignataire
    derogation_grounds: tuple[DerogationGround, ...]  # derogation_l1111_10.fondements
    origin: str
    shipped: bool = False  # the settings shipped inside the tool, which the office cannot edit where they are

    def fill_in(self, key: str) -> str:
        """How the office gives ``key`` a value, for a message: in its own settings file, or — the shipped ones
        sitting inside the installed tool — in a copy of them that the command then reads."""
        if not self.shipped:
            return f"renseignez {key} dans {self.origin}"
        return (
            f"renseignez {key} dans une copie des paramètres des documents livrés avec l'outil (guichet documents "
            f"--modele-parametres {COPY_NAME} l'écrit dans le dossier courant), puis passez-la à la commande : "
            f"--parametres {COPY_NAME}"
        )

    def derogation_ground(self, typed: str) -> DerogationGround | None:
        """The ground the office typed, by its code or its label (case and spaces aside)."""
        wanted = " ".join(typed.split()).casefold()
        return next(
            (g for g in self.derogation_grounds if wanted in (g.code.casefold(), " ".join(g.label.split()).casefold())),
            None,
        )

    def wants_convention(self, amount: Decimal) -> bool:
        """Whether a granted dossier of ``amount`` gets a convention besides its arrêté."""
        if not self.convention:
            return False
        return self.convention_threshold is None or amount > self.convention_threshold


def shipped_settings_text() -> str:
    """The text of ``templates/documents/parametres-documents.json``, as shipped (installed with the package)."""
    return resources.files("xlplugin.templates").joinpath(DEFAULT_FILE).read_text(encoding="utf-8")


def default_document_settings() -> DocumentSettings:
    """The settings shipped in ``templates/documents/parametres-documents.json``."""
    return parse_document_settings(json.loads(shipped_settings_text()), SHIPPED_ORIGIN, shipped=True)


def write_settings_copy(path: Path) -> None:
    """Write the shipped settings to ``path``, for the office to fill in; never over an existing file (it may
    be the office's filled-in settings). ``FileExistsError`` when it exists."""
    with path.open("x", encoding="utf-8", newline="\n") as copy:
        copy.write(shipped_settings_text())


def load_document_settings(path: str | Path) -> DocumentSettings:
    """Read the settings from a JSON file of the same shape as the shipped one."""
    path = Path(path)
    try:
        raw = json.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise DocumentSettingsError(str(path), ["fichier introuvable ; vérifiez le chemin"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DocumentSettingsError(str(path), [f"fichier illisible ({exc.__class__.__name__})"]) from None
    except json.JSONDecodeError as exc:
        message = f"JSON mal formé ligne {exc.lineno}, colonne {exc.colno} : {exc.msg}"
        raise DocumentSettingsError(str(path), [message]) from None
    return parse_document_settings(raw, str(path))


def settings_from_reglement(reglement: Reglement) -> DocumentSettings:
    """The règlement's ``documents`` block when it has one, else the shipped settings."""
    block = reglement.document.get(REGLEMENT_KEY)
    if block is None:
        return default_document_settings()
    return parse_document_settings(block, f"{reglement.origin}, clé « {REGLEMENT_KEY} »")


def parse_document_settings(raw: Any, origin: str, *, shipped: bool = False) -> DocumentSettings:
    """Check the settings document and build ``DocumentSettings``; every problem is reported at once."""
    reader = _Reader(raw, origin)
    settings = DocumentSettings(
        grantor_name=reader.text("attribuant", "nom"),
        grantor_siret=reader.siret("attribuant", "siret"),
        authority_title=reader.text("autorite", "titre"),
        authority_honours=reader.texts("autorite", "distinctions"),
        appointment_visa=reader.text("autorite", "visa_nomination", required=False),
        delegation_visa=reader.text("autorite", "visa_delegation", required=False),
        proposed_by=reader.text("autorite", "sur_proposition_de", required=False),
        execution=reader.text("autorite", "execution"),
        signatory_name=reader.text("signataire", "nom", required=False),
        signatory_title=reader.text("signataire", "qualite"),
        service_name=reader.text("service", "nom"),
        service_address=reader.text("service", "adresse"),
        service_email=reader.text("service", "courriel"),
        place=reader.text("service", "lieu_signature"),
        court=reader.text("recours", "tribunal"),
        e_filing_from=reader.count("recours", "telerecours_communes_a_partir_de"),
        convention=reader.flag("convention", "utiliser"),
        convention_threshold=reader.amount("convention", "seuil", optional=True),
        proof_months=reader.months("versement", "delai_justificatifs_mois"),
        lapse_months=reader.months("caducite", "delai_mois"),
        lapse_extension_months=reader.months("caducite", "prorogation_mois"),
        publication_threshold=reader.amount("publication", "seuil") or Decimal("0"),
        publication_nature=reader.choice(
            "publication", "nature", ("aide en numéraire", "aide en nature", "aide en numéraire;aide en nature")
        ),
        payment_conditions=reader.text("publication", "conditions_versement"),
        budget_line=reader.text("imputation", "texte", required=False),
        accountant=reader.text("comptable", "assignataire", required=False),
        derogation_grounds=reader.grounds("derogation_l1111_10", "fondements"),
        origin=origin,
        shipped=shipped,
    )
    if reader.problems:
        raise DocumentSettingsError(origin, reader.problems)
    return settings


class _Reader:
    """Reads ``block.key`` values, collecting French problems instead of stopping at the first."""

    def __init__(self, raw: Any, origin: str) -> None:
        self.origin = origin
        self.problems: list[str] = []
        self.missing_blocks: set[str] = set()
        self.raw: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
        if not isinstance(raw, Mapping):
            self.problems.append("le document doit être un objet JSON ({ … })")

    def _value(self, block: str, key: str) -> Any:
        section = self.raw.get(block)
        if not isinstance(section, Mapping):
            if self.raw and block not in self.missing_blocks:
                self.missing_blocks.add(block)
                self.problems.append(f"bloc « {block} » manquant ; recopiez-le depuis le fichier livré")
            return _NO_BLOCK
        if "sources" not in section and block not in self.missing_blocks:
            self.missing_blocks.add(block)
            self.problems.append(f"{block} : sources manquantes ; citez le texte ou indiquez un choix local")
        return section.get(key, _MISSING)

    def text(self, block: str, key: str, *, required: bool = True) -> str:
        value = self._value(block, key)
        if value is _NO_BLOCK:
            return ""
        if value is None or value is _MISSING:
            if required:
                self.problems.append(f"{block}.{key} manquant")
            return ""
        if not isinstance(value, str):
            self.problems.append(f"{block}.{key} doit être un texte")
            return ""
        if required and not value.strip():
            self.problems.append(f"{block}.{key} est vide ; renseignez-le")
        return value.strip()

    def texts(self, block: str, key: str) -> tuple[str, ...]:
        value = self._value(block, key)
        if value is _MISSING or value is None or value is _NO_BLOCK:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problems.append(f"{block}.{key} doit être une liste de textes")
            return ()
        return tuple(v.strip() for v in value if v.strip())

    def siret(self, block: str, key: str) -> str | None:
        value = self._value(block, key)
        if value is None or value is _MISSING or value is _NO_BLOCK:
            return None
        if not isinstance(value, str) or not siret_number.is_valid(value):
            self.problems.append(f"{block}.{key} « {value} » n'est pas un SIRET valide (14 chiffres, clé de Luhn)")
            return None
        return str(siret_number.compact(value))

    def flag(self, block: str, key: str) -> bool:
        value = self._value(block, key)
        if not isinstance(value, bool):
            if value is not _NO_BLOCK:
                self.problems.append(f"{block}.{key} doit valoir true ou false")
            return False
        return value

    def amount(self, block: str, key: str, *, optional: bool = False) -> Decimal | None:
        value = self._value(block, key)
        if value is _NO_BLOCK or (value is None and optional):
            return None
        if value is _MISSING or value is None:
            self.problems.append(f"{block}.{key} manquant")
            return None
        if not isinstance(value, str):
            self.problems.append(f'{block}.{key} doit être un montant écrit comme texte, par exemple "23000.00"')
            return None
        try:
            result = Decimal(value)
        except InvalidOperation:
            self.problems.append(f"{block}.{key} « {value} » n'est pas un montant")
            return None
        if not result.is_finite() or result < 0:
            self.problems.append(f"{block}.{key} « {value} » doit être un montant positif ou nul")
            return None
        return result

    def fraction(self, block: str, key: str) -> Decimal:
        result = self.amount(block, key)
        if result is None:
            return Decimal("0")
        if result > 1:
            self.problems.append(f"{block}.{key} « {result} » est une fraction : 0.30 pour 30 %")
        return result

    def months(self, block: str, key: str) -> int:
        value = self._value(block, key)
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 60:
            if value is not _NO_BLOCK:
                self.problems.append(f"{block}.{key} doit être un nombre de mois entre 0 et 60")
            return 0
        return value

    def count(self, block: str, key: str) -> int:
        value = self._value(block, key)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            if value is not _NO_BLOCK:
                self.problems.append(f"{block}.{key} doit être un nombre entier positif")
            return 0
        return value

    def grounds(self, block: str, key: str) -> tuple[DerogationGround, ...]:
        value = self._value(block, key)
        if value is _NO_BLOCK:
            return ()
        fields = ("code", "libelle", "texte")
        if not isinstance(value, list) or not all(
            isinstance(item, Mapping) and all(isinstance(item.get(f), str) and item[f].strip() for f in fields)
            for item in value
        ):
            self.problems.append(f"{block}.{key} doit être une liste de {{code, libelle, texte}} (textes non vides)")
            return ()
        return tuple(DerogationGround(i["code"].strip(), i["libelle"].strip(), i["texte"].strip()) for i in value)

    def choice(self, block: str, key: str, allowed: tuple[str, ...]) -> str:
        value = self.text(block, key)
        if value and value not in allowed:
            listed = ", ".join(f"« {a} »" for a in allowed)
            self.problems.append(f"{block}.{key} « {value} » : valeurs permises {listed}")
        return value


_MISSING: Any = object()
_NO_BLOCK: Any = object()


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole months, kept within the month: 31 December + 6 months → 30 June."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def proof_deadline(reglement: Reglement, settings: DocumentSettings) -> date:
    """Date by which the proofs of completion are sent: the call's end date plus the settings' months."""
    return add_months(reglement.latest_end, settings.proof_months)
