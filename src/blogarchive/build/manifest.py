"""The record of the last build into an output folder, which the next build decides by.

Kept in the build cache as plain data (`builds/<out>.<folder>.marshal`); anything malformed
reads as no record at all, so the next build simply does the work.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field, replace
from typing import Iterable, Iterator, Mapping, NamedTuple


class FileStat(NamedTuple):
    """What tells a file apart without reading it: size, mtime (ns) and inode."""

    size: int
    mtime_ns: int
    inode: int


class FileRecord(NamedTuple):
    """A file the last build wrote (or a post file it read): its key and its stat."""

    key: str
    stat: FileStat


class FileTable(Mapping[str, FileRecord]):
    """Files by path, held as columns (the stats in one array): a record is made when it is
    looked up, and all of them only for a build that asks for them by the thousand
    (`records`), so a build that only checks the files' stats (nothing changed) never makes
    26,000 of them, nor one edit at 50,000 posts 132,000 of the site's. A build's own record
    of what it wrote is one too, filled as it goes (`put`, `update`): 132,000 records as
    objects cost it some 50 MB at 50,000 posts."""

    __slots__ = ("paths", "keys", "stats", "_records", "_index")

    def __init__(self, paths: list[str], keys: list[str], stats: list[int]):
        self.paths, self.keys = paths, keys
        self.stats = _compact(stats)  # size, mtime_ns, inode of the first file, then the next…
        self._records: dict[str, FileRecord] | None = None
        self._index: dict[str, int] | None = None

    @classmethod
    def empty(cls) -> FileTable:
        return cls([], [], [])

    def stat_rows(self) -> Iterator[tuple[str, int, int, int]]:
        """(path, size, mtime_ns, inode) of every file, in the manifest's order."""
        s = self.stats
        return zip(self.paths, s[0::3], s[1::3], s[2::3])

    def key_rows(self) -> Iterator[tuple[str, str]]:
        """(path, key) of every file, in the manifest's order, without making records."""
        return zip(self.paths, self.keys)

    def records(self) -> dict[str, FileRecord]:
        if self._records is None:
            s = self.stats
            made = map(FileStat, s[0::3], s[1::3], s[2::3])
            self._records = dict(zip(self.paths, map(FileRecord, self.keys, made)))
        return self._records

    def row(self, path: str) -> int | None:
        """The row of `path`, or None."""
        if self._index is None:
            self._index = {p: i for i, p in enumerate(self.paths)}
        return self._index.get(path)

    def share(self, other: FileTable) -> None:
        """Hold the paths, and the keys, that `other` holds too as its very objects: the
        spare's record and the site's name mostly the same files (at 50,000 posts, 20 MB of
        strings held once instead of twice)."""
        paths, keys = self.paths, self.keys
        for i, path in enumerate(paths):
            j = other.row(path)
            if j is not None:
                paths[i] = other.paths[j]
                if keys[i] == other.keys[j]:
                    keys[i] = other.keys[j]
        self._index = self._records = None

    def get(self, path: str, default=None):
        if self._records is not None:
            return self._records.get(path, default)
        i = self.row(path)
        if i is None:
            return default
        s, j = self.stats, 3 * i
        return FileRecord(self.keys[i], FileStat(s[j], s[j + 1], s[j + 2]))

    def put(self, path: str, key: str, stat: tuple[int, int, int]) -> None:
        """Record `path` (in place, if it is recorded already: a dict's order)."""
        i = self.row(path)
        self._records = None
        if i is None:
            self._index[path] = len(self.paths)
            self.paths.append(path)
            self.keys.append(key)
            i = len(self.keys) - 1
            self.stats.extend((0, 0, 0))
        else:
            self.keys[i] = key
        try:
            self.stats[3 * i], self.stats[3 * i + 1], self.stats[3 * i + 2] = stat
        except OverflowError:  # a stat no 64-bit integer holds: a list from now on
            self.stats = list(self.stats)
            self.stats[3 * i], self.stats[3 * i + 1], self.stats[3 * i + 2] = stat

    def put_row(self, path: str, table: FileTable, i: int) -> None:
        """Record `path` as row `i` of `table` records it, without making its record."""
        s, j = table.stats, 3 * i
        self.put(path, table.keys[i], (s[j], s[j + 1], s[j + 2]))

    def __setitem__(self, path: str, record: FileRecord) -> None:
        self.put(path, record.key, record.stat)

    def update(self, records: Mapping[str, FileRecord] | Iterable[tuple[str, FileRecord]]):
        pairs = records.items() if isinstance(records, Mapping) else records
        for path, record in pairs:
            self.put(path, record.key, record.stat)

    def differing(self, other: FileTable) -> Iterator[str]:
        """The paths whose key or stat is not what `other` records (or that it lacks)."""
        s, o = self.stats, other.stats
        for i, (path, key) in enumerate(zip(self.paths, self.keys)):
            j = other.row(path)
            if j is None or other.keys[j] != key:
                yield path
                continue
            a, b = 3 * i, 3 * j
            if s[a] != o[b] or s[a + 1] != o[b + 1] or s[a + 2] != o[b + 2]:
                yield path

    def __getitem__(self, path: str) -> FileRecord:
        found = self.get(path)
        if found is None:
            raise KeyError(path)
        return found

    def __contains__(self, path) -> bool:
        return self.row(path) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self.paths)

    def __len__(self) -> int:
        return len(self.paths)


def key_rows(files: Mapping[str, FileRecord]) -> Iterator[tuple[str, str]]:
    """(path, key) of each file (a FileTable's without making records)."""
    if isinstance(files, FileTable):
        return files.key_rows()
    return ((rel, record.key) for rel, record in files.items())


def as_table(files: Mapping[str, FileRecord]) -> FileTable:
    """`files` as a FileTable (itself, if it is one)."""
    if isinstance(files, FileTable):
        return files
    table = FileTable.empty()
    table.update(files)
    return table


def _compact(stats: list[int]) -> array | list[int]:
    """The stats in an array of 64-bit integers (8 bytes each instead of some 40), or as
    they are if one does not fit."""
    try:
        return array("q", stats)
    except OverflowError:
        return stats


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

    def with_records(self) -> Manifest:
        """This manifest with its files and posts as plain dicts, for a build that looks
        them up by the thousand (a FileTable answers each lookup through Python calls)."""
        files, posts = (
            m.records() if isinstance(m, FileTable) else m for m in (self.files, self.posts)
        )
        return replace(self, files=files, posts=posts)


def manifest_to_data(m: Manifest, out: str) -> dict:
    """The manifest as plain data, in columns (26,000 files encode and decode in
    milliseconds): paths, keys and [size, mtime_ns, inode, ...] of the files and of the
    posts; folders' mtimes."""
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


def manifest_from_data(raw: dict, out: str) -> Manifest:
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
    if isinstance(records, FileTable):
        return [records.paths, records.keys, list(records.stats)]
    return [
        list(records),
        [r.key for r in records.values()],
        [n for r in records.values() for n in r.stat],
    ]


def _records(columns: list) -> FileTable:
    paths, keys, stats = columns
    if not (len(paths) == len(keys) and len(stats) == 3 * len(paths)) or not (
        set(map(type, stats)) <= {int} and set(map(type, paths)) | set(map(type, keys)) <= {str}
    ):
        raise ValueError("columns of different lengths or types")
    if len(set(paths)) != len(paths):
        raise ValueError("a path recorded twice")
    return FileTable(paths, keys, stats)
