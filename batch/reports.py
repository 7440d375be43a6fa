"""How the batch tool shows evaluations and allocations: a French text table, or JSON.

JSON keeps decimals as strings (``"19200.50"``) so that no reader turns money into floats.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from xlplugin.workbook.allocation import BookAllocation

from xlplugin.rules import Allocation, Evaluation, Reglement, explain
from xlplugin.rules.allocation import STATUS_LABELS
from xlplugin.rules.explanation import format_score
from xlplugin.rules.money import format_euros, format_percent

ALLOCATION_HEADERS = ("Rang", "N°", "Porteur", "Note", "Montant", "Alloué", "Statut", "Observation")


def _str(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def evaluation_to_json(ev: Evaluation, reglement: Reglement) -> dict[str, Any]:
    """One dossier's evaluation in the documented JSON shape."""
    return {
        "numero": ev.number,
        "eligible": ev.eligible,
        "motifs": [{"code": r.code, "message": r.message} for r in ev.reasons],
        "avertissements": [{"code": r.code, "message": r.message} for r in ev.warnings],
        "assiette": str(ev.cost.total),
        "score": _str(ev.score.total),
        "taux": _str(ev.rate.value if ev.rate else None),
        "montant": _str(ev.granted),
        "explication": explain(ev, reglement),
    }


def allocation_to_json(allocation: Allocation) -> dict[str, Any]:
    """The allocation in the documented JSON shape."""
    return {
        "enveloppe": str(allocation.envelope),
        "total_alloue": str(allocation.total),
        "reste": str(allocation.left),
        "dossiers": [
            {
                "numero": g.number,
                "rang": g.rank,
                "montant": _str(g.amount),
                "alloue": str(g.allocated),
                "statut": g.status,
                "observation": g.note,
            }
            for g in allocation.grants
        ],
    }


def dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[int] = ()) -> str:
    """A plain text table; columns listed in ``right`` are right-aligned (numbers)."""
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    return "\n".join([line(headers), line(["─" * w for w in widths]), *(line(r) for r in rows)])


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def evaluations_text(evaluations: Sequence[Evaluation], reglement: Reglement, explanations: bool) -> str:
    """The evaluation table an agent reads, then (on request) each dossier's explanation."""
    rows = []
    for ev in evaluations:
        codes = [r.code for r in ev.reasons] or [w.code for w in ev.warnings]
        rows.append(
            [
                str(ev.number),
                _cut(ev.dossier.applicant.name, 34),
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
    if explanations:
        for ev in evaluations:
            parts += ["", f"── Dossier {ev.number} — {ev.dossier.applicant.name}", explain(ev, reglement)]
    return "\n".join(parts)


def allocation_text(allocation: Allocation, evaluations: Sequence[Evaluation]) -> str:
    """The allocation table of evaluated dossiers: rank, amount, allocation, status, envelope used and left."""
    return allocation_table(
        allocation,
        {ev.number: ev.dossier.applicant.name for ev in evaluations},
        {ev.number: ev.score.total for ev in evaluations},
    )


def workbook_allocation_text(result: BookAllocation) -> str:
    """The allocation of a workbook, shown as the one of files."""
    return allocation_table(result.allocation, result.names, result.scores)


def allocation_table(allocation: Allocation, names: dict[int, str], scores: dict[int, Decimal | None]) -> str:
    rows = []
    for g in allocation.grants:
        score = scores.get(g.number)
        rows.append(
            [
                "" if g.rank is None else str(g.rank),
                str(g.number),
                _cut(names.get(g.number, ""), 34),
                "—" if score is None else format_score(score),
                "—" if g.amount is None else format_euros(g.amount),
                format_euros(g.allocated),
                STATUS_LABELS[g.status],
                g.note,
            ]
        )
    counts = {status: sum(1 for g in allocation.grants if g.status == status) for status in STATUS_LABELS}
    return "\n".join(
        [
            f"Répartition de l'enveloppe de {format_euros(allocation.envelope)}",
            "",
            table(ALLOCATION_HEADERS, rows, right=(0, 3, 4, 5)),
            "",
            f"Alloué : {format_euros(allocation.total)} — reste : {format_euros(allocation.left)}",
            f"{counts['finance']} financé(s), {counts['partiel']} partiel(s), {counts['attente']} en attente, "
            f"{counts['ineligible']} inéligible(s).",
        ]
    )
