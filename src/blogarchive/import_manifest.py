"""The manifest the last import left in posts/ (post_writer.MANIFEST), read into an on-disk
table: file name -> the hashes of the versions the loader wrote.  A re-import looks each post
up in it (the writers, in their own processes, too) and walks it in name order, so however many
the posts, memory holds a few pages of it, never an entry per post.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

from .loader.stored import DB_CACHE_KIB

FILES_START = ' "files": {'  # manifest_parts' line before the entries


class OldManifest(Mapping):
    """The old manifest's entries in a temp SQLite file (`load`); read by name or in name
    order.  Pickled, it is its file's path: a forked writer opens its own connection.  The
    caller closes it (the file goes)."""

    def __init__(self, path: str):
        self.path, self.db, self.pid = path, None, None

    @classmethod
    def load(cls, manifest: Path) -> OldManifest:
        """The entries of `manifest` (none if it is missing or unreadable)."""
        fd, path = tempfile.mkstemp(prefix="blogarchive-manifest-", suffix=".sqlite")
        os.close(fd)
        table = cls(path)
        table._connect().execute("CREATE TABLE entry (name TEXT PRIMARY KEY, hashes TEXT)")
        rows: list[tuple[str, str]] = []
        for name, hashes in _entries(manifest):
            rows.append((name, json.dumps(sorted(hashes))))
            if len(rows) >= 1024:
                table.db.executemany("INSERT OR REPLACE INTO entry VALUES (?, ?)", rows)
                rows = []
        table.db.executemany("INSERT OR REPLACE INTO entry VALUES (?, ?)", rows)
        table.db.commit()
        table.db.close()  # reopened when read: writers forked meanwhile inherit no connection
        table.db = None
        return table

    def _connect(self) -> sqlite3.Connection:
        if self.db is None or self.pid != os.getpid():  # a forked writer: its own connection
            self.db, self.pid = sqlite3.connect(self.path), os.getpid()
            self.db.execute(f"PRAGMA cache_size = -{DB_CACHE_KIB}")
            self.db.execute("PRAGMA journal_mode = OFF")
            self.db.execute("PRAGMA synchronous = OFF")
        return self.db

    def __getitem__(self, name: str) -> frozenset[str]:
        row = self._connect().execute("SELECT hashes FROM entry WHERE name = ?", (name,))
        found = row.fetchone()
        if found is None:
            raise KeyError(name)
        return frozenset(json.loads(found[0]))

    def __contains__(self, name) -> bool:
        query = "SELECT 1 FROM entry WHERE name = ?"
        return self._connect().execute(query, (name,)).fetchone() is not None

    def __iter__(self) -> Iterator[str]:
        """The names in order (SQLite compares UTF-8 bytes: code point order, as `sorted`)."""
        for (name,) in self._connect().execute("SELECT name FROM entry ORDER BY name"):
            yield name

    def sorted_items(self) -> Iterator[tuple[str, frozenset[str]]]:
        """(name, hashes) in name order, read as they are taken."""
        query = "SELECT name, hashes FROM entry ORDER BY name"
        for name, hashes in self._connect().execute(query):
            yield name, frozenset(json.loads(hashes))

    def __len__(self) -> int:
        return self._connect().execute("SELECT COUNT(*) FROM entry").fetchone()[0]

    def __getstate__(self):
        return {"path": self.path}

    def __setstate__(self, state) -> None:
        self.__init__(state["path"])

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
        self.db = None
        if os.path.exists(self.path):
            os.unlink(self.path)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _entries(manifest: Path) -> Iterator[tuple[str, frozenset[str]]]:
    """The valid entries of a manifest file: read a line at a time where it is laid out as
    manifest_parts writes it, else (edited by hand, another layout) parsed whole."""
    try:
        with open(manifest, encoding="utf-8") as fh:
            try:
                yield from _valid(_entries_by_line(fh))
                return
            except ValueError:
                pass
        yield from _valid(_entries_whole(manifest))
    except (OSError, ValueError, AttributeError, UnicodeDecodeError):
        return


def _entries_by_line(fh) -> Iterator[tuple]:
    """(name, value) pairs of a manifest in manifest_parts' layout; ValueError where it is
    not (before anything is yielded: checked whole first, a line at a time)."""
    if fh.readline() != "{\n" or fh.readline() != ' "version": 1,\n':
        raise ValueError("not the usual layout")
    start = fh.tell()
    for text in _entry_texts(fh):
        json.loads("{" + text + "}")
    fh.seek(start)
    for text in _entry_texts(fh):
        yield from json.loads("{" + text + "}").items()


def _entry_texts(fh) -> Iterator[str]:
    """Each entry's JSON text (`"name": value`), a value list spanning lines joined."""
    first = fh.readline()
    if first.rstrip("\n") not in (FILES_START, FILES_START + "}"):
        raise ValueError("not the usual layout")
    if first.rstrip("\n").endswith("}"):
        if fh.readline() != "}\n" or fh.read(1):
            raise ValueError("not the usual layout")
        return
    entry = ""
    for line in fh:
        if line in (" }\n", "}\n"):
            if entry:
                raise ValueError("an entry left open")
            continue
        entry += line.rstrip("\n")
        if line.startswith("  ") and not line.startswith("   ") and not entry.endswith("["):
            yield entry.removesuffix(",")
            entry = ""
    if entry:
        raise ValueError("an entry left open")


def _entries_whole(manifest: Path) -> Iterator[tuple]:
    files = json.loads(manifest.read_text(encoding="utf-8")).get("files", {})
    yield from files.items()


def _valid(pairs) -> Iterator[tuple[str, frozenset[str]]]:
    for k, v in pairs:
        if isinstance(k, str) and (
            isinstance(v, str) or isinstance(v, list) and all(isinstance(h, str) for h in v)
        ):
            yield k, frozenset([v] if isinstance(v, str) else v)
