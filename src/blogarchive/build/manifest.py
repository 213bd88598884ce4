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


@dataclass(frozen=True)
class FileRecord:
    """A file the last build wrote (or a post file it read): its key and its stat."""
    key: str
    stat: FileStat


@dataclass(frozen=True)
class Manifest:
    """The last build: the fingerprint of its inputs ('' when it skipped files), every file
    it wrote by output path, every post file it scanned by name, the renderer it ran, when
    and when its scan began."""
    fingerprint: str = ""
    files: Mapping[str, FileRecord] = field(default_factory=dict)
    posts: Mapping[str, FileRecord] = field(default_factory=dict)
    renderer: str = ""
    scanned_ns: int = 0


def manifest_to_json(m: Manifest, out: str) -> dict:
    """The JSON payload: files as [key, size, mtime_ns, inode], posts as [size, mtime_ns,
    inode, key]."""
    return {"out": out, "fingerprint": m.fingerprint,
            "files": {rel: [r.key, *r.stat] for rel, r in m.files.items()},
            "renderer": m.renderer, "scanned": m.scanned_ns,
            "posts": {name: [*r.stat, r.key] for name, r in m.posts.items()}}


def manifest_from_json(raw: dict, out: str) -> Manifest:
    """The Manifest in `raw` if it describes `out` and is well formed, else an empty one."""
    if raw.get("out") != out or not isinstance(raw.get("files"), dict):
        return Manifest()
    try:
        files = {str(rel): FileRecord(str(v[0]), FileStat(*map(int, v[1:4])))
                 for rel, v in raw["files"].items()}
        posts = {str(name): FileRecord(str(v[3]), FileStat(*map(int, v[:3])))
                 for name, v in (raw.get("posts") or {}).items()}
        return Manifest(str(raw.get("fingerprint", "")), files, posts,
                        str(raw.get("renderer", "")), int(raw.get("scanned", 0) or 0))
    except (TypeError, ValueError, IndexError, AttributeError):
        return Manifest()
