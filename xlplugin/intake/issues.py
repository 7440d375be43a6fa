"""What the validation reports: an ``Issue`` per problem, error or warning, each with a stable code.

An issue names the dossier number, the champ (its DS label), the JSON pointer in the received file (or the
sheet, row and column of an export), the value, and says in French what to do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from xlplugin.intake.texts import printable
from xlplugin.rules import MOTIFS

ERROR = "erreur"
WARNING = "avertissement"

# Error codes: the file, or one of its dossiers, cannot be used.
ERRORS: dict[str, str] = {
    "FICHIER_INTROUVABLE": "Le fichier n'existe pas.",
    "FICHIER_ILLISIBLE": "Le fichier ne peut pas être lu (droits, lien cassé ou en boucle).",
    "FICHIER_VIDE": "Le fichier est vide.",
    "FICHIER_TROP_GROS": "Le fichier dépasse la taille admise.",
    "FORMAT_INCONNU": "Le contenu n'est ni un JSON de démarches-simplifiées, ni un export XLSX/CSV, ni un dossier "
    "du projet.",
    "ENCODAGE_INVALIDE": "Le texte n'est pas en UTF-8.",
    "JSON_INVALIDE": "Le JSON est mal formé.",
    "JSON_TROP_PROFOND": "Le JSON est imbriqué trop profondément.",
    "NOMBRE_INVALIDE": "Un nombre est invalide (NaN, Infinity, ou démesuré).",
    "XLSX_INVALIDE": "Le classeur XLSX est endommagé ou n'en est pas un.",
    "ARCHIVE_SUSPECTE": "Le classeur se décompresse en un volume démesuré (bombe de décompression).",
    "XML_DANGEREUX": "Le classeur contient du XML dangereux (entité externe ou expansion d'entités).",
    "CSV_INVALIDE": "Le CSV ne peut pas être lu.",
    "FORME_DS_INVALIDE": "Le dossier n'a pas la forme des dossiers de démarches-simplifiées.",
    "CHAMP_MANQUANT": "Un champ obligatoire du formulaire est absent ou vide.",
    "VALEUR_INVALIDE": "La valeur d'un champ n'est pas celle attendue.",
    "DOSSIER_INVALIDE": "Le dossier obtenu ne respecte pas le schéma du dossier.",
    "SIRET_INVALIDE": "Un SIRET ou un SIREN est invalide.",
    "CODE_INSEE_INCONNU": "Un code INSEE de l'Ain n'existe pas au COG 2021.",
    "DEPENSES_ABSENTES": "Le fichier ne contient pas les lignes de dépense (export CSV).",
    "VERSIONS_DIFFERENTES": "Le même dossier figure dans plusieurs fichiers avec des contenus différents.",
    "TEXTE_TROP_LONG": "Un texte dépasse ce qu'une cellule de classeur peut tenir (32 767 caractères).",
    "CONTROLE_IMPOSSIBLE": "Le contrôle du fichier a échoué sur un défaut de l'outil : le fichier est écarté.",
}

# Warning codes: the file can be used, but the agent should know. Eligibility motifs of the rules core are
# reported as warnings too: a valid file can hold an ineligible dossier.
WARNINGS: dict[str, str] = {
    "CHAMP_INCONNU": "Un champ n'appartient pas au formulaire connu (nouvelle version du formulaire ?).",
    "DOSSIER_EN_DOUBLE": "Le même dossier figure dans plusieurs fichiers, avec le même contenu.",
    "ATTESTATION_NON_COCHEE": "Le demandeur n'a pas coché l'attestation d'exactitude.",
    "PORTEUR_INCOMPLET": "Le demandeur n'est connu que par son SIRET (PersonneMoraleIncomplete).",
    "TEXTE_FORMULE": "Un texte commence comme une formule de tableur (=, +, -, @) : il est importé comme texte.",
    "CARACTERES_RETIRES": "Un texte contenait des caractères de contrôle qu'un classeur ne peut pas tenir : retirés.",
    "CARACTERES_TROMPEURS": "Un texte contient des caractères invisibles qui changent sa lecture (sens d'écriture, "
    "largeur nulle).",
    "CLE_EN_DOUBLE": "Une clé est écrite deux fois dans un objet JSON : seule la dernière valeur est lue.",
    **MOTIFS,
}


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem of a received file."""

    code: str
    message: str
    severity: str = ERROR
    numero: int | None = None
    champ: str | None = None
    pointer: str = ""
    value: Any = None

    def __post_init__(self) -> None:
        known = ERRORS if self.severity == ERROR else WARNINGS
        if self.code not in known:
            raise ValueError(f"unknown {self.severity} code {self.code}")

    def to_json(self) -> dict[str, Any]:
        return {
            "numero": self.numero,
            "champ": _jsonable(self.champ),
            "pointeur": self.pointer,
            "valeur": _jsonable(self.value),
            "code": self.code,
            "message": _jsonable(self.message, limit=None),
        }


def error(code: str, message: str, **where: Any) -> Issue:
    return Issue(code, message, ERROR, **where)


def warning(code: str, message: str, **where: Any) -> Issue:
    return Issue(code, message, WARNING, **where)


def _jsonable(value: Any, limit: int | None = 200) -> Any:
    """A value as JSON, a workbook and a terminal can carry it: short, never a type JSON lacks (Decimal, date),
    without control characters, escape sequences or lone surrogates (received text can hold anything)."""
    text = value if value is None or isinstance(value, (bool, int, str)) else str(value)
    if isinstance(text, str):
        text = printable(text)
        if limit is not None and len(text) > limit:
            return text[: limit - 1] + "…"
    return text
