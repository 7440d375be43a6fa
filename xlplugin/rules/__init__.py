"""The rules core: the call for projects as pure functions over a dossier and the règlement.

No Excel, no files other than the règlement and the reference data, no printing: the UDFs, the ribbon and
the command line all call these functions, so they can never disagree.

Glossary (French term of the call → name in the code):
    assiette → eligible cost · avertissement → warning · axe → project kind · dépense → expense line ·
    dossier → dossier · enveloppe → envelope · EPCI → EPCI · montant → amount · motif → reason ·
    note → score · partenaire → partner · porteur → applicant · projet commun → joint project ·
    règlement → reglement · répartition → allocation · taux → rate · tranche → population band.
"""

from xlplugin.rules.allocation import Allocation, Candidate, Grant, allocate_envelope
from xlplugin.rules.dossier import Dossier, DossierError, dossier_to_json, read_dossier
from xlplugin.rules.evaluation import Evaluation, evaluate
from xlplugin.rules.explanation import explain
from xlplugin.rules.reasons import AVERTISSEMENTS, MOTIFS, Reason
from xlplugin.rules.reglement import Reglement, ReglementError, default_reglement, load_reglement
from xlplugin.rules.territory import Territory, default_territory

__all__ = [
    "AVERTISSEMENTS",
    "MOTIFS",
    "Allocation",
    "Candidate",
    "Dossier",
    "DossierError",
    "Evaluation",
    "Grant",
    "Reason",
    "Reglement",
    "ReglementError",
    "Territory",
    "allocate_envelope",
    "default_reglement",
    "default_territory",
    "dossier_to_json",
    "evaluate",
    "explain",
    "load_reglement",
    "read_dossier",
]
