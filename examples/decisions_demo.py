"""For ``make demo`` only: type the committee's decisions into the demo workbook, as an agent does in Excel.

After ``guichet allocate``, each dossier the envelope funds is « accordée » (with an arrêté number), each
ineligible one « refusée » (its motifs come from the rules), each one left on the waiting list « refusée »
with the office's motif. The decision columns are written through the same safe session as every command
(lock, backup, patch); nothing else of the workbook changes.

    python examples/decisions_demo.py demo/suivi.xlsx
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

from xlplugin.rules import default_reglement
from xlplugin.workbook.reading import read_tracking
from xlplugin.workbook.sheets import find_dossier_sheet
from xlplugin.workbook.storage import WorkbookSession

DECIDED_ON = date(2021, 11, 29)
COMMITTEE_ON = date(2021, 11, 22)
WAITING = "L'enveloppe du fonds dans l'Ain est entièrement attribuée aux dossiers mieux classés."


def main(path: Path) -> None:
    tracking = read_tracking(path, default_reglement())
    typed = {}
    for row in tracking.rows:
        grant = row.grant
        if grant.allocated > 0:
            typed[row.number] = {"decision": "accordée", "numero_arrete": f"01-2021-SUBV-{grant.number % 1000:03d}"}
        elif grant.status == "ineligible":
            typed[row.number] = {"decision": "refusée"}
        else:
            typed[row.number] = {"decision": "refusée", "motif_refus": WAITING}
    with WorkbookSession(path) as session:
        book = session.open()
        sheet = find_dossier_sheet(book)
        for number, cells in typed.items():
            cells |= {"date_decision": DECIDED_ON, "date_comite": COMMITTEE_ON}
            for key, value in cells.items():
                book.write(sheet.name, sheet.rows[number], sheet.columns[key], [[value]])
        session.save(book)
    granted = sum(1 for cells in typed.values() if cells["decision"] == "accordée")
    print(f"Décisions saisies dans {path} : {granted} accordée(s), {len(typed) - granted} refusée(s).")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
