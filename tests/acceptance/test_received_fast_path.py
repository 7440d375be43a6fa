"""The fast paths of the check of received files give what the general ones give: the same verdicts, messages
and pointers, on every file of the corpora and on random dossiers.

- the shape of a DS dossier: the dispatch of each champ to the validator of its type (``intake.ds_shape``)
  against the whole schema (``schema_messages.schema_problems``);
- a whole file's verdict through the pipeline, with one and with the other;
- the texts' check, which writes a pointer only for a text it reports, against the walk that writes one for
  every text (``intake.texts.clean_document``).
"""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import ROOT
from xlplugin.intake import ds_json
from xlplugin.intake.ds_json import find_nodes
from xlplugin.intake.ds_shape import SCHEMA, shape_problems
from xlplugin.intake.pipeline import FileResult, Validator
from xlplugin.intake.safety import parse_json
from xlplugin.rules import default_reglement
from xlplugin.rules.schema_messages import schema_problems

RECEIVED = ROOT / "tests" / "acceptance" / "received"
CORPUS = sorted(p for p in RECEIVED.glob("*/*") if p.suffix in (".json", ".xlsx", ".csv")) + sorted(
    (ROOT / "examples" / "recus").glob("*")
)
NODE = json.loads((RECEIVED / "valid" / "dossier-11000103.json").read_text(encoding="utf-8"), parse_float=Decimal)


def _general(node: Any) -> list[Any]:
    return schema_problems(node, SCHEMA)


def _nodes(path: Path) -> list[Any]:
    parsed = parse_json(path.read_bytes().decode("utf-8-sig", errors="replace"))
    if not isinstance(parsed, tuple):
        return []
    found = find_nodes(parsed[0])
    return [node for _, node in found] if isinstance(found, list) else []


def _verdict(result: FileResult) -> list[Any]:
    """Everything a report shows of a file: its issues and each dossier's, in order."""

    def issues(items: list[Any]) -> list[tuple[Any, ...]]:
        return [(i.severity, i.code, i.message, i.numero, i.champ, i.pointer, repr(i.value)) for i in items]

    return [result.kind, issues(result.issues)] + [
        (d.numero, d.valid, issues(d.issues), d.labels) for d in result.dossiers
    ]


@pytest.mark.parametrize("path", [p for p in CORPUS if p.suffix == ".json"], ids=lambda p: p.name)
def test_the_dispatch_finds_what_the_whole_schema_finds_in_the_corpus(path):
    for node in _nodes(path):
        assert shape_problems(node) == _general(node)


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_a_received_file_gets_the_same_verdict_by_both_paths(path, monkeypatch):
    validator = Validator(default_reglement())
    fast = _verdict(validator.validate_file(path))
    monkeypatch.setattr(ds_json, "shape_problems", _general)
    assert _verdict(validator.validate_file(path)) == fast


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**20), 10**20)
    | st.decimals(allow_nan=False, allow_infinity=False, places=2)
    | st.text(max_size=12),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)
# Values each type of champ may hold, good and bad: dates, numbers as text, codes, objects with a code.
plausible = st.sampled_from(
    [
        None,
        "",
        "2021-09-01",
        "2021-02-30",
        "01/09/2021",
        "2021-09-01T10:00:00+02:00",
        "2021-09-01T25:00:00Z",
        "123",
        "-45",
        "1234567890123456789",
        "12,5",
        True,
        False,
        0,
        10**12,
        10**12 + 1,
        -(10**18),
        10**19,
        Decimal("1500.50"),
        Decimal("-1E+13"),
        "01004",
        "2A004",
        "1004",
        ["a", "b"],
        ["a", 1],
        {"code": "01004"},
        {"code": 1004},
        {"name": "Ain"},
        {"code": "01", "name": None},
        [{"filename": "devis.pdf"}],
        [{"url": "x"}],
        [{"champs": []}],
        [{"id": "r", "champs": [{"__typename": "TextChamp", "label": "x"}]}],
        [{"champs": [{"label": "sans type"}]}],
        [{"champs": [{"__typename": "DateChamp", "label": "d", "date": "2021-99-01"}]}],
    ]
)
TYPES = [
    "TextChamp",
    "DateChamp",
    "DatetimeChamp",
    "CheckboxChamp",
    "YesNoChamp",
    "DecimalNumberChamp",
    "IntegerNumberChamp",
    "DropDownListChamp",
    "MultipleDropDownListChamp",
    "CommuneChamp",
    "EpciChamp",
    "DepartementChamp",
    "SiretChamp",
    "PieceJustificativeChamp",
    "RepetitionChamp",
    "HeaderSectionChamp",
    "Inconnu",
]
# The fields each type's branch of the schema constrains.
OWN = {
    "DateChamp": ["date"],
    "DatetimeChamp": ["datetime"],
    "CheckboxChamp": ["checked"],
    "YesNoChamp": ["selected"],
    "DecimalNumberChamp": ["decimalNumber"],
    "IntegerNumberChamp": ["integerNumber"],
    "DropDownListChamp": ["value"],
    "MultipleDropDownListChamp": ["values"],
    "CommuneChamp": ["commune", "departement"],
    "EpciChamp": ["epci", "departement"],
    "DepartementChamp": ["departement"],
    "SiretChamp": ["etablissement"],
    "PieceJustificativeChamp": ["files"],
    "RepetitionChamp": ["rows"],
}
FIELDS = [
    "__typename",
    "label",
    "id",
    "champDescriptorId",
    "stringValue",
    "date",
    "datetime",
    "checked",
    "selected",
    "decimalNumber",
    "integerNumber",
    "value",
    "values",
    "commune",
    "epci",
    "departement",
    "etablissement",
    "files",
    "rows",
]


def _champ_at(node: dict[str, Any], data: st.DataObject) -> dict[str, Any] | Any:
    """A champ of the node, a root one or one in a row of a repetition."""
    champs = node[data.draw(st.sampled_from(["champs", "annotations"]))] if node.get("annotations") else node["champs"]
    if not champs:
        return None
    champ = champs[data.draw(st.integers(0, len(champs) - 1))]
    rows = champ.get("rows") if isinstance(champ, dict) else None
    if isinstance(rows, list) and rows and data.draw(st.booleans()):
        row = rows[data.draw(st.integers(0, len(rows) - 1))]
        cells = row.get("champs") if isinstance(row, dict) else None
        if isinstance(cells, list) and cells:
            return cells[data.draw(st.integers(0, len(cells) - 1))]
    return champ


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_the_dispatch_finds_what_the_whole_schema_finds_in_random_dossiers(data):
    node = copy.deepcopy(NODE)
    if data.draw(st.booleans()):
        node["annotations"] = copy.deepcopy(node["champs"][:4])
    for _ in range(data.draw(st.integers(1, 4))):
        champ = _champ_at(node, data)
        if not isinstance(champ, dict):
            continue
        action = data.draw(st.sampled_from(["type", "own", "own", "field", "drop", "replace"]))
        own = OWN.get(champ.get("__typename"), []) if isinstance(champ.get("__typename"), str) else []
        if action == "type":
            champ["__typename"] = data.draw(st.sampled_from(TYPES) | json_values)
        elif action == "own" and own:
            champ[data.draw(st.sampled_from(own))] = data.draw(plausible | json_values)
        elif action in ("field", "own"):
            champ[data.draw(st.sampled_from(FIELDS))] = data.draw(plausible | json_values)
        elif action == "drop" and champ:
            del champ[data.draw(st.sampled_from(sorted(champ)))]
        else:
            champs = node["champs"]
            champs[data.draw(st.integers(0, len(champs) - 1))] = data.draw(plausible | json_values)
    if data.draw(st.integers(0, 9)) == 0:  # now and then, the dossier's own fields
        node[data.draw(st.sampled_from(["number", "state", "demandeur", "champs", "annotations", "dateDepot"]))] = (
            data.draw(plausible | json_values)
        )
    assert shape_problems(node) == _general(node)


def test_the_collector_paused_for_a_batch_is_restored_even_after_a_failure(monkeypatch):
    import gc

    from xlplugin.intake import pipeline

    states = []

    def watched(self: Any, path: Path) -> FileResult:
        states.append(gc.isenabled())
        return FileResult(path, None)

    monkeypatch.setattr(pipeline.Validator, "validate_file", watched)
    Validator(default_reglement()).validate([Path("a"), Path("b")])
    assert states == [False, False] and gc.isenabled()

    def failing(self: Any, path: Path) -> None:
        raise KeyboardInterrupt  # an agent's Ctrl+C (a defect of the checks is a file's verdict instead)

    monkeypatch.setattr(pipeline.Validator, "validate_file", failing)
    with pytest.raises(KeyboardInterrupt):
        Validator(default_reglement()).validate([Path("a")])
    assert gc.isenabled()
    gc.disable()
    try:  # a caller that had paused it finds it paused
        Validator(default_reglement()).validate([])
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_champ_labels_of_a_batch_are_kept_once():
    # Each file's labels are kept for its report (champs_vus): the same texts, one copy for the whole batch.
    paths = [RECEIVED / "valid" / "dossier-11000101.json", RECEIVED / "valid" / "dossier-11000102.json"]
    first, second = (r.dossiers[0].labels for r in Validator(default_reglement()).validate(paths))
    shared = set(first) & set(second)
    assert shared and all(next(b for b in second if b == a) is a for a in first if a in shared)


# ---------------------------------------------------------------- the texts' check


def _reference_clean(document: dict[str, Any]) -> list[Any]:
    """The texts' check as it was written first: every text with its pointer, then each one looked at."""
    from xlplugin.intake import texts as T

    def strings(node: Any, pointer: str = "") -> Any:
        if isinstance(node, str):
            yield pointer, node
        elif isinstance(node, dict):
            for key, value in node.items():
                if key not in T.NOT_TEXT:
                    yield from strings(value, f"{pointer}/{key.replace('~', '~0').replace('/', '~1')}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                yield from strings(value, f"{pointer}/{index}")

    def replace(pointer: str, value: str) -> None:
        *parents, last = (t.replace("~1", "/").replace("~0", "~") for t in pointer.split("/")[1:])
        node: Any = document
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        node[int(last) if isinstance(node, list) else last] = value

    findings = []
    for pointer, text in list(strings(document)):
        if T.SUSPECT.search(text) is None and T.cell_length(text) <= T.MAX_CELL_TEXT:
            continue
        storable = T.UNSTORABLE.sub("", T.ESCAPE_SEQUENCE.sub("", text))
        removed, deceptive = "".join(T.UNSTORABLE.findall(text)), "".join(T.DECEPTIVE.findall(text))
        formula, length = T.formula_like(text), T.cell_length(storable)
        if storable != text:
            replace(pointer, storable)
        if removed or deceptive or formula or length > T.MAX_CELL_TEXT:
            over = length * (length > T.MAX_CELL_TEXT)
            findings.append(T.TextFinding(pointer, text, removed, deceptive, formula, over))
    return findings


TEXTS = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["=SOMME(A1)", "+33 4 74", "a\x00b", "\u202eevil", "\x1b[31mrouge", "x" * 40_000, "~/a"]),
)
KEYS = st.one_of(st.sampled_from(["porteur", "montant_ht", "date_depot", "a/b", "t~x", "nom"]), st.text(max_size=4))
DOCUMENTS = st.recursive(
    TEXTS | st.integers() | st.none(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4),
    max_leaves=25,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(KEYS, DOCUMENTS, max_size=5))
def test_the_texts_check_reports_and_cleans_what_the_walk_over_every_text_does(document: dict[str, Any]) -> None:
    from xlplugin.intake.texts import clean_document

    mine, reference = copy.deepcopy(document), copy.deepcopy(document)
    assert clean_document(mine) == _reference_clean(reference)
    assert mine == reference  # the same texts cleaned, in the same places
