"""Machine-readable forms of the posts (pure): JSON Feed, posts.json, JSON-LD and Open Graph.

The inputs are the feed's own records (`FeedInfo`, `FeedItem`), so every format says the
same thing as RSS and Atom. As there, an undated post never gets an invented date: it has
no date_published / datePublished / article:published_time at all.

Byte-deterministic: fixed key order, `ensure_ascii=False`, and a trailing newline on files.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from typing import Iterator, Mapping, Sequence
from zoneinfo import ZoneInfo

from .feed import FeedInfo, FeedItem, author_of, feed_terms, undated_note
from .feed import _ordered as feed_order
from .post import Post
from .site import absolute_url, post_path
from .text import DROP_SURROGATES, is_absolute_http, midnight

JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
POSTS_SCHEMA = "blogarchive-posts"
POSTS_SCHEMA_VERSION = 1


def json_feed(info: FeedInfo, items: list[FeedItem]) -> bytes:
    """JSON Feed 1.1 of the posts in RSS order (newest first, undated posts by their bounds)."""
    _check_urls(info, items)
    tz = ZoneInfo(info.timezone)
    chosen = feed_order(items)
    if info.limit is not None:
        chosen = chosen[: info.limit]
    feed = {
        "version": JSON_FEED_VERSION,
        "title": info.title,
        "home_page_url": info.site_url,
        "feed_url": info.feed_url,
        "description": info.description,
    }
    if info.language.strip():
        feed["language"] = info.language
    feed["authors"] = [{"name": info.author}]
    feed["items"] = [_json_feed_item(info, item, tz) for item in chosen]
    return _dump(feed)


def _json_feed_item(info: FeedInfo, item: FeedItem, tz: ZoneInfo) -> dict:
    post = item.post
    out = {
        "id": item.url,
        "url": item.url,
        "title": post.title,
        "content_html": item.html,
        "summary": _summary(item),
    }
    if post.date is not None:
        out["date_published"] = midnight(post.date, tz).isoformat()
    if feed_terms(post):
        out["tags"] = feed_terms(post)
    out["authors"] = [{"name": author_of(item, info)}]
    return out


def _summary(item: FeedItem) -> str:
    """The summary; for an undated post the known bounds come first, as in RSS."""
    if item.post.date is not None:
        return item.summary
    note = undated_note(item.post)
    return f"{note}. {item.summary}" if item.summary.strip() else f"{note}."


def posts_json(posts: Sequence[Post], site_url: str, word_counts: Mapping[str, int]) -> bytes:
    """Every post's metadata for researchers, sorted by slug; schema described in POSTS_JSON_SCHEMA.

    `word_counts` maps slug -> words of the rendered post (markdown_safe.word_count), so the
    numbers match the pages."""
    missing = sorted(p.slug for p in posts if p.slug not in word_counts)
    if missing:
        raise ValueError(f"posts_json: no word count for {', '.join(missing[:5])}")
    ordered = sorted(posts, key=lambda p: p.slug)
    return posts_document(
        site_url, [record_line(p, site_url, word_counts[p.slug]) for p in ordered]
    )


def posts_document(site_url: str, lines: Sequence[str]) -> bytes:
    """posts.json from its records' lines (record_line), already sorted by slug."""
    return b"".join(posts_document_parts(site_url, lines))


def posts_document_parts(site_url: str, lines: Sequence[str], batch: int = 1000) -> Iterator[bytes]:
    """posts_document in parts of `batch` records, never the whole text at once (30 MB at
    50,000 posts). Encoded with "ignore", which drops exactly the lone surrogates (the only
    code points UTF-8 cannot encode), as DROP_SURROGATES does."""
    head = {
        "schema": POSTS_SCHEMA,
        "version": POSTS_SCHEMA_VERSION,
        "site": site_url,
        "count": len(lines),
    }
    text = "".join(f"  {_one_line(k)}: {_one_line(v)},\n" for k, v in head.items())
    yield ("{\n" + text + '  "posts": [').encode("utf-8", "ignore")
    for start in range(0, len(lines), batch):
        part = ",".join(lines[start : start + batch])
        yield (part if start == 0 else "," + part).encode("utf-8", "ignore")
    yield (("\n  ]" if lines else "]") + "\n}\n").encode("utf-8")


@functools.lru_cache(maxsize=1 << 16)
def record_line(post: Post, site_url: str, words: int) -> str:
    """A post's record, on its own line; remembered, since serve writes posts.json after
    every edit and all but one record are the ones it wrote before (the build's cache keeps
    them between processes too)."""
    return "\n    " + _one_line(_post_record(post, site_url, words))


def _one_line(value) -> str:
    """JSON on one line, by the C encoder: 10,000 records in a tenth of the indenting one's
    time."""
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


POSTS_JSON_SCHEMA = """\
posts.json, schema "blogarchive-posts" version 1 (a new version only when a field changes meaning
or disappears; new fields may be added within a version):
  schema, version, site (the base URL), count, posts: [...] sorted by slug, each with
  title        the post's title
  slug         its identity, also the name of posts/<slug>.md
  url          absolute URL of its page
  date         YYYY-MM-DD, or null when no dump gave a date
  date_after   undated posts: the day it must come after (from neighbouring posts), else null
  date_before  undated posts: the day it must come before, else null
  categories   list of category names as written in the post
  tags         list of tag names as written in the post
  author       the author a byline or export names, or null when none did
  comments     comment count as archived, or null when the dump had no date line
  archived_comments  how many comments are kept with the post (shown under it)
  excerpt      true when the dump held only the post's opening (a teaser)
  words        words of the rendered post
  sources      [{file, first, last, element}]: a dump file and 1-based lines, title to last
               line (element null); or a saved page's element or an export's item (first
               and last null), e.g. "item 3 (wp:post_id 12)"
"""


def _post_record(post: Post, site_url: str, words: int) -> dict:
    return {
        "title": post.title,
        "slug": post.slug,
        "url": absolute_url(site_url, post_path(post)),
        "date": _iso(post.date),
        "date_after": None if post.date else _iso(post.date_after),
        "date_before": None if post.date else _iso(post.date_before),
        "categories": list(post.categories),
        "tags": list(post.tags),
        "author": post.author,
        "comments": post.comments,
        "archived_comments": len(post.archived_comments),
        "excerpt": post.excerpt,
        "words": words,
        "sources": [
            {"file": s.file, "first": s.first, "last": s.last, "element": s.element}
            for s in post.sources
        ],
    }


def json_ld(info: FeedInfo, item: FeedItem, words: int) -> str:
    """schema.org BlogPosting for <script type="application/ld+json">, safe to put there as is.

    '<', '>' and '&' are written \\u003c, \\u003e, \\u0026, so no text can close the script
    element or open a comment; output it unescaped (Markup) inside the script tag."""
    post = item.post
    data = {
        "@context": "https://schema.org",
        "@type": "BlogPosting",
        "headline": post.title,
        "url": item.url,
        "mainEntityOfPage": item.url,
    }
    if post.date is not None:
        data["datePublished"] = post.date.isoformat()
    data["author"] = {"@type": "Person", "name": author_of(item, info)}
    if feed_terms(post):
        data["keywords"] = feed_terms(post)
    if post.categories:
        data["articleSection"] = list(post.categories)
    data["wordCount"] = words
    if item.summary.strip():
        data["description"] = item.summary
    if info.language.strip():
        data["inLanguage"] = info.language
    data["isPartOf"] = {"@type": "Blog", "name": info.title, "url": info.site_url}
    text = json.dumps(data, ensure_ascii=False, indent=None).translate(DROP_SURROGATES)
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def open_graph(info: FeedInfo, item: FeedItem) -> list[tuple[str, str]]:
    """(property, content) pairs for <meta property=… content=…>; plain text, the template
    escapes."""
    post = item.post
    pairs = [
        ("og:title", post.title),
        ("og:type", "article"),
        ("og:url", item.url),
        ("og:site_name", info.title),
    ]
    description = _summary(item).strip()
    if description:
        pairs.append(("og:description", description))
    if info.language.strip():
        pairs.append(("og:locale", info.language.replace("-", "_")))
    if post.date is not None:
        pairs.append(
            ("article:published_time", midnight(post.date, ZoneInfo(info.timezone)).isoformat())
        )
    pairs += [("article:section", c) for c in post.categories]
    pairs += [("article:tag", t) for t in post.tags]
    return pairs


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _dump(data: dict) -> bytes:
    """Indented UTF-8 JSON with a trailing newline; lone surrogates (not encodable) dropped."""
    text = json.dumps(data, ensure_ascii=False, indent=2)
    return (text.translate(DROP_SURROGATES) + "\n").encode("utf-8")


def _check_urls(info: FeedInfo, items: list[FeedItem]) -> None:
    """Feed URLs must be absolute: readers resolve nothing. Every bad one is named."""
    problems = [
        f"FeedInfo.{name} must be an absolute http(s) URL, got {getattr(info, name)!r}"
        for name in ("site_url", "feed_url")
        if not is_absolute_http(getattr(info, name))
    ]
    problems += [
        f"post {i.post.slug!r}: url must be absolute http(s), got {i.url!r}"
        for i in items
        if not is_absolute_http(i.url)
    ]
    if problems:
        raise ValueError("cannot build JSON feed: " + "; ".join(problems))
