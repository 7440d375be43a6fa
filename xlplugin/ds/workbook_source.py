"""Where ``guichet ds annoter`` and ``guichet ds decider`` take their input: the tracking workbook.

THE ONE UNFINISHED SEAM OF THIS PACKAGE, left on purpose for the lead engineer: the workbook layer is
being restructured (issue 8), so reading the figures and the decisions from its sheets belongs there.
Both functions raise ``NotImplementedError`` with a French message until then. What they must return:

- :func:`read_figures`: one :class:`~xlplugin.ds.annotations.DossierFigures` per row of « Dossiers »
  (note, taux as a fraction, montant proposé, statut of the allocation — ``finance``, ``partiel``,
  ``attente``, ``ineligible`` —, rang), every amount a ``Decimal`` built from text, ``None`` when unknown;
- :func:`read_decisions`: one :class:`~xlplugin.ds.decisions.Decision` per row whose decision column is
  filled (kind ``accepter``, ``refuser``, ``classer_sans_suite`` or ``passer_en_instruction``; the
  motivation, which for an ineligible dossier may come from
  :func:`~xlplugin.ds.decisions.motivation_from_reasons`; the path of the signed decision, if any).
"""

from __future__ import annotations

from pathlib import Path

from xlplugin.ds.annotations import DossierFigures
from xlplugin.ds.decisions import Decision

NOT_YET = (
    "la lecture du classeur de suivi pour démarches-simplifiées n'est pas encore branchée "
    "(xlplugin/ds/workbook_source.py) : {what} ne peut pas encore être lu depuis {path}"
)


def read_figures(workbook_path: Path) -> list[DossierFigures]:
    """The office's figures of every dossier of the workbook."""
    raise NotImplementedError(
        NOT_YET.format(what="les chiffres (note, taux, montant, statut, rang)", path=workbook_path)
    )


def read_decisions(workbook_path: Path) -> list[Decision]:
    """The decisions the workbook records, one per dossier decided."""
    raise NotImplementedError(NOT_YET.format(what="les décisions", path=workbook_path))
