"""Posts found in several dumps become one; every post gets a unique, stable slug."""
from __future__ import annotations

import difflib
import re


from ..post import Post, Source
from ..text import normalise_title, safe_slug, unique_slug
from .model import RawPost, unite

_WORD_RE = re.compile(r"\w+")
SAME_POST_OVERLAP = 0.6


def _words(post: RawPost) -> list[str]:
    return _WORD_RE.findall(" ".join(post.blocks).casefold())


def _shingles(words: list[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(words[i:i + n]) for i in range(max(1, len(words) - n + 1))}


def same_post(a: RawPost, b: RawPost) -> bool:
    """Same title, compatible dates and mostly the same words: one post seen twice.

    Words are compared as runs of five, or of the shorter copy's length when it has fewer
    (a teaser of three words is still a copy of the post it opens)."""
    if normalise_title(a.title) != normalise_title(b.title):
        return False
    if a.date and b.date and a.date != b.date:
        return False
    wa, wb = _words(a), _words(b)
    n = max(1, min(5, len(wa), len(wb)))
    sa, sb = _shingles(wa, n), _shingles(wb, n)
    return len(sa & sb) / max(1, min(len(sa), len(sb))) >= SAME_POST_OVERLAP


def group_duplicates(raws: list[RawPost]) -> list[list[RawPost]]:
    """Groups of copies of one post, in first-seen order (only same-titled posts are compared)."""
    by_title: dict[str, list[list[RawPost]]] = {}
    groups: list[list[RawPost]] = []
    for raw in raws:
        bucket = by_title.setdefault(normalise_title(raw.title), [])
        for group in bucket:
            if same_post(group[0], raw):
                group.append(raw)
                break
        else:
            bucket.append([raw])
            groups.append(bucket[-1])
    return groups


def merge_blocks(copies: list[list[str]]) -> list[str]:
    """The most complete body: the longest copy, plus any block only another copy has."""
    ordered = sorted(copies, key=lambda b: -sum(len(x.split()) for x in b))
    merged = list(ordered[0])
    for other in ordered[1:]:
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
    """Fields of one post from all its copies: categories united, comments the largest;
    body, date, title and author from the best origin (see ORIGIN_RANK)."""
    ranked = by_origin(group)
    dated = [r.date for r in ranked if r.date]
    complete = best_copies(group)
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
        body=("\n\n".join(merge_blocks([r.blocks for r in complete])) + "\n") if any(
            r.blocks for r in complete) else "",
        sources=tuple(_source(r) for r in sorted(group, key=lambda r: (r.dump, r.title_line))),
        archived_comments=tuple(max(threads, key=len)) if threads else (),
    )


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


def assign_slugs(fields: list[dict], wanted: list[str | None] | None = None) -> list[str]:
    """Unique slugs: the blog's own where a source gives one (these are claimed first, so old
    addresses keep working), else from the title; a collision gets -2, -3… in dump order."""
    wanted = wanted or [None] * len(fields)
    taken: set[str] = set()
    slugs: list[str | None] = [None] * len(fields)
    for claim_own in (True, False):
        for i, (f, own) in enumerate(zip(fields, wanted)):
            if slugs[i] is not None or (own is not None) != claim_own:
                continue
            slugs[i] = unique_slug(own or base_slug(f["title"]), taken)
    return slugs


def merge_posts(raws: list[RawPost]) -> tuple[list[Post], dict[tuple[str, int], str]]:
    """Final posts, and for each (dump, raw index) the slug it became."""
    groups = group_duplicates(raws)
    fields = [merge_group(g) for g in groups]
    slugs = assign_slugs(fields, [own_slug(g) for g in groups])
    posts = [Post(slug=s, **f) for s, f in zip(slugs, fields)]
    where = {(r.dump, r.index): s for g, s in zip(groups, slugs) for r in g}
    return posts, where
