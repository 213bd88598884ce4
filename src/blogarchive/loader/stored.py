"""Records an import keeps between its steps, waiting in a BlockStore instead of in memory.

An import's dumps give tens of thousands of posts; held as objects, they made the import's
memory grow with its input.  Here each record is bytes in the store (the importer's is an
unnamed temp file) and costs a few numbers in memory; it is read back when looked up.
"""

from __future__ import annotations

import dataclasses
import pickle
import sqlite3
from array import array
from collections.abc import Iterable, Sequence
from itertools import accumulate
from typing import Any

DB_CACHE_KIB = 512  # the most a private_db holds of its pages in memory

CHUNK = 256  # records written to the store in one blob (a StoredList)
PENDING = 1 << 20  # or sooner, once they hold this many bytes


def width(largest: int) -> str:
    """The array type code for numbers up to `largest`: 4 bytes each where that is enough."""
    return "I" if largest < 1 << 32 else "q"


class PackedTexts(Sequence):
    """Lines as one UTF-8 blob and where each ends: two objects however many the lines, so
    a worker hands them over (and the main process lets them go) without a string each."""

    __slots__ = ("blob", "ends")

    def __init__(self, texts: Sequence[str]):
        data = [t.encode("utf-8") for t in texts]
        self.blob = b"".join(data)
        self.ends = array(width(len(self.blob)), accumulate((len(d) for d in data), initial=0))

    def __len__(self) -> int:
        return len(self.ends) - 1

    def __getitem__(self, k: int) -> str:
        return self.blob[self.ends[k] : self.ends[k + 1]].decode("utf-8")

    def __getstate__(self):
        return self.blob, self.ends

    def __setstate__(self, state) -> None:
        self.blob, self.ends = state


def private_db() -> sqlite3.Connection:
    """A private on-disk SQLite database (a temp file, gone when closed) that holds at most
    DB_CACHE_KIB of its pages in memory, however large its tables grow; nothing is journaled
    or synced (it dies with the import)."""
    db = sqlite3.connect("")
    db.execute(f"PRAGMA cache_size = -{DB_CACHE_KIB}")
    db.execute("PRAGMA journal_mode = OFF")
    db.execute("PRAGMA synchronous = OFF")
    return db


def pack(record: Any) -> bytes:
    """A record as a StoredList keeps it (made where it was found: a worker, perhaps)."""
    return pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL)


def stored_list(store) -> "StoredList | list":
    """A StoredList in `store`, or a plain list where there is no store."""
    return StoredList(store) if store is not None else []


def stored_ints(store) -> "StoredInts | array":
    """A StoredInts in `store`, or a plain array of 64-bit numbers where there is no store."""
    return StoredInts(store) if store is not None else array("q")


INTS = 4096  # numbers written to the store in one blob by a StoredInts


class StoredInts(Sequence):
    """64-bit numbers appended to a BlockStore INTS at a time (the last, unfilled run in
    memory): one number a post costs nothing in memory, however many the posts.  Each is
    read back by position when looked up (processes forked later read it too)."""

    def __init__(self, store):
        self.store, self.refs, self.tail = store, [], array("q")

    def append(self, n: int) -> None:
        self.tail.append(n)
        if len(self.tail) == INTS:
            self.refs.append(self.store.put([self.tail.tobytes()])[0])
            self.tail = array("q")

    def extend(self, numbers) -> None:
        for n in numbers:
            self.append(n)

    def __len__(self) -> int:
        return len(self.refs) * INTS + len(self.tail)

    def __getitem__(self, k):
        if isinstance(k, slice):
            where = range(len(self))[k]
            if where.step != 1:
                return [self[i] for i in where]
            return self.span(where.start, where.stop)
        k = range(len(self))[k]
        run, at = divmod(k, INTS)
        if run == len(self.refs):
            return self.tail[at]
        return int.from_bytes(self.store.read(self.refs[run], at * 8, 8), "little", signed=True)

    def span(self, start: int, stop: int) -> list[int]:
        """self[start:stop], read a run at a time."""
        out: list[int] = []
        while start < stop:
            run, at = divmod(start, INTS)
            size = min(stop - start, INTS - at)
            if run == len(self.refs):
                out += self.tail[at : at + size]
            else:
                part = array("q", self.store.read(self.refs[run], at * 8, size * 8))
                out += part.tolist()
            start += size
        return out


class StoredList(Sequence):
    """A list whose records wait pickled in a BlockStore, written CHUNK at a time (or sooner,
    past PENDING bytes); where each stands is kept in the store too (StoredInts), so memory
    holds the records not yet written and nothing per record.  Each record is unpickled when
    looked up (a new object every time: compare records, not their ids)."""

    def __init__(self, store):
        self.store = store
        self.starts, self.sizes = StoredInts(store), StoredInts(store)  # in the store's file
        self.pending: list[bytes] = []
        self.pending_bytes = 0

    def append(self, record: Any) -> None:
        self.add_packed([pack(record)])

    def extend(self, records: Iterable) -> range:
        """Records appended, pickled one by one as they come (a generator of many is never
        held whole); where they now stand."""
        return self.add_packed(pack(r) for r in records)

    def add_packed(self, blobs: Iterable[bytes]) -> range:
        """Records already pickled (`pack`); where they now stand."""
        first = len(self)
        for blob in blobs:
            self.pending.append(blob)
            self.pending_bytes += len(blob)
            if len(self.pending) == CHUNK or self.pending_bytes >= PENDING:
                self.flush()
        return range(first, len(self))

    def flush(self) -> None:
        """Write the pending records (before forking readers, so they share none)."""
        if not self.pending:
            return
        start = self.store.put([b"".join(self.pending)])[0][0]
        for blob in self.pending:
            self.starts.append(start)
            self.sizes.append(len(blob))
            start += len(blob)
        self.pending, self.pending_bytes = [], 0

    def __len__(self) -> int:
        return len(self.starts) + len(self.pending)

    def __getitem__(self, k: int) -> Any:
        if isinstance(k, slice):
            return [self[i] for i in range(len(self))[k]]
        k = range(len(self))[k]
        if k >= len(self.starts):
            return pickle.loads(self.pending[k - len(self.starts)])
        return pickle.loads(self.store.get((self.starts[k], self.sizes[k])))


class Span(Sequence):
    """Part of a sequence (one dump's posts in a StoredList), without copying it."""

    def __init__(self, whole: Sequence, where: range):
        self.whole, self.where = whole, where

    def __len__(self) -> int:
        return len(self.where)

    def __getitem__(self, k):
        if isinstance(k, slice):
            return [self.whole[i] for i in self.where[k]]
        return self.whole[self.where[k]]


class Joined(Sequence):
    """Two sequences read as one, without copying them."""

    def __init__(self, first: Sequence, second: Sequence):
        self.first, self.second = first, second

    def __len__(self) -> int:
        return len(self.first) + len(self.second)

    def __getitem__(self, k: int):
        if isinstance(k, slice):
            return [self[i] for i in range(len(self))[k]]
        k = range(len(self))[k]
        n = len(self.first)
        return self.first[k] if k < n else self.second[k - n]


class StoredParses(Sequence):
    """Each dump's parse (model.DumpParse, its notes already taken) waiting pickled in a
    BlockStore, its posts and guesses kept as where they stand in the import's lists of them
    (Spans of `posts` and `guesses`): nothing in memory per dump, however many the dumps.
    Each parse is read back (a new object) when looked up."""

    def __init__(self, store, posts: Sequence, guesses: Sequence):
        self.parses, self.posts, self.guesses = StoredList(store), posts, guesses

    def append(self, parse) -> None:
        """Keep `parse`, whose posts and guesses are Spans of this list's `posts`, `guesses`."""
        self.parses.append(
            dataclasses.replace(parse, posts=parse.posts.where, guesses=parse.guesses.where)
        )

    def flush(self) -> None:
        self.parses.flush()

    def __len__(self) -> int:
        return len(self.parses)

    def __getitem__(self, k):
        if isinstance(k, slice):
            return [self[i] for i in range(len(self))[k]]
        parse = self.parses[k]
        return dataclasses.replace(
            parse, posts=Span(self.posts, parse.posts), guesses=Span(self.guesses, parse.guesses)
        )
