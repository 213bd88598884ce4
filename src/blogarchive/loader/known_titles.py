"""The titles each dump confirms (segment.known_titles_of), as the cutting pass asks of them:
is this title confirmed by some other dump of the import?  Held as 8-byte digests of the
normalised titles, each dump's in a private on-disk SQLite table and the import's sorted in
the BlockStore, so what the passes keep of them does not grow with the dumps.
"""

from __future__ import annotations

import hashlib
import os
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Sequence

from .stored import private_db

BATCH = 4096  # digests written at a time


def title_digest(normalised: str) -> int:
    """A 64-bit digest of a normalised title (copies of it share it; two titles sharing one
    are as unlikely as in duplicates.title_key)."""
    digest = hashlib.blake2b(normalised.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


def digests(titles: Iterable[str]) -> bytes:
    """A dump's known titles as sorted digests (an array's bytes: cheap to send and keep)."""
    return array("q", sorted({title_digest(t) for t in titles})).tobytes()


class SortedDigests(Sequence):
    """Sorted digests `count` long at `offset` of an open file (the BlockStore's, inherited
    by forked workers): looked up by position, so `in` reads a few of them."""

    def __init__(self, fd: int, offset: int, count: int):
        self.fd, self.offset, self.count = fd, offset, count

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, k: int) -> int:
        data = os.pread(self.fd, 8, self.offset + 8 * k)
        return int.from_bytes(data, "little", signed=True)

    def __contains__(self, digest: int) -> bool:
        k = bisect_left(self, digest)
        return k < self.count and self[k] == digest


def _has(sorted_digests: Sequence[int], digest: int) -> bool:
    if isinstance(sorted_digests, SortedDigests):
        return digest in sorted_digests
    k = bisect_left(sorted_digests, digest)
    return k < len(sorted_digests) and sorted_digests[k] == digest


class KnownTitles:
    """Each dump's known titles (digests, `add`), then the import's `index`: the digests any
    dump confirms and those two or more confirm."""

    def __init__(self):
        self.db = private_db()
        self.db.execute("CREATE TABLE own (dump INTEGER, digest INTEGER)")

    def add(self, dump: int, found: bytes) -> None:
        """Dump number `dump`'s known titles, as `digests` gives them."""
        self.db.executemany("INSERT INTO own VALUES (?, ?)", ((dump, d) for d in array("q", found)))

    def index(self, store=None) -> dict:
        """{"all": digests any dump confirms, "many": those two or more do}, sorted: in the
        store (SortedDigests) if given, else arrays."""
        self.db.execute("CREATE INDEX by_dump ON own (dump)")
        query = "SELECT digest FROM own GROUP BY digest HAVING count(*) >= ? ORDER BY digest"
        return {
            name: _sorted((d for (d,) in self.db.execute(query, (least,))), store)
            for name, least in (("all", 1), ("many", 2))
        }

    def own(self, dump: int) -> bytes:
        """Dump number `dump`'s digests, sorted."""
        rows = self.db.execute("SELECT digest FROM own WHERE dump = ? ORDER BY digest", (dump,))
        return array("q", [d for (d,) in rows]).tobytes()

    def close(self) -> None:
        self.db.close()


def _sorted(found: Iterable[int], store) -> Sequence[int]:
    """Sorted digests kept in `store` as one run (written BATCH at a time), or an array."""
    if store is None:
        return array("q", found)
    start, count, part = None, 0, array("q")
    for d in found:
        part.append(d)
        if len(part) == BATCH:
            start = _put(store, part, start, count)
            count, part = count + len(part), array("q")
    start = _put(store, part, start, count)
    return SortedDigests(store.file.fileno(), start if start is not None else 0, count + len(part))


def _put(store, part: array, start: int | None, count: int) -> int | None:
    if not part:
        return start
    ((at, _),) = store.put([part.tobytes()])
    if start is not None and at != start + 8 * count:
        raise AssertionError("the store was written to between two parts of one run")
    return at if start is None else start


class KnownElsewhere:
    """Titles some other dump of the import confirms (`in` only): a digest two dumps confirm,
    or one confirmed by a dump other than this one (`own`: this dump's digests)."""

    def __init__(self, index: dict, own: bytes):
        self.index, self.own = index, set(array("q", own))

    def __contains__(self, title: str) -> bool:
        d = title_digest(title)
        return _has(self.index["many"] if d in self.own else self.index["all"], d)
