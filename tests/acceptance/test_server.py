"""``guichet serve``: the Python side of xlwings Server, through FastAPI's test client."""

from __future__ import annotations

import shutil
import warnings

import pytest
import xlwings as xw
from click.testing import CliRunner
from defusedxml.ElementTree import fromstring

from batch.cli import main
from tests.acceptance.test_import_allocate import book_json
from tests.conftest import EXAMPLES
from xlplugin.excel.server import create_app, manifest
from xlplugin.workbook import layout as L

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app())


def test_the_functions_are_described_for_office_js(client):
    meta = client.get("/xlwings/custom-functions-meta").json()
    assert "SUBV_TAUX" in {f["name"] for f in meta["functions"]}


def test_a_function_call_as_office_js_sends_it(client):
    payload = {
        "func_name": "SUBV_TAUX",
        "args": [[[1751]], [[19200.5]], [["Oui"]], [["Non"]], [[1500]], [[8]], [[12]], [["Non"]]],
        "version": xw.__version__,
        "client": "Office.js",
        "caller_address": "Dossiers!AH2",
        "runtime": "1.4",
        "culture_info_name": "fr-FR",
        "date_format": "dd/MM/yyyy",
    }
    assert client.post("/xlwings/custom-functions-call", json=payload).json() == {"result": [[1.0]]}


def test_the_ribbon_script_through_http_writes_the_allocations(client, tmp_path):
    path = tmp_path / "suivi.xlsx"
    runner = CliRunner()
    assert runner.invoke(main, ["init", str(path)]).exit_code == 0
    assert runner.invoke(main, ["import", str(EXAMPLES), "--workbook", str(path)]).exit_code == 0
    copy = tmp_path / "copie.xlsx"
    shutil.copy(path, copy)
    response = client.post("/xlwings/custom-scripts-call/recalculer_allocations", json=book_json(copy))
    assert response.status_code == 200
    actions = response.json()["actions"]
    statuses = {a["values"][0][0] for a in actions if a["func"] == "setValues" and a["sheet_position"] == 1}
    assert {"financé", "partiel", "attente", "inéligible"} <= statuses
    assert client.post("/xlwings/custom-scripts-call/inconnu", json=book_json(copy)).status_code == 404
    assert L.DOSSIERS in [s["name"] for s in book_json(copy)["sheets"]]


def test_the_manifest_has_the_button_and_the_servers_address(client):
    text = client.get("/manifest.xml").text
    root = fromstring(text.encode("utf-8"))
    assert root.tag.endswith("OfficeApp")
    assert "Recalculer les allocations" in text and "Subventions" in text
    assert "http://testserver/taskpane.html" in text
    assert "{base}" not in manifest("https://guichet.example.invalid")
