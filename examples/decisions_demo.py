"""For ``make demo`` only: the office's review before the committee and its decisions after, typed into the demo
workbook as an agent types them in Excel.

1. Before the committee, the legal review of the amounts: a dossier whose « Dérogation L1111-10 » is « Oui » and
   whose amount goes beyond the ceiling of public aid (CGCT, art. L. 1111-10, III: the owner pays at least 20 %
   of the investment part) needs a derogation the law gives. None fits these projects (see the settings'
   « derogation_l1111_10 »: urban renewal, protected monuments, public calamities, European territorial
   cooperation), so the office unticks the derogation, and the envelope is shared again (``guichet allocate
   --workbook``): every amount now stays within the law, and what is freed goes to the next dossiers.
2. After the committee: each dossier the envelope funds is « accordée » (with an arrêté number); each ineligible
   one « refusée » (its motifs, in fact and in law, come from the rules); each ranked one the envelope did not
   reach « refusée » (the rules say so, with the envelope and the order of allocation as grounds). A dossier left
   unranked (population or note missing) is left undecided: nothing true could be said to refuse it yet; so is a
   dossier whose porteur démarches-simplifiées names « STRUCTURE » (its raison sociale is not published): the
   agent must first find its real name.

The cells are written through the same safe session as every command (lock, backup, patch); nothing else of the
workbook changes.

    python examples/decisions_demo.py demo/suivi.xlsx
"""

from __future__ import annotations

import getpass
import sys
from datetime import date
from pathlib import Path

from xlplugin.documents.calculation import legal_cap
from xlplugin.documents.record import PLACEHOLDER_NAMES, beneficiary_name
from xlplugin.rules import default_reglement, default_territory
from xlplugin.workbook.operations import allocate_into
from xlplugin.workbook.reading import read_tracking
from xlplugin.workbook.sheets import find_dossier_sheet
from xlplugin.workbook.storage import WorkbookSession

DECIDED_ON = date(2021, 11, 29)
COMMITTEE_ON = date(2021, 11, 22)


def write(path: Path, typed: dict[int, dict[str, object]]) -> None:
    with WorkbookSession(path) as session:
        book = session.open()
        sheet = find_dossier_sheet(book)
        for number, cells in typed.items():
            for key, value in cells.items():
                book.write(sheet.name, sheet.rows[number], sheet.columns[key], [[value]])
        session.save(book)


def review_derogations(path: Path) -> list[int]:
    """Untick the derogations no ground of the law supports; the dossiers whose amount needed one."""
    reglement = default_reglement()
    needing = []
    for row in read_tracking(path, reglement).rows:
        evaluation = row.evaluation
        if evaluation is None or not evaluation.eligible or not evaluation.dossier.derogation:
            continue
        if evaluation.amount is not None and evaluation.amount.value > legal_cap(evaluation, reglement):
            needing.append(row.number)
    write(path, {number: {"derogation": "Non"} for number in needing})
    allocate_into(path, reglement, getpass.getuser())
    return needing


def decide(path: Path) -> tuple[int, int, list[int]]:
    tracking = read_tracking(path, default_reglement())
    territory = default_territory()
    typed: dict[int, dict[str, object]] = {}
    undecided = []
    for row in tracking.rows:
        grant = row.grant
        applicant = row.evaluation.dossier.applicant if row.evaluation is not None else None
        if applicant is None or beneficiary_name(applicant, territory).casefold() in PLACEHOLDER_NAMES:
            undecided.append(row.number)
        elif grant.allocated > 0:
            typed[row.number] = {"decision": "accordée", "numero_arrete": f"01-2021-SUBV-{grant.number % 1000:03d}"}
        elif grant.status == "ineligible" or grant.rank is not None:
            typed[row.number] = {"decision": "refusée"}
        else:
            undecided.append(row.number)
    for cells in typed.values():
        cells |= {"date_decision": DECIDED_ON, "date_comite": COMMITTEE_ON}
    write(path, typed)
    granted = sum(1 for cells in typed.values() if cells["decision"] == "accordée")
    return granted, len(typed) - granted, undecided


def main(path: Path) -> None:
    unticked = review_derogations(path)
    if unticked:
        listed = ", ".join(map(str, unticked))
        print(
            f"Revue avant le comité : dérogation L1111-10 retirée (aucun fondement légal) pour {len(unticked)} "
            f"dossier(s) ({listed}) ; enveloppe répartie à nouveau."
        )
    granted, refused, undecided = decide(path)
    print(f"Décisions saisies dans {path} : {granted} accordée(s), {refused} refusée(s).")
    if undecided:
        print(
            "Laissés sans décision (non classés : population ou appréciation à compléter ; ou nom du porteur à "
            f"établir) : {', '.join(map(str, undecided))}."
        )


if __name__ == "__main__":
    main(Path(sys.argv[1]))
