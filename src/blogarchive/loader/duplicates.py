"""Which posts found are copies of one post: same title, compatible dates, mostly the same
words.  Copies are compared one title at a time (`duplicate_groups`), so only that title's
copies, and their words, are held; `Groups` keeps the groups found as numbers.
"""

from __future__ import annotations

import hashlib
import re
from array import array
from collections.abc import Callable, Iterable, Sequence

from ..text import normalise_title
from .model import RawPost

_WORD_RE = re.compile(r"\w+")
SAME_POST_OVERLAP = 0.6


Blocks = Callable[[RawPost], list[str]]


def own_blocks(raw: RawPost) -> list[str]:
    return raw.blocks


def _words(post: RawPost, blocks_of: Blocks = own_blocks) -> list[str]:
    return _WORD_RE.findall(" ".join(blocks_of(post)).casefold())


def _shingles(words: list[str], n: int) -> set[tuple[str, ...]]:
    """Every run of n words (all the words, when there are fewer)."""
    if len(words) < n:
        return {tuple(words)}
    return set(zip(*(words[i:] for i in range(n))))


class _Shingles:
    """Each copy's blocks, words and word runs, read or computed once however often the copy
    is compared."""

    def __init__(self, blocks_of: Blocks):
        self.read, self.blocks, self.words, self.runs = blocks_of, {}, {}, {}

    def blocks_of(self, raw: RawPost) -> list[str]:
        if id(raw) not in self.blocks:
            self.blocks[id(raw)] = self.read(raw)
        return self.blocks[id(raw)]

    def words_of(self, raw: RawPost) -> list[str]:
        if id(raw) not in self.words:
            self.words[id(raw)] = _words(raw, self.blocks_of)
        return self.words[id(raw)]

    def has_words(self, raw: RawPost) -> bool:
        """Whether the copy holds a word (found without listing them all: block by block, as
        no word runs across the spaces `_words` joins them with)."""
        if id(raw) in self.words:
            return bool(self.words[id(raw)])
        return any(_WORD_RE.search(block.casefold()) for block in self.blocks_of(raw))

    def runs_of(self, raw: RawPost, n: int) -> set[tuple[str, ...]]:
        if (id(raw), n) not in self.runs:
            self.runs[(id(raw), n)] = _shingles(self.words_of(raw), n)
        return self.runs[(id(raw), n)]


def same_post(a: RawPost, b: RawPost, seen: _Shingles | None = None) -> bool:
    """Same title, compatible dates and mostly the same words: one post seen twice.

    Words are compared as runs of five, or of the shorter copy's length when it has fewer
    (a teaser of three words is still a copy of the post it opens)."""
    if normalise_title(a.title) != normalise_title(b.title):
        return False
    if a.date and b.date and a.date != b.date:
        return False
    seen = seen or _Shingles(own_blocks)
    if _copy_of_start(seen.blocks_of(a), seen.blocks_of(b)) and seen.has_words(
        a if len(seen.blocks_of(a)) <= len(seen.blocks_of(b)) else b
    ):
        return True  # one copy opens the other: every run of its words is in the other
    n = max(1, min(5, len(seen.words_of(a)), len(seen.words_of(b))))
    sa, sb = seen.runs_of(a, n), seen.runs_of(b, n)
    return len(sa & sb) / max(1, min(len(sa), len(sb))) >= SAME_POST_OVERLAP


def _copy_of_start(a: list[str], b: list[str]) -> bool:
    """One list of blocks begins the other (a teaser, or the same post twice)."""
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    return long[: len(short)] == short


def title_key(title: str) -> int:
    """A 64-bit number that copies of one post share (a hash of its normalise_title): what
    duplicate_groups sorts posts by, 8 bytes a post where the title itself took a hundred."""
    digest = hashlib.blake2b(normalise_title(title).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


def duplicate_groups(
    raws: Sequence[RawPost], blocks_of: Blocks = own_blocks, title_keys: Sequence[int] | None = None
) -> list[list[int]]:
    """Groups of copies of one post, as indexes into `raws`, in first-seen order (only
    same-titled posts are compared, one title at a time, so only that title's copies, and
    their words, are held: `raws` may read each from disk when looked up).  `title_keys`,
    if given, is each raw's title_key (then only posts sharing one are read; two titles
    sharing a key are still told apart, as same_post compares the titles first)."""
    if title_keys is None:
        title_keys = [title_key(raw.title) for raw in raws]
    order = sorted(range(len(title_keys)), key=title_keys.__getitem__)  # stable: k ascending
    groups: list[list[int]] = []
    start = 0
    while start < len(order):
        end = start + 1
        while end < len(order) and title_keys[order[end]] == title_keys[order[start]]:
            end += 1
        groups += same_post_groups(raws, order[start:end], blocks_of)
        start = end
    groups.sort(key=lambda g: g[0])
    return groups


def same_post_groups(
    raws: Sequence[RawPost], members: list[int], blocks_of: Blocks
) -> list[list[int]]:
    """Posts `members` (one title key, in order) grouped into copies of one post."""
    if len(members) == 1:
        return [members]
    copies = {k: raws[k] for k in members}  # each read once: _Shingles knows them by id
    seen, bucket = _Shingles(blocks_of), []
    for k in members:
        for group in bucket:
            if same_post(copies[group[0]], copies[k], seen):
                group.append(k)
                break
        else:
            bucket.append([k])
    return bucket


class Groups(Sequence):
    """Groups of indexes (duplicate_groups') in two sequences of numbers, 8 bytes an index
    and a group (arrays, or StoredInts waiting in a store), where a list of lists took about
    a hundred."""

    def __init__(self, groups: Iterable[list[int]] = (), members=None, starts=None):
        self.members = array("q") if members is None else members
        self.starts = array("q") if starts is None else starts
        self.starts.append(0)
        self.end = 0
        for g in groups:
            self.append(g)

    def append(self, group: list[int]) -> None:
        self.members.extend(group)
        self.end += len(group)
        self.starts.append(self.end)

    def __len__(self) -> int:
        return len(self.starts) - 1

    def __getitem__(self, k: int) -> list[int]:
        k = range(len(self))[k]
        start, stop = self.starts[k], self.starts[k + 1]
        return list(self.members[start:stop])
