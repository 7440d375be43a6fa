"""The eligible cost (« assiette »): the expense lines less the natures the call excludes.

« Les dépenses de personnel et les achats d'équipements informatiques pour les agents sont exclus de ces
financements. » The assiette is split into investment and operating parts (« section », a choix local of
the règlement per nature), because the legal cap of public aid (CGCT L1111-10) applies to investment.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from xlplugin.rules.dossier import ExpenseLine
from xlplugin.rules.money import ZERO
from xlplugin.rules.reglement import Reglement

INVESTMENT = "investissement"


@dataclass(frozen=True, slots=True)
class EligibleCost:
    """The assiette and what was left out of it."""

    total: Decimal
    investment: Decimal
    operating: Decimal
    declared_lines: Decimal
    excluded: tuple[ExpenseLine, ...]

    @property
    def excluded_total(self) -> Decimal:
        return sum((line.amount for line in self.excluded), ZERO)


def eligible_cost(expenses: Iterable[ExpenseLine], reglement: Reglement) -> EligibleCost:
    """Sum the expense lines whose nature the call does not exclude.

    A nature unknown to the règlement cannot occur: ``read_dossier`` and the workbook's reading of the
    « Dépenses » sheet both refuse it.
    """
    investment = operating = declared = ZERO
    excluded = []
    for line in expenses:
        declared += line.amount
        nature = reglement.nature(line.nature)
        if not is_eligible_line(line, reglement):
            excluded.append(line)
        elif nature is not None and nature.section == INVESTMENT:
            investment += line.amount
        else:
            operating += line.amount
    return EligibleCost(investment + operating, investment, operating, declared, tuple(excluded))


def is_eligible_line(line: ExpenseLine, reglement: Reglement) -> bool:
    """Whether the line's nature is one the call funds."""
    nature = reglement.nature(line.nature)
    return nature is not None and not nature.excluded


def local_amount(expenses: Iterable[ExpenseLine], reglement: Reglement) -> Decimal:
    """The part of the assiette whose contractor is in the règlement's département."""
    return sum(
        (
            line.amount
            for line in expenses
            if is_eligible_line(line, reglement) and line.contractor_departement == reglement.departement_code
        ),
        ZERO,
    )
