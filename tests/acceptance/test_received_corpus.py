"""The received-files corpus: every valid file is valid with its dossiers; every broken or hostile file is
rejected with its own error code, without a traceback, and never modified."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest

from xlplugin.intake.pipeline import Validator, collect_paths
from xlplugin.rules import default_reglement

CORPUS = Path(__file__).parent / "received"
VALID = CORPUS / "valid"
INVALID = CORPUS / "invalid"

EXPECTED_VALID = {
    "dossier-11000101.json": [11000101],
    "dossier-11000102.json": [11000102],
    "dossier-11000103.json": [11000103],
    "page-demarche.json": [11000104, 11000105],
    "export-instructeur.xlsx": [11000101, 11000102, 11000103, 11000104, 11000105],
    "bom.json": [11000201],
    "data-dossier.json": [11000202],
    "demandeur-incomplet.json": [11000203],
    "description-tirets.json": [11000204],
}

EXPECTED_ERROR = {
    "empty.json": "FICHIER_VIDE",
    "not-json.json": "FORMAT_INCONNU",
    "truncated.json": "JSON_INVALIDE",
    "cp1252.json": "ENCODAGE_INVALIDE",
    "latin-1.json": "ENCODAGE_INVALIDE",
    "nan.json": "NOMBRE_INVALIDE",
    "infinity.json": "NOMBRE_INVALIDE",
    "number-400-digits.json": "NOMBRE_INVALIDE",
    "nesting-100000.json": "JSON_TROP_PROFOND",
    "not-a-zip.xlsx": "XLSX_INVALIDE",
    "zip-bomb.xlsx": "ARCHIVE_SUSPECTE",
    "external-entity.xlsx": "XML_DANGEREUX",
    "billion-laughs.xlsx": "XML_DANGEREUX",
    "formula-equals.json": "TEXTE_FORMULE",
    "formula-plus.json": "TEXTE_FORMULE",
    "formula-minus.json": "TEXTE_FORMULE",
    "formula-at.json": "TEXTE_FORMULE",
    "siret-checksum.json": "SIRET_INVALIDE",
    "code-insee-unknown.json": "CODE_INSEE_INCONNU",
    "missing-champ.json": "CHAMP_MANQUANT",
    "unknown-choice.json": "VALEUR_INVALIDE",
    "ds-shape.json": "FORME_DS_INVALIDE",
    "bigint-not-a-number.json": "FORME_DS_INVALIDE",
    "graphql-errors.json": "FORME_DS_INVALIDE",
    "export-semicolon-bom.csv": "DEPENSES_ABSENTES",
    "export-comma.csv": "DEPENSES_ABSENTES",
    "export-cp1252.csv": "DEPENSES_ABSENTES",
}


@pytest.fixture(scope="module")
def validator() -> Validator:
    return Validator(default_reglement())


def test_the_corpus_is_complete():
    assert sorted(p.name for p in VALID.iterdir()) == sorted(EXPECTED_VALID)
    assert sorted(p.name for p in INVALID.iterdir()) == sorted(EXPECTED_ERROR)


@pytest.mark.parametrize("name", sorted(EXPECTED_VALID))
def test_a_valid_received_file_is_valid_with_its_dossiers(validator, name):
    result = validator.validate_file(VALID / name)
    assert result.valid, [i.message for i in result.errors]
    assert result.numbers == EXPECTED_VALID[name]
    assert all(d.dossier is not None for d in result.dossiers)


@pytest.mark.parametrize("name", sorted(EXPECTED_ERROR))
def test_a_broken_or_hostile_file_is_rejected_with_its_code(validator, name):
    result = validator.validate_file(INVALID / name)
    assert not result.valid
    assert EXPECTED_ERROR[name] in {i.code for i in result.errors}
    for issue in result.errors:
        assert (issue.message and issue.message[0].islower()) or issue.message[0].isupper()


def test_an_incomplete_applicant_is_a_warning(validator):
    result = validator.validate_file(VALID / "demandeur-incomplet.json")
    assert "PORTEUR_INCOMPLET" in {i.code for i in result.warnings}


def test_eligibility_is_reported_but_is_not_an_error(validator):
    result = validator.validate_file(VALID / "page-demarche.json")
    assert result.valid
    assert {"PORTEUR_NON_ELIGIBLE", "DEBUT_TARDIF"} <= {i.code for i in result.warnings}


def test_every_error_of_a_file_is_reported_not_only_the_first(validator, tmp_path):
    text = (VALID / "dossier-11000101.json").read_text(encoding="utf-8")
    text = text.replace('"21010005300011"', '"21010005300012"').replace('"code": "01005"', '"code": "01999"')
    text = text.replace('"Projet numérique 11000101"', '"=1+1"')
    path = tmp_path / "three-faults.json"
    path.write_text(text, encoding="utf-8")
    codes = {i.code for i in validator.validate_file(path).errors}
    assert {"SIRET_INVALIDE", "TEXTE_FORMULE"} <= codes


def test_a_problem_names_the_champ_the_pointer_and_the_value(validator):
    result = validator.validate_file(INVALID / "unknown-choice.json")
    issue = result.errors[0]
    assert issue.numero == 11000323
    assert issue.champ == "Axes du projet"
    assert issue.pointer == "/champs/9/values"
    assert issue.value == "Cuisine collective"


def test_a_file_of_200_mb_is_refused_without_reading_it(validator, tmp_path):
    path = tmp_path / "huge.json"
    with path.open("wb") as f:
        f.truncate(200 * 1024 * 1024)  # sparse: costs no disk
    tracemalloc.start()
    result = validator.validate_file(path)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert [i.code for i in result.errors] == ["FICHIER_TROP_GROS"]
    assert peak < 5 * 1024 * 1024


def test_a_symlink_loop_and_an_unreadable_file_are_reported(validator, tmp_path, monkeypatch):
    loop_a, loop_b = tmp_path / "a.json", tmp_path / "b.json"
    loop_a.symlink_to(loop_b)
    loop_b.symlink_to(loop_a)
    result = validator.validate_file(loop_a)
    assert [i.code for i in result.errors] == ["FICHIER_ILLISIBLE"]
    assert "boucle" in result.errors[0].message

    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    assert [i.code for i in validator.validate_file(fifo).errors] == ["FICHIER_ILLISIBLE"]

    locked = tmp_path / "locked.json"
    locked.write_text("{}", encoding="utf-8")
    original = Path.open

    def refuse(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self == locked:
            raise PermissionError(13, "Permission denied")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", refuse)
    assert [i.code for i in validator.validate_file(locked).errors] == ["FICHIER_ILLISIBLE"]


def test_a_linked_folder_loop_does_not_trap_the_scan(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "back").symlink_to(tmp_path, target_is_directory=True)
    (tmp_path / "sub" / "d.json").write_text("{}", encoding="utf-8")
    assert collect_paths([tmp_path]) == [tmp_path / "sub" / "d.json"]


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_received_files_are_never_modified_and_one_bad_file_never_stops_the_batch(validator):
    before = _digest(INVALID) | _digest(VALID)
    results = validator.validate(collect_paths([INVALID, VALID]))
    assert _digest(INVALID) | _digest(VALID) == before
    assert len(results) == len(EXPECTED_ERROR) + len(EXPECTED_VALID)
    assert sum(r.valid for r in results) == len(EXPECTED_VALID)


def test_the_hostile_corpus_gives_exit_1_and_no_traceback():
    done = subprocess.run(
        [sys.executable, "-m", "batch", "validate", str(INVALID)],
        capture_output=True,
        text=True,
        env=dict(os.environ, NO_COLOR="1"),
        check=False,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr + done.stdout
    for name in EXPECTED_ERROR:
        assert name in done.stdout


def test_a_tracking_workbook_among_the_received_files_is_named_as_such(validator, tmp_path):
    from click.testing import CliRunner

    from batch.cli import main

    path = tmp_path / "suivi.xlsx"
    assert CliRunner().invoke(main, ["init", str(path)]).exit_code == 0
    result = validator.validate_file(path)
    assert [i.code for i in result.errors] == ["FORMAT_INCONNU"]
    assert "classeur de suivi" in result.errors[0].message
