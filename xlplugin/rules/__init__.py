"""The rules core: the call for projects as pure functions over a dossier and the règlement.

No Excel, no files other than the règlement and the reference data, no printing: the UDFs, the ribbon and
the command line all call these functions, so they can never disagree.

Glossary (French term of the call → name in the code):
    assiette → eligible cost · avertissement → warning · axe → project kind · dépense → expense line ·
    dossier → dossier · enveloppe → envelope · EPCI → EPCI · montant → amount · motif → reason ·
    note → score · partenaire → partner · porteur → applicant · projet commun → joint project ·
    règlement → reglement · répartition → allocation · taux → rate · tranche → population band.
"""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from xlplugin.rules.allocation import Allocation, Candidate, Grant, allocate_envelope
    from xlplugin.rules.dossier import Dossier, DossierError, dossier_to_json, read_dossier
    from xlplugin.rules.evaluation import Evaluation, evaluate
    from xlplugin.rules.explanation import explain
    from xlplugin.rules.reasons import AVERTISSEMENTS, MOTIFS, Reason
    from xlplugin.rules.reglement import Reglement, ReglementError, default_reglement, load_reglement
    from xlplugin.rules.territory import Territory, default_territory

# The public names and their modules, imported on first use (PEP 562): checking a received file needs the
# dossier and the eligibility, not the allocation of the envelope; each command starts with what it uses.
_HOMES = {
    "Allocation": "allocation",
    "Candidate": "allocation",
    "Grant": "allocation",
    "allocate_envelope": "allocation",
    "Dossier": "dossier",
    "DossierError": "dossier",
    "dossier_to_json": "dossier",
    "read_dossier": "dossier",
    "Evaluation": "evaluation",
    "evaluate": "evaluation",
    "explain": "explanation",
    "AVERTISSEMENTS": "reasons",
    "MOTIFS": "reasons",
    "Reason": "reasons",
    "Reglement": "reglement",
    "ReglementError": "reglement",
    "default_reglement": "reglement",
    "load_reglement": "reglement",
    "Territory": "territory",
    "default_territory": "territory",
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'xlplugin.rules' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"xlplugin.rules.{_HOMES[name]}"), name)
    globals()[name] = value
    return value


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
