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

from xlplugin.intake.pipeline import Validator
from xlplugin.intake.versions import collect_paths
from xlplugin.rules import default_reglement

CORPUS = Path(__file__).parent / "received"
VALID = CORPUS / "valid"
INVALID = CORPUS / "invalid"
INVALID_DOSSIERS = CORPUS / "invalid-dossiers"
WARNINGS = CORPUS / "warnings"

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

# Files that cannot be used as a whole: the file's own error.
EXPECTED_FILE_ERROR = {
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
    "graphql-errors.json": "FORME_DS_INVALIDE",
}

# Readable files with an invalid dossier: {number: its error code} (the others of the file are valid).
EXPECTED_DOSSIER_ERRORS: dict[str, dict[int, str]] = {
    "siret-checksum.json": {11000320: "SIRET_INVALIDE"},
    "code-insee-unknown.json": {11000321: "CODE_INSEE_INCONNU"},
    "missing-champ.json": {11000322: "CHAMP_MANQUANT"},
    "unknown-choice.json": {11000323: "VALEUR_INVALIDE"},
    "ds-shape.json": {11000324: "FORME_DS_INVALIDE"},
    "bigint-not-a-number.json": {11000325: "FORME_DS_INVALIDE"},
    "export-semicolon-bom.csv": {n: "DEPENSES_ABSENTES" for n in range(11000101, 11000106)},
    "export-comma.csv": {n: "DEPENSES_ABSENTES" for n in range(11000101, 11000106)},
    "export-cp1252.csv": {n: "DEPENSES_ABSENTES" for n in range(11000101, 11000106)},
    "amount-1e308.json": {11000330: "FORME_DS_INVALIDE"},
    "amount-1E400.json": {11000331: "VALEUR_INVALIDE"},
    "amount-400-digits.json": {11000332: "VALEUR_INVALIDE"},
    "date-year-1.json": {11000335: "VALEUR_INVALIDE"},
    "date-before-1900.json": {11000336: "VALEUR_INVALIDE"},
    "deposit-year-9999.json": {11000337: "DOSSIER_INVALIDE"},
    "project-dossier-huge-numbers.json": {11000338: "DOSSIER_INVALIDE"},
    "page-one-bad-siret.json": {11000341: "SIRET_INVALIDE"},
    "export-siret-1E400.xlsx": {n: "SIRET_INVALIDE" for n in range(11000350, 11000353)},
}
EXPECTED_VALID_NUMBERS = {"page-one-bad-siret.json": [11000340, 11000342]}

# Hostile but well-formed: every dossier valid, and the warning that says what was found ({number: code}; 0 for
# a warning on the file itself).
EXPECTED_WARNINGS: dict[str, dict[int, str]] = {
    "formula-equals.json": {11000380: "TEXTE_FORMULE"},
    "formula-plus.json": {11000381: "TEXTE_FORMULE"},
    "formula-minus.json": {11000382: "TEXTE_FORMULE"},
    "formula-at.json": {11000383: "TEXTE_FORMULE"},
    "control-characters.json": {11000360: "CARACTERES_RETIRES"},
    "noncharacters-fffe-ffff.json": {11000361: "CARACTERES_RETIRES"},
    "lone-surrogate.json": {11000362: "CARACTERES_RETIRES"},
    "terminal-escape.json": {11000363: "CARACTERES_RETIRES"},
    "right-to-left-override.json": {11000364: "CARACTERES_TROMPEURS"},
    "zero-width.json": {11000365: "CARACTERES_TROMPEURS"},
    "duplicate-keys.json": {0: "CLE_EN_DOUBLE"},
    "export-17-dossiers.xlsx": {11000407: "TEXTE_FORMULE"},
    "page-17-dossiers.json": {11000507: "TEXTE_FORMULE"},
}


@pytest.fixture(scope="module")
def validator() -> Validator:
    return Validator(default_reglement())


def test_the_corpus_is_complete():
    assert sorted(p.name for p in VALID.iterdir()) == sorted(EXPECTED_VALID)
    assert sorted(p.name for p in INVALID.iterdir()) == sorted(EXPECTED_FILE_ERROR)
    assert sorted(p.name for p in INVALID_DOSSIERS.iterdir()) == sorted(EXPECTED_DOSSIER_ERRORS)
    assert sorted(p.name for p in WARNINGS.iterdir()) == sorted(EXPECTED_WARNINGS)


@pytest.mark.parametrize("name", sorted(EXPECTED_VALID))
def test_a_valid_received_file_is_valid_with_its_dossiers(validator, name):
    result = validator.validate_file(VALID / name)
    assert result.complete, [i.message for d in result.dossiers for i in d.errors]
    assert result.numbers == EXPECTED_VALID[name]
    assert all(d.dossier is not None for d in result.dossiers)


@pytest.mark.parametrize("name", sorted(EXPECTED_FILE_ERROR))
def test_a_broken_or_dangerous_file_is_rejected_as_a_whole_with_its_code(validator, name):
    result = validator.validate_file(INVALID / name)
    assert not result.valid and not result.valid_dossiers
    assert EXPECTED_FILE_ERROR[name] in {i.code for i in result.errors}
    for issue in result.errors:
        assert issue.message and issue.message == issue.message.strip()


@pytest.mark.parametrize("name", sorted(EXPECTED_DOSSIER_ERRORS))
def test_an_invalid_dossier_is_rejected_alone_with_its_code(validator, name):
    result = validator.validate_file(INVALID_DOSSIERS / name)
    assert result.valid  # the file itself is readable
    invalid = {d.numero: {i.code for i in d.errors} for d in result.invalid_dossiers}
    assert set(invalid) == set(EXPECTED_DOSSIER_ERRORS[name])
    for numero, code in EXPECTED_DOSSIER_ERRORS[name].items():
        assert code in invalid[numero], (numero, invalid[numero])
    assert [d.numero for d in result.valid_dossiers] == EXPECTED_VALID_NUMBERS.get(name, [])


@pytest.mark.parametrize("name", sorted(EXPECTED_WARNINGS))
def test_a_hostile_but_well_formed_dossier_is_valid_and_said_so(validator, name):
    result = validator.validate_file(WARNINGS / name)
    assert result.complete, [(d.numero, [i.message for i in d.errors]) for d in result.dossiers]
    for numero, code in EXPECTED_WARNINGS[name].items():
        found = result.warnings if numero == 0 else next(d for d in result.dossiers if d.numero == numero).warnings
        assert code in {i.code for i in found}


def test_text_a_workbook_cannot_hold_is_removed_and_the_rest_kept(validator):
    titles = {
        "control-characters.json": "Portail citoyen du village",
        "noncharacters-fffe-ffff.json": "Portail  citoyen ",
        "lone-surrogate.json": "Portail  citoyen",
        "terminal-escape.json": "Portail citoyen ",
        "right-to-left-override.json": "Portail citoyen \u202egpj.exe",  # kept as typed: only said
        "formula-equals.json": '=HYPERLINK("http://x.invalid","clic")',  # kept exactly as typed
    }
    for name, title in titles.items():
        (dossier,) = [d.dossier for d in validator.validate_file(WARNINGS / name).dossiers]
        assert dossier is not None and dossier.project.title == title, name
    (escaped,) = validator.validate_file(WARNINGS / "terminal-escape.json").dossiers
    assert escaped.dossier is not None and escaped.dossier.applicant.name == "COMMUNE CLIGNOTE"


def test_an_incomplete_applicant_is_a_warning(validator):
    (dossier,) = validator.validate_file(VALID / "demandeur-incomplet.json").dossiers
    assert "PORTEUR_INCOMPLET" in {i.code for i in dossier.warnings}


def test_eligibility_is_reported_but_is_not_an_error(validator):
    result = validator.validate_file(VALID / "page-demarche.json")
    assert result.complete
    assert {"PORTEUR_NON_ELIGIBLE", "DEBUT_TARDIF"} <= {i.code for d in result.dossiers for i in d.warnings}


def test_every_problem_of_a_dossier_is_reported_not_only_the_first(validator, tmp_path):
    text = (VALID / "dossier-11000101.json").read_text(encoding="utf-8")
    text = text.replace('"21010005300011"', '"21010005300012"').replace('"code": "01005"', '"code": "01999"')
    text = text.replace('"Projet numérique 11000101"', '"=1+1"')
    path = tmp_path / "three-faults.json"
    path.write_text(text, encoding="utf-8")
    (dossier,) = validator.validate_file(path).dossiers
    assert {"SIRET_INVALIDE"} <= {i.code for i in dossier.errors}
    assert {"TEXTE_FORMULE"} <= {i.code for i in dossier.warnings}


def test_a_problem_names_the_champ_the_pointer_and_the_value(validator):
    (dossier,) = validator.validate_file(INVALID_DOSSIERS / "unknown-choice.json").dossiers
    issue = dossier.errors[0]
    assert issue.numero == 11000323
    assert issue.champ == "Axes du projet"
    assert issue.pointer == "/champs/9/values"
    assert issue.value == "Cuisine collective"
    (deposit,) = validator.validate_file(INVALID_DOSSIERS / "deposit-year-9999.json").dossiers
    assert (deposit.errors[0].champ, deposit.errors[0].pointer) == ("Déposé le", "/dateDepot")


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
    folders = (INVALID, INVALID_DOSSIERS, WARNINGS, VALID)
    before = {f: _digest(f) for f in folders}
    results = validator.validate(collect_paths(folders))
    assert {f: _digest(f) for f in folders} == before
    assert len(results) == len(EXPECTED_FILE_ERROR) + len(EXPECTED_DOSSIER_ERRORS) + len(EXPECTED_WARNINGS) + 9
    assert sum(not r.valid for r in results) == len(EXPECTED_FILE_ERROR)
    assert sum(r.complete for r in results) == len(EXPECTED_VALID) + len(EXPECTED_WARNINGS)


@pytest.mark.parametrize("command", ["validate", "evaluate", "allocate"])
def test_the_hostile_corpus_gives_exit_1_and_no_traceback_nor_escape_sequence(command):
    done = subprocess.run(
        [sys.executable, "-m", "batch", command, str(INVALID), str(INVALID_DOSSIERS), str(WARNINGS)],
        capture_output=True,
        text=True,
        env=dict(os.environ, NO_COLOR="1"),
        check=False,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr + done.stdout
    assert "\x1b" not in done.stderr + done.stdout and "\x07" not in done.stderr + done.stdout
    for name in (*EXPECTED_FILE_ERROR, *EXPECTED_DOSSIER_ERRORS):
        assert name in (done.stdout if command == "validate" else done.stderr)


def test_a_tracking_workbook_among_the_received_files_is_named_as_such(validator, tmp_path):
    from click.testing import CliRunner

    from batch.cli import main

    path = tmp_path / "suivi.xlsx"
    assert CliRunner().invoke(main, ["init", str(path)]).exit_code == 0
    result = validator.validate_file(path)
    assert [i.code for i in result.errors] == ["FORMAT_INCONNU"]
    assert "classeur de suivi" in result.errors[0].message
