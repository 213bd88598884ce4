"""Running one process timed from outside, and looking at the files it wrote (for run.py)."""

from __future__ import annotations

import filecmp
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path


class BenchError(Exception):
    """A build or import that failed: the benchmark stops and says which and where its log is."""


@dataclass
class Measure:
    """One process: wall and CPU seconds, peak RSS of its largest process, HTML pages it left."""

    wall: float
    cpu: float
    rss_mib: float
    pages: int = 0


RUSAGE = Path(__file__).with_name("rusage.py")


def run_measured(cmd: list[str], cwd: Path, log: Path, env: dict | None = None) -> Measure:
    """Run cmd to completion, timed by a small launcher (rusage.py: started from this big
    process, cmd itself would report this process's peak RSS as its own); a non-zero exit is
    a BenchError."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as tmp:
        out = Path(tmp.name)
    try:
        with open(log, "ab") as fh:
            fh.write(("\n$ " + shlex.join(cmd) + "\n").encode())
            fh.flush()
            code = subprocess.call(
                [sys.executable, str(RUSAGE), str(out), *cmd],
                cwd=cwd,
                env=env,
                stdout=fh,
                stderr=subprocess.STDOUT,
            )
        if code:
            tail = log.read_text(errors="replace").splitlines()[-15:]
            raise BenchError(f"exit {code}: {shlex.join(cmd)}\n(log {log})\n" + "\n".join(tail))
        got = json.loads(out.read_text(encoding="utf-8"))
    finally:
        out.unlink(missing_ok=True)
    return Measure(got["wall"], got["cpu"], got["maxrss_kib"] / 1024)


def child_env(*drop: str) -> dict:
    """The environment of a measured process: ours, but bytecode caches allowed, as for a user
    (so the warm-up leaves them), and without the variables named in `drop`."""
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", *drop)}


def html_pages(folder: Path) -> int:
    return sum(1 for _ in folder.rglob("*.html"))


def snapshot(folder: Path) -> dict[str, tuple[int, int, int]]:
    """(inode, mtime_ns, size) of every file, to tell whether a build wrote anything."""
    out = {}
    for path in folder.rglob("*"):
        if path.is_file():
            st = path.stat()
            out[path.relative_to(folder).as_posix()] = (st.st_ino, st.st_mtime_ns, st.st_size)
    return out


def files_written(before: dict, after: dict) -> int:
    """Files created, deleted, replaced or modified between two snapshots."""
    return len(before.keys() ^ after.keys()) + sum(
        1 for k in before.keys() & after.keys() if before[k] != after[k]
    )


def tree_differences(a: Path, b: Path) -> list[str]:
    """Relative paths that are missing from one tree or differ in bytes."""
    fa = {p.relative_to(a).as_posix() for p in a.rglob("*") if p.is_file()}
    fb = {p.relative_to(b).as_posix() for p in b.rglob("*") if p.is_file()}
    return sorted(fa ^ fb) + [
        p for p in sorted(fa & fb) if not filecmp.cmp(a / p, b / p, shallow=False)
    ]


def remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


def empty_folder(path: Path) -> None:
    remove(path)
    path.mkdir(parents=True)
