"""RSS 2.0 and Atom 1.0 feeds on feedgen, with its quirks fixed in one place.

Undated posts: a post whose dump gave no date never gets an invented one.  In RSS it is
included without <pubDate>, ordered by its `date_before` bound (then `date_after`; posts
with no bound at all come last), with the bounds stated at the start of its description.
In Atom, where every entry must carry <updated>, undated posts are left out.
The feed-level lastBuildDate/updated is the newest post's date, never the clock; with no
dated post at all it is the latest bound of any post, else 1970-01-01T00:00:00Z.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

from feedgen.feed import FeedGenerator

from .post import Post

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_URL_ATTR = re.compile(r'(\s(?:href|src)=")([^"]*)(")')
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


@dataclass(frozen=True)
class FeedInfo:
    title: str
    description: str
    author: str
    language: str
    site_url: str       # absolute URL of the site home, ends with '/'
    feed_url: str       # absolute URL of this feed file
    timezone: str
    limit: int | None


@dataclass(frozen=True)
class FeedItem:
    post: Post
    url: str            # absolute permalink
    html: str           # full post HTML, links already absolute
    summary: str        # plain text


def clean(text: str) -> str:
    """Remove characters XML 1.0 cannot carry (lxml refuses them)."""
    return _XML_ILLEGAL.sub("", text)


def absolutize(html: str, page_url: str) -> str:
    """Make relative href/src (and #fragments) absolute against the page's URL."""
    def fix(m):
        url = m.group(2)
        if re.match(r"^[a-z][a-z0-9+.-]*:", url, re.I) or url.startswith("//"):
            return m.group(0)
        return m.group(1) + urljoin(page_url, url) + m.group(3)
    return _URL_ATTR.sub(fix, html)


def _order(items: list[FeedItem]) -> list[FeedItem]:
    """Newest first by date (undated by their bounds, unbounded last); ties by slug."""
    def key(item):
        p = item.post
        when = p.date or p.date_before or p.date_after
        return (when is not None, when or dt.date.min, p.date is not None, p.slug)
    return sorted(items, key=key, reverse=True)


def _midnight(day: dt.date, tz: str) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(tz))


def _bounds_text(post: Post) -> str:
    a, b = post.date_after, post.date_before
    fmt = "%-d %B %Y"
    if a and b:
        return f"Undated — between {a:{fmt}} and {b:{fmt}}. "
    if a or b:
        return f"Undated — {'after' if a else 'before'} {(a or b):{fmt}}. "
    return "Undated. "


def _newest(items: list[FeedItem], tz: str) -> dt.datetime:
    dates = [i.post.date for i in items if i.post.date]
    if not dates:
        dates = [d for i in items for d in (i.post.date_before, i.post.date_after) if d]
    return _midnight(max(dates), tz) if dates else EPOCH


def _generator(info: FeedInfo, items: list[FeedItem]) -> FeedGenerator:
    for name in ("title", "description", "site_url", "feed_url"):
        if not getattr(info, name):
            raise ValueError(f"feed: {name} is required and empty")
    fg = FeedGenerator()
    fg.id(info.feed_url)
    fg.title(clean(info.title))
    fg.subtitle(clean(info.description))
    fg.description(clean(info.description))
    fg.author({"name": clean(info.author)})
    fg.language(info.language)
    fg.link(href=info.site_url, rel="alternate")
    fg.link(href=info.feed_url, rel="self")
    fg.generator("blogarchive")
    newest = _newest(items, info.timezone)
    fg.lastBuildDate(newest)
    fg.updated(newest)
    return fg


def _add(fg: FeedGenerator, item: FeedItem, info: FeedInfo, undated_note: bool) -> None:
    p = item.post
    fe = fg.add_entry(order="append")
    fe.id(item.url)
    fe.guid(item.url, permalink=True)
    fe.title(clean(p.title))
    fe.link(href=item.url)
    fe.author({"name": clean(info.author)})
    for name in p.categories:
        fe.category(term=clean(name))
    note = _bounds_text(p) if (undated_note and not p.date) else ""
    fe.description(clean(note + item.summary))
    fe.summary(clean(note + item.summary))
    fe.content(clean(item.html), type="html")
    if p.date:
        fe.published(_midnight(p.date, info.timezone))
        fe.updated(_midnight(p.date, info.timezone))


def _limit(items: list[FeedItem], limit: int | None) -> list[FeedItem]:
    return items[:limit] if limit else items


def rss_xml(info: FeedInfo, items: list[FeedItem]) -> bytes:
    """RSS 2.0 with content:encoded and atom:link rel=self; undated posts without pubDate."""
    chosen = _limit(_order(items), info.limit)
    fg = _generator(info, chosen)
    for item in chosen:
        _add(fg, item, info, undated_note=True)
    return fg.rss_str(pretty=True)


def atom_xml(info: FeedInfo, items: list[FeedItem]) -> bytes:
    """Atom 1.0; undated posts are left out because Atom requires a date on every entry."""
    chosen = _limit(_order([i for i in items if i.post.date]), info.limit)
    fg = _generator(info, chosen or items)
    for item in chosen:
        _add(fg, item, info, undated_note=False)
    return fg.atom_str(pretty=True)
