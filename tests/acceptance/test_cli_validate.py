"""``guichet validate`` as an agent runs it: verdicts, formats, exit codes, quarantine, duplicates."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner
from openpyxl import load_workbook

from batch.cli import main

CORPUS = Path(__file__).parent / "received"
VALID = CORPUS / "valid"
INVALID = CORPUS / "invalid"
WARNINGS = CORPUS / "warnings"
INVALID_DOSSIERS = CORPUS / "invalid-dossiers"
DS_EXAMPLES = [
    VALID / "dossier-11000101.json",
    VALID / "dossier-11000102.json",
    VALID / "dossier-11000103.json",
    VALID / "page-demarche.json",
    VALID / "export-instructeur.xlsx",
]


def run(*args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, list(args), env=env)


def test_the_examples_of_the_demarche_are_all_valid_with_their_dossiers():
    result = run("validate", "--format", "json", *map(str, DS_EXAMPLES))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["resume"] == {
        "fichiers": 5,
        "valides": 5,
        "invalides": 0,
        "dossiers": 10,
        "dossiers_valides": 10,
        "dossiers_invalides": 0,
    }
    numbers = [d["numero"] for d in data["fichiers"][-1]["dossiers"]]
    assert numbers == [11000101, 11000102, 11000103, 11000104, 11000105]
    for item in data["fichiers"]:
        assert set(item) == {"chemin", "format", "valide", "dossiers", "erreurs", "avertissements", "champs_vus"}
        assert "Intitulé du projet" in item["champs_vus"]
        for dossier in item["dossiers"]:
            assert set(dossier) == {"numero", "valide", "erreurs", "avertissements"} and dossier["valide"]
            for issue in dossier["avertissements"]:
                assert set(issue) == {"numero", "champ", "pointeur", "valeur", "code", "message"}


def test_a_file_of_17_dossiers_with_one_formula_title_gives_17_valid_dossiers():
    for name in ("export-17-dossiers.xlsx", "page-17-dossiers.json"):
        result = run("validate", "--format", "json", str(WARNINGS / name))
        assert result.exit_code == 0, result.output
        data = json.loads(result.stdout)
        assert (data["resume"]["dossiers_valides"], data["resume"]["dossiers_invalides"]) == (17, 0)
        warned = [
            d for d in data["fichiers"][0]["dossiers"] if any(w["code"] == "TEXTE_FORMULE" for w in d["avertissements"])
        ]
        assert len(warned) == 1 and warned[0]["valide"]


def test_one_bad_dossier_of_a_page_is_named_and_the_others_are_valid():
    result = run("validate", "--format", "json", str(INVALID_DOSSIERS / "page-one-bad-siret.json"))
    assert result.exit_code == 1
    (item,) = json.loads(result.stdout)["fichiers"]
    assert item["valide"] and item["erreurs"] == []
    assert [(d["numero"], d["valide"]) for d in item["dossiers"]] == [
        (11000340, True),
        (11000341, False),
        (11000342, True),
    ]
    (error,) = item["dossiers"][1]["erreurs"]
    assert error["code"] == "SIRET_INVALIDE" and error["numero"] == 11000341
    text = run("validate", str(INVALID_DOSSIERS / "page-one-bad-siret.json"), env={"NO_COLOR": "1"}).stdout
    assert "⚠ à revoir" in text and "2 dossier(s) valide(s), 1 invalide(s)" in text
    assert "dossier 11000341 : ✘ invalide" in text


def test_the_same_dossier_in_two_files_is_reported():
    result = run(
        "validate", "--format", "json", str(VALID / "dossier-11000101.json"), str(VALID / "export-instructeur.xlsx")
    )
    data = json.loads(result.stdout)
    warnings = [w for f in data["fichiers"] for d in f["dossiers"] for w in d["avertissements"]]
    duplicates = [w for w in warnings if w["code"] == "DOSSIER_EN_DOUBLE"]
    assert len(duplicates) == 2 and "même contenu" in duplicates[0]["message"]


def test_the_text_report_says_each_files_verdict_and_honours_no_color():
    result = run(
        "validate", str(VALID / "dossier-11000101.json"), str(INVALID / "truncated.json"), env={"NO_COLOR": "1"}
    )
    assert result.exit_code == 1
    assert "✔ valide" in result.stdout and "✘ invalide" in result.stdout
    assert "JSON_INVALIDE" in result.stdout and "ligne" in result.stdout
    assert "\x1b[" not in result.stdout
    assert "Résumé : 2 fichier(s) : 1 valide(s), 0 à revoir" in result.stdout and ", 1 invalide(s) ;" in result.stdout


def test_a_readable_file_with_an_invalid_dossier_is_not_called_invalid_and_the_summary_agrees():
    # A tester's reading: two files whose dossier has a bad SIRET or a bad date were each « ✘ invalide », then
    # the summary said « 2 valide(s), 0 invalide(s) ». The file is readable; its dossier is what is invalid.
    files = [
        INVALID_DOSSIERS / "siret-checksum.json",
        INVALID_DOSSIERS / "date-year-1.json",
        VALID / "dossier-11000101.json",
        INVALID / "truncated.json",
        INVALID_DOSSIERS / "page-one-bad-siret.json",
    ]
    result = run("validate", *map(str, files), env={"NO_COLOR": "1"})
    assert result.exit_code == 1
    heads = [line for line in result.stdout.splitlines() if line.startswith(("✔", "⚠", "✘"))]
    assert len(heads) == len(files)
    assert heads[0].startswith("⚠ à revoir") and "fichier lisible — dossier 11000320 invalide" in heads[0]
    assert heads[1].startswith("⚠ à revoir") and "fichier lisible — dossier 11000335 invalide" in heads[1]
    assert heads[2].startswith("✔ valide")
    assert heads[3].startswith("✘ invalide") and "fichier inutilisable" in heads[3]
    assert heads[4].startswith("⚠ à revoir") and "fichier lisible — 2 dossier(s) valide(s), 1 invalide(s)" in heads[4]
    assert (
        "Résumé : 5 fichier(s) : 1 valide(s), 3 à revoir (lisible(s), avec un dossier invalide), 1 invalide(s) ; "
        "6 dossier(s) : 3 valide(s), 3 invalide(s)." in result.stdout
    )


def test_the_xlsx_report_has_one_row_per_problem_with_filters(tmp_path):
    output = tmp_path / "rapport.xlsx"
    result = run(
        "validate",
        "--format",
        "xlsx",
        "--output",
        str(output),
        str(WARNINGS / "formula-equals.json"),
        str(INVALID / "truncated.json"),
        str(VALID / "bom.json"),
    )
    assert result.exit_code == 1
    sheet = load_workbook(output)["Contrôle des fichiers"]
    assert sheet.auto_filter.ref.startswith("A1:")
    assert sheet.freeze_panes == "A2"
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    formula = next(r for r in rows if r[5] == "TEXTE_FORMULE")
    assert formula[1:3] == ("oui", "oui") and formula[3] == 11000380
    assert formula[8].startswith("=HYPERLINK")  # stored as text, not as a formula
    assert sheet.cell(rows.index(formula) + 2, 9).data_type == "s"
    truncated = next(r for r in rows if r[0].endswith("truncated.json"))
    assert truncated[1:3] == ("non", None) and truncated[5] == "JSON_INVALIDE"
    assert any(r[0].endswith("bom.json") and r[9] == "aucun problème" for r in rows)


def test_xlsx_without_output_is_a_usage_error():
    assert run("validate", "--format", "xlsx", str(VALID / "bom.json")).exit_code == 2


def test_no_path_is_a_usage_error():
    assert run("validate").exit_code == 2


def test_quarantine_copies_the_invalid_files_and_leaves_the_originals(tmp_path):
    inbox = tmp_path / "recus"
    inbox.mkdir()
    for name in ("empty.json", "truncated.json"):
        shutil.copy(INVALID / name, inbox / name)
    shutil.copy(VALID / "bom.json", inbox / "bom.json")
    quarantine = tmp_path / "quarantaine"
    result = run("validate", "--quarantine", str(quarantine), str(inbox))
    assert result.exit_code == 1
    assert sorted(p.name for p in quarantine.iterdir()) == ["empty.json", "truncated.json"]
    assert sorted(p.name for p in inbox.iterdir()) == ["bom.json", "empty.json", "truncated.json"]


def test_evaluate_and_allocate_accept_the_received_files():
    result = run("evaluate", "--format", "json", *map(str, DS_EXAMPLES))
    assert result.exit_code == 0, result.output
    assert [row["numero"] for row in json.loads(result.stdout)] == [11000101, 11000102, 11000103, 11000104, 11000105]
    result = run("allocate", "--format", "json", str(VALID))
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)["dossiers"]) == 9


def test_differing_versions_of_a_dossier_set_that_dossier_aside_and_only_it(tmp_path):
    text = (VALID / "dossier-11000101.json").read_text(encoding="utf-8")
    changed = tmp_path / "v2.json"
    changed.write_text(text.replace("Projet numérique 11000101", "Projet numérique, version 2"), encoding="utf-8")
    result = run(
        "evaluate", "--format", "json", str(VALID / "dossier-11000101.json"), str(changed), str(VALID / "bom.json")
    )
    assert result.exit_code == 1
    assert "VERSIONS_DIFFERENTES" in result.stderr and "version la plus récente" in result.stderr
    assert [row["numero"] for row in json.loads(result.stdout)] == [11000201]


def test_the_text_report_can_be_written_to_a_file(tmp_path):
    output = tmp_path / "controle.txt"
    result = run("validate", "--output", str(output), str(VALID / "bom.json"))
    assert result.exit_code == 0 and result.stdout == ""
    assert "✔ valide" in output.read_text(encoding="utf-8") and "\x1b" not in output.read_text(encoding="utf-8")


def test_a_dossier_in_many_files_names_a_few_of_them_and_counts_the_others(tmp_path):
    # 300 copies of one dossier: each warning used to name the 299 others (10 000 copies: 10 000 names each).
    text = (VALID / "dossier-11000101.json").read_text(encoding="utf-8")
    for i in range(300):
        (tmp_path / f"copie-{i:03d}.json").write_text(text, encoding="utf-8")
    data = json.loads(run("validate", "--format", "json", str(tmp_path)).stdout)
    messages = [w["message"] for f in data["fichiers"] for d in f["dossiers"] for w in d["avertissements"]]
    assert len(messages) == 300
    first = messages[0]
    assert first.startswith(f"le dossier 11000101 figure aussi dans {tmp_path / 'copie-001.json'}, ")
    assert first.endswith(" et 296 autres (même contenu : il compte une fois)") and len(first) < 400


def test_the_xlsx_report_holds_a_received_text_with_what_no_workbook_can_hold(tmp_path):
    # U+FFFE and a control character in a title: removed from the dossier and said (CARACTERES_RETIRES) with the
    # text as received; the report wrote that text, and openpyxl refused it (a traceback instead of the report).
    document = json.loads((VALID / "dossier-11000101.json").read_text(encoding="utf-8"))
    node = document["data"]["dossier"] if "data" in document else document
    text = next(c for c in node["champs"] if c["__typename"] == "TextChamp")
    text["stringValue"] = "Projet \ufffe numérique\x01"
    received = tmp_path / "recu.json"
    received.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    output = tmp_path / "rapport.xlsx"
    result = run("validate", "--format", "xlsx", "--output", str(output), str(received))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    cells = [c for row in load_workbook(output).active.iter_rows(values_only=True) for c in row]
    assert "CARACTERES_RETIRES" in cells and "Projet  numérique" in cells


def test_the_older_versions_left_unread_are_counted(tmp_path: Path) -> None:
    # Found by a reader of the guide: a folder of 80 files synced twice said « 40 fichier(s) », not why.
    node = json.loads((VALID / "dossier-11000103.json").read_bytes())
    for name in ("dossier-11000103.json", "dossier-11000103.v2.json"):
        (tmp_path / name).write_text(json.dumps(node), encoding="utf-8")
    result = run("validate", str(tmp_path))
    assert "Résumé : 1 fichier(s)" in result.output
    assert "1 version(s) antérieure(s) de dossiers non lue(s)" in result.stderr
    assert "version(s) antérieure(s)" not in run("validate", str(tmp_path / "dossier-11000103.v2.json")).stderr
    # The older version is a received file too: never overwritten by the report, even with --force.
    older = tmp_path / "dossier-11000103.json"
    before = older.read_bytes()
    refused = run("validate", str(tmp_path), "--output", str(older), "--force")
    assert refused.exit_code != 0 and older.read_bytes() == before
