"""Writes the table of the Excel functions (``docs/reference/fonctions.md``) from their declaration
(``xlplugin.workbook.functions``).

The table sits in that page between the markers below; ``make docs`` rewrites it, and a test fails when the
page no longer says what the declaration says.

    python tools/functions_doc.py [--check]
"""

from __future__ import annotations

import sys
from pathlib import Path

from xlplugin.workbook import layout as L
from xlplugin.workbook.functions import COLUMN_SUFFIX, FUNCTIONS, INPUTS, Call

README = Path(__file__).resolve().parent.parent / "docs" / "reference" / "fonctions.md"
BEGIN = "<!-- fonctions : début (écrit par tools/functions_doc.py) -->"
END = "<!-- fonctions : fin -->"


def _example(name: str) -> str:
    """The formula of the first column of « Dossiers » that calls ``name``, on row 2, with French separators."""
    for column in L.DOSSIER_TABLE.columns:
        if isinstance(column.formula, Call) and column.formula.function == name:
            return L.DOSSIER_TABLE.formula(column.key, 2).replace(",", ";")
    return FUNCTIONS[name].example


def table() -> str:
    lines = ["| Fonction | Rend | Exemple |", "|---|---|---|"]
    for function in FUNCTIONS.values():
        arguments = "; ".join(f"[{n}]" if INPUTS[n].optional else n for n in function.inputs)
        formula, _, result = _example(function.name).partition(" → ")
        shown = f"`{formula}` → {result}" if result else f"`{formula}`"
        lines.append(f"| `{function.name}({arguments})` | {function.returns} | {shown} |")
    columns = ", ".join(f"`{f.name}{COLUMN_SUFFIX}`" for f in FUNCTIONS.values() if f.column)
    lines += [
        "",
        "Versions « colonne », qui prennent des colonnes entières et « déversent » un résultat par ligne (hors "
        f"d'un tableau Excel, qui n'accepte pas les résultats déversés) : {columns}.",
    ]
    return "\n".join(lines)


def readme_with_table(text: str) -> str:
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{table()}\n{END}{tail}"


def main() -> int:
    text = README.read_text(encoding="utf-8")
    wanted = readme_with_table(text)
    if "--check" in sys.argv:
        if wanted != text:
            print(f"{README} : la table des fonctions n'est plus à jour, lancez make docs", file=sys.stderr)
            return 1
        return 0
    README.write_text(wanted, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
