"""Every post's unique, stable slug, and where each copy of a post went (`SlugMap`).

The blog's own slugs are claimed first, so old addresses keep their shape; a collision gets
-2, -3… in post order.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

from ..text import safe_slug, unique_slug
from .model import RawPost


def base_slug(title: str) -> str:
    """python-slugify of the title; never empty, never a reserved device name."""
    return safe_slug(title, "post")


def assign_slugs(bases: Sequence[str], wanted: list[str | None] | None = None) -> list[str]:
    """Unique slugs: the blog's own where a source gives one (these are claimed first, so old
    addresses keep working), else the title's (`bases`: base_slug of each post's title); a
    collision gets -2, -3… in dump order."""
    names = SlugClaims()
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


class SlugClaims:
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
