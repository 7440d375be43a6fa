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


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_a_mutilated_cell_of_a_repetition_gets_a_verdict(tmp_path, data):
    # A cell of a repetition's row typed « RepetitionChamp » with « rows »: "abc" crashed the reading (found by
    # a helper speeding up the checks): the schema checks only a root champ's rows.
    node = copy.deepcopy(NODE)
    repetitions = [c for c in node["champs"] if c.get("__typename") == "RepetitionChamp" and c.get("rows")]
    for _ in range(data.draw(st.integers(1, 3))):
        row = data.draw(st.sampled_from(data.draw(st.sampled_from(repetitions))["rows"]))
        cell = data.draw(st.sampled_from(row["champs"]))
        key = data.draw(st.sampled_from([*sorted(cell), "rows", "__typename"]))
        value = data.draw(st.just("RepetitionChamp") | json_values) if key == "__typename" else data.draw(json_values)
        cell[key] = value
    _validate(tmp_path, node)


def test_a_repetition_inside_a_repetition_is_read_as_a_plain_cell(tmp_path):
    node = copy.deepcopy(NODE)
    repetition = next(c for c in node["champs"] if c.get("__typename") == "RepetitionChamp" and c.get("rows"))
    repetition["rows"][0]["champs"][0].update(__typename="RepetitionChamp", rows="abc")
    _validate(tmp_path, node)


def test_a_defect_of_the_checks_on_one_file_is_its_verdict_and_the_others_are_checked(tmp_path, monkeypatch):
    # One file that made the checks fail (the nested repetition above) stopped the whole batch with a traceback.
    from xlplugin.intake import pipeline

    good, bad = tmp_path / "bon.json", tmp_path / "mauvais.json"
    for path in (good, bad):
        path.write_text(json.dumps(NODE, ensure_ascii=False), encoding="utf-8")
    original = pipeline.read_file

    def failing(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        if path == bad:
            raise AttributeError("'str' object has no attribute 'get'\x1b[31m")
        return original(path, *args, **kwargs)

    monkeypatch.setattr(pipeline, "read_file", failing)
    results = Validator(default_reglement()).validate([bad, good])
    assert results[1].complete
    [issue] = results[0].issues
    assert issue.code == "CONTROLE_IMPOSSIBLE" and "AttributeError" in issue.message and "\x1b" not in issue.message
    _has_a_verdict(results[0])


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
