"""The motifs of a refusal: true of the dossier, each with its grounds in fact and in law — the same in the
refusal letter (``documents``) and in the motivation sent to démarches-simplifiées (``ds``).

A refusal letter states « les considérations de droit et de fait qui constituent le fondement de la décision »
(CRPA, art. L. 211-5; a refusal of a subsidy is not among the decisions art. L. 211-2 obliges to motivate, but a
motivation given must be true and complete). So:

- an ineligible dossier: each motif of the rules (its fact), with the rule it breaks (``rules.grounds``);
- a dossier ranked but not reached by the envelope: ``ENVELOPPE_EPUISEE``, grounded on the call's envelope and
  the règlement's order of allocation — only for such a dossier: never for one left unranked because its
  population or its note is missing, nor for one never scored;
- the office's own motif, typed in « Motif du refus »: its fact as typed, its ground the text the office adds
  after « En droit : », else the préfet's appreciation of the projects under the call's criteria. A typed motif
  that says what the dossier is not — the envelope or the ranking for a dossier that was not ranked, an
  ineligibility for an eligible dossier — is refused, named, with what the dossier really is.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from xlplugin.rules.allocation import Grant
from xlplugin.rules.evaluation import Evaluation
from xlplugin.rules.grounds import ENVELOPE_BLOCKS, block_ground, motif_ground
from xlplugin.rules.money import format_euros as euros
from xlplugin.rules.reglement import Reglement

ENVELOPE_EXHAUSTED = "ENVELOPPE_EPUISEE"
OFFICE_MOTIF = "MOTIF_DU_PREFET"
WAITING = "attente"  # the allocation's status of a dossier ranked but not reached
LAW_MARK = re.compile(r"\s*(?:[-–—;]\s*)?en droit\s*:\s*", re.IGNORECASE)
OFFICE_GROUND = (
    "l'attribution d'une subvention n'est pas un droit : le préfet apprécie chaque projet au regard des critères "
    "de l'appel à projets (impact du projet, besoin de mise à niveau numérique, localisation des prestataires) "
    "et de l'enveloppe qui lui est confiée (loi n° 2000-321 du 12 avril 2000, art. 9-1)"
)
# What a typed motif claims, by words a motif uses for it (compared without accents or case).
CLAIMS_RANKING = ("enveloppe", "mieux classe", "classement", "rang ", "reliquat", "credits epuises")
CLAIMS_INELIGIBILITY = ("ineligible", "n'est pas eligible", "pas eligible", "non eligible")


class MotifError(ValueError):
    """A typed motif that contradicts the dossier; ``field`` is the column to correct."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class Motif:
    """One motif of a refusal: a stable code, the fact (a French sentence about this dossier) and its ground in
    law."""

    code: str
    message: str
    law: str = ""

    def __post_init__(self) -> None:
        # One final stop, whatever the source ends with (a citation ends with its own « … . »).
        law = self.law.strip().rstrip(";").rstrip()
        while law.endswith(".."):
            law = law[:-1]
        if law and not law.endswith((".", "»", "!", "?")):
            law += "."
        object.__setattr__(self, "law", law)


def refusal_motifs(evaluation: Evaluation, grant: Grant, typed: str, reglement: Reglement) -> tuple[Motif, ...]:
    """The motifs of the refusal of ``evaluation``'s dossier; ``MotifError`` when the typed motif contradicts it
    or when nothing true can be said (an eligible dossier the envelope did not rule out, and no typed motif)."""
    motifs = [Motif(r.code, r.message, motif_ground(r.code, reglement)) for r in evaluation.reasons]
    ranked_not_reached = evaluation.eligible and grant.status == WAITING and grant.rank is not None
    if ranked_not_reached:
        motifs.append(
            Motif(
                ENVELOPE_EXHAUSTED,
                f"Le projet, classé au rang {grant.rank} selon la note obtenue, n'a pas pu être financé : "
                f"l'enveloppe départementale de {euros(reglement.envelope)} a été entièrement attribuée aux projets "
                "mieux classés.",
                block_ground(reglement, *ENVELOPE_BLOCKS),
            )
        )
    text = typed.strip()
    if text:
        _check_typed(text, evaluation, grant, ranked_not_reached)
        parts = LAW_MARK.split(text, maxsplit=1)
        fact, law = (parts[0].strip(), parts[1].strip(" .")) if len(parts) == 2 and parts[1].strip(" .") else (text, "")
        motifs.append(Motif(OFFICE_MOTIF, fact, law or OFFICE_GROUND))
    if not motifs:
        raise MotifError(
            "Motif du refus",
            f"le dossier est éligible et n'a pas été écarté par la répartition ({_standing(evaluation, grant)}) : "
            "donnez le motif réel du refus, et au besoin son fondement après « En droit : »",
        )
    return tuple(motifs)


def _check_typed(text: str, evaluation: Evaluation, grant: Grant, ranked_not_reached: bool) -> None:
    folded = _folded(text)
    if any(word in folded for word in CLAIMS_RANKING) and not ranked_not_reached:
        raise MotifError(
            "Motif du refus",
            f"le motif invoque l'enveloppe ou le classement, mais {_standing(evaluation, grant)} : écrivez le motif "
            "qui vaut pour ce dossier",
        )
    if any(word in folded for word in CLAIMS_INELIGIBILITY) and evaluation.eligible:
        raise MotifError(
            "Motif du refus",
            "le motif dit le dossier inéligible, mais les règles le jugent éligible : écrivez le motif qui vaut pour "
            "ce dossier, ou corrigez la ligne qui le rendrait inéligible",
        )


def _standing(evaluation: Evaluation, grant: Grant) -> str:
    """Where the dossier stands, in words: why it was or was not ranked."""
    if not evaluation.eligible:
        return "le dossier est inéligible"
    if grant.rank is not None:
        if grant.allocated > 0:
            return f"le dossier est classé au rang {grant.rank} et financé ({euros(grant.allocated)})"
        return f"le dossier est classé au rang {grant.rank}"
    if evaluation.score.total is None:
        return "le dossier n'est pas classé : il n'a pas de note (appréciation de l'impact ou du besoin à saisir)"
    if evaluation.population.value is None:
        return "le dossier n'est pas classé : sa population est inconnue, le taux et le montant ne sont pas calculés"
    return "le dossier n'est pas classé : son montant n'a pas pu être calculé"


def _folded(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", " ".join(text.split()).casefold().replace("’", "'"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def motivation(motifs: tuple[Motif, ...]) -> str:
    """The motivation of a refusal as a text (what démarches-simplifiées sends the applicant): each motif, its
    fact then its ground in law, as the refusal letter states them."""
    lines = [f"{m.message.rstrip()} En droit : {m.law}" if m.law else m.message.rstrip() for m in motifs]
    if len(lines) == 1:
        return f"Votre demande de subvention n'est pas retenue. {lines[0]}"
    return "Votre demande de subvention n'est pas retenue, pour les motifs suivants :\n" + "\n".join(
        f"- {line}" for line in lines
    )
