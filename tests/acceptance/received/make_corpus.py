"""Writes the received-files corpus of the tests, one fault (or none) per file:

- ``valid/``: the démarche's example dossiers (``shared/reference/ds/exemples``, the project's own) and
  variants (BOM, ``{"data": {"dossier"}}``, an incomplete applicant): every dossier valid, no warning to
  speak of;
- ``invalid/``: files that cannot be used as a whole (unreadable, of no known format, dangerous);
- ``invalid-dossiers/``: readable files one of whose dossiers is invalid (the others, if any, are valid);
- ``warnings/``: hostile but well-formed dossiers, valid, each with the warning that says what was found;
  among them the 17-dossier export and page whose one title starts with « = ».

``tests/acceptance/test_received_corpus.py`` says the verdict each must give. Files too big to commit
(200 MB, symbolic-link loops, unreadable files) are made by the tests themselves.

Run from the repository: ``python tests/acceptance/received/make_corpus.py ../shared/reference/ds/exemples``.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import shutil
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

from openpyxl import load_workbook

HERE = Path(__file__).parent
VALID = HERE / "valid"
INVALID = HERE / "invalid"
INVALID_DOSSIERS = HERE / "invalid-dossiers"
WARNINGS = HERE / "warnings"
FORMULA_TITLE = '=HYPERLINK("https://exemple.invalid/portail","Portail citoyen")'


def dump(path: Path, document: object, *, encoding: str = "utf-8", bom: bool = False) -> None:
    text = json.dumps(document, ensure_ascii=False, indent=2)
    data = text.encode(encoding, errors="replace")
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)


def champ(node: dict, label: str) -> dict:
    return next(c for c in node["champs"] if c["label"] == label)


def main(source: Path) -> None:
    for folder in (VALID, INVALID, INVALID_DOSSIERS, WARNINGS):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
    for name in (
        "dossier-11000101.json",
        "dossier-11000102.json",
        "dossier-11000103.json",
        "page-demarche.json",
        "export-instructeur.xlsx",
    ):
        shutil.copy(source / name, VALID / name)
    base = json.loads((source / "dossier-11000101.json").read_text(encoding="utf-8"))

    def variant(number: int) -> dict:
        node = copy.deepcopy(base)
        node["number"] = number
        node["id"] = f"RG9zc2llci0{number}"
        return node

    dump(VALID / "bom.json", variant(11000201), bom=True)
    dump(VALID / "data-dossier.json", {"data": {"dossier": variant(11000202)}})
    incomplete = variant(11000203)
    incomplete["demandeur"] = {"__typename": "PersonneMoraleIncomplete", "siret": "21010005300011"}
    dump(VALID / "demandeur-incomplet.json", incomplete)
    hyphen = variant(11000204)
    champ(hyphen, "Description du projet")["stringValue"] = "- portail\n- formation"  # a list dash is text
    dump(VALID / "description-tirets.json", hyphen)

    # Broken and hostile files.
    (INVALID / "empty.json").write_bytes(b"")
    (INVALID / "not-json.json").write_text("Bonjour, voici notre dossier.\n", encoding="utf-8")
    text = (source / "dossier-11000101.json").read_text(encoding="utf-8")
    (INVALID / "truncated.json").write_text(text[: len(text) // 2], encoding="utf-8")
    dump(INVALID / "cp1252.json", variant(11000301), encoding="cp1252")
    dump(INVALID / "latin-1.json", variant(11000302), encoding="latin-1")
    nan = json.dumps(variant(11000303), ensure_ascii=False).replace(
        '"decimalNumber": 19200.5', '"decimalNumber": NaN', 1
    )
    (INVALID / "nan.json").write_text(nan, encoding="utf-8")
    inf = json.dumps(variant(11000304), ensure_ascii=False).replace(
        '"decimalNumber": 19200.5', '"decimalNumber": Infinity', 1
    )
    (INVALID / "infinity.json").write_text(inf, encoding="utf-8")
    big = json.dumps(variant(11000305), ensure_ascii=False).replace(
        '"decimalNumber": 19200.5', '"decimalNumber": 1' + "0" * 399, 1
    )
    (INVALID / "number-400-digits.json").write_text(big, encoding="utf-8")
    (INVALID / "nesting-100000.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    (INVALID / "not-a-zip.xlsx").write_bytes(b"PK\x03\x04" + b"\x00garbage" * 64)
    _zip_bomb(INVALID / "zip-bomb.xlsx")
    _xlsx_with_xml(
        source / "export-instructeur.xlsx",
        INVALID / "external-entity.xlsx",
        '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&xxe;</t></si></sst>',
    )
    lol = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    _xlsx_with_xml(
        source / "export-instructeur.xlsx",
        INVALID / "billion-laughs.xlsx",
        f'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol0 "lol">{lol}]>\n'
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&lol9;</t></si></sst>',
    )
    for offset, (name, text_value) in enumerate(
        (
            ("formula-equals", '=HYPERLINK("http://x.invalid","clic")'),
            ("formula-plus", "+cmd|' /C calc'!A0"),
            ("formula-minus", "-2+3+cmd|' /C calc'!A0"),
            ("formula-at", "@SUM(1+1)*cmd|' /C calc'!A0"),
        )
    ):
        node = variant(11000380 + offset)
        champ(node, "Intitulé du projet")["stringValue"] = text_value
        dump(WARNINGS / f"{name}.json", node)
    node = variant(11000320)
    node["demandeur"]["siret"] = "21010005300012"
    dump(INVALID_DOSSIERS / "siret-checksum.json", node)
    node = variant(11000321)
    champ(node, "Commune porteuse")["commune"]["code"] = "01999"
    dump(INVALID_DOSSIERS / "code-insee-unknown.json", node)
    node = variant(11000322)
    node["champs"] = [c for c in node["champs"] if c["label"] != "Date de démarrage du projet"]
    dump(INVALID_DOSSIERS / "missing-champ.json", node)
    node = variant(11000323)
    champ(node, "Axes du projet")["values"] = ["Cuisine collective"]
    dump(INVALID_DOSSIERS / "unknown-choice.json", node)
    node = variant(11000324)
    node["state"] = "brouillon"
    dump(INVALID_DOSSIERS / "ds-shape.json", node)
    node = variant(11000325)
    champ(node, "Nombre d'agents de la structure")["integerNumber"] = "douze"
    dump(INVALID_DOSSIERS / "bigint-not-a-number.json", node)
    dump(INVALID / "graphql-errors.json", {"data": None, "errors": [{"message": "Unauthorized: token expired"}]})
    _csv_exports(source / "export-instructeur.xlsx")
    _hostile(variant, source)


def _hostile(variant: Callable[[int], dict], source: Path) -> None:
    """Well-formed dossiers that each passed validation and then broke a later step, or fooled a reader."""
    amounts = {
        "amount-1e308": {"stringValue": "", "decimalNumber": "1e308"},
        "amount-1E400": {"stringValue": "1E400"},
        "amount-400-digits": {"stringValue": "9" * 400},
    }
    for offset, (name, change) in enumerate(amounts.items()):
        node = variant(11000330 + offset)
        champ(node, "Coût total du projet HT (€)").update(change)
        text = json.dumps(node, ensure_ascii=False, indent=2).replace('"1e308"', "1e308")  # a JSON number
        (INVALID_DOSSIERS / f"{name}.json").write_text(text, encoding="utf-8")
    for offset, (name, label, day) in enumerate(
        (
            ("date-year-1", "Date de démarrage du projet", "0001-01-01"),
            ("date-before-1900", "Date de fin de mise en œuvre", "1899-12-30"),
        )
    ):
        node = variant(11000335 + offset)
        champ(node, label)["date"] = day
        dump(INVALID_DOSSIERS / f"{name}.json", node)
    node = variant(11000337)
    node["dateDepot"] = "9999-12-31T23:59:59-12:00"
    dump(INVALID_DOSSIERS / "deposit-year-9999.json", node)
    project = json.loads((HERE.parent.parent.parent / "examples" / "dossiers" / "dossier-21000101.json").read_text())
    project.update(numero=11000338, cout_total="9" * 400)
    project["porteur"]["population"] = 10**20
    dump(INVALID_DOSSIERS / "project-dossier-huge-numbers.json", project)
    page = json.loads((source / "page-demarche.json").read_text(encoding="utf-8"))
    page["data"]["demarche"]["dossiers"]["nodes"] = [variant(11000340 + i) for i in range(3)]
    page["data"]["demarche"]["dossiers"]["nodes"][1]["demandeur"]["siret"] = "21010005300012"
    dump(INVALID_DOSSIERS / "page-one-bad-siret.json", page)
    _export(
        source / "export-instructeur.xlsx", INVALID_DOSSIERS / "export-siret-1E400.xlsx", 11000350, 3, siret="1E400"
    )

    texts = {
        "control-characters": "Portail\x07 citoyen\x0b du\x1f village",
        "noncharacters-fffe-ffff": "Portail \ufffe citoyen \uffff",
        "lone-surrogate": "Portail \ud800 citoyen",
        "terminal-escape": "Portail \x1b[2J\x1b[31mcitoyen\x1b[0m \x1b]0;pirate\x07",
        "right-to-left-override": "Portail citoyen \u202egpj.exe",
        "zero-width": "Portail\u200b citoyen\u2060",
    }
    for offset, (name, text) in enumerate(texts.items()):
        node = variant(11000360 + offset)
        champ(node, "Intitulé du projet")["stringValue"] = text
        if name == "terminal-escape":
            node["demandeur"]["entreprise"]["raisonSociale"] = "COMMUNE \x1b[5mCLIGNOTE\x1b[0m"
        # ensure_ascii: a lone surrogate is written as \ud800, as an API could send it.
        (WARNINGS / f"{name}.json").write_text(json.dumps(node, ensure_ascii=True, indent=2), encoding="utf-8")
    text = json.dumps(variant(11000370), ensure_ascii=False, indent=2)
    text = text.replace('"number": 11000370,', '"number": 11000399,\n  "number": 11000370,', 1)
    (WARNINGS / "duplicate-keys.json").write_text(text, encoding="utf-8")
    # An instructeur's export and an API page of 17 dossiers, one of whose titles starts with « = ».
    _export(source / "export-instructeur.xlsx", WARNINGS / "export-17-dossiers.xlsx", 11000401, 17, formula=7)
    page["data"]["demarche"]["dossiers"]["nodes"] = [variant(11000501 + i) for i in range(17)]
    champ(page["data"]["demarche"]["dossiers"]["nodes"][6], "Intitulé du projet")["stringValue"] = FORMULA_TITLE
    dump(WARNINGS / "page-17-dossiers.json", page)


def _export(source: Path, target: Path, first: int, count: int, *, formula: int = 0, siret: str = "") -> None:
    """An instructeur's export of ``count`` dossiers numbered from ``first``, made from the example export's
    dossiers in turn; dossier ``first + formula - 1`` gets the « = » title, or every SIRET cell ``siret``."""
    from xlplugin.workbook.rows import put_text

    workbook = load_workbook(source)
    originals = {name: list(workbook[name].iter_rows(min_row=2, values_only=True)) for name in workbook.sheetnames}
    numbers = [row[0] for row in originals["Dossiers"]]
    renumber = {i: (numbers[i % len(numbers)], str(first + i)) for i in range(count)}
    title = [c.value for c in workbook["Dossiers"][1]].index("Intitulé du projet")
    for name in workbook.sheetnames:
        sheet = workbook[name]
        sheet.delete_rows(2, sheet.max_row)
        for i, (old, new) in renumber.items():
            for row in originals[name]:
                if str(row[0]) != str(old):
                    continue
                values = [new, *row[1:]]
                if name == "Dossiers" and formula and i == formula - 1:
                    values[title] = FORMULA_TITLE
                if name == "Etablissements" and siret:
                    values[2] = 21010005300011  # a number cell, replaced below at the XML level
                sheet.append([None] * len(values))
                for column, value in enumerate(values, start=1):
                    put_text(sheet.cell(sheet.max_row, column), value)  # text stays text, « = » included
    workbook.save(target)
    if siret:  # openpyxl cannot write 1E400 (it is not a float): set it in the sheet's XML
        with zipfile.ZipFile(target) as archive:
            parts = {item: archive.read(item) for item in archive.infolist()}
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
            for item, data in parts.items():
                archive.writestr(item, data.replace(b"<v>21010005300011</v>", f"<v>{siret}</v>".encode()))


def _zip_bomb(path: Path) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * (60 * 1024 * 1024))


def _xlsx_with_xml(source: Path, target: Path, shared_strings: str) -> None:
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as copy_:
        for item in original.infolist():
            if item.filename != "xl/sharedStrings.xml":
                copy_.writestr(item, original.read(item))
        copy_.writestr("xl/sharedStrings.xml", shared_strings)


def _csv_exports(xlsx: Path) -> None:
    """The CSV export of the same dossiers: one table, the depositor's columns inline, no repetition blocks."""
    workbook = load_workbook(xlsx, data_only=True)
    rows = list(workbook["Dossiers"].iter_rows(values_only=True))
    establishments = {r[0]: r for r in workbook["Etablissements"].iter_rows(min_row=2, values_only=True)}
    siret_header = [c.value for c in workbook["Etablissements"][1]][2:]
    header = list(rows[0]) + siret_header
    body = []
    for row in rows[1:]:
        extra = list(establishments.get(row[0], ()))[2:]
        body.append([_csv_value(v) for v in list(row) + extra])
    for name, delimiter, encoding, bom in (
        ("export-semicolon-bom.csv", ";", "utf-8", True),
        ("export-comma.csv", ",", "utf-8", False),
        ("export-cp1252.csv", ";", "cp1252", False),
    ):
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(body)
        data = buffer.getvalue().encode(encoding, errors="replace")
        (INVALID_DOSSIERS / name).write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)


def _csv_value(value: object) -> str:
    if value is None:
        return ""
    if hasattr(value, "strftime"):
        return value.strftime("%d/%m/%Y %H:%M") if getattr(value, "hour", 0) else value.strftime("%d/%m/%Y")
    if isinstance(value, float):
        return repr(value).replace(".", ",")
    return str(value)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("../shared/reference/ds/exemples"))
