"""Posts -> HTML: one Jinja2 environment, safe Markdown, and every page of the site (pure).

`render_pages` yields (output path, what it is, HTML); builder.py checks and writes them.
"""
from __future__ import annotations

import functools
import html
import re
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

import markdown
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markdown.treeprocessors import Treeprocessor
from markupsafe import Markup

from . import site as S
from .config import Config
from .post import Post, undated_label

BUILTIN_TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
_SAFE_SCHEMES = {"http", "https", "mailto"}
_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):", re.I)
_WORD = re.compile(r"\S+")


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


def markdown_converter() -> markdown.Markdown:
    """The extensions the loader's output needs: footnotes and kept line breaks."""
    return markdown.Markdown(extensions=["footnotes", "nl2br", _NoRawHtml()], output_format="html")


@functools.lru_cache(maxsize=4096)
def post_html(body: str) -> str:
    """A post body as HTML; a pure function of the Markdown, so it is converted once per build."""
    md = _converter()
    md.reset()
    return md.convert(body)


@functools.lru_cache(maxsize=1)
def _converter() -> markdown.Markdown:
    return markdown_converter()


def make_env(template_dir: Path | None = None) -> Environment:
    """User templates (if any) first, built-in ones behind; autoescape and StrictUndefined on."""
    dirs = ([str(template_dir)] if template_dir else []) + [str(BUILTIN_TEMPLATES)]
    return Environment(loader=ChoiceLoader([FileSystemLoader(d) for d in dirs]),
                       autoescape=select_autoescape(default=True, default_for_string=True),
                       undefined=StrictUndefined, keep_trailing_newline=True)


def plain_text(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", fragment))


def summary(body_html: str, words: int = 60) -> str:
    """The first paragraph or so, as plain text of at most `words` words."""
    main = body_html.split('<div class="footnote">')[0]
    main = re.sub(r"<sup[^>]*>.*?</sup>", "", main)
    paras = [plain_text(p) for p in re.findall(r"<p>(.*?)</p>", main, re.S)]
    out: list[str] = []
    for para in paras:
        out += _WORD.findall(para)
        if len(out) >= 25:
            break
    return " ".join(out[:words]) + (" …" if len(out) > words else "")


def word_count(body_html: str) -> int:
    """Words of the rendered post, for listings (and later reading-time estimates)."""
    return len(_WORD.findall(plain_text(body_html)))


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


def render_post(post: Post, context: S.PostContext, config: Config, env: Environment) -> str:
    """A post's page: a pure function of its inputs, so a build cache or a process pool can call it."""
    path = S.post_path(post)
    body = post_html(post.body)
    return render_page(
        env, config, "post.html", path, post.title, post=entry_view(post, context.categories, path, config),
        body=Markup(body), newer=_link_view(context.newer, path), older=_link_view(context.older, path),
        series=[{"title": part.label, "url": S.relative_url(path, part.path), "current": part.path == path}
                for part in context.series],
        sources=[{"file": s.file, "first": s.first, "last": s.last} for s in post.sources])


def entry_view(post: Post, categories: tuple[S.Link, ...], here: str, config: Config) -> dict:
    """What a page shows of a post: ready links and labels, no logic left for templates."""
    body = post_html(post.body)
    return {"title": post.title, "url": S.relative_url(here, S.post_path(post)),
            "date": date_label(post, config.date_format),
            "iso": post.date.isoformat() if post.date else "",
            "categories": [{"name": c.label, "url": S.relative_url(here, c.path)} for c in categories],
            "summary": summary(body), "excerpt": post.excerpt, "words": word_count(body),
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
                feeds: tuple[tuple[str, str], ...] = (), rooted: bool = False, **ctx) -> str:
    """Any page of the site; `feeds` adds (label, folder) feed pairs to the site-wide one.

    Links are relative to `path`, except on a `rooted` page (404.html), which a server shows
    at any depth and which therefore links from the root path of base_url."""
    def link(target: str) -> str:
        return S.rooted_url(config.site_url, target) if rooted else S.relative_url(path, target)

    feed_views = [{"label": label, "rss": link(folder + "feed.xml"), "atom": link(folder + "atom.xml")}
                  for label, folder in (("All posts", ""), *feeds)]
    nav = [{"label": label, "url": link(target), "current": target == path} for label, target in _NAV]
    return env.get_template(template).render(
        config=config, title=title, canonical=S.absolute_url(config.site_url, path), link=link,
        feeds=feed_views, nav=nav, **ctx)


def render_pages(site: S.Site, config: Config, env: Environment):
    """Every HTML page of the site as (output path, what it is, HTML), in a fixed order."""
    for post in site.posts:
        yield S.post_path(post), f"post {post.slug!r}", render_post(post, site.context(post), config, env)
    yield from _listing(site, config, env, site.posts, "", config.title, "Newest first.",
                        source="home page", heading="All posts")
    for cat in site.categories:
        folder = f"category/{cat.slug}/"
        yield from _listing(site, config, env, cat.posts, folder, f"Category: {cat.name}",
                            f"{_count(cat.posts)} filed under {cat.name}.", feeds=((cat.name, folder),),
                            source=f"category {cat.name!r}")
    for year in site.years:
        yield from _listing(site, config, env, year.posts, f"{year.year:04d}/", f"Posts from {year.year}",
                            f"{_count(year.posts)} from {year.year}.", source=f"year {year.year}")
        for month in year.months:
            name = format_date(month.posts[0].date, "%B %Y")
            yield from _listing(site, config, env, month.posts, f"{month.year:04d}/{month.month:02d}/",
                                f"Posts from {name}", f"{_count(month.posts)} from {name}.",
                                source=f"month {name}")
    yield from _listing(site, config, env, site.undated, "undated/", "Undated posts",
                        "Posts the archive gives no date for, with the dates they must lie between "
                        "(or, when nothing is known, where they were found).", source="undated posts",
                        show_source=True)
    yield "category/index.html", "categories index", categories_page(site, config, env)
    yield "archives/index.html", "archive overview", archives_page(site, config, env)
    yield "404.html", "404 page", render_page(env, config, "404.html", "404.html", "Page not found",
                                              rooted=True)


def _count(posts) -> str:
    return "1 post" if len(posts) == 1 else f"{len(posts)} posts"


def _listing(site: S.Site, config: Config, env: Environment, posts, folder: str, title: str,
             intro: str, source: str, feeds=(), show_source: bool = False, heading: str = ""):
    """A paginated list of posts: <folder>index.html, then <folder>page/N/index.html."""
    chunks = S.pages(tuple(posts), config.posts_per_page)
    for n, chunk in enumerate(chunks, 1):
        path = S.paged(folder, n)
        page_title = title if n == 1 else f"{title} (page {n} of {len(chunks)})"
        entries = [entry_view(p, tuple(S.Link(c.name, c.path) for c in site.categories_of(p)), path, config)
                   for p in chunk]
        yield path, f"{source}, page {n}", render_page(
            env, config, "list.html", path, page_title, feeds=feeds, intro=intro, heading=heading or title,
            entries=entries, pager=_pager(folder, n, len(chunks)), show_source=show_source)


def _pager(folder: str, n: int, count: int) -> dict:
    """Links to the newer/older page and to every page of a listing, relative to page n."""
    here = S.paged(folder, n)
    return {"number": n, "count": count,
            "newer": S.relative_url(here, S.paged(folder, n - 1)) if n > 1 else None,
            "older": S.relative_url(here, S.paged(folder, n + 1)) if n < count else None,
            "pages": [{"number": k, "url": S.relative_url(here, S.paged(folder, k)), "current": k == n}
                      for k in range(1, count + 1)]}


def categories_page(site: S.Site, config: Config, env: Environment) -> str:
    """The categories index with a post count for each."""
    path = "category/index.html"
    cats = [{"name": c.name, "url": S.relative_url(path, c.path), "count": len(c.posts)}
            for c in site.categories]
    return render_page(env, config, "categories.html", path, "Categories", categories=cats)


def archives_page(site: S.Site, config: Config, env: Environment) -> str:
    """Every year and month with its count, and the undated posts."""
    path = "archives/index.html"
    years = [{"year": y.year, "url": S.relative_url(path, y.path), "count": len(y.posts),
              "months": [{"name": format_date(m.posts[0].date, "%B %Y"),
                          "url": S.relative_url(path, m.path), "count": len(m.posts)}
                         for m in y.months]} for y in site.years]
    return render_page(env, config, "archives.html", path, "Archives", years=years,
                       undated={"count": len(site.undated), "url": S.relative_url(path, "undated/index.html")})

def sitemap(paths: list[str], base: str) -> bytes:
    """sitemap.xml of every HTML page but the 404 page, in path order."""
    urls = "".join(f"  <url><loc>{xml_escape(S.absolute_url(base, p))}</loc></url>\n"
                   for p in sorted(paths) if p.endswith(".html") and p != "404.html")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            f"{urls}</urlset>\n").encode("utf-8")


def robots(base: str) -> bytes:
    return f"User-agent: *\nAllow: /\nSitemap: {S.absolute_url(base, 'sitemap.xml')}\n".encode("utf-8")
