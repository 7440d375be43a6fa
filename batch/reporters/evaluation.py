"""The reporters of ``guichet evaluate``: the table an agent reads (and each dossier's explanation), or JSON."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from batch.reporters import Reporter, cut, decimal_text, dumps, table
from xlplugin.intake.texts import printable
from xlplugin.rules import Evaluation, Reglement, explain
from xlplugin.rules.explanation import format_score
from xlplugin.rules.money import format_euros, format_percent


@dataclass(frozen=True)
class Evaluations:
    """What ``guichet evaluate`` shows: the evaluations, by the règlement that judged them."""

    evaluations: Sequence[Evaluation]
    reglement: Reglement
    explanations: bool = False


def evaluation_to_json(ev: Evaluation, reglement: Reglement) -> dict[str, Any]:
    """One dossier's evaluation in the documented JSON shape."""
    return {
        "numero": ev.number,
        "eligible": ev.eligible,
        "motifs": [{"code": r.code, "message": r.message} for r in ev.reasons],
        "avertissements": [{"code": r.code, "message": r.message} for r in ev.warnings],
        "assiette": str(ev.cost.total),
        "score": decimal_text(ev.score.total),
        "taux": decimal_text(ev.rate.value if ev.rate else None),
        "montant": decimal_text(ev.granted),
        "explication": explain(ev, reglement),
    }


def evaluations_json(found: Evaluations) -> str:
    return dumps([evaluation_to_json(ev, found.reglement) for ev in found.evaluations])


def evaluations_text(found: Evaluations) -> str:
    """The evaluation table an agent reads, then (on request) each dossier's explanation."""
    evaluations, reglement = found.evaluations, found.reglement
    rows = []
    for ev in evaluations:
        codes = [r.code for r in ev.reasons] or [w.code for w in ev.warnings]
        rows.append(
            [
                str(ev.number),
                cut(printable(ev.dossier.applicant.name), 34),
                "oui" if ev.eligible else "non",
                format_euros(ev.cost.total),
                "à apprécier" if ev.score.total is None else format_score(ev.score.total),
                "—" if ev.rate is None else format_percent(ev.rate.value),
                "—" if ev.granted is None else format_euros(ev.granted),
                ", ".join(codes),
            ]
        )
    eligible = sum(1 for ev in evaluations if ev.eligible)
    parts = [
        f"Évaluation de {len(evaluations)} dossier(s) — règlement « {reglement.identifier} »",
        "",
        table(
            ["N°", "Porteur", "Éligible", "Assiette", "Note", "Taux", "Montant", "Motifs / avertissements"],
            rows,
            right=(3, 4, 5, 6),
        ),
        "",
        f"{eligible} éligible(s), {len(evaluations) - eligible} inéligible(s).",
    ]
    if found.explanations:
        for ev in evaluations:
            parts += [
                "",
                f"── Dossier {ev.number} — {printable(ev.dossier.applicant.name)}",
                printable(explain(ev, reglement)),
            ]
    return "\n".join(parts)


EVALUATION_REPORTERS: dict[str, Reporter[Evaluations]] = {
    "text": Reporter(render=evaluations_text),
    "json": Reporter(render=evaluations_json),
}
