"""What templates are given: ready links and labels for posts, listings and pagers (pure).

Templates only loop and print; every URL here is already relative to the page showing it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from markupsafe import Markup

from . import site as S
from .config import Config
from .export import json_ld, open_graph
from .feed import FeedInfo, FeedItem
from .post import Post, undated_label
from .related import reading_minutes
from .text import plural

if TYPE_CHECKING:
    from .build.digest import Digest

PAGER_AROUND = 2        # pages linked on each side of the current one


def format_date(date, fmt: str) -> str:
    return date.strftime(fmt)


def date_label(post: Post, fmt: str) -> str:
    """'25 August 2015', or the bounds of an undated post; never an invented date."""
    if post.date:
        return format_date(post.date, fmt)
    return undated_label(post, lambda day: format_date(day, fmt))


def comments_label(post: Post) -> str:
    """The archived comment count in words; empty when the dump did not say."""
    if post.comments is None:
        return ""
    return plural(post.comments, "comment", zero="No comments")


def source_label(post: Post) -> str:
    """'001_dump.txt, lines 12–80': where in the raw dumps the post was recovered from."""
    if not post.sources:
        return "source not recorded"
    return "; ".join(f"{s.file}, lines {s.first}–{s.last}" for s in post.sources)


def entry_view(d: Digest, categories: tuple[S.Link, ...], here: str, config: Config) -> dict:
    """What a page shows of a post: ready links and labels, no logic left for templates."""
    post = d.post
    return {"title": post.title, "url": S.relative_url(here, S.post_path(post)),
            "date": date_label(post, config.date_format),
            "iso": post.date.isoformat() if post.date else "",
            "categories": [{"name": c.label, "url": S.relative_url(here, c.path)}
                           for c in categories],
            "summary": d.summary, "excerpt": post.excerpt, "draft": post.draft, "words": d.words,
            "minutes": reading_minutes(d.words),
            "comments": comments_label(post), "source": source_label(post)}


def link_view(link: S.Link | None, here: str) -> dict | None:
    return {"title": link.label, "url": S.relative_url(here, link.path)} if link else None


def post_view(d: Digest, context: S.PostContext, config: Config, has_source: bool) -> dict:
    """A post page's context but its body: entry, neighbours, series, related, sources."""
    post, path = d.post, S.post_path(d.post)
    url = S.absolute_url(config.site_url, path)
    info = FeedInfo(config.title, config.description, config.author, config.language,
                    config.site_url, config.site_url + "feed.json", config.timezone, None)
    item = FeedItem(post, url, "", d.summary)
    return {"post": entry_view(d, context.categories, path, config),
            "newer": link_view(context.newer, path), "older": link_view(context.older, path),
            "series": [{"title": part.label, "url": S.relative_url(path, part.path),
                        "current": part.path == path} for part in context.series],
            "related": [link_view(link, path) for link in context.related],
            "sources": [{"file": s.file, "first": s.first, "last": s.last} for s in post.sources],
            "source_url": S.relative_url(path, S.source_path(post)) if has_source else "",
            "og": open_graph(info, item), "ld": Markup(json_ld(info, item, d.words))}


def pager_view(folder: str, n: int, count: int, around: int = PAGER_AROUND) -> dict:
    """Links to the newer/older page and to the first, last and nearby pages (a 1,000-page
    listing must not carry 1,000 links on every page); None marks a gap."""
    here = S.paged(folder, n)
    shown = sorted({1, count, *range(max(1, n - around), min(count, n + around) + 1)})
    pages: list = []
    for k in shown:
        if pages and k > pages[-1]["number"] + 1:
            pages.append(None)
        pages.append({"number": k, "url": S.relative_url(here, S.paged(folder, k)),
                      "current": k == n})
    return {"number": n, "count": count,
            "newer": S.relative_url(here, S.paged(folder, n - 1)) if n > 1 else None,
            "older": S.relative_url(here, S.paged(folder, n + 1)) if n < count else None,
            "pages": pages}
