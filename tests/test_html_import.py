"""Saved HTML pages and WordPress exports of the two example blogs, checked against truth.json.

For each blog, importing the HTML pages alone, the export (WXR) alone, and pages + text dumps +
export together must give every post of the ground truth with its title, date, categories
("Uncategorized" meaning none), tags, author, comment count and body (first and last words),
and no other post.
"""

import json
import re
from pathlib import Path

import pytest
from conftest import EXAMPLES

from blogarchive.cli import main
from blogarchive.post import from_markdown

BLOGS = ["twentytwelve", "twentyfifteen"]
pytestmark = pytest.mark.skipif(not EXAMPLES.is_dir(), reason="theme examples not present")


def truth(blog: str) -> list[dict]:
    return json.loads((EXAMPLES / blog / "truth.json").read_text(encoding="utf-8"))["posts"]


def import_posts(tmp_path: Path, *inputs: Path) -> dict:
    """Run `import` on the inputs; the posts written, by title."""
    code = main(
        [
            "import",
            *map(str, inputs),
            "--posts",
            str(tmp_path / "posts"),
            "--report",
            str(tmp_path / "report.txt"),
        ]
    )
    assert code == 0
    posts = [
        from_markdown(p.read_text(encoding="utf-8"), str(p))
        for p in sorted((tmp_path / "posts").glob("*.md"))
    ]
    return {p.title: p for p in posts}


def words(markdown: str) -> list[str]:
    """A body's words as a reader sees them: link targets, escapes and Markdown marks removed,
    quotes and dashes made plain, footnote references written [n] as on the page."""
    text = re.sub(r"!?\[((?:[^\]\\]|\\.)*)\]\([^)\s]*\)", r"\1", markdown)
    text = re.sub(r"\[\^(\d+)\]:?", r"[\1]", text)
    text = re.sub(r"\\(.)", r"\1", text).replace("&lt;", "<").replace("&amp;", "&")
    text = text.translate(str.maketrans("‘’“”–—", "''\"\"--"))
    text = re.sub(r"(?m)^\s*(?:#+|>|-|\d+\.)\s+", " ", text)
    return text.replace("*", "").split()


def starts_and_ends(body: str, first: str, last: str | None) -> None:
    got, head = words(body), words(first)
    assert got[: len(head)] == head
    if last is not None:
        tail = words(last)
        assert got[-len(tail) :] == tail


def check_post(post, expected: dict, full_text: bool) -> None:
    """One post against its truth entry; `full_text`: the source holds every post whole (WXR)."""
    assert post.date and post.date.isoformat() == expected["date"]
    assert sorted(post.categories) == sorted(
        c for c in expected["categories"] if c != "Uncategorized"
    )
    assert sorted(post.tags) == sorted(expected["tags"])
    assert post.author == expected["author"]
    assert post.comments == expected["comments"]
    if full_text and expected["excerpt"]:
        assert not post.excerpt
        starts_and_ends(post.body, expected["first_words"], None)
        assert " ".join(words(expected["last_words"])) in " ".join(words(post.body))
    else:
        assert post.excerpt == expected["excerpt"]
        starts_and_ends(post.body, expected["first_words"], expected["last_words"])


@pytest.mark.parametrize("blog", BLOGS)
def test_html_pages_alone_give_every_post_right(tmp_path, blog):
    posts = import_posts(tmp_path, EXAMPLES / blog / "html")
    assert sorted(posts) == sorted(t["title"] for t in truth(blog))
    for expected in truth(blog):
        check_post(posts[expected["title"]], expected, full_text=False)


@pytest.mark.parametrize("blog", BLOGS)
def test_wordpress_export_alone_gives_every_post_right(tmp_path, blog):
    posts = import_posts(tmp_path, EXAMPLES / blog / "export.xml")
    assert sorted(posts) == sorted(t["title"] for t in truth(blog))
    for expected in truth(blog):
        post = posts[expected["title"]]
        check_post(post, expected, full_text=True)
        assert len(post.archived_comments) == expected["comments"]
        assert [s.element for s in post.sources][0].startswith("item ")


@pytest.mark.parametrize("blog", BLOGS)
def test_pages_text_and_export_together_give_every_post_right(tmp_path, blog):
    folder = EXAMPLES / blog
    posts = import_posts(tmp_path, folder / "html", folder / "text", folder / "export.xml")
    for expected in truth(blog):
        post = posts[expected["title"]]
        check_post(post, expected, full_text=True)
        kinds = {Path(s.file).suffix for s in post.sources}
        assert {".html", ".xml"} <= kinds  # one post, every source listed
        assert post.slug == expected_slug(folder, expected["title"])


@pytest.mark.parametrize("blog", BLOGS)
def test_pages_text_and_export_together_give_no_other_post(tmp_path, blog):
    folder = EXAMPLES / blog
    posts = import_posts(tmp_path, folder / "html", folder / "text", folder / "export.xml")
    assert sorted(posts) == sorted(t["title"] for t in truth(blog))


def expected_slug(folder: Path, title: str) -> str:
    """The slug WordPress gave the post (wp:post_name in the export)."""
    text = (folder / "export.xml").read_text(encoding="utf-8")
    for item in text.split("<item>")[1:]:
        if f"<title>{title}</title>" in item.replace("&amp;", "&"):
            return re.search(r"<wp:post_name><!\[CDATA\[(.*?)\]\]>", item).group(1)
    raise AssertionError(title)


@pytest.mark.parametrize("blog", BLOGS)
def test_links_emphasis_and_remote_images_are_kept(tmp_path, blog):
    folder = EXAMPLES / blog
    host = json.loads((folder / "truth.json").read_text(encoding="utf-8"))["host"]
    for source in (folder / "html", folder / "export.xml"):
        posts = import_posts(tmp_path / source.name, source)
        bodies = "\n".join(p.body for p in posts.values())
        assert re.search(rf"\[\w[^\]]*\]\(https://{re.escape(host)}/about/\)", bodies)
        assert re.search(r"\*\w+\*", bodies)
        # a remote image is a link (never fetched) labelled with its alt text, caption below
        image = re.search(
            rf"\n\[(?P<alt>[^\]]+)\]\(https://{re.escape(host)}/wp-content/"
            r"uploads/[^)]+\.jpg\)\n(?P<caption>[^\n]+)",
            bodies,
        )
        assert image and image["alt"] in (folder / "export.xml").read_text(encoding="utf-8")
        assert "<" not in bodies.replace("&lt;", "")
