"""Hand-written posts get fenced code with highlighting, tables and heading anchors; imported
posts (with sources) render exactly as before, their escaped text never meeting those."""

from __future__ import annotations

import functools
import itertools
import shutil

import pytest
from bs4 import BeautifulSoup
from conftest import FIXTURE_CONFIG, FIXTURE_POSTS, REAL_POSTS, ROOT, read_posts, soup
from hypothesis import given
from hypothesis import strategies as st
from markdown.preprocessors import NormalizeWhitespace
from markdown.treeprocessors import InlineProcessor

from blogarchive import site as S
from blogarchive.build import build
from blogarchive.markdown_safe import (
    _BLOCK_NEEDS,
    body_html,
    highlight_css,
    markdown_converter,
    post_html,
)
from blogarchive.post import Post, Source

HAND_WRITTEN = '''\
---
title: Watering by script
date: 2016-05-01
categories: [Garden]
---
## Why a script

It waters the leeks. <script>alert(1)</script> and [a trap](javascript:alert(1)).

```python
import os

def water(bed: str) -> None:
    """Soak one bed."""
    print(f"watering {bed}")  # <b>not bold</b>
```

## Content

| Bed | Litres |
|-----|-------:|
| leeks | 12 |
| `onions` | 8 |
'''


@pytest.fixture(scope="module")
def hand_written_site(tmp_path_factory):
    """A site of one hand-written post and one imported (real) post."""
    tmp = tmp_path_factory.mktemp("md")
    posts = tmp / "posts"
    posts.mkdir()
    (posts / "watering-by-script.md").write_text(HAND_WRITTEN, "utf-8")
    shutil.copy(REAL_POSTS / "outsourcing-reality-part-ii-the-response.md", posts)
    build(posts, tmp / "site", FIXTURE_CONFIG)
    return tmp / "site", {p.slug: p for p in read_posts(posts)}


def test_fenced_python_is_highlighted_with_classes_and_its_stylesheet_linked(hand_written_site):
    site, posts = hand_written_site
    page = soup(site / S.post_path(posts["watering-by-script"]))
    code = page.select_one(".body div.highlight > pre > code.language-python")
    assert code is not None
    keywords = {s.get_text() for s in code.select("span.k, span.kn, span.kc")}
    assert keywords >= {"import", "def", "None"}
    assert code.select_one("span.sd").get_text() == '"""Soak one bed."""'
    assert "# <b>not bold</b>" in code.get_text() and not code.find("b")
    assert not page.select(".body [style]")  # classes, never inline styles
    links = [link["href"] for link in page.select('link[rel="stylesheet"]')]
    assert "../../../../static/highlight.css" in links
    assert (site / "static/highlight.css").read_text("utf-8") == highlight_css()


def test_a_table_and_headings_with_ids_that_link_to_themselves(hand_written_site):
    site, posts = hand_written_site
    page = soup(site / S.post_path(posts["watering-by-script"]))
    body = page.select_one(".body")
    table = body.find("table")
    assert [th.get_text() for th in table.select("thead th")] == ["Bed", "Litres"]
    assert [td.get("class") for td in table.select("tr > *:last-child")] == [["align-right"]] * 3
    assert [[td.get_text() for td in tr.find_all("td")] for tr in table.select("tbody tr")] == [
        ["leeks", "12"],
        ["onions", "8"],
    ]
    assert table.select_one("tbody code").get_text() == "onions"
    headings = [(h["id"], h.a["href"], h.a.get_text()) for h in body.find_all("h2")]
    assert headings == [
        ("why-a-script", "#why-a-script", "Why a script"),
        ("content-section", "#content-section", "Content"),
    ]
    ids = [el["id"] for el in page.find_all(id=True)]
    assert len(ids) == len(set(ids)) and "content" in ids  # the skip link's target is intact


def test_raw_html_stays_text_and_unsafe_links_text_in_hand_written_posts(hand_written_site):
    site, posts = hand_written_site
    body = soup(site / S.post_path(posts["watering-by-script"])).select_one(".body")
    assert not body.find("script") and "<script>alert(1)</script>" in body.get_text()
    assert "a trap" in body.get_text()
    assert not [a for a in body.find_all("a") if "javascript" in a.get("href", "")]


def test_imported_posts_keep_the_escaped_rendering(hand_written_site):
    """The committed posts: bodies as the imported-post converter makes them (no ids, no
    highlighting), which the hand-written one would change (their headings would gain ids)."""
    site, posts = hand_written_site
    imported = posts["outsourcing-reality-part-ii-the-response"]
    page = (site / S.post_path(imported)).read_text("utf-8")
    assert post_html(imported.body) in page and "highlight.css" not in page
    real = read_posts(REAL_POSTS)
    assert all(body_html(p) == post_html(p.body) for p in real)
    assert any(post_html(p.body) != post_html(p.body, hand_written=True) for p in real)


def test_imported_text_that_looks_like_fences_or_tables_stays_text():
    body = "~~~\nnot code\n~~~\n\na | b\n\\-|-\nc | d\n\n\\## not a heading"
    post = Post(title="t", slug="t", body=body, sources=(Source("001.txt", 1, 9),))
    imported = BeautifulSoup(body_html(post), "html.parser")
    assert not imported.find(["pre", "table", "h2"]) and "~~~" in imported.get_text()


def stock_converter(hand_written: bool):
    """markdown_converter without its speed-ups: python-markdown's own whitespace
    preprocessor, block loop, block processor tests and inline stage."""
    md = markdown_converter(hand_written)
    md.treeprocessors.register(InlineProcessor(md), "inline", 20)
    md.preprocessors.register(NormalizeWhitespace(md), "normalize_whitespace", 30)
    for name in _BLOCK_NEEDS:
        if name in md.parser.blockprocessors:
            del md.parser.blockprocessors[name].test  # the class's own test again
    del md.parser.parseBlocks  # BlockParser's own loop again
    return md


@pytest.mark.parametrize("hand_written", [False, True])
def test_the_quick_inline_stage_and_block_tests_are_exact(hand_written):
    """Skipping the inline stage for text with no trigger, and a block processor's regex for
    a block without the characters it needs, changes no output, with either converter, on
    every committed post, the fixture posts and the hand-written sample."""
    quick, stock = markdown_converter(hand_written), stock_converter(hand_written)
    assert type(quick.treeprocessors["inline"]) is not InlineProcessor  # the speed-ups are on
    assert type(quick.preprocessors["normalize_whitespace"]) is not NormalizeWhitespace
    assert "parseBlocks" in vars(quick.parser)
    assert all("test" in vars(quick.parser.blockprocessors[name]) for name in _BLOCK_NEEDS)
    posts = read_posts(REAL_POSTS) + read_posts(FIXTURE_POSTS)
    bodies = [p.body for p in posts] + [HAND_WRITTEN.split("---\n", 2)[2]]
    for body in bodies:
        assert quick.reset().convert(body) == stock.reset().convert(body)


# Lines of Markdown: an indent, what may open a block (heading, rule, setext underline, quote,
# list item, footnote or link definition, fence, table row) and some text.
INDENTS = ("", " ", "   ", "    ", "\t")
OPENERS = ("", "#", "## ", ">", "> ", "- ", "* ", "+ ", "1. ", "---", "- - -", "***", "___")
OPENERS += ("===", "=", "-", "[^1]: ", "[^x]:", "[a]: http://e.org/", "[b]:/x", "```", "~~~", "|")
TEXTS = ("", "word", "Text. More", "a # b", "a > b", "x[^1]", "[a]", "`c`", "_e_", "**b**")
TEXTS += ("&amp;", "<i>", "a | b", " -- ", "  ", "![i](x.png)", "[l](http://e.org) [a]")
TEXTS += ("<http://e.org>", "<a@e.org>", "\\*", "*a _b_ c*", "__s__", "&#35;", "`a``b`", "a\\")
LINES = ["".join(parts) for parts in itertools.product(INDENTS, OPENERS, TEXTS)]


@pytest.mark.parametrize("hand_written", [False, True])
def test_the_quick_block_tests_are_exact_on_every_line_of_block_syntax(hand_written):
    """Each line alone, under a line of text (a setext heading's underline) and over one."""
    quick, stock = _converters(hand_written)
    for line in LINES:
        for body in (line, f"Text\n{line}", f"{line}\nText"):
            assert quick.reset().convert(body) == stock.reset().convert(body), body


_LINE = st.tuples(
    st.sampled_from(INDENTS),
    st.sampled_from(OPENERS),
    st.sampled_from(TEXTS),
    st.sampled_from(["\n", "\n\n", "\r\n", "\n \n"]),
)


@given(st.lists(_LINE.map("".join), max_size=12).map("".join), st.booleans())
def test_the_quick_block_tests_are_exact_on_any_block_syntax(body, hand_written):
    """Lines of block syntax in any order, with line breaks and blank lines between."""
    quick, stock = _converters(hand_written)
    assert quick.reset().convert(body) == stock.reset().convert(body)


@given(st.text(st.sampled_from(" \t\r\n\x02\x03a-#>"), max_size=30), st.booleans())
def test_the_quick_whitespace_step_is_exact(body, hand_written):
    """Spaces, tabs, carriage returns and blank lines come out as python-markdown's own
    preprocessor leaves them."""
    quick, stock = _converters(hand_written)
    lines = body.split("\n")
    assert quick.preprocessors["normalize_whitespace"].run(lines) == stock.preprocessors[
        "normalize_whitespace"
    ].run(lines)
    assert quick.reset().convert(body) == stock.reset().convert(body)


@functools.lru_cache(maxsize=2)
def _converters(hand_written: bool):
    return markdown_converter(hand_written), stock_converter(hand_written)


def test_the_committed_stylesheet_is_what_pygments_generates():
    """static/highlight.css is generated (command in its first lines): regenerate it when
    Pygments' styles change."""
    assert (ROOT / "static/highlight.css").read_text("utf-8") == highlight_css()
    css = highlight_css()
    light, dark = css.split("@media (prefers-color-scheme: dark) {")
    assert ".highlight .k {" in light and ".highlight .k {" in dark and "style=" not in css
