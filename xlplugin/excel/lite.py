"""What an agent pastes into xlwings Lite: ``main.py`` and ``requirements.txt`` (draft of ``guichet lite``).

xlwings Lite runs the workbook's ``main.py`` as the module ``main`` in Pyodide and registers every object of
that module that carries xlwings' marks: ``__xlfunc__`` (``@func``, a custom function) and ``__xlscript__``
(``@script``, a button). Imported objects count as much as defined ones (``inspect.getmembers``), so
``main.py`` only imports the package's functions and script: the code stays in the package, installed by
Lite from ``requirements.txt``, and the workbook holds two short texts.
"""

from __future__ import annotations

import importlib
import inspect
import re
from importlib import metadata

FUNCTIONS_MODULE = "xlplugin.excel.udfs"
SCRIPTS_MODULE = "xlplugin.excel.ribbon"
DISTRIBUTION = "guichet-numerique"

# Pyodide has no time zone database of its own: the allocation's dates need the tzdata package.
PYODIDE_ONLY = ("tzdata",)

# How Excel stores a call of an Office.js custom function in the file: ``_xldudf_`` + namespace + ``_`` + id
# (Lite's functions have no namespace). A formula written without it stays #NAME? after Lite registers the
# function (OfficeDev/office-js #6611); written with it, Excel shows =SUBV_TAUX(…) and binds it.
LITE_PREFIX = "_xldudf_"
_CALL = re.compile(r"(?<![A-Za-z0-9_.])(SUBV_[A-Z_]+)\(")

_MAIN_HEADER = '''"""Guichet numérique — fonctions SUBV_… et bouton « Recalculer les allocations ».

Écrit par « guichet lite ». Ne modifiez pas ce fichier : le code est dans le paquet {distribution},
installé par xlwings Lite d'après requirements.txt. Pour une nouvelle version, relancez « guichet lite »
et recopiez main.py et requirements.txt.
"""
'''


def registered_names(module_name: str, mark: str) -> list[str]:
    """The names of ``module_name``'s objects that xlwings registers (``mark``: ``__xlfunc__`` or
    ``__xlscript__``), in alphabetical order, as ``inspect.getmembers`` lists them."""
    module = importlib.import_module(module_name)
    return [name for name, obj in inspect.getmembers(module) if hasattr(obj, mark)]


def lite_files(
    package: str | None = None,
    functions_module: str = FUNCTIONS_MODULE,
    scripts_module: str = SCRIPTS_MODULE,
) -> dict[str, str]:
    """``main.py`` and ``requirements.txt`` for xlwings Lite.

    ``package`` is the requirement line that installs the project in Lite: by default the installed
    version (``guichet-numerique==0.1.0``, from the index Lite uses: PyPI, or the private index of a
    self-hosted Lite); a wheel's https URL also works where Lite may fetch it. Must run where xlwings'
    server decorators are active (``XLWINGS_ON_SERVER=true``), else nothing carries the marks.
    """
    functions = registered_names(functions_module, "__xlfunc__")
    scripts = registered_names(scripts_module, "__xlscript__")
    if not functions:
        raise RuntimeError(f"aucune fonction xlwings dans {functions_module} : XLWINGS_ON_SERVER=true manque-t-il ?")
    lines = [_MAIN_HEADER.format(distribution=DISTRIBUTION)]
    lines.append(_import_line(functions_module, functions))
    if scripts:
        lines.append(_import_line(scripts_module, scripts))
    requirement = package or f"{DISTRIBUTION}=={metadata.version(DISTRIBUTION)}"
    requirements = [
        "# Guichet numérique : à ajouter sous les lignes « # required » qu'xlwings Lite écrit lui-même.",
        f"xlwings=={metadata.version('xlwings')}",
        requirement,
        *(f"{name}=={metadata.version(name)}" if _installed(name) else name for name in PYODIDE_ONLY),
    ]
    return {"main.py": "\n".join(lines), "requirements.txt": "\n".join(requirements) + "\n"}


def _import_line(module: str, names: list[str]) -> str:
    body = "".join(f"    {name},\n" for name in names)
    return f"from {module} import (  # noqa: F401\n{body})\n"


def _installed(name: str) -> bool:
    try:
        metadata.version(name)
    except metadata.PackageNotFoundError:
        return False
    return True


def lite_formula(formula: str) -> str:
    """The formula as the file must store it for xlwings Lite: ``=SUBV_TAUX(G2,…)`` → ``=_xldudf_SUBV_TAUX(G2,…)``.

    Text inside double quotes is left alone."""
    parts = formula.split('"')
    parts[::2] = [_CALL.sub(lambda m: f"{LITE_PREFIX}{m.group(1)}(", part) for part in parts[::2]]
    return '"'.join(parts)
