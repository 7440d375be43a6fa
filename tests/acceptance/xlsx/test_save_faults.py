"""A save interrupted at any point leaves the original file or the complete new one, and no temporary file.

Interruptions are injected at the operating-system boundary (the file the new package is written to,
``fsync``, ``os.replace``): an exception (disk full, Ctrl-C, any error) at random byte offsets in this
process, and a SIGKILL at the same kind of points in a child process. After a kill, a named temporary file
may remain where the file system cannot create anonymous files (``O_TMPFILE``); the next save removes it.
"""

from __future__ import annotations

import contextlib
import errno
import os
import random
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import IO, Any

import pytest
import xlsxwriter

from xlplugin.xlsx import Package, Patch, SaveError
from xlplugin.xlsx import zipio as zipio_temporaries

ORIGINAL_ROWS = 3000


def office_workbook(path: Path) -> Path:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Suivi")
    sheet.write_row(0, 0, ["N°", "Nom", "Montant"])
    for row in range(1, ORIGINAL_ROWS):
        sheet.write_row(row, 0, [f"2021-{row:04d}", f"Commune {row}", row * 10.5])
    sheet.add_sparkline("E2", {"range": "Suivi!C2:C20"})
    book.close()
    return path


def apply_patch(path: Path) -> None:
    with Package.open(path) as package:
        patch = Patch(package)
        for row in range(2, ORIGINAL_ROWS, 3):
            patch.set("Suivi", row, 4, f"vu {row}")
        patch.save()


def leftovers(folder: Path, name: str) -> list[str]:
    return sorted(entry for entry in os.listdir(folder) if entry.startswith(f".{name}"))


class Failing:
    """A file object that fails once ``limit`` bytes have been written through it."""

    def __init__(self, handle: Any, limit: int, error: BaseException) -> None:
        self.handle: IO[bytes] = handle
        self.limit = limit
        self.error = error
        self.written = 0

    def write(self, data: bytes) -> int:
        if self.written + len(data) > self.limit:
            raise self.error
        self.written += len(data)
        return self.handle.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.handle, name)

    def __enter__(self) -> Failing:
        return self

    def __exit__(self, *exc: object) -> None:
        self.handle.close()


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, bytes]:
    """The original bytes, and what a complete save produces."""
    folder = tmp_path_factory.mktemp("reference")
    path = office_workbook(folder / "suivi.xlsx")
    original = path.read_bytes()
    apply_patch(path)
    return original, path.read_bytes()


ERRORS: list[BaseException] = [
    OSError(errno.ENOSPC, "No space left on device"),
    KeyboardInterrupt(),
    RuntimeError("boom"),
]


@pytest.mark.parametrize("seed", range(6))
def test_exception_while_writing(
    tmp_path: Path, reference: tuple[bytes, bytes], seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    original, complete = reference
    randomness = random.Random(seed)
    limit = randomness.randrange(0, len(complete))
    error = ERRORS[seed % len(ERRORS)]
    path = tmp_path / "suivi.xlsx"
    path.write_bytes(original)
    real_fdopen = os.fdopen

    def failing_fdopen(fd: int, *args: Any, **kwargs: Any) -> Failing:
        return Failing(real_fdopen(fd, *args, **kwargs), limit, error)

    monkeypatch.setattr(os, "fdopen", failing_fdopen)
    with pytest.raises((SaveError, KeyboardInterrupt, RuntimeError)):
        apply_patch(path)
    monkeypatch.undo()
    assert path.read_bytes() == original
    assert leftovers(tmp_path, path.name) == []


@pytest.mark.parametrize("stage", ["fsync", "replace", "link"])
def test_exception_at_the_last_steps(
    tmp_path: Path, reference: tuple[bytes, bytes], stage: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    original, _ = reference
    path = tmp_path / "suivi.xlsx"
    path.write_bytes(original)

    def fail(*args: object, **kwargs: object) -> None:
        raise OSError(errno.EIO, f"{stage} failed")

    monkeypatch.setattr(os, stage, fail)
    # link is only used on file systems with O_TMPFILE: it may never be called
    with contextlib.suppress(SaveError):
        apply_patch(path)
    monkeypatch.undo()
    if stage != "link":
        assert path.read_bytes() == original
    assert leftovers(tmp_path, path.name) == []


CHILD = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    sys.path.insert(0, sys.argv[4])
    from tests.acceptance.xlsx.test_save_faults import apply_patch

    stage, limit = sys.argv[2], int(sys.argv[3])
    real_fdopen, real_fsync, real_replace = os.fdopen, os.fsync, os.replace

    def die():
        os.kill(os.getpid(), signal.SIGKILL)

    class Dying:
        def __init__(self, handle):
            self.handle, self.written = handle, 0
        def write(self, data):
            if stage == "write" and self.written + len(data) > limit:
                self.handle.write(data[: max(0, limit - self.written)])
                self.handle.flush()
                die()
            self.written += len(data)
            return self.handle.write(data)
        def __getattr__(self, name):
            return getattr(self.handle, name)
        def __enter__(self):
            return self
        def __exit__(self, *exc):
            self.handle.close()

    os.fdopen = lambda fd, *a, **k: Dying(real_fdopen(fd, *a, **k))
    if stage == "fsync":
        os.fsync = lambda fd: die()
    if stage == "before-replace":
        os.replace = lambda a, b: die()
    if stage == "after-replace":
        def replace_then_die(a, b):
            real_replace(a, b)
            die()
        os.replace = replace_then_die
    apply_patch(Path(sys.argv[1]))
    """
)

# Where to die: a stage, and for "write" the fraction of the new file written by then.
KILL_POINTS = [("write", 0.0), ("fsync", 0.0), ("before-replace", 0.0), ("after-replace", 0.0)] + [
    ("write", round(fraction, 3)) for fraction in random.Random(10).sample([i / 1000 for i in range(1, 1000)], 6)
]


@pytest.mark.parametrize(("stage", "fraction"), KILL_POINTS)
def test_killed_save(tmp_path: Path, reference: tuple[bytes, bytes], stage: str, fraction: float) -> None:
    original, complete = reference
    limit = int(fraction * len(complete))
    path = tmp_path / "suivi.xlsx"
    path.write_bytes(original)
    root = Path(__file__).resolve().parents[3]
    run = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), stage, str(limit), str(root)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == -signal.SIGKILL, run.stderr
    after = path.read_bytes()
    assert after in (original, complete)
    if stage == "after-replace":
        assert after == complete
    # A killed process cannot clean up: a named temporary file may remain, and the next save removes it.
    zipio_temporaries.remove_stale_temporaries(path)
    assert leftovers(tmp_path, path.name) == []
