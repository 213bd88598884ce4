"""What the merge keeps of every copy and post, in private on-disk SQLite tables instead of
in memory (stored.private_db: a temp file; SQLite holds a few pages of it and sorts on
disk), so merging a large import's posts costs the same memory as merging a small one's.

`CopyTable` groups copies by title key and keeps which post each copy became; `TakenSlugs`
is the set of slugs given so far; `PostNames` is each post's base slug and own slug, and
then its slug.  merge.merge_posts uses them when its records wait in a store.
"""

from __future__ import annotations

import sqlite3
from array import array
from collections.abc import Iterable, Iterator

from .stored import private_db

BATCH = 1024  # rows written to a table at a time


class CopyTable:
    """Per copy (raws[k]): its title key, whether it joined an earlier copy of its post, the
    number of the post it became; and the members of each group of several copies."""

    def __init__(self, title_keys: Iterable[int]):
        self.db = private_db()
        self.db.execute("CREATE TABLE copy (k INTEGER PRIMARY KEY, tkey INTEGER, later INTEGER)")
        self.db.execute("CREATE TABLE joined (k INTEGER PRIMARY KEY, members BLOB)")
        self.db.execute("CREATE TABLE placed (k INTEGER PRIMARY KEY, post INTEGER)")
        rows: list[tuple[int, int]] = []
        for k, key in enumerate(title_keys):
            rows.append((k, key))
            if len(rows) == BATCH:
                self._insert(rows)
        self._insert(rows)
        self.db.execute("CREATE INDEX by_key ON copy (tkey, k)")
        self.places: list[tuple[int, int]] = []  # (post, k), not yet in the table

    def _insert(self, rows: list) -> None:
        self.db.executemany("INSERT INTO copy (k, tkey) VALUES (?, ?)", rows)
        rows.clear()

    def shared_keys(self) -> Iterator[list[int]]:
        """The copies of each title key held by more than one copy, in key order."""
        self.db.execute(  # a table of its own: `join` writes to copy while it is read
            "CREATE TABLE shared AS SELECT tkey FROM copy GROUP BY tkey HAVING count(*) > 1"
        )
        for (key,) in _rows(self.db.execute("SELECT tkey FROM shared ORDER BY tkey")):
            found = self.db.execute("SELECT k FROM copy WHERE tkey = ? ORDER BY k", (key,))
            yield [k for (k,) in found]

    def join(self, group: list[int]) -> None:
        """Copies `group` (first-seen first) are one post."""
        self.db.execute("INSERT INTO joined VALUES (?, ?)", (group[0], array("q", group)))
        self.db.executemany("UPDATE copy SET later = 1 WHERE k = ?", [(k,) for k in group[1:]])

    def groups(self) -> Iterator[list[int]]:
        """Every group of copies, in first-seen order: a copy alone, or those joined."""
        rows = self.db.execute(
            "SELECT copy.k, members FROM copy LEFT JOIN joined ON joined.k = copy.k"
            " WHERE later IS NULL ORDER BY copy.k"
        )
        for k, members in _rows(rows):
            yield [k] if members is None else array("q", members).tolist()

    def place(self, k: int, post: int) -> None:
        """Copy k became post number `post`."""
        self.places.append((post, k))
        if len(self.places) == BATCH:
            self._flush()

    def _flush(self) -> None:
        self.db.executemany("INSERT INTO placed (post, k) VALUES (?, ?)", self.places)
        self.places = []

    def posts(self) -> Iterator[int]:
        """The post each copy became, in copy order (-1 for one not placed)."""
        self._flush()
        rows = self.db.execute(
            "SELECT post FROM copy LEFT JOIN placed ON placed.k = copy.k ORDER BY copy.k"
        )
        for (post,) in _rows(rows):
            yield -1 if post is None else post

    def close(self) -> None:
        self.db.close()


class TakenSlugs:
    """The slugs given so far, as text.unique_slug reads them (`in`, `add`)."""

    def __init__(self):
        self.db = private_db()
        self.db.execute("CREATE TABLE taken (slug TEXT PRIMARY KEY)")
        self.pending: set[str] = set()

    def __contains__(self, slug: str) -> bool:
        if slug in self.pending:
            return True
        return self.db.execute("SELECT 1 FROM taken WHERE slug = ?", (slug,)).fetchone() is not None

    def add(self, slug: str) -> None:
        self.pending.add(slug)
        if len(self.pending) == BATCH:
            self.db.executemany("INSERT INTO taken VALUES (?)", [(s,) for s in self.pending])
            self.pending = set()

    def close(self) -> None:
        self.db.close()


class PostNames:
    """Each post's base slug (from its title) and own slug (a source's, or None), in post
    order; then each post's slug, given in any order and read back in post order."""

    def __init__(self):
        self.db = private_db()
        self.db.execute("CREATE TABLE name (post INTEGER PRIMARY KEY, base TEXT, own TEXT)")
        self.db.execute("CREATE TABLE slug (post INTEGER PRIMARY KEY, slug TEXT)")
        self.rows: dict[str, list[tuple]] = {"name": [], "slug": []}  # not yet in the table
        self.count = 0

    def add(self, base: str, own: str | None) -> None:
        self._add("name", (self.count, base, own))
        self.count += 1

    def _add(self, table: str, row: tuple) -> None:
        self.rows[table].append(row)
        if len(self.rows[table]) == BATCH:
            self._flush(table)

    def _flush(self, table: str) -> None:
        marks = ", ".join("?" * (3 if table == "name" else 2))
        self.db.executemany(f"INSERT INTO {table} VALUES ({marks})", self.rows[table])
        self.rows[table] = []

    def claims(self, own: bool) -> Iterator[tuple[int, str]]:
        """(post, the slug it asks for) of the posts with an own slug, or of the others."""
        self._flush("name")
        where = "own IS NOT NULL" if own else "own IS NULL"
        query = f"SELECT post, coalesce(own, base) FROM name WHERE {where} ORDER BY post"
        yield from _rows(self.db.execute(query))

    def give(self, post: int, slug: str) -> None:
        self._add("slug", (post, slug))

    def slugs(self) -> Iterator[str]:
        """Each post's slug, in post order."""
        self._flush("slug")
        for (slug,) in _rows(self.db.execute("SELECT slug FROM slug ORDER BY post")):
            yield slug

    def close(self) -> None:
        self.db.close()


def _rows(cursor: sqlite3.Cursor) -> Iterator[tuple]:
    """A query's rows, fetched BATCH at a time (other tables may be written meanwhile)."""
    while True:
        rows = cursor.fetchmany(BATCH)
        if not rows:
            return
        yield from rows
