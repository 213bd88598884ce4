"""Related posts kept between builds: after an edit, only what the edit can reach is redone.

`related.related_from_terms` computes every post's related posts from scratch, which at
10,000 posts costs seconds. A `RelatedIndex` keeps what that computation goes through
(each post's key and categories, the words' document frequencies, every signature and
who holds each word; the terms themselves are the digests', not kept twice) and, given the
posts again, recomputes only:

- the document frequency of the words that entered or left an edited post's terms;
- the signatures of the posts holding one of those words whose weight moved with it (its
  inverse document frequency is rounded: related.idf), and of the edited posts;
- the postings of the words in a signature that changed;
- the related posts of every post whose signature holds a word whose postings changed,
  whose own signature changed, or that can meet a post whose categories changed.

Everything else is provably what it was, so the result is exactly the full computation's
(tests/test_related_index.py checks this on random edits). Adding or removing a post changes
every inverse document frequency, so it recomputes everything.
"""

from __future__ import annotations

import heapq
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Iterable, Sequence

from .related import (
    POSTING_CAP,
    PostTerms,
    _best,
    _holders,
    _postings,
    _signature,
    idf,
    unpack_terms,
)
from .site import category_key

VERSION = 4  # of the fields below: a cached index of another version is not used


@dataclass
class RelatedIndex:
    """Every post's related posts (`results`) and what they were computed through."""

    limit: int = 5
    keys: dict[str, str] = field(default_factory=dict)  # slug -> PostTerms.key
    terms: dict[str, str] | None = field(default_factory=dict)  # slug -> packed (not pickled)
    categories: dict[str, tuple] = field(default_factory=dict)  # slug -> categories as given
    cats: dict[str, frozenset] = field(default_factory=dict)  # slug -> category keys
    df: Counter = field(default_factory=Counter)  # word -> posts whose terms hold it
    sigs: dict[str, dict[str, float]] = field(default_factory=dict)
    holders: dict[str, dict[str, float]] = field(default_factory=dict)
    results: dict[str, tuple[str, ...]] = field(default_factory=dict)
    postings: dict = field(default_factory=dict, repr=False)  # word -> _postings, on demand
    version: int = VERSION

    @classmethod
    def compute(cls, items: Sequence[PostTerms], limit: int = 5) -> RelatedIndex:
        """The whole computation (related_from_terms), keeping its workings. The posts' terms
        are unpacked one post at a time, twice (for the document frequencies, then for the
        signatures), never all at once: at 50,000 posts, every post's terms as dicts cost
        the build process 300 MB, most of it never given back."""
        if limit < 0:
            raise ValueError(f"related_posts: limit must be 0 or more, got {limit}")
        ordered = _in_slug_order(items)
        df: Counter = Counter()
        for item in ordered:
            df.update(dict(_unpacked(item.terms)).keys())
        known: dict[str, float] = {}
        n = len(ordered)
        sigs = {i.slug: _signature(dict(_unpacked(i.terms)), df, n, known) for i in ordered}
        shared: dict = {}  # equal categories held once (and pickled once)
        state = cls(
            limit,
            {item.slug: item.key for item in items},
            {item.slug: _packed(item.terms) for item in items},
            {item.slug: _one(shared, tuple(item.categories)) for item in items},
            {item.slug: _category_keys(shared, item.categories) for item in ordered},
            df,
            sigs,
            _holders(sigs),
        )
        state.postings = {word: _postings(holders) for word, holders in state.holders.items()}
        index, cats = state.postings, state.cats
        state.results = {i.slug: _best(i.slug, sigs, index, cats, limit) for i in ordered}
        return state

    def update(
        self, items: Sequence[PostTerms], terms_of: Callable[[str], str | None] = lambda k: None
    ) -> frozenset[str] | None:
        """Bring the results up to date with `items`; the slugs whose related posts changed,
        or None when every post's may have (a post added or removed: all recomputed). The
        terms of a post as they were are found by its old key through `terms_of` (packed),
        unless they are still in memory."""
        terms = {item.slug: _packed(item.terms) for item in items}
        keys = {item.slug: item.key for item in items}
        old = self._old_terms(terms, keys, terms_of)
        if old is None:
            fresh = RelatedIndex.compute(items, self.limit)
            self.__dict__.update(fresh.__dict__)
            return None
        categories = {item.slug: tuple(item.categories) for item in items}
        edited = [s for s, packed in old.items() if terms[s] != packed]
        recategorised = [s for s in terms if categories[s] != self.categories[s]]
        self.keys = keys
        if not edited and not recategorised:
            self.terms = terms
            return frozenset()
        reweighed = self._count(edited, old, terms)
        self.terms, self.categories = terms, categories
        resign = set(edited) | self._holding(reweighed)
        for slug in recategorised:
            self.cats[slug] = _category_keys({}, categories[slug])
        before, resigned = self._resign(resign, len(terms))
        rerank = self._repost(before) | resigned  # a new signature asks a new question
        for slug in recategorised:  # its bonus with every post that can meet it changed
            rerank.add(slug)
            for word in self.sigs[slug]:
                rerank |= self.holders[word].keys()
        return self._rerank(rerank)

    def _old_terms(
        self, terms: dict[str, str], keys: dict[str, str], terms_of: Callable[[str], str | None]
    ) -> dict[str, str] | None:
        """The terms, as they were, of every post whose terms may have changed (all of them
        when they are in memory); None if a post was added or removed, or some are lost."""
        if len(terms) != len(keys) or keys.keys() != self.keys.keys():
            return None
        if self.terms is not None:
            return self.terms
        old = {}
        for slug, key in keys.items():
            if key != self.keys[slug] or not key:
                found = terms_of(self.keys[slug])
                if found is None:
                    return None
                old[slug] = found
        return old

    def __getstate__(self) -> dict:
        """Pickled without the terms, which the build's digests hold."""
        return {**self.__dict__, "terms": None}

    def _count(
        self, edited: Iterable[str], before: dict[str, str], terms: dict[str, str]
    ) -> set[str]:
        """Move the document frequencies from the edited posts' old terms to their new ones;
        the words whose weight in a signature changed with them (their rounded inverse
        document frequency, or whether another post holds them: _weight)."""
        was: dict[str, int] = {}
        for slug in edited:
            old, new = _words(before[slug]), _words(terms[slug])
            for word in old ^ new:
                was.setdefault(word, self.df[word])
            for word in old - new:
                self.df[word] -= 1
                if not self.df[word]:
                    del self.df[word]
            for word in new - old:
                self.df[word] += 1
        n = len(terms)
        return {w for w, df in was.items() if _weight(df, n) != _weight(self.df.get(w, 0), n)}

    def _holding(self, words: set[str]) -> set[str]:
        """The posts whose (new) terms hold one of these words."""
        if not words:
            return set()
        pattern = re.compile(
            "(?:^| )(?:" + "|".join(map(re.escape, sorted(words))) + "):", re.MULTILINE
        )
        return {slug for slug, packed in self.terms.items() if pattern.search(packed)}

    def _resign(
        self, slugs: set[str], n: int
    ) -> tuple[dict[str, tuple[tuple, set[str]]], set[str]]:
        """Recompute these posts' signatures; for every word whose holders changed, its
        postings as they were and the posts whose weight for it changed; and the posts whose
        signature changed."""
        before: dict[str, tuple[tuple, set[str]]] = {}
        resigned = set()
        for slug in sorted(slugs):
            sig = _signature(dict(unpack_terms(self.terms[slug])), self.df, n)
            old = self.sigs[slug]
            if sig == old:
                continue
            resigned.add(slug)
            for word in old.keys() | sig.keys():
                if old.get(word) == sig.get(word):
                    continue
                if word not in before:
                    postings = self._postings(word) if word in self.holders else ()
                    before[word] = (postings, set())
                before[word][1].add(slug)
            for word in old:
                del self.holders[word][slug]
                if not self.holders[word]:
                    del self.holders[word]
            for word, weight in sig.items():
                self.holders.setdefault(word, {})[slug] = weight
            self.sigs[slug] = sig
        return before, resigned

    def _repost(self, before: dict[str, tuple[tuple, set[str]]]) -> set[str]:
        """The posts that can see a change in these words' postings (`before`: as they were,
        and who moved): every holder of a word whose postings changed, and every post that
        left them."""
        reach = set()
        for word, (old, moved) in before.items():
            new = self._moved_postings(word, old, moved)
            if new != old:
                reach |= self.holders.get(word, {}).keys()
                reach |= {slug for _, slug in old}
        return reach

    def _moved_postings(self, word: str, old: tuple, moved: set[str]) -> tuple:
        """A word's postings after the weights of `moved` changed: when none of them was in
        the old postings and these were full, the old ones with any that now rank higher
        merged in; else made anew."""
        holders = self.holders.get(word)
        if not holders:
            self.postings.pop(word, None)
            return ()
        if len(old) == POSTING_CAP and not moved & {slug for _, slug in old}:
            merged = list(old) + [(holders[s], s) for s in moved if s in holders]
            new = tuple(heapq.nsmallest(POSTING_CAP, merged, key=lambda p: (-p[0], p[1])))
        else:
            new = _postings(holders)
        self.postings[word] = new
        return new

    def _rerank(self, slugs: set[str]) -> frozenset[str]:
        changed = set()
        for slug in slugs:
            best = self._rank(slug)
            if best != self.results.get(slug):
                self.results[slug] = best
                changed.add(slug)
        return frozenset(changed)

    def _rank(self, slug: str) -> tuple[str, ...]:
        return _best(slug, self.sigs, _LazyIndex(self), self.cats, self.limit)

    def _postings(self, word: str) -> tuple[tuple[float, str], ...]:
        found = self.postings.get(word)
        if found is None:
            found = self.postings[word] = _postings(self.holders[word])
        return found


class _LazyIndex:
    """index[word] for related._best, made from the holders the first time it is asked."""

    def __init__(self, owner: RelatedIndex):
        self.owner = owner

    def __getitem__(self, word: str) -> tuple[tuple[float, str], ...]:
        return self.owner._postings(word)


def _weight(df: int, n: int) -> float | None:
    """What a word's document frequency makes of its weight in a signature: its rounded inverse
    document frequency, or None when no other post holds it (it is in no signature)."""
    return idf(df, n) if df > 1 else None


def _in_slug_order(items: Sequence[PostTerms]) -> list[PostTerms]:
    """The items sorted by slug, so nothing depends on the input order; ValueError if two
    share a slug."""
    ordered = sorted(items, key=lambda item: item.slug)
    for a, b in zip(ordered, ordered[1:]):
        if a.slug == b.slug:
            raise ValueError(f"related_posts: two posts share the slug {a.slug!r}")
    return ordered


def _one(shared: dict, value):
    """The value equal to `value` that `shared` already holds, else `value`, now held."""
    return shared.setdefault(value, value)


def _category_keys(shared: dict, categories: Sequence[str]) -> frozenset:
    """The keys of these categories (site.category_key), one object per distinct set."""
    keys = frozenset(category_key(c) for c in categories)
    return _one(shared, keys)


def _unpacked(terms: tuple | str) -> tuple:
    return unpack_terms(terms) if isinstance(terms, str) else terms


def _packed(terms: tuple | str) -> str:
    if isinstance(terms, str):
        return terms
    return " ".join(f"{word}:{count}" for word, count in terms)


def _words(packed: str) -> set[str]:
    return {word for word, _ in unpack_terms(packed)}
