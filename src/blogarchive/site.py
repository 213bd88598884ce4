"""Grouping posts into pages, and every output path and URL rule (pure; one place only).

Paths are output-relative ("2015/08/25/slug/index.html"); links between pages are relative
(`relative_url`), so the site works from file://, any sub-path, and `serve`.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import ClassVar
from urllib.parse import urlsplit

from .post import Post
from .text import safe_slug, series_key, unique_slug

UNCATEGORIZED = "Uncategorized"
_NUMBERS = {
    "i": 1,
    "ii": 2,
    "iii": 3,
    "iv": 4,
    "v": 5,
    "vi": 6,
    "vii": 7,
    "viii": 8,
    "ix": 9,
    "x": 10,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
}
_NUMBER = r"\d+|[ivx]+|one|two|three|four|five|six|seven|eight|nine|ten"
_PART_RE = re.compile(
    rf"[\s:(,–-]*\(?\bpart\s+(?P<n>{_NUMBER})\b(?:\s+of\s+(?:{_NUMBER}))?\)?[\s:.,–-]*", re.I
)


def post_path(post: Post) -> str:
    """WordPress.com's shape: /2015/08/25/<slug>/; undated posts under /undated/<slug>/."""
    day = post.date
    if not day:
        return f"undated/{post.slug}/index.html"
    if day.year >= 1000:  # strftime's %Y, without its cost (a tenth of a post page's context)
        return f"{day.year}/{day.month:02d}/{day.day:02d}/{post.slug}/index.html"
    return f"{day:%Y/%m/%d}/{post.slug}/index.html"


def category_key(name: str) -> str:
    """A category's identity: 'Local democracy' and 'Local  Democracy' are one category."""
    return " ".join(name.casefold().split())


@functools.lru_cache(maxsize=None)
def category_slug(name: str) -> str:
    """The slug a category name asks for (`_terms` settles collisions): a valid folder
    name everywhere, never empty, never a Windows device name, at most 80 characters."""
    return safe_slug(name, "category")


@functools.lru_cache(maxsize=None)
def tag_slug(name: str) -> str:
    """The slug a tag name asks for, by the same rules as a category's."""
    return safe_slug(name, "tag")


SEARCH_PATH = "search/index.html"


def source_path(post: Post) -> str:
    """A post's source view sits beside it: 2015/08/25/<slug>/source/index.html."""
    return post_path(post)[: -len("index.html")] + "source/index.html"


def category_path(slug: str, page: int = 1) -> str:
    return paged(f"category/{slug}/", page)


def tag_path(slug: str, page: int = 1) -> str:
    """WordPress's shape: /tag/<slug>/, page N at /tag/<slug>/page/N/."""
    return paged(f"tag/{slug}/", page)


CATEGORIES_PATH = "category/index.html"
TAGS_PATH = "tag/index.html"
ARCHIVES_PATH = "archives/index.html"
UNDATED_PATH = "undated/index.html"
IMAGES_FOLDER = "images/"  # the project's images/, copied whole: the links import wrote
# (readers/links.py) lead here


def paged(folder: str, page: int) -> str:
    """index.html of a listing folder; page N at <folder>page/N/."""
    return f"{folder}index.html" if page == 1 else f"{folder}page/{page}/index.html"


def year_path(year: int) -> str:
    return f"{year:04d}/index.html"


def month_path(year: int, month: int) -> str:
    return f"{year:04d}/{month:02d}/index.html"


def relative_url(from_path: str, to_path: str) -> str:
    """A link from one output file to another, relative, so it works from disk and sub-paths.

    Paths here are always normalised, so plain string work does what posixpath.relpath does,
    at a tenth of the cost (relpath was a fifth of a 10,000-post build)."""
    if to_path.startswith("#"):
        return to_path
    here = from_path.split("/")[:-1]
    there = to_path.split("/")
    n = 0
    while n < len(here) and n < len(there) - 1 and here[n] == there[n]:
        n += 1
    return "../" * (len(here) - n) + "/".join(there[n:])


def rooted_url(base: str, path: str) -> str:
    """A link from the site root's path ('/blog/...'), for pages served at any depth (404.html)."""
    return absolute_url(urlsplit(base).path or "/", path)


def absolute_url(base: str, path: str) -> str:
    """Canonical URL: base_url plus the path, with 'index.html' dropped (pretty URL)."""
    if path.endswith("index.html"):
        path = path[: -len("index.html")]
    return base + path


def newest_first(posts: list[Post]) -> list[Post]:
    """Dated posts by date, undated ones by their upper bound; unbounded undated posts last."""
    return sorted(
        posts, key=lambda p: (p.sort_date is not None, p.sort_date or 0, p.slug), reverse=True
    )


@dataclass(frozen=True)
class Category:
    """A category: its name in the commonest spelling, its slug, its posts newest first."""

    name: str
    slug: str
    posts: tuple[Post, ...]
    kind: ClassVar[str] = "category"

    @property
    def folder(self) -> str:
        return f"{self.kind}/{self.slug}/"

    @property
    def path(self) -> str:
        return paged(self.folder, 1)


@dataclass(frozen=True)
class Tag(Category):
    """A tag: named, slugged and grouped like a category, at /tag/<slug>/."""

    kind: ClassVar[str] = "tag"


@dataclass(frozen=True)
class Month:
    year: int
    month: int
    posts: tuple[Post, ...]

    @property
    def path(self) -> str:
        return month_path(self.year, self.month)


@dataclass(frozen=True)
class Year:
    year: int
    months: tuple[Month, ...]
    posts: tuple[Post, ...]

    @property
    def path(self) -> str:
        return year_path(self.year)


@dataclass(frozen=True)
class Site:
    posts: tuple[Post, ...]  # newest first
    categories: tuple[Category, ...]  # by name
    years: tuple[Year, ...]  # newest first
    undated: tuple[Post, ...]
    category_of: dict = field(default_factory=dict)  # category_key(name) -> Category
    tags: tuple[Tag, ...] = ()  # by name
    tag_of: dict = field(default_factory=dict)  # category_key(name) -> Tag
    series: dict = field(default_factory=dict)  # slug -> tuple of posts in part order
    neighbours: dict = field(default_factory=dict)  # slug -> (newer, older)
    related: dict = field(default_factory=dict)  # slug -> slugs of related posts, best first
    by_slug: dict = field(default_factory=dict)  # slug -> post

    def categories_of(self, post: Post) -> list[Category]:
        """The post's categories (Uncategorized when it has none), in index order."""
        wanted = {
            self.category_of[category_key(c)].slug for c in post.categories or (UNCATEGORIZED,)
        }
        return [c for c in self.categories if c.slug in wanted]

    def tags_of(self, post: Post) -> list[Tag]:
        """The post's tags, in index order (none when it has none)."""
        wanted = {self.tag_of[category_key(t)].slug for t in post.tags}
        return [t for t in self.tags if t.slug in wanted]

    def nav(self) -> tuple[Link, ...]:
        return site_nav(bool(self.tags))

    def context(self, post: Post) -> PostContext:
        """Everything a post page shows besides the post, as small plain data (cacheable)."""
        newer, older = self.neighbours[post.slug]
        return PostContext(
            categories=group_links(self.categories_of(post)),
            tags=group_links(self.tags_of(post)),
            newer=_link(newer),
            older=_link(older),
            series=tuple(Link(p.title, post_path(p)) for p in self.series.get(post.slug, ())),
            related=tuple(
                Link(self.by_slug[s].title, post_path(self.by_slug[s]))
                for s in self.related.get(post.slug, ())
                if s in self.by_slug
            ),
        )


@dataclass(frozen=True)
class Link:
    label: str
    path: str  # output path; made relative by the page that shows it


def group_links(groups) -> tuple[Link, ...]:
    """Links to these categories' (or tags') pages."""
    return tuple(_group_link(g.name, g.path) for g in groups)


@functools.lru_cache(maxsize=4096)
def _group_link(name: str, path: str) -> Link:
    """One Link object for every page linking a category or tag: a batch of pages sent to a
    worker holds it once (pickle keeps one copy of an object), not once per listed post."""
    return Link(name, path)


def site_nav(tags: bool) -> tuple[Link, ...]:
    """The site's navigation, kept short: Tags only on a site where some post has a tag."""
    return tuple(
        Link(label, path)
        for label, path in (
            ("Home", "index.html"),
            ("Categories", CATEGORIES_PATH),
            *((("Tags", TAGS_PATH),) if tags else ()),
            ("Archives", ARCHIVES_PATH),
            ("Undated", UNDATED_PATH),
        )
    )


@dataclass(frozen=True)
class PostContext:
    """A post's neighbourhood: its categories and tags, newer/older posts and the parts of its
    series, related posts."""

    categories: tuple[Link, ...] = ()
    tags: tuple[Link, ...] = ()
    newer: Link | None = None
    older: Link | None = None
    series: tuple[Link, ...] = ()
    related: tuple[Link, ...] = ()


def _link(post: Post | None) -> Link | None:
    return Link(post.title, post_path(post)) if post else None


def group(posts: list[Post], related: dict[str, tuple[str, ...]] | None = None) -> Site:
    """Everything the templates loop over, computed once from the posts (and the slugs of
    each post's related posts, from related.py)."""
    ordered = tuple(newest_first(posts))
    by_slug = {p.slug: p for p in ordered}
    category_of = _terms(
        ordered, lambda p: p.categories or (UNCATEGORIZED,), Category, category_slug
    )
    tag_of = _terms(ordered, lambda p: p.tags, Tag, tag_slug)
    return Site(
        posts=ordered,
        categories=_by_name(category_of),
        category_of=category_of,
        tags=_by_name(tag_of),
        tag_of=tag_of,
        years=_years(ordered),
        undated=tuple(p for p in ordered if p.date is None),
        series=_series(ordered),
        neighbours=_neighbours(ordered),
        related=related or {},
        by_slug=by_slug,
    )


def _by_name(groups: dict) -> tuple:
    return tuple(sorted(groups.values(), key=lambda c: (c.name.casefold(), c.slug)))


def _terms(posts, names_of, kind: type[Category], slug_of) -> dict[str, Category]:
    """category_key -> Category (or Tag: `kind`), shown in the commonest spelling. Names that
    differ only in case and spacing are one; different names whose slugs collide ("C" and
    "C++" both slugify to "c") stay apart, the later key taking "c-2"; names that slugify to
    nothing or to a Windows device name ("???", "con") get a slug that is a valid folder."""
    members: dict[str, list[Post]] = {}
    uses: dict[str, int] = {}  # each spelling's count
    key_of: dict[str, str] = {}  # each spelling's category_key, worked out once
    for post in posts:
        keys = []
        for name in names_of(post):
            uses[name] = uses.get(name, 0) + 1
            key = key_of.get(name)
            if key is None:
                key = key_of[name] = category_key(name)
            if key not in keys:
                keys.append(key)
                members.setdefault(key, []).append(post)
    spellings: dict[str, list[str]] = {}
    for name, key in key_of.items():
        spellings.setdefault(key, []).append(name)
    out, taken = {}, set()
    for key in sorted(members):
        name = max(sorted(spellings[key]), key=uses.__getitem__)
        out[key] = kind(name, unique_slug(slug_of(name), taken), tuple(members[key]))
    return out


def _years(posts) -> tuple[Year, ...]:
    """Dated posts by year and month, newest first (undated posts have no month)."""
    by_month: dict[tuple[int, int], list[Post]] = {}
    for post in posts:
        if post.date:
            by_month.setdefault((post.date.year, post.date.month), []).append(post)
    years = []
    for year in sorted({y for y, _ in by_month}, reverse=True):
        months = tuple(
            Month(year, m, tuple(by_month[(year, m)]))
            for (y, m) in sorted(by_month, reverse=True)
            if y == year
        )
        years.append(Year(year, months, tuple(p for mo in months for p in mo.posts)))
    return tuple(years)


def part_of(title: str) -> tuple[str, int] | None:
    """("outsourcing reality", 2) for "Outsourcing reality (part II): the response"."""
    if "part" not in title.lower():  # the regex tries every position: 6x slower to say no
        return None
    m = _PART_RE.search(title)
    if not m:
        return None
    raw = m.group("n").lower()
    number = int(raw) if raw.isdigit() else _NUMBERS.get(raw)
    key = series_key(title[: m.start()]) or series_key(title[m.end() :])
    return (key, number) if key and number else None


def _series(posts) -> dict:
    """slug -> every part of its series in part order, for titles marking two or more parts."""
    groups: dict[str, list[tuple[int, Post]]] = {}
    for post in posts:
        part = part_of(post.title)
        if part:
            groups.setdefault(part[0], []).append((part[1], post))
    out = {}
    for members in groups.values():
        if len({n for n, _ in members}) > 1:
            ordered = tuple(p for _, p in sorted(members, key=lambda x: (x[0], x[1].slug)))
            out.update({p.slug: ordered for p in ordered})
    return out


def _neighbours(posts) -> dict:
    """Previous/next in date order: (newer, older) for each post."""
    return {
        p.slug: (posts[i - 1] if i > 0 else None, posts[i + 1] if i + 1 < len(posts) else None)
        for i, p in enumerate(posts)
    }


def pages(items: tuple, per_page: int) -> list[tuple]:
    """Split a listing into pages (at least one page, even when empty)."""
    return [items[i : i + per_page] for i in range(0, len(items), per_page)] or [()]
