"""Download, once, the pure-Python wheels the Pyodide test unpacks (``make pyodide``; needs the package index).

The versions are those installed in the interpreter that runs this script (the project's .venv), so that
Pyodide runs exactly what CPython runs. ``pip download --only-binary=:all: --platform any
--implementation py --abi none`` accepts ``py3-none-any`` wheels only: a dependency that has no pure wheel
fails here, loudly.
"""

from __future__ import annotations

import subprocess
import sys
from importlib import metadata
from pathlib import Path

CACHE = Path(__file__).resolve().parent / ".cache" / "wheels"
PYODIDE_PYTHON = "3.14"
# What the functions and the ribbon script import, and tzdata (Pyodide has no time zone database).
DISTRIBUTIONS = ("xlwings", "python-stdnum", "fastjsonschema", "openpyxl", "et-xmlfile", "defusedxml", "tzdata")


def wheel_prefix(name: str, version: str) -> str:
    return f"{name.replace('-', '_')}-{version}-"


def main() -> None:
    CACHE.mkdir(parents=True, exist_ok=True)
    wanted = {name: metadata.version(name) for name in DISTRIBUTIONS}
    for wheel in CACHE.glob("*.whl"):  # a version the .venv no longer has
        if not any(wheel.name.lower().startswith(wheel_prefix(n, v).lower()) for n, v in wanted.items()):
            wheel.unlink()
    missing = [
        f"{name}=={version}"
        for name, version in wanted.items()
        if not any(w.name.lower().startswith(wheel_prefix(name, version).lower()) for w in CACHE.glob("*.whl"))
    ]
    if missing:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check", "--no-deps",
             "--only-binary=:all:", "--platform", "any", "--implementation", "py", "--abi", "none",
             "--python-version", PYODIDE_PYTHON, "--dest", str(CACHE), *missing],
            check=True,
        )  # fmt: skip
    print(f"{len(wanted)} roues pures dans {CACHE}")


if __name__ == "__main__":
    main()
