"""RSS 2.0 and Atom 1.0 feeds of the posts, through feedgen, identical to the byte for the same
input.

feedgen's quirks are fixed here and nowhere else: entries are sorted by us and added with
``order='append'`` (feedgen prepends by default); the feed's ``lastBuildDate``/``updated``
and every entry's ``updated`` come from post dates, never the clock (feedgen stamps "now");
dates are made timezone-aware before feedgen sees them (it rejects naive ones); required
channel fields are checked first with a message naming them (feedgen fails late and
vaguely); the site link is added after the self link (feedgen's RSS <link> is the last
one added); characters XML 1.0 forbids are stripped (lxml would raise).

Dates: a post's date is a calendar day, published as midnight in the site's time zone
(``FeedInfo.timezone``), RFC 822 in RSS (``Tue, 25 Aug 2015 00:00:00 +0100``) and RFC 3339
in Atom (``2015-08-25T00:00:00+01:00``).

Undated posts (policy, copied into the README):

    A post whose date could not be recovered is never given an invented date. The RSS
    feed includes it without a <pubDate>, placed among the dated posts by its latest
    possible date (date_before, else date_after; posts with no bounds at all come last,
    then by title and slug), and its description starts with the bounds we know, e.g.
    "Undated — between 8 September 2014 and 30 April 2015." The Atom feed leaves undated
    posts out, because Atom requires every entry to carry an <updated> date and we
    will not make one up. The feed limit counts entries of each feed separately.

Feed-level date: the newest post date. When no post has a date, RSS leaves its optional
``lastBuildDate`` out (a bound or the Unix epoch would be an invented date), and no Atom feed
is made at all: Atom requires ``<updated>`` and an empty feed has nothing to date
(``atom_xml`` refuses it; ``has_atom_entries`` tells the build whether to plan and link one).
"""

from __future__ import annotations

import datetime as dt
import html as htmllib
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urljoin
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .post import Post, undated_label
from .site import category_key
from .text import MONTHS, NOT_IN_XML_RE, is_absolute_http, midnight

if TYPE_CHECKING:  # feedgen (and lxml under it) is loaded when a feed is first made
    from feedgen.entry import FeedEntry
    from feedgen.feed import FeedGenerator

_REQUIRED = ("title", "description", "author", "site_url", "feed_url", "timezone")


@dataclass(frozen=True)
class FeedInfo:
    title: str
    description: str
    author: str
    language: str
    site_url: str  # absolute URL of the site home, ends with '/'
    feed_url: str  # absolute URL of this feed file itself (RSS atom:link / Atom rel=self)
    timezone: str  # IANA name, e.g. "UTC" or "Europe/London"
    limit: int | None  # newest N entries, None = all


@dataclass(frozen=True)
class FeedItem:
    post: Post
    url: str  # absolute permalink
    html: str  # full post HTML (already rendered; links already absolute)
    summary: str  # plain-text summary


def rss_xml(info: FeedInfo, items: list[FeedItem]) -> bytes:
    """RSS 2.0 of every post, newest first; undated posts carry their bounds instead of a
    pubDate."""
    tz = _check(info, items)
    fg = _channel(info, tz, items)
    fg.load_extension(
        "dc", atom=False, rss=True
    )  # RSS <author> must be an e-mail; dc:creator is a name
    fg.dc.dc_creator(_clean(info.author))
    for item in _limit(_ordered(items), info.limit):
        entry = _entry(fg, info, item, tz)
        entry.guid(_clean(item.url), permalink=True)
        entry.description(_rss_description(item), isSummary=True)
        entry.dc.dc_creator(_clean(author_of(item, info)))
    return fg.rss_str(pretty=True, encoding="UTF-8", xml_declaration=True)


def author_of(item: FeedItem, info: FeedInfo) -> str:
    """The post's author where a byline or export names one, else the site's (site.yaml)."""
    return item.post.author or info.author


def feed_terms(post: Post) -> list[str]:
    """What feeds list as the post's categories: its categories, then its tags, each name once
    (case and spacing aside, as the site groups them)."""
    seen, out = set(), []
    for name in (*post.categories, *post.tags):
        key = category_key(name)
        if key not in seen:
            seen.add(key)
            out.append(name)
    return out


def has_atom_entries(posts) -> bool:
    """Whether an Atom feed of these posts has an entry: only dated posts go in one."""
    return any(post.date is not None for post in posts)


def atom_xml(info: FeedInfo, items: list[FeedItem]) -> bytes:
    """Atom 1.0 of the dated posts, newest first (Atom requires a date on every entry).

    Raises ValueError when no post is dated: such a feed would need an invented date."""
    if not has_atom_entries(item.post for item in items):
        raise ValueError(f"cannot build feed {info.feed_url}: an Atom feed needs a dated post")
    tz = _check(info, items)
    fg = _channel(info, tz, items)
    fg.id(_clean(info.feed_url))
    fg.author(name=_clean(info.author))
    dated = [item for item in _ordered(items) if item.post.date is not None]
    for item in _limit(dated, info.limit):
        entry = _entry(fg, info, item, tz)
        entry.id(_clean(item.url))
        entry.summary(_clean(item.summary))
    return fg.atom_str(pretty=True, encoding="UTF-8", xml_declaration=True)


def absolutize(html: str, page_url: str) -> str:
    """Make every relative href/src (footnote '#fn:1' too) absolute against page_url, so links work
    in a reader."""
    if not is_absolute_http(page_url):
        raise ValueError(f"absolutize: page_url must be an absolute http(s) URL, got {page_url!r}")
    return _TAG.sub(lambda tag: _ATTR.sub(lambda m: _absolute_attr(m, page_url), tag[0]), html)


# A start tag, with quoted attribute values (which may hold '>') taken whole.
_TAG = re.compile(r"""<[A-Za-z][^\s/>]*(?:"[^"]*"|'[^']*'|[^"'>])*>""")
# One attribute with a value; matching consumes the value, so a name inside a value is never seen.
_ATTR = re.compile(r"""(\s)([^\s"'>/=]+)(\s*=\s*)("[^"]*"|'[^']*'|[^\s"'>]+)""")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def _absolute_attr(m: re.Match, page_url: str) -> str:
    """One attribute, rewritten if it is an href/src holding a relative URL; otherwise untouched."""
    space, name, equals, raw = m.groups()
    if name.lower() not in ("href", "src"):
        return m[0]
    value = htmllib.unescape(raw[1:-1] if raw[0] in "\"'" else raw).strip()
    if _SCHEME.match(value):  # https:, mailto:, data:, … are left alone
        return m[0]
    absolute = htmllib.escape(urljoin(page_url, value), quote=False).replace('"', "&quot;")
    return f'{space}{name}{equals}"{absolute}"'


def _check(info: FeedInfo, items: list[FeedItem]) -> ZoneInfo:
    """Fail before feedgen does (it fails late and vaguely), naming every bad field; return the
    zone."""
    problems = [
        f"FeedInfo.{name} is missing"
        for name in _REQUIRED
        if not isinstance(getattr(info, name), str) or not _clean(getattr(info, name)).strip()
    ]
    for name in ("site_url", "feed_url"):
        value = getattr(info, name)
        if isinstance(value, str) and value.strip() and not is_absolute_http(value):
            problems.append(f"FeedInfo.{name} must be an absolute http(s) URL, got {value!r}")
    if isinstance(info.site_url, str) and info.site_url and not info.site_url.endswith("/"):
        problems.append(f"FeedInfo.site_url must end with '/', got {info.site_url!r}")
    if info.limit is not None and (
        isinstance(info.limit, bool) or not isinstance(info.limit, int) or info.limit < 1
    ):
        problems.append(
            f"FeedInfo.limit must be a positive whole number or None, got {info.limit!r}"
        )
    tz = _zone(info.timezone, problems)
    problems += _item_problems(items)
    if problems:
        raise ValueError("cannot build feed: " + "; ".join(problems))
    return tz


def _zone(name: str, problems: list[str]) -> ZoneInfo | None:
    """The IANA zone called name, or None with a problem noted (a missing name is reported
    already)."""
    if not isinstance(name, str) or not name.strip():
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(f"FeedInfo.timezone: unknown IANA time zone {name!r}")
        return None


def _item_problems(items: list[FeedItem]) -> list[str]:
    """Every item needs its own absolute permalink: it is the guid/id readers use to spot new
    posts."""
    problems, seen = [], {}
    for item in items:
        if not is_absolute_http(item.url):
            problems.append(
                f"post {item.post.slug!r}: url must be absolute http(s), got {item.url!r}"
            )
        elif item.url in seen:
            problems.append(
                f"posts {seen[item.url]!r} and {item.post.slug!r} share the url {item.url!r}"
            )
        seen.setdefault(item.url, item.post.slug)
    return problems


def _channel(info: FeedInfo, tz: ZoneInfo, items: list[FeedItem]) -> FeedGenerator:
    """The channel fields both formats share, dated from the posts so the clock never leaks in."""
    from feedgen.feed import FeedGenerator

    fg = FeedGenerator()
    fg.title(_clean(info.title))
    fg.description(_clean(info.description))  # RSS description and Atom subtitle
    fg.link(href=_clean(info.feed_url), rel="self")
    fg.link(
        href=_clean(info.site_url), rel="alternate"
    )  # last: feedgen's RSS <link> is the last link
    if _clean(info.language).strip():
        fg.language(_clean(info.language))
    fg.generator("blogarchive")  # no feedgen version: upgrades don't change bytes
    updated = feed_updated(items, tz)
    if updated is not None:
        fg.updated(updated)  # RSS lastBuildDate and Atom updated
    else:  # feedgen stamps "now" and has no way to unset it; RSS's lastBuildDate is optional
        fg._FeedGenerator__rss_lastBuildDate = None
    return fg


def _entry(fg: FeedGenerator, info: FeedInfo, item: FeedItem, tz: ZoneInfo) -> FeedEntry:
    """An entry with the fields both formats share, appended (feedgen would prepend)."""
    post = item.post
    entry = fg.add_entry(order="append")
    entry.title(_clean(post.title))
    entry.link(href=_clean(item.url), rel="alternate")
    entry.author(name=_clean(author_of(item, info)))
    for term in feed_terms(post):
        entry.category(term=_clean(term))
    entry.content(_clean(item.html), type="html")  # Atom content type=html; RSS content:encoded
    if post.date is not None:
        entry.published(midnight(post.date, tz))  # RSS pubDate, Atom published
        entry.updated(midnight(post.date, tz))  # replaces feedgen's "now"
    return entry


def _ordered(items: list[FeedItem]) -> list[FeedItem]:
    """Items in feed order, independent of input order (see _order_key)."""
    return sorted(items, key=_order_key)


def _order_key(item: FeedItem) -> tuple:
    """Newest first by date, undated by date_before then date_after, boundless last; ties by title,
    slug, url."""
    post = item.post
    primary = post.date or post.date_before or post.date_after
    secondary = post.date_after if post.date is None and post.date_before else None
    return (
        primary is None,
        -_ordinal(primary),
        post.date is None,
        -_ordinal(secondary),
        post.title,
        post.slug,
        item.url,
    )


def _ordinal(day: dt.date | None) -> int:
    """A sortable number for a day; 0 (oldest) for none."""
    return day.toordinal() if day else 0


def _limit(items: list[FeedItem], limit: int | None) -> list[FeedItem]:
    """The first `limit` items, or all of them when limit is None."""
    return items if limit is None else items[:limit]


def feed_updated(items: list[FeedItem], tz: ZoneInfo) -> dt.datetime | None:
    """The newest post date; None when no post is dated — never the clock, never a guess."""
    dated = [item.post.date for item in items if item.post.date is not None]
    return midnight(max(dated), tz) if dated else None


def _rss_description(item: FeedItem) -> str:
    """The summary; for an undated post, its known bounds first. Never empty (feedgen would then
    drop content:encoded)."""
    summary = _clean(item.summary).strip()
    if item.post.date is not None:
        return summary or _clean(item.post.title)
    note = undated_note(item.post)
    return f"{note}. {summary}" if summary else f"{note}."


def undated_note(post: Post) -> str:
    """What we know about an undated post's date, e.g.
    'Undated — between 8 September 2014 and 30 April 2015'."""
    return undated_label(post, _day)


def _day(day: dt.date) -> str:
    """'8 September 2014', independent of the process locale."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def _clean(text: str) -> str:
    """Text without the characters XML 1.0 cannot carry (lxml raises on them)."""
    return NOT_IN_XML_RE.sub("", text)
