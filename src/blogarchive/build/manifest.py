"""The record of the last build into an output folder, which the next build decides by.

Kept in the build cache as JSON (`builds/<out>.json`); anything malformed reads as no
record at all, so the next build simply does the work.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, NamedTuple


class FileStat(NamedTuple):
    """What tells a file apart without reading it: size, mtime (ns) and inode."""

    size: int
    mtime_ns: int
    inode: int


class FileRecord(NamedTuple):
    """A file the last build wrote (or a post file it read): its key and its stat."""

    key: str
    stat: FileStat


@dataclass(frozen=True)
class Manifest:
    """A build, as the folder it made holds it: the fingerprint of its inputs ('' when it
    skipped files), every file it wrote by output path and every folder's mtime, every post
    file it scanned by name, the renderer it ran, when its scan began, the key of everything
    but the posts' text (`structure`: settings, code, templates, dumps, post file names) and
    of its related posts, and whether its search index is left for the next build."""

    fingerprint: str = ""
    files: Mapping[str, FileRecord] = field(default_factory=dict)
    posts: Mapping[str, FileRecord] = field(default_factory=dict)
    renderer: str = ""
    scanned_ns: int = 0
    folders: Mapping[str, int] = field(default_factory=dict)
    structure: str = ""
    related_key: str = ""
    index_pending: bool = False  # its search index and feeds may be an older build's (serve)


def manifest_to_json(m: Manifest, out: str) -> dict:
    """The JSON payload, in columns (15,000 files encode and decode in milliseconds): paths,
    keys and [size, mtime_ns, inode, ...] of the files and of the posts; folders' mtimes."""
    return {
        "out": out,
        "fingerprint": m.fingerprint,
        "renderer": m.renderer,
        "scanned": m.scanned_ns,
        "files": _columns(m.files),
        "posts": _columns(m.posts),
        "folders": [list(m.folders), list(m.folders.values())],
        "structure": m.structure,
        "related_key": m.related_key,
        "index_pending": m.index_pending,
    }


def manifest_from_json(raw: dict, out: str) -> Manifest:
    """The Manifest in `raw` if it describes `out` and is well formed, else an empty one."""
    if raw.get("out") != out:
        return Manifest()
    try:
        names, times = raw["folders"]
        folders = dict(zip(map(str, names), map(int, times), strict=True))
        return Manifest(
            str(raw["fingerprint"]),
            _records(raw["files"]),
            _records(raw["posts"]),
            str(raw["renderer"]),
            int(raw["scanned"]),
            folders,
            str(raw["structure"]),
            str(raw["related_key"]),
            raw["index_pending"] is True,
        )
    except (KeyError, TypeError, ValueError, IndexError, AttributeError):
        return Manifest()


def _columns(records: Mapping[str, FileRecord]) -> list:
    return [
        list(records),
        [r.key for r in records.values()],
        [n for r in records.values() for n in r.stat],
    ]


def _records(columns: list) -> dict[str, FileRecord]:
    paths, keys, stats = columns
    if not (len(paths) == len(keys) and len(stats) == 3 * len(paths)) or not (
        set(map(type, stats)) <= {int} and set(map(type, paths)) | set(map(type, keys)) <= {str}
    ):
        raise ValueError("columns of different lengths or types")
    made = map(FileStat, stats[0::3], stats[1::3], stats[2::3])
    return dict(zip(paths, map(FileRecord, keys, made)))
