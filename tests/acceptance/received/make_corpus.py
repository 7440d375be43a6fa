"""Writes the received-files corpus of the tests: ``valid/`` and ``invalid/`` (broken and hostile files).

The valid files are the démarche's example dossiers (``shared/reference/ds/exemples``, the project's own),
plus variants (BOM, ``{"data": {"dossier"}}``, an incomplete applicant). Each invalid file holds one fault;
``tests/test_received_corpus.py`` says which error code each must give. Files too big to commit (200 MB,
symbolic-link loops, unreadable files) are made by the tests themselves.

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
from pathlib import Path

from openpyxl import load_workbook

HERE = Path(__file__).parent
VALID = HERE / "valid"
INVALID = HERE / "invalid"


def dump(path: Path, document: object, *, encoding: str = "utf-8", bom: bool = False) -> None:
    text = json.dumps(document, ensure_ascii=False, indent=2)
    data = text.encode(encoding, errors="replace")
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)


def champ(node: dict, label: str) -> dict:
    return next(c for c in node["champs"] if c["label"] == label)


def main(source: Path) -> None:
    for folder in (VALID, INVALID):
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
    for name, text_value in (
        ("formula-equals", '=HYPERLINK("http://x.invalid","clic")'),
        ("formula-plus", "+cmd|' /C calc'!A0"),
        ("formula-minus", "-2+3+cmd|' /C calc'!A0"),
        ("formula-at", "@SUM(1+1)*cmd|' /C calc'!A0"),
    ):
        node = variant(11000310 + len(name))
        champ(node, "Intitulé du projet")["stringValue"] = text_value
        dump(INVALID / f"{name}.json", node)
    node = variant(11000320)
    node["demandeur"]["siret"] = "21010005300012"
    dump(INVALID / "siret-checksum.json", node)
    node = variant(11000321)
    champ(node, "Commune porteuse")["commune"]["code"] = "01999"
    dump(INVALID / "code-insee-unknown.json", node)
    node = variant(11000322)
    node["champs"] = [c for c in node["champs"] if c["label"] != "Date de démarrage du projet"]
    dump(INVALID / "missing-champ.json", node)
    node = variant(11000323)
    champ(node, "Axes du projet")["values"] = ["Cuisine collective"]
    dump(INVALID / "unknown-choice.json", node)
    node = variant(11000324)
    node["state"] = "brouillon"
    dump(INVALID / "ds-shape.json", node)
    node = variant(11000325)
    champ(node, "Nombre d'agents de la structure")["integerNumber"] = "douze"
    dump(INVALID / "bigint-not-a-number.json", node)
    dump(INVALID / "graphql-errors.json", {"data": None, "errors": [{"message": "Unauthorized: token expired"}]})
    _csv_exports(source / "export-instructeur.xlsx")


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
        (INVALID / name).write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)


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
