"""The reasons (« motifs ») and warnings (« avertissements ») the rules give, each a stable code.

A *motif* makes a dossier ineligible; an *avertissement* does not, but says something the agent should
know. Codes are stable (they appear in the workbook and in JSON output); messages are French and carry
the dossier's own figures.
"""

from __future__ import annotations

from dataclasses import dataclass

from xlplugin.errors import AgentError

# Blocking reasons: code → what the rule says, for documentation and the workbook's legend.
MOTIFS: dict[str, str] = {
    "PORTEUR_NON_ELIGIBLE": "Le porteur n'est ni une commune ni un EPCI.",
    "HORS_DEPARTEMENT": "Le porteur n'est pas situé dans le département de l'appel.",
    "PARTENAIRE_NON_ELIGIBLE": "Une structure associée au projet commun n'est ni une commune ni un EPCI.",
    "CONTACT_OPERATIONNEL_MANQUANT": "Projet commun sans contact opérationnel identifié.",
    "PROJET_HORS_AXES": "Le projet ne relève d'aucun des quatre axes de l'appel.",
    "DEBUT_TARDIF": "Le projet démarre après la date limite de démarrage.",
    "DEBUT_AVANT_DEPOT": "Le projet démarre avant la réception de la demande de subvention.",
    "FIN_TARDIVE": "Le projet s'achève après la date limite de mise en œuvre.",
    "ASSIETTE_NULLE": "Aucune dépense éligible : l'assiette est nulle.",
}

# Non-blocking warnings.
AVERTISSEMENTS: dict[str, str] = {
    "DEPENSES_EXCLUES_RETIREES": "Des dépenses exclues par l'appel ont été retirées de l'assiette.",
    "COUT_TOTAL_DIFFERENT": "Le coût total déclaré diffère de la somme des lignes de dépense.",
    "POPULATION_INCONNUE": "La population du porteur (ou d'un membre du projet commun) est inconnue : le taux "
    "ne peut pas être calculé.",
    "APPRECIATION_INCOMPLETE": "Le dossier n'est pas encore apprécié sur tous les critères : pas de note.",
    "PLAFOND_DOSSIER_APPLIQUE": "Le montant est limité par le plafond par dossier.",
    "PLAFOND_AIDES_PUBLIQUES_APPLIQUE": "Le montant est limité par la participation minimale du maître d'ouvrage "
    "(CGCT L1111-10).",
}


@dataclass(frozen=True, slots=True)
class Reason:
    """A motif or an avertissement: its stable code and a French message about this dossier."""

    code: str
    message: str

    def __post_init__(self) -> None:
        if self.code not in MOTIFS and self.code not in AVERTISSEMENTS:
            raise ValueError(f"unknown reason code {self.code}")


class MissingFact(AgentError, ValueError):
    """A rule needs a fact the dossier does not give (an Excel function given only some cells, say)."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} inconnue : renseignez-la pour que la règle s'applique")
        self.what = what
