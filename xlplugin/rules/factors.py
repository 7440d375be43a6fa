"""The factors of a dossier that the score, the rate and the amount look at.

Found in a dossier by ``Factors.of``, whatever built the dossier: a received file, a workbook row, or the
cells an Excel function was given.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from xlplugin.rules.dossier import Dossier
from xlplugin.rules.money import ZERO


@dataclass(frozen=True, slots=True)
class Factors:
    """Beside the assiette and the population: what the call's criteria and modulations look at."""

    total_cost: Decimal
    requested: Decimal
    other_public_funding: Decimal = ZERO
    derogation: bool = False
    agents: int | None = None  # agents of the porteur
    agents_benefiting: int | None = None
    users_benefiting: int | None = None
    participatory: bool = False
    innovation_lab: bool = False
    joint: bool = False
    members: int = 1  # structures of the project, the porteur included
    local_amount: Decimal = ZERO  # part of the assiette given to contractors of the département
    assessment: Mapping[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, dossier: Dossier, local: Decimal) -> Factors:
        """The factors of ``dossier``; ``local`` is the part of its assiette given to local contractors."""
        project = dossier.project
        return cls(
            total_cost=dossier.total_cost,
            requested=dossier.requested,
            other_public_funding=dossier.other_public_funding,
            derogation=dossier.derogation,
            agents=dossier.applicant.agents,
            agents_benefiting=project.agents_benefiting,
            users_benefiting=project.users_benefiting,
            participatory=project.participatory,
            innovation_lab=project.innovation_lab,
            joint=dossier.is_joint,
            members=1 + len(dossier.partners),
            local_amount=local,
            assessment=dossier.assessment,
        )
