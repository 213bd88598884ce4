"""Every output file planned as data: pages and feeds, each a frozen record of what it is
made from, so any worker can render it and its key says whether last build's file will do.

Nothing here renders: `plan_pages` and `feed_jobs` are pure functions of the grouped site.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, ClassVar, Iterator, Mapping

from markupsafe import Markup

from .. import site as S
from ..chart import SHORT_MONTHS, activity_svg, activity_table, month_bars
from ..config import Config
from ..feed import FeedInfo, has_atom_entries
from ..markdown_safe import has_highlighting
from ..post import Post
from ..text import plural
from ..views import entry_view, format_date, pager_view, post_view
from .digest import Digest
from .keys import content_key

HtmlOf = Callable[[str], str]  # a post's HTML by its digest key


@dataclass(frozen=True)
class FeedLink:
    """A feed set a page links to: RSS, JSON Feed and, where a post there is dated (else no
    Atom feed is written), Atom, of the posts in `folder`."""

    label: str
    folder: str
    atom: bool = True


def published(posts) -> tuple[Post, ...]:
    """The posts not marked draft: what feeds show, whether or not the site shows drafts."""
    return tuple(p for p in posts if not p.draft)


def has_atom_feed(posts) -> bool:
    """Does the Atom feed of these posts have an entry (a published post with a date)?
    Stops at the first: a listing's feed links are worked out for every page planned."""
    return has_atom_entries(p for p in posts if not p.draft)


def output_key(planned, salt: str) -> str:
    """The key of a planned page or feed: everything it is made from, with the build's salt."""
    text = planned.key_text() if isinstance(planned, FeedJob) else repr(planned)
    return content_key(salt + text)


@dataclass(frozen=True)
class PostPage:
    """A post's page: its entry, neighbours, series, related posts and sources (with a link
    to its source view when the dumps are at hand); the body comes at render time."""

    path: str
    source: str
    title: str
    digest_key: str
    links: S.PostContext
    has_source: bool
    feeds: tuple[FeedLink, ...] = ()
    nav: tuple[S.Link, ...] = S.site_nav(False)
    template: ClassVar[str] = "post.html"
    rooted: ClassVar[bool] = False

    def context(self, digests: Mapping[str, Digest], html_of: HtmlOf, config: Config) -> dict:
        ctx = post_view(digests[self.digest_key], self.links, config, self.has_source)
        body = html_of(self.digest_key)
        ctx["body"], ctx["highlight"] = Markup(body), has_highlighting(body)
        return ctx


@dataclass(frozen=True)
class ListEntry:
    """All a listing shows of a post: its digest and its category and tag links."""

    digest_key: str
    categories: tuple[S.Link, ...]
    tags: tuple[S.Link, ...] = ()


@dataclass(frozen=True)
class ListPage:
    """Page `number` of `count` of a paginated list of posts in `folder`."""

    path: str
    source: str
    title: str
    intro: str
    heading: str
    entries: tuple[ListEntry, ...]
    folder: str
    number: int
    count: int
    show_source: bool = False
    feeds: tuple[FeedLink, ...] = ()
    nav: tuple[S.Link, ...] = S.site_nav(False)
    template: ClassVar[str] = "list.html"
    rooted: ClassVar[bool] = False

    def context(self, digests: Mapping[str, Digest], html_of: HtmlOf, config: Config) -> dict:
        return {
            "intro": self.intro,
            "heading": self.heading,
            "show_source": self.show_source,
            "entries": [
                entry_view(digests[e.digest_key], e.categories, self.path, config, tags=e.tags)
                for e in self.entries
            ],
            "pager": pager_view(self.folder, self.number, self.count),
        }


@dataclass(frozen=True)
class PlainPage:
    """A page whose template context is planned whole (indexes, source views, search, 404)."""

    path: str
    source: str
    template: str
    title: str
    values: Mapping
    rooted: bool = False
    feeds: tuple[FeedLink, ...] = ()
    nav: tuple[S.Link, ...] = S.site_nav(False)

    def context(self, digests: Mapping[str, Digest], html_of: HtmlOf, config: Config) -> dict:
        return dict(self.values)


Page = PostPage | ListPage | PlainPage


@dataclass(frozen=True)
class FeedEntry:
    """One feed entry: the post's header, its absolute URL, and the key of its HTML."""

    post: Post
    url: str
    html_key: str

    @functools.cached_property
    def key_line(self) -> str:
        """What names it in its feeds' keys: its URL and the key of its post file, which
        holds all the rest."""
        return f"\n{self.url} {self.html_key}"


@dataclass(frozen=True)
class FeedJob:
    """One feed file: RSS, Atom or JSON Feed of the site, of a category or of a tag."""

    path: str
    source: str
    kind: str  # "rss", "atom" or "json"
    info: FeedInfo
    entries: tuple[FeedEntry, ...]

    def key_text(self) -> str:
        """What its key is made from: an entry is named by its URL and the key of its post
        file, which holds all the rest (repr of 1,000 entries' headers took 0.2 s)."""
        head = repr((self.path, self.source, self.kind, self.info))
        return head + "".join([e.key_line for e in self.entries])


@dataclass(frozen=True)
class ImageJob:
    """One file of the project's images folder, copied into the site's images/ as it is."""

    path: str  # images/<its path in the folder>
    source: str
    file: str  # the file to copy
    key: str  # its content key: a changed image is copied again


def image_jobs(folder: Path | None, keys: Mapping[str, str]) -> list[ImageJob]:
    """Every image to copy, by its path in the folder and content key (keys.image_keys)."""
    return (
        [
            ImageJob(S.IMAGES_FOLDER + rel, f"image {rel}", str(folder / rel), key)
            for rel, key in keys.items()
        ]
        if folder
        else []
    )


def plan_pages(
    site: S.Site,
    digests: dict[str, Digest],
    config: Config,
    views: dict | None = None,
    search: bool = False,
    only: frozenset[str] | None = None,
) -> Iterator[Page]:
    """Every HTML page of the site, in a fixed order: posts, source views, listings,
    indexes, search, 404. `views` holds the source views of the posts whose dumps are here.
    Every page has the site's navigation and links the site's feeds first, then its own (a
    category's or a tag's).

    With `only` (slugs), just the pages showing something of those posts besides their
    headers (their own pages, the listing pages they are on): when only their text changed,
    every other page is what the last build planned."""
    yield from post_pages(site, digests, views, only)
    yield from other_pages(site, digests, config, views, search, only)


def post_pages(
    site: S.Site,
    digests: dict[str, Digest],
    views: dict | None = None,
    only: frozenset[str] | None = None,
) -> Iterator[Page]:
    """The first part of plan_pages, the posts' own pages: the only ones showing related
    posts (site.related)."""
    posts = site.posts if only is None else [p for p in site.posts if p.slug in only]
    return _with_nav(site, _post_pages(site, digests, posts, views or {}))


def other_pages(
    site: S.Site,
    digests: dict[str, Digest],
    config: Config,
    views: dict | None = None,
    search: bool = False,
    only: frozenset[str] | None = None,
) -> Iterator[Page]:
    """The rest of plan_pages: source views, listings, indexes, search and 404, none of which
    shows related posts."""
    return _with_nav(site, _other_pages(site, digests, config, views or {}, search, only))


def _with_nav(site: S.Site, pages: Iterator[Page]) -> Iterator[Page]:
    """Each page with the site's navigation, linking the site's feeds before its own."""
    site_feed = FeedLink("All posts", "", has_atom_feed(site.posts))
    nav = site.nav()
    for page in pages:
        yield dataclasses.replace(page, feeds=(site_feed, *page.feeds), nav=nav)


def _post_pages(site: S.Site, digests: dict[str, Digest], posts, views: dict) -> Iterator[Page]:
    for post in posts:
        d = digests[post.slug]
        yield PostPage(
            S.post_path(post),
            f"post {post.slug!r}",
            post.title,
            d.key,
            site.context(post),
            post.slug in views,
        )


def _other_pages(
    site: S.Site,
    digests: dict[str, Digest],
    config: Config,
    views: dict,
    search: bool,
    only: frozenset[str] | None,
) -> Iterator[Page]:
    for post in site.posts:
        if post.slug in views and (only is None or post.slug in only):
            yield source_page(post, views[post.slug])
    yield from _listings(site, _Lister(site, digests, config, only), config)
    if only is not None:
        return
    yield categories_page(site)
    if site.tags:
        yield tags_page(site)
    yield archives_page(site)
    if search:
        yield PlainPage(S.SEARCH_PATH, "search page", "search.html", "Search", {})
    yield PlainPage("404.html", "404 page", "404.html", "Page not found", {}, rooted=True)


def source_page(post: Post, view) -> PlainPage:
    """A post's source view (provenance.SourceView), linked back to the post."""
    path = S.source_path(post)
    return PlainPage(
        path,
        f"source view of {post.slug!r}",
        "source.html",
        f"Source of {post.title}",
        {"view": view, "post_url": S.relative_url(path, S.post_path(post))},
    )


def _listings(site: S.Site, lister: _Lister, config: Config) -> Iterator[ListPage]:
    """Home, category, tag, year, month and undated listings, each paginated."""
    yield from lister.listing(
        site.posts, "", config.title, "Newest first.", source="home page", heading="All posts"
    )
    for cat in filter(lister.shows_any, site.categories):
        yield from lister.listing(
            cat.posts,
            cat.folder,
            f"Category: {cat.name}",
            f"{_count(cat.posts)} filed under {cat.name}.",
            feeds=(FeedLink(cat.name, cat.folder, has_atom_feed(cat.posts)),),
            source=f"category {cat.name!r}",
        )
    for tag in filter(lister.shows_any, site.tags):
        yield from lister.listing(
            tag.posts,
            tag.folder,
            f"Tag: {tag.name}",
            f"{_count(tag.posts)} tagged {tag.name}.",
            feeds=(FeedLink(tag_label(tag), tag.folder, has_atom_feed(tag.posts)),),
            source=f"tag {tag.name!r}",
        )
    for year in filter(lister.shows_any, site.years):
        yield from lister.listing(
            year.posts,
            f"{year.year:04d}/",
            f"Posts from {year.year}",
            f"{_count(year.posts)} from {year.year}.",
            source=f"year {year.year}",
        )
        for month in filter(lister.shows_any, year.months):
            name = format_date(month.posts[0].date, "%B %Y")
            yield from lister.listing(
                month.posts,
                f"{month.year:04d}/{month.month:02d}/",
                f"Posts from {name}",
                f"{_count(month.posts)} from {name}.",
                source=f"month {name}",
            )
    yield from lister.listing(
        site.undated,
        "undated/",
        "Undated posts",
        "Posts the archive gives no date for, with the dates they must lie "
        "between (or, when nothing is known, where they were found).",
        source="undated posts",
        show_source=True,
    )


def _count(posts) -> str:
    return plural(len(posts), "post")


def tag_label(tag: S.Tag) -> str:
    """What a tag's feeds are called: 'posts tagged leeks'."""
    return f"posts tagged {tag.name}"


class _Lister:
    """Paginated lists of posts: <folder>index.html, then <folder>page/N/index.html (with
    `only`, just the pages listing one of those slugs)."""

    def __init__(
        self,
        site: S.Site,
        digests: dict[str, Digest],
        config: Config,
        only: frozenset[str] | None = None,
    ):
        self.site, self.digests, self.config, self.only = site, digests, config, only
        self.entries: dict[str, ListEntry] = {}
        # the `only` posts by identity: every list holds the very Post objects of the site's
        self.ids = None
        if only is not None:
            self.ids = {id(p) for p in (*site.posts, *site.undated) if p.slug in only}

    def shows_any(self, group) -> bool:
        """Does the group's list show one of the `only` posts (any post, without `only`)?"""
        return self.ids is None or not self.ids.isdisjoint(map(id, group.posts))

    def entry(self, post: Post) -> ListEntry:
        if post.slug not in self.entries:
            cats = S.group_links(self.site.categories_of(post))
            tags = S.group_links(self.site.tags_of(post))
            self.entries[post.slug] = ListEntry(self.digests[post.slug].key, cats, tags)
        return self.entries[post.slug]

    def listing(
        self, posts, folder: str, title: str, intro: str, source: str, **more
    ) -> Iterator[ListPage]:
        """The pages of one list; `more` may give feeds, show_source and heading."""
        per_page = self.config.posts_per_page
        chunks = S.pages(tuple(posts), per_page)
        heading = more.pop("heading", "") or title
        numbers = range(1, len(chunks) + 1)
        if self.ids is not None:
            ids = self.ids
            numbers = sorted({i // per_page + 1 for i, p in enumerate(posts) if id(p) in ids})
        for n in numbers:
            chunk = chunks[n - 1]
            yield ListPage(
                S.paged(folder, n),
                f"{source}, page {n}",
                title if n == 1 else f"{title} (page {n} of {len(chunks)})",
                intro,
                heading,
                tuple(self.entry(p) for p in chunk),
                folder,
                n,
                len(chunks),
                **more,
            )


def categories_page(site: S.Site) -> PlainPage:
    """The categories index with a post count for each."""
    path = S.CATEGORIES_PATH
    return PlainPage(
        path,
        "categories index",
        "categories.html",
        "Categories",
        {"categories": _counts(path, site.categories)},
    )


def tags_page(site: S.Site) -> PlainPage:
    """The tags index with a post count for each (only on a site where some post has one)."""
    path = S.TAGS_PATH
    return PlainPage(path, "tags index", "tags.html", "Tags", {"tags": _counts(path, site.tags)})


def _counts(path: str, groups) -> list[dict]:
    return [
        {"name": g.name, "url": S.relative_url(path, g.path), "count": len(g.posts)} for g in groups
    ]


def archives_page(site: S.Site) -> PlainPage:
    """Every year and month with its count, and the undated posts."""
    path = S.ARCHIVES_PATH
    years = [
        {
            "year": y.year,
            "url": S.relative_url(path, y.path),
            "count": len(y.posts),
            "months": [
                {
                    "name": format_date(m.posts[0].date, "%B %Y"),
                    "url": S.relative_url(path, m.path),
                    "count": len(m.posts),
                }
                for m in y.months
            ],
        }
        for y in site.years
    ]
    bars = month_bars(site.posts, lambda y, m: S.relative_url(path, S.month_path(y, m)))
    activity = {
        "svg": Markup(activity_svg(bars)),
        "rows": activity_table(bars),
        "months": SHORT_MONTHS,
    }
    undated = {"count": len(site.undated), "url": S.relative_url(path, S.UNDATED_PATH)}
    return PlainPage(
        path,
        "archive overview",
        "archives.html",
        "Archives",
        {"activity": activity, "years": years, "undated": undated},
    )


FEED_FILES = (("feed.xml", "rss"), ("atom.xml", "atom"), ("feed.json", "json"))


def feed_jobs(site: S.Site, digests: dict[str, Digest], config: Config) -> list[FeedJob]:
    """feed.xml, atom.xml and feed.json for the whole site, each category and each tag (no
    atom.xml where no post is dated: Atom requires a date on every entry and on the feed).
    Drafts, there when built with --drafts, are never in a feed."""
    base = config.site_url
    groups = [
        ("", config.title, site.posts),
        *((c.folder, f"{config.title}: {c.name}", c.posts) for c in site.categories),
        *((t.folder, f"{config.title}: {tag_label(t)}", t.posts) for t in site.tags),
    ]
    jobs, entry_of = [], {}  # a post is in several feeds: its entry is made once
    for folder, title, shown in groups:
        posts = published(shown)
        entries = tuple(
            entry_of.get(p.slug)
            or entry_of.setdefault(
                p.slug, FeedEntry(p, S.absolute_url(base, S.post_path(p)), digests[p.slug].key)
            )
            for p in posts[: _feed_window(config, posts)]
        )
        for name, kind in FEED_FILES:
            if kind == "atom" and not has_atom_entries(posts):
                continue
            info = FeedInfo(
                title,
                config.description,
                config.author,
                config.language,
                base,
                base + folder + name,
                config.timezone,
                config.feed_limit,
            )
            jobs.append(FeedJob(folder + name, f"{kind} feed {title!r}", kind, info, entries))
    return jobs


def _feed_window(config: Config, posts) -> int:
    """How many of the newest posts a feed can show: the limit counts dated posts separately in
    Atom (undated ones are left out), so allow for every undated post besides the limit."""
    if config.feed_limit is None:
        return len(posts)
    return config.feed_limit + sum(1 for p in posts if p.date is None)
