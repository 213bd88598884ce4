"""Writes that never leave a half-written file: temp file in the same folder, then rename."""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable
from pathlib import Path

from .errors import OutputError

TEMP_SUFFIX = ".blogarchive-tmp"


def atomic_write(path: Path, data: bytes | Iterable[bytes]) -> None:
    """Replace `path` with `data` (bytes, or its parts one after another, made as they are
    written) in one rename; on any failure the old file is untouched.

    The temp file is created with the usual permissions (0666 less the umask), as a plain
    write would, not mkstemp's 0600; it is `.<name>.<random>.blogarchive-tmp` beside `path`."""
    commit_staged(stage_write(path, data), path)


def stage_write(path: Path, data: bytes | Iterable[bytes]) -> Path:
    """`data` written and synced to a temp file beside `path` (see atomic_write), which
    `commit_staged` renames over `path`; the temp file's path."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.urandom(6).hex()}{TEMP_SUFFIX}")
    try:
        fd = _create(tmp)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            for part in [data] if isinstance(data, (bytes, bytearray, memoryview)) else data:
                fh.write(part)
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:
        _remove(tmp)
        raise OutputError(f"{path}: cannot write: {exc.strerror}") from None
    except BaseException:
        _remove(tmp)
        raise
    return tmp


def _create(tmp: Path) -> int:
    """A new file, open for writing; its folder is made first where opening it fails (the
    folder is almost always there: looking first would cost every write a system call)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    try:
        return os.open(tmp, flags, 0o666)
    except OSError:
        tmp.parent.mkdir(parents=True, exist_ok=True)
        return os.open(tmp, flags, 0o666)


def commit_staged(tmp: Path, path: Path) -> None:
    """Rename a staged temp file over `path` (removing the temp file if that fails)."""
    try:
        os.replace(tmp, path)
    except OSError as exc:
        _remove(tmp)
        raise OutputError(f"{path}: cannot write: {exc.strerror}") from None
    except BaseException:
        _remove(tmp)
        raise


def discard_staged(tmp: Path) -> None:
    """Remove a staged temp file that will not be committed."""
    _remove(tmp)


def clean_stale_temps(folder: Path, name: str | None = None) -> list[Path]:
    """Remove temp files an interrupted run left behind (ours only, by suffix; only those
    of file `name` when given); returns what was removed."""
    pattern = f".{name}.*{TEMP_SUFFIX}" if name else f".*{TEMP_SUFFIX}"
    removed = []
    for leftover in _matching(Path(folder), pattern):
        if leftover.is_file() and not leftover.is_symlink():
            _remove(leftover)
            removed.append(leftover)
    return removed


def _matching(folder: Path, pattern: str) -> list[Path]:
    """folder.glob(pattern) for a pattern of names, read entry by entry (os.scandir): glob
    lists the whole folder first, an object a file in a posts folder of 200,000 posts."""
    try:
        with os.scandir(folder) as entries:
            return [folder / e.name for e in entries if fnmatch.fnmatchcase(e.name, pattern)]
    except OSError:
        return []


def _remove(path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
