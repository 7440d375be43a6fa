"""The ground in law of each motif of ineligibility: what a refusal states besides the facts (CRPA, art. L. 211-5:
« l'énoncé des considérations de droit et de fait qui constituent le fondement de la décision »).

A motif's message (``reasons``) says the fact of the dossier; ``motif_ground`` says the rule it breaks, from the
règlement's sources of the block that holds that rule: the call's own sentence (« appel »), the legal text
(« loi »), or the rule the préfecture set for the call (« choix local »), each said for what it is.
"""

from __future__ import annotations

from xlplugin.rules.reglement import Reglement, Source

# Motif → the règlement's block whose sources ground it, and whether the block's local choices are part of the
# rule (the partners' types, how the seat is checked) or about something else (how expenses are classed).
MOTIF_BLOCKS = {
    "PORTEUR_NON_ELIGIBLE": ("porteurs", True),
    "HORS_DEPARTEMENT": ("departement", True),
    "PARTENAIRE_NON_ELIGIBLE": ("projet_commun", True),
    "CONTACT_OPERATIONNEL_MANQUANT": ("projet_commun", False),
    "PROJET_HORS_AXES": ("axes", True),
    "DEBUT_TARDIF": ("calendrier", True),
    "FIN_TARDIVE": ("calendrier", True),
    "ASSIETTE_NULLE": ("depenses", False),
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


def block_ground(reglement: Reglement, *blocks: str, local: bool = True) -> str:
    """The ground of the rules of ``blocks``: their sources, said one after the other (without the local
    choices when ``local`` is False)."""
    sources = [s for block in blocks for s in reglement.sources(block) if local or not s.is_local_choice]
    citations = list(dict.fromkeys(f"« {s.citation} »" for s in sources if s.kind == "appel"))
    grounds = [f"l'appel à projets de la préfecture de l'Ain : {' ; '.join(citations)}"] if citations else []
    grounds += [source_ground(s) for s in sources if s.kind != "appel"]
    return " ; ".join(dict.fromkeys(g for g in grounds if g))


def motif_ground(code: str, reglement: Reglement) -> str:
    """The ground in law of motif ``code`` (empty for a code the règlement does not ground)."""
    if code in LAW_GROUNDS:
        return LAW_GROUNDS[code]
    if code not in MOTIF_BLOCKS:
        return ""
    block, local = MOTIF_BLOCKS[code]
    return block_ground(reglement, block, local=local)
