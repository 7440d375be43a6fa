"""Pure helpers: exact JSON numbers, version names, atomic writes."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from xlplugin.ds import file_name, latest_versions, parse_name, superseded
from xlplugin.ds.jsonio import dumps, fingerprint, loads, write_json_atomic
from xlplugin.ds.words import count, number_label


def test_numbers_keep_their_digits() -> None:
    text = '{"decimalNumber": 19200.50, "x": [0.1, 1e2], "s": "0.1"}'
    value = loads(text)
    assert value["decimalNumber"] == Decimal("19200.50")
    assert dumps(value) == '{"decimalNumber":19200.50,"x":[0.1,1E+2],"s":"0.1"}'
    assert loads(dumps(value)) == value
    with pytest.raises(ValueError):
        dumps({"x": Decimal("NaN")})


def test_a_text_cannot_pass_for_a_number() -> None:
    assert dumps({"a": "12", "b": Decimal("3.5")}) == '{"a":"12","b":3.5}'


def test_fingerprint_ignores_key_order() -> None:
    assert fingerprint({"a": 1, "b": [Decimal("2.0")]}) == fingerprint({"b": [Decimal("2.0")], "a": 1})
    assert fingerprint({"a": 1}) != fingerprint({"a": 2})


def test_version_names() -> None:
    assert file_name(21000101, 1) == "dossier-21000101.json"
    assert file_name(21000101, 3) == "dossier-21000101.v3.json"
    assert parse_name("dossier-21000101.v3.json") == (21000101, 3)
    assert parse_name("dossier-21000101.json") == (21000101, 1)
    assert parse_name("export-instructeur.xlsx") is None
    paths = [Path(n) for n in ("a/dossier-1.json", "a/dossier-1.v2.json", "b/dossier-1.json", "a/export.xlsx")]
    assert latest_versions(paths) == [Path("a/dossier-1.v2.json"), Path("b/dossier-1.json"), Path("a/export.xlsx")]
    assert superseded(paths) == [Path("a/dossier-1.json")]


def test_atomic_write_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "dossier-1.json"
    write_json_atomic(target, {"n": Decimal("1.50")})
    assert target.read_text(encoding="utf-8") == '{\n  "n": 1.50\n}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["dossier-1.json"]


def test_french_numbers_and_counts() -> None:
    assert number_label(Decimal("19200.50")) == "19\u202f200,50"
    assert number_label(1234567) == "1\u202f234\u202f567"
    assert number_label(None) == "(vide)"
    assert (count(1, "page"), count(3, "page"), count(0, "dossier reçu", "dossiers reçus")) == (
        "1 page",
        "3 pages",
        "0 dossier reçu",
    )
