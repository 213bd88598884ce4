"""Posts found in several dumps become one; every post gets a unique, stable slug.

A copy's Markdown blocks are read through `blocks_of(raw)`, so they may wait on disk (the
importer's BlockStore) until the post they belong to is written: `MergedPosts` builds each
post's body only when it is read.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from ..post import Post, Source
from ..text import normalise_title, safe_slug, unique_slug
from .merge_table import CopyTable, PostNames, TakenSlugs
from .model import RawPost, unite
from .stored import stored_ints, stored_list

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


def group_duplicates(raws: list[RawPost], blocks_of: Blocks = own_blocks) -> list[list[RawPost]]:
    """Groups of copies of one post, in first-seen order (see duplicate_groups)."""
    return [[raws[k] for k in g] for g in duplicate_groups(raws, blocks_of)]


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
        groups += _same_posts(raws, order[start:end], blocks_of)
        start = end
    groups.sort(key=lambda g: g[0])
    return groups


def _same_posts(raws: Sequence[RawPost], members: list[int], blocks_of: Blocks) -> list[list[int]]:
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


def merge_blocks(copies: list[list[str]]) -> list[str]:
    """The most complete body: the longest copy, plus any block only another copy has."""
    if len(copies) == 1:
        return list(copies[0])
    ordered = sorted(copies, key=lambda b: -len(" ".join(b).split()))  # most words first
    merged = list(ordered[0])
    for other in ordered[1:]:
        if merged[: len(other)] == other:
            continue  # nothing only `other` has (what difflib would find, sooner)
        matcher = difflib.SequenceMatcher(a=merged, b=other, autojunk=False)
        result: list[str] = []
        for op, a1, a2, b1, b2 in matcher.get_opcodes():
            result.extend(merged[a1:a2])
            if op == "insert":
                result.extend(other[b1:b2])
        merged = result
    return merged


# Which copy wins for body, date, title and author when sources disagree (lower is better).
ORIGIN_RANK = {"wxr": 0, "html": 1, "text": 2}


def by_origin(group: list[RawPost]) -> list[RawPost]:
    """Copies in precedence order: WordPress export, then HTML page, then text dump."""
    return sorted(group, key=lambda r: ORIGIN_RANK.get(r.origin, len(ORIGIN_RANK)))


def best_copies(group: list[RawPost]) -> list[RawPost]:
    """The copies the body comes from: complete ones (not teasers) of the best origin."""
    complete = [r for r in group if not r.excerpt] or group
    best = min(ORIGIN_RANK.get(r.origin, len(ORIGIN_RANK)) for r in complete)
    return [r for r in complete if ORIGIN_RANK.get(r.origin, len(ORIGIN_RANK)) == best]


def merge_group(group: list[RawPost]) -> dict:
    """Fields of one post from all its copies but its body (`merge_body`): categories united,
    comments the largest; date, title and author from the best origin (see ORIGIN_RANK)."""
    ranked = by_origin(group)
    dated = [r.date for r in ranked if r.date]
    comments = [r.comments for r in group if r.comments is not None]
    categories = unite(c for raw in group for c in raw.categories)
    afters = [r.date_after for r in group if r.date_after]
    befores = [r.date_before for r in group if r.date_before]
    threads = [r.thread for r in ranked if r.thread]
    authors = [r.author for r in ranked if r.author]
    return dict(
        title=ranked[0].title,
        date=dated[0] if dated else None,
        date_after=None if dated or not afters else max(afters),
        date_before=None if dated or not befores else min(befores),
        categories=tuple(categories),
        tags=tuple(unite(t for raw in group for t in raw.tags)),
        author=authors[0] if authors else None,
        comments=max(comments) if comments else None,
        excerpt=all(r.excerpt for r in group),
        sources=tuple(_source(r) for r in sorted(group, key=lambda r: (r.dump, r.title_line))),
        archived_comments=tuple(max(threads, key=len)) if threads else (),
    )


def merge_body(group: list[RawPost], blocks_of: Blocks = own_blocks) -> str:
    """The post's Markdown: the best complete copies' blocks merged (see merge_blocks)."""
    copies = [blocks_of(r) for r in best_copies(group)]
    return "\n\n".join(merge_blocks(copies)) + "\n" if any(copies) else ""


def _source(raw: RawPost) -> Source:
    if raw.origin == "text":
        return Source(raw.dump, raw.title_line, raw.last_line)
    return Source(raw.dump, element=raw.element)


def base_slug(title: str) -> str:
    """python-slugify of the title; never empty, never a reserved device name."""
    return safe_slug(title, "post")


def own_slug(group: list[RawPost]) -> str | None:
    """The blog's own slug, where a copy gives one (the WordPress export's first)."""
    return next((r.slug for r in by_origin(group) if r.slug), None)


def assign_slugs(bases: Sequence[str], wanted: list[str | None] | None = None) -> list[str]:
    """Unique slugs: the blog's own where a source gives one (these are claimed first, so old
    addresses keep working), else the title's (`bases`: base_slug of each post's title); a
    collision gets -2, -3… in dump order."""
    names = _Names()
    for base, own in zip(bases, wanted or [None] * len(bases)):
        names.add(base, own)
    for i, slug in given_slugs(names.claims, set()):
        names.give(i, slug)
    return names.slugs()


def given_slugs(claims: Callable[[bool], Iterable[tuple[int, str]]], taken) -> Iterator:
    """(post, its unique slug) for every post: first those with the blog's own slug, then
    the others, each in post order (`claims(own)`: (post, the slug it asks for) of either);
    `taken` is the set of slugs given (text.unique_slug), perhaps on disk."""
    for own in (True, False):
        for i, asked in claims(own):
            yield i, unique_slug(asked, taken)


class MergedPosts(Sequence):
    """The final posts, in order; each one's body is merged from its copies when it is read
    (`headers` has every post with an empty body, for what needs no body)."""

    def __init__(self, headers: list[Post], build: Callable[[int], Post], undated: int):
        self.headers, self.build = headers, build
        self.undated = undated  # how many posts have no date

    def __len__(self) -> int:
        return len(self.headers)

    def __getitem__(self, k):
        if isinstance(k, slice):
            return [self.build(i) for i in range(len(self))[k]]
        return self.build(range(len(self))[k])

    def mapped(self, change: Callable[[Post], Post]) -> MergedPosts:
        """These posts, each passed through `change` when read."""
        return MergedPosts(self.headers, lambda k: change(self.build(k)), self.undated)


class SlugMap(Mapping):
    """(dump, raw index) -> the slug of the post that copy became, in a few bytes a copy:
    a dump's copies stand together in the merge's `raws`, in index order, so each one's post
    is kept by its place (`place`; `number`, an array or StoredInts, a copy's place -> its
    post's number); a copy standing elsewhere is kept by its key."""

    def __init__(self, size: int, number=None):
        self.number = array("q", [-1]) * size if number is None else number
        self.first: dict[str, int] = {}  # dump -> the place its copy 0 would stand at
        self.last: dict[str, int] = {}  # dump -> its last copy standing at its place
        self.odd: dict[tuple[str, int], int] = {}  # copies not where `first` says
        self.slugs: Sequence[str] = []  # post number -> slug (set once slugs are given)

    def place(self, raw: RawPost, k: int, number: int) -> None:
        """raws[k] (`raw`) became post `number`."""
        self.place_at(raw.dump, raw.index, k, number)

    def place_at(self, dump: str, index: int, k: int, number: int) -> None:
        """raws[k], copy `index` of `dump`, became post `number`."""
        if dump not in self.first:
            self.first[dump] = k - index
        if self.first[dump] == k - index:
            self.number[k] = number
            self.last[dump] = max(index, self.last.get(dump, index))
        else:
            self.odd[(dump, index)] = number

    def _number(self, key) -> int:
        if key in self.odd:
            return self.odd[key]
        dump, index = key
        if not 0 <= index <= self.last.get(dump, -1):
            raise KeyError(key)
        number = self.number[self.first[dump] + index]
        if number < 0:
            raise KeyError(key)
        return number

    def __getitem__(self, key) -> str:
        return self.slugs[self._number(key)]

    def __iter__(self):
        for dump, last in self.last.items():
            for index in range(last + 1):
                if (dump, index) not in self.odd and self.number[self.first[dump] + index] >= 0:
                    yield (dump, index)
        yield from self.odd

    def __len__(self) -> int:
        return sum(1 for _ in self)


@dataclass(frozen=True)
class Lone:
    """What the merge takes from a copy that turns out to have no other (most posts): its
    merged fields, base slug, own slug and place, found where the copy was cut (`lone`), so
    the merge need not read the copy, blocks and all, again."""

    fields: dict
    base: str
    own: str | None
    dump: str
    index: int


def lone(raw: RawPost) -> Lone:
    """A copy's Lone: what merge_posts makes of it when no other copy joins it."""
    return Lone(merge_group([raw]), base_slug(raw.title), raw.slug, raw.dump, raw.index)


def merge_posts(
    raws: Sequence[RawPost],
    blocks_of: Blocks = own_blocks,
    store=None,
    title_keys: Sequence[int] | None = None,
    lones: Sequence[Lone] | None = None,
) -> tuple[MergedPosts, SlugMap]:
    """Final posts, and for each (dump, raw index) the slug it became.  With a `store` (the
    loader's BlockStore), what is kept of every copy and post between the steps waits on
    disk (stored.py, merge_table.py), so only one post's copies are held at a time and
    memory does not grow with the posts (`title_keys`: see duplicate_groups; `lones`, each
    raw's Lone, spares reading the copies that have no other)."""
    kept = _Kept(raws, blocks_of, store, title_keys)
    fields, undated = stored_list(store), 0
    try:
        for number, group in enumerate(kept.found()):
            kept.groups.append(group)
            if lones is not None and len(group) == 1:
                one = lones[group[0]]
                merged, own, base = one.fields, one.own, one.base
                kept.where.place_at(one.dump, one.index, group[0], number)
            else:
                copies = [raws[k] for k in group]
                merged, own = merge_group(copies), own_slug(copies)
                base = base_slug(merged["title"])
                for k, raw in zip(group, copies):
                    kept.where.place(raw, k, number)
            fields.append(merged)
            kept.names.add(base, own)
            undated += merged["date"] is None
        slugs = kept.slugs()
        where, groups = kept.placed(slugs), kept.groups
    finally:
        kept.close()
    getattr(fields, "flush", lambda: None)()  # before readers are forked (StoredList)

    def build(k: int) -> Post:
        body = merge_body([raws[i] for i in groups[k]], blocks_of)
        return Post(slug=slugs[k], body=body, **fields[k])

    return MergedPosts(Headers(fields, slugs), build, undated), where


class _Kept:
    """What merge_posts keeps of every copy and post while it merges: in memory, or, with a
    store, on disk (merge_table's SQLite tables; stored.py's lists in the store)."""

    def __init__(self, raws, blocks_of: Blocks, store, title_keys):
        self.raws, self.blocks_of, self.store = raws, blocks_of, store
        self.groups = Groups(members=stored_ints(store), starts=stored_ints(store))
        if store is None:
            self.table, self.names, self.taken = None, _Names(), set()
            self.keys, self.where = title_keys, SlugMap(len(raws))
            return
        keys = title_keys if title_keys is not None else (title_key(r.title) for r in raws)
        self.table, self.names, self.taken = CopyTable(keys), PostNames(), TakenSlugs()
        self.where = SlugMap(len(raws), number=_Placing(self.table))

    def found(self) -> Iterator[list[int]]:
        """Groups of copies of one post, in first-seen order (see duplicate_groups)."""
        if self.table is None:
            yield from duplicate_groups(self.raws, self.blocks_of, self.keys)
            return
        for members in self.table.shared_keys():
            for group in _same_posts(self.raws, members, self.blocks_of):
                if len(group) > 1:
                    self.table.join(group)
        yield from self.table.groups()

    def slugs(self) -> Sequence[str]:
        """Each post's unique slug (see assign_slugs), in post order."""
        for i, slug in given_slugs(self.names.claims, self.taken):
            self.names.give(i, slug)
        slugs = stored_list(self.store)
        slugs.extend(self.names.slugs())
        getattr(slugs, "flush", lambda: None)()
        return slugs

    def placed(self, slugs: Sequence[str]) -> SlugMap:
        """The SlugMap, with the slugs, its numbers (on disk: in the table until now) where
        they will stay."""
        if self.table is not None:
            self.where.number = stored_ints(self.store)
            self.where.number.extend(self.table.posts())
        self.where.slugs = slugs
        return self.where

    def close(self) -> None:
        for keeper in (self.table, self.names, self.taken):
            getattr(keeper, "close", lambda: None)()


class _Placing:
    """SlugMap.number while merge_posts merges on disk: each copy's post goes to the table."""

    def __init__(self, table: CopyTable):
        self.table = table

    def __setitem__(self, k: int, post: int) -> None:
        self.table.place(k, post)


class _Names:
    """Each post's base and own slug, then its slug, in memory (merge_table.PostNames'
    interface)."""

    def __init__(self):
        self.bases: list[str] = []
        self.wanted: list[str | None] = []
        self.given: list[str | None] = []

    def add(self, base: str, own: str | None) -> None:
        self.bases.append(base)
        self.wanted.append(own)

    def claims(self, own: bool) -> Iterator[tuple[int, str]]:
        """(post, the slug it asks for) of the posts with an own slug, or of the others."""
        for i, (base, wanted) in enumerate(zip(self.bases, self.wanted)):
            if (wanted is not None) == own:
                yield i, wanted or base

    def give(self, post: int, slug: str) -> None:
        if not self.given:
            self.given = [None] * len(self.bases)
        self.given[post] = slug

    def slugs(self) -> list[str]:
        return self.given


class Headers(Sequence):
    """Each merged post without its body, made when read from its merged fields (stored
    once, perhaps on disk: a StoredList) and its slug."""

    def __init__(self, fields: Sequence[dict], slugs: list[str]):
        self.fields, self.slugs = fields, slugs

    def __len__(self) -> int:
        return len(self.slugs)

    def __getitem__(self, k):
        if isinstance(k, slice):
            return [self[i] for i in range(len(self))[k]]
        k = range(len(self))[k]
        return Post(slug=self.slugs[k], **self.fields[k])
