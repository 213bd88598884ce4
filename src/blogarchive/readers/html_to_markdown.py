"""A post's HTML -> the Markdown blocks the loader writes: text escaped, only known structure kept.

Kept as Markdown: paragraphs (line breaks too), headings, lists, block quotes, emphasis, links,
images with their captions, code, footnotes (WordPress's footnote markup, and "[1]" markers with
"[1] …" notes as the text loader reads them).  Every piece of text goes through the loader's own
escaping (`loader.body.escape_with_markers`), so nothing from the page is ever markup: scripts,
styles, iframes, forms and sharing widgets are dropped, and a link or image whose address is not
http(s), mailto or relative is kept as its text only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import quote, unquote, urljoin, urlsplit

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import Comment, Declaration, Doctype, ProcessingInstruction

from ..loader import lines as L
from ..loader.body import escape_with_markers
from ..text import FORBIDDEN_RE

DROP = frozenset(
    "script style iframe frame frameset form object embed applet noscript template "
    "svg canvas math input button select textarea option video audio source track "
    "map area head link meta title base dialog".split()
)
BLOCKS = frozenset(
    "p div section article header footer main aside nav blockquote ul ol li dl dt "
    "dd h1 h2 h3 h4 h5 h6 pre table thead tbody tfoot tr td th caption figure "
    "figcaption hr address center details summary hgroup".split()
)
# Widgets WordPress and plugins put inside a post's content: sharing, likes, related posts, ads.
CHROME_CLASSES = frozenset(
    "sharedaddy sd-sharing-enabled sd-like jp-relatedposts wpcnt "
    "wpa addtoany_share_save_container sharing post-ratings "
    "screen-reader-text more-link wp-block-buttons".split()
)
_SAFE_SCHEMES = ("http", "https", "mailto")
_SPACE_RE = re.compile(r"[ \t\n\r\f]+")
_URL_SAFE = ":/?#@!$&'*+,;=%~-._"
_BACKLINK_RE = re.compile(r"^[\s↩︎↑^⤴]*$|^\s*(?:back|return)\b", re.I)


@dataclass(frozen=True)
class ImageRef:
    """Where a converted image points: a copy in the site (`local`) or the original address."""

    target: str
    local: bool


@dataclass
class Context:
    """What a conversion needs from the page it is on."""

    base_url: str | None = None  # the page's original address
    image: Callable[[str], ImageRef | None] = lambda src: None  # src -> where it is shown
    warnings: list[str] = field(default_factory=list)


def link_target(href: str | None, base: str | None) -> str | None:
    """An href as a safe, absolute, Markdown-ready address; None for unsafe or page-local ones."""
    url = re.sub(r"[\x00-\x20\x7f]+", "", (href or "").strip().replace("\\", "/"))
    if not url or url.startswith("#"):
        return None
    scheme = re.match(r"^([a-z][a-z0-9+.-]*):", url, re.I)
    if scheme is None:
        if base is None and not url.startswith("//"):
            return None  # relative to an address we do not know
        url = urljoin(base or "https:", url)
        scheme = re.match(r"^([a-z][a-z0-9+.-]*):", url, re.I)
    if scheme is None or scheme.group(1).lower() not in _SAFE_SCHEMES:
        return None
    return quote(url, safe=_URL_SAFE)


def escape(text: str, notes: frozenset[int] = frozenset()) -> str:
    """Escape a piece of text with the loader's escaping, keeping its outer spaces."""
    core = text.strip(" ")
    if not core:
        return text
    lead, trail = text[: len(text) - len(text.lstrip(" "))], text[len(text.rstrip(" ")) :]
    return lead + escape_with_markers(core, set(notes)) + trail


class Converter:
    """Turns one post's content element into Markdown blocks (one instance per post)."""

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.notes: frozenset[int] = frozenset()  # "[n]" text notes that become footnotes
        self.note_paras: dict[int, int] = {}  # id() of a note paragraph -> its number
        self.refs: dict[str, int] = {}  # footnote target id -> its number
        self.definitions: dict[int, Tag] = {}

    def convert(self, root: Tag) -> list[str]:
        """Markdown blocks of everything inside `root` (which is changed: footnotes taken out)."""
        self._markup_footnotes(root)
        if not self.refs:
            self._text_footnotes(root)
        blocks = self.blocks(root)
        for n, target in sorted(self.definitions.items()):
            inner = self.blocks(target) or [""]
            body = "\n\n".join(inner).replace("\n", "\n    ")
            blocks.append(f"[^{n}]: {body}")
        return blocks

    # -- blocks ------------------------------------------------------------------------------

    def blocks(self, el: Tag) -> list[str]:
        """The blocks of an element's children; loose inline content becomes a paragraph."""
        out: list[str] = []
        run: list[str] = []
        for child in el.children:
            if isinstance(child, Tag) and child.name in BLOCKS and not self._dropped(child):
                self._flush(run, out)
                out.extend(self.block(child))
            else:
                run.append(self.inline(child))
        self._flush(run, out)
        return out

    def _flush(self, run: list[str], out: list[str]) -> None:
        text = paragraph("".join(run))
        run.clear()
        if text:
            out.append(text)

    def block(self, tag: Tag) -> list[str]:
        name = tag.name
        if name in ("h1", "h2", "h3", "h4", "h5", "h6"):
            text = " ".join(paragraph(self.inline(tag)).split("\n"))
            return [f"{'#' * max(2, int(name[1]))} {text}"] if text else []
        if name in ("ul", "ol"):
            items = self.list_lines(tag)
            return ["\n".join(items)] if items else []
        if name == "blockquote":
            inner = self.blocks(tag)
            return (
                ["\n>\n".join("\n".join("> " + line for line in b.split("\n")) for b in inner)]
                if inner
                else []
            )
        if name == "pre":
            code = tag.get_text().strip("\n")
            return ["\n".join("    " + line for line in code.split("\n"))] if code.strip() else []
        if name == "hr":
            return ["* * *"]
        if name == "table":
            return self.table(tag)
        if name == "figure" or "wp-caption" in (tag.get("class") or []):
            return self.figure(tag)
        if id(tag) in self.note_paras:
            text = paragraph(self.inline(tag))
            n = self.note_paras[id(tag)]
            return [re.sub(rf"^\[\^{n}\]\s*", f"[^{n}]: ", text, count=1)]
        return self.blocks(tag)

    def list_lines(self, tag: Tag, depth: int = 0) -> list[str]:
        """A list as Markdown lines; nested lists indented four spaces a level."""
        lines: list[str] = []
        number = 1
        for li in tag.find_all("li", recursive=False):
            marker = f"{number}." if tag.name == "ol" else "-"
            number += 1
            nested = [c for c in li.find_all(["ul", "ol"], recursive=False)]
            for sub in nested:
                sub.extract()
            text = " ".join(x for x in "\n\n".join(self.blocks(li)).split("\n") if x.strip())
            pad = "    " * depth
            if text:
                lines.append(f"{pad}{marker} {text}")
            for sub in nested:
                lines.extend(self.list_lines(sub, depth + 1 if text else depth))
        return lines

    def table(self, tag: Tag) -> list[str]:
        rows = []
        for tr in tag.find_all("tr"):
            cells = [
                " ".join(paragraph(self.inline(td)).split("\n"))
                for td in tr.find_all(["td", "th"], recursive=False)
            ]
            if any(cells):
                rows.append(" | ".join(cells))
        return ["\n".join(rows)] if rows else []

    def figure(self, tag: Tag) -> list[str]:
        """An image with its caption: the image, then the caption on the next line."""
        images = tag.find_all("img")
        if not images:
            return self.blocks(tag)
        caption_el = tag.find(["figcaption"]) or tag.find(class_="wp-caption-text")
        caption = paragraph(self.inline(caption_el)) if caption_el else ""
        shown = [self.image(img) for img in images]
        lines = [s for s in shown if s] + ([caption] if caption else [])
        return ["\n".join(lines)] if lines else []

    # -- inline ------------------------------------------------------------------------------

    def inline(self, node) -> str:
        """Escaped Markdown for inline content; line breaks as newlines."""
        if isinstance(node, (Comment, Declaration, Doctype, ProcessingInstruction)):
            return ""
        if isinstance(node, NavigableString):
            text = FORBIDDEN_RE.sub("", _SPACE_RE.sub(" ", str(node)))
            return escape(text, self.notes)
        if not isinstance(node, Tag) or self._dropped(node):
            return ""
        name = node.name
        if name == "br":
            return "\n"
        if name == "img":
            return self.image(node)
        if name in ("em", "i", "cite", "dfn", "var"):
            return wrap("*", self.children(node))
        if name in ("strong", "b"):
            return wrap("**", self.children(node))
        if name in ("code", "kbd", "samp", "tt"):
            return code_span(node.get_text())
        if name == "sup" or (name == "a" and _footnote_ref(node)):
            ref = self._ref(node)
            if ref:
                return f"[^{ref}]"
        if name == "a":
            return self.link(node)
        return self.children(node)

    def children(self, tag: Tag) -> str:
        return "".join(self.inline(c) for c in tag.children)

    def link(self, a: Tag) -> str:
        inner = self.children(a)
        url = link_target(a.get("href"), self.ctx.base_url)
        if not inner.strip() or url is None:
            return inner
        if "](" in inner and inner.lstrip().startswith("["):  # an image shown as a link
            return inner
        lead, core, trail = _split_space(inner)
        return f"{lead}[{core}]({url}){trail}"

    def image(self, img: Tag) -> str:
        src = img.get("src") or img.get("data-src") or ""
        alt = FORBIDDEN_RE.sub("", _SPACE_RE.sub(" ", img.get("alt") or "")).strip()
        ref = self.ctx.image(src) if src and not src.strip().lower().startswith("data:") else None
        if ref is None:
            return escape(alt) if alt else ""
        label = escape(alt) if alt else escape(_file_name(ref.target))
        return f"![{label}]({ref.target})" if ref.local else f"[{label}]({ref.target})"

    # -- footnotes ---------------------------------------------------------------------------

    def _markup_footnotes(self, root: Tag) -> None:
        """WordPress/plugin footnotes: a <sup> link to an <li id> note; numbered 1, 2… in order."""
        for a in root.find_all("a", href=re.compile(r"^#.")):
            if not (a.find_parent("sup") or _footnote_ref(a)):
                continue
            target = root.find(id=a["href"][1:])
            if target is None or target.name != "li" or a in target.descendants:
                continue
            if a["href"][1:] not in self.refs:
                self.refs[a["href"][1:]] = n = len(self.refs) + 1
                self.definitions[n] = target
        for target in self.definitions.values():
            for back in target.find_all("a", href=re.compile(r"^#")):
                if _BACKLINK_RE.match(back.get_text()) or "backref" in " ".join(
                    back.get("class") or []
                ):
                    back.decompose()
            holder = target.parent
            target.extract()
            if holder is not None and not holder.find("li"):
                outer = (
                    holder.parent
                    if holder.parent is not None
                    and holder.parent.name in ("div", "section")
                    and not holder.parent.get_text(strip=True)
                    else holder
                )
                outer.decompose()

    def _ref(self, node: Tag) -> int | None:
        a = node if node.name == "a" else node.find("a", href=True)
        if a is None:
            return None
        return (
            self.refs.get((a.get("href") or "")[1:]) if a.get("href", "").startswith("#") else None
        )

    def _text_footnotes(self, root: Tag) -> None:
        """ "[1] …" paragraphs at the end whose markers appear above become Markdown footnotes
        (the loader's rule: only notes 1, 2… k standing in that order)."""
        paras = [p for p in root.find_all("p") if p.get_text(strip=True)]
        tail: list[tuple[int, Tag]] = []
        for p in reversed(paras):
            m = L.NOTE_RE.match(p.get_text().strip())
            if not m:
                break
            tail.insert(0, (int(m.group("n")), p))
        if not tail:
            return
        above = " ".join(p.get_text() for p in paras[: len(paras) - len(tail)])
        markers = {int(m.group("n")) for m in L.MARKER_RE.finditer(above)}
        defined: list[int] = []
        for n, p in tail:
            if n != len(defined) + 1 or n not in markers:
                break
            defined.append(n)
            self.note_paras[id(p)] = n
        self.notes = frozenset(defined)

    def _dropped(self, tag: Tag) -> bool:
        if tag.name in DROP or tag.get("hidden") is not None:
            return True
        classes = set(tag.get("class") or [])
        return bool(classes & CHROME_CLASSES) or tag.get("id") == "jp-post-flair"


def paragraph(text: str) -> str:
    """Inline Markdown as a block: lines trimmed, blank lines removed (nl2br keeps the rest)."""
    lines = [line.strip(" ") for line in text.split("\n")]
    return "\n".join(line for line in lines if line.strip(" \u00a0"))


def wrap(mark: str, inner: str) -> str:
    """Emphasis around text, its outer spaces moved outside the markers."""
    lead, core, trail = _split_space(inner)
    if not core.strip() or "\n" in core:
        return inner
    return f"{lead}{mark}{core}{mark}{trail}"


def code_span(text: str) -> str:
    text = FORBIDDEN_RE.sub("", _SPACE_RE.sub(" ", text))
    if not text.strip():
        return text
    fence = "``" if "`" in text else "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _split_space(text: str) -> tuple[str, str, str]:
    core = text.strip(" ")
    if not core:
        return text, "", ""
    start = len(text) - len(text.lstrip(" "))
    return text[:start], core, text[start + len(core) :]


def _footnote_ref(a: Tag) -> bool:
    classes = " ".join(a.get("class") or [])
    return "footnote" in classes or "fn-ref" in classes or a.get("role") == "doc-noteref"


def _file_name(url: str) -> str:
    name = unquote(urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1])
    return name or "image"


def html_blocks(html: str, ctx: Context) -> list[str]:
    """Convert an HTML fragment (a WXR post's content, a comment) to Markdown blocks."""
    soup = BeautifulSoup(f"<div>{html}</div>", "lxml")
    return Converter(ctx).convert(soup.div)
