"""A saved HTML page of a WordPress blog -> its posts, read from the theme's hAtom/mf2 markup.

Any page kind (home, category, tag, month, single post with comments) of any theme that marks
posts up the way WordPress themes do: `hentry`/`h-entry` around each post, `entry-title`,
`entry-content` or `entry-summary`, `<time class="published" datetime>`, `rel="bookmark"`,
`rel="category tag"` and `rel="tag"`, an author `vcard`, and the comment list.  Where a piece of
markup is missing, the text rules of the loader give the date ("May 27, 2012") and the comment
count ("7 Replies", "Leave a comment").
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

from bs4 import BeautifulSoup, Tag
from bs4.dammit import UnicodeDammit

from ..errors import DumpError
from ..loader import grammar as G
from ..loader import lines as L
from ..loader.model import DumpParse, RawPost
from ..post import Comment
from . import archive
from .html_to_markdown import Context, Converter, link_target
from .images import PageImages
from .record import UNCATEGORIZED, FileRead, categories, clean, iso_date, own_slug

ENTRY = ".hentry, .h-entry"
_COMMENTS = ".comment, .comments-area, #comments, .commentlist, .comment-list, .p-comment"
_TITLE = ".entry-title, .p-name, .post-title"
_CONTENT = ".entry-content, .e-content, .post-content"
_SUMMARY = ".entry-summary, .p-summary"
_AUTHOR = (
    ".author.vcard .fn, .vcard .fn, .p-author .p-name, .p-author, .author .fn, "
    "a[rel~=author], .byline .author, .entry-author, a[href*='/author/']"
)
_ARCHIVE_TITLE = ".page-title, .archive-title, .page-header h1"
_DATE_ATTR = (
    ("time.published", "datetime"),
    (".dt-published", "datetime"),
    ("time.entry-date", "datetime"),
    ("abbr.published", "title"),
    ("[itemprop=datePublished]", "content"),
    ("[itemprop=datePublished]", "datetime"),
    ("time[datetime]", "datetime"),
)
_MONTH = "(?P<m>" + "|".join(m.capitalize() for m in L.MONTHS) + ")"
_TEXT_DATE_RES = (
    re.compile(rf"{_MONTH} (?P<d>\d{{1,2}}),? (?P<y>\d{{4}})"),
    re.compile(rf"(?P<d>\d{{1,2}}) {_MONTH},? (?P<y>\d{{4}})"),
)
_COUNT_RE = re.compile(
    r"(?P<n>\d+|One|No)\s+(?:Comments?|Repl(?:y|ies)|Responses?|thoughts?)\b", re.I
)
_LEAVE_RE = re.compile(r"\bLeave an? (?:comment|reply)\b|\bNo comments\b|\bBe the first\b", re.I)
_MORE_RE = re.compile(r"^\s*(?:Continue reading|Read more|\(more…\)|More…)", re.I)
_POST_ID_RE = re.compile(r"^post-(\d+)$")
_DATED_PATH_RE = re.compile(r"/(\d{4})/(\d{2})/(\d{2})/")


def read_page(path: Path, data: bytes) -> FileRead:
    """Every post on one saved page; a page without post markup is an error naming the file."""
    text = UnicodeDammit(data, is_html=True).unicode_markup or ""
    if not re.search(r"</(?:body|html)\s*>", text[-65536:], re.I):
        raise DumpError(
            path,
            None,
            "the page is cut short (it has no </body> or </html>); save the whole page again",
        )
    snapshot = archive.is_snapshot(text)
    soup = BeautifulSoup(archive.strip_inserts(text) if snapshot else text, "lxml")
    if snapshot:
        archive.clean_tree(soup)
    entries = find_entries(soup)
    if not entries:
        raise DumpError(path, None, no_post_reason(soup))
    images = PageImages(path, page_url(soup))
    parse = DumpParse(name=path.name, notes=[])
    read = FileRead(parse)
    single = len(entries) == 1
    for element in entries:
        raw = read_entry(
            element, soup if single else None, images, path.name, len(parse.posts), parse.warnings
        )
        if raw is None:
            continue
        if any(r.element == raw.element for r in parse.posts):
            continue  # the sticky post shown twice on one page
        parse.posts.append(raw)
        read.addresses[raw.index] = addresses(element, raw, images.base_url if single else None)
    _add_archive_term(soup, parse.posts)
    parse.warnings.extend(images.warnings)
    read.images = images.copies
    if not parse.posts:
        raise DumpError(path, None, "no post on this page: " + "; ".join(parse.warnings))
    return read


def _add_archive_term(soup: BeautifulSoup, posts: list[RawPost]) -> None:
    """On a category or tag archive ("Category: Fruit", "Tag Archives: mulch"), every post
    listed is in that category or has that tag, whether or not the theme prints it."""
    titles = [el for el in soup.select(_ARCHIVE_TITLE) if el.find_parent(ENTRY) is None]
    header = G.page_header(clean(titles[0].get_text(" "))) if len(titles) == 1 else None
    if header is None or header.kind not in ("category", "tag"):
        return
    for raw in posts:
        terms = raw.categories if header.kind == "category" else raw.tags
        if header.kind == "category" and header.label.casefold() == UNCATEGORIZED:
            continue
        if header.label.casefold() not in {t.casefold() for t in terms}:
            terms.append(header.label)


def find_entries(soup: BeautifulSoup) -> list[Tag]:
    """Post elements: hentry/h-entry, not comments, not nested in another, not pages."""
    found = []
    for el in soup.select(ENTRY):
        classes = set(el.get("class") or [])
        if classes & {"comment", "p-comment", "type-page", "type-attachment", "h-cite"}:
            continue
        if (
            el.find_parent(class_=["hentry", "h-entry"])
            or el.select_one(_TITLE) is None
            and el.find_parent(id="comments")
        ):
            continue
        found.append(el)
    return found


def no_post_reason(soup: BeautifulSoup) -> str:
    """Why a page gave nothing: another blog engine, or no post markup at all."""
    generator = soup.find("meta", attrs={"name": "generator"})
    made_by = clean(generator.get("content")) if generator else ""
    if made_by and "wordpress" not in made_by.lower():
        return (
            f"a page made by {made_by}, not a WordPress blog, and no post is marked up "
            "(hentry or h-entry); import a text copy of it instead"
        )
    return "no post on this page (no element marked hentry or h-entry)"


def page_url(soup: BeautifulSoup) -> str | None:
    """The page's own address (canonical link, og:url or <base>), for its relative links."""
    for tag, attr in (
        (soup.find("link", rel="canonical"), "href"),
        (soup.find("meta", property="og:url"), "content"),
        (soup.find("base"), "href"),
    ):
        url = link_target(tag.get(attr), None) if tag else None
        if url and url.startswith("http"):
            return url
    return None


def _outside(el: Tag, within: Tag, skip: str) -> bool:
    """True when `el` is not inside any `skip` element below `within` (comments, content)."""
    node: Tag | None = el
    while node is not None and node is not within:
        if node.css.match(skip):
            return False
        node = node.parent
    return True


def meta_select(entry: Tag, selector: str) -> list[Tag]:
    """Elements of the entry's own meta: not inside its content, summary or comments."""
    skip = f"{_CONTENT}, {_SUMMARY}, {_COMMENTS}"
    return [el for el in entry.select(selector) if _outside(el, entry, skip)]


def read_entry(
    entry: Tag,
    page: BeautifulSoup | None,
    images: PageImages,
    name: str,
    index: int,
    warnings: list[str],
) -> RawPost | None:
    """One post element as a RawPost, or None (with a warning) if it has no title or no text."""
    element = describe(entry, index)
    title_el = next(iter(meta_select(entry, _TITLE)), None)
    title = clean(title_el.get_text(" ")) if title_el else ""
    if not title:
        warnings.append(f"{name}: {element}: a post without a title; skipped")
        return None
    permalink = _permalink(entry, title_el, images.base_url if page else None)
    blocks, excerpt = _body(
        entry, Context(base_url=permalink or images.base_url, image=images.resolve)
    )
    if not blocks:
        warnings.append(f"{name}: {element}: {title!r} shows no text of the post; skipped")
        return None
    cats, tags = _terms(entry)
    thread = _thread(page or entry, permalink or images.base_url)
    return RawPost(
        title=title,
        title_line=index + 1,
        last_line=index + 1,
        dump=name,
        index=index,
        date=_date(entry, permalink),
        comments=_count(entry, page, len(thread)),
        categories=cats,
        tags=tags,
        excerpt=excerpt,
        blocks=blocks,
        author=_author(entry),
        thread=thread,
        origin="html",
        element=element,
        slug=_path_slug(permalink),
    )


def describe(entry: Tag, index: int) -> str:
    """How a source names the element: 'article#post-12', else its tag and place on the page."""
    if entry.get("id"):
        return f"{entry.name}#{entry['id']}"
    return f"{entry.name}.{(entry.get('class') or ['hentry'])[0]} (post {index + 1} on the page)"


def _permalink(entry: Tag, title_el: Tag | None, page_address: str | None) -> str | None:
    links = meta_select(entry, "a[rel~=bookmark], a.u-url, .u-url")
    if title_el is not None:
        links += title_el.find_all("a", href=True)
    for a in links:
        url = link_target(a.get("href"), page_address)
        if url and url.startswith("http"):
            return url.split("#")[0]
    return page_address


def _path_slug(permalink: str | None) -> str | None:
    """The slug in a permalink's last part (/2012/05/27/<slug>/ or /<slug>/), if it has one."""
    parts = [p for p in urlsplit(permalink or "").path.split("/") if p]
    last = unquote(parts[-1]) if parts else ""
    return None if not last or last.isdigit() or "." in last else own_slug(last)


def _body(entry: Tag, ctx: Context) -> tuple[list[str], bool]:
    """The post's Markdown blocks, and whether the page shows only a teaser."""
    content = next(iter(entry.select(_CONTENT)), None)
    summary = next(iter(entry.select(_SUMMARY)), None)
    holder = content or summary
    if holder is None:
        return [], True
    teaser = content is None
    for a in holder.find_all("a"):
        href = a.get("href") or ""
        if (
            "more-link" in (a.get("class") or [])
            or "#more-" in href
            or (
                _MORE_RE.match(a.get_text())
                and ctx.base_url
                and link_target(href, ctx.base_url) == ctx.base_url
            )
        ):
            teaser = True
            parent = a.parent
            a.decompose()
            if (
                parent is not None
                and parent.name == "p"
                and not parent.get_text(strip=True)
                and not parent.find("img")
            ):
                parent.decompose()
    for marker in holder.select('span[id^="more-"]'):
        marker.decompose()
    blocks = Converter(ctx).convert(holder)
    if blocks and teaser:
        blocks[-1] = re.sub(r"\s*(?:\\\[(?:…|\.\.\.|&hellip;)\\\]|…)\s*$", "", blocks[-1])
    return [b for b in blocks if b.strip()], teaser


def _terms(entry: Tag) -> tuple[list[str], list[str]]:
    """Categories and tags: WordPress marks category links rel="category tag" and puts them
    under /category/; tag links rel="tag", under /tag/."""
    cats, tags = [], []
    for a in meta_select(
        entry,
        "a[rel~=tag], a[rel~=category], .p-category, .cat-links a, .tags-links a, .tag-links a",
    ):
        href = urlsplit(a.get("href") or "").path
        rel = a.get("rel") or []
        in_tags = a.find_parent(class_=["tags-links", "tag-links"]) is not None
        is_cat = "/category/" in href or (
            "/tag/" not in href and not in_tags and ("category" in rel or "tag" not in rel)
        )
        (cats if is_cat else tags).append(a.get_text(" "))
    return list(dict.fromkeys(categories(cats))), list(
        dict.fromkeys(t for t in (clean(x) for x in tags) if t)
    )


def _author(entry: Tag) -> str | None:
    for el in meta_select(entry, _AUTHOR):
        for hidden in el.select(".screen-reader-text"):
            hidden.extract()
        name = re.sub(r"^by\s+", "", clean(el.get_text(" ")), flags=re.I)
        if name:
            return name
    return None


def _date(entry: Tag, permalink: str | None):
    """The published date: a datetime attribute, else the permalink's /YYYY/MM/DD/
    (WordPress's own record of the day, never ambiguous), else a date written in the meta."""
    for selector, attr in _DATE_ATTR:
        for el in meta_select(entry, selector):
            date = iso_date(el.get(attr))
            if date:
                return date
    m = _DATED_PATH_RE.search(urlsplit(permalink or "").path)
    if m and iso_date("-".join(m.groups())):
        return iso_date("-".join(m.groups()))
    for el in meta_select(
        entry,
        ".published, .entry-date, .posted-on, .entry-meta, .dt-published,"
        " .post-date, .date, .entry-footer",
    ):
        date = text_date(el.get_text(" "))
        if date:
            return date
    return None


def text_date(text: str):
    """'May 27, 2012' or '19 April 2015' anywhere in a line of text, else any other format a
    blog's settings allow ('2019-11-21', '21/11/2019': the loader's grammar)."""
    for regex in _TEXT_DATE_RES:
        m = regex.search(text)
        if m:
            return iso_date(f"{m['y']}-{L.MONTHS[m['m'].lower()]:02d}-{int(m['d']):02d}")
    hit = G.find_date(text)
    return hit[0] if hit else None


def _count(entry: Tag, page: BeautifulSoup | None, listed: int) -> int | None:
    """The comment count as the page shows it (the largest it gives), None if it shows none."""
    counts = [listed] if listed else []
    places = meta_select(
        entry,
        ".comments-link, .comments, .comment-count, a[href$='#comments'], a[href$='#respond']",
    )
    if page is not None:
        places += page.select(".comments-title, #comments-title, .comments-area > h2")
    for el in places:
        text = clean(el.get_text(" "))
        m = _COUNT_RE.search(text)
        if m:
            n = m.group("n")
            counts.append(int(n) if n.isdigit() else {"one": 1, "no": 0}[n.lower()])
        elif _LEAVE_RE.search(text):
            counts.append(0)
    return max(counts) if counts else None


def _thread(scope: Tag, base: str | None) -> list[Comment]:
    """The archived comments under a single post, replies pointing at their parent."""
    top = scope.select_one(
        "ol.commentlist, ol.comment-list, ul.commentlist, ul.comment-list, "
        ".comments-area ol, #comments ol"
    )
    if top is None:  # comments as <div class="comment"> (the walker's 'div' style)
        first = scope.select_one("div.comment")
        top = first.parent if first is not None else None
    out: list[Comment] = []
    if top is not None:
        _comments_of(top, None, out, Context(base_url=base))
    return out


def _comments_of(listing: Tag, parent: int | None, out: list[Comment], ctx: Context) -> None:
    for li in listing.find_all(["li", "div"], recursive=False):
        classes = set(li.get("class") or [])
        if not classes & {"comment", "pingback", "trackback"} and not re.match(
            r"^(?:li-)?comment-\d+$", li.get("id") or ""
        ):
            continue
        replies = [
            c
            for c in li.find_all(["ol", "ul", "div"], recursive=False)
            if c.name != "div" or "children" in (c.get("class") or [])
        ]
        for r in replies:
            r.extract()
        out.append(_comment(li, parent, ctx))
        for r in replies:
            _comments_of(r, len(out), out, ctx)


def _comment(li: Tag, parent: int | None, ctx: Context) -> Comment:
    author_el = next(
        (
            el
            for sel in (
                ".comment-author .fn",
                ".fn",
                "cite",
                ".p-author .p-name",
                ".comment-author",
            )
            for el in li.select(sel)[:1]
        ),
        None,
    )
    author = re.sub(r"\s+says:?$", "", clean(author_el.get_text(" "))) if author_el else ""
    when = li.select_one("time[datetime]")
    date = (
        iso_date(when.get("datetime"))
        if when
        else text_date(
            clean((li.select_one(".comment-meta, .comment-metadata") or li).get_text(" "))
        )
    )
    body = li.select_one(".comment-content, .comment-text, .e-content, .comment-body > p")
    if body is not None and body.name == "p":
        body = body.parent
    for junk in (body or li).select(
        ".reply, .comment-reply, .comment-actions, .comment-reply-link, .comment-meta, "
        ".comment-metadata, .comment-author"
    ):
        junk.decompose()
    text = "\n\n".join(Converter(ctx).convert(body or li))
    return Comment(author=author, text=text, date=date, parent=parent)


def addresses(entry: Tag, raw: RawPost, page_address: str | None) -> tuple[str, ...]:
    """The blog's own URLs of a post (its permalink, ?p=ID), for links between posts."""
    found = []
    permalink = _permalink(entry, None, page_address)
    if permalink:
        found.append(permalink)
    post_id = next(
        (
            m.group(1)
            for c in [entry.get("id") or "", *(entry.get("class") or [])]
            for m in [_POST_ID_RE.match(c)]
            if m
        ),
        None,
    )
    if post_id and permalink:
        parts = urlsplit(permalink)
        found.append(f"{parts.scheme}://{parts.netloc}/?p={post_id}")
    return tuple(found)
