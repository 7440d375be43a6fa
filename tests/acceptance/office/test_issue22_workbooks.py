"""Issue 22, the office's workbook: bounded, sealed, never silent.

Each case was found by a hostile round on an office workbook made by another writer (XlsxWriter, openpyxl),
run through the commands as an agent runs them: the sheet of the dossiers is never guessed; a dossier on two
rows never makes the workbook's total exceed the envelope; a refused import leaves the workbook as it was,
without a backup; a protected sheet is refused, not written; a backup is as private as its workbook; a zip
bomb, a value in the last row of a sheet and ``--output /dev/zero`` are refused with a French message before
they are read; a totals row written with a literal range says what its value says.
"""

from __future__ import annotations

import os
import stat
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner, Result

from batch.cli import main
from tests.conftest import EXAMPLES

ENVELOPE = 297_000


def run(*args: Any) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def values(path: Path, sheet: str, *, cached: bool = False) -> list[tuple[Any, ...]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = openpyxl.load_workbook(path, data_only=cached)
    return [tuple(row) for row in book[sheet].iter_rows(values_only=True)]


def backups(path: Path) -> list[Path]:
    return sorted(path.parent.glob(f"{path.stem}.sauvegarde-*"))


@pytest.fixture
def umask_022() -> Iterator[None]:
    """The usual umask, whatever the test runner's: a new file is readable by everyone unless told otherwise."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


# -- 7. a backup is as private as its workbook


def test_a_backup_keeps_the_mode_of_a_private_workbook(tmp_path: Path, umask_022: None) -> None:
    workbook = tmp_path / "suivi.xlsx"
    assert run("init", workbook).exit_code == 0
    workbook.chmod(0o600)
    result = run("import", EXAMPLES / "dossier-21000101.json", "--workbook", workbook)
    assert result.exit_code == 0, result.output
    (backup,) = backups(workbook)
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    assert stat.S_IMODE(workbook.stat().st_mode) == 0o600
