"""The reporters of ``guichet allocate``: the allocation table (rank, amount, allocation, status, envelope used
and left), or JSON."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from batch.reporters import Reporter, cut, decimal_text, dumps, table
from xlplugin.intake.texts import printable
from xlplugin.rules import Allocation
from xlplugin.rules.allocation import STATUS_LABELS
from xlplugin.rules.explanation import format_score
from xlplugin.rules.money import format_euros

ALLOCATION_HEADERS = ("Rang", "N°", "Porteur", "Note", "Montant", "Alloué", "Statut", "Observation")


@dataclass(frozen=True)
class Shared:
    """What ``guichet allocate`` shows: the allocation, with each dossier's porteur and score."""

    allocation: Allocation
    names: dict[int, str]
    scores: dict[int, Decimal | None]


def allocation_json(shared: Shared) -> str:
    """The allocation in the documented JSON shape."""
    allocation = shared.allocation
    return dumps(
        {
            "enveloppe": str(allocation.envelope),
            "total_alloue": str(allocation.total),
            "reste": str(allocation.left),
            "dossiers": [
                {
                    "numero": g.number,
                    "rang": g.rank,
                    "montant": decimal_text(g.amount),
                    "alloue": str(g.allocated),
                    "statut": g.status,
                    "observation": g.note,
                }
                for g in allocation.grants
            ],
        }
    )


def allocation_text(shared: Shared) -> str:
    """The allocation table: rank, amount, allocation, status, envelope used and left."""
    allocation = shared.allocation
    rows = []
    for g in allocation.grants:
        score = shared.scores.get(g.number)
        rows.append(
            [
                "" if g.rank is None else str(g.rank),
                str(g.number),
                cut(printable(shared.names.get(g.number, "")), 34),
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
            f"{counts['non_classe']} non classé(s), {counts['ineligible']} inéligible(s).",
        ]
    )


ALLOCATION_REPORTERS: dict[str, Reporter[Shared]] = {
    "text": Reporter(render=allocation_text),
    "json": Reporter(render=allocation_json),
}
