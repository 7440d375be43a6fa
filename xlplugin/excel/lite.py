"""xlwings Lite: the ``main.py`` and ``requirements.txt`` that make a tracking workbook carry its own Excel
functions and its button, written into the workbook (``embed``) or as two files to paste (``lite_files``).

xlwings Lite (the free add-in ``wa200008175`` of the Office store) runs Python in WebAssembly (Pyodide) inside
Excel. It keeps the workbook's code as two of its document settings, ``main.py`` and ``requirements.txt``
(JSON texts in ``xl/webextensions/webextensionN.xml``); it runs ``main.py`` as the module ``main``, registers
every member that carries xlwings' marks — ``@func`` (``__xlfunc__``) and ``@script`` (``__xlscript__``), imported
ones included — and installs ``requirements.txt`` with micropip from PyPI (or a self-hosted index).

The tool writes into ``main.py`` one block, between two marker lines: the archive of its code and data
(``bundle``, base64), a loader that unpacks it, checks its digest and puts it on ``sys.path``, and the import of
the functions and the button. Any other code of the office's ``main.py`` stays, before the block. In
``requirements.txt``, Lite's own lines (``# required``) stay; the tool's lines, marked ``# guichet-numerique``,
name only pure-Python packages on PyPI, pinned to the versions the tests ran.

Sources of the pins: workbooks saved by xlwings Lite carry ``pyodideVersion`` « 0.27.5 » (add-in 1.0.0.0-12 and
later, repository amararun/xlwings-lite-apps-codes-docs); Lite's changelog: « New workbooks now default to xlwings
0.33.20 » (add-in 1.0.0.0-24, January 2026). To follow an upgrade of Lite: read ``pyodideVersion`` and the
``xlwings==… # required`` line of a workbook Lite saved, update ``PYODIDE_VERSION`` / ``LITE_REQUIRED`` here and
``tests/acceptance/pyodide/package.json``, then ``make test`` (the Pyodide test installs and runs them).
"""

from __future__ import annotations

import ast
import base64
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from xlplugin.errors import AgentError
from xlplugin.excel.bundle import Bundle, build_bundle
from xlplugin.grouping import command_line

if TYPE_CHECKING:
    from xlplugin.rules.reglement import Reglement
    from xlplugin.xlsx.patch import Patch

DISTRIBUTION = "guichet-numerique"
LITE_STORE_ID = "wa200008175"  # xlwings Lite in the Office store (AppSource)
PYODIDE_VERSION = "0.27.5"
LITE_XLWINGS = "0.33.20"
# Lite's own lines, as it writes them in a new workbook (xlwings for the protocol, python-dotenv for its
# environment variables, pyodide-http for web requests, black for its « Format » command).
LITE_REQUIRED = (
    f"xlwings=={LITE_XLWINGS}  # required",
    "python-dotenv==1.1.1  # required",
    "pyodide-http  # required",
    "black  # required",
)
REQUIRED_MARK = "# required"
OUR_MARK = "# guichet-numerique"
# The libraries the bundled code imports, by their import name → distribution on PyPI (pure Python).
LIBRARIES = {"stdnum": "python-stdnum", "fastjsonschema": "fastjsonschema", "xlwings": "xlwings"}

# The size of the workbook's Lite settings, all of them together: Office documents a limit of 2 MB for an
# add-in's document settings (Office.Settings.set); saves of about 1 MB and more fail in Excel for Windows
# (OfficeDev/office-js #3957). The tool keeps under the lower figure.
SETTINGS_LIMIT = 1_000_000

BEGIN = "# >>> guichet-numerique >>> bloc écrit par « guichet » : ne pas le modifier"
END = "# <<< guichet-numerique <<<"
SCRIPTS = ("recalculer_allocations",)

# How Excel stores a call of an Office.js custom function in the file: ``_xldudf_`` + namespace + ``_`` + name
# (xlwings Lite's functions have no namespace). A formula written without it stays #NAME? after Lite registers
# the function (OfficeDev/office-js #6611); written with it, Excel shows =SUBV_TAUX(…) and binds it.
LITE_PREFIX = "_xldudf_"
_CALL = re.compile(r"(?<![A-Za-z0-9_.])(SUBV_[A-Z_]+)\(")


class LiteError(AgentError, ValueError):
    """The workbook's xlwings Lite code cannot take the tool's block as it stands: what to change, and where."""


def function_names() -> list[str]:
    """The Excel functions main.py imports (every ``SUBV_…`` function, and its ``_COLONNE`` version)."""
    from xlplugin.excel.udfs import CATALOGUE

    return sorted(CATALOGUE)


def requirements_for(bundle: Bundle) -> list[str]:
    """The tool's lines of ``requirements.txt``: the libraries the bundled code imports (xlwings aside, which
    is Lite's own line), pinned to the versions installed here — those the tests ran."""
    from importlib import metadata  # here: its import (email, zipfile…) is not the import command's to pay

    unknown = sorted(bundle.third_party - set(LIBRARIES))
    if unknown:
        raise LookupError(f"bibliothèques sans paquet déclaré pour xlwings Lite : {', '.join(unknown)}")
    return sorted(
        f"{LIBRARIES[name]}=={metadata.version(LIBRARIES[name])}  {OUR_MARK}"
        for name in bundle.third_party
        if LIBRARIES[name] != "xlwings"
    )


def _wrapped(text: str, width: int = 80) -> str:
    return "\n".join(f'    "{text[i : i + width]}"' for i in range(0, len(text), width))


def _comment(words: list[str], first: str, indent: str = "#   ", width: int = 88) -> list[str]:
    """Comment lines listing ``words`` after ``first``, none wider than ``width``."""
    lines = [f"{indent}{first}"]
    for word in words:
        if len(lines[-1]) + len(word) + 2 > width:
            lines[-1] += ","
            lines.append(f"{indent}  {word}")
        else:
            lines[-1] += (" " if lines[-1].endswith(":") else ", ") + word
    return lines


# The loader, as it stands in main.py: short lines, formatted as black formats it (xlwings Lite's « Format »
# command runs black: the block stays as written).
LOADER = """\
def _guichet_numerique_charger(morceaux, empreinte):
    \"\"\"Unpack the tool's code this workbook carries; put it first on sys.path.\"\"\"
    import base64
    import hashlib
    import io
    import os
    import shutil
    import sys
    import tempfile
    import zipfile

    data = base64.b64decode("".join(morceaux))
    if hashlib.sha256(data).hexdigest() != empreinte:
        raise RuntimeError(
            "Le code du guichet numérique rangé dans ce classeur est abîmé : "
            "relancez « guichet lite --into CLASSEUR » sur le poste de l'équipe."
        )
    home = os.path.join(tempfile.gettempdir(), "guichet-numerique-" + empreinte[:20])
    if not os.path.isdir(home):
        partial = f"{home}.{os.getpid()}"
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            archive.extractall(partial)
        try:
            os.replace(partial, home)
        except OSError:  # unpacked meanwhile by another run: the same code
            shutil.rmtree(partial, ignore_errors=True)
            if not os.path.isdir(home):
                raise
    loaded = sys.modules.get("xlplugin")
    if loaded is not None and not str(getattr(loaded, "__file__", "")).startswith(home):
        # Another version of the code, loaded before this one: forgotten.
        for name in [n for n in sys.modules if n.split(".")[0] == "xlplugin"]:
            del sys.modules[name]
    if home in sys.path:
        sys.path.remove(home)
    sys.path.insert(0, home)
    from xlplugin.excel.lite_runtime import prepare

    prepare(home)
"""


def main_block(bundle: Bundle, *, version: str, reglement_label: str, revision: str) -> str:
    """The tool's block of ``main.py``: a header that says what it gives and how to update it, the loader,
    the archive of the code, and the import of the functions and the button."""
    names = function_names()
    functions = "".join(f"    {name},\n" for name in names)
    scripts = "".join(f"    {name},\n" for name in SCRIPTS)
    encoded = base64.b64encode(bundle.archive).decode("ascii")
    header = [
        BEGIN,
        "# Guichet numérique (bureau des subventions) : fonctions et bouton de ce classeur.",
        *_comment(names, f"fonctions ({len(names)}) :"),
        "#   bouton (script) : « Recalculer les allocations »",
        "# Leur code et leurs données (règles, communes et EPCI, règlement du classeur)",
        "# sont rangés plus bas, compressés, vérifiés par leur empreinte avant d'être",
        "# chargés ; les fonctions et le bouton sont importés à la fin du bloc.",
        f"# {DISTRIBUTION} {version} · règlement : {reglement_label}",
        f"# révision de calcul : {revision}",
        f"# {len(bundle.files)} fichiers, {bundle.size // 1024} Ko,",
        f"# sha256 {bundle.digest}",
        "# Mise à jour : guichet lite --into CLASSEUR. Votre propre code : au-dessus de ce bloc,",
        "# il est gardé.",
    ]
    return (
        "\n".join(header)
        + "\n\n\n"
        + LOADER
        + "\n\n"
        + f"_GUICHET_NUMERIQUE = (\n{_wrapped(encoded)}\n)\n"
        + f'_guichet_numerique_charger(\n    _GUICHET_NUMERIQUE,\n    "{bundle.digest}",\n)\n'
        + f"from xlplugin.excel.udfs import (  # noqa: E402, F401\n{functions})\n"
        + f"from xlplugin.excel.ribbon import (  # noqa: E402, F401\n{scripts})\n"
        + f"{END}\n"
    )


@dataclass
class LiteCode:
    """The two texts for xlwings Lite, and what merging them with the workbook's own kept or changed."""

    main: str
    requirements: str
    kept_functions: list[str] = field(default_factory=list)  # the office's own @func / @script in main.py
    kept_lines: int = 0  # lines of the office's own code kept in main.py
    notes: list[str] = field(default_factory=list)
    digest: str = ""
    revision: str = ""

    def settings(self) -> dict[str, str]:
        """The two document settings, as Lite stores them: JSON texts."""
        return {"main.py": json.dumps(self.main, ensure_ascii=False),
                "requirements.txt": json.dumps(self.requirements, ensure_ascii=False)}  # fmt: skip


def _without_block(text: str) -> str:
    start = text.find(BEGIN)
    if start < 0:
        return text
    end = text.find(END, start)
    if end < 0:
        raise LiteError(
            "main.py contient le début du bloc du guichet numérique mais pas sa fin (« "
            f"{END} ») : rétablissez la ligne de fin ou retirez le début du bloc, puis relancez"
        )
    return text[:start] + text[end + len(END) :].lstrip("\n")


def _defined_names(code: str) -> tuple[set[str], list[str]]:
    """The top-level names the office's code defines or imports, and its Lite functions and scripts."""
    try:
        tree = ast.parse(code)
    except SyntaxError as exc:
        raise LiteError(
            f"le main.py du classeur ne se lit pas comme du Python (ligne {exc.lineno} : {exc.msg}) : corrigez-le "
            "dans xlwings Lite, puis relancez"
        ) from None
    names: set[str] = set()
    registered: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
            marks = {
                ast.unparse(d.func if isinstance(d, ast.Call) else d).split(".")[-1]
                for d in getattr(node, "decorator_list", [])
            }
            if marks & {"func", "script"}:
                registered.append(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names, registered


def _requirement_name(line: str) -> str | None:
    text = line.split("#", 1)[0].strip()
    if not text or text.startswith("-"):
        return None
    match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", text)
    return re.sub(r"[-_.]+", "-", match.group(0)).lower() if match else None


def _pin(line: str) -> str | None:
    match = re.search(r"==\s*([^\s;#,]+)", line.split("#", 1)[0])
    return match.group(1) if match else None


def merge_requirements(existing: str | None, ours: Sequence[str]) -> tuple[str, list[str]]:
    """The workbook's ``requirements.txt`` with the tool's lines: Lite's lines and the office's stay (the
    xlwings line set to the version the functions are checked with), the tool's earlier lines are replaced."""
    notes: list[str] = []
    if existing is None or not existing.strip():
        return "\n".join([*LITE_REQUIRED, *ours]) + "\n", notes
    lines = [line for line in existing.splitlines() if not line.rstrip().endswith(OUR_MARK)]
    wanted = {_requirement_name(line): line for line in ours}
    result: list[str] = []
    has_xlwings = False
    for line in lines:
        name = _requirement_name(line)
        if name == "xlwings":
            has_xlwings = True
            if _pin(line) != LITE_XLWINGS:
                notes.append(
                    f"requirements.txt : « {line.strip()} » devient « xlwings=={LITE_XLWINGS}  {REQUIRED_MARK} », "
                    "la version avec laquelle les fonctions du guichet sont vérifiées (redémarrez xlwings Lite)"
                )
                line = f"xlwings=={LITE_XLWINGS}  {REQUIRED_MARK}"
        elif name in wanted:
            ours_pin = _pin(wanted[name])
            theirs = _pin(line)
            if theirs is not None and theirs != ours_pin:
                raise LiteError(
                    f"requirements.txt du classeur demande « {line.strip()} » ; les fonctions du guichet sont "
                    f"vérifiées avec {name}=={ours_pin} : retirez cette ligne ou mettez cette version, puis relancez"
                )
        result.append(line)
    if not has_xlwings:
        result.insert(0, LITE_REQUIRED[0])
    while result and not result[-1].strip():
        result.pop()
    return "\n".join([*result, *ours]) + "\n", notes


def merge_main(existing: str | None, block: str) -> tuple[str, list[str], int]:
    """The workbook's ``main.py`` with the tool's block: the office's own code stays, before it; returns the
    text, the office's registered functions and scripts, and how many lines of its code were kept."""
    office = _without_block(existing or "").rstrip()
    if not office.strip():
        return block, [], 0
    names, registered = _defined_names(office)
    clash = sorted(names & {*function_names(), *SCRIPTS, "_GUICHET_NUMERIQUE", "_guichet_numerique_charger"})
    if clash:
        raise LiteError(
            f"le main.py du classeur définit déjà {', '.join(clash)}, des noms du guichet numérique : renommez-les "
            "dans xlwings Lite, puis relancez"
        )
    return f"{office}\n\n\n{block}", registered, len(office.splitlines())


def lite_code(
    reglement: Reglement,
    *,
    existing_main: str | None = None,
    existing_requirements: str | None = None,
) -> LiteCode:
    """The workbook's two Lite texts with the tool's code for ``reglement``, merged with what it has."""
    from importlib import metadata

    from xlplugin.workbook.recalc import calculation_revision

    bundle = build_bundle(reglement_text(reglement))
    revision = calculation_revision(reglement)
    block = main_block(
        bundle, version=metadata.version(DISTRIBUTION), reglement_label=reglement.identifier, revision=revision
    )
    main, registered, kept = merge_main(existing_main, block)
    requirements, notes = merge_requirements(existing_requirements, requirements_for(bundle))
    code = LiteCode(main, requirements, registered, kept, notes, bundle.digest, revision)
    size = sum(len(value) for value in code.settings().values())
    if size > SETTINGS_LIMIT:
        raise LiteError(
            f"le code xlwings Lite du classeur ferait {size // 1000} Ko, au-delà de ce qu'Excel garde dans un "
            f"classeur ({SETTINGS_LIMIT // 1000} Ko) : allégez le main.py du bureau"
        )
    return code


def reglement_text(reglement: Reglement) -> str:
    """The règlement's JSON as the workbook carries it (its canonical form: same content, same text)."""
    return json.dumps(json.loads(reglement.fingerprint), ensure_ascii=False, indent=1) + "\n"


def lite_files(reglement: Reglement) -> dict[str, str]:
    """``main.py`` and ``requirements.txt`` to paste into xlwings Lite by hand (the route without
    ``guichet lite --into``): the whole block and the tool's lines, with Lite's own."""
    code = lite_code(reglement)
    return {"main.py": code.main, "requirements.txt": code.requirements}


def lite_formula(formula: str) -> str:
    """The formula as the file must store it for xlwings Lite: ``=SUBV_TAUX(G2,…)`` → ``=_xldudf_SUBV_TAUX(G2,…)``.

    Text inside double quotes is left alone."""
    parts = formula.split('"')
    parts[::2] = [_CALL.sub(lambda m: f"{LITE_PREFIX}{m.group(1)}(", part) for part in parts[::2]]
    return '"'.join(parts)


# -- in the workbook


@dataclass
class Embedded:
    """What ``embed`` did to the workbook's xlwings Lite settings."""

    created: bool  # the workbook had no xlwings Lite part: one was added
    code: LiteCode
    unchanged: bool = False


def _setting_text(raw: str | None) -> str | None:
    if raw is None:
        return None
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        return raw  # a setting written as plain text
    return value if isinstance(value, str) else None


def embed(patch: Patch, reglement: Reglement) -> Embedded:
    """Write the tool's xlwings Lite code into the workbook being patched: into its Lite part, merged with the
    office's code, or into a new Lite task pane that opens with the workbook."""
    from xlplugin.xlsx.webextensions import add_taskpane_addin, set_custom_functions, set_properties, web_extensions

    ids = [f"{LITE_PREFIX}{name}" for name in function_names()]  # as the workbook's formulas name them
    lite = [addin for addin in web_extensions(patch) if addin.is_store_addin(LITE_STORE_ID)]
    if len(lite) > 1:
        raise LiteError(
            f"le classeur porte {len(lite)} volets xlwings Lite ({', '.join(a.part for a in lite)}) : gardez-en un "
            "seul, puis relancez"
        )
    if not lite:
        code = lite_code(reglement)
        # The Pyodide the code was tested in, as xlwings Lite records it in the workbooks it saves.
        settings = {**code.settings(), "pyodideVersion": json.dumps(PYODIDE_VERSION)}
        add_taskpane_addin(patch, LITE_STORE_ID, store="fr-FR", properties=settings, visible=True, functions=ids)
        return Embedded(True, code)
    addin = lite[0]
    main = _setting_text(addin.properties.get("main.py"))
    requirements = _setting_text(addin.properties.get("requirements.txt"))
    code = lite_code(reglement, existing_main=main, existing_requirements=requirements)
    listed = set(ids) <= set(addin.functions)
    if code.main == main and code.requirements == requirements and listed:
        return Embedded(False, code, unchanged=True)
    if code.main != main or code.requirements != requirements:
        set_properties(patch, addin.part, code.settings())
    if not listed:
        set_custom_functions(patch, addin.part, ids)
    return Embedded(False, code)


def stale_code_note(path: Path, reglement: Reglement) -> str | None:
    """What to tell the agent when the functions of a workbook written for xlwings Lite would not compute as this
    tool does: its Lite code is missing (never added to an office's workbook, or dropped by a program that saved
    it — LibreOffice does), or computes under another calculation revision (another version of the tool, or
    another règlement) — Excel and the command line could then show different figures."""
    from xlplugin.workbook.functions import LITE
    from xlplugin.workbook.package_book import PackageBook
    from xlplugin.workbook.recalc import calculation_revision, runtime

    book = PackageBook.open(path)
    try:
        if runtime(book) != LITE:
            return None
        found = embedded_revision(book.patch)
    finally:
        book.close()
    if found is None:
        return (
            f"{path.name} n'a pas (ou plus) le code xlwings Lite de ses fonctions SUBV_… (un enregistrement par "
            f"LibreOffice le retire) : sans lui, Excel affiche #NOM? dans les colonnes calculées ; rangez-le : "
            f"{lite_command(path, reglement)}"
        )
    ours = calculation_revision(reglement)
    if found[0] == ours:
        return None
    return (
        f"le code xlwings Lite rangé dans {path.name} calcule sous la révision {found[0]}, cet outil sous la révision "
        f"{ours} (une autre version de l'outil ou un autre règlement) : Excel et guichet pourraient donner des "
        f"chiffres différents ; mettez-le à jour : {lite_command(path, reglement)}"
    )


def lite_command(path: Path, reglement: Reglement) -> str:
    """The command that puts this very calculation in the workbook, as the agent's shell reads it (cmd.exe on
    Windows, a POSIX shell elsewhere): with the règlement given, when not the shipped one — without it,
    « guichet lite --into » would put the shipped one back, and the note would come again."""
    from xlplugin.rules.reglement import default_reglement

    args = ["guichet", "lite", "--into", str(path)]
    if reglement != default_reglement():
        args += ["--reglement", reglement.origin]
    return command_line(args)


def embedded_revision(patch: Patch) -> tuple[str, str] | None:
    """The calculation revision and the code digest of the tool's block in the workbook's Lite code, if any."""
    from xlplugin.xlsx.webextensions import web_extensions

    for addin in web_extensions(patch):
        if addin.is_store_addin(LITE_STORE_ID):
            main = _setting_text(addin.properties.get("main.py")) or ""
            found = re.search(r"révision de calcul : ([0-9a-f]+)\n(?:#[^\n]*\n){0,3}?# sha256 ([0-9a-f]{64})", main)
            if found and BEGIN in main:
                return found.group(1), found.group(2)
    return None
