"""The ground in law of each motif of ineligibility: what a refusal states besides the facts (CRPA, art. L. 211-5:
« l'énoncé des considérations de droit et de fait qui constituent le fondement de la décision »).

A motif's message (``reasons``) says the fact of the dossier; ``motif_ground`` says the rule it breaks, from the
règlement's sources of the block that holds that rule: the call's own sentence (« appel »), the legal text
(« loi »), or the rule the préfecture set for the call (« choix local »), each said for what it is.
"""

from __future__ import annotations

from xlplugin.rules.reglement import Reglement, Source

# Motif → the règlement's block whose sources ground it.
MOTIF_BLOCKS = {
    "PORTEUR_NON_ELIGIBLE": "porteurs",
    "HORS_DEPARTEMENT": "departement",
    "PARTENAIRE_NON_ELIGIBLE": "projet_commun",
    "CONTACT_OPERATIONNEL_MANQUANT": "projet_commun",
    "PROJET_HORS_AXES": "axes",
    "DEBUT_TARDIF": "calendrier",
    "FIN_TARDIVE": "calendrier",
    "ASSIETTE_NULLE": "depenses",
}
# Motifs the law itself grounds, whatever the call says (the call allows no exception to them).
LAW_GROUNDS = {
    "DEBUT_AVANT_DEPOT": "décret n° 2018-514 du 25 juin 2018, art. 5, II : « Aucun commencement d'exécution du "
    "projet ne peut être opéré avant la date de réception de la demande de subvention. »",
}
# The envelope reached no further: the call's envelope and the règlement's order of allocation.
ENVELOPE_BLOCKS = ("enveloppe", "repartition")


def source_ground(source: Source) -> str:
    """One source, said for what it is."""
    if source.kind == "appel":
        return f"l'appel à projets de la préfecture de l'Ain : « {source.citation} »"
    if source.kind == "loi":
        return str(source.reference)
    if source.kind == "choix_local":
        return f"règle fixée par la préfecture pour cet appel : {source.note}"
    return ""  # the démarche's form names fields; it grounds nothing


def block_ground(reglement: Reglement, *blocks: str) -> str:
    """The ground of the rules of ``blocks``: their sources, said one after the other."""
    grounds = [source_ground(s) for block in blocks for s in reglement.sources(block)]
    return " ; ".join(dict.fromkeys(g for g in grounds if g))


def motif_ground(code: str, reglement: Reglement) -> str:
    """The ground in law of motif ``code`` (empty for a code the règlement does not ground)."""
    if code in LAW_GROUNDS:
        return LAW_GROUNDS[code]
    block = MOTIF_BLOCKS.get(code)
    return block_ground(reglement, block) if block else ""
