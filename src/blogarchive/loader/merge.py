"""Posts found in several dumps become one (copies found by duplicates.py, slugs given by
slugs.py).

A copy's Markdown blocks are read through `blocks_of(raw)`, so they may wait on disk (the
importer's BlockStore) until the post they belong to is written: `MergedPosts` builds each
post's body only when it is read.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from ..post import Post, Source
from .duplicates import Blocks, Groups, duplicate_groups, own_blocks, same_post_groups, title_key
from .merge_table import CopyTable, PostNames, TakenSlugs
from .model import RawPost, unite
from .slugs import SlugClaims, SlugMap, base_slug, given_slugs
from .stored import stored_ints, stored_list


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


def own_slug(group: list[RawPost]) -> str | None:
    """The blog's own slug, where a copy gives one (the WordPress export's first)."""
    return next((r.slug for r in by_origin(group) if r.slug), None)


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
            self.table, self.names, self.taken = None, SlugClaims(), set()
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
            for group in same_post_groups(self.raws, members, self.blocks_of):
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
