"""What templates are given: ready links and labels for posts, listings and pagers (pure).

Templates only loop and print; every URL here is already relative to the page showing it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from markupsafe import Markup

from . import site as S
from .config import Config
from .export import json_ld, open_graph
from .feed import FeedInfo, FeedItem
from .markdown_safe import post_html
from .post import Comment, Post, Source, undated_label
from .related import reading_minutes
from .text import plural

if TYPE_CHECKING:
    from .build.digest import Digest

PAGER_AROUND = 2  # pages linked on each side of the current one


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
    """'001_dump.txt, lines 12–80': where in the raw dumps (or pages, or export) the post was
    recovered from."""
    if not post.sources:
        return "source not recorded"
    return "; ".join(where_from(s) for s in post.sources)


def where_from(source: Source, lines: str = ", lines") -> str:
    """One source: '001_dump.txt, lines 12–80' (`lines` names the range), or the page's
    element or the export's item: 'export.xml, item 3 (wp:post_id 12)'."""
    if source.element:
        return f"{source.file}, {source.element}"
    if source.first is None:
        return source.file
    return f"{source.file}{lines} {source.first}–{source.last}"


def term_views(links: tuple[S.Link, ...], here: str) -> list[dict]:
    """Category or tag links, relative to the page showing them."""
    return [{"name": link.label, "url": S.relative_url(here, link.path)} for link in links]


def entry_view(
    d: Digest,
    categories: tuple[S.Link, ...],
    here: str,
    config: Config,
    tags: tuple[S.Link, ...] = (),
) -> dict:
    """What a page shows of a post: ready links and labels, no logic left for templates."""
    post = d.post
    return {
        "title": post.title,
        "url": S.relative_url(here, S.post_path(post)),
        "date": date_label(post, config.date_format),
        "iso": post.date.isoformat() if post.date else "",
        "categories": term_views(categories, here),
        "tags": term_views(tags, here),
        "summary": d.summary,
        "excerpt": post.excerpt,
        "draft": post.draft,
        "words": d.words,
        "minutes": reading_minutes(d.words),
        "comments": comments_label(post),
        "source": source_label(post),
    }


def link_view(link: S.Link | None, here: str) -> dict | None:
    return {"title": link.label, "url": S.relative_url(here, link.path)} if link else None


def post_view(d: Digest, context: S.PostContext, config: Config, has_source: bool) -> dict:
    """A post page's context but its body: entry, neighbours, series, related, sources."""
    post, path = d.post, S.post_path(d.post)
    url = S.absolute_url(config.site_url, path)
    info = FeedInfo(
        config.title,
        config.description,
        config.author,
        config.language,
        config.site_url,
        config.site_url + "feed.json",
        config.timezone,
        None,
    )
    item = FeedItem(post, url, "", d.summary)
    return {
        "post": entry_view(d, context.categories, path, config, tags=context.tags),
        "author": post.author or "",  # only a byline's or export's: never site.yaml's
        "comments": comment_tree(post.archived_comments, config.date_format),
        "comments_count": len(post.archived_comments),
        "newer": link_view(context.newer, path),
        "older": link_view(context.older, path),
        "series": [
            {
                "title": part.label,
                "url": S.relative_url(path, part.path),
                "current": part.path == path,
            }
            for part in context.series
        ],
        "related": [link_view(link, path) for link in context.related],
        "sources": [where_from(s, lines=" lines") for s in post.sources],
        "source_url": S.relative_url(path, S.source_path(post)) if has_source else "",
        "og": open_graph(info, item),
        "ld": Markup(json_ld(info, item, d.words)),
    }


COMMENT_HEADING = 3  # a comment's heading level under the "Archived comments" <h2>


def comment_tree(comments: tuple[Comment, ...], fmt: str) -> list[dict]:
    """Archived comments as nested data: each with its number, author, date (none when not
    archived), text as HTML (the body's converter: text, never markup) and its replies.
    A reply naming no earlier comment as its parent stays at the top level."""
    nodes: list[dict] = []
    top: list[dict] = []
    for n, comment in enumerate(comments, 1):
        parent = nodes[comment.parent - 1] if comment.parent and 0 < comment.parent < n else None
        depth = parent["depth"] + 1 if parent else 0
        node = {
            "number": n,
            "id": f"comment-{n}",
            "author": comment.author or "Anonymous",
            "date": format_date(comment.date, fmt) if comment.date else "",
            "iso": comment.date.isoformat() if comment.date else "",
            "html": Markup(comment_html(comment.text, n)),
            "depth": depth,
            "level": min(COMMENT_HEADING + depth, 6),
            "replies": [],
            "reply_to": {"author": parent["author"], "id": parent["id"]} if parent else None,
        }
        nodes.append(node)
        (parent["replies"] if parent else top).append(node)
    return top


# Footnote anchors python-markdown writes (id="fn:1", href="#fnref:1"): a comment's own get
# its number, so they cannot clash with the body's or another comment's.
_FOOTNOTE_ANCHOR = re.compile(r'\b(id|href)="(#?)(fn|fnref):')


def comment_html(text: str, number: int) -> str:
    """A comment's Markdown as HTML, through the same safe converter as post bodies."""
    return _FOOTNOTE_ANCHOR.sub(rf'\1="\2comment-{number}-\3:', post_html(text))


def pager_view(folder: str, n: int, count: int, around: int = PAGER_AROUND) -> dict:
    """Links to the newer/older page and to the first, last and nearby pages (a 1,000-page
    listing must not carry 1,000 links on every page); None marks a gap."""
    here = S.paged(folder, n)
    shown = sorted({1, count, *range(max(1, n - around), min(count, n + around) + 1)})
    pages: list = []
    for k in shown:
        if pages and k > pages[-1]["number"] + 1:
            pages.append(None)
        pages.append(
            {"number": k, "url": S.relative_url(here, S.paged(folder, k)), "current": k == n}
        )
    return {
        "number": n,
        "count": count,
        "newer": S.relative_url(here, S.paged(folder, n - 1)) if n > 1 else None,
        "older": S.relative_url(here, S.paged(folder, n + 1)) if n < count else None,
        "pages": pages,
    }
