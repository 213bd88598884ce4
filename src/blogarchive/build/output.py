"""The output folder: a new tree beside it, files written or hard-linked from the old site,
the swap that replaces it in one rename, and the lock that lets one build at a time in."""
from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import stat
import tempfile
from pathlib import Path
from typing import Mapping

from ..errors import OutputError
from ..fsutil import TEMP_SUFFIX
from .manifest import FileRecord, FileStat

PID_FIELD = 32          # bytes of the lock file read for the holder's PID


class Output:
    """The files of the site being built; refuses a second file at the same path, naming both."""

    def __init__(self):
        self.sources: dict[str, str] = {}

    def add(self, path: str, source: str) -> None:
        if path in self.sources:
            raise OutputError(
                f"{path}: would be written twice, by {self.sources[path]} and by {source}")
        self.sources[path] = source


class SiteWriter:
    """Writes files of the new tree `tmp`, hard-linking the old site's copy where it will do."""

    def __init__(self, tmp: Path, old: Path):
        self.tmp, self.old = tmp, old
        self.made: set[str] = set()

    def put(self, rel: str, data: bytes) -> str:
        """Write one file, or hard-link the old site's copy when the bytes match."""
        target, old = self._target(rel), f"{self.old}/{rel}"
        try:
            st = os.lstat(old)
            if stat.S_ISREG(st.st_mode) and st.st_size == len(data):
                with open(old, "rb") as fh:
                    if fh.read() == data:
                        os.link(old, target)
                        return "same"
        except OSError:
            pass
        try:
            with open(target, "xb") as fh:
                fh.write(data)
        except OSError as exc:
            raise OutputError(f"{self.tmp}: cannot write {rel}: {exc.strerror}") from None
        return "written"

    def link(self, rels: list[str]) -> list[str]:
        """Hard-link unchanged files of the old site into the new one."""
        try:
            for rel in rels:
                os.link(f"{self.old}/{rel}", self._target(rel))
        except OSError as exc:
            raise OutputError(
                f"{self.tmp}: cannot link {rel} from the old site: {exc.strerror}") from None
        return ["kept"] * len(rels)

    def _target(self, rel: str) -> str:
        """The new site's path for `rel`, its folders made (once per process)."""
        folder = rel.rpartition("/")[0]
        if folder and folder not in self.made:
            try:
                os.makedirs(f"{self.tmp}/{folder}", exist_ok=True)
            except OSError as exc:
                raise OutputError(f"{self.tmp}: cannot make {folder}/: {exc.strerror}") from None
            while folder:
                self.made.add(folder)
                folder = folder.rpartition("/")[0]
        return f"{self.tmp}/{rel}"


def same_file(path: str, recorded: FileStat) -> bool:
    """Is this the very file the last build wrote (same size, mtime and inode)?"""
    try:
        st = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISREG(st.st_mode) and (st.st_size, st.st_mtime_ns, st.st_ino) == recorded


def walk(folder: Path) -> dict[str, FileStat]:
    """Every file under folder (relative POSIX path -> size, mtime_ns, inode)."""
    out = {}
    stack = [(folder, "")]
    while stack:
        here, prefix = stack.pop()
        with os.scandir(here) as entries:
            for entry in entries:
                rel = prefix + entry.name
                if entry.is_dir(follow_symlinks=False):
                    stack.append((entry.path, rel + "/"))
                else:
                    st = entry.stat(follow_symlinks=False)
                    out[rel] = FileStat(st.st_size, st.st_mtime_ns, st.st_ino)
    return dict(sorted(out.items()))


def intact(out: Path, files: Mapping[str, FileRecord]) -> bool:
    """Does `out` hold exactly the files the last build wrote, untouched?"""
    try:
        found = walk(out)
    except OSError:
        return False
    return found.keys() == files.keys() and all(found[k] == r.stat for k, r in files.items())


def remove_stale(out: Path) -> None:
    """Remove the temp folders a killed build left beside `out`."""
    for stale in out.parent.glob(f".{out.name}.*{TEMP_SUFFIX}"):
        shutil.rmtree(stale, ignore_errors=True)


def new_folder(out: Path, kind: str = "new") -> Path:
    """A fresh temp folder beside `out` (same file system, so the swap is a rename)."""
    try:
        return Path(tempfile.mkdtemp(prefix=f".{out.name}.{kind}.", suffix=TEMP_SUFFIX,
                                     dir=out.parent))
    except OSError as exc:
        raise OutputError(f"{out.parent}: cannot write: {exc.strerror}") from None


def swap(new: Path, out: Path) -> None:
    """Rename the old site away, the new one in, then delete the old one."""
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise OutputError(f"{out}: exists and is not a folder; refusing to replace it")
    old = None
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old.", suffix=TEMP_SUFFIX,
                                    dir=out.parent))
        os.rename(out, old / "site")
    os.rename(new, out)
    if old:
        shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def output_lock(out: Path):
    """One build at a time into an output folder: a second one is refused, naming the holder.

    The lock is an flock on `.<out>.lock` beside the folder, so a build killed with -9 never
    leaves a stale lock: the kernel releases it, and the next build takes it over."""
    path = out.parent / f".{out.name}.lock"
    out.parent.mkdir(parents=True, exist_ok=True)
    fd = _take_lock(path, out)
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        try:
            os.unlink(path)
        except OSError:
            pass
        os.close(fd)


def _take_lock(path: Path, out: Path) -> int:
    """An open descriptor of the lock file `path`, flocked by this process."""
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise OutputError(f"{path}: cannot create the build lock: {exc.strerror}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, PID_FIELD, 0).decode("ascii", "replace").strip() or "unknown"
            os.close(fd)
            raise OutputError(f"{out}: another build (PID {holder}) is writing this folder; "
                              "wait for it to finish, then run again") from None
        try:
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if same:
            return fd
        os.close(fd)        # the holder removed the file as we opened it: take the new one
