"""Post Markdown -> HTML with python-markdown: text stays text, unsafe links become text.

The converter is the one the loader's output needs (footnotes, kept line breaks), with raw
HTML switched off and a faster inline stage; `post_html` is a pure function of the body.
"""
from __future__ import annotations

import functools
import html
import re

import markdown
from markdown.treeprocessors import InlineProcessor, Treeprocessor
from markdown.util import AtomicString

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
    """Unsafe link and image URLs (javascript:, data:, …) become plain text: link text or alt."""

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


class _Outline(Treeprocessor):
    """Body headings fit under the page's <h1> (the title): none is h1, and none skips a
    level below the one before it (an imported "### Notes" right under the title becomes h2),
    so a post's outline is whole whatever levels its Markdown used."""

    def run(self, root):
        above = 1
        for el in root.iter():
            if el.tag in _HEADINGS:
                above = max(2, min(int(el.tag[1]), above + 1))
                el.tag = f"h{above}"


_HEADINGS = {f"h{n}" for n in range(1, 7)}


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
        if (patternIndex == 0 and not isinstance(data, AtomicString)
                and not _INLINE_TRIGGER.search(data)):
            return data
        return InlineProcessor._InlineProcessor__handleInline(self, data, patternIndex)


def markdown_converter() -> markdown.Markdown:
    """The extensions the loader's output needs: footnotes and kept line breaks."""
    md = markdown.Markdown(extensions=["footnotes", "nl2br", _NoRawHtml()], output_format="html")
    md.treeprocessors.register(_Outline(md), "outline", 1)
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


_PARA = re.compile(r"<p>(.*?)</p>", re.S)
_SUP = re.compile(r"<sup[^>]*>.*?</sup>")
_TAG = re.compile(r"<[^>]+>")
SUMMARY_ENOUGH = 25     # words: a summary stops taking paragraphs once it has this many


def plain_text(fragment: str) -> str:
    """An HTML fragment's text, tags dropped and character references decoded."""
    return html.unescape(_TAG.sub(" ", fragment))


def summary(body_html: str, words: int = 60) -> str:
    """The first paragraph or so, as plain text of at most `words` words."""
    end = body_html.find('<div class="footnote">')
    main = body_html if end < 0 else body_html[:end]
    out: list[str] = []
    for para in _PARA.finditer(main):
        out += plain_text(_SUP.sub("", para.group(1))).split()
        if len(out) >= SUMMARY_ENOUGH:
            break
    return " ".join(out[:words]) + (" …" if len(out) > words else "")


def word_count(body_html: str) -> int:
    """Words of the rendered post, for listings and reading-time estimates."""
    return len(plain_text(body_html).split())
