"""What a fresh install needs: every package listed, the compiled validators in step with their schemas,
and both validators of a schema agreeing on the received corpus."""

from __future__ import annotations

import copy
import functools
import importlib.util
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import fastjsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import ROOT
from xlplugin.intake.ds_json import find_nodes
from xlplugin.rules.schema_messages import compiled_validator, validator_for


@pytest.fixture(scope="module")
def wheel_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel ``make wheel`` builds, from the repository as it is (offline)."""
    import shutil

    folder = tmp_path_factory.mktemp("wheel")
    source = folder / "source"  # a copy: setuptools writes its build/ folder beside the sources
    ignored = shutil.ignore_patterns(".*", "build", "demo", "*.egg-info", "__pycache__", "node_modules")
    shutil.copytree(ROOT, source, ignore=ignored)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(folder),
            str(source),
        ],
        check=True,
        capture_output=True,
    )
    (built,) = folder.glob("*.whl")
    return built


@pytest.fixture(scope="module")
def wheel(wheel_file: Path) -> set[str]:
    """The files of the wheel a fresh install gets."""
    import zipfile

    with zipfile.ZipFile(wheel_file) as archive:
        return set(archive.namelist())


def test_the_classic_route_installs_from_the_wheel_file_alone(wheel_file: Path, tmp_path: Path) -> None:
    # The classic add-in's PC installs the tool from the file ``make wheel`` made (it is on no package index):
    # installed alone here into a folder that comes first on the path, its functions, its button's entry point
    # and its command line run from there, not from this repository.
    target = tmp_path / "installe"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", "--target", str(target),
         str(wheel_file)],
        check=True, capture_output=True,
    )  # fmt: skip
    probe = (
        "import json, xlplugin, xlplugin.excel.udfs as u\n"
        "print(json.dumps({'file': xlplugin.__file__, 'main': callable(xlplugin.main),"
        " 'taux': u.SUBV_TAUX(1751, 19200.5, 'Oui', 'Non', 1500, 8, 12, 'Non')}))"
    )
    environment = {"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=environment, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found["file"].startswith(str(target)) and found["main"] and found["taux"] == 1.0
    addin = subprocess.run(
        [sys.executable, "-m", "batch", "addin", "build", "--output", str(tmp_path)],
        capture_output=True, text=True, env=environment, cwd=tmp_path,
    )  # fmt: skip
    assert addin.returncode == 0, addin.stderr
    assert (tmp_path / "xlplugin.xlam").stat().st_size > 10_000


def test_the_wheel_holds_every_package_and_data_file(wheel: set[str]) -> None:
    shipped = {"schemas": "xlplugin/schemas", "templates": "xlplugin/templates"}
    expected = set()
    for top in ("xlplugin", "batch", "schemas", "templates"):
        for path in (ROOT / top).rglob("*"):
            if not path.is_file() or "__pycache__" in path.parts:
                continue
            relative = path.relative_to(ROOT).as_posix()
            expected.add(shipped.get(top, top) + relative[len(top) :])
    assert expected - wheel == set()


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
    for path in sorted((ROOT / "tests" / "acceptance" / "received").glob("*/*.json")) + sorted(
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


@functools.cache
def _tools() -> Any:
    spec = importlib.util.spec_from_file_location("compile_schemas", ROOT / "tools" / "compile_schemas.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _validator(code: str, entry: str) -> Any:
    space: dict[str, Any] = {}
    exec(compile(code, "<compiled>", "exec"), space)  # the generated module, as shipped
    return space[entry]


@functools.cache
def _both_validators(name: str, tools: Any) -> tuple[Any, Any]:
    """fastjsonschema's validator of the schema ``name`` and the lighter one, compiled once for every example."""
    schema = json.loads((ROOT / "schemas" / f"{name}.schema.json").read_text(encoding="utf-8"))
    schema["$schema"] = "http://json-schema.org/draft-07/schema#"
    code = fastjsonschema.compile_to_code(schema)
    entry = next(line.split("(")[0][4:] for line in code.splitlines() if line.startswith("def validate_"))
    return _validator(code, entry), _validator(tools.lighter(code), entry)


def _verdicts(validate: Any, documents: list[Any]) -> list[bool]:
    found = []
    for document in documents:
        try:
            validate(document)
        except Exception:
            found.append(False)
        else:
            found.append(True)
    return found


_leaves = (
    st.none()
    | st.booleans()
    | st.integers(-3, 10**13)
    | st.text(max_size=6)
    | st.sampled_from(
        [
            "commune",
            "2021-02-30",
            "2021-09-01T10:00:00Z",
            "12400.50",
            "01004",
            "21010100200017",
            "formation",
            Decimal("1.5"),
        ]
    )
)
_values = st.recursive(
    _leaves, lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=5), c, max_size=3), max_leaves=6
)


def _pointers(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _pointers(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _pointers(value, (*path, index))
    return found


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_the_lighter_compiled_code_accepts_what_fastjsonschema_accepts(data):
    # ``lighter`` rewrites fastjsonschema's code (names of items, sets of keys): the same documents pass.
    tools = _tools()
    for name, example in (
        ("dossier", ROOT / "examples" / "dossiers" / "dossier-21000111.json"),
        ("ds-dossier", ROOT / "tests" / "acceptance" / "received" / "valid" / "dossier-11000103.json"),
        ("reglement", ROOT / "xlplugin" / "data" / "reglement-ain-2021.json"),
    ):
        raw, light = _both_validators(name, tools)
        original = json.loads(example.read_text(encoding="utf-8"), parse_float=Decimal)
        documents = [original]
        for _ in range(10):
            document = copy.deepcopy(original)
            for _ in range(data.draw(st.integers(1, 3))):
                *parents, last = data.draw(st.sampled_from(_pointers(document)[1:]))
                holder = document
                for part in parents:
                    holder = holder[part]
                if isinstance(holder, dict) and data.draw(st.booleans()):
                    holder[data.draw(st.sampled_from([last, "inconnue", "siren", "population"]))] = data.draw(_values)
                elif isinstance(holder, dict):
                    del holder[last]
                else:
                    holder[last] = data.draw(_values)
            documents.append(document)
        assert _verdicts(light, documents) == _verdicts(raw, documents), name


def test_branches_ruled_out_by_type_are_skipped_with_the_same_verdicts():
    """``lighter`` skips a ``oneOf``/``anyOf`` branch by its type test instead of raising and catching an exception:
    every value, of every type, gets the same verdict as from fastjsonschema's own code; and the rewrite happened."""
    tools = _tools()
    schema = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "properties": {
            "montant": {
                "oneOf": [
                    {"type": "string", "pattern": "^[0-9]{1,12}(\\.[0-9]{1,2})?$"},
                    {"type": "number", "minimum": 0, "exclusiveMaximum": 1000000000000},
                ]
            },
            "entier": {
                "oneOf": [
                    {"type": "string", "pattern": "^-?[0-9]{1,18}$"},
                    {"type": "null"},
                    {"type": "integer", "minimum": -1e18, "maximum": 1e18},
                ]
            },
            "texte_ou_nombre": {"anyOf": [{"type": "string", "maxLength": 3}, {"type": "number", "maximum": 9}]},
        },
    }
    code = fastjsonschema.compile_to_code(schema)
    light_code = tools.lighter(code)
    assert code.count("raise JsonSchemaValueException") > light_code.count("raise JsonSchemaValueException")
    entry = next(line.split("(")[0][4:] for line in code.splitlines() if line.startswith("def validate"))
    raw, light = _validator(code, entry), _validator(light_code, entry)
    values: list[Any] = [
        None, True, False, 0, 1, -1, 12, 10**13, 10**19, -(10**19), 1.0, 1.5, -0.5, 2.0**62, float("inf"),
        Decimal("12.50"), Decimal("-1"), Decimal("3"), "", "12", "12.5", "12.505", "-7", "abc", "1" * 19, "x" * 4,
        [], ["12"], {}, {"a": 1},
    ]  # fmt: skip
    documents = [{key: value} for key in ("montant", "entier", "texte_ou_nombre") for value in values]
    assert _verdicts(light, documents) == _verdicts(raw, documents)
