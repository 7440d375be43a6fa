"""The packages xlwings Lite would install for a tracking workbook, downloaded once for the offline Pyodide test
(``make pyodide``; needs the package index, the test itself needs nothing).

Lite installs the workbook's ``requirements.txt`` with micropip: a requirement that Pyodide's own distribution
provides (its lock file, ``pyodide-lock.json``) comes from there, any other from PyPI, with its dependencies
resolved by micropip. Offline, this script prepares both sources:

- ``.cache/lite/index/``: every requirement of the workbook and its dependencies, as pip resolves them for
  Pyodide's Python (pure-Python wheels only: ``--platform any --abi none``), served to micropip by the test as a
  package index (PEP 691) on localhost;
- ``.cache/lite/dist/``: Pyodide's distribution as Lite loads it: the npm package's files and the packages taken
  from the lock file — micropip itself and what it depends on — each the wheel of the lock's version. Pyodide's
  own copies of these pure packages live on its CDN only, and are repacked (their hashes differ from PyPI's):
  the lock file here is Pyodide's, with the hashes of PyPI's wheels of the same versions. A package the lock
  provides as compiled code cannot be had offline: the script stops and names it.

The requirements are those ``guichet init`` writes into a workbook (``xlplugin.excel.lite``); the test checks
that the workbook's ``requirements.txt`` is the one prepared here.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
NPM_PYODIDE = HERE / "node_modules" / "pyodide"
CACHE = HERE / ".cache" / "lite"
INDEX = CACHE / "index"
DIST = CACHE / "dist"
STAMP = CACHE / "requirements.txt"  # what the cache was made for


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_lines(text: str) -> list[str]:
    """The requirements of a ``requirements.txt`` as micropip gets them: comments and blank lines left out."""
    lines = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return [line for line in lines if line]


def lite_requirements() -> str:
    from xlplugin.excel.lite import lite_code
    from xlplugin.rules import default_reglement

    return lite_code(default_reglement()).requirements


def _pip_download(args: list[str], dest: Path, python: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check", "--only-binary=:all:",
         "--platform", "any", "--implementation", "py", "--abi", "none", "--python-version", python,
         "--dest", str(dest), *args],
        check=True,
    )  # fmt: skip


def _wheel_name(path: Path) -> tuple[str, str]:
    name, version = path.name.split("-")[:2]
    return canonical(name), version


def _lock_needed(lock: dict) -> set[str]:
    """The lock's packages the installation takes: micropip itself (``loadPackage("micropip")``), with its
    dependencies as the lock lists them. micropip 0.8 looks for each requirement on the index first and in the
    lock only when the index has none; every requirement and dependency is on the index here (pip resolved them
    from PyPI), as on PyPI for Lite."""
    packages = {canonical(name): info for name, info in lock["packages"].items()}
    todo = ["micropip"]
    needed: set[str] = set()
    while todo:
        name = canonical(todo.pop())
        if name in needed:
            continue
        needed.add(name)
        todo.extend(packages[name].get("depends", []))
    return needed


def prepare(requirements: str, python: str = "3.12") -> None:
    if STAMP.exists() and STAMP.read_text(encoding="utf-8") == requirements and (DIST / "pyodide-lock.json").exists():
        print(f"Paquets d'xlwings Lite déjà prêts dans {CACHE}")
        return
    shutil.rmtree(CACHE, ignore_errors=True)
    INDEX.mkdir(parents=True)
    DIST.mkdir(parents=True)
    lines = requirement_lines(requirements)
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        handle.write("\n".join(lines) + "\n")
    try:
        _pip_download(["-r", handle.name], INDEX, python)
    finally:
        Path(handle.name).unlink()
    downloaded = dict(_wheel_name(path) for path in INDEX.glob("*.whl"))

    lock = json.loads((NPM_PYODIDE / "pyodide-lock.json").read_text(encoding="utf-8"))
    by_name = {canonical(name): name for name in lock["packages"]}
    needed = _lock_needed(lock)
    for name in sorted(needed):
        info = lock["packages"][by_name[name]]
        if info.get("package_type") != "package" or not info["file_name"].endswith("-none-any.whl"):
            raise SystemExit(
                f"{name} vient de la distribution de Pyodide sous forme compilée ({info['file_name']}) : introuvable "
                "hors ligne, le test ne peut pas l'installer"
            )
        _pip_download(["--no-deps", f"{name}=={info['version']}"], DIST, python)
        (wheel,) = [p for p in DIST.glob("*.whl") if _wheel_name(p) == (name, info["version"])]
        if wheel.name != info["file_name"]:
            wheel = wheel.rename(DIST / info["file_name"])
        info["sha256"] = hashlib.sha256(wheel.read_bytes()).hexdigest()
    for item in NPM_PYODIDE.iterdir():
        if item.name != "pyodide-lock.json":
            (DIST / item.name).symlink_to(item)
    (DIST / "pyodide-lock.json").write_text(json.dumps(lock), encoding="utf-8")
    STAMP.write_text(requirements, encoding="utf-8")
    print(f"{len(downloaded)} paquets de PyPI dans {INDEX} ; {len(needed)} de la distribution de Pyodide dans {DIST}")


if __name__ == "__main__":
    prepare(lite_requirements())
