"""Writing a package: zip members copied raw, and a file replaced atomically.

``copy_raw`` moves a member from one zip to another without unpacking it: the same compressed bytes, CRC
and sizes, so an untouched part is identical by construction (and costs no compression time). It uses
``zipfile``'s own header writer; should a future ``zipfile`` change its internals, it falls back to
unpacking and packing again (same uncompressed bytes).

``write_atomically`` writes a new file beside the target and renames it over the target only once it is
complete and flushed to disk: an interruption at any point leaves the old file or the new one. On Linux the
new file has no name until it is complete (``O_TMPFILE``); elsewhere it is a hidden file that is removed on
any exception, and that the next save removes if a killed process left it.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import IO

from xlplugin.xlsx.errors import SaveError

_LOCAL_HEADER = struct.Struct("<4s5H3L2H")


def copy_raw(source: zipfile.ZipFile, info: zipfile.ZipInfo, target: zipfile.ZipFile) -> bool:
    """Copy member ``info`` of ``source`` into ``target`` as stored; returns False when it had to re-pack."""
    try:
        return _copy_raw(source, info, target)
    except (AttributeError, TypeError):  # zipfile internals changed: fall back to the public interface
        target.writestr(_clone(info), source.read(info))
        return False


def _clone(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    clone = zipfile.ZipInfo(info.filename, info.date_time)
    clone.compress_type = info.compress_type
    clone.external_attr = info.external_attr
    clone.create_system = info.create_system
    clone.internal_attr = info.internal_attr
    clone.comment = info.comment
    return clone


def _copy_raw(source: zipfile.ZipFile, info: zipfile.ZipInfo, target: zipfile.ZipFile) -> bool:
    if info.flag_bits & 0x1 or source.fp is None or target.fp is None:
        target.writestr(_clone(info), source.read(info))
        return False
    handle = source.fp
    handle.seek(info.header_offset)
    header = handle.read(_LOCAL_HEADER.size)
    fields = _LOCAL_HEADER.unpack(header)
    if fields[0] != b"PK\x03\x04":
        raise zipfile.BadZipFile(f"en-tête local invalide pour {info.filename}")
    handle.seek(info.header_offset + _LOCAL_HEADER.size + fields[9] + fields[10])
    clone = _clone(info)
    clone.flag_bits = info.flag_bits & 0x0800  # UTF-8 names kept; sizes are known, no data descriptor
    clone.CRC = info.CRC
    clone.compress_size = info.compress_size
    clone.file_size = info.file_size
    zip64 = clone.file_size > zipfile.ZIP64_LIMIT or clone.compress_size > zipfile.ZIP64_LIMIT
    if target._writing:  # type: ignore[attr-defined]
        raise AttributeError("zip target busy")
    clone.header_offset = target.fp.tell()
    target.fp.write(clone.FileHeader(zip64))
    remaining = info.compress_size
    while remaining:
        block = handle.read(min(remaining, 1 << 20))
        if not block:
            raise zipfile.BadZipFile(f"partie tronquée : {info.filename}")
        target.fp.write(block)
        remaining -= len(block)
    target.filelist.append(clone)
    target.NameToInfo[clone.filename] = clone
    target.start_dir = target.fp.tell()
    target._didModify = True  # type: ignore[attr-defined]
    return True


def temporary_prefix(target: Path) -> str:
    return f".{target.name}.tmp-"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def remove_stale_temporaries(target: Path) -> list[Path]:
    """Remove temporary files a killed save of ``target`` left behind (their process is gone)."""
    removed = []
    prefix = temporary_prefix(target)
    with contextlib.suppress(OSError):
        for entry in os.scandir(target.parent):
            if not entry.name.startswith(prefix):
                continue
            pid_text = entry.name[len(prefix) :].split("-")[0]
            if pid_text.isdigit() and not _alive(int(pid_text)):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)
                    removed.append(Path(entry.path))
    return removed


def real_target(target: Path) -> Path:
    """The file a save must replace: a symbolic link is followed, so the linked file is updated."""
    return Path(os.path.realpath(target))


def read_only(path: Path, status: os.stat_result | None = None) -> bool:
    """A file its owner marked read-only (no write permission for anyone), or one this user may not write.
    The mark is respected even by an administrator, whom the system would let write."""
    mode = (status or os.stat(path)).st_mode
    return not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) or not os.access(path, os.W_OK)


def write_atomically(
    target: Path,
    write: Callable[[IO[bytes]], None],
    before_replace: Callable[[], None] | None = None,
    *,
    like: os.stat_result | None = None,
) -> Path:
    """Write ``target`` through ``write(file)``; the old file stays until the new one is complete on disk.

    Follows a symbolic link; keeps the mode (and, when allowed, owner and group) of the file it replaces;
    refuses a read-only file. A new file takes the mode, owner and group of ``like`` when given (a copy of a
    workbook readable by its owner only stays so, from its first byte), else the default of the umask.
    ``before_replace`` runs once the new file is on disk, just before the rename (Windows cannot replace a
    file that is still open, even by this process). Returns the path written.
    """
    real = real_target(target)
    folder = real.parent
    previous = None
    try:
        previous = os.stat(real)
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise SaveError(f"{target.name} : impossible de lire ses droits ({exc.strerror or exc})") from None
    if previous is not None and read_only(real, previous):
        raise SaveError(f"{target.name} est en lecture seule : il n'a pas été modifié")
    remove_stale_temporaries(real)
    name = f"{temporary_prefix(real)}{os.getpid()}-{secrets.token_hex(4)}"
    temporary = folder / name
    descriptor, anonymous = _open_temporary(folder, temporary)
    linked = not anonymous
    try:
        with os.fdopen(descriptor, "w+b") as handle:
            write(handle)
            handle.flush()
            model = previous if previous is not None else like
            if model is not None:
                _copy_ownership(handle.fileno(), model)
            else:
                umask = os.umask(0)
                os.umask(umask)
                os.fchmod(handle.fileno(), 0o666 & ~umask)
            os.fsync(handle.fileno())
            if anonymous:
                os.link(f"/proc/self/fd/{handle.fileno()}", temporary)
                linked = True
        if before_replace is not None:
            before_replace()
        os.replace(temporary, real)
        linked = False
        _sync_folder(folder)
    except OSError as exc:
        raise SaveError(
            f"{target.name} n'a pas pu être écrit ({exc.strerror or exc}) : le fichier d'origine n'a pas été modifié"
        ) from None
    finally:
        if linked:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
    return real


_ANONYMOUS: dict[int, bool] = {}


def _anonymous_works(folder: Path) -> bool:
    """Whether an O_TMPFILE file can be created and then given a name in ``folder`` (probed once per device)."""
    flag = getattr(os, "O_TMPFILE", 0)
    if not flag or not os.path.isdir("/proc/self/fd"):
        return False
    try:
        device = os.stat(folder).st_dev
    except OSError:
        return False
    if device not in _ANONYMOUS:
        probe = folder / f".xlsx-probe-{os.getpid()}-{secrets.token_hex(4)}"
        works = False
        try:
            descriptor = os.open(folder, flag | os.O_RDWR, 0o600)
            try:
                os.link(f"/proc/self/fd/{descriptor}", probe)
                works = True
            finally:
                os.close(descriptor)
                with contextlib.suppress(OSError):
                    os.unlink(probe)
        except OSError:
            works = False
        _ANONYMOUS[device] = works
    return _ANONYMOUS[device]


def _open_temporary(folder: Path, temporary: Path) -> tuple[int, bool]:
    """A file descriptor to write to, and whether it is anonymous (O_TMPFILE: no name until linked)."""
    if _anonymous_works(folder):
        with contextlib.suppress(OSError):
            return os.open(folder, os.O_TMPFILE | os.O_RDWR, 0o600), True
    try:
        return os.open(temporary, os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600), False
    except OSError as exc:
        raise SaveError(f"impossible d'écrire dans le dossier {folder} ({exc.strerror or exc})") from None


def _copy_ownership(descriptor: int, previous: os.stat_result) -> None:
    os.fchmod(descriptor, stat.S_IMODE(previous.st_mode))
    if hasattr(os, "fchown"):
        with contextlib.suppress(OSError):
            os.fchown(descriptor, previous.st_uid, previous.st_gid)
        with contextlib.suppress(OSError):
            os.fchown(descriptor, -1, previous.st_gid)
        # A group change may clear set-id bits: restore the mode once more.
        with contextlib.suppress(OSError):
            os.fchmod(descriptor, stat.S_IMODE(previous.st_mode))


def _sync_folder(folder: Path) -> None:
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
