"""The code a tracking workbook carries for xlwings Lite: the tool's modules and data that the Excel functions
and the button « Recalculer les allocations » need, packed in one archive that the workbook's ``main.py``
unpacks inside Excel (``lite``).

xlwings Lite installs packages from a package index; the tool is on none, and a prefecture should not have to
publish it for its own workbook. So everything of the tool's own travels in the workbook, and only pure-Python
libraries from PyPI (python-stdnum, fastjsonschema) are left to Lite's ``requirements.txt``.

What goes in: the modules reached from the functions and the button (``ENTRY_MODULES``) by their import
statements, read from the source — module-level and function-level imports alike, since the rules load parts
of themselves on first use — except the packages that work on files rather than on the workbook Excel has open
(``LEFT_OUT``); the modules loaded by name (``BY_NAME``); the data files they read (``DATA``); and the règlement
the workbook is judged by. The archive is a zip made the same way every time (sorted, fixed dates), so that
the same code gives the same bytes and the same digest.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import io
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

ENTRY_MODULES = ("xlplugin.excel.udfs", "xlplugin.excel.ribbon", "xlplugin.excel.lite_runtime")

# Packages the functions and the button never reach in Excel: they read and write files (Office.js hands the
# button the open workbook), or speak to démarches-simplifiées.
LEFT_OUT = {
    "xlplugin.xlsx": "le classeur en tant que fichier (lxml) : dans Excel, Office.js donne le classeur ouvert",
    "xlplugin.intake": "les fichiers reçus",
    "xlplugin.ds": "démarches-simplifiées",
    "xlplugin.documents": "les documents de décision",
}

# Modules imported by their name as text (importlib), which no import statement shows.
BY_NAME = ("xlplugin.schemas.compiled_reglement",)

# The data files the bundled modules read, by package.
DATA = {
    "xlplugin.data": ("LISEZMOI.md", "communes-ain-cog2021.csv", "epci-ain-2021.csv", "reglement-ain-2021.json"),
    "xlplugin.schemas": ("reglement.schema.json",),
    "xlplugin.templates": ("entetes.json",),
}

# The règlement the workbook's functions apply: the one the workbook was written under.
EMBEDDED_REGLEMENT = "xlplugin/data/reglement-classeur.json"

# Imports the bundled code makes only where Excel never takes it, so that Lite need not install them:
# jsonschema details the errors of a règlement that fails its schema, and the embedded règlement was checked
# before it was written.
NOT_NEEDED_IN_EXCEL = frozenset({"jsonschema"})

_DATE = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Bundle:
    """The archive, what it holds, and what it imports from outside the tool and the standard library."""

    archive: bytes
    files: tuple[str, ...]
    digest: str  # sha256 of the archive, hexadecimal
    third_party: frozenset[str]  # top-level names of the libraries it imports

    @property
    def size(self) -> int:
        return len(self.archive)


def _origin(module: str) -> Path | None:
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    if spec is None or spec.origin is None or not spec.origin.endswith(".py"):
        return None
    return Path(spec.origin)


def _is_package(module: str) -> bool:
    origin = _origin(module)
    return origin is not None and origin.name == "__init__.py"


def _left_out(module: str) -> bool:
    return any(module == package or module.startswith(package + ".") for package in LEFT_OUT)


def _imports(module: str, source: str) -> tuple[set[str], set[str]]:
    """The tool's modules and the other top-level names ``module`` imports, anywhere in its code."""
    own: set[str] = set()
    other: set[str] = set()
    package = module if _is_package(module) else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                (own if alias.name.split(".")[0] == "xlplugin" else other).add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            if base.split(".")[0] != "xlplugin":
                if base != "__future__":
                    other.add(base)
                continue
            own.add(base)
            if _is_package(base):  # « from xlplugin.rules import scoring »: a submodule, or a name
                own.update(f"{base}.{alias.name}" for alias in node.names if _origin(f"{base}.{alias.name}"))
    return own, {name.split(".")[0] for name in other}


def modules_needed() -> tuple[list[str], frozenset[str]]:
    """The tool's modules the functions and the button need (with their parent packages), and the top-level
    names of the libraries outside the standard library they import."""
    seen: set[str] = set()
    libraries: set[str] = set()
    todo = [*ENTRY_MODULES, *BY_NAME, *DATA]  # the data packages are imported by name to find their files
    while todo:
        module = todo.pop()
        if module in seen or _left_out(module):
            continue
        origin = _origin(module)
        if origin is None:
            raise LookupError(f"module introuvable pour le classeur xlwings Lite : {module}")
        seen.add(module)
        parts = module.split(".")
        todo.extend(".".join(parts[:i]) for i in range(1, len(parts)))
        own, other = _imports(module, origin.read_text(encoding="utf-8"))
        todo.extend(own)
        libraries |= {name for name in other if name not in sys.stdlib_module_names}
    return sorted(seen), frozenset(libraries)


def _archive_name(module: str) -> str:
    path = module.replace(".", "/")
    return f"{path}/__init__.py" if _is_package(module) else f"{path}.py"


def _package_folder(package: str) -> Path:
    origin = _origin(package)
    assert origin is not None, package
    return origin.parent


def build_bundle(reglement_text: str) -> Bundle:
    """The archive of the code and data, with ``reglement_text`` (the règlement's JSON) as the règlement the
    functions apply."""
    modules, libraries = modules_needed()
    members: dict[str, bytes] = {}
    for module in modules:
        origin = _origin(module)
        assert origin is not None
        members[_archive_name(module)] = origin.read_bytes()
    for package, names in DATA.items():
        folder = _package_folder(package)
        for name in names:
            members[f"{package.replace('.', '/')}/{name}"] = (folder / name).read_bytes()
    members[EMBEDDED_REGLEMENT] = reglement_text.encode("utf-8")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(members):
            info = zipfile.ZipInfo(name, date_time=_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, members[name], compresslevel=9)
    data = buffer.getvalue()
    return Bundle(data, tuple(sorted(members)), hashlib.sha256(data).hexdigest(), libraries - NOT_NEEDED_IN_EXCEL)
