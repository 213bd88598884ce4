"""A WordPress export (WXR, Tools -> Export) -> its published posts, with WordPress's own fields.

Title, slug (wp:post_name), date (wp:post_date, as the blog showed it), categories
(domain="category", without "Uncategorized"), tags (domain="post_tag"), author (dc:creator's
display name from wp:author), approved comments threaded by wp:comment_parent, and the content:
HTML stored the way WordPress keeps it (paragraphs as blank lines, [caption] shortcodes), turned
into HTML as WordPress would show it, then into the loader's Markdown.  Drafts, pending,
scheduled and private posts are skipped with a note (the site shows published posts only), as
are pages and menu items; attachments give the alt text of images that have none in the post.

The XML parser never expands entities, loads a DTD or reaches the network, and a file with a
DOCTYPE is refused before parsing: a real export has none, and entities are the way
billion-laughs bombs and external-entity reads work.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
from pathlib import Path

from bs4 import BeautifulSoup
from lxml import etree

from ..errors import DumpError
from ..loader.model import DumpParse, RawPost
from ..post import Comment
from .html_to_markdown import Context, Converter
from .images import PageImages
from .record import FileRead, categories, clean, iso_date, own_slug

NS = {
    "content": "http://purl.org/rss/1.0/modules/content/",
    "dc": "http://purl.org/dc/elements/1.1/",
}
_PARSER_OPTIONS = dict(
    resolve_entities=False,
    no_network=True,
    huge_tree=False,
    load_dtd=False,
    dtd_validation=False,
    remove_pis=True,
)
_SKIPPED_STATUS = {"draft", "pending", "future", "private"}
_BLOCK = (
    r"(?:table|thead|tfoot|caption|col|colgroup|tbody|tr|td|th|div|dl|dd|dt|ul|ol|li|pre|"
    r"form|map|area|blockquote|address|math|style|p|h[1-6]|hr|fieldset|legend|section|"
    r"article|aside|hgroup|header|footer|nav|figure|figcaption|details|menu|summary)"
)
_CAPTION_RE = re.compile(r"\[caption([^\]]*)\](.*?)\[/caption\]", re.S | re.I)
_CAPTION_IMAGE_RE = re.compile(
    r"^\s*((?:<a\b[^>]*>\s*)?<img\b[^>]*>(?:\s*</a>)?)(.*)$", re.S | re.I
)
_SHORTCODE_RE = re.compile(
    r"\[/?(?:gallery|embed|audio|video|playlist|youtube|vimeo|wpvideo|"
    r"soundcloud|googlemaps|contact-form[\w-]*)\b[^\]]*\]",
    re.I,
)


def read_export(path: Path, data: bytes) -> FileRead:
    """Every published post of an export; a damaged or hostile file is an error naming it."""
    channel = _channel(path, data)
    wp = _wp_namespace(path, channel)
    authors = {
        _text(a, f"{{{wp}}}author_login"): _text(a, f"{{{wp}}}author_display_name")
        for a in channel.findall(f"{{{wp}}}author")
    }
    base = _text(channel, f"{{{wp}}}base_blog_url") or _text(channel, "link") or None
    alts = _attachment_alts(channel, wp)
    parse = DumpParse(name=path.name, notes=[])
    read = FileRead(parse)
    images = PageImages(path, base)
    skipped: dict[str, int] = {}
    export = _Export(wp, authors, images, alts, base)
    for n, item in enumerate(channel.findall("item"), 1):
        kind = _required(path, item, n, f"{{{wp}}}post_type", "wp:post_type")
        status = _required(path, item, n, f"{{{wp}}}status", "wp:status")
        if kind != "post" or status != "publish":
            if kind == "post" and status in _SKIPPED_STATUS or kind == "page":
                what = f"{status} post" if kind == "post" else "page"
                skipped[what] = skipped.get(what, 0) + 1
            continue
        raw = _post(path, item, n, len(parse.posts), export)
        if raw is not None:
            parse.posts.append(raw)
            read.addresses[raw.index] = _addresses(item, wp, base)
    parse.warnings.extend(
        f"{path}: {count} {what}{'s' if count > 1 else ''} skipped (only "
        "published posts are imported)"
        for what, count in sorted(skipped.items())
    )
    parse.warnings.extend(images.warnings)
    read.images = images.copies
    if not parse.posts:
        raise DumpError(path, None, "this WordPress export holds no published post")
    return read


class _Export:
    """What reading one export's items needs: its namespace, authors, images, alt texts, address."""

    def __init__(
        self,
        wp: str,
        authors: dict[str, str],
        images: PageImages,
        alts: dict[str, str],
        base: str | None,
    ):
        self.wp, self.authors, self.images, self.alts, self.base = wp, authors, images, alts, base

    def blocks(self, html: str, base: str | None = None) -> list[str]:
        soup = BeautifulSoup(f"<div>{autop(html)}</div>", "lxml")
        for img in soup.find_all("img"):
            if not img.get("alt") and img.get("src") in self.alts:
                img["alt"] = self.alts[img["src"]]
        return Converter(Context(base_url=base or self.base, image=self.images.resolve)).convert(
            soup.div
        )


def _channel(path: Path, data: bytes):
    """The export's <channel>, parsed without entities, DTDs or network."""
    start = data.find(b"<rss")
    prolog = data[: start if start >= 0 else 4096]
    if re.search(rb"<!(?:DOCTYPE|ENTITY)", prolog, re.I):
        raise DumpError(
            path,
            prolog[: re.search(rb"<!(?:DOCTYPE|ENTITY)", prolog, re.I).start()].count(b"\n") + 1,
            "declares a DOCTYPE or entities; a WordPress export "
            "has none, and entities can expand without end or read local files, so "
            "it is refused",
        )
    try:
        root = etree.fromstring(data, etree.XMLParser(**_PARSER_OPTIONS))
    except etree.XMLSyntaxError as exc:
        raise DumpError(path, exc.lineno, f"not well-formed XML: {exc.msg}") from None
    channel = root.find("channel") if root.tag == "rss" else None
    if channel is None:
        raise DumpError(path, None, "not a WordPress export (no <rss><channel>)")
    return channel


def _wp_namespace(path: Path, channel) -> str:
    for ns in (channel.nsmap or {}).values():
        if ns and re.match(r"^https?://wordpress\.org/export/\d+\.\d+/$", ns):
            return ns
    raise DumpError(
        path, channel.sourceline, "not a WordPress export (no wordpress.org/export namespace)"
    )


def _text(el, tag: str) -> str:
    found = el.find(tag, NS) if el is not None else None
    return (found.text or "").strip() if found is not None else ""


def _required(path: Path, item, n: int, tag: str, label: str) -> str:
    found = item.find(tag, NS)
    if found is None:
        raise DumpError(
            path,
            item.sourceline,
            f"item {n} has no <{label}>; the export is incomplete (export it again from WordPress)",
        )
    return (found.text or "").strip()


def _post(path: Path, item, n: int, index: int, export: _Export) -> RawPost | None:
    """Item n of the export as a RawPost; None for an untitled post."""
    wp = export.wp
    post_id = _text(item, f"{{{wp}}}post_id")
    element = f"item {n}" + (f" (wp:post_id {post_id})" if post_id else "")
    title = clean(_required(path, item, n, "title", "title"))
    content = item.find("content:encoded", NS)
    if content is None:
        raise DumpError(
            path,
            item.sourceline,
            f"{element} has no <content:encoded>; the export "
            "is incomplete (export it again from WordPress)",
        )
    if not title:
        return None
    link = _text(item, "link") or None
    terms = item.findall("category")
    creator = _text(item, "dc:creator")
    thread = _thread(item, export)
    return RawPost(
        title=title,
        title_line=n,
        last_line=n,
        dump=path.name,
        index=index,
        date=iso_date(_text(item, f"{{{wp}}}post_date")) or _rfc822_date(_text(item, "pubDate")),
        comments=len(thread),
        blocks=export.blocks(content.text or "", link),
        categories=categories(t.text for t in terms if t.get("domain") == "category"),
        tags=list(
            dict.fromkeys(
                clean(t.text) for t in terms if t.get("domain") == "post_tag" and clean(t.text)
            )
        ),
        author=clean(export.authors.get(creator) or creator) or None,
        thread=thread,
        origin="wxr",
        element=element,
        slug=own_slug(_text(item, f"{{{wp}}}post_name")),
    )


def _rfc822_date(value: str) -> dt.date | None:
    try:
        return email.utils.parsedate_to_datetime(value).date() if value else None
    except (TypeError, ValueError):
        return None


def _thread(item, export: _Export) -> list[Comment]:
    """Approved comments, each reply right after its parent (WordPress's threaded order)."""
    wp = export.wp
    found = {}
    for c in item.findall(f"{{{wp}}}comment"):
        if _text(c, f"{{{wp}}}comment_approved") != "1":
            continue
        key = _text(c, f"{{{wp}}}comment_id") or f"#{len(found)}"
        found[key] = c
    children: dict[str, list[str]] = {}
    roots = []
    for key in sorted(found, key=lambda k: (_text(found[k], f"{{{wp}}}comment_date"), k)):
        parent = _text(found[key], f"{{{wp}}}comment_parent")
        replying = parent in found and parent != key
        (children.setdefault(parent, []) if replying else roots).append(key)
    out: list[Comment] = []
    number: dict[str, int] = {}
    stack = [(k, None) for k in reversed(roots)]
    while stack:
        key, parent = stack.pop()
        if key in number:
            continue
        c = found[key]
        out.append(
            Comment(
                author=clean(_text(c, f"{{{wp}}}comment_author")),
                text="\n\n".join(export.blocks(_text(c, f"{{{wp}}}comment_content"))),
                date=iso_date(_text(c, f"{{{wp}}}comment_date")),
                parent=parent,
            )
        )
        number[key] = len(out)
        stack.extend((k, number[key]) for k in reversed(children.get(key, [])))
    return out


def _attachment_alts(channel, wp: str) -> dict[str, str]:
    """Image address -> its alt text, from the export's attachment items."""
    alts = {}
    for item in channel.findall("item"):
        url = _text(item, f"{{{wp}}}attachment_url")
        for meta in item.findall(f"{{{wp}}}postmeta"):
            if url and _text(meta, f"{{{wp}}}meta_key") == "_wp_attachment_image_alt":
                alts[url] = clean(_text(meta, f"{{{wp}}}meta_value"))
    return alts


def _addresses(item, wp: str, base: str | None) -> tuple[str, ...]:
    """The post's URLs on the old blog: its permalink, its guid, ?p=ID."""
    found = [_text(item, "link"), _text(item, "guid")]
    post_id = _text(item, f"{{{wp}}}post_id")
    if base and post_id:
        found.append(f"{base.rstrip('/')}/?p={post_id}")
    return tuple(u for u in dict.fromkeys(found) if u.startswith(("http://", "https://")))


def autop(html: str) -> str:
    """WordPress's stored post text as the HTML it shows (a small wpautop): blank lines are
    paragraphs, single newlines line breaks, [caption] a figure; other shortcodes removed."""
    html = re.sub(r"<!--.*?-->", "", html.replace("\r\n", "\n").replace("\r", "\n"), flags=re.S)
    html = _CAPTION_RE.sub(_figure, _SHORTCODE_RE.sub("", html))
    kept: list[str] = []

    def keep(m: re.Match) -> str:
        kept.append(m.group(0))
        return f'<pre data-kept="{len(kept) - 1}"></pre>'

    html = re.sub(r"<pre\b.*?</pre>", keep, html, flags=re.S | re.I)
    html = re.sub(rf"(<{_BLOCK}[\s/>])", r"\n\n\1", html, flags=re.I)
    html = re.sub(rf"(</{_BLOCK}>)", r"\1\n\n", html, flags=re.I)
    paras = [p.strip() for p in re.split(r"\n\s*\n", html) if p.strip()]
    out = []
    for p in paras:
        if re.match(rf"^</?{_BLOCK}[\s/>]", p, re.I) or re.search(rf"</{_BLOCK}>$", p, re.I):
            out.append(p)
        else:
            out.append("<p>" + re.sub(r"\s*\n\s*", "<br>\n", p) + "</p>")
    html = "\n".join(out)
    return re.sub(r"<pre data-kept=\"(\d+)\"></pre>", lambda m: kept[int(m.group(1))], html)


def _figure(m: re.Match) -> str:
    attrs, inner = m.group(1), m.group(2)
    image = _CAPTION_IMAGE_RE.match(inner)
    caption = re.search(r'caption="([^"]*)"', attrs)
    if not image:
        return inner
    text = image.group(2).strip() or (caption.group(1) if caption else "")
    return f'<figure class="wp-caption">{image.group(1)}<figcaption>{text}</figcaption></figure>'
