"""Posts -> HTML: one Jinja2 environment, safe Markdown, and every page of the site (pure).

`render_pages` yields (output path, what it is, HTML); builder.py checks and writes them.
"""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import html
import re
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

import markdown
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markdown.treeprocessors import InlineProcessor, Treeprocessor
from markdown.util import AtomicString
from markupsafe import Markup

from . import resources, site as S
from .config import Config
from .post import Post, undated_label
from .chart import SHORT_MONTHS, activity_svg, activity_table, month_bars
from .export import json_ld, open_graph
from .feed import FeedInfo, FeedItem, has_atom_entries
from .related import pack_terms, post_terms, reading_minutes

_SAFE_SCHEMES = {"http", "https", "mailto"}
_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):", re.I)


def safe_url(value: str) -> bool:
    """True for relative, http(s) and mailto URLs, judged as a browser reads them.

    The browser decodes character references and ignores tabs, newlines and leading control
    characters, so 'java&#x09;script&#58;' is still javascript: and must be caught."""
    url = re.sub(r"[\t\n\r]", "", html.unescape(value)).lstrip("".join(map(chr, range(33))))
    scheme = _SCHEME.match(url)
    return scheme is None or scheme.group(1).lower() in _SAFE_SCHEMES


class _SafeLinks(Treeprocessor):
    """Unsafe link and image URLs (javascript:, data:, …) become plain text: the link text or alt."""

    def run(self, root):
        for el in root.iter():
            url = el.get("href") if el.tag == "a" else el.get("src") if el.tag == "img" else None
            if url is None or safe_url(url):
                continue
            if el.tag == "img":
                el.text = el.get("alt", "")
            el.attrib.clear()
            el.tag = "span"


class _NoRawHtml(markdown.Extension):
    """Text stays text: raw HTML in a post is escaped, never passed through."""

    def extendMarkdown(self, md):
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        md.treeprocessors.register(_SafeLinks(md), "safe_links", 0)


# Every inline pattern the converter below registers needs one of these characters to match
# (code `, escape \\, links/images/footnotes [, autolinks <, entities &, emphasis * _, and
# nl2br's and hard breaks' newline). Text without any of them comes out of the inline stage
# unchanged, so it may skip the stage: same HTML, and python-markdown's slowest step gone for
# most paragraphs (1.6 -> 0.85 ms a post on the benchmark corpus).
_INLINE_TRIGGER = re.compile(r"[`\\\[<&*_\n]")
_KNOWN_INLINE = {"backtick", "escape", "footnote", "reference", "link", "image_link",
                 "image_reference", "short_reference", "short_image_ref", "autolink", "automail",
                 "linebreak", "entity", "not_strong", "em_strong", "em_strong2", "nl"}


class _QuickInline(InlineProcessor):
    """python-markdown's inline stage, skipping text in which no inline pattern can match."""

    def _InlineProcessor__handleInline(self, data, patternIndex=0):
        if patternIndex == 0 and not isinstance(data, AtomicString) and not _INLINE_TRIGGER.search(data):
            return data
        return InlineProcessor._InlineProcessor__handleInline(self, data, patternIndex)


def markdown_converter() -> markdown.Markdown:
    """The extensions the loader's output needs: footnotes and kept line breaks."""
    md = markdown.Markdown(extensions=["footnotes", "nl2br", _NoRawHtml()], output_format="html")
    names = {item.name for item in md.inlinePatterns._priority}
    if names <= _KNOWN_INLINE and hasattr(InlineProcessor, "_InlineProcessor__handleInline"):
        md.treeprocessors.register(_QuickInline(md), "inline", 20)
    return md


@functools.lru_cache(maxsize=4096)
def post_html(body: str) -> str:
    """A post body as HTML; a pure function of the Markdown, so it is converted once per build."""
    md = _converter()
    md.reset()
    return md.convert(body)


@functools.lru_cache(maxsize=1)
def _converter() -> markdown.Markdown:
    return markdown_converter()


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def _printable(value):
    """Every value a template prints, without the control characters (NUL, ESC …) and lone
    surrogates that no HTML page may hold; Markup stays Markup."""
    if isinstance(value, str) and _CONTROL.search(value):
        cleaned = _CONTROL.sub("", value)
        return Markup(cleaned) if isinstance(value, Markup) else cleaned
    return value


def make_env(template_dir: Path | None = None, search: bool = False) -> Environment:
    """--templates (if any) first, the site's own, then the defaults (resources.template_dirs);
    autoescape and StrictUndefined on."""
    dirs = [str(folder) for folder in resources.template_dirs(template_dir)]
    env = Environment(loader=ChoiceLoader([FileSystemLoader(d) for d in dirs]),
                      autoescape=select_autoescape(default=True, default_for_string=True),
                      undefined=StrictUndefined, keep_trailing_newline=True, finalize=_printable)
    env.globals["search"] = search      # the header search form and the search page
    return env


def plain_text(fragment: str) -> str:
    return html.unescape(_TAG.sub(" ", fragment))


_PARA = re.compile(r"<p>(.*?)</p>", re.S)
_SUP = re.compile(r"<sup[^>]*>.*?</sup>")
_TAG = re.compile(r"<[^>]+>")


def summary(body_html: str, words: int = 60) -> str:
    """The first paragraph or so, as plain text of at most `words` words."""
    end = body_html.find('<div class="footnote">')
    main = body_html if end < 0 else body_html[:end]
    out: list[str] = []
    for para in _PARA.finditer(main):
        out += plain_text(_SUP.sub("", para.group(1))).split()
        if len(out) >= 25:
            break
    return " ".join(out[:words]) + (" …" if len(out) > words else "")


def word_count(body_html: str) -> int:
    """Words of the rendered post, for listings (and later reading-time estimates)."""
    return len(plain_text(body_html).split())


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
    return "No comments" if post.comments == 0 else (
        "1 comment" if post.comments == 1 else f"{post.comments} comments")


@dataclass(frozen=True)
class Digest:
    """What pages and feeds need of a post besides its HTML.

    `post` is the post's header: the Post with its body dropped, so that a 10,000-post build
    never holds every body in one process; `key` names the post's HTML in the build cache."""
    post: Post
    key: str
    summary: str
    words: int
    terms: str = ""         # related.pack_terms(post_terms(...)): what related posts are found by


def digest(post: Post, key: str, body_html: str) -> Digest:
    return Digest(dataclasses.replace(post, body=""), key, summary(body_html), word_count(body_html),
                  pack_terms(post_terms(post.title, post.body)))


@dataclass(frozen=True)
class FeedLink:
    """The feeds a page links to: RSS, Atom and JSON Feed of the posts in `folder`; no Atom
    link where no post there is dated, since no Atom feed is written then."""
    label: str
    folder: str
    atom: bool = True


ALL_POSTS = FeedLink("All posts", "")


@dataclass(frozen=True)
class Page:
    """One HTML page to render: a pure function of these fields, the digests it names, the
    templates and the settings, so any worker process can render it and `key` tells whether
    last build's file for it can be kept.

    `kind` says what `data` holds: "post" (digest key, PostContext), "list" (intro, heading,
    entries as (digest key, category links), (folder, page number, page count), show_source)
    or "plain" (the template's context as a dict)."""
    path: str
    source: str
    template: str
    title: str
    kind: str
    data: object
    feeds: tuple[FeedLink, ...] = (ALL_POSTS,)
    rooted: bool = False

    def key(self, salt: str) -> str:
        return content_key(salt + repr((self.path, self.template, self.title, self.kind, self.data,
                                        self.feeds, self.rooted)))


def content_key(text: str | bytes) -> str:
    """A short hex digest naming content in the build cache (BLAKE2b, 128 bits)."""
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def render(page: Page, env: Environment, config: Config, digests: dict[str, Digest], html_of) -> str:
    """A planned page as HTML; `digests` by key, `html_of(key)` supplies a post's body."""
    if page.kind == "post":
        key, context, has_source = page.data
        ctx = post_context(digests[key], context, config, has_source)
        ctx["body"] = Markup(html_of(key))
    elif page.kind == "list":
        intro, heading, entries, (folder, n, count), show_source = page.data
        ctx = {"intro": intro, "heading": heading, "show_source": show_source,
               "entries": [entry_view(digests[key], cats, page.path, config) for key, cats in entries],
               "pager": _pager(folder, n, count)}
    else:
        ctx = dict(page.data)
    return render_page(env, config, page.template, page.path, page.title, feeds=page.feeds,
                       rooted=page.rooted, **ctx)


def post_page(d: Digest, context: S.PostContext, has_source: bool = False) -> Page:
    """A post's page: its entry, neighbours, series, related posts and sources (with a link
    to its source view when the dumps are at hand); the body comes at render time."""
    return Page(S.post_path(d.post), f"post {d.post.slug!r}", "post.html", d.post.title, "post",
                (d.key, context, has_source))


def post_context(d: Digest, context: S.PostContext, config: Config, has_source: bool = False) -> dict:
    post, path = d.post, S.post_path(d.post)
    url = S.absolute_url(config.site_url, path)
    info = FeedInfo(config.title, config.description, config.author, config.language,
                    config.site_url, config.site_url + "feed.json", config.timezone, None)
    item = FeedItem(post, url, "", d.summary)
    return {"post": entry_view(d, context.categories, path, config),
            "newer": _link_view(context.newer, path), "older": _link_view(context.older, path),
            "series": [{"title": part.label, "url": S.relative_url(path, part.path),
                        "current": part.path == path} for part in context.series],
            "related": [_link_view(link, path) for link in context.related],
            "sources": [{"file": s.file, "first": s.first, "last": s.last} for s in post.sources],
            "source_url": S.relative_url(path, S.source_path(post)) if has_source else "",
            "og": open_graph(info, item), "ld": Markup(json_ld(info, item, d.words))}


def render_post(post: Post, context: S.PostContext, config: Config, env: Environment) -> str:
    """A post's page from the post itself (converting its body here): pure, for tests and tools."""
    body = post_html(post.body)
    d = digest(post, "body", body)
    return render(post_page(d, context), env, config, {d.key: d}, lambda _: body)


def entry_view(d: Digest, categories: tuple[S.Link, ...], here: str, config: Config) -> dict:
    """What a page shows of a post: ready links and labels, no logic left for templates."""
    post = d.post
    return {"title": post.title, "url": S.relative_url(here, S.post_path(post)),
            "date": date_label(post, config.date_format),
            "iso": post.date.isoformat() if post.date else "",
            "categories": [{"name": c.label, "url": S.relative_url(here, c.path)} for c in categories],
            "summary": d.summary, "excerpt": post.excerpt, "words": d.words,
            "minutes": reading_minutes(d.words),
            "comments": comments_label(post), "source": source_label(post)}


def source_label(post: Post) -> str:
    """'001_dump.txt, lines 12–80': where in the raw dumps the post was recovered from."""
    if not post.sources:
        return "source not recorded"
    return "; ".join(f"{s.file}, lines {s.first}–{s.last}" for s in post.sources)


def _link_view(link: S.Link | None, here: str) -> dict | None:
    return {"title": link.label, "url": S.relative_url(here, link.path)} if link else None


_NAV = (("Home", "index.html"), ("Categories", "category/index.html"),
        ("Archives", "archives/index.html"), ("Undated", "undated/index.html"))


def render_page(env: Environment, config: Config, template: str, path: str, title: str,
                feeds: tuple[FeedLink, ...] = (ALL_POSTS,), rooted: bool = False, **ctx) -> str:
    """Any page of the site, linking the feeds in `feeds` (the site-wide ones first).

    Links are relative to `path`, except on a `rooted` page (404.html), which a server shows
    at any depth and which therefore links from the root path of base_url."""
    def link(target: str) -> str:
        return S.rooted_url(config.site_url, target) if rooted else S.relative_url(path, target)

    feed_views = [{"label": f.label, "rss": link(f.folder + "feed.xml"),
                   "atom": link(f.folder + "atom.xml") if f.atom else "",
                   "json": link(f.folder + "feed.json")} for f in feeds]
    nav = [{"label": label, "url": link(target), "current": target == path} for label, target in _NAV]
    return env.get_template(template).render(
        config=config, title=title, canonical=S.absolute_url(config.site_url, path), link=link,
        feeds=feed_views, nav=nav, **ctx)


def plan_pages(site: S.Site, digests: dict[str, Digest], config: Config, views: dict | None = None,
               search: bool = False):
    """Every HTML page of the site as a Page, in a fixed order: posts, source views, listings,
    indexes, search, 404. `views` holds the source views of the posts whose dumps are here."""
    pages = _plan_pages(site, digests, config, views or {}, search)
    if has_atom_entries(site.posts):
        return pages
    # not one dated post: no site-wide Atom feed is written, so no page may link to one
    return (dataclasses.replace(p, feeds=(FeedLink("All posts", "", atom=False), *p.feeds[1:]))
            for p in pages)


def _plan_pages(site: S.Site, digests: dict[str, Digest], config: Config, views: dict, search: bool):
    for post in site.posts:
        yield post_page(digests[post.slug], site.context(post), post.slug in views)
    for post in site.posts:
        if post.slug in views:
            path = S.source_path(post)
            yield Page(path, f"source view of {post.slug!r}", "source.html", f"Source of {post.title}",
                       "plain", {"view": views[post.slug], "post_url": S.relative_url(path, S.post_path(post))})
    lister = _Lister(site, digests, config)
    yield from lister.listing(site.posts, "", config.title, "Newest first.", source="home page",
                              heading="All posts")
    for cat in site.categories:
        folder = f"category/{cat.slug}/"
        feeds = (ALL_POSTS, FeedLink(cat.name, folder, has_atom_entries(cat.posts)))
        yield from lister.listing(cat.posts, folder, f"Category: {cat.name}",
                                  f"{_count(cat.posts)} filed under {cat.name}.",
                                  feeds=feeds, source=f"category {cat.name!r}")
    for year in site.years:
        yield from lister.listing(year.posts, f"{year.year:04d}/", f"Posts from {year.year}",
                                  f"{_count(year.posts)} from {year.year}.", source=f"year {year.year}")
        for month in year.months:
            name = format_date(month.posts[0].date, "%B %Y")
            yield from lister.listing(month.posts, f"{month.year:04d}/{month.month:02d}/",
                                      f"Posts from {name}", f"{_count(month.posts)} from {name}.",
                                      source=f"month {name}")
    yield from lister.listing(site.undated, "undated/", "Undated posts",
                              "Posts the archive gives no date for, with the dates they must lie "
                              "between (or, when nothing is known, where they were found).",
                              source="undated posts", show_source=True)
    yield categories_page(site)
    yield archives_page(site)
    if search:
        yield Page(S.SEARCH_PATH, "search page", "search.html", "Search", "plain", {})
    yield Page("404.html", "404 page", "404.html", "Page not found", "plain", {}, rooted=True)


def _count(posts) -> str:
    return "1 post" if len(posts) == 1 else f"{len(posts)} posts"


class _Lister:
    """Paginated lists of posts: <folder>index.html, then <folder>page/N/index.html."""

    def __init__(self, site: S.Site, digests: dict[str, Digest], config: Config):
        self.site, self.digests, self.config = site, digests, config
        self.refs: dict[str, tuple] = {}

    def ref(self, post: Post) -> tuple:
        """(digest key, category links): all a listing shows of a post."""
        if post.slug not in self.refs:
            self.refs[post.slug] = (self.digests[post.slug].key,
                                    tuple(S.Link(c.name, c.path) for c in self.site.categories_of(post)))
        return self.refs[post.slug]

    def listing(self, posts, folder: str, title: str, intro: str, source: str, feeds=(ALL_POSTS,),
                show_source: bool = False, heading: str = ""):
        chunks = S.pages(tuple(posts), self.config.posts_per_page)
        for n, chunk in enumerate(chunks, 1):
            yield Page(S.paged(folder, n), f"{source}, page {n}", "list.html",
                       title if n == 1 else f"{title} (page {n} of {len(chunks)})", "list",
                       (intro, heading or title, tuple(self.ref(p) for p in chunk),
                        (folder, n, len(chunks)), show_source), feeds=feeds)


def _pager(folder: str, n: int, count: int, around: int = 2) -> dict:
    """Links to the newer/older page and to the first, last and nearby pages (a 1,000-page
    listing must not carry 1,000 links on every page); None marks a gap."""
    here = S.paged(folder, n)
    shown = sorted({1, count, *range(max(1, n - around), min(count, n + around) + 1)})
    pages: list = []
    for k in shown:
        if pages and k > pages[-1]["number"] + 1:
            pages.append(None)
        pages.append({"number": k, "url": S.relative_url(here, S.paged(folder, k)), "current": k == n})
    return {"number": n, "count": count,
            "newer": S.relative_url(here, S.paged(folder, n - 1)) if n > 1 else None,
            "older": S.relative_url(here, S.paged(folder, n + 1)) if n < count else None,
            "pages": pages}


def categories_page(site: S.Site) -> Page:
    """The categories index with a post count for each."""
    path = "category/index.html"
    cats = [{"name": c.name, "url": S.relative_url(path, c.path), "count": len(c.posts)}
            for c in site.categories]
    return Page(path, "categories index", "categories.html", "Categories", "plain", {"categories": cats})


def archives_page(site: S.Site) -> Page:
    """Every year and month with its count, and the undated posts."""
    path = "archives/index.html"
    years = [{"year": y.year, "url": S.relative_url(path, y.path), "count": len(y.posts),
              "months": [{"name": format_date(m.posts[0].date, "%B %Y"),
                          "url": S.relative_url(path, m.path), "count": len(m.posts)}
                         for m in y.months]} for y in site.years]
    bars = month_bars(site.posts, lambda y, m: S.relative_url(path, S.month_path(y, m)))
    return Page(path, "archive overview", "archives.html", "Archives", "plain", {
        "activity": {"svg": Markup(activity_svg(bars)), "rows": activity_table(bars), "months": SHORT_MONTHS},
        "years": years,
        "undated": {"count": len(site.undated), "url": S.relative_url(path, "undated/index.html")}})


def sitemap(paths: list[str], base: str) -> bytes:
    """sitemap.xml of every HTML page but the 404 page, in path order."""
    urls = "".join(f"  <url><loc>{xml_escape(S.absolute_url(base, p))}</loc></url>\n"
                   for p in sorted(paths) if p.endswith(".html") and p != "404.html")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            f"{urls}</urlset>\n").encode("utf-8")


def robots(base: str) -> bytes:
    return f"User-agent: *\nAllow: /\nSitemap: {S.absolute_url(base, 'sitemap.xml')}\n".encode("utf-8")
