"""What a fresh install needs: every package listed, the compiled validators in step with their schemas,
and both validators of a schema agreeing on the received corpus."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from decimal import Decimal
from pathlib import Path

import pytest

from batch.received.ds_json import find_nodes
from tests.conftest import ROOT
from xlplugin.rules.schema_messages import compiled_validator, validator_for


def test_every_python_package_is_listed_in_pyproject():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    listed = set(config["packages"])
    mapped = {path: name for name, path in config["package-dir"].items()}
    found = set()
    for init in [
        *ROOT.glob("xlplugin/**/__init__.py"),
        *ROOT.glob("batch/**/__init__.py"),
        *ROOT.glob("schemas/__init__.py"),
        *ROOT.glob("templates/__init__.py"),
    ]:
        folder = init.parent.relative_to(ROOT).as_posix()
        found.add(mapped.get(folder, folder.replace("/", ".")))
    assert found == listed


def test_every_template_and_schema_file_is_shipped():
    import fnmatch

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    for folder, package in (
        ("templates", "xlplugin.templates"),
        ("schemas", "xlplugin.schemas"),
        ("xlplugin/data", "xlplugin.data"),
    ):
        patterns = config["package-data"][package]
        for path in (ROOT / folder).iterdir():
            if path.is_file() and path.suffix != ".py":
                assert any(fnmatch.fnmatch(path.name, p) for p in patterns), f"{folder}/{path.name} not shipped"


def test_the_compiled_validators_match_their_schemas():
    done = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "compile_schemas.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def _json_documents() -> list[Path]:
    """The corpus files that are JSON at all: the others never reach a schema."""
    found = []
    for path in sorted((ROOT / "tests" / "received").glob("*/*.json")) + sorted(
        (ROOT / "examples" / "dossiers").glob("*.json")
    ):
        try:
            json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
        except (ValueError, RecursionError):
            continue
        found.append(path)
    return found


@pytest.mark.parametrize("path", _json_documents(), ids=lambda p: p.name)
def test_the_compiled_and_the_reference_validators_agree(path):
    document = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    schema = "dossier.schema.json" if path.parent.name == "dossiers" else "ds-dossier.schema.json"
    found = find_nodes(document)
    nodes = [node for _, node in found] if isinstance(found, list) else [document]
    for node in nodes:
        try:
            compiled_validator(schema)(node)
            compiled_ok = True
        except Exception:
            compiled_ok = False
        assert compiled_ok == validator_for(schema).is_valid(node)
