"""What a fresh install needs: every package listed, the compiled validators in step with their schemas,
and both validators of a schema agreeing on the received corpus."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

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
