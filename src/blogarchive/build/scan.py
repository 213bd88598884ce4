"""Reading posts/: which post files there are, their content keys, and parsing one of them."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping, TypeVar

from ..errors import BlogArchiveError, PostError
from ..post import Post, from_markdown
from .keys import post_key
from .manifest import FileRecord, FileStat

# A file modified this close before the last build began may have changed in the same clock
# tick as that build read it, so its recorded key is not trusted (2 seconds, in nanoseconds).
MTIME_GRACE_NS = 2_000_000_000

T = TypeVar("T")


@dataclass(frozen=True)
class PostFile:
    """One posts/*.md as the scan saw it: its content key (of the renderer and its bytes),
    whether it was read or its recorded key reused, and its size, mtime and inode."""

    path: Path
    key: str
    read: bool
    stats: FileStat


def post_names(folder: Path) -> list[str]:
    """The names of posts/*.md (hidden files aside), in name order."""
    if not folder.is_dir():
        raise BlogArchiveError(
            f"{folder}: no such posts folder (run `python build.py import` first)"
        )
    return sorted(
        e.name for e in os.scandir(folder) if e.name.endswith(".md") and not e.name.startswith(".")
    )


def scan_posts(
    folder: Path, renderer: str, known: Mapping[str, FileRecord], last_scan_ns: int
) -> tuple[list[PostFile], list[str]]:
    """Every posts/*.md as a PostFile, and the files that cannot be read.

    Bytes are hashed and let go: workers read the files they convert, so no process holds
    every post (10,000 posts are 70 MB of text).

    A file whose size, mtime and inode are what the last build (`known`, by name) recorded,
    and which was last modified well before that build began (so no edit can hide in the
    same clock tick), keeps its recorded key without being read: a no-change build of
    10,000 posts reads nothing."""
    found, errors = [], []
    root = folder.resolve()
    for name in post_names(folder):
        path = folder / name
        try:
            st = os.stat(path)
            if os.path.islink(path) and not path.resolve().is_relative_to(root):
                raise PostError(path, None, "is a link to a file outside the posts folder; refused")
            stats = FileStat(st.st_size, st.st_mtime_ns, st.st_ino)
            record = known.get(name)
            if (
                record is not None
                and record.stat == stats
                and st.st_mtime_ns < last_scan_ns - MTIME_GRACE_NS
            ):
                found.append(PostFile(path, record.key, False, stats))
                continue
            key = post_key(renderer, path, path.read_bytes())
            found.append(PostFile(path, key, True, stats))
        except PostError as exc:
            errors.append(str(exc))
        except OSError as exc:
            errors.append(str(PostError(path, None, f"cannot read: {exc.strerror}")))
    return found, errors


def parse_post(path: Path, data: bytes) -> Post:
    """One post file's bytes as a Post; non-UTF-8 text is a PostError naming the byte."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PostError(
            path, data[: exc.start].count(b"\n") + 1, f"not UTF-8 text (byte {exc.start})"
        ) from None
    return from_markdown(text, str(path))


def unique_slugs(
    items: Mapping[Path, T], slug_of: Callable[[T], str], errors: list[str], keep_going: bool
) -> list[T]:
    """The items (by the file each came from), refusing (or with --keep-going skipping)
    malformed files, reported in `errors`, and a slug used twice."""
    seen: dict[str, Path] = {}
    kept = []
    for path, item in items.items():
        slug = slug_of(item)
        if slug in seen:
            errors.append(f"{path}: slug {slug!r} is also used by {seen[slug]}")
            continue
        seen[slug] = path
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
