"""Posts -> HTML: one Jinja2 environment, safe Markdown, and every page of the site (pure).

`render_site` returns {output path: bytes}; builder.py does the writing.
"""
from __future__ import annotations

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
from .post import Post

BUILTIN_TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
_SAFE_URL = re.compile(r"^(?:https?:|mailto:|#|[^:]*$)", re.I)
_WORD = re.compile(r"\S+")


class _SafeLinks(Treeprocessor):
    """Drop link and image URLs with a scheme other than http(s)/mailto (javascript:, data:…)."""

    def run(self, root):
        for el in root.iter():
            for attr in ("href", "src"):
                value = el.get(attr)
                if value is None or _SAFE_URL.match(value.strip().replace("\x00", "")):
                    continue
                if el.tag == "img":     # show the alt text instead of a broken image
                    alt = el.get("alt", "")
                    el.attrib.clear()
                    el.tag, el.text = "span", alt
                else:
                    el.set(attr, "#")


class _NoRawHtml(markdown.Extension):
    """Text stays text: raw HTML in a post is escaped, never passed through."""

    def extendMarkdown(self, md):
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        md.treeprocessors.register(_SafeLinks(md), "safe_links", 0)


def markdown_converter() -> markdown.Markdown:
    """The extensions the loader's output needs: footnotes and kept line breaks."""
    return markdown.Markdown(extensions=["footnotes", "nl2br", _NoRawHtml()], output_format="html")


def to_html(md: markdown.Markdown, body: str) -> str:
    md.reset()
    return md.convert(body)


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
    return len(_WORD.findall(plain_text(body_html)))


def format_date(date, fmt: str) -> str:
    return date.strftime(fmt)


def date_label(post: Post, fmt: str) -> str:
    """'25 August 2015', or the bounds of an undated post; never an invented date."""
    if post.date:
        return format_date(post.date, fmt)
    a, b = post.date_after, post.date_before
    if a and b:
        return f"Undated — between {format_date(a, fmt)} and {format_date(b, fmt)}"
    if a:
        return f"Undated — after {format_date(a, fmt)}"
    if b:
        return f"Undated — before {format_date(b, fmt)}"
    return "Undated"


def comments_label(post: Post) -> str:
    if post.comments is None:
        return ""
    return "No comments" if post.comments == 0 else (
        "1 comment" if post.comments == 1 else f"{post.comments} comments")


class SiteRenderer:
    """Renders every page of one Site; each post's HTML is converted once and reused."""

    def __init__(self, site: S.Site, config: Config, env: Environment):
        self.site, self.config, self.env = site, config, env
        md = markdown_converter()
        self.html = {p.slug: to_html(md, p.body) for p in site.posts}
        self.cat_by_slug = {c.slug: c for c in site.categories}

    def entry(self, post: Post, here: str) -> dict:
        """What a listing shows of a post: ready links and labels, no logic left for templates."""
        return {"title": post.title, "url": S.relative_url(here, S.post_path(post)),
                "date": date_label(post, self.config.date_format),
                "iso": post.date.isoformat() if post.date else "",
                "categories": [{"name": c.name, "url": S.relative_url(here, c.path)}
                               for c in self.site.categories_of(post)],
                "summary": summary(self.html[post.slug]), "excerpt": post.excerpt,
                "words": word_count(self.html[post.slug]), "comments": comments_label(post)}

    def page(self, template: str, path: str, title: str, feeds=(), **ctx) -> bytes:
        base = self.config.site_url
        all_feeds = [("application/rss+xml", f"{self.config.title} (RSS)", "feed.xml"),
                     ("application/atom+xml", f"{self.config.title} (Atom)", "atom.xml"), *feeds]
        nav = [("Home", "index.html"), ("Categories", "category/index.html"),
               ("Archives", "archives/index.html"), ("Undated", "undated/index.html")]
        text = self.env.get_template(template).render(
            config=self.config, title=title, canonical=S.absolute_url(base, path),
            link=lambda target: S.relative_url(path, target),
            feeds=[{"type": t, "title": n, "url": S.relative_url(path, f)} for t, n, f in all_feeds],
            nav=[{"label": n, "url": S.relative_url(path, f), "current": f == path} for n, f in nav],
            css=S.relative_url(path, "static/style.css"), **ctx)
        return text.encode("utf-8")

    def render_all(self) -> dict[str, bytes]:
        out: dict[str, bytes] = {}
        for path, data in self._pages():
            if path in out:
                raise ValueError(f"two pages want the same output path {path!r}")
            out[path] = data
        return out

    def _pages(self):
        for post in self.site.posts:
            yield S.post_path(post), self.post_page(post)
        yield from self.listing(self.site.posts, "", self.config.title, "All posts, newest first", home=True)
        for cat in self.site.categories:
            folder = f"category/{cat.slug}/"
            feeds = [("application/rss+xml", f"{cat.name} (RSS)", folder + "feed.xml"),
                     ("application/atom+xml", f"{cat.name} (Atom)", folder + "atom.xml")]
            yield from self.listing(cat.posts, folder, f"Category: {cat.name}",
                                    f"{len(cat.posts)} posts filed under {cat.name}", feeds=feeds)
        for year in self.site.years:
            yield from self.listing(year.posts, f"{year.year:04d}/", f"Posts from {year.year}",
                                    f"{len(year.posts)} posts")
            for month in year.months:
                name = format_date(month.posts[0].date, "%B %Y")
                yield from self.listing(month.posts, f"{month.year:04d}/{month.month:02d}/",
                                        f"Posts from {name}", f"{len(month.posts)} posts")
        yield from self.listing(self.site.undated, "undated/", "Undated posts",
                                "Posts the archive gives no date for, with the dates they must lie between.")
        yield "category/index.html", self.categories_page()
        yield "archives/index.html", self.archives_page()
        yield "404.html", self.page("404.html", "404.html", "Page not found")

    def post_page(self, post: Post) -> bytes:
        path = S.post_path(post)
        newer, older = self.site.neighbours[post.slug]
        series = self.site.series.get(post.slug, ())
        return self.page(
            "post.html", path, post.title, post=self.entry(post, path),
            body=Markup(self.html[post.slug]),
            newer=self.entry(newer, path) if newer else None,
            older=self.entry(older, path) if older else None,
            series=[{"title": p.title, "url": S.relative_url(path, S.post_path(p)),
                     "current": p.slug == post.slug} for p in series],
            sources=[{"file": s.file, "first": s.first, "last": s.last} for s in post.sources])

    def listing(self, posts, folder: str, title: str, intro: str, feeds=(), home=False):
        chunks = S.pages(tuple(posts), self.config.posts_per_page)
        for n, chunk in enumerate(chunks, 1):
            path = S.paged(folder, n)
            pager = {"number": n, "count": len(chunks),
                     "newer": S.relative_url(path, S.paged(folder, n - 1)) if n > 1 else None,
                     "older": S.relative_url(path, S.paged(folder, n + 1)) if n < len(chunks) else None,
                     "pages": [{"number": k, "url": S.relative_url(path, S.paged(folder, k)),
                                "current": k == n} for k in range(1, len(chunks) + 1)]}
            page_title = title if n == 1 else f"{title} (page {n} of {len(chunks)})"
            yield path, self.page("list.html", path, page_title, feeds=feeds, intro=intro,
                                  entries=[self.entry(p, path) for p in chunk], pager=pager,
                                  home=home, heading=title)

    def categories_page(self) -> bytes:
        path = "category/index.html"
        cats = [{"name": c.name, "url": S.relative_url(path, c.path), "count": len(c.posts)}
                for c in self.site.categories]
        return self.page("categories.html", path, "Categories", categories=cats)

    def archives_page(self) -> bytes:
        path = "archives/index.html"
        years = [{"year": y.year, "url": S.relative_url(path, y.path), "count": len(y.posts),
                  "months": [{"name": format_date(m.posts[0].date, "%B"),
                              "url": S.relative_url(path, m.path), "count": len(m.posts)}
                             for m in y.months]} for y in self.site.years]
        return self.page("archives.html", path, "Archives", years=years,
                         undated={"count": len(self.site.undated),
                                  "url": S.relative_url(path, "undated/index.html")})


def sitemap(paths: list[str], base: str) -> bytes:
    """sitemap.xml of every HTML page but the 404 page, in path order."""
    urls = "".join(f"  <url><loc>{xml_escape(S.absolute_url(base, p))}</loc></url>\n"
                   for p in sorted(paths) if p.endswith(".html") and p != "404.html")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            f"{urls}</urlset>\n").encode("utf-8")


def robots(base: str) -> bytes:
    return f"User-agent: *\nAllow: /\nSitemap: {S.absolute_url(base, 'sitemap.xml')}\n".encode("utf-8")
