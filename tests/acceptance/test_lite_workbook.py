"""The xlwings Lite code written into workbooks (``guichet init``, ``guichet lite --into``): where it goes, what it
keeps of an office's own add-ins and Lite code, what it refuses, and what it tells the agent."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest

from tests.acceptance.office import corpus
from tests.conftest import ROOT
from xlplugin.excel.lite import BEGIN, LITE_STORE_ID, LITE_XLWINGS, PYODIDE_VERSION

WE = "{http://schemas.microsoft.com/office/webextensions/webextension/2010/11}"
WETP = "{http://schemas.microsoft.com/office/webextensions/taskpanes/2010/11}"
GUICHET = [sys.executable, "-c", "from batch.cli import main; main()"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*GUICHET, *args], capture_output=True, text=True, cwd=ROOT, check=False)


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def addins(path: Path) -> dict[str, tuple[set[str], dict[str, str]]]:
    """Each web extension part: its store ids and its settings (raw JSON texts)."""
    found = {}
    for name, data in parts(path).items():
        if name.startswith("xl/webextensions/webextension") and name.endswith(".xml"):
            root = ElementTree.fromstring(data)
            ids = {ref.get("id", "") for ref in root.iter(f"{WE}reference")}
            found[name] = (ids, {p.get("name", ""): p.get("value", "") for p in root.iter(f"{WE}property")})
    return found


def lite_part(path: Path) -> tuple[str, dict[str, str]]:
    (found,) = [(n, s) for n, (ids, s) in addins(path).items() if LITE_STORE_ID in {i.lower() for i in ids}]
    return found


def office_book(folder: Path) -> Path:
    path = folder / "bureau.xlsx"

    def build(book: object) -> None:
        sheet = book.add_worksheet("Suivi")  # type: ignore[attr-defined]
        corpus._rows(book, sheet)  # type: ignore[arg-type]

    corpus._xlsxwriter(path, build)
    return path


def test_a_new_workbook_carries_the_lite_code_and_opens_its_pane(tmp_path: Path) -> None:
    path = tmp_path / "suivi.xlsx"
    done = run("init", str(path))
    assert done.returncode == 0, done.stderr
    assert "Code xlwings Lite rangé dans le classeur : 16 fonctions" in done.stdout
    _, settings = lite_part(path)
    assert json.loads(settings["main.py"]).startswith(BEGIN)
    assert json.loads(settings["requirements.txt"]).startswith(f"xlwings=={LITE_XLWINGS}  # required")
    assert settings["Office.AutoShowTaskpaneWithDocument"] == "true"
    files = parts(path)
    panes = ElementTree.fromstring(files["xl/webextensions/taskpanes.xml"])
    (pane,) = panes.iter(f"{WETP}taskpane")
    assert pane.get("visibility") == "1"
    assert b"webextensiontaskpanes" in files["_rels/.rels"]
    assert b'PartName="/xl/webextensions/webextension1.xml"' in files["[Content_Types].xml"]


def test_a_workbook_for_the_classic_add_in_carries_none(tmp_path: Path) -> None:
    path = tmp_path / "suivi.xlsm"
    assert run("init", str(path)).returncode == 0
    assert addins(path) == {}


def test_lite_into_an_office_workbook_adds_its_part_and_changes_nothing_else(tmp_path: Path) -> None:
    path = office_book(tmp_path)
    before = parts(path)
    done = run("lite", "--into", str(path))
    assert done.returncode == 0, done.stderr
    assert "Code xlwings Lite rangé dans le classeur" in done.stdout
    after = parts(path)
    changed = {name for name in before if before[name] != after.get(name)}
    assert changed == {"[Content_Types].xml", "_rels/.rels"}
    for name in changed:  # every entry of the office's kept, entries added
        old = {ElementTree.tostring(e) for e in ElementTree.fromstring(before[name])}
        new = {ElementTree.tostring(e) for e in ElementTree.fromstring(after[name])}
        assert old <= new
    assert set(after) - set(before) == {
        "xl/webextensions/taskpanes.xml",
        "xl/webextensions/_rels/taskpanes.xml.rels",
        "xl/webextensions/webextension1.xml",
    }
    assert list(tmp_path.glob("bureau.sauvegarde-*.xlsx"))  # the previous version kept


def test_another_add_in_of_the_office_is_left_as_it_is(tmp_path: Path) -> None:
    book = corpus.web_extension(tmp_path)  # an Office.js add-in with its own main.py setting, and custom XML
    before = parts(book.path)
    assert run("lite", "--into", str(book.path)).returncode == 0
    after = parts(book.path)
    assert after["xl/webextensions/webextension1.xml"] == before["xl/webextensions/webextension1.xml"]
    assert all(after[name] == data for name, data in before.items() if name.startswith("customXml/"))
    lite_name, _ = lite_part(book.path)
    assert lite_name == "xl/webextensions/webextension2.xml"
    old_panes = list(ElementTree.fromstring(before["xl/webextensions/taskpanes.xml"]))
    new_panes = list(ElementTree.fromstring(after["xl/webextensions/taskpanes.xml"]))
    assert [ElementTree.tostring(p) for p in new_panes[: len(old_panes)]] == [
        ElementTree.tostring(p) for p in old_panes
    ]
    assert len(new_panes) == len(old_panes) + 1


OFFICE_MAIN = (
    "import xlwings as xw\nfrom xlwings import func\n\n\n@func\ndef bonjour(nom):\n    return f'Bonjour {nom}'\n"
)
OFFICE_REQUIREMENTS = (
    "xlwings==0.33.15  # required\npython-dotenv==1.0.1  # required\npyodide-http  # required\nblack  # required\n"
    "pandas\n"
)


def with_lite_code(path: Path, main: str, requirements: str) -> None:
    """The workbook as xlwings Lite saves it with the office's own code: its part, with the settings Lite keeps."""
    settings = {
        "main.py": main,
        "pyodideVersion": "0.27.5",
        "addinVersion": "1.0.0.0-28",
        "requirements.txt": requirements,
    }
    properties = "".join(
        f'<we:property name="{name}" value="{json.dumps(value).replace("&", "&amp;").replace(chr(34), "&quot;")}"/>'
        for name, value in settings.items()
    )
    extension = corpus.WEB_EXTENSION.replace('id="wa000000000"', f'id="{LITE_STORE_ID}"')
    extension = re.sub(r"<we:properties>.*</we:properties>", lambda _: f"<we:properties>{properties}</we:properties>",
                       extension, flags=re.S)  # fmt: skip
    with zipfile.ZipFile(path) as source:
        files = {info.filename: source.read(info) for info in source.infolist()}
    files["xl/webextensions/webextension1.xml"] = extension.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in files.items():
            target.writestr(name, data)


def test_the_offices_lite_code_is_kept_and_named(tmp_path: Path) -> None:
    book = corpus.web_extension(tmp_path)
    with_lite_code(book.path, OFFICE_MAIN, OFFICE_REQUIREMENTS)
    done = run("lite", "--into", str(book.path))
    assert done.returncode == 0, done.stderr
    assert "Code xlwings Lite du classeur mis à jour" in done.stdout
    assert "Code du bureau gardé dans main.py : 7 lignes (bonjour)" in done.stdout
    assert "xlwings==0.33.15" in done.stdout and LITE_XLWINGS in done.stdout  # the line changed, and said
    name, settings = lite_part(book.path)
    assert name == "xl/webextensions/webextension1.xml"  # the office's part, not a second one
    main = json.loads(settings["main.py"])
    assert main.startswith(OFFICE_MAIN.rstrip()) and main.count(BEGIN) == 1
    assert json.loads(settings["pyodideVersion"]) == "0.27.5" and json.loads(settings["addinVersion"]) == "1.0.0.0-28"
    lines = json.loads(settings["requirements.txt"]).splitlines()
    assert lines[:5] == [f"xlwings=={LITE_XLWINGS}  # required", *OFFICE_REQUIREMENTS.splitlines()[1:]]

    again = run("lite", "--into", str(book.path))
    assert again.returncode == 0 and "rien n'est modifié" in again.stdout
    assert lite_part(book.path)[1] == settings


def test_a_clash_with_the_offices_code_is_refused_and_nothing_written(tmp_path: Path) -> None:
    book = corpus.web_extension(tmp_path)
    with_lite_code(book.path, "def SUBV_TAUX(x):\n    return 0\n", OFFICE_REQUIREMENTS)
    before = book.path.read_bytes()
    done = run("lite", "--into", str(book.path))
    assert done.returncode == 1
    assert "SUBV_TAUX" in done.stderr and "renommez" in done.stderr and "Traceback" not in done.stderr
    assert book.path.read_bytes() == before
    assert not list(tmp_path.glob("*.sauvegarde-*"))


def test_under_another_reglement_the_note_gives_the_command_that_settles_it(tmp_path: Path) -> None:
    # Found by a reader of the guide: with --reglement, the note said « guichet lite --into suivi.xlsx », which put
    # the shipped règlement's code back — and the note came again, and again.
    import shlex

    document = json.loads((ROOT / "xlplugin" / "data" / "reglement-ain-2021.json").read_text(encoding="utf-8"))
    document["enveloppe"]["montant"] = "200000"
    other = tmp_path / "mon règlement.json"
    other.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    path = tmp_path / "suivi.xlsx"
    assert run("init", str(path)).returncode == 0
    done = run("import", str(ROOT / "examples" / "dossiers"), "--workbook", str(path), "--reglement", str(other))
    said = next(line for line in done.stderr.splitlines() if "mettez-le à jour" in line)
    command = said.split("mettez-le à jour : ", 1)[1]
    assert command == f"guichet lite --into {path} --reglement {shlex.quote(str(other))}"
    assert run(*shlex.split(command)[1:]).returncode == 0
    done = run("allocate", "--workbook", str(path), "--reglement", str(other))
    assert done.returncode == 0 and "xlwings Lite" not in done.stderr


def test_a_workbook_whose_lite_code_is_of_another_revision_is_named(tmp_path: Path) -> None:
    path = tmp_path / "suivi.xlsx"
    assert run("init", str(path)).returncode == 0
    files = parts(path)
    part = "xl/webextensions/webextension1.xml"
    files[part] = re.sub(rb"r\xc3\xa9vision de calcul : [0-9a-f]+", "révision de calcul : 0123456789abcdef".encode(),
                         files[part])  # fmt: skip
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in files.items():
            target.writestr(name, data)
    done = run("import", str(ROOT / "examples" / "dossiers" / "dossier-21000101.json"), "--workbook", str(path))
    assert "révision 0123456789abcdef" in done.stderr and "guichet lite --into" in done.stderr
    assert run("lite", "--into", str(path)).returncode == 0
    done = run("allocate", "--workbook", str(path))
    assert done.returncode == 0 and "xlwings Lite" not in done.stderr


def test_the_files_to_paste_are_written_in_a_folder(tmp_path: Path) -> None:
    done = run("lite", "--output", str(tmp_path / "lite"))
    assert done.returncode == 0, done.stderr
    main = (tmp_path / "lite" / "main.py").read_text(encoding="utf-8")
    assert main.startswith(BEGIN)
    assert run("lite", "--output", str(tmp_path / "lite")).returncode == 1  # not replaced without --force


def test_excels_dynamic_array_form_of_a_function_is_kept(tmp_path: Path) -> None:
    # Excel saves a call of an Office.js custom function as a one-cell dynamic array formula (cm="1",
    # t="array", metadata.xml): xlwings-server's tests/e2e_custom_functions.xlsx, saved by Excel. Once Excel has
    # saved the tool's formulas so, the tool's next writes keep that form and change only the cached value.
    path = tmp_path / "suivi.xlsx"
    assert run("init", str(path)).returncode == 0
    assert run("import", str(ROOT / "examples" / "dossiers"), "--workbook", str(path)).returncode == 0
    files = parts(path)
    sheet = "xl/worksheets/sheet2.xml"
    # AH2, the rate of row 2, as Excel without the add-in saves it: the formula in dynamic-array form, #NAME?.
    pattern = rb'<c r="AH2"([^>]*?)(?: t="n")?><f>(_xldudf_SUBV_TAUX\([^<]*\))</f><v>([^<]*)</v></c>'
    found = re.search(pattern, files[sheet])
    assert found, "the rate of row 2 is a Lite formula in AH2"
    files[sheet] = files[sheet].replace(
        found.group(0),
        b'<c r="AH2"'
        + found.group(1)
        + b' t="e" cm="1"><f t="array" ref="AH2">'
        + found.group(2)
        + b"</f><v>#NAME?</v></c>",
    )
    files["xl/metadata.xml"] = METADATA
    files["[Content_Types].xml"] = files["[Content_Types].xml"].replace(
        b"</Types>",
        b'<Override PartName="/xl/metadata.xml" '
        b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheetMetadata+xml"/></Types>',
    )
    files["xl/_rels/workbook.xml.rels"] = files["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        b'<Relationship Id="rId90" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        b'sheetMetadata" Target="metadata.xml"/></Relationships>',
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in files.items():
            target.writestr(name, data)
    assert run("allocate", "--workbook", str(path)).returncode == 0  # computes the figure showing an error again
    cell = re.search(rb'<c r="AH2"[^>]*>.*?</c>', parts(path)[sheet])
    assert cell is not None
    assert b'cm="1"' in cell.group(0) and b'<f t="array" ref="AH2">_xldudf_SUBV_TAUX(' in cell.group(0)
    assert b"#NAME?" not in cell.group(0) and found.group(3) in cell.group(0)  # the rate the rules give
    assert parts(path)["xl/metadata.xml"] == METADATA


METADATA = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
    b'<metadata xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    b'xmlns:xda="http://schemas.microsoft.com/office/spreadsheetml/2017/dynamicarray"><metadataTypes count="1">'
    b'<metadataType name="XLDAPR" minSupportedVersion="120000" copy="1" pasteAll="1" pasteValues="1" merge="1" '
    b'splitFirst="1" rowColShift="1" clearFormats="1" clearComments="1" assign="1" coerce="1" cellMeta="1"/>'
    b'</metadataTypes><futureMetadata name="XLDAPR" count="1"><bk><extLst>'
    b'<ext uri="{bdbb8cdc-fa1e-496e-a857-3c3f30c029c3}"><xda:dynamicArrayProperties fDynamic="1" fCollapsed="0"/>'
    b'</ext></extLst></bk></futureMetadata><cellMetadata count="1"><bk><rc t="1" v="0"/></bk></cellMetadata>'
    b"</metadata>"
)

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_the_part_records_the_functions_and_the_pyodide_as_excel_and_lite_do(tmp_path: Path) -> None:
    # Workbooks Excel saved with xlwings Lite record, in the add-in's part, that it provides custom functions and
    # which (as the formulas name them), and the Pyodide Lite ran (« pyodideVersion »).
    path = tmp_path / "suivi.xlsx"
    assert run("init", str(path)).returncode == 0
    name, settings = lite_part(path)
    assert json.loads(settings["pyodideVersion"]) == PYODIDE_VERSION
    root = ElementTree.fromstring(parts(path)[name])
    assert root.find(f"{WE}extLst") is not None and next(root.iter(f"{WE}containsCustomFunctions"), None) is not None
    ids = [e.text for e in root.iter(f"{WE}customFunctionIds")]
    assert "_xldudf_SUBV_TAUX" in ids and len(ids) == 16
    formulas = re.findall(rb"<f>(_xldudf_SUBV_[A-Z_]+)\(", parts(path)["xl/worksheets/sheet2.xml"] or b"")
    assert {f.decode() for f in formulas} <= set(ids)


def test_an_offices_lite_part_gets_the_functions_listed_and_keeps_its_own(tmp_path: Path) -> None:
    book = corpus.web_extension(tmp_path)
    with_lite_code(book.path, OFFICE_MAIN, OFFICE_REQUIREMENTS)
    files = parts(book.path)
    part = "xl/webextensions/webextension1.xml"
    files[part] = files[part].replace(
        b"</we:webextension>",
        b'<we:extLst><a:ext xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
        b'uri="{7C84B067-C214-45C3-A712-C9D94CD141B2}"><we:customFunctionIdList>'
        b"<we:customFunctionIds>_xldudf_BONJOUR</we:customFunctionIds></we:customFunctionIdList></a:ext>"
        b"</we:extLst></we:webextension>",
    )
    with zipfile.ZipFile(book.path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in files.items():
            target.writestr(name, data)
    assert run("lite", "--into", str(book.path)).returncode == 0
    root = ElementTree.fromstring(parts(book.path)[part])
    ids = [e.text for e in root.iter(f"{WE}customFunctionIds")]
    assert ids[0] == "_xldudf_BONJOUR" and "_xldudf_SUBV_NOTE" in ids


def test_a_workbook_libreoffice_saved_gets_its_code_back_in_one_pane(tmp_path: Path) -> None:
    # LibreOffice keeps task-pane lists but drops the add-ins' parts: the pane then points at nothing. The tool
    # says so at the next import, and puts the code back in one pane, the dangling one gone.
    path = tmp_path / "suivi.xlsx"
    assert run("init", str(path)).returncode == 0
    files = parts(path)
    for name in ("xl/webextensions/webextension1.xml", "xl/webextensions/_rels/taskpanes.xml.rels"):
        del files[name]
    files["[Content_Types].xml"] = re.sub(rb'<Override PartName="/xl/webextensions/webextension1.xml"[^>]*/>', b"",
                                          files["[Content_Types].xml"])  # fmt: skip
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in files.items():
            target.writestr(name, data)
    done = run("import", str(ROOT / "examples" / "dossiers" / "dossier-21000101.json"), "--workbook", str(path))
    assert done.returncode == 0 and "n'a pas (ou plus) le code xlwings Lite" in done.stderr
    assert run("lite", "--into", str(path)).returncode == 0
    panes = list(ElementTree.fromstring(parts(path)["xl/webextensions/taskpanes.xml"]))
    assert len(panes) == 1
    assert lite_part(path)[0] == "xl/webextensions/webextension1.xml"
    done = run("allocate", "--workbook", str(path))
    assert done.returncode == 0 and "xlwings Lite" not in done.stderr
