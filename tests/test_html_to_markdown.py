"""A post's HTML -> the loader's Markdown: structure kept, text escaped, markup never passed on."""

from bs4 import BeautifulSoup

from blogarchive.markdown_safe import markdown_converter
from blogarchive.readers.html_to_markdown import Context, ImageRef, html_blocks
from blogarchive.readers.wxr import autop


def md(html: str) -> str:
    """Converted as on a page of blog.example.org; an image is shown from where it is."""
    ctx = Context(
        base_url="https://blog.example.org/2015/01/01/x/",
        image=lambda src: ImageRef(src, local=False) if src.startswith("http") else None,
    )
    return "\n\n".join(html_blocks(html, ctx))


def rendered(markdown: str) -> BeautifulSoup:
    return BeautifulSoup(markdown_converter().convert(markdown), "html.parser")


def test_structure_becomes_markdown():
    html = (
        "<h2>Part <em>one</em></h2><p>Some <strong>bold</strong> and <i>italic</i> text,<br>"
        "a second line.</p><ul><li>one<ul><li>inner</li></ul></li><li>two</li></ul>"
        "<ol><li>first</li><li>second</li></ol><blockquote><p>Quoted.</p><p>Again.</p>"
        "</blockquote><p><a href='/about/'>About</a> and <code>a*b</code></p>"
    )
    assert md(html) == (
        "## Part *one*\n\nSome **bold** and *italic* text,\na second line.\n\n"
        "- one\n    - inner\n- two\n\n1. first\n2. second\n\n> Quoted.\n>\n"
        "> Again.\n\n[About](https://blog.example.org/about/) and `a*b`"
    )


def test_text_that_looks_like_markup_stays_text():
    html = (
        "<p># not a heading, *not emphasis*, [not](a link), &lt;script&gt;alert(1)&lt;/"
        "script&gt; &amp;copy;</p><p>1. not a list</p>"
    )
    page = rendered(md(html))
    assert page.get_text() == (
        "# not a heading, *not emphasis*, [not](a link), "
        "<script>alert(1)</script> &copy;\n1. not a list"
    )
    assert not page.find_all(["script", "h1", "em", "a", "ol"])


def test_active_content_is_dropped():
    html = (
        "<p onclick='x()'>Safe <a href='javascript:alert(1)'>text</a> <a href=' JaVa"
        "script:alert(2)'>too</a><script>alert(3)</script><style>p{}</style></p>"
        "<iframe src='https://evil.example/'></iframe><form><input value='secret'></form>"
        "<p><img src='data:image/png;base64,AAAA' alt='inline'> <img src='x.png' "
        "onerror='alert(4)' alt=''></p>"
    )
    out = md(html)
    assert out == "Safe text too\n\ninline"
    assert not rendered(out).find_all(["a", "img", "script", "iframe", "form", "input"])


def test_wordpress_footnotes_become_markdown_footnotes():
    html = (
        '<p>Claim<sup data-fn="a1" class="fn"><a href="#a1" id="a1-link">1</a></sup> and '
        'more<sup class="fn"><a href="#b2" id="b2-link">2</a></sup>.</p>'
        '<ol class="wp-block-footnotes"><li id="a1">First note. <a href="#a1-link" '
        'aria-label="Jump to footnote reference 1">↩︎</a></li><li id="b2">Second '
        '<em>note</em>. <a href="#b2-link">↩︎</a></li></ol>'
    )
    out = md(html)
    assert out == "Claim[^1] and more[^2].\n\n[^1]: First note.\n\n[^2]: Second *note*."
    notes = rendered(out).select("div.footnote li")
    assert [li.get_text(" ", strip=True).rstrip("↩").strip() for li in notes] == [
        "First note.",
        "Second note .",
    ]


def test_text_notes_become_footnotes_as_the_loader_makes_them():
    html = "<p>A claim.[1] Another.[2]</p><h3>Notes</h3><p>[1] One.</p><p>[2] Two.</p>"
    assert md(html) == "A claim.[^1] Another.[^2]\n\n### Notes\n\n[^1]: One.\n\n[^2]: Two."


def test_wordpress_autop_and_caption():
    stored = (
        'First line\nsecond line\n\n<blockquote>Quote</blockquote>\n\n[caption id="a" '
        'width="640"]<img src="https://blog.example.org/x.jpg" alt="Alt" /> The '
        "caption.[/caption]\n\n<!--more-->\n\nLast."
    )
    html = autop(stored)
    assert md(html) == (
        "First line\nsecond line\n\n> Quote\n\n"
        "[Alt](https://blog.example.org/x.jpg)\nThe caption.\n\nLast."
    )
