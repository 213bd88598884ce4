"""Writes that never leave a half-written file: temp file in the same folder, then rename."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import OutputError

TEMP_SUFFIX = ".blogarchive-tmp"


def atomic_write(path: Path, data: bytes) -> None:
    """Replace `path` with `data` in one rename; on any failure the old file is untouched."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        _remove(tmp)
        raise OutputError(f"{path}: cannot write: {exc.strerror}") from None
    except BaseException:
        _remove(tmp)
        raise


def clean_stale_temps(folder: Path) -> None:
    """Remove temp files an interrupted run left behind (ours only, by suffix)."""
    for leftover in Path(folder).glob(f".*{TEMP_SUFFIX}"):
        _remove(leftover)


def _remove(path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
