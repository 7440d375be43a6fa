"""The Excel functions: called as plain functions with cell values as agents have them, and through
xlwings Server's own protocol (``custom_functions_meta``, ``custom_functions_call``) with payloads
shaped as Office.js sends them."""

from __future__ import annotations

import asyncio
import inspect
from datetime import datetime

import pytest
import xlwings as xw
from hypothesis import given, settings
from hypothesis import strategies as st
from xlwings.server import custom_functions_call, custom_functions_meta

from xlplugin.excel import udfs

SERVICE = "Service en ligne, dématérialisation ou accompagnement des agents aux outils numériques"
ELIGIBLE_ROW = (
    "Commune",
    "01005",
    "Non",
    None,
    None,
    None,
    SERVICE,
    datetime(2021, 10, 1),
    datetime(2022, 9, 30),
    19200.5,
)


def call(name, *args):  # type: ignore[no-untyped-def]
    """Call a function as Office.js does: every argument a matrix, dates as serial numbers."""
    payload = {
        "func_name": name,
        "args": [a if isinstance(a, list) else [[a]] for a in args],
        "version": xw.__version__,
        "client": "Office.js",
        "caller_address": "Dossiers!AE2",
        "runtime": "1.4",
        "culture_info_name": "fr-FR",
        "date_format": "dd/MM/yyyy",
    }
    return asyncio.run(custom_functions_call(payload, udfs))


def test_every_function_is_described_in_french_for_the_function_wizard():
    meta = custom_functions_meta(udfs)
    names = {f["name"] for f in meta["functions"]}
    assert {
        "SUBV_ELIGIBLE",
        "SUBV_MOTIFS",
        "SUBV_ASSIETTE",
        "SUBV_NOTE",
        "SUBV_TAUX",
        "SUBV_MONTANT",
        "SUBV_POPULATION",
        "SUBV_TRANCHE",
        "SUBV_SIRET",
        "SUBV_EXPLICATION",
        "SUBV_TAUX_COLONNE",
    } <= names
    for function in meta["functions"]:
        assert function["name"].startswith("SUBV_")
        assert len(function["description"]) > 20
        for parameter in function["parameters"]:
            assert not parameter["description"].startswith("Positional argument"), (function["name"], parameter)


def test_no_name_collides_with_an_excel_function():
    meta = custom_functions_meta(udfs)
    for function in meta["functions"]:
        assert function["name"] not in {"TAUX", "RATE", "NOTE", "MONTANT", "POPULATION"}


def test_the_rate_through_the_server_protocol():
    assert call("SUBV_TAUX", 1751, 19200.5, "Oui", "Non", 1500, 8, 12, "Non") == [[1.0]]
    assert call("SUBV_TAUX", 12000, 19200.5, "Non", "Non", 0, 0, 10, "Oui") == [[0.7]]


def test_eligibility_with_dates_as_serial_numbers():
    assert call("SUBV_ELIGIBLE", "Commune", 1005, "Non", None, None, None, SERVICE, 44470, 44834, 19200.5) == [["Oui"]]
    late = call("SUBV_MOTIFS", "Commune", 1005, "Non", None, None, None, SERVICE, 44593, 44834, 19200.5)
    assert late[0][0].startswith("DEBUT_TARDIF : Démarrage le 01/02/2022")


def test_a_code_insee_that_lost_its_leading_zero_is_restored():
    assert call("SUBV_POPULATION", 1004) == [[14134]]
    assert call("SUBV_POPULATION", "240100750") == [[96535]]
    assert udfs.SUBV_POPULATION(1004.0) == 14134


def test_a_wrong_cell_gives_a_french_message_not_a_traceback():
    result = call("SUBV_TAUX", "beaucoup", 19200.5, "Oui", "Non", 1500, 8, 12, "Non")
    assert result == [["Erreur : population : « beaucoup » n'est pas un nombre entier"]]
    assert udfs.SUBV_ELIGIBLE("Commune", "01005", "Peut-être", *ELIGIBLE_ROW[3:]).startswith(
        "Erreur : projet commun : « Peut-être » n'est ni Oui ni Non"
    )
    assert udfs.SUBV_ELIGIBLE("Mairie", *ELIGIBLE_ROW[1:]).startswith("Erreur : type de porteur : « Mairie »")
    assert udfs.SUBV_POPULATION(99999).startswith("Erreur : « 99999 » est inconnu du référentiel")


def test_empty_cells_and_yes_no_as_agents_type_them():
    assert udfs.SUBV_ELIGIBLE(*ELIGIBLE_ROW) == "Oui"
    assert udfs.SUBV_NOTE(None, None, 1000, 1000, 1, 2, 3, 1751, "non") == "à apprécier"
    assert udfs.SUBV_NOTE(3, 3, 1000, 1000, 10, 10, 5000, 1751, "Oui") == 100.0


def test_the_assiette_from_the_expense_sheet():
    numbers = [[1], [1], [1], [2]]
    natures = [["Logiciel ou abonnement"], ["Dépenses de personnel"], ["Formation"], ["Formation"]]
    amounts = [[100.5], [50], [30], [7]]
    assert call("SUBV_ASSIETTE", 1, numbers, natures, amounts, None) == [[130.5]]
    assert call("SUBV_ASSIETTE", 1, numbers, natures, amounts, "investissement") == [[100.5]]
    assert call("SUBV_ASSIETTE", 1, numbers, natures, amounts, "exclues") == [[50.0]]
    natures_with_typo = [["Voyage"], ["Formation"], ["Formation"], ["Formation"]]
    bad = call("SUBV_ASSIETTE", 1, numbers, natures_with_typo, amounts, None)
    assert bad[0][0].startswith("Erreur : Dépenses, ligne 2, nature : « Voyage » n'est pas un choix connu")
    assert call("SUBV_ASSIETTE", 2, numbers, natures_with_typo, amounts, None) == [[7.0]]  # other dossiers unharmed


def test_the_amount_is_zero_for_an_ineligible_dossier_and_capped_otherwise():
    assert udfs.SUBV_MONTANT("Non", 10000, 0, 1, 10000, 0, "Non") == 0
    assert udfs.SUBV_MONTANT("Oui", 10000, 10000, 1, 10000, 0, "Non") == 8000  # CGCT L1111-10
    assert udfs.SUBV_MONTANT("Oui", 10000, 10000, 1, 10000, 0, "Oui") == 10000
    assert udfs.SUBV_MONTANT("Oui", 90000, 0, 1, 90000, 0, "Non") == 50000  # cap per dossier


def test_band_and_siret():
    assert call("SUBV_TRANCHE", 3500) == [["de 3 500 à 9 999 habitants (80\u00a0%)"]]
    assert call("SUBV_SIRET", "21010005300011") == [["Valide"]]
    assert "clé de contrôle" in call("SUBV_SIRET", "21010005300012")[0][0]


def test_column_versions_spill_one_result_per_row():
    result = call(
        "SUBV_TAUX_COLONNE",
        [[1751], [50000], ["x"]],
        [[19200.5], [200000], [1]],
        [["Oui"], ["Non"], ["Non"]],
        [["Non"], ["Non"], ["Non"]],
        [[1], [1], [1]],
        [[1], [1], [1]],
        [[1], [1], [1]],
        [["Non"], ["Oui"], ["Non"]],
    )
    assert result[:2] == [[1.0], [0.5]]
    assert result[2][0].startswith("Erreur : population")
    mismatch = call("SUBV_TAUX_COLONNE", [[1], [2]], [[1], [2], [3]], "Non", "Non", 1, 1, 1, "Non")
    assert mismatch[0][0].startswith("Erreur : les colonnes n'ont pas la même hauteur")


def test_the_explanation_says_how_rate_and_amount_were_found():
    text = udfs.SUBV_EXPLICATION(
        1751, 19200.5, "Oui", "Non", 1500, 8, 12, "Non", "Oui", 19200.5, 19200.5, 19200.5, 0, "Oui"
    )
    assert "tranche « moins de 3 500 habitants »" in text
    assert "Montant : 19\u00a0200\u00a0€" in text


@pytest.mark.parametrize("junk", [None, "", [], [[None]], float("nan"), True, "=1+1", 10**20])
def test_junk_never_raises(junk):
    for function in udfs.CATALOGUE.values():
        parameters = len(inspect.signature(function).parameters)
        result = function(*([junk] * parameters))
        assert not isinstance(result, Exception)


cells = st.none() | st.booleans() | st.integers(-(10**12), 10**12) | st.floats() | st.text(max_size=30) | st.datetimes()
ranges = st.lists(st.lists(cells, min_size=1, max_size=1), max_size=5)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_any_cell_values_give_a_value_or_a_french_message(data):
    for function in udfs.CATALOGUE.values():
        count = len(inspect.signature(function).parameters)
        args = [data.draw(cells | ranges) for _ in range(count)]
        result = function(*args)
        assert not isinstance(result, BaseException)
        if isinstance(result, str) and result.startswith("Erreur"):
            assert result.startswith("Erreur : ")


def test_amounts_typed_as_text_are_read_as_an_agent_means_them_or_asked_again():
    assert udfs.SUBV_MONTANT("Oui", "12 000 €", 0, 1, "12 000", 0, "Oui") == 12000
    assert udfs.SUBV_MONTANT("Oui", "12000,00", 0, 1, "12000,00", 0, "Oui") == 12000
    assert udfs.SUBV_MONTANT("Oui", 12000, 0, "0.850", 12000, 0, "Oui") == 10200  # no thousands before « 0. »
    # « 12.000 »: twelve thousand to a French eye, twelve to Python: asked again, never guessed.
    for typed in ("12.000", "1.234.567", "-12.000", "12.000 €"):
        shown = udfs.SUBV_MONTANT("Oui", typed, 0, 1, 10000, 0, "Oui")
        assert shown.startswith(f"Erreur : assiette : « {typed} » : le point sépare-t-il les milliers"), shown
