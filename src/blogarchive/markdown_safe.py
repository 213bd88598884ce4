"""Post Markdown -> HTML with python-markdown: text stays text, unsafe links become text.

Imported posts get the converter the loader's output needs (footnotes, kept line breaks);
hand-written posts (no `sources`) also get fenced code highlighted by Pygments, tables and
heading ids. Both have raw HTML switched off and a faster inline stage; `post_html` is a pure
function of the body. Imported text never meets the extra extensions: the loader escapes
what Markdown acts on, but not `~~~` fences, table pipes, or headings (which would gain ids).
"""

from __future__ import annotations

import functools
import html
import re
from typing import TYPE_CHECKING

import markdown
from markdown import blockprocessors as bp
from markdown import util
from markdown.blockparser import BlockParser
from markdown.extensions.footnotes import FootnoteBlockProcessor, FootnoteExtension
from markdown.extensions.nl2br import Nl2BrExtension
from markdown.extensions.toc import TocExtension, slugify_unicode
from markdown.preprocessors import NormalizeWhitespace
from markdown.treeprocessors import InlineProcessor, Treeprocessor
from markdown.util import AtomicString

if TYPE_CHECKING:
    from .post import Post

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
# What each inline pattern's regex needs in a text to match in it (any one of these).
_INLINE_NEEDS = {
    "backtick": ("`",),
    "escape": ("\\",),
    "footnote": ("[^",),
    "reference": ("[",),
    "link": ("[",),
    "image_link": ("![",),
    "image_reference": ("![",),
    "short_reference": ("[",),
    "short_image_ref": ("![",),
    "autolink": ("<",),
    "automail": ("<",),
    "linebreak": ("  \n",),
    "entity": ("&",),
    "not_strong": ("*", "_"),
    "em_strong": ("*", "_"),
    "em_strong2": ("_",),
    "nl": ("\n",),
}


class _QuickInline(InlineProcessor):
    """python-markdown's inline stage, skipping text in which no inline pattern can match,
    and trying a pattern on a text only when the text holds what the pattern needs."""

    def __init__(self, md: markdown.Markdown):
        super().__init__(md)
        self.needs = {
            id(md.inlinePatterns[name]): re.compile("|".join(map(re.escape, needs)))
            for name, needs in _INLINE_NEEDS.items()
            if name in md.inlinePatterns
        }
        self.patterns: list = []

    def run(self, tree, ancestors=None):
        self.patterns = [(p, self.needs.get(id(p))) for p in self.inlinePatterns]
        return super().run(tree, ancestors)

    def _InlineProcessor__handleInline(self, data, patternIndex=0):
        """InlineProcessor's own loop (each pattern applied until it stops matching, then the
        next from the start), but a pattern that cannot match is not applied: its answer
        would be (data, False, 0)."""
        if isinstance(data, AtomicString) or (
            patternIndex == 0 and not _INLINE_TRIGGER.search(data)
        ):
            return data
        start = 0
        while patternIndex < len(self.patterns):
            pattern, needs = self.patterns[patternIndex]
            if needs is None or needs.search(data):
                data, matched, start = self._InlineProcessor__applyPattern(
                    pattern, data, patternIndex, start
                )
            else:
                matched, start = False, 0
            if not matched:
                patternIndex += 1
        return data


_SPACES_LINE = re.compile(r"(?<=\n) +\n")


class _QuickWhitespace(NormalizeWhitespace):
    """NormalizeWhitespace, searching for lines of spaces only in a text where a line starts
    with a space: its lookbehind regex scanned every character of every post."""

    def run(self, lines: list[str]) -> list[str]:
        source = "\n".join(lines).replace(util.STX, "").replace(util.ETX, "")
        source = source.replace("\r\n", "\n").replace("\r", "\n") + "\n\n"
        source = source.expandtabs(self.md.tab_length)
        if "\n " in source:
            source = _SPACES_LINE.sub("\n", source)
        return source.split("\n")


def _may_be_setext(block: str) -> bool:
    """A setext heading's first line is followed by a line of '=' or '-'."""
    end = block.find("\n")
    return end >= 0 and block[end + 1 : end + 2] in ("=", "-")


def _may_be_rule(block: str) -> bool:
    """A rule is a line of '-', '_' or '*' after at most three spaces."""
    return (
        block[:1] in (" ", "-", "_", "*")
        or "\n-" in block
        or "\n " in block
        or "\n*" in block
        or "\n_" in block
    )


def _may_be_footnote(block: str) -> bool:
    """A footnote definition: '[^label]:'."""
    return "[^" in block and "]:" in block


# Block processors that search the whole of every block with a regex (in test, or in run for
# those whose test is always true and whose run gives the block back untouched when the regex
# does not match), and what any block their regex matches holds (a string, or a check): most
# blocks fail the cheap check and skip the regex. Same parse; the block stage 0.99 -> 0.6 ms
# a post.
_BLOCK_NEEDS = {
    "hashheader": (bp.HashHeaderProcessor, "#"),
    "setextheader": (bp.SetextHeaderProcessor, _may_be_setext),
    "hr": (bp.HRProcessor, _may_be_rule),
    "quote": (bp.BlockQuoteProcessor, ">"),
    "footnote": (FootnoteBlockProcessor, _may_be_footnote),
    "reference": (bp.ReferenceProcessor, "]:"),
}


def _quick_block_tests(md: markdown.Markdown) -> None:
    """Give the block processors of _BLOCK_NEEDS (exactly those classes) a cheap test first,
    and list the processors once per parse of a series of blocks rather than once a block."""
    processors = md.parser.blockprocessors
    for name, (kind, needs) in _BLOCK_NEEDS.items():
        if name in processors and type(processors[name]) is kind:
            processors[name].test = _test_first(needs, processors[name].test)
    md.parser.parseBlocks = functools.partial(_parse_blocks, md.parser)


def _test_first(needs, test):
    """`test`, run only on a block holding the string `needs` (or that the check accepts)."""
    if callable(needs):
        return lambda parent, block: needs(block) and test(parent, block)
    return lambda parent, block: needs in block and test(parent, block)


def _parse_blocks(parser: BlockParser, parent, blocks: list[str]) -> None:
    """BlockParser.parseBlocks, with the processors listed once: each block goes to the first
    processor whose test accepts it and whose run does not give it back (returns False)."""
    processors = list(parser.blockprocessors)
    while blocks:
        for processor in processors:
            if processor.test(parent, blocks[0]) and processor.run(parent, blocks) is not False:
                break


@functools.cache
def _code_formatter() -> type:
    """Pygments' HTML formatter with CSS classes (static/highlight.css), the block's language
    named on <code> (class="language-python") as codehilite's lang_str asks. Pygments is
    loaded here, when a hand-written post is first converted, not by every build."""
    from pygments.formatters.html import HtmlFormatter

    class CodeFormatter(HtmlFormatter):
        def __init__(self, lang_str: str = "", **options):
            super().__init__(**options)
            self.lang_str = lang_str

        def _wrap_code(self, source):
            yield 0, f'<code class="{html.escape(self.lang_str)}">' if self.lang_str else "<code>"
            yield from source
            yield 0, "</code>"

    return CodeFormatter


# ids the page around a post already uses (templates/base.html): a heading must not take them
PAGE_IDS = frozenset({"content", "site-search-q"})
HIGHLIGHT_CLASS = "highlight"


def heading_id(value: str, separator: str) -> str:
    """A heading's id: its words, slugified as toc does (any script kept), never a page's id."""
    slug = slugify_unicode(value, separator)
    return slug + separator + "section" if slug in PAGE_IDS else slug


class _AlignClasses(Treeprocessor):
    """Table cells' alignment as a class (align-right), not the style attribute the tables
    extension writes: every page's Content-Security-Policy forbids inline styles."""

    def run(self, root):
        for el in root.iter():
            if el.tag not in ("th", "td"):
                continue
            align = el.attrib.pop("style", "").removeprefix("text-align: ").rstrip(";")
            if align in ("left", "center", "right"):
                el.set("class", f"align-{align}")


class _HandWritten(markdown.Extension):
    def extendMarkdown(self, md):
        md.treeprocessors.register(_AlignClasses(md), "align_classes", 1)


def _hand_written_extensions() -> list:
    """Fenced code (highlighted with classes, not inline styles), tables (alignment as classes),
    and heading ids with the heading's text as a link to itself (toc's anchorlink: the link's
    name is the heading's, so a screen reader hears no extra "¶"); toc's [TOC] marker is off."""
    from markdown.extensions.codehilite import CodeHiliteExtension
    from markdown.extensions.fenced_code import FencedCodeExtension
    from markdown.extensions.tables import TableExtension

    return [
        FencedCodeExtension(),
        TableExtension(),
        CodeHiliteExtension(
            css_class=HIGHLIGHT_CLASS,
            guess_lang=False,
            use_pygments=True,
            noclasses=False,
            pygments_formatter=_code_formatter(),
        ),
        TocExtension(anchorlink=True, marker="", slugify=heading_id),
        _HandWritten(),
    ]


def markdown_converter(hand_written: bool = False) -> markdown.Markdown:
    """The extensions the loader's output needs: footnotes and kept line breaks; for
    hand-written posts, fenced code, tables and heading ids too. None adds an inline pattern,
    so the quick inline stage stays exact (checked here, not assumed). Extensions are given as
    objects: a name makes Markdown scan every installed package's entry points first."""
    extensions = [FootnoteExtension(), Nl2BrExtension(), _NoRawHtml()]
    if hand_written:
        extensions += _hand_written_extensions()
    md = markdown.Markdown(extensions=extensions, output_format="html")
    md.treeprocessors.register(_Outline(md), "outline", 1)
    names = {item.name for item in md.inlinePatterns._priority}
    private = ("_InlineProcessor__handleInline", "_InlineProcessor__applyPattern")
    if names <= set(_INLINE_NEEDS) and all(hasattr(InlineProcessor, name) for name in private):
        md.treeprocessors.register(_QuickInline(md), "inline", 20)
    _quick_block_tests(md)
    if type(md.preprocessors["normalize_whitespace"]) is NormalizeWhitespace:
        md.preprocessors.register(_QuickWhitespace(md), "normalize_whitespace", 30)
    return md


def body_html(post: Post) -> str:
    """A post's body as HTML: hand-written posts (no sources) with the fuller Markdown."""
    return post_html(post.body, hand_written=not post.sources)


@functools.lru_cache(maxsize=4096)
def post_html(body: str, hand_written: bool = False) -> str:
    """A post body as HTML; a pure function of the Markdown, so it is converted once per build."""
    md = _converter(hand_written)
    md.reset()
    return md.convert(body)


@functools.lru_cache(maxsize=2)
def _converter(hand_written: bool) -> markdown.Markdown:
    return markdown_converter(hand_written)


def has_highlighting(body: str) -> bool:
    """Whether a post's HTML holds highlighted code (its page then links highlight.css). Text
    cannot fake it: a '<' in a post's text is always escaped."""
    return f'<div class="{HIGHLIGHT_CLASS}">' in body


HIGHLIGHT_STYLES = ("default", "github-dark")  # Pygments styles: light, dark


def highlight_css(light: str = HIGHLIGHT_STYLES[0], dark: str = HIGHLIGHT_STYLES[1]) -> str:
    """static/highlight.css: Pygments' rules for the light style, and for the dark one under
    prefers-color-scheme: dark. Committed; regenerate with the command in its first line."""

    from pygments.formatters.html import HtmlFormatter

    def rules(style: str, indent: str = "") -> str:
        lines = HtmlFormatter(style=style).get_style_defs(f".{HIGHLIGHT_CLASS}").splitlines()
        return "".join(
            f"{indent}{line}\n"
            for line in lines  # line numbers are not used
            if line.startswith(f".{HIGHLIGHT_CLASS}")
        )

    return (
        "/* Code highlighting: Pygments styles '%s', and '%s' when dark. Generated by\n"
        "   python -c 'from blogarchive.markdown_safe import highlight_css; "
        'print(highlight_css(), end="")\' > static/highlight.css */\n%s'
        "@media (prefers-color-scheme: dark) {\n%s}\n"
        % (light, dark, rules(light), rules(dark, "  "))
    )


_PARA = re.compile(r"<p>(.*?)</p>", re.S)
_SUP = re.compile(r"<sup[^>]*>.*?</sup>")
_TAG = re.compile(r"<[^>]+>")
SUMMARY_ENOUGH = 25  # words: a summary stops taking paragraphs once it has this many


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
