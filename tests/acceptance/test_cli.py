"""The batch tool as an agent runs it: CliRunner for the outputs, one real subprocess for the entry point."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from batch.cli import main
from tests.conftest import EXAMPLES, ROOT, dossier_doc
from xlplugin.rules import AVERTISSEMENTS, MOTIFS

EXAMPLE_FILES = sorted(str(p) for p in EXAMPLES.glob("*.json"))


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_evaluate_json_has_the_documented_shape():
    code, out, _ = run("evaluate", "--format", "json", *EXAMPLE_FILES)
    assert code == 0
    rows = json.loads(out)
    assert len(rows) == len(EXAMPLE_FILES) >= 40
    keys = {"numero", "eligible", "motifs", "avertissements", "assiette", "score", "taux", "montant", "explication"}
    for row in rows:
        assert set(row) == keys
        assert isinstance(row["assiette"], str)
        Decimal(row["assiette"])
        for reason in row["motifs"] + row["avertissements"]:
            assert set(reason) == {"code", "message"}


def test_the_examples_cover_every_motif_and_warning():
    _, out, _ = run("evaluate", "--format", "json", *EXAMPLE_FILES)
    rows = json.loads(out)
    motifs = {m["code"] for row in rows for m in row["motifs"]}
    warnings = {w["code"] for row in rows for w in row["avertissements"]}
    assert motifs == set(MOTIFS)
    assert warnings == set(AVERTISSEMENTS)


def test_allocate_json_has_the_documented_shape_and_keeps_within_the_envelope():
    code, out, _ = run("allocate", "--format", "json", *EXAMPLE_FILES)
    assert code == 0
    data = json.loads(out)
    assert {"enveloppe", "total_alloue", "reste", "dossiers"} <= set(data)
    assert data["enveloppe"] == "297000.00"
    total = sum(Decimal(d["alloue"]) for d in data["dossiers"])
    assert total == Decimal(data["total_alloue"]) <= Decimal(data["enveloppe"])
    assert Decimal(data["reste"]) == Decimal(data["enveloppe"]) - total
    assert {d["statut"] for d in data["dossiers"]} == {"finance", "partiel", "attente", "non_classe", "ineligible"}
    ranks = [d["rang"] for d in data["dossiers"] if d["rang"] is not None]
    assert ranks == list(range(1, len(ranks) + 1))


def test_the_text_report_is_a_french_table():
    code, out, _ = run("evaluate", "--explications", *EXAMPLE_FILES[:3])
    assert code == 0
    assert "Assiette" in out and "Éligible" in out and "Dossier 21000101" in out
    code, out, _ = run("allocate", *EXAMPLE_FILES)
    assert "Répartition de l'enveloppe de 297\u00a0000\u00a0€" in out
    assert "reste :" in out


def test_a_bad_file_is_named_with_its_fields_and_the_others_are_still_evaluated(tmp_path):
    bad = tmp_path / "mauvais.json"
    bad.write_text(json.dumps(dossier_doc(numero=7, porteur={"siret": "123"})), encoding="utf-8")
    broken = tmp_path / "casse.json"
    broken.write_text('{"numero": 8,', encoding="utf-8")
    code, out, err = run("evaluate", "--format", "json", str(bad), str(broken), EXAMPLE_FILES[0])
    assert code == 1
    assert len(json.loads(out)) == 1
    assert f"{bad}, dossier 7 :" in err and "/porteur/siret" in err
    assert f"{broken}" in err and "ligne 1" in err
    assert "Traceback" not in err


def test_the_same_dossier_twice_with_the_same_content_counts_once(tmp_path):
    copy = tmp_path / "copie.json"
    copy.write_text(Path(EXAMPLE_FILES[0]).read_text(encoding="utf-8"), encoding="utf-8")
    code, out, _ = run("allocate", "--format", "json", EXAMPLE_FILES[0], str(copy))
    assert code == 0 and len(json.loads(out)["dossiers"]) == 1


def test_another_reglement_can_be_used(tmp_path):
    doc = json.loads((ROOT / "xlplugin" / "data" / "reglement-ain-2021.json").read_text(encoding="utf-8"))
    doc["enveloppe"]["montant"] = "50000.00"
    path = tmp_path / "reglement.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    code, out, _ = run("allocate", "--format", "json", "--reglement", str(path), *EXAMPLE_FILES)
    assert code == 0
    assert json.loads(out)["total_alloue"] == "50000"


def test_a_bad_reglement_stops_with_its_message():
    bad = ROOT / "tests" / "unit" / "reglements-invalides" / "poids-pas-100.json"
    code, _, err = run("evaluate", "--reglement", str(bad), EXAMPLE_FILES[0])
    assert code == 1
    assert "poids-pas-100.json" in err and "/criteres/liste" in err


def test_no_file_is_a_usage_error():
    code, _, _ = run("evaluate")
    assert code == 2


def every_command() -> dict[str, click.Command]:
    """Every command of ``guichet``, subcommands of groups included (``ds sync``), by its full name."""
    context = click.Context(main)
    found: dict[str, click.Command] = {}

    def walk(group: click.Group, prefix: str) -> None:
        for name in group.list_commands(context):
            command = group.get_command(context, name)
            assert command is not None, name
            found[f"{prefix}{name}"] = command
            if isinstance(command, click.Group):
                walk(command, f"{prefix}{name} ")

    walk(main, "")
    return found


COMMANDS = every_command()


def test_every_command_is_found():
    assert {"validate", "import", "allocate", "init", "lite", "ds sync", "ds decider", "documents"} <= set(COMMANDS)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_french_help(name):
    command = COMMANDS[name]
    assert command.help and len(command.help) > 20
    for param in command.params:
        if isinstance(param, click.Option):
            assert param.help, f"{name} {param.name}"


def test_the_installed_entry_point_runs_as_a_subprocess():
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "batch", "allocate", "--format", "json", *EXAMPLE_FILES],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["enveloppe"] == "297000.00"


def test_click_speaks_french():
    runner = CliRunner()
    help_text = runner.invoke(main, ["evaluate", "-h"]).output
    assert "Utilisation :" in help_text and "Affiche cette aide." in help_text
    missing = runner.invoke(main, ["evaluate"])
    assert missing.exit_code == 2 and "Erreur : Argument manquant" in missing.stderr
    wrong = runner.invoke(main, ["validate", "--format", "xml", "x"])
    assert "n'est pas parmi" in wrong.stderr


# What click writes by itself in a help text, in English: marks (« [required] », « [x>=1; required] »), the
# metavars of its types (« TEXT », « INTEGER RANGE »), of groups (« COMMAND [ARGS]... ») and of arguments named
# in English (« FILES »).
CLICK_ENGLISH = re.compile(
    r"\brequired\b|\benv var\b|\(dynamic\)|\bdeprecated\b|\bdefault:|"
    r"\b(?:TEXT|INTEGER|FLOAT|RANGE|BOOLEAN|FILENAME|DATETIME|UUID|COMMAND|ARGS|FILES|PATHS?)\b"
)


@pytest.mark.parametrize("name", ["", *sorted(COMMANDS)])  # "": guichet --help itself
def test_every_help_text_is_french_to_the_last_word_click_adds(name):
    result = CliRunner().invoke(main, [*name.split(), "--help"])
    assert result.exit_code == 0, result.output
    english = sorted(set(CLICK_ENGLISH.findall(result.output)))
    assert not english, f"guichet {name} --help : {english}\n{result.output}"


def test_click_errors_on_typed_values_are_french():
    runner = CliRunner()
    missing = runner.invoke(main, ["ds", "sync", "--dossier-recus", "recus", "--demarche"])
    assert missing.exit_code == 2 and "L'option '--demarche' attend une valeur." in missing.stderr
    word = runner.invoke(main, ["ds", "sync", "--dossier-recus", "recus", "--demarche", "abc"])
    assert word.exit_code == 2 and "'abc' n'est pas un entier valide." in word.stderr
    absent = runner.invoke(main, ["evaluate"])
    assert absent.exit_code == 2 and "Argument manquant 'FICHIERS...'" in absent.stderr


def test_every_subcommand_of_a_group_has_help():
    for name, command in main.commands.items():
        for sub in getattr(command, "commands", {}).values():
            assert sub.help and len(sub.help) > 20, f"{name} {sub.name}"


def test_a_path_that_cannot_be_written_gives_a_french_message(tmp_path):
    blocked = tmp_path / "fichier"
    blocked.write_text("x", encoding="utf-8")
    result = CliRunner().invoke(main, ["init", str(blocked / "suivi.xlsx")])  # a file used as a folder
    assert result.exit_code == 1
    assert result.stderr.startswith("Erreur : ") and "Traceback" not in result.output


def test_an_import_names_the_first_fifty_dossiers_and_counts_the_others():
    from batch.commands.workbook import some_numbers

    numbers = list(range(1, 53))
    assert some_numbers(numbers[:50], "Dossiers") == ", ".join(map(str, range(1, 51)))
    assert some_numbers(numbers[:51], "Dossiers").endswith(", 50… et 1 autre (tous dans la feuille « Dossiers »)")
    assert some_numbers(numbers, "Suivi 2021").endswith(", 50… et 2 autres (tous dans la feuille « Suivi 2021 »)")


@pytest.mark.parametrize(
    "command",
    [
        ["import", "examples/recus", "--workbook"],
        ["allocate", "--workbook"],
        ["documents", "--sortie", "documents", "--workbook"],
        ["lite", "--into"],
        ["init", "--into"],
    ],
)
def test_a_workbook_that_is_not_there_gets_how_to_create_it(tmp_path, command):
    missing = tmp_path / "suivi 2021.xlsx"  # a space: the command shown stays one argument
    code, _, err = run(*command, str(missing))
    assert code == 2 and "Traceback" not in err
    told = f"le classeur « {missing} » n'existe pas : vérifiez le chemin, ou créez-le avec guichet init '{missing}'"
    assert told in err
