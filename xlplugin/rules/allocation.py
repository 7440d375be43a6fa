"""Sharing the envelope among the eligible dossiers.

The dossiers that are eligible, scored and have an amount are ranked by the règlement's tie-breaks (note
descending, then smaller population, earlier submission, smaller number: always a total order, so the
result never depends on the order of the input). Then, by the règlement's mode:

- ``ordre``: each dossier in rank order gets its amount while the envelope allows; the first that no longer
  fits gets what is left (``reliquat: partiel``) and the rest wait, or is skipped for the next that fits
  (``reliquat: suivant``);
- ``proportionnel``: every ranked dossier gets the same share of its amount, the envelope divided by the
  sum of the amounts (at most 100 %).

Every allocation is rounded down: the sum never exceeds the envelope.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal, localcontext

from xlplugin.rules.money import ONE, ZERO, format_euros
from xlplugin.rules.reglement import Reglement

FUNDED = "finance"
PARTIAL = "partiel"
WAITING = "attente"  # ranked, not reached by the envelope: the waiting list
NOT_RANKED = "non_classe"  # eligible, not ranked yet: no note, no population, or no amount
INELIGIBLE = "ineligible"
STATUS_LABELS = {
    FUNDED: "financé",
    PARTIAL: "partiel",
    WAITING: "attente",
    NOT_RANKED: "non classé",
    INELIGIBLE: "inéligible",
}


@dataclass(frozen=True, slots=True)
class Candidate:
    """What the allocation needs of a dossier (``score`` or ``amount`` ``None``: not ready to rank)."""

    number: int
    eligible: bool
    score: Decimal | None
    amount: Decimal | None
    population: int | None = None
    submitted_at: datetime | None = None

    @property
    def rankable(self) -> bool:
        return self.eligible and self.score is not None and self.amount is not None and self.amount > ZERO


@dataclass(frozen=True, slots=True)
class Grant:
    """One dossier's line of the allocation."""

    number: int
    rank: int | None
    amount: Decimal | None
    allocated: Decimal
    status: str
    note: str


@dataclass(frozen=True, slots=True)
class Allocation:
    envelope: Decimal
    grants: tuple[Grant, ...]

    @property
    def total(self) -> Decimal:
        return sum((g.allocated for g in self.grants), ZERO)

    @property
    def left(self) -> Decimal:
        return self.envelope - self.total

    def grant(self, number: int) -> Grant:
        return next(g for g in self.grants if g.number == number)


def rank_key(candidate: Candidate, tie_breaks: Sequence[str]) -> tuple[object, ...]:
    """Sort key: higher note first, then smaller population, earlier submission, smaller number."""
    key: list[object] = []
    for name in tie_breaks:
        if name == "note":
            key.append(-(candidate.score or ZERO))
        elif name == "population":
            key.append((candidate.population is None, candidate.population or 0))
        elif name == "date_depot":
            at = candidate.submitted_at
            key.append((at is None, _seconds(at) if at else 0.0))
        elif name == "numero":
            key.append(candidate.number)
    return tuple(key)


def _seconds(at: datetime) -> float:
    """The moment's place in time, in seconds (a date without a zone is local time). Year 1 (« 01/01/0001 »
    typed in « Déposé le ») has no local time to convert to: counted from 1970 as it stands."""
    try:
        return at.timestamp()
    except (ValueError, OverflowError, OSError):
        return (at.replace(tzinfo=None) - datetime(1970, 1, 1)).total_seconds()


def allocate_envelope(candidates: Iterable[Candidate], reglement: Reglement) -> Allocation:
    """Share ``reglement.envelope`` among the candidates; see the module's docstring for the rule."""
    pool = list(candidates)
    numbers = [c.number for c in pool]
    duplicates = sorted(n for n, times in Counter(numbers).items() if times > 1)
    if duplicates:
        raise ValueError(f"dossiers en double : {', '.join(map(str, duplicates))}")

    ranked = sorted((c for c in pool if c.rankable), key=lambda c: rank_key(c, reglement.tie_breaks))
    if reglement.allocation_mode == "proportionnel":
        grants = _proportional(ranked, reglement)
    else:
        grants = _in_order(ranked, reglement)

    for c in sorted((c for c in pool if not c.rankable), key=lambda c: (not c.eligible, c.number)):
        if not c.eligible:
            grants.append(Grant(c.number, None, c.amount, ZERO, INELIGIBLE, "dossier inéligible"))
        elif c.amount is None:
            unknown = "montant non calculable : population à compléter"
            grants.append(Grant(c.number, None, None, ZERO, NOT_RANKED, unknown))
        elif c.score is None:
            grants.append(Grant(c.number, None, c.amount, ZERO, NOT_RANKED, "à apprécier avant d'être classé"))
        else:
            grants.append(Grant(c.number, None, c.amount, ZERO, NOT_RANKED, "montant nul"))
    return Allocation(reglement.envelope, tuple(grants))


def _in_order(ranked: list[Candidate], reglement: Reglement) -> list[Grant]:
    left = reglement.envelope
    grants = []
    closed = False  # a partial grant took the last of the envelope
    for rank, c in enumerate(ranked, start=1):
        assert c.amount is not None
        if not closed and c.amount <= left:
            grants.append(Grant(c.number, rank, c.amount, c.amount, FUNDED, "financé en totalité"))
            left -= c.amount
            continue
        remainder = reglement.rounding.apply(left)
        if not closed and reglement.remainder == "partiel" and remainder > ZERO:
            grants.append(
                Grant(
                    c.number,
                    rank,
                    c.amount,
                    remainder,
                    PARTIAL,
                    f"reliquat de l'enveloppe : {format_euros(remainder)} sur {format_euros(c.amount)}",
                )
            )
            left -= remainder
            closed = True
            continue
        grants.append(
            Grant(
                c.number,
                rank,
                c.amount,
                ZERO,
                WAITING,
                f"liste d'attente : reste {format_euros(left)} pour {format_euros(c.amount)} demandés",
            )
        )
    return grants


def _proportional(ranked: list[Candidate], reglement: Reglement) -> list[Grant]:
    wanted = sum((c.amount for c in ranked if c.amount is not None), ZERO)
    share = ONE
    if wanted > reglement.envelope:
        with localcontext() as ctx:
            ctx.rounding = ROUND_FLOOR  # a share rounded up could push the sum past the envelope
            share = reglement.envelope / wanted
    grants = []
    for rank, c in enumerate(ranked, start=1):
        assert c.amount is not None
        allocated = reglement.rounding.apply(c.amount * share)
        status = FUNDED if allocated == c.amount else PARTIAL
        note = "financé en totalité" if status == FUNDED else f"{format_euros(allocated)} sur {format_euros(c.amount)}"
        grants.append(Grant(c.number, rank, c.amount, allocated, status, note))
    return grants
