"""Reading posts/: which post files there are, their content keys, and parsing one of them."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, AbstractSet, Callable, Mapping, TypeVar

from ..errors import BlogArchiveError, PostError
from .keys import post_key
from .manifest import FileRecord, FileStat, FileTable

if TYPE_CHECKING:  # parsing is the workers'; the scan alone does not load it
    from ..post import Post

# A file modified this close before the last build began may have changed in the same clock
# tick as that build read it, so its recorded key is not trusted (2 seconds, in nanoseconds).
MTIME_GRACE_NS = 2_000_000_000

T = TypeVar("T")


@dataclass(frozen=True)
class PostFile:
    """One posts/*.md as the scan saw it: its folder and name, its content key (of the
    renderer and its bytes), whether it was read or its recorded key reused, and its size,
    mtime and inode."""

    folder: Path
    name: str
    key: str
    read: bool
    stats: FileStat

    @cached_property
    def path(self) -> Path:
        return self.folder / self.name


def post_names(folder: Path) -> list[str]:
    """The names of posts/*.md (hidden files aside), in name order."""
    return [entry.name for entry in _post_entries(folder)]


def _post_entries(folder: Path) -> list[os.DirEntry]:
    if not folder.is_dir():
        raise BlogArchiveError(
            f"{folder}: no such posts folder (run `python build.py import` first)"
        )
    with os.scandir(folder) as entries:
        found = [e for e in entries if e.name.endswith(".md") and not e.name.startswith(".")]
    return sorted(found, key=lambda e: e.name)


def scan_posts(
    folder: Path,
    renderer: str,
    known: Mapping[str, FileRecord],
    last_scan_ns: int,
    edited: AbstractSet[str] | None = None,
) -> tuple[list[PostFile], list[str]]:
    """Every posts/*.md as a PostFile, and the files that cannot be read.

    Bytes are hashed and let go: workers read the files they convert, so no process holds
    every post (10,000 posts are 70 MB of text).

    A file whose size, mtime and inode are what the last build (`known`, by name) recorded,
    and which was last modified well before that build began (so no edit can hide in the
    same clock tick), keeps its recorded key without being read: a no-change build of
    10,000 posts reads nothing, and stats each file once. With `edited` (serve's watcher
    knows which files changed), a recorded file not named there is taken as recorded,
    without a stat."""
    found, errors = [], []
    root = None
    known = known.records() if isinstance(known, FileTable) else known  # 10,000 lookups
    trusted_before = last_scan_ns - MTIME_GRACE_NS
    for entry in _post_entries(folder):
        name = entry.name
        try:
            if entry.is_symlink():
                root = root or folder.resolve()
                if not Path(entry.path).resolve().is_relative_to(root):
                    raise PostError(
                        folder / name, None, "is a link to a file outside the posts folder; refused"
                    )
            record = known.get(name)
            if record is not None and edited is not None and name not in edited:
                found.append(PostFile(folder, name, record.key, False, record.stat))
                continue
            st = entry.stat()
            stats = FileStat(st.st_size, st.st_mtime_ns, st.st_ino)
            if record is not None and record.stat == stats and st.st_mtime_ns < trusted_before:
                found.append(PostFile(folder, name, record.key, False, stats))
                continue
            path = folder / name
            key = post_key(renderer, path, path.read_bytes())
            found.append(PostFile(folder, name, key, True, stats))
        except PostError as exc:
            errors.append(str(exc))
        except OSError as exc:
            errors.append(str(PostError(folder / name, None, f"cannot read: {exc.strerror}")))
    return found, errors


def parse_post(path: Path, data: bytes) -> Post:
    """One post file's bytes as a Post; non-UTF-8 text is a PostError naming the byte."""
    from ..post import from_markdown

    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PostError(
            path, data[: exc.start].count(b"\n") + 1, f"not UTF-8 text (byte {exc.start})"
        ) from None
    return from_markdown(text, str(path))


def unique_slugs(
    items: Mapping[str, T],
    slug_of: Callable[[T], str],
    errors: list[str],
    keep_going: bool,
    folder: Path,
) -> list[T]:
    """The items (by the name of the file in `folder` each came from), refusing (or with
    --keep-going skipping) malformed files, reported in `errors`, and a slug used twice."""
    seen: dict[str, str] = {}
    kept = []
    for name, item in items.items():
        slug = slug_of(item)
        if slug in seen:
            errors.append(f"{folder / name}: slug {slug!r} is also used by {folder / seen[slug]}")
            continue
        seen[slug] = name
        kept.append(item)
    if errors and not keep_going:
        raise BlogArchiveError(
            "cannot build:\n  "
            + "\n  ".join(errors)
            + "\n(fix the files, or use --keep-going to skip them)"
        )
    for error in errors:
        print(f"warning: skipped {error}", file=sys.stderr)
    return kept
