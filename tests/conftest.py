"""Shared fixtures: the default règlement and territory, and a builder of small dossiers."""

from __future__ import annotations

import os

# The Excel functions are tested through xlwings Server's protocol: its decorators must be the ones
# imported, and its licence is PolyForm Noncommercial (use by a public administration is permitted).
os.environ.setdefault("XLWINGS_ON_SERVER", "true")
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

import copy
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

# On CI, the property tests run the same examples every time: a run never fails by chance on code that
# passed; exploring new examples is for the developers' runs.
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

# The programs some tests need besides Python, and the Debian packages that provide them. Where one is missing,
# its tests are skipped with the reason, on a developer's machine; under CI (GUICHET_CI, set by .ci/run, which
# installs them) they fail instead: CI skips nothing.
PROGRAMS = {
    "soffice": "libreoffice-calc libreoffice-writer",
    "pdftotext": "poppler-utils",
    "pdftoppm": "poppler-utils",
    "node": "nodejs",
}


# Checks against material the project may not ship and CI cannot fetch, collected only where it is found:
# workbooks saved by Excel (XlsxWriter's comparison files, GUICHET_EXCEL_CORPUS) — said in the engineers' guide.
collect_ignore = [] if os.environ.get("GUICHET_EXCEL_CORPUS") else ["acceptance/xlsx/test_excel_corpus.py"]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "needs(*programs): the test runs these programs (see PROGRAMS)")


def missing_program(*programs: str) -> str | None:
    """Why a test needing ``programs`` cannot run here (None: it can)."""
    absent = [program for program in programs if shutil.which(program) is None]
    if not absent:
        return None
    packages = " ".join(dict.fromkeys(PROGRAMS.get(p, p) for p in absent))
    return f"{', '.join(absent)} absent (apt-get install {packages})"


def skip_or_fail(reason: str) -> None:
    """A test that cannot run here: skipped on a developer's machine, failed under CI."""
    if os.environ.get("GUICHET_CI"):
        pytest.fail(f"sous CI, rien n'est sauté : {reason}", pytrace=False)
    pytest.skip(reason)


def pytest_runtest_setup(item: pytest.Item) -> None:
    for mark in item.iter_markers("needs"):
        reason = missing_program(*mark.args)
        if reason is not None:
            skip_or_fail(reason)


from xlplugin.rules import Dossier, Reglement, default_reglement, default_territory, read_dossier
from xlplugin.rules.territory import Territory

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "dossiers"

# A commune of 1 751 inhabitants (Ambérieux-en-Dombes, 01005), one software line by a contractor of the Ain.
BASE: dict[str, Any] = {
    "numero": 1,
    "porteur": {
        "type": "commune",
        "nom": "Commune d'Ambérieux-en-Dombes",
        "siret": "21010005300011",
        "code_insee": "01005",
        "nb_agents": 10,
    },
    "projet": {
        "intitule": "Portail de démarches",
        "axes": ["service_en_ligne"],
        "date_debut": "2021-10-01",
        "date_fin": "2022-09-30",
        "agents_beneficiaires": 5,
        "usagers_beneficiaires": 100,
    },
    "depenses": [
        {
            "libelle": "Portail",
            "nature": "formation",
            "montant_ht": "10000.00",
            "prestataire": "Bresse Numérique",
            "departement_prestataire": "01",
        }
    ],
    "cout_total": "10000.00",
    "montant_sollicite": "10000.00",
}


def merge(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """Deep-merge ``changes`` into a copy of ``base``; a value ``None`` removes the key."""
    result = copy.deepcopy(base)
    for key, value in changes.items():
        if value is None:
            result.pop(key, None)
        elif isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merge(result[key], value)
        else:
            result[key] = copy.deepcopy(value)
    return result


def dossier_doc(**changes: Any) -> dict[str, Any]:
    """The JSON document of a small eligible dossier, with ``changes`` deep-merged."""
    return merge(BASE, changes)


@pytest.fixture(autouse=True)
def import_memory_folder(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test its own folder for the import's memory (``intake.import_memory``): none reads another's
    records, nor the developer's own cache (the commands a test runs in a subprocess inherit it)."""
    folder = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("GUICHET_CACHE_DIR", str(folder))
    return folder


@pytest.fixture(scope="session")
def reglement() -> Reglement:
    return default_reglement()


@pytest.fixture(scope="session")
def territory() -> Territory:
    return default_territory()


@pytest.fixture
def make(reglement: Reglement):  # type: ignore[no-untyped-def]
    """``make(**changes)`` → a checked ``Dossier``."""

    def build(**changes: Any) -> Dossier:
        return read_dossier(dossier_doc(**changes), reglement)

    return build
