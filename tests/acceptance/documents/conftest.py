"""Fixtures of the decision documents' tests: the 40 example dossiers evaluated and allocated by the rules, the
office's decisions for them (given here), the settings of a fictitious signatory, and the documents rendered once.

The SIRET of the préfecture used here (17000000400011) is fictitious: it only passes the Luhn keys of SIREN and SIRET.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from xlplugin.documents import (
    DocumentSettings,
    OfficeDecision,
    RenderReport,
    build_records,
    default_document_settings,
    render_documents,
)
from xlplugin.documents.record import DecisionRecord
from xlplugin.rules import (
    Allocation,
    Evaluation,
    Reglement,
    allocate_envelope,
    default_reglement,
    evaluate,
    read_dossier,
)

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "examples" / "dossiers"
DECIDED_ON = date(2021, 11, 29)
COMMITTEE_ON = date(2021, 11, 22)
TEST_SIRET = "17000000400011"
SIGNATORY = "Camille Exemple"
INCOMPLETE_MOTIF = "Le dossier est incomplet : la population ou l'appréciation de l'agent manque."


@pytest.fixture(scope="session")
def reglement_ain() -> Reglement:
    return default_reglement()


@pytest.fixture(scope="session")
def evaluations(reglement_ain: Reglement) -> list[Evaluation]:
    files = sorted(EXAMPLES.glob("*.json"))
    assert len(files) == 40
    return [
        evaluate(read_dossier(json.loads(f.read_text(encoding="utf-8")), reglement_ain), reglement_ain) for f in files
    ]


@pytest.fixture(scope="session")
def allocation(evaluations: list[Evaluation], reglement_ain: Reglement) -> Allocation:
    return allocate_envelope([e.candidate() for e in evaluations], reglement_ain)


# The examples that tick « dérogation » get, above the legal ceiling of CGCT L1111-10, III, the amount of the
# rules: here, for the tests, a derogation the law gives is typed (a fictitious decision). make demo does what an
# office without such a ground does: it unticks the derogation and shares the envelope again.
DEROGATION_GROUND = "calamites_publiques"
DEROGATION_REFERENCE = "l'arrêté préfectoral n° 01-2021-DER-{number} du 15 novembre 2021"


def office_decisions(allocation: Allocation) -> dict[int, OfficeDecision]:
    """Every example dossier decided: allocated → accordée (with a derogation's ground and decision where the
    amount needs one); ranked but not reached, or ineligible → refusée; not ranked (to assess) → refusée with
    the office's own motif."""
    decisions = {}
    for grant in allocation.grants:
        common = {"decided_on": DECIDED_ON, "committee_on": COMMITTEE_ON}
        if grant.allocated > 0:
            decisions[grant.number] = OfficeDecision(
                grant.number,
                "accordée",
                order_number=f"01-2021-{grant.number % 1000:03d}",
                derogation_ground=DEROGATION_GROUND,
                derogation_reference=DEROGATION_REFERENCE.format(number=grant.number % 1000),
                **common,
            )
        elif grant.rank is not None or grant.status == "ineligible":
            decisions[grant.number] = OfficeDecision(grant.number, "refusée", **common)
        else:
            decisions[grant.number] = OfficeDecision(grant.number, "Refusée", refusal_motif=INCOMPLETE_MOTIF, **common)
    return decisions


@pytest.fixture(scope="session")
def records(evaluations: list[Evaluation], allocation: Allocation, reglement_ain: Reglement) -> list[DecisionRecord]:
    return build_records(evaluations, allocation, office_decisions(allocation), reglement_ain)


@pytest.fixture(scope="session")
def settings() -> DocumentSettings:
    return dataclasses.replace(default_document_settings(), signatory_name=SIGNATORY, grantor_siret=TEST_SIRET)


@pytest.fixture(scope="session")
def rendered(
    records: list[DecisionRecord],
    settings: DocumentSettings,
    reglement_ain: Reglement,
    tmp_path_factory: pytest.TempPathFactory,
) -> RenderReport:
    """The documents of the 40 dossiers, rendered once; PDF too when LibreOffice is installed."""
    return render_documents(records, settings, reglement_ain, tmp_path_factory.mktemp("documents"), pdf=None)


def has_libreoffice() -> bool:
    return shutil.which("soffice") is not None or shutil.which("libreoffice") is not None


needs_libreoffice = pytest.mark.needs("soffice")
needs_poppler = pytest.mark.needs("pdftotext")
