"""The payments in the tracking workbook (issue 20, point 2): « Reste à payer » and « Contrôle des versements »
right at rest (the values the tool writes) and as LibreOffice recalculates them (Excel's own functions, no
Python), equal to what the rules say (``rules.payments``); and the documents refuse a dossier whose payments
break a rule, which never reaches the essential data (SCDL)."""

from __future__ import annotations

import csv
import re
import subprocess
import warnings
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from batch.cli import main
from tests.acceptance.documents.conftest import EXAMPLES, has_libreoffice
from xlplugin.rules import default_reglement
from xlplugin.rules.payments import Payment, payment_balance, payment_check, payment_problems
from xlplugin.workbook import layout as L
from xlplugin.workbook.sheets import find_dossier_sheet
from xlplugin.workbook.storage import WorkbookSession

DEMO = EXAMPLES.parent / "parametres-documents-demo.json"
DECIDED = date(2021, 11, 29)
D = Decimal

# Dossier (by rank among the funded) → what the agent typed: payments (kind, amount as a fraction of the amount
# allocated, date). The first is the case: 19 200 € granted, 30 % + 50 % paid, Excel showed 23 040 €.
CASES: dict[str, list[tuple[str, str, str, date]]] = {
    "regular": [("avance", "avance", "0.30", date(2021, 12, 10)), ("acompte", "acompte1", "0.50", date(2022, 3, 1))],
    "advance 52 %": [("avance", "avance", "0.52", date(2021, 12, 10))],
    "all before the balance": [
        ("avance", "avance", "0.30", date(2021, 12, 10)),
        ("acompte", "acompte1", "0.70", date(2022, 3, 1)),
    ],
    "above the grant": [
        ("avance", "avance", "0.30", date(2021, 12, 10)),
        ("acompte", "acompte1", "0.50", date(2022, 3, 1)),
        ("solde", "solde", "0.46", date(2022, 12, 1)),
    ],
    "paid before the decision": [("avance", "avance", "0.30", date(2021, 11, 2))],
}


def run(*args: object) -> None:
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def paid(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, tuple[int, Decimal, list[Payment]]]]:
    """The examples imported and allocated; five funded dossiers granted, with the payments of ``CASES`` typed
    through the tool's own writer (as an agent types them in Excel); then allocated again."""
    workbook = tmp_path_factory.mktemp("paiements") / "suivi.xlsx"
    run("init", workbook)
    run("import", EXAMPLES, "--workbook", workbook)
    run("allocate", "--workbook", workbook)
    cases: dict[str, tuple[int, Decimal, list[Payment]]] = {}
    with WorkbookSession(workbook) as session:
        book = session.open()
        sheet = find_dossier_sheet(book)
        values = book.values(sheet.name)
        funded = [
            (number, D(str(values[row - 1][sheet.columns["alloue"] - 1])))
            for number, row in sorted(sheet.rows.items())
            if values[row - 1][sheet.columns["statut"] - 1] == "financé"
        ]
        for (name, typed), (number, granted) in zip(CASES.items(), funded, strict=False):
            cells: dict[str, Any] = {
                "decision": "accordée",
                "date_decision": DECIDED,
                # the examples tick « dérogation »: the amount rests on one, typed as an office does
                "derogation_fondement": "calamites_publiques",
                "derogation_decision": "l'arrêté préfectoral n° 01-2021-DER-1 du 15 novembre 2021",
            }
            payments = []
            for kind, column, share, day in typed:
                amount = (granted * D(share)).quantize(D("0.01"))
                cells |= {column: float(amount), "date_" + column: day}
                payments.append(Payment(kind, amount, day))
            for key, value in cells.items():
                book.write(sheet.name, sheet.rows[number], sheet.columns[key], [[value]])
            cases[name] = (number, granted, payments)
        session.save(book)
    run("allocate", "--workbook", workbook)
    return workbook, cases


def expected(granted: Decimal, payments: list[Payment]) -> tuple[Decimal, str]:
    rules = default_reglement()
    check = payment_check(payment_problems(granted, payments, DECIDED, rules.advance_max, rules.instalments_max))
    return payment_balance(granted, payments).remaining, check


def test_the_rules_say_what_each_case_breaks(paid: tuple[Path, dict[str, tuple[int, Decimal, list[Payment]]]]) -> None:
    _, cases = paid
    checks = {name: expected(granted, payments)[1] for name, (_, granted, payments) in cases.items()}
    assert checks == {
        "regular": "",
        "advance 52 %": "avance au-delà de 30\u00a0%",
        "all before the balance": "avance et acomptes au-delà de 80\u00a0%",
        "above the grant": "versements au-delà du montant accordé",
        "paid before the decision": "versement daté avant la décision",
    }
    _, granted, payments = cases["regular"]
    assert expected(granted, payments)[0] == granted * D("0.20")


def test_at_rest_the_workbook_shows_what_is_left_and_what_breaks_a_rule(
    paid: tuple[Path, dict[str, tuple[int, Decimal, list[Payment]]]],
) -> None:
    workbook, cases = paid
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sheet = openpyxl.load_workbook(workbook, data_only=True)[L.DOSSIERS]
    header = {cell.value: cell.column for cell in sheet[1]}
    rows = {sheet.cell(r, 1).value: r for r in range(2, sheet.max_row + 1)}
    for name, (number, granted, payments) in cases.items():
        left, check = expected(granted, payments)
        row = rows[number]
        assert D(str(sheet.cell(row, header["Reste à payer"]).value)) == left, name
        assert (sheet.cell(row, header["Contrôle des versements"]).value or "") == check, name


def recalculated_by_libreoffice(workbook: Path, folder: Path) -> list[list[str]]:
    """The « Dossiers » sheet as LibreOffice shows it after recalculating every formula on loading (its
    setting « recalcul au chargement : toujours »): Excel's own functions computed without Python."""
    profile = folder / "profil"
    (profile / "user").mkdir(parents=True)
    (profile / "user" / "registrymodifications.xcu").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
        '<item oor:path="/org.openoffice.Office.Calc/Formula/Load">'
        '<prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>\n'
        "</oor:items>\n",
        encoding="utf-8",
    )
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,2",
            "--outdir",
            str(folder),
            str(workbook),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    with (folder / f"{workbook.stem}-{L.DOSSIERS}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def amount(text: str) -> Decimal:
    """« 3 840,00 € » or « 3,840.00 € » as LibreOffice shows it, in the locale of the machine."""
    digits = re.sub(r"[^0-9,.]", "", text)
    if "," in digits and "." in digits:
        digits = digits.replace(",", "") if digits.rfind(".") > digits.rfind(",") else digits.replace(".", "")
    return D(digits.replace(",", "."))


@pytest.mark.skipif(not has_libreoffice(), reason="LibreOffice (soffice) n'est pas installé")
def test_libreoffice_recalculating_the_workbook_finds_the_same(
    paid: tuple[Path, dict[str, tuple[int, Decimal, list[Payment]]]], tmp_path: Path
) -> None:
    workbook, cases = paid
    rows = recalculated_by_libreoffice(workbook, tmp_path)
    header = rows[0]
    left_at, check_at = header.index("Reste à payer"), header.index("Contrôle des versements")
    eligible_at = header.index("Éligible")
    by_number = {row[0]: row for row in rows[1:] if row and row[0]}
    assert any(row[eligible_at].startswith(("#N", "Err")) for row in by_number.values())  # it did recalculate
    for name, (number, granted, payments) in cases.items():
        left, check = expected(granted, payments)
        row = by_number[str(number)]
        assert amount(row[left_at]) == left, (name, row[left_at])
        assert row[check_at] == check, name


def test_documents_refuse_the_dossiers_whose_payments_break_a_rule(
    paid: tuple[Path, dict[str, tuple[int, Decimal, list[Payment]]]], tmp_path: Path
) -> None:
    workbook, cases = paid
    settings = tmp_path / "parametres.json"
    settings.write_text(
        DEMO.read_text(encoding="utf-8").replace('"siret": null', '"siret": "17000000400011"'), encoding="utf-8"
    )
    output = tmp_path / "documents"
    result = CliRunner().invoke(
        main,
        [
            "documents",
            "--workbook",
            str(workbook),
            "--sortie",
            str(output),
            "--sans-pdf",
            "--parametres",
            str(settings),
        ],
    )
    assert result.exit_code == 1, result.output
    regular = cases["regular"][0]
    assert (output / f"{regular}-arrete-attributif.docx").is_file()
    published = (output / "donnees-essentielles-subventions.csv").read_text(encoding="utf-8")
    for name, column in (
        ("advance 52 %", "Avance"),
        ("all before the balance", "Acompte 1, Acompte 2"),
        ("above the grant", "versements"),
        ("paid before the decision", "Date de l'avance"),
    ):
        number = cases[name][0]
        assert f"Dossier {number}, {column} : " in result.stderr, name
        assert not any(p.name.startswith(str(number)) for p in output.iterdir()), name
    dates = {row["datesPeriodeVersement"] for row in csv.DictReader(published.splitlines())}
    assert not any(d.startswith("2021-11-02") for d in dates)  # the payment before the decision is not published
