"""Junk never crashes the validation: arbitrary JSON documents, and mutilated dossiers of the démarche,
always end in a verdict with French messages, never in an exception."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from batch.reporters.validation import validation_json, validation_text
from xlplugin.intake.pipeline import FileResult, Validator
from xlplugin.rules import default_reglement

VALID = Path(__file__).parent / "received" / "valid"
NODE = json.loads((VALID / "dossier-11000103.json").read_text(encoding="utf-8"))

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)
keys = st.sampled_from(
    [
        "number",
        "state",
        "demandeur",
        "champs",
        "__typename",
        "dateDepot",
        "numero",
        "porteur",
        "projet",
        "depenses",
        "data",
        "annotations",
    ]
)


def _has_a_verdict(result: FileResult) -> None:
    """Every dossier is valid or says why; every problem has a message; every report can show it."""
    for issue in result.issues + [i for d in result.dossiers for i in d.issues]:
        assert issue.message
    for dossier in result.dossiers:
        assert dossier.valid or dossier.errors
    json.loads(validation_json([result]))
    validation_text([result]).encode("utf-8")


def _validate(tmp_path: Path, document: object) -> None:
    path = tmp_path / "fuzz.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    _has_a_verdict(Validator(default_reglement()).validate_file(path))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(keys, json_values, max_size=6) | json_values)
@example({"numero": {"/": "\x1f", "a~b": ["\x1f"]}})  # keys a JSON pointer escapes (found by this test)
def test_arbitrary_json_gets_a_verdict(tmp_path, document):
    _validate(tmp_path, document)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_a_mutilated_dossier_gets_a_verdict(tmp_path, data):
    node = copy.deepcopy(NODE)
    for _ in range(data.draw(st.integers(1, 4))):
        champs = node["champs"]
        index = data.draw(st.integers(0, len(champs) - 1))
        champ = champs[index]
        key = data.draw(st.sampled_from(sorted(champ)))
        champ[key] = data.draw(json_values)
    _validate(tmp_path, node)


csv_cells = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"), max_size=15)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(csv_cells, min_size=1, max_size=8), max_size=5), st.sampled_from([";", ","]))
def test_a_junk_csv_export_gets_a_verdict(tmp_path, rows, delimiter):
    header = ["ID", "État du dossier", "Intitulé du projet", "Établissement SIRET", "Coût total du projet HT (€)"]
    text = "\n".join(delimiter.join(r) for r in [header, *rows])
    path = tmp_path / "export.csv"
    path.write_text(text, encoding="utf-8")
    _has_a_verdict(Validator(default_reglement()).validate_file(path))


EXPORT = VALID / "export-instructeur.xlsx"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.sampled_from(
        ["xl/worksheets/sheet1.xml", "xl/sharedStrings.xml", "xl/workbook.xml", "xl/worksheets/sheet2.xml"]
    ),
    st.lists(st.tuples(st.integers(0, 10**6), st.binary(min_size=1, max_size=4)), min_size=1, max_size=5),
)
def test_a_damaged_xlsx_export_gets_a_verdict(tmp_path, part, edits):
    import zipfile

    with zipfile.ZipFile(EXPORT) as source:
        names = source.namelist()
        contents = {name: source.read(name) for name in names}
    if part not in contents:
        return
    data = bytearray(contents[part])
    for position, replacement in edits:
        at = position % len(data)
        data[at : at + len(replacement)] = replacement
    contents[part] = bytes(data)
    path = tmp_path / "export.xlsx"
    with zipfile.ZipFile(path, "w") as target:
        for name in names:
            target.writestr(name, contents[name])
    _has_a_verdict(Validator(default_reglement()).validate_file(path))
